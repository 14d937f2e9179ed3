"""The publisher dashboard: every failure changes nothing and audits nothing; every success audits once."""

import json

import pytest

from app.extensions import db
from app.models import AuditEvent, Integration, IntegrationVersion, PublisherNamespace
from app.services import crypto

from .publishing_helpers import AUTH, MANIFEST, VARIABLES, edit_data, make_publisher, state


@pytest.fixture
def publisher(factories, auth):
    p = make_publisher(factories)
    auth.login(p.user)
    return p


def draft(factories, p, **kwargs):
    kwargs = {
        "visibility": "public",
        "manifest": MANIFEST,
        "variables_schema": VARIABLES,
        "auth_config": AUTH,
        **kwargs,
    }
    integration = factories.IntegrationFactory(
        workspace=p.workspace, creator=p.user, publisher=p.handle, **kwargs
    )
    db.session.commit()  # a savepoint release: a request answering 4xx rolls back only its own work
    return integration


def last_event():
    return db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(1))


# --- create -----------------------------------------------------------------------------------------


def create(client, p, **overrides):
    data = {
        "workspace": p.workspace.id,
        "name": "Acme Sync",
        "slug": "",
        "publisher": p.handle,
        "description": "",
        "icon_url": "",
        "visibility": "public",
        "retention_tier": "",
    }
    data.update(overrides)
    return client.post_form("/dashboard/integrations/new", data)


def test_create_a_draft_with_a_suggested_slug(client, publisher, factories):
    page = client.get("/dashboard/integrations/new")
    assert page.status_code == 200 and publisher.handle in page.text
    before = factories.audit_count()
    response = create(client, publisher, name="Ünïcode Sync!")
    assert response.status_code == 302
    integration = db.session.scalar(db.select(Integration).where(Integration.slug == "unicode-sync"))
    assert integration.trust_tier == "community" and integration.current_version is None
    assert integration.publisher == publisher.handle and integration.created_by == publisher.user.id
    assert factories.audit_count() == before + 1
    assert last_event().action == "integration.created"


def test_claiming_a_new_handle_binds_it_to_the_workspace(client, publisher):
    assert create(client, publisher, publisher="fresh-handle").status_code == 302
    assert db.session.get(PublisherNamespace, "fresh-handle").workspace_id == publisher.workspace.id
    assert last_event().diff["publisher_claimed"] == {"before": None, "after": True}


def test_namespace_squatting_is_refused(client, publisher, factories):
    factories.NamespaceFactory(handle="stripe")  # owned by another workspace
    before = factories.audit_count()
    response = create(client, publisher, publisher="stripe")
    assert response.status_code == 422
    assert "The publisher handle “stripe” belongs to another workspace" in response.text
    assert 'value="Acme Sync"' in response.text  # what was typed is kept
    assert db.session.scalar(db.select(Integration).where(Integration.publisher == "stripe")) is None
    assert factories.audit_count() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("publisher", "Bad Handle", "Use 1 to 39 lowercase letters"),
        ("slug", "-bad", "Use lowercase letters, digits and hyphens"),
        ("icon_url", "http://example.com/icon.png", "must start with https://"),
        ("icon_url", "javascript:alert(1)", "must start with https://"),
        ("visibility", "everyone", "Not a valid choice"),
        ("name", "", "Give the integration a name."),
    ],
)
def test_create_refuses_bad_input_and_changes_nothing(client, publisher, factories, field, value, message):
    before = factories.audit_count()
    response = create(client, publisher, **{field: value})
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Integration)) == 0
    assert factories.audit_count() == before


def test_slug_unique_per_publisher_including_the_trash(client, publisher, factories):
    from app.models.base import utcnow

    draft(factories, publisher, slug="acme-sync", deleted_at=utcnow())
    before = factories.audit_count()
    response = create(client, publisher, slug="acme-sync")
    assert response.status_code == 422
    assert "is taken (deleted integrations keep their slug)" in response.text
    assert factories.audit_count() == before


