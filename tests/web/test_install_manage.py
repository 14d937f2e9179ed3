"""/workspaces/<ws>/installations: upgrade (re-consent, re-validation), reconfigure, replace a key,
reconnect, uninstall. Members see, admins act, every change is one audit event."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, Credential, Installation, WizardSession
from app.models.base import utcnow
from app.services import crypto
from tests.install_fixtures import CLIENT_SECRET, local_path
from tests.install_support import API_KEY_AUTH, add_version, admin, oauth_auth, publish, wizard_id_from

KEY = "key_ORIGINAL_secret_1111"
NEW_KEY = "key_REPLACEMENT_secret_2222"


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _installed(factories, workspace, user, integration, *, variables=None, credential=None, scopes=()):
    installation = factories.InstallationFactory(
        workspace=workspace,
        integration=integration,
        installed_by=user.id,
        variables=variables or {},
        version=integration.versions[-1],
        granted_scopes=list(scopes),
    )
    if credential:
        installation.credential = Credential(
            kind=credential["kind"], secret_encrypted=crypto.encrypt_json(credential)
        )
    integration.install_count = 1
    db.session.flush()
    return installation


def _base(ws, inst):
    return f"/workspaces/{ws.slug}/installations/{inst.id}"


def _start_upgrade(client, workspace, installation) -> str:
    return wizard_id_from(client.post_form(f"{_base(workspace, installation)}/upgrade").headers["Location"])


def test_members_see_admins_act(client, auth, factories):
    owner, workspace = admin()
    integration = publish(auth=API_KEY_AUTH)
    installation = _installed(
        factories, workspace, owner, integration, credential={"kind": "api_key", "api_key": KEY}
    )
    member = factories.member(workspace=workspace, role="member").user
    outsider, _ = admin()
    auth.login(member)
    page = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    assert integration.name in page and "••••1111" in page and KEY not in page and "Uninstall" not in page
    assert client.post_form(f"{_base(workspace, installation)}/uninstall").status_code == 403
    assert client.get(f"{_base(workspace, installation)}/settings").status_code == 403
    auth.logout()
    auth.login(outsider)
    assert client.get(f"/workspaces/{workspace.slug}/installations").status_code == 404
    assert client.post_form(f"{_base(workspace, installation)}/uninstall").status_code == 404
    db.session.refresh(installation)
    assert installation.status == "active"


def test_uninstall_erases_credentials_keeps_history_and_warns_dependents(client, auth, factories):
    owner, workspace = admin()
    integration = publish(auth=API_KEY_AUTH)
    installation = _installed(
        factories, workspace, owner, integration, credential={"kind": "api_key", "api_key": KEY}
    )
    dependent = publish(
        manifest={
            "members": [],
            "defaults": {},
            "dependencies": [
                {"integration": f"{integration.publisher}/{integration.slug}", "version": "^1.0.0"}
            ],
        }
    )
    _installed(factories, workspace, owner, dependent)
    auth.login(owner)
    warning = client.get(f"{_base(workspace, installation)}/uninstall").get_data(as_text=True)
    assert "Other installations depend on it" in warning and dependent.name in warning
    assert client.post(f"{_base(workspace, installation)}/uninstall").status_code == 400  # CSRF required
    events = _count(AuditEvent)
    assert client.post_form(f"{_base(workspace, installation)}/uninstall").status_code == 302
    db.session.expire_all()
    installation = db.session.get(Installation, installation.id)
    assert installation.status == "uninstalled" and installation.uninstalled_by == owner.id
    assert installation.credential is None and _count(Credential) == 0
    assert installation.integration.install_count == 0
    assert _count(AuditEvent) == events + 1
    listing = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    assert "Uninstalled" in listing and "Needs attention" in listing  # the dependent lost what it needs
    flagged = db.session.scalar(db.select(Installation).where(Installation.integration_id == dependent.id))
    assert flagged.status == "needs_attention"
    # installing it again is allowed, and the dependent is whole again
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    client.post_form(f"/install/w/{wid}/dependencies")
    client.post_form(f"/install/w/{wid}/auth", {"api_key": NEW_KEY})
    client.post_form(f"/install/w/{wid}/variables")
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    db.session.expire_all()
    assert db.session.get(Installation, flagged.id).status == "active"


def test_replace_api_key_never_reveals(client, auth, factories):
    owner, workspace = admin()
    integration = publish(auth=API_KEY_AUTH)
    installation = _installed(
        factories, workspace, owner, integration, credential={"kind": "api_key", "api_key": KEY}
    )
    auth.login(owner)
    page = client.get(f"{_base(workspace, installation)}/credential").get_data(as_text=True)
    assert "••••1111" in page and KEY not in page and "reveal" not in page.lower()
    assert (
        client.post_form(f"{_base(workspace, installation)}/credential", {"api_key": ""}).status_code == 422
    )
    events = _count(AuditEvent)
    assert (
        client.post_form(f"{_base(workspace, installation)}/credential", {"api_key": NEW_KEY}).status_code
        == 302
    )
    db.session.expire_all()
    credential = db.session.get(Installation, installation.id).credential
    assert crypto.decrypt_json(credential.secret_encrypted)["api_key"] == NEW_KEY
    assert _count(AuditEvent) == events + 1
    event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(1))
    assert NEW_KEY not in str(event.diff) and KEY not in str(event.diff)


def test_reconfigure_validates_and_keeps_values(client, auth, factories):
    owner, workspace = admin()
    schema = {
        "type": "object",
        "required": ["size"],
        "properties": {"size": {"type": "integer", "title": "Size", "minimum": 1, "maximum": 10}},
    }
    integration = publish(schema=schema)
    installation = _installed(factories, workspace, owner, integration, variables={"size": 3})
    auth.login(owner)
    assert 'value="3"' in client.get(f"{_base(workspace, installation)}/settings").get_data(as_text=True)
    bad = client.post_form(f"{_base(workspace, installation)}/settings", {"var-size": "42"})
    assert bad.status_code == 422 and 'value="42"' in bad.get_data(as_text=True)
    events = _count(AuditEvent)
    assert (
        client.post_form(f"{_base(workspace, installation)}/settings", {"var-size": "7"}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(Installation, installation.id).variables == {"size": 7}
    assert _count(AuditEvent) == events + 1


def test_upgrade_with_new_scope_needs_reconsent_and_new_authorization(
    client, auth, factories, oauth_provider, resource_owner
):
    owner, workspace = admin()
    integration = publish(
        auth=oauth_auth(oauth_provider.url, ["read"]),
        schema={"type": "object", "properties": {"folder": {"type": "string"}}},
    )
    integration.oauth_client_secret_encrypted = crypto.encrypt_json(CLIENT_SECRET)
    installation = _installed(
        factories,
        workspace,
        owner,
        integration,
        variables={"folder": "/a"},
        credential={"kind": "oauth2", "access_token": "old-token", "scope": ["read"]},
        scopes=["read"],
    )
    new_schema = {
        "type": "object",
        "required": ["folder", "depth"],
        "properties": {
            "folder": {"type": "string", "pattern": "^/"},
            "depth": {"type": "integer", "minimum": 1},
        },
    }
    add_version(
        integration,
        "1.1.0",
        auth_config=oauth_auth(oauth_provider.url, ["read", "files:write"]),
        variables_schema=new_schema,
        changelog="## 1.1.0\n\n- **Writes** files now",
    )
    auth.login(owner)
    listing = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    assert "Upgrade to 1.1.0" in listing
    started = client.post_form(f"{_base(workspace, installation)}/upgrade")
    wid = wizard_id_from(started.headers["Location"])
    consent = client.get(f"/install/w/{wid}/workspace").get_data(as_text=True)
    assert (
        "asks for new permissions" in consent
        and "files:write" in consent
        and "<strong>Writes</strong>" in consent
    )
    assert client.post_form(f"/install/w/{wid}/workspace", {}).status_code == 422  # consent required
    assert client.post_form(f"/install/w/{wid}/workspace", {"consent": "y"}).status_code == 302
    client.post_form(f"/install/w/{wid}/dependencies")
    authorize = client.post_form(f"/install/w/{wid}/auth/connect").headers["Location"]
    assert "files%3Awrite" in authorize or "files:write" in authorize
    assert client.get(local_path(resource_owner.decide(authorize))).headers["Location"].endswith("/variables")
    # the old values no longer fit the new schema: the form says so beside the field
    bad = client.post_form(f"/install/w/{wid}/variables", {"var-folder": "/a", "var-depth": ""})
    assert bad.status_code == 422
    client.post_form(f"/install/w/{wid}/variables", {"var-folder": "/a", "var-depth": "2"})
    events = _count(AuditEvent)
    done = client.post_form(f"/install/w/{wid}/review")
    assert done.status_code == 302
    db.session.expire_all()
    installation = db.session.get(Installation, installation.id)
    assert installation.version.version == "1.1.0" and installation.granted_scopes == ["read", "files:write"]
    assert installation.variables == {"folder": "/a", "depth": 2}
    assert crypto.decrypt_json(installation.credential.secret_encrypted)["access_token"] != "old-token"
    assert _count(AuditEvent) == events + 1


def _keyed_upgrade(client, auth, factories, new_version):
    """An api_key installation of 1.0.0, `new_version` published since, the upgrade started."""
    owner, workspace = admin()
    integration = publish(auth=API_KEY_AUTH)
    installation = _installed(
        factories, workspace, owner, integration, credential={"kind": "api_key", "api_key": KEY}
    )
    add_version(integration, new_version)
    auth.login(owner)
    return installation.id, _start_upgrade(client, workspace, installation)


def test_declining_an_upgrade_keeps_the_old_pin_and_grants(client, auth, factories):
    installation_id, wid = _keyed_upgrade(client, auth, factories, "2.0.0")
    assert "No new permissions" in client.get(f"/install/w/{wid}/workspace").get_data(as_text=True)
    assert client.post_form(f"/install/w/{wid}/cancel").status_code == 302
    db.session.expire_all()
    installation = db.session.get(Installation, installation_id)
    assert (
        installation.version.version == "1.0.0"
        and crypto.decrypt_json(installation.credential.secret_encrypted)["api_key"] == KEY
    )
    assert _count(WizardSession) == 0


def test_upgrade_without_new_scopes_skips_auth(client, auth, factories):
    installation_id, wid = _keyed_upgrade(client, auth, factories, "1.0.1")
    # No dependencies, same key, no settings: from the changes straight to review.
    assert client.post_form(f"/install/w/{wid}/workspace", {}).headers["Location"].endswith("/review")
    page = client.get(f"/install/w/{wid}/review").get_data(as_text=True)
    assert "skipped: keeps the saved API key" in page and "no sign-in needed" not in page
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    db.session.expire_all()
    installation = db.session.get(Installation, installation_id)
    assert installation.version.version == "1.0.1"
    assert crypto.decrypt_json(installation.credential.secret_encrypted)["api_key"] == KEY


def test_reconnect_replaces_the_oauth_credential(client, auth, factories, oauth_provider, resource_owner):
    owner, workspace = admin()
    integration = publish(auth=oauth_auth(oauth_provider.url, ["read"]))
    integration.oauth_client_secret_encrypted = crypto.encrypt_json(CLIENT_SECRET)
    installation = _installed(
        factories,
        workspace,
        owner,
        integration,
        credential={"kind": "oauth2", "access_token": "stale", "scope": ["read"]},
    )
    auth.login(owner)
    authorize = client.post_form(f"{_base(workspace, installation)}/reconnect").headers["Location"]
    events = _count(AuditEvent)
    done = client.get(local_path(resource_owner.decide(authorize)))
    assert done.headers["Location"].endswith(f"/workspaces/{workspace.slug}/installations")
    db.session.expire_all()
    secret = crypto.decrypt_json(db.session.get(Installation, installation.id).credential.secret_encrypted)
    assert secret["access_token"] != "stale" and secret["refresh_token"]
    assert _count(AuditEvent) == events + 1


def test_installations_page_query_count_does_not_grow_with_installations(
    client, auth, factories, query_counter
):
    owner, workspace = admin()
    auth.login(owner)

    def page_queries():
        with query_counter as counter:
            assert client.get(f"/workspaces/{workspace.slug}/installations").status_code == 200
        return counter.count

    _installed(
        factories,
        workspace,
        owner,
        publish(auth=API_KEY_AUTH),
        credential={"kind": "api_key", "api_key": KEY},
    )
    one = page_queries()
    for _ in range(4):
        _installed(
            factories,
            workspace,
            owner,
            publish(auth=API_KEY_AUTH),
            credential={"kind": "api_key", "api_key": KEY},
        )
    assert page_queries() == one


def test_upgrade_flags_values_that_no_longer_fit(client, auth, factories):
    owner, workspace = admin()
    integration = publish(schema={"type": "object", "properties": {"size": {"type": "integer"}}})
    installation = _installed(factories, workspace, owner, integration, variables={"size": 50})
    add_version(
        integration,
        "2.0.0",
        variables_schema={
            "type": "object",
            "properties": {"size": {"type": "integer", "title": "Size", "maximum": 10}},
        },
    )
    auth.login(owner)
    wid = _start_upgrade(client, workspace, installation)
    client.post_form(f"/install/w/{wid}/workspace", {})
    client.post_form(f"/install/w/{wid}/dependencies")
    page = client.get(f"/install/w/{wid}/variables").get_data(as_text=True)
    assert "no longer fit this version" in page and "at most 10" in page and 'value="50"' in page


def _keyed(factories, versions=("1.0.0",), **documents):
    """An api_key installation of 1.0.0 with a saved region; `versions` published after it."""
    owner, workspace = admin()
    schema = {"type": "object", "properties": {"region": {"type": "string", "title": "Region"}}}
    integration = publish(auth=API_KEY_AUTH, schema=schema)
    installation = _installed(
        factories,
        workspace,
        owner,
        integration,
        variables={"region": "eu"},
        credential={"kind": "api_key", "api_key": KEY},
    )
    for version in versions:
        add_version(integration, version, **documents)
    return owner, workspace, integration, installation


def test_a_patch_upgrade_that_asks_nothing_new_is_one_confirm(client, auth, factories):
    owner, workspace, integration, installation = _keyed(
        factories, ("1.0.1",), changelog="- Fixes **retries**"
    )
    installation.version.yanked_at, installation.version.yank_reason = utcnow(), "Loses alerts on retry."
    auth.login(owner)
    page = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    assert f'action="{_base(workspace, installation)}/upgrade-now"' in page
    assert 'name="to" value="1.0.1"' in page and "What 1.0.1 changes" in page
    assert "Fixes <strong>retries</strong>" in page and "No new permissions, settings or sign-in" in page
    assert "Loses alerts on retry." in page  # the yank reason, beside the one confirm
    assert (
        client.post(f"{_base(workspace, installation)}/upgrade-now", data={"to": "1.0.1"}).status_code == 400
    )
    events = _count(AuditEvent)
    done = client.post_form(f"{_base(workspace, installation)}/upgrade-now", {"to": "1.0.1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/workspaces/{workspace.slug}/installations"
    )
    db.session.expire_all()
    installation = db.session.get(Installation, installation.id)
    assert installation.version.version == "1.0.1" and installation.variables == {"region": "eu"}
    assert crypto.decrypt_json(installation.credential.secret_encrypted)["api_key"] == KEY
    assert _count(AuditEvent) == events + 1 and _count(WizardSession) == 1  # its wizard, finished
    assert "upgraded to 1.0.1" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_an_upgrade_asking_something_new_still_goes_through_the_wizard(client, auth, factories):
    required = {
        "type": "object",
        "required": ["token"],
        "properties": {"region": {"type": "string"}, "token": {"type": "string", "title": "Token"}},
    }
    owner, workspace, integration, installation = _keyed(factories, ("1.1.0",), variables_schema=required)
    auth.login(owner)
    page = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    assert "upgrade-now" not in page and f'action="{_base(workspace, installation)}/upgrade"' in page
    # A version published after the page was shown is not upgraded to blind: the wizard shows it.
    wizard_start = client.post_form(f"{_base(workspace, installation)}/upgrade-now", {"to": "1.0.5"})
    assert "/install/w/" in wizard_start.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Installation, installation.id).version.version == "1.0.0"
    for version in ("2.0.0",):  # a major release is never one confirm
        add_version(integration, version)
    assert "upgrade-now" not in client.get(f"/workspaces/{workspace.slug}/installations").get_data(
        as_text=True
    )
