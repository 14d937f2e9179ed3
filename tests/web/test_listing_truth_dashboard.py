"""The dashboard's side of listing truth: "unpublished changes", the publish page's diff per document
and its plain words about what publishing does, and the trash's read-only rule (HTML and API)."""

from __future__ import annotations

import json
import re

import pytest

from app.extensions import db
from app.models import Integration
from app.services import tokens
from app.services.integrations import DOC_COLUMNS

from .publishing_helpers import AUTH, MANIFEST, VARIABLES, edit_data, make_publisher, state

OAUTH = {
    "type": "oauth2",
    "authorizeUrl": "https://auth.example.com/authorize",
    "tokenUrl": "https://auth.example.com/token",
    "scopes": ["read", "admin:everything"],
    "clientId": "c",
}


@pytest.fixture
def publisher(factories, auth):
    p = make_publisher(factories)
    auth.login(p.user)
    return p


def _published(factories, publisher, visibility="public", **documents):
    docs = {"manifest": MANIFEST, "variablesSchema": VARIABLES, "authConfig": AUTH, **documents}
    integration = factories.IntegrationFactory.published(
        workspace=publisher.workspace,
        visibility=visibility,
        **{DOC_COLUMNS[name]: value for name, value in docs.items()},
    )
    db.session.commit()
    return integration


def _save(client, integration, **documents):
    overrides = {DOC_COLUMNS[name]: json.dumps(value) for name, value in documents.items()}
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, **overrides)
    )
    assert response.status_code == 302, response.text
    return response