def test_trust_tier_cannot_be_set_by_form_tampering(client, publisher, factories):
    before = factories.audit_count()
    response = create(client, publisher, trust_tier="first_party")
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Integration)) == 0
    integration = draft(factories, publisher)
    snapshot = state(integration.id)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, trust_tier="first_party")
    )
    assert response.status_code == 422
    assert "Only marketplace staff set the trust tier." in response.text
    assert state(integration.id) == snapshot
    assert factories.audit_count() == before


def test_a_member_who_is_not_admin_cannot_create(client, auth, factories):
    p = make_publisher(factories, role="member")
    auth.login(p.user)
    # no workspace to choose: they are sent to create one
    assert client.get("/dashboard/integrations/new").status_code == 302
    response = create(client, p)
    assert response.status_code == 302  # back to "create a workspace": they administer none
    assert db.session.scalar(db.select(db.func.count()).select_from(Integration)) == 0


# --- edit ---------------------------------------------------------------------------------------------

TWO_MISTAKES = """{
  "members": [
    {"key": "sync", "kind": "workflow"},
    {"key": "report", "kind": "dashboard", "name": "Report", "forkOnInstall": "yes"}
  ],
  "dependencies": [],
  "defaults": {"region": "eu"}
}"""


def test_edit_reports_every_problem_with_path_and_line_and_keeps_the_text(client, publisher, factories):
    integration = draft(factories, publisher)
    before = state(integration.id)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}",
        edit_data(integration, manifest=TWO_MISTAKES, name="Renamed"),
    )
    assert response.status_code == 422
    assert "line 3, $.members[0]: “name” is required." in response.text
    assert "line 4, $.members[1].forkOnInstall: Must be of type boolean, not string." in response.text
    assert "&#34;forkOnInstall&#34;: &#34;yes&#34;" in response.text  # the text typed, kept
    assert 'value="Renamed"' in response.text
    assert state(integration.id) == before  # nothing saved, no audit event


def test_edit_saves_everything_with_one_audit_event(client, publisher, factories):
    integration = draft(factories, publisher, manifest={}, auth_config={"type": "none"})
    before = factories.audit_count()
    oauth = {
        "type": "oauth2",
        "authorizeUrl": "https://id.example/authorize",
        "tokenUrl": "https://id.example/token",
        "scopes": ["read"],
        "clientId": "client-1",
    }
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}",
        edit_data(
            integration,
            auth_config=json.dumps(oauth),
            client_secret="top-secret-value",
            visibility="unlisted",
            icon_url="https://cdn.example/icon.png",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert integration.auth_config == oauth and integration.manifest == MANIFEST
    assert integration.visibility == "public" and integration.icon_url == "https://cdn.example/icon.png"
    assert crypto.decrypt_json(integration.oauth_client_secret_encrypted) == "top-secret-value"
    assert factories.audit_count() == before + 1
    event = last_event()
    assert event.action == "integration.updated"
    assert "top-secret-value" not in json.dumps(event.diff)
    assert event.diff["client_secret_set"] == {"before": False, "after": True}
    page = client.get(f"/dashboard/integrations/{integration.id}").text
    assert "top-secret-value" not in page and "Client secret: <strong>set</strong>" in page


def test_saving_without_changes_writes_no_event(client, publisher, factories):
    integration = draft(factories, publisher)
    before = factories.audit_count()
    assert (
        client.post_form(f"/dashboard/integrations/{integration.id}", edit_data(integration)).status_code
        == 302
    )
    assert factories.audit_count() == before


def test_security_rules_on_save(client, publisher, factories, monkeypatch):
    import socket
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("network touched")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    integration = draft(factories, publisher)
    before = state(integration.id)
    schema = {
        "type": "object",
        "properties": {
            "a": {"$ref": "https://evil.example/schema.json"},
            "b": {"type": "string", "pattern": "(a)\\1"},
        },
    }
    deep = '{"a":' * 300 + "1" + "}" * 300
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}",
        edit_data(integration, variables_schema=json.dumps(schema), auth_config=deep),
    )
    assert response.status_code == 422
    assert "$.properties.a.$ref: Remote references are not allowed" in response.text
    assert (
        "$.properties.b.pattern: This pattern uses a feature the marketplace cannot run safely"
        in response.text
    )
    assert "The document nests deeper than 32 levels." in response.text
    assert state(integration.id) == before


