"""The structured editors without JavaScript: the page's own form posted back as a browser would,
row buttons that re-render keeping what was typed, which view wins, errors beside the inputs, and
the dependency picker's JSON (404 for what the publisher may not see)."""

import json
import re

import pytest

from app.extensions import db
from app.models import Integration

from .editor_forms import as_post, form_fields
from .publishing_helpers import AUTH, MANIFEST, VARIABLES, make_publisher, state

OAUTH = {
    "type": "oauth2",
    "authorizeUrl": "https://id.example/authorize",
    "tokenUrl": "https://id.example/token",
    "scopes": ["read"],
    "clientId": "c1",
}


@pytest.fixture
def publisher(factories, auth):
    p = make_publisher(factories)
    auth.login(p.user)
    return p


def draft(factories, p, **kwargs):
    kwargs = {"manifest": MANIFEST, "variables_schema": VARIABLES, "auth_config": AUTH, **kwargs}
    integration = factories.IntegrationFactory(
        workspace=p.workspace, creator=p.user, publisher=p.handle, **kwargs
    )
    db.session.commit()
    return integration


def url(integration) -> str:
    return f"/dashboard/integrations/{integration.id}"


def page_form(client, integration):
    response = client.get(url(integration))
    assert response.status_code == 200
    return form_fields(response.text)


def post(client, integration, fields, changes=None, button=("save", "Save changes")):
    data = as_post(fields, changes or {})
    if button:
        data.add(*button)
    return client.post(url(integration), data=data)


def reload(integration) -> Integration:
    db.session.expire_all()
    return db.session.get(Integration, integration.id)


def test_the_page_posted_back_unchanged_changes_nothing(client, publisher, factories):
    integration = draft(factories, publisher, auth_config=OAUTH)
    before = state(integration.id)
    response = post(client, integration, page_form(client, integration))
    assert response.status_code == 302
    assert state(integration.id) == before  # nothing changed: no audit event either


def test_the_structured_form_alone_is_saved(client, publisher, factories):
    integration = draft(factories, publisher)
    fields = page_form(client, integration)
    assert fields["auth-type"] == "api_key" and fields["auth-api_key-authHeaderName"] == "Authorization"
    response = post(
        client,
        integration,
        fields,
        {"auth-api_key-authHeaderName": "X-Key", "man-members-0-name": "Sync all"},
    )
    assert response.status_code == 302
    row = reload(integration)
    assert row.auth_config == {**AUTH, "authHeaderName": "X-Key"}
    assert row.manifest["members"] == [{"key": "sync", "kind": "workflow", "name": "Sync all"}]
    assert row.manifest["defaults"] == {"region": "eu"}  # carried untouched
    assert row.variables_schema == VARIABLES


def test_the_advanced_json_alone_is_saved(client, publisher, factories):
    integration = draft(factories, publisher)
    fields = page_form(client, integration)
    response = post(client, integration, fields, {"auth_config": json.dumps(OAUTH)})
    assert response.status_code == 302
    assert reload(integration).auth_config == OAUTH


def test_both_views_changed_saves_nothing_keeps_both_and_asks(client, publisher, factories):
    integration = draft(factories, publisher)
    before = state(integration.id)
    fields = page_form(client, integration)
    typed = json.dumps({**AUTH, "authValuePrefix": "Token "})
    response = post(
        client, integration, fields, {"auth_config": typed, "auth-api_key-authHeaderName": "X-Key"}
    )
    assert response.status_code == 422
    assert "You changed both the form and the Advanced JSON" in response.text
    assert state(integration.id) == before
    again = form_fields(response.text)
    assert again["auth_config"] == typed and again["auth-api_key-authHeaderName"] == "X-Key"  # both kept
    assert again["auth_config_source"] == "structured"  # the choice, offered as radio buttons
    response = post(client, integration, again, {"auth_config_source": "raw"})
    assert response.status_code == 302
    assert reload(integration).auth_config["authValuePrefix"] == "Token "


def test_add_move_remove_rows_without_javascript_keep_what_was_typed(client, publisher, factories):
    integration = draft(factories, publisher)
    before = state(integration.id)
    fields = page_form(client, integration)
    response = post(client, integration, fields, {"var-0-title": "Data region", "op": "var-add"}, button=None)
    assert response.status_code == 200 and state(integration.id) == before  # nothing saved
    fields = form_fields(response.text)
    assert fields["var-count"] == "2" and fields["var-0-title"] == "Data region"
    assert 'id="var-1-key"' in response.text
    fields = as_post(
        fields, {"var-1-key": "batch", "var-1-type": "integer", "var-1-min": "1", "var-1-default": "10"}
    )
    response = post(client, integration, fields, {"op": "var-up-1"}, button=None)
    fields = form_fields(response.text)
    assert fields["var-0-key"] == "batch" and fields["var-1-key"] == "region"
    response = post(client, integration, fields)
    assert response.status_code == 302
    schema = reload(integration).variables_schema
    assert list(schema["properties"]) == ["batch", "region"]
    assert schema["properties"]["batch"] == {"type": "integer", "default": 10, "minimum": 1}
    assert schema["properties"]["region"]["title"] == "Data region"
    fields = page_form(client, integration)
    response = post(client, integration, fields, {"op": "var-remove-0"}, button=None)
    assert form_fields(response.text)["var-count"] == "1"


