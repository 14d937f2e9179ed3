"""Connection tests (authConfig.test) against the demo service's test endpoint over real HTTP:
the wizard's auth step says "Invalid key (401)" beside the field before moving on (the key never
rendered back), a working key answers "Connected" beside the field on the same step, then moves on,
and the installation starts with that check. A replaced key is tested before it is saved: a failing
one is refused beside the field and the old key stays."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Installation
from app.services import connection_check
from tests.install_support import admin, publish, wizard, wizard_id_from

WRONG = "wrong-key-0000"
RIGHT = "demo-key-1234"


def _tested_integration(provider_url: str, **kwargs):
    auth = {
        "type": "api_key",
        "authHeaderName": "X-Api-Key",
        "authValuePrefix": "",
        "test": {"method": "GET", "url": f"{provider_url}/demo-oauth/test", "expectStatus": 200},
    }
    return publish(auth=auth, **kwargs)


def test_a_wrong_key_is_refused_beside_the_field_and_a_right_one_connects(client, auth, oauth_provider):
    user, workspace = admin()
    integration = _tested_integration(oauth_provider.url)
    auth.login(user)
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])

    wrong = client.post_form(f"/install/w/{wid}/auth", {"api_key": WRONG})
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    errors = re.search(r'<ul class="field-errors" id="api_key-errors">(.*?)</ul>', page, re.S)
    assert errors and "Invalid key (401)" in errors.group(1)  # told at once, beside the field
    assert WRONG not in page and 'aria-invalid="true"' in page  # a secret is never rendered back
    assert "Connected" not in page
    db.session.expire_all()
    assert "credential" not in (wizard(wid).data or {})  # nothing staged

    right = client.post_form(f"/install/w/{wid}/auth", {"api_key": RIGHT})
    assert right.status_code == 302 and right.headers["Location"].endswith(f"/install/w/{wid}/auth")
    answered = client.get(right.headers["Location"])
    assert answered.status_code == 200
    page = answered.get_data(as_text=True)
    status = re.search(r'<p class="field-status" id="api_key-status" role="status">(.*?)</p>', page, re.S)
    assert status and status.group(1).startswith("Connected")  # beside the field, on the auth step
    assert RIGHT not in page and "••••1234" in page
    onward = re.search(r'<a class="button" href="([^"]+)">Continue</a>', page)
    assert onward and onward.group(1).endswith(f"/install/w/{wid}/review")
    assert client.get(onward.group(1)).status_code == 200

    done = client.post_form(f"/install/w/{wid}/review")
    assert done.status_code == 302
    installation = db.session.scalar(
        db.select(Installation).where(Installation.integration_id == integration.id)
    )
    assert installation.check_ok is True and installation.check_detail == "200" and installation.checked_at


def test_an_integration_without_a_test_saves_the_key_without_a_call(client, auth):
    user, workspace = admin()
    integration = publish(auth={"type": "api_key", "authHeaderName": "X-Api-Key", "authValuePrefix": ""})
    auth.login(user)
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    assert client.post_form(f"/install/w/{wid}/auth", {"api_key": WRONG}).status_code == 302


def test_run_names_what_came_back_from_a_fixed_vocabulary(oauth_provider):
    config = {
        "type": "api_key",
        "authHeaderName": "Authorization",
        "authValuePrefix": "Bearer ",
        "test": {"url": f"{oauth_provider.url}/demo-oauth/test"},
    }
    assert connection_check.run(config, {"kind": "api_key", "api_key": RIGHT}).message == "Connected"
    assert connection_check.run(config, {"kind": "api_key", "api_key": WRONG}).message == "Invalid key (401)"
    gone = {**config, "test": {"url": "http://127.0.0.1:9/test"}}
    assert connection_check.run(gone, {"kind": "api_key", "api_key": RIGHT}).message == (
        "The service could not be reached"
    )
    assert connection_check.run({"type": "api_key"}, {"kind": "api_key", "api_key": RIGHT}) is None


def _installed_with_key(provider_url, key):
    from app.models import Credential
    from app.services import crypto
    from tests import factories

    owner, workspace = admin()
    integration = _tested_integration(provider_url)
    installation = factories.InstallationFactory(
        workspace=workspace, integration=integration, installed_by=owner.id
    )
    installation.credential = Credential(
        kind="api_key", secret_encrypted=crypto.encrypt_json({"kind": "api_key", "api_key": key})
    )
    db.session.flush()
    return owner, workspace, installation


def test_check_now_shows_a_failing_check_with_its_fix_and_a_replaced_key_connects(
    client, auth, oauth_provider
):
    owner, workspace, installation = _installed_with_key(oauth_provider.url, WRONG)
    name = installation.integration.name
    auth.login(owner)
    listing = f"/workspaces/{workspace.slug}/installations"
    base = f"{listing}/{installation.id}"
    assert "Check now" in client.get(listing).get_data(as_text=True)

    queued = client.post_form(f"{base}/check")  # the job runs after the commit (in-process in tests)
    assert queued.status_code == 302
    page = client.get(listing).get_data(as_text=True)
    assert "Check failing" in page and "The connection test failed: Invalid key (401)." in page
    assert f"Replace the key of {name}" in page and "checked just now" in page

    replaced = client.post_form(f"{base}/credential", {"api_key": RIGHT})
    assert replaced.status_code == 302
    page = client.get(listing).get_data(as_text=True)
    assert "Check failing" not in page and "Connected" in page and "checked just now" in page
    db.session.expire_all()
    assert db.session.get(Installation, installation.id).check_ok is True


def test_check_now_is_a_csrf_post_for_admins_only(client, auth, oauth_provider, factories):
    owner, workspace, installation = _installed_with_key(oauth_provider.url, RIGHT)
    member = factories.member(workspace=workspace, role="member").user
    base = f"/workspaces/{workspace.slug}/installations/{installation.id}"
    auth.login(member)
    assert client.post_form(f"{base}/check").status_code == 403
    auth.logout()
    auth.login(owner)
    assert client.post(f"{base}/check").status_code == 400  # no CSRF token
    assert client.get(f"{base}/check").status_code == 405


def test_the_periodic_check_tests_each_installation_once_an_hour(oauth_provider):
    _, _, installation = _installed_with_key(oauth_provider.url, RIGHT)
    assert installation.id in connection_check.due()
    assert connection_check.check_due() >= 1
    db.session.expire_all()
    checked = db.session.get(Installation, installation.id)
    assert checked.check_ok is True and checked.check_detail == "200"
    assert installation.id not in connection_check.due()


def test_an_oauth2_install_tests_the_new_access_token(client, auth, oauth_provider, resource_owner):
    from app.services import crypto
    from tests.install_fixtures import CLIENT_SECRET, local_path
    from tests.install_support import oauth_auth

    user, workspace = admin()
    config = {
        **oauth_auth(oauth_provider.url, ["read"]),
        "test": {"url": f"{oauth_provider.url}/demo-oauth/test"},
    }
    integration = publish(auth=config)
    integration.oauth_client_secret_encrypted = crypto.encrypt_json(CLIENT_SECRET)
    auth.login(user)
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    authorize = client.post_form(f"/install/w/{wid}/auth/connect").headers["Location"]
    done = client.get(local_path(resource_owner.decide(authorize)))
    assert done.status_code == 302
    assert wizard(wid).data["connection_test"] == {"ok": True, "detail": "200"}
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    installation = db.session.scalar(
        db.select(Installation).where(Installation.integration_id == integration.id)
    )
    assert installation.check_ok is True


def _stored(installation_id):
    from app.models import AuditEvent

    db.session.expire_all()
    installation = db.session.get(Installation, installation_id)
    audits = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    return (
        installation.credential.secret_encrypted,
        installation.checked_at,
        installation.check_ok,
        installation.check_detail,
        audits,
    )


def test_a_replacement_key_that_fails_its_test_is_refused_and_the_old_key_stays(client, auth, oauth_provider):
    from app.services import crypto

    owner, workspace, installation = _installed_with_key(oauth_provider.url, RIGHT)
    connection_check.check_installation(installation.id)  # connected with the old key
    auth.login(owner)
    base = f"/workspaces/{workspace.slug}/installations/{installation.id}"
    form = client.get(f"{base}/credential").get_data(as_text=True)
    assert "Test and replace key" in form and "tested first" in form
    before = _stored(installation.id)
    assert before[2] is True

    refused = client.post_form(f"{base}/credential", {"api_key": WRONG})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    errors = re.search(r'<ul class="field-errors" id="api_key-errors">(.*?)</ul>', page, re.S)
    assert errors and "Invalid key (401)" in errors.group(1)
    assert WRONG not in page and RIGHT not in page
    assert _stored(installation.id) == before  # nothing written: the old key, its health, no audit event
    credential = db.session.get(Installation, installation.id).credential
    assert crypto.decrypt_json(credential.secret_encrypted)["api_key"] == RIGHT

    other = "demo-key-9999"
    replaced = client.post_form(f"{base}/credential", {"api_key": other})
    assert replaced.status_code == 302
    after = _stored(installation.id)
    assert after[0] != before[0] and after[2] is True and after[3] == "200" and after[4] == before[4] + 1
    credential = db.session.get(Installation, installation.id).credential
    assert crypto.decrypt_json(credential.secret_encrypted)["api_key"] == other
    page = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    assert "Connected" in page and "checked just now" in page and "Check failing" not in page


def test_a_replacement_key_whose_service_cannot_be_reached_is_refused_too(client, auth, oauth_provider):
    owner, workspace, installation = _installed_with_key(oauth_provider.url, RIGHT)
    installation.version.auth_config = {
        **installation.version.auth_config,
        "test": {"method": "GET", "url": "http://127.0.0.1:9/test", "expectStatus": 200},
    }
    db.session.flush()
    auth.login(owner)
    before = _stored(installation.id)
    base = f"/workspaces/{workspace.slug}/installations/{installation.id}"
    refused = client.post_form(f"{base}/credential", {"api_key": "demo-key-4444"})
    assert refused.status_code == 422
    assert "The service could not be reached" in refused.get_data(as_text=True)
    assert _stored(installation.id) == before


def test_a_replacement_key_without_a_declared_test_is_saved_without_a_call(client, auth):
    from app.models import Credential
    from app.services import crypto
    from tests import factories

    owner, workspace = admin()
    integration = publish(auth={"type": "api_key", "authHeaderName": "X-Api-Key", "authValuePrefix": ""})
    installation = factories.InstallationFactory(
        workspace=workspace, integration=integration, installed_by=owner.id
    )
    installation.credential = Credential(
        kind="api_key", secret_encrypted=crypto.encrypt_json({"kind": "api_key", "api_key": RIGHT})
    )
    db.session.flush()
    auth.login(owner)
    base = f"/workspaces/{workspace.slug}/installations/{installation.id}"
    assert "Test and replace key" not in client.get(f"{base}/credential").get_data(as_text=True)
    assert client.post_form(f"{base}/credential", {"api_key": WRONG}).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Installation, installation.id)
    assert crypto.decrypt_json(stored.credential.secret_encrypted)["api_key"] == WRONG
    assert stored.checked_at is None and stored.check_ok is None


def test_a_wrong_key_on_the_connected_step_keeps_the_tested_one(client, auth, oauth_provider):
    from app.services.wizard import staged_secret

    user, workspace = admin()
    integration = _tested_integration(oauth_provider.url)
    auth.login(user)
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    assert client.post_form(f"/install/w/{wid}/auth", {"api_key": RIGHT}).status_code == 302
    refused = client.post_form(f"/install/w/{wid}/auth", {"api_key": WRONG})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Invalid key (401)" in page and WRONG not in page and 'id="api_key-status"' not in page
    assert "The saved key ••••1234 stays" in page and ">Continue</a>" in page
    db.session.expire_all()
    assert staged_secret(wizard(wid))["credential"]["api_key"] == RIGHT
    assert wizard(wid).data["connection_test"] == {"ok": True, "detail": "200"}