def test_preview_button_without_javascript_saves_nothing(client, publisher, factories):
    integration = draft(factories, publisher)
    before = state(integration.id)
    schema = {"type": "object", "properties": {"team": {"type": "string", "title": "Team name"}}}
    data = edit_data(
        integration, variables_schema=json.dumps(schema), manifest=json.dumps({"defaults": {"team": "Ops"}})
    )
    data.pop("save")
    data["preview"] = "Preview variables form"
    response = client.post_form(f"/dashboard/integrations/{integration.id}", data)
    assert response.status_code == 200
    assert '<label class="label" for="preview-team">Team name</label>' in response.text
    assert 'value="Ops"' in response.text
    assert state(integration.id) == before


def test_preview_fragment_for_javascript(client, publisher, factories):
    integration = draft(factories, publisher)
    url = f"/dashboard/integrations/{integration.id}/preview"
    schema = {"type": "object", "properties": {"n": {"type": "integer", "title": "Seats", "minimum": 2}}}
    response = client.post_form(url, {"manifest": "{}", "variables_schema": json.dumps(schema)})
    assert response.status_code == 200 and "Seats" in response.text and 'min="2"' in response.text
    assert "<html" not in response.text
    broken = client.post_form(url, {"manifest": "{}", "variables_schema": "{"})
    assert "Fix the variables schema to see the preview." in broken.text


# --- publish, yank ------------------------------------------------------------------------------------


def publish(client, integration, version, changelog=""):
    return client.post_form(
        f"/dashboard/integrations/{integration.id}/publish", {"version": version, "changelog": changelog}
    )


def test_publish_snapshots_and_sets_current_version(client, publisher, factories):
    integration = draft(factories, publisher)
    page = client.get(f"/dashboard/integrations/{integration.id}/publish")
    assert 'value="1.0.0"' in page.text and "minor 0.1.0" in page.text
    before = factories.audit_count()
    assert publish(client, integration, "1.0.0", "First *release*").status_code == 302
    db.session.expire_all()
    assert integration.current_version == "1.0.0" and integration.last_published_at is not None
    row = db.session.scalar(
        db.select(IntegrationVersion).where(IntegrationVersion.integration_id == integration.id)
    )
    assert (row.manifest, row.variables_schema, row.auth_config) == (MANIFEST, VARIABLES, AUTH)
    assert factories.audit_count() == before + 1
    assert (last_event().action, last_event().version) == ("integration.published", "1.0.0")
    assert 'value="1.0.1"' in client.get(f"/dashboard/integrations/{integration.id}/publish").text
    # the snapshot is immutable: editing the draft documents does not touch it
    client.post_form(f"/dashboard/integrations/{integration.id}", edit_data(integration, manifest="{}"))
    db.session.expire_all()
    assert row.manifest == MANIFEST
    versions = client.get(f"/dashboard/integrations/{integration.id}/versions").text
    assert "<em>release</em>" in versions


@pytest.mark.parametrize(
    ("version", "status", "message"),
    [
        ("1.0.0", 409, "Version 1.0.0 is already published"),
        # a well-formed version the versions published so far refuse: a state conflict, like a reuse
        ("0.9.0", 409, "Must be greater than 1.0.0"),
        ("1.0.0-rc.1", 409, "Must be greater than 1.0.0"),
        ("one", 422, "is not a semantic version"),
    ],
)
def test_publish_refusals_change_nothing(client, publisher, factories, version, status, message):
    integration = draft(factories, publisher)
    assert publish(client, integration, "1.0.0").status_code == 302
    before = state(integration.id)
    response = publish(client, integration, version)
    assert response.status_code == status
    assert message in response.text
    assert state(integration.id) == before