def test_auth_type_change_and_scope_rows_without_javascript(client, publisher, factories):
    integration = draft(factories, publisher)
    fields = page_form(client, integration)
    response = post(client, integration, fields, {"auth-type": "oauth2", "op": "auth-type"}, button=None)
    assert response.status_code == 200
    assert (
        'id="client-secret-section"' in response.text
        and 'data-show-for-auth="oauth2" hidden' not in response.text
    )
    fields = form_fields(response.text)
    response = post(client, integration, fields, {"op": "auth-oauth2-scopes-add"}, button=None)
    fields = form_fields(response.text)
    response = post(
        client,
        integration,
        fields,
        {
            "auth-oauth2-authorizeUrl": OAUTH["authorizeUrl"],
            "auth-oauth2-tokenUrl": OAUTH["tokenUrl"],
            "auth-oauth2-clientId": "c1",
            "auth-oauth2-scopes-0": "read",
            "client_secret": "s3cret-value",
        },
    )
    assert response.status_code == 302
    row = reload(integration)
    assert row.auth_config == OAUTH and row.oauth_client_secret_encrypted is not None
    # the api_key's values stayed in the page meanwhile: switching back restores them
    fields = page_form(client, integration)
    assert "Authorization" not in fields.getlist("auth-api_key-authHeaderName")  # a fresh page: from the JSON


def test_one_visibility_control(client, publisher, factories):
    """The edit page has one visibility control, in a form of its own that applies at once; the
    documents' form has none, and a visibility slipped into it changes nothing."""
    integration = draft(factories, publisher, visibility="private")
    page = client.get(url(integration)).text
    assert len(re.findall(r"<select[^>]*visibility", page)) == 1
    assert page.count(">Visibility</label>") == 1
    fields = form_fields(page)
    assert not [name for name in fields if "visibility" in name]
    assert post(client, integration, fields, {"visibility": "public"}).status_code == 302
    assert reload(integration).visibility == "private"


def test_the_client_secret_section_shows_only_for_oauth2(client, publisher, factories):
    api_key = draft(factories, publisher)
    assert 'data-show-for-auth="oauth2" hidden' in client.get(url(api_key)).text
    oauth = draft(factories, publisher, auth_config=OAUTH, name="Other")
    assert 'data-show-for-auth="oauth2" hidden' not in client.get(url(oauth)).text


def test_errors_sit_beside_the_input_and_keep_what_was_typed(client, publisher, factories):
    integration = draft(factories, publisher, auth_config=OAUTH)
    before = state(integration.id)
    fields = page_form(client, integration)
    response = post(
        client, integration, fields, {"auth-oauth2-authorizeUrl": "ftp://id.example/a", "var-0-key": "9bad"}
    )
    assert response.status_code == 422
    assert state(integration.id) == before
    assert 'id="auth-oauth2-authorizeUrl-errors"' in response.text
    assert 'id="var-0-key-errors"' in response.text
    again = form_fields(response.text)
    assert again["auth-oauth2-authorizeUrl"] == "ftp://id.example/a" and again["var-0-key"] == "9bad"


def test_a_field_the_form_cannot_read_is_marked_and_nothing_saved(client, publisher, factories):
    integration = draft(factories, publisher)
    before = state(integration.id)
    fields = page_form(client, integration)
    response = post(
        client, integration, fields, {"var-0-type": "integer", "var-0-enum": "", "var-0-default": "ten"}
    )
    assert response.status_code == 422 and state(integration.id) == before
    assert 'id="var-0-default-errors"' in response.text and "Enter a whole number." in response.text
    assert form_fields(response.text)["var-0-default"] == "ten"


def test_a_document_the_form_cannot_show_stays_intact(client, publisher, factories):
    odd = {"type": "object", "properties": {"mode": {"oneOf": [{"const": "a"}]}}}
    integration = draft(factories, publisher, variables_schema=odd)
    response = client.get(url(integration))
    assert "The form can't show this variables schema" in response.text
    fields = form_fields(response.text)
    assert "var-shown" not in fields and json.loads(fields["variables_schema"]) == odd
    response = post(client, integration, fields, {"auth-api_key-authHeaderName": "X-Key"})
    assert response.status_code == 422  # the wizard cannot run oneOf: refused beside the JSON
    again = form_fields(response.text)
    assert json.loads(again["variables_schema"]) == odd  # untouched
    assert again["auth-api_key-authHeaderName"] == "X-Key"  # and the other edits kept


