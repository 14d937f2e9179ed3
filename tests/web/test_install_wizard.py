"""The install wizard through HTTP: step order enforced, state in the database, secrets kept."""

from __future__ import annotations

import re

import pytest

from app.demo import shapes
from app.extensions import db
from app.models import AuditEvent, Credential, Installation, WizardSession
from tests.install_support import API_KEY_AUTH, VARIABLES, add_version, admin, publish, wizard, wizard_id_from

SECRET_KEY_VALUE = "sk_live_SECRET_value_7f3e9abcd"


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _api_key_integration(**kwargs):
    return publish(
        auth=API_KEY_AUTH,
        schema=VARIABLES,
        manifest={
            "members": [
                {"key": "flow", "kind": "workflow", "name": "Main flow"},
                {"key": "tpl", "kind": "template", "name": "Starter", "forkOnInstall": True},
            ],
            "dependencies": [],
            "defaults": {"region": "eu", "channel": "#ops"},
        },
        **kwargs,
    )


def _to_step(client, integration, workspace, api_key=None):
    """Through step 1 (the dependencies step is skipped: these depend on nothing), and the API key
    when given; returns the wizard id."""
    wid = _start(client, integration, workspace)
    if api_key:
        client.post_form(f"/install/w/{wid}/auth", {"api_key": api_key})
    return wid