def test_a_yanked_version_number_is_never_reused_nor_undercut(client, publisher, factories):
    integration = draft(factories, publisher)
    publish(client, integration, "1.0.0")
    publish(client, integration, "1.1.0")
    assert (
        client.post_form(
            f"/dashboard/integrations/{integration.id}/versions/1.1.0/yank",
            {f"yank-{_version_id(integration, '1.1.0')}-reason": "broken"},
        ).status_code
        == 302
    )
    assert publish(client, integration, "1.1.0").status_code == 409
    assert publish(client, integration, "1.0.5").status_code == 409
    assert publish(client, integration, "1.1.1").status_code == 302


def _version_id(integration, version):
    return db.session.scalar(
        db.select(IntegrationVersion.id).where(
            IntegrationVersion.integration_id == integration.id, IntegrationVersion.version == version
        )
    )


def test_publish_needs_every_document_valid_and_dependencies_resolved(client, publisher, factories):
    other = make_publisher(factories)
    hidden = factories.IntegrationFactory.published("2.0.0", workspace=other.workspace, visibility="private")
    visible = factories.IntegrationFactory.published("1.4.0", workspace=other.workspace, visibility="public")
    manifest = {
        "members": [],
        "dependencies": [
            {"integration": f"{hidden.publisher}/{hidden.slug}", "version": "^2.0.0"},
            {"integration": f"{visible.publisher}/{visible.slug}", "version": "^2.0.0"},
            {"integration": "nobody/nothing", "version": "*"},
        ],
    }
    integration = draft(
        factories, publisher, manifest=manifest, variables_schema={"type": "object", "properties": {}}
    )
    before = state(integration.id)
    response = publish(client, integration, "1.0.0")
    assert response.status_code == 422
    assert (
        f"$.dependencies[0].integration: No published integration “{hidden.publisher}/{hidden.slug}”"
        in response.text
    )
    assert (
        f"$.dependencies[1].version: No published, non-yanked version of “{visible.publisher}/{visible.slug}” matches"
        in response.text
    )
    assert "$.dependencies[2].integration" in response.text
    assert state(integration.id) == before
    integration.manifest = {
        "dependencies": [{"integration": f"{visible.publisher}/{visible.slug}", "version": "~1.4"}]
    }
    db.session.flush()
    assert publish(client, integration, "1.0.0").status_code == 302


def test_publish_refuses_a_document_made_invalid_elsewhere(client, publisher, factories):
    integration = draft(factories, publisher, auth_config={"type": "oauth2"})
    before = state(integration.id)
    response = publish(client, integration, "1.0.0")
    assert response.status_code == 422 and "“authorizeUrl” is required." in response.text
    assert state(integration.id) == before


def test_yank_requires_a_reason_and_recomputes_current_version(client, publisher, factories):
    integration = draft(factories, publisher)
    publish(client, integration, "1.0.0")
    publish(client, integration, "1.1.0")
    url = f"/dashboard/integrations/{integration.id}/versions/1.1.0/yank"
    field = f"yank-{_version_id(integration, '1.1.0')}-reason"
    before = state(integration.id)
    response = client.post_form(url, {field: "  "})
    assert response.status_code == 422 and "Say why this version is yanked." in response.text
    assert state(integration.id) == before
    audit_before = factories.audit_count()
    assert client.post_form(url, {field: "Breaks exports"}).status_code == 302
    db.session.expire_all()
    assert integration.current_version == "1.0.0"
    assert factories.audit_count() == audit_before + 1 and last_event().note == "Breaks exports"
    page = client.get(f"/dashboard/integrations/{integration.id}/versions").text
    assert "Breaks exports" in page and "yanked" in page
    # the last non-yanked version cannot be yanked (the integration would silently become a draft)
    before = state(integration.id)
    last = client.post_form(
        f"/dashboard/integrations/{integration.id}/versions/1.0.0/yank",
        {f"yank-{_version_id(integration, '1.0.0')}-reason": "bad"},
    )
    assert last.status_code == 409 and "only version that is not yanked" in last.text
    assert state(integration.id) == before