def test_unknown_keys_are_carried_through_the_form(client, publisher, factories):
    manifest = {
        **MANIFEST,
        "members": [{"key": "sync", "kind": "workflow", "name": "Sync", "x-owner": "ops"}],
    }
    integration = draft(factories, publisher, manifest=manifest)
    fields = page_form(client, integration)
    response = post(client, integration, fields, {"man-members-0-name": "Sync all"})
    assert response.status_code == 422  # the schema refuses the unknown key: said beside the member
    assert "Unknown property “x-owner”" in response.text
    again = form_fields(response.text)
    assert json.loads(again["manifest"])["members"][0] == {
        "key": "sync",
        "kind": "workflow",
        "name": "Sync all",
        "x-owner": "ops",
    }


# --- the dependency picker ---------------------------------------------------------------------


def picker(client, key, range_text="*"):
    return client.get(
        "/dashboard/dependency-versions", query_string={"integration": key, "range": range_text}
    )


def test_the_picker_lists_versions_a_range_matches(client, publisher, factories):
    target = factories.IntegrationFactory.published(version="1.0.0")
    factories.VersionFactory(integration=target, version="1.4.0")
    target.current_version = "1.4.0"
    factories.VersionFactory(integration=target, version="2.0.0", yanked_at=db.func.now())
    db.session.commit()
    key = f"{target.publisher}/{target.slug}"
    answer = picker(client, key, "^1.0.0").json
    assert answer["best"] == "1.4.0"
    assert answer["versions"] == [
        {"version": "1.4.0", "matches": True},
        {"version": "1.0.0", "matches": True},
    ]
    assert picker(client, key, "not a range").json["rangeProblem"]
    integration = draft(
        factories,
        publisher,
        manifest={"members": [], "dependencies": [{"integration": key, "version": "~1.0.0"}]},
    )
    page = client.get(url(integration)).text
    assert "installers get <strong>1.0.0</strong>" in page


@pytest.mark.parametrize("kind", ["private", "draft", "trashed", "unknown"])
def test_the_picker_answers_404_for_what_the_publisher_may_not_see(client, publisher, factories, kind):
    from app.models.base import utcnow

    options = {
        "private": {"visibility": "private"},
        "trashed": {"deleted_at": utcnow()},
        "draft": {},
        "unknown": {},
    }[kind]
    if kind == "draft":
        hidden = factories.IntegrationFactory(visibility="public")
    else:
        hidden = factories.IntegrationFactory.published(**options)
    db.session.commit()
    key = "nobody/nothing" if kind == "unknown" else f"{hidden.publisher}/{hidden.slug}"
    assert picker(client, key).status_code == 404
    integration = draft(
        factories, publisher, manifest={"members": [], "dependencies": [{"integration": key, "version": "*"}]}
    )
    assert "that you can see" in client.get(url(integration)).text


def test_the_picker_shows_the_publishers_own_private_listing(client, publisher, factories):
    own = factories.IntegrationFactory.published(workspace=publisher.workspace, visibility="private")
    db.session.commit()
    assert picker(client, f"{own.publisher}/{own.slug}").status_code == 200


def test_the_sync_endpoint_composes_without_saving(client, publisher, factories):
    integration = draft(factories, publisher)
    before = state(integration.id)
    fields = as_post(
        page_form(client, integration),
        {"auth-api_key-authHeaderName": "X-Key", "auth_config_source": "structured"},
    )
    answer = client.post(url(integration) + "/editors", data=fields).json
    assert json.loads(answer["documents"]["auth_config"]["raw"])["authHeaderName"] == "X-Key"
    assert 'id="var-0-key"' in answer["documents"]["variables_schema"]["html"]
    assert state(integration.id) == before


@pytest.mark.parametrize("damage", ["{not json", "[1]", "[" * 100_000])
def test_a_damaged_hidden_field_is_no_500_and_the_json_is_kept(client, publisher, factories, damage):
    integration = draft(factories, publisher)
    before = state(integration.id)
    fields = page_form(client, integration)
    response = post(client, integration, fields, {"var-0-extra": damage, "var-0-title": "Changed"})
    assert response.status_code == 422 and "The form came back damaged" in response.text
    assert json.loads(form_fields(response.text)["variables_schema"]) == VARIABLES
    assert state(integration.id) == before


def test_the_picker_suggests_only_listings_this_publisher_may_see_listed(client, publisher, factories):
    shown = factories.IntegrationFactory.published(name="Alpha Shown")
    own = factories.IntegrationFactory.published(
        workspace=publisher.workspace, visibility="private", name="Own Private"
    )
    theirs = factories.IntegrationFactory.published(visibility="private", name="Their Private")
    link_only = factories.IntegrationFactory.published(visibility="unlisted", name="Link Only")
    integration = draft(factories, publisher)
    page = client.get(url(integration)).text
    for row in (shown, own):
        assert f'<option value="{row.publisher}/{row.slug}">' in page
    for row in (theirs, link_only):
        assert f"{row.publisher}/{row.slug}" not in page
