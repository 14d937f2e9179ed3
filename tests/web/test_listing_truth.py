"""Listing truth (DESIGN.md, Stage two): every surface outside the source workspace shows the current
version's snapshot, never the working copy's scopes, auth type, settings or dependencies."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Installation
from app.services import integrations as service
from tests.install_support import add_version, admin, publish, wizard_id_from

SNAPSHOT_AUTH = {"type": "api_key", "authHeaderName": "X-Snapshot-Key", "authValuePrefix": ""}
SNAPSHOT_VARIABLES = {
    "type": "object",
    "properties": {"region": {"type": "string", "title": "Region", "enum": ["eu", "us"]}},
}
SNAPSHOT_MANIFEST = {
    "members": [{"key": "flow", "kind": "workflow", "name": "Snapshot flow"}],
    "dependencies": [],
    "defaults": {"region": "eu"},
}
WORKING_DOCS = {
    "authConfig": {
        "type": "oauth2",
        "authorizeUrl": "https://wc-authorize.example.com/authorize",
        "tokenUrl": "https://wc-authorize.example.com/token",
        "scopes": ["read", "admin:everything"],
        "clientId": "wc-client",
    },
    "variablesSchema": {
        "type": "object",
        "properties": {"wcsecretsetting": {"type": "string", "title": "Wcsecretsetting"}},
    },
    "manifest": {
        "members": [{"key": "wcmember", "kind": "workflow", "name": "Wcmembername"}],
        "dependencies": [{"integration": "wcdep-pub/wcdep-slug", "version": "^1.0.0"}],
        "defaults": {},
    },
}
# What must never reach anyone outside the source workspace while it is unpublished.
MARKERS = (
    "admin:everything",
    "wc-authorize",
    "wc-client",
    "wcsecretsetting",
    "Wcsecretsetting",
    "wcdep-pub",
    "Wcmembername",
    "OAuth 2.0",
)


def _published_with_edits(name_token: str, trust_tier: str = "verified_partner"):
    """A public api_key integration at 1.0.0 (0.9.0 before it), its working copy then edited (saved
    through the service, as the dashboard and API do) to oauth2 with new scopes, settings and a
    dependency, and not published."""
    owner, source = admin()
    integration = publish(
        workspace=source,
        versions=("0.9.0", "1.0.0"),
        auth=SNAPSHOT_AUTH,
        schema=SNAPSHOT_VARIABLES,
        manifest=SNAPSHOT_MANIFEST,
        name=f"Truthful {name_token}",
        trust_tier=trust_tier,
    )
    service.update_integration(owner, integration, {}, docs=WORKING_DOCS)
    db.session.flush()
    assert integration.auth_config["scopes"] == ["read", "admin:everything"]  # saved, not published
    return owner, integration


def _no_marker(surface: str, text: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"{surface} shows the working copy's {marker!r}"


def _assert_snapshot(surface: str, item: dict) -> None:
    assert item["currentVersion"] == "1.0.0", surface
    assert item["authConfig"] == SNAPSHOT_AUTH, surface
    assert item["variablesSchema"] == SNAPSHOT_VARIABLES, surface
    assert item["manifest"] == SNAPSHOT_MANIFEST, surface
    assert len(item) == 18, surface


@pytest.mark.parametrize("viewer", ["anonymous", "other_member"])
def test_no_surface_shows_the_working_copy(client, auth, factories, viewer):
    token = f"zqx{viewer.replace('_', '')}"
    _, integration = _published_with_edits(token)
    path = f"/integrations/{integration.publisher}/{integration.slug}"
    if viewer == "other_member":
        other, _ = admin()
        auth.login(other)

    detail = client.get(path).get_data(as_text=True)
    _no_marker("detail page", detail)
    assert "X-Snapshot-Key" not in detail  # a header name is not shown, but its auth type is:
    assert "API key — you paste a key" in detail and "Snapshot flow" in detail and "Region" in detail
    assert "1.0.0" in detail

    for surface, url in {
        "catalog": "/integrations",
        "search": f"/integrations?q={token}",
        "home": "/",
        "sitemap": "/sitemap.xml",
    }.items():
        response = client.get(url)
        assert response.status_code == 200, surface
        _no_marker(surface, response.get_data(as_text=True))
    assert path in client.get(f"/integrations?q={token}").get_data(as_text=True)

    listed = client.get(f"/api/v1/integrations?q={token}")
    _no_marker("API list", listed.get_data(as_text=True))
    [item] = [i for i in listed.get_json()["data"] if i["id"] == integration.id]
    _assert_snapshot("API list", item)
    got = client.get(f"/api/v1/integrations/{integration.id}")
    _no_marker("API get", got.get_data(as_text=True))
    _assert_snapshot("API get", got.get_json())
    versions = client.get(f"/api/v1/integrations/{integration.id}/versions")
    _no_marker("API versions", versions.get_data(as_text=True))
    assert [v["version"] for v in versions.get_json()["data"]] == ["1.0.0", "0.9.0"]


def test_the_install_wizard_pins_and_shows_the_snapshot(client, auth, factories):
    _, integration = _published_with_edits("zqxwizard")
    installer, workspace = admin()
    auth.login(installer)
    start = client.get(f"/install/{integration.publisher}/{integration.slug}")
    assert start.status_code == 200
    _no_marker("wizard start", start.get_data(as_text=True))
    response = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(response.headers["Location"])
    for step in ("workspace", "dependencies"):
        _no_marker(f"wizard {step}", client.get(f"/install/w/{wid}/{step}").get_data(as_text=True))
    assert client.post_form(f"/install/w/{wid}/dependencies").headers["Location"].endswith("/auth")
    auth_step = client.get(f"/install/w/{wid}/auth").get_data(as_text=True)
    _no_marker("wizard auth", auth_step)
    assert "X-Snapshot-Key" in auth_step  # the api_key step of the snapshot, not an oauth2 redirect
    client.post_form(f"/install/w/{wid}/auth", {"api_key": "sk_snapshot_1234"})
    variables = client.get(f"/install/w/{wid}/variables").get_data(as_text=True)
    _no_marker("wizard variables", variables)
    assert "Region" in variables


def test_the_upgrade_diff_and_installations_page_show_the_snapshot(client, auth, factories):
    _, integration = _published_with_edits("zqxupgrade")
    installer, workspace = admin()
    old = next(v for v in integration.versions if v.version == "0.9.0")
    installation = factories.InstallationFactory(
        workspace=workspace, integration=integration, installed_by=installer.id, version=old
    )
    auth.login(installer)
    page = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    _no_marker("installations page", page)
    assert "1.0.0" in page
    started = client.post_form(f"/workspaces/{workspace.slug}/installations/{installation.id}/upgrade")
    wid = wizard_id_from(started.headers["Location"])
    upgrade = client.get(f"/install/w/{wid}/workspace").get_data(as_text=True)
    _no_marker("upgrade diff", upgrade)
    assert "No new permissions" in upgrade and "1.0.0" in upgrade


def test_the_source_workspace_also_sees_the_snapshot_outside_the_dashboard(client, auth, factories):
    owner, integration = _published_with_edits("zqxsource")
    auth.login(owner)
    _no_marker("detail page", client.get(f"/integrations/{integration.publisher}/{integration.slug}").text)
    _assert_snapshot("API get", client.get(f"/api/v1/integrations/{integration.id}").get_json())
    # ... while the dashboard shows the working copy it edits.
    assert "admin:everything" in client.get(f"/dashboard/integrations/{integration.id}").text


def test_a_drafts_working_copy_is_seen_by_its_members_only(client, auth, factories):
    membership = factories.member(role="member")
    draft = factories.IntegrationFactory(
        workspace=membership.workspace, auth_config=WORKING_DOCS["authConfig"], visibility="public"
    )
    other, _ = admin()
    path = f"/integrations/{draft.publisher}/{draft.slug}"
    auth.login(membership.user)
    page = client.get(path)
    assert page.status_code == 200 and "admin:everything" in page.text and "Draft." in page.text
    assert "Install " not in page.text  # nothing to install yet
    assert (
        client.get(f"/api/v1/integrations/{draft.id}").get_json()["authConfig"] == WORKING_DOCS["authConfig"]
    )
    auth.logout()
    auth.login(other)
    assert client.get(path).status_code == 404
    assert client.get(f"/api/v1/integrations/{draft.id}").status_code == 404
    auth.logout()
    assert client.get(path).status_code == 404
    assert client.get(f"/api/v1/integrations/{draft.id}").status_code == 404


def test_publishing_makes_the_working_copy_the_snapshot_everyone_sees(client, auth, factories):
    # A community listing: its new version is current at once (above community, it would wait for review).
    owner, integration = _published_with_edits("zqxpublish", trust_tier="community")
    dependency_home = factories.NamespaceFactory(handle="wcdep-pub")
    factories.IntegrationFactory.published(
        workspace=dependency_home.workspace, publisher="wcdep-pub", slug="wcdep-slug"
    )
    auth.login(owner)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}/publish", {"version": "2.0.0", "changelog": "OAuth2 now."}
    )
    assert response.status_code == 302, response.text
    auth.logout()
    detail = client.get(f"/integrations/{integration.publisher}/{integration.slug}").text
    assert "admin:everything" in detail and "Wcsecretsetting" in detail and "OAuth 2.0" in detail
    got = client.get(f"/api/v1/integrations/{integration.id}").get_json()
    assert got["currentVersion"] == "2.0.0" and got["authConfig"] == WORKING_DOCS["authConfig"]


def test_a_yanked_current_version_gives_way_to_the_previous_snapshot(client, auth, factories):
    owner, integration = _published_with_edits("zqxyank")
    newer = add_version(integration, "1.1.0", auth_config={"type": "none"})
    assert client.get(f"/api/v1/integrations/{integration.id}").get_json()["authConfig"] == {"type": "none"}
    auth.login(owner)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}/versions/1.1.0/yank",
        {f"yank-{newer.id}-reason": "Broken."},
    )
    assert response.status_code == 302
    auth.logout()
    got = client.get(f"/api/v1/integrations/{integration.id}").get_json()
    assert got["currentVersion"] == "1.0.0" and got["authConfig"] == SNAPSHOT_AUTH


def test_installations_of_the_snapshot_stay_pinned(client, auth, factories):
    """Editing the working copy changes nothing an installation runs on."""
    _, integration = _published_with_edits("zqxpinned")
    installer, workspace = admin()
    installation = factories.InstallationFactory(
        workspace=workspace,
        integration=integration,
        installed_by=installer.id,
        version=integration.versions[0],
    )
    db.session.expire_all()
    assert db.session.get(Installation, installation.id).version.auth_config == SNAPSHOT_AUTH


def test_a_version_waiting_for_review_is_current_only_for_its_own_workspace(client, auth, factories):
    owner, integration = _published_with_edits("zqxpending")  # verified_partner: oauth2 waits
    dependency_home = factories.NamespaceFactory(handle="wcdep-pub")
    factories.IntegrationFactory.published(
        workspace=dependency_home.workspace, publisher="wcdep-pub", slug="wcdep-slug"
    )
    other, _ = admin()
    auth.login(owner)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}/publish", {"version": "2.0.0", "changelog": "OAuth2."}
    )
    assert response.status_code == 302, response.text
    own = client.get(f"/api/v1/integrations/{integration.id}").get_json()
    assert own["currentVersion"] == "2.0.0" and own["authConfig"] == WORKING_DOCS["authConfig"]
    auth.logout()
    auth.login(other)
    _no_marker("detail page", client.get(f"/integrations/{integration.publisher}/{integration.slug}").text)
    _assert_snapshot("API get", client.get(f"/api/v1/integrations/{integration.id}").get_json())
    versions = client.get(f"/api/v1/integrations/{integration.id}/versions").get_json()["data"]
    assert [v["version"] for v in versions] == ["1.0.0", "0.9.0"]