# --- visibility, trash ---------------------------------------------------------------------------------


def test_soft_delete_and_restore(client, publisher, factories):
    integration = draft(factories, publisher)
    before = factories.audit_count()
    assert client.post_form(f"/dashboard/integrations/{integration.id}/delete").status_code == 302
    db.session.expire_all()
    assert integration.deleted_at is not None
    dashboard = client.get("/dashboard").text
    assert 'Trash <span class="muted">(1)</span>' in dashboard
    assert client.post_form(f"/dashboard/integrations/{integration.id}/delete").status_code == 409
    assert client.post_form(f"/dashboard/integrations/{integration.id}/restore").status_code == 302
    db.session.expire_all()
    assert integration.deleted_at is None
    assert factories.audit_count() == before + 2


def test_dashboard_groups_by_state(client, publisher, factories):
    from app.models.base import utcnow

    draft(factories, publisher, name="Draft One")
    factories.IntegrationFactory.published(
        workspace=publisher.workspace, name="Public One", visibility="public"
    )
    factories.IntegrationFactory.published(
        workspace=publisher.workspace, name="Hidden One", visibility="unlisted"
    )
    factories.IntegrationFactory.published(
        workspace=publisher.workspace, name="Private One", visibility="private"
    )
    draft(factories, publisher, name="Binned One", deleted_at=utcnow())
    factories.IntegrationFactory(name="Someone Else's")
    page = client.get("/dashboard").text
    order = [
        page.index(name) for name in ("Draft One", "Public One", "Hidden One", "Private One", "Binned One")
    ]
    assert order == sorted(order)
    assert "Someone Else" not in page
    assert "Publish first version" in page and "Restore" in page


def test_takedown_note_is_shown_and_visibility_stays_private(client, publisher, factories):
    from app.models.base import utcnow

    integration = draft(
        factories,
        publisher,
        visibility="private",
        taken_down_at=utcnow(),
        takedown_note="Trademark complaint",
    )
    page = client.get(f"/dashboard/integrations/{integration.id}").text
    assert "Taken down by marketplace staff" in page and "Trademark complaint" in page
    before = state(integration.id)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}/visibility", {"quick-visibility": "public"}
    )
    assert response.status_code == 409 and "it stays private" in response.text
    assert state(integration.id) == before
    # the edit form has no visibility of its own: a posted one changes nothing
    client.post_form(f"/dashboard/integrations/{integration.id}", edit_data(integration, visibility="public"))
    db.session.expire_all()
    assert db.session.get(Integration, integration.id).visibility == "private"


# --- someone else's integration, CSRF ----------------------------------------------------------------------


def dashboard_urls(integration_id):
    base = f"/dashboard/integrations/{integration_id}"
    gets = [base, f"{base}/publish", f"{base}/versions"]
    posts = [
        base,
        f"{base}/preview",
        f"{base}/publish",
        f"{base}/versions/1.0.0/yank",
        f"{base}/delete",
        f"{base}/restore",
        f"{base}/visibility",
        f"{base}/editors",
    ]
    return gets, posts


@pytest.mark.parametrize("role", ["stranger", "member"])
def test_someone_elses_integration_is_404_on_every_dashboard_url(client, auth, factories, role):
    owner = make_publisher(factories)
    integration = factories.IntegrationFactory.published(workspace=owner.workspace)
    if role == "member":
        user = factories.member(workspace=owner.workspace, role="member").user
    else:
        user = make_publisher(factories).user
    auth.login(user)
    before = state(integration.id)
    gets, posts = dashboard_urls(integration.id)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert (
            client.post_form(
                url, {"version": "2.0.0", "reason": "x", "name": "Mine", "quick-visibility": "private"}
            ).status_code
            == 404
        ), url
    assert state(integration.id) == before