def _section(html: str, element_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{element_id}".*?</section>', html, re.S)
    assert match, element_id
    return match.group(0)


# --- unpublished changes ---------------------------------------------------------------------------


def test_unpublished_changes_are_marked_until_published(client, factories, publisher):
    integration = _published(factories, publisher)
    edit = f"/dashboard/integrations/{integration.id}"
    assert "unpublished changes" not in client.get("/dashboard").text
    assert "Unpublished changes." not in client.get(edit).text
    _save(client, integration)  # the same documents, saved again: nothing to publish
    assert "unpublished changes" not in client.get("/dashboard").text

    _save(client, integration, authConfig=OAUTH)
    dashboard = client.get("/dashboard").text
    assert "unpublished changes" in dashboard
    assert f'href="/dashboard/integrations/{integration.id}/publish"' in dashboard
    notice = client.get(edit).text
    assert "Unpublished changes." in notice and "still show version 1.0.0" in notice

    published = client.post_form(f"{edit}/publish", {"version": "2.0.0", "changelog": "OAuth2."})
    assert published.status_code == 302, published.text
    assert "unpublished changes" not in client.get("/dashboard").text
    assert "Unpublished changes." not in client.get(edit).text


def test_a_draft_has_no_unpublished_changes_mark(client, factories, publisher):
    factories.IntegrationFactory(workspace=publisher.workspace, auth_config=OAUTH)
    db.session.commit()
    assert "unpublished changes" not in client.get("/dashboard").text


# --- the publish page: the diff and what publishing does ---------------------------------------------


def test_the_publish_page_diffs_each_document_by_json_path(client, factories, publisher):
    integration = _published(factories, publisher)
    _save(
        client,
        integration,
        authConfig={**OAUTH, "scopes": ["read", "admin:everything"]},
        variablesSchema={
            **VARIABLES,
            "properties": {"region": {"type": "string", "title": "Area", "enum": ["us", "eu", "ca"]}},
        },
    )
    page = client.get(f"/dashboard/integrations/{integration.id}/publish")
    assert page.status_code == 200
    html = page.text
    assert "Changes since 1.0.0" in html
    auth_changes = _section(html, "changes-authConfig")
    assert (
        "$.type" in auth_changes
        and "&#34;api_key&#34;" in auth_changes
        and "&#34;oauth2&#34;" in auth_changes
    )
    assert "$.scopes" in auth_changes and "admin:everything" in auth_changes
    assert "$.authHeaderName" in auth_changes and "removed" in auth_changes
    variables = _section(html, "changes-variablesSchema")
    assert "$.properties.region.title" in variables and "Area" in variables
    assert "$.properties.region.enum[2]" in variables and "added" in variables
    assert "No changes since 1.0.0." in _section(html, "changes-manifest")


def test_a_first_publish_shows_each_whole_document(client, factories, publisher):
    draft = factories.IntegrationFactory(workspace=publisher.workspace, auth_config=OAUTH)
    db.session.commit()
    html = client.get(f"/dashboard/integrations/{draft.id}/publish").text
    assert "What the first version contains" in html and "This is the first version" in html
    assert "admin:everything" in _section(html, "changes-authConfig")


@pytest.mark.parametrize(
    ("visibility", "words"),
    [
        ("public", "The listing is <strong>public</strong>: it appears in the catalog"),
        ("unlisted", "only people with the link can see and install it"),
        ("private", "The listing is <strong>private</strong>: it will not appear in the catalog"),
    ],
)
def test_the_publish_page_says_what_publishing_will_do(client, factories, publisher, visibility, words):
    integration = _published(factories, publisher, visibility=visibility)
    html = client.get(f"/dashboard/integrations/{integration.id}/publish").text
    assert words in html
    assert "replaces 1.0.0 as the current version" in html
    if visibility == "private":
        assert publisher.workspace.name in html


# --- the trash: read-only until restored ---------------------------------------------------------


@pytest.fixture
def trashed(client, factories, publisher):
    integration = _published(factories, publisher)
    assert client.post_form(f"/dashboard/integrations/{integration.id}/delete").status_code == 302
    db.session.commit()
    return integration


def test_a_trashed_integration_is_read_only_in_the_dashboard(client, publisher, trashed):
    base = f"/dashboard/integrations/{trashed.id}"
    edit = client.get(base).text
    assert "In the trash: read-only." in edit and '<fieldset class="plain-fieldset" disabled>' in edit
    publish_page = client.get(f"{base}/publish").text
    assert "In the trash: read-only." in publish_page and 'name="version"' not in publish_page
    before = state(trashed.id)
    refused = {
        "edit": client.post_form(base, edit_data(trashed, auth_config=json.dumps(OAUTH))),
        "publish": client.post_form(f"{base}/publish", {"version": "2.0.0", "changelog": "x"}),
        "visibility": client.post_form(f"{base}/visibility", {"quick-visibility": "private"}),
        "yank": client.post_form(
            f"{base}/versions/1.0.0/yank", {f"yank-{trashed.versions[0].id}-reason": "Broken."}
        ),
    }
    for action, response in refused.items():
        assert response.status_code == 409, action
        assert "In the trash: read-only." in response.text, action
    assert state(trashed.id) == before

    assert client.post_form(f"{base}/restore").status_code == 302
    _save(client, db.session.get(Integration, trashed.id), authConfig=OAUTH)


def test_a_trashed_integration_is_read_only_through_the_api(client, factories, publisher, trashed):
    _, raw = tokens.create_token(publisher.user, publisher.workspace.id, "CI", 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    base = f"/api/v1/integrations/{trashed.id}"
    before = state(trashed.id)
    for response in (  # "… is in the trash, so it is read-only: restore it before …"
        client.patch(base, json={"authConfig": OAUTH}, headers=headers),
        client.post(f"{base}/versions", json={"version": "2.0.0"}, headers=headers),
        client.post(f"{base}/versions/1.0.0/yank", json={"reason": "Broken."}, headers=headers),
    ):
        assert response.status_code == 409
        assert response.json["error"]["code"] == "in_trash"
        assert "read-only" in response.json["error"]["message"]
    assert state(trashed.id) == before


def test_the_write_api_echoes_the_working_copy_and_reads_the_snapshot(client, factories, publisher):
    integration = _published(factories, publisher)
    _, raw = tokens.create_token(publisher.user, publisher.workspace.id, "CI", 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    patched = client.patch(
        f"/api/v1/integrations/{integration.id}", json={"authConfig": OAUTH}, headers=headers
    )
    assert patched.status_code == 200 and patched.json["authConfig"] == OAUTH and len(patched.json) == 18
    got = client.get(f"/api/v1/integrations/{integration.id}", headers=headers)
    assert got.json["authConfig"] == AUTH and got.json["currentVersion"] == "1.0.0"