def _start(client, integration, workspace):
    url = f"/install/{integration.publisher}/{integration.slug}"
    response = client.post_form(url, {"workspace": workspace.id, "consent": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return wizard_id_from(response.headers["Location"])


def test_api_key_install_end_to_end(client, auth, factories):
    user, workspace = admin()
    integration = _api_key_integration(trust_tier="community")
    auth.login(user)

    page = client.get(f"/install/{integration.publisher}/{integration.slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Caution: community integration" in html and integration.publisher in html and "1.0.0" in html
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    # No dependencies: that step is no page, straight on to Connect; the progress says why.
    assert started.headers["Location"].endswith(f"/install/w/{wid}/auth")
    assert client.get(f"/install/w/{wid}/dependencies").headers["Location"].endswith(f"/install/w/{wid}/auth")
    auth_page = client.get(f"/install/w/{wid}/auth").get_data(as_text=True)
    assert 'type="password"' in auth_page and "X-Api-Key: ••••" in auth_page
    assert "<strong>Settings</strong>" in auth_page and "<script>alert(1)" not in auth_page

    response = client.post_form(f"/install/w/{wid}/auth", {"api_key": SECRET_KEY_VALUE})
    assert response.headers["Location"].endswith(f"/install/w/{wid}/variables")
    back = client.get(f"/install/w/{wid}/auth").get_data(as_text=True)
    assert "••••abcd" in back and SECRET_KEY_VALUE not in back and "Replace" in back

    form = client.get(f"/install/w/{wid}/variables").get_data(as_text=True)
    assert 'value="#ops"' in form  # manifest default
    bad = client.post_form(
        f"/install/w/{wid}/variables", {"var-channel": "ops", "var-region": "mars", "var-batch": "500"}
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Does not match the required format: a # followed by lower-case letters, like #alerts" in text
    assert "at most 100" in text and 'value="ops"' in text
    assert wizard(wid).data["variables"] == {"region": "eu", "channel": "#ops"}

    ok = client.post_form(
        f"/install/w/{wid}/variables", {"var-channel": "#alerts", "var-region": "us", "var-batch": "20"}
    )
    assert ok.headers["Location"].endswith(f"/install/w/{wid}/review")
    review = client.get(f"/install/w/{wid}/review").get_data(as_text=True)
    # Settings by their titles, never raw keys.
    assert "<dt>Batch size</dt><dd>20</dd>" in review and "<dt>Channel</dt><dd>#alerts</dd>" in review
    assert "<code>batch</code>" not in review
    assert "copied into your workspace" in review and "••••abcd" in review and SECRET_KEY_VALUE not in review

    events, installs = _count(AuditEvent), integration.install_count
    done = client.post_form(f"/install/w/{wid}/review")
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/workspaces/{workspace.slug}/installations"
    )
    installation = db.session.scalar(
        db.select(Installation).where(Installation.integration_id == integration.id)
    )
    assert installation.variables == {"channel": "#alerts", "region": "us", "batch": 20}
    assert installation.version.version == "1.0.0" and installation.installed_by == user.id
    modes = {m.member_key: m.mode for m in installation.members}
    assert modes == {"flow": "linked", "tpl": "fork"}
    assert installation.credential.kind == "api_key"
    assert installation.credential.secret_encrypted.startswith("gAAAAA")
    assert SECRET_KEY_VALUE not in installation.credential.secret_encrypted
    assert _count(AuditEvent) == events + 1
    event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(1))
    assert event.action == "installation.created" and SECRET_KEY_VALUE not in str(event.diff)
    db.session.refresh(integration)
    assert integration.install_count == installs + 1
    # The finished wizard keeps no secret and cannot be resumed.
    finished = wizard(wid)
    assert finished.secret_encrypted is None and finished.completed_at is not None
    assert client.get(f"/install/w/{wid}/review").status_code == 410

    listing = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    assert integration.name in listing and "••••abcd" in listing and SECRET_KEY_VALUE not in listing


def test_the_demos_channel_setting_is_told_its_hint_beside_the_field(client, auth):
    """The demo's channel setting has a pattern: a value off it is answered with the publisher's hint,
    beside the field, not only "Does not match the required format"."""
    schema, defaults = shapes.variables("channel")
    user, workspace = admin()
    integration = publish(schema=schema, manifest={"members": [], "dependencies": [], "defaults": defaults})
    auth.login(user)
    wid = _start(client, integration, workspace)
    bad = client.post_form(f"/install/w/{wid}/variables", {"var-channel": "Alerts"})
    assert bad.status_code == 422
    errors = re.search(r'<ul class="field-errors" id="var-channel-errors">(.*?)</ul>', bad.text, re.S)
    assert errors, bad.text
    assert "Does not match the required format: a # and the channel&#39;s name in lower case" in errors[1]
    assert "like #alerts" in errors[1]


def test_none_auth_skips_the_auth_step(client, auth):
    user, workspace = admin()
    integration = publish()
    auth.login(user)
    wid = _start(client, integration, workspace)
    # No dependencies, no sign-in, no variables: from consent straight to review.
    assert wizard(wid).step == 5
    page = client.get(f"/install/w/{wid}/review").get_data(as_text=True)
    for note in ("skipped: needs no other integration", "skipped: no sign-in needed", "skipped: no settings"):
        assert note in page
    assert f'href="/install/w/{wid}/workspace"' in page  # Back goes to the step before that applies
    for step in ("dependencies", "auth", "variables"):  # never entered: back to where the wizard is
        skipped = client.get(f"/install/w/{wid}/{step}")
        assert skipped.status_code == 302 and skipped.headers["Location"].endswith(f"/install/w/{wid}/review")
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    assert _count(Installation) == 1


def test_steps_cannot_be_skipped_by_url(client, auth):
    user, workspace = admin()
    integration = _api_key_integration()
    auth.login(user)
    wid = _start(client, integration, workspace)
    for step in ("variables", "review"):
        response = client.get(f"/install/w/{wid}/{step}")
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/install/w/{wid}/auth")
    before = wizard(wid).completed_steps
    response = client.post_form(f"/install/w/{wid}/review")
    assert response.status_code == 302 and _count(Installation) == 0
    assert (
        client.post_form(f"/install/w/{wid}/variables", {"var-channel": "#a", "var-region": "eu"}).status_code
        == 302
    )
    assert wizard(wid).completed_steps == before
    assert client.get(f"/install/w/{wid}/nonsense").status_code == 404
    # Back works: step 1 of a started wizard.
    assert client.get(f"/install/w/{wid}/workspace").status_code == 200


def test_another_users_wizard_is_not_found(client, auth):
    owner, workspace = admin()
    integration = _api_key_integration()
    auth.login(owner)
    wid = _start(client, integration, workspace)
    auth.logout()
    intruder, other_ws = admin()
    auth.login(intruder)
    for step in ("workspace", "dependencies", "review"):
        assert client.get(f"/install/w/{wid}/{step}").status_code == 404
    assert client.post_form(f"/install/w/{wid}/dependencies").status_code == 404
    assert client.post_form(f"/install/w/{wid}/cancel").status_code == 404
    assert wizard(wid).completed_steps == ["workspace"]


def test_anonymous_is_sent_to_login(client):
    integration = publish()
    response = client.get(f"/install/{integration.publisher}/{integration.slug}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "next=" in response.headers["Location"]


def test_a_member_who_is_not_admin_is_told_who_can_install(client, auth, factories):
    owner, workspace = admin()
    member = factories.member(workspace=workspace, role="member").user
    integration = publish()
    auth.login(member)
    page = client.get(f"/install/{integration.publisher}/{integration.slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and owner.email in html and workspace.name in html
    response = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    assert response.status_code == 422 and _count(WizardSession) == 0


@pytest.mark.parametrize("state", ["draft", "private", "deleted"])
def test_integrations_the_user_cannot_see_are_not_found(client, auth, factories, state):
    user, workspace = admin()
    integration = publish(visibility="private" if state == "private" else "public")
    if state == "draft":
        integration.current_version = None
    if state == "deleted":
        from app.models.base import utcnow

        integration.deleted_at = utcnow()
    db.session.flush()
    auth.login(user)
    url = f"/install/{integration.publisher}/{integration.slug}"
    assert client.get(url).status_code == 404
    assert client.post_form(url, {"workspace": workspace.id, "consent": "y"}).status_code == 404
    assert _count(WizardSession) == 0 and _count(Installation) == 0


def test_consent_is_required_and_only_admin_workspaces_are_accepted(client, auth, factories):
    user, workspace = admin()
    elsewhere = factories.member(user=user, role="member").workspace
    integration = publish()
    auth.login(user)
    url = f"/install/{integration.publisher}/{integration.slug}"
    assert client.post_form(url, {"workspace": workspace.id}).status_code == 422
    assert client.post_form(url, {"workspace": elsewhere.id, "consent": "y"}).status_code == 422
    assert client.post(url, data={"workspace": workspace.id, "consent": "y"}).status_code == 400  # no CSRF
    assert _count(WizardSession) == 0


def test_second_install_into_the_same_workspace_is_a_conflict(client, auth, factories):
    user, workspace = admin()
    integration = publish()
    factories.InstallationFactory(workspace=workspace, integration=integration, installed_by=user.id)
    auth.login(user)
    response = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    assert response.status_code == 409
    assert f"Already installed in {workspace.name}" in response.get_data(as_text=True)
    assert _count(WizardSession) == 0


def test_already_installed_is_said_on_the_first_step_before_consent(client, auth, factories):
    user, workspace = admin()
    other = factories.member(user=user, role="admin").workspace
    integration = publish(versions=("1.0.0", "1.1.0"))
    old = next(v for v in integration.versions if v.version == "1.0.0")
    factories.InstallationFactory(workspace=workspace, integration=integration, version=old)
    auth.login(user)
    url = f"/install/{integration.publisher}/{integration.slug}"
    page = client.get(url).get_data(as_text=True)
    assert f"Already installed in {workspace.name}</strong> (version 1.0.0; 1.1.0 is available)" in page
    assert f'href="/workspaces/{workspace.slug}/installations">Upgrade or manage it' in page
    assert page.index("Already installed") < page.index('name="consent"')  # before consent
    assert f'<option value="{other.id}">' in page and f'value="{workspace.id}"' not in page  # not offered

    factories.InstallationFactory(workspace=other, integration=integration)
    page = client.get(url).get_data(as_text=True)
    assert f"Already installed in {other.name}" in page and "Manage it in" in page
    assert 'name="consent"' not in page and "nothing to install" in page
    assert "You cannot install integrations yet" not in page
    assert 'aria-label="Install steps"' not in page  # no steps to walk: no progress shown


def test_wizard_resumes_and_expires(client, auth, app):
    user, workspace = admin()
    integration = publish()
    auth.login(user)
    wid = _start(client, integration, workspace)
    resumed = client.get(f"/install/{integration.publisher}/{integration.slug}")
    assert resumed.status_code == 302 and wid in resumed.headers["Location"]
    from datetime import timedelta

    from app.models.base import utcnow

    wizard(wid).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()  # (a savepoint release: the test's transaction is still rolled back at the end)
    assert client.get(f"/install/w/{wid}/dependencies").status_code == 410
    assert client.get(f"/install/{integration.publisher}/{integration.slug}").status_code == 200


def test_new_installs_pin_the_current_version_never_a_yanked_one(client, auth):
    from app.models.base import utcnow

    user, workspace = admin()
    integration = publish(versions=("1.0.0", "1.1.0"))
    newest = next(v for v in integration.versions if v.version == "1.1.0")
    newest.yanked_at = utcnow()
    integration.current_version = "1.0.0"  # the highest non-yanked
    auth.login(user)
    wid = _start(client, integration, workspace)
    assert wizard(wid).version.version == "1.0.0"


def test_a_version_yanked_during_the_wizard_is_not_installed(client, auth):
    from app.models.base import utcnow

    user, workspace = admin()
    integration = publish()
    auth.login(user)
    wid = _to_step(client, integration, workspace)
    client.post_form(f"/install/w/{wid}/variables")
    wizard(wid).version.yanked_at = utcnow()
    db.session.commit()
    response = client.post_form(f"/install/w/{wid}/review")
    assert response.status_code == 422 and "withdrawn" in response.get_data(as_text=True)
    assert _count(Installation) == 0


def test_confirming_after_someone_else_installed_is_a_conflict(client, auth, factories):
    user, workspace = admin()
    integration = publish()
    auth.login(user)
    wid = _to_step(client, integration, workspace)
    client.post_form(f"/install/w/{wid}/variables")
    factories.InstallationFactory(workspace=workspace, integration=integration)
    db.session.commit()
    events = _count(AuditEvent)
    response = client.post_form(f"/install/w/{wid}/review")
    assert response.status_code == 409 and "already installed" in response.get_data(as_text=True)
    assert _count(Installation) == 1 and _count(AuditEvent) == events


def test_expired_wizards_are_forgotten_with_their_secrets(client, auth):
    from datetime import timedelta

    from app.models.base import utcnow

    user, workspace = admin()
    first, second = _api_key_integration(), publish()
    auth.login(user)
    wid = _to_step(client, first, workspace, api_key=SECRET_KEY_VALUE)
    assert wizard(wid).secret_encrypted
    wizard(wid).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _start(client, second, workspace)
    assert wizard(wid) is None


def test_dependency_installed_first_through_its_own_wizard(client, auth):
    user, workspace = admin()
    base = publish(versions=("1.0.0", "1.2.0", "2.0.0"))
    app_ = publish(
        manifest={
            "members": [],
            "defaults": {},
            "dependencies": [{"integration": f"{base.publisher}/{base.slug}", "version": "^1.0.0"}],
        }
    )
    auth.login(user)
    wid = _start(client, app_, workspace)
    page = client.get(f"/install/w/{wid}/dependencies").get_data(as_text=True)
    assert "Not installed" in page and "1.2.0 first" in page
    blocked = client.post_form(f"/install/w/{wid}/dependencies")
    assert blocked.status_code == 422 and "Install these first" in blocked.get_data(as_text=True)

    child = client.post_form(
        f"/install/w/{wid}/dependencies/install", {"dependency": f"{base.publisher}/{base.slug}"}
    )
    cid = wizard_id_from(child.headers["Location"])
    assert wizard(cid).parent_id == wid and wizard(cid).version.version == "1.2.0"
    assert (
        client.post_form(
            f"/install/w/{cid}/workspace", {"workspace": workspace.id, "consent": "y"}
        ).status_code
        == 302
    )
    done = client.post_form(f"/install/w/{cid}/review")  # the child has no dependencies nor settings
    assert done.headers["Location"].endswith(f"/install/w/{wid}/dependencies")  # the flow comes back

    assert "Installed 1.2.0" in client.get(f"/install/w/{wid}/dependencies").get_data(as_text=True)
    assert client.post_form(f"/install/w/{wid}/dependencies").headers["Location"].endswith("/review")


def test_dependency_cycles_are_refused(client, auth):
    user, workspace = admin()
    a = publish()
    b = publish(
        manifest={
            "members": [],
            "defaults": {},
            "dependencies": [{"integration": f"{a.publisher}/{a.slug}", "version": "*"}],
        }
    )
    cyclic = {
        "members": [],
        "defaults": {},
        "dependencies": [{"integration": f"{b.publisher}/{b.slug}", "version": "*"}],
    }
    a.manifest = cyclic
    add_version(a, "1.1.0", manifest=cyclic)
    auth.login(user)
    wid = _start(client, a, workspace)
    page = client.get(f"/install/w/{wid}/dependencies").get_data(as_text=True)
    assert "form a cycle" in page
    assert (
        client.post_form(
            f"/install/w/{wid}/dependencies/install", {"dependency": f"{b.publisher}/{b.slug}"}
        ).status_code
        == 422
    )
    assert client.post_form(f"/install/w/{wid}/dependencies").status_code == 422
    assert _count(WizardSession) == 1


def test_cancel_writes_nothing(client, auth):
    user, workspace = admin()
    integration = _api_key_integration()
    auth.login(user)
    wid = _to_step(client, integration, workspace, api_key=SECRET_KEY_VALUE)
    assert client.post_form(f"/install/w/{wid}/cancel").status_code == 302
    assert wizard(wid) is None and _count(Installation) == 0 and _count(Credential) == 0


def test_rights_are_checked_on_every_step(client, auth, factories):
    from app.models import Membership

    user, workspace = admin(role="admin")
    integration = publish(visibility="public")
    auth.login(user)
    wid = _to_step(client, integration, workspace)
    db.session.scalar(db.select(Membership).where(Membership.user_id == user.id)).role = "member"
    db.session.commit()
    assert client.get(f"/install/w/{wid}/variables").status_code == 403
    assert client.post_form(f"/install/w/{wid}/review").status_code == 403
    db.session.scalar(db.select(Membership).where(Membership.user_id == user.id)).role = "admin"
    integration.visibility = "private"  # the publisher hides it; this user is not in its workspace
    db.session.commit()
    assert client.get(f"/install/w/{wid}/variables").status_code == 404
    assert _count(Installation) == 0


def test_review_shows_yes_and_no_not_python_booleans(client, auth):
    user, workspace = admin()
    schema = {
        "type": "object",
        "properties": {
            "notify": {"type": "boolean", "title": "Send notifications"},
            "dryRun": {"type": "boolean", "title": "Dry run"},
            "batchSize": {"type": "integer", "title": "Batch size", "default": 50},
        },
    }
    integration = publish(schema=schema)
    auth.login(user)
    wid = _start(client, integration, workspace)
    assert (
        client.post_form(
            f"/install/w/{wid}/variables", {"var-notify": "y", "var-batchSize": "50"}
        ).status_code
        == 302
    )
    review = client.get(f"/install/w/{wid}/review").get_data(as_text=True)
    assert "<dt>Send notifications</dt><dd>Yes</dd>" in review and "<dt>Dry run</dt><dd>No</dd>" in review
    assert "<dt>Batch size</dt><dd>50</dd>" in review
    assert "True" not in review and "False" not in review and "batchSize" not in review


def test_labelled_choices_are_offered_and_reviewed_by_their_titles(client, auth):
    user, workspace = admin()
    regions = [{"const": "eu", "title": "Europe (Frankfurt)"}, {"const": "us", "title": "United States"}]
    schema = {
        "type": "object",
        "required": ["region"],
        "properties": {"region": {"type": "string", "title": "Data region", "oneOf": regions}},
    }
    integration = publish(schema=schema)
    auth.login(user)
    wid = _start(client, integration, workspace)
    form = client.get(f"/install/w/{wid}/variables").get_data(as_text=True)
    assert '<option value="eu">Europe (Frankfurt)</option>' in form
    assert '<option value="us">United States</option>' in form
    refused = client.post_form(f"/install/w/{wid}/variables", {"var-region": "apac"})
    assert refused.status_code == 422
    assert "Choose one of: Europe (Frankfurt), United States." in refused.get_data(as_text=True)
    assert client.post_form(f"/install/w/{wid}/variables", {"var-region": "us"}).status_code == 302
    assert wizard(wid).data["variables"] == {"region": "us"}  # the const is what is kept
    review = client.get(f"/install/w/{wid}/review").get_data(as_text=True)
    assert "<dt>Data region</dt><dd>United States</dd>" in review and ">us<" not in review


def test_a_saved_api_key_is_never_put_back_into_the_page(client, auth):
    user, workspace = admin()
    integration = _api_key_integration()
    auth.login(user)
    wid = _to_step(client, integration, workspace, api_key=SECRET_KEY_VALUE)
    for step in ("auth", "variables", "review"):
        page = client.get(f"/install/w/{wid}/{step}").get_data(as_text=True)
        assert SECRET_KEY_VALUE not in page and SECRET_KEY_VALUE[:-4] not in page, step
    auth_page = client.get(f"/install/w/{wid}/auth").get_data(as_text=True)
    assert "••••abcd" in auth_page and 'type="password"' in auth_page and 'value="sk_' not in auth_page