def test_every_dashboard_post_needs_csrf(client, publisher, factories):
    integration = draft(factories, publisher)
    publish(client, integration, "1.0.0")
    before = state(integration.id)
    _, posts = dashboard_urls(integration.id)
    for url in posts + ["/dashboard/integrations/new"]:
        response = client.post(
            url,
            data={
                "name": "X",
                "version": "2.0.0",
                "reason": "x",
                "workspace": publisher.workspace.id,
                "publisher": publisher.handle,
            },
        )
        assert response.status_code == 400, url
    assert state(integration.id) == before


def test_anonymous_is_sent_to_login(client, factories):
    integration = factories.IntegrationFactory()
    assert client.get(f"/dashboard/integrations/{integration.id}").status_code == 302


def test_publishers_see_their_workspaces_audit_events_only(client, publisher, factories):
    create(client, publisher, name="Mine To Audit")
    other = make_publisher(factories)
    from app.services import audit

    audit.record(
        other.user,
        "integration.created",
        object_type="integration",
        object_id="x",
        object_label="theirs/secret-thing",
        workspace_id=other.workspace.id,
    )
    db.session.flush()
    page = client.get("/dashboard/audit").text
    assert "integration.created" in page and f"{publisher.handle}/mine-to-audit" in page
    assert "theirs/secret-thing" not in page


def _queries(client, query_counter, url) -> int:
    with query_counter as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_dashboard_pages_do_not_grow_with_rows(client, publisher, factories, query_counter):
    from app.services import tokens

    integration = draft(factories, publisher)
    factories.VersionFactory(integration=integration, version="1.0.0")
    tokens.create_token(publisher.user, publisher.workspace.id, "first", None)
    db.session.commit()
    urls = (
        "/dashboard",
        f"/dashboard/integrations/{integration.id}/versions",
        "/dashboard/audit",
        "/settings/tokens",
    )
    few = [_queries(client, query_counter, url) for url in urls]

    for n in range(5):
        draft(factories, publisher, name=f"More {n}")
        factories.VersionFactory(
            integration=integration, version=f"2.{n}.0", published_by=factories.UserFactory().id
        )
        tokens.create_token(publisher.user, publisher.workspace.id, f"t{n}", None)
    db.session.commit()
    many = [_queries(client, query_counter, url) for url in urls]
    assert few == many


def test_quick_visibility_change(client, publisher, factories):
    integration = draft(factories, publisher, manifest={"members": "not a list"})  # documents need fixing
    before = factories.audit_count()
    url = f"/dashboard/integrations/{integration.id}/visibility"
    assert client.post_form(url, {"quick-visibility": "unlisted"}).status_code == 302
    db.session.expire_all()
    assert integration.visibility == "unlisted"
    assert factories.audit_count() == before + 1
    snapshot = state(integration.id)
    assert client.post_form(url, {"quick-visibility": "everyone"}).status_code == 422
    assert state(integration.id) == snapshot


def test_the_wizard_keeps_the_order_of_the_schemas_properties(client, publisher, factories):
    """On PostgreSQL too (jsonb would sort the keys: variables_schema is plain json)."""
    integration = draft(factories, publisher)
    schema = (
        '{"type": "object", "properties": {"zone": {"type": "string"}, "api_base": {"type": "string"}, '
        '"a": {"type": "boolean"}}}'
    )
    assert (
        client.post_form(
            f"/dashboard/integrations/{integration.id}",
            edit_data(integration, variables_schema=schema, manifest="{}"),
        ).status_code
        == 302
    )
    assert (
        client.post_form(
            f"/dashboard/integrations/{integration.id}/publish", {"version": "1.0.0"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert list(integration.variables_schema["properties"]) == ["zone", "api_base", "a"]
    assert list(integration.versions[0].variables_schema["properties"]) == ["zone", "api_base", "a"]
    page = client.get(f"/dashboard/integrations/{integration.id}").text
    assert (
        page.index('for="preview-zone"') < page.index('for="preview-api_base"') < page.index('id="preview-a"')
    )
