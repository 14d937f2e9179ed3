"""The write API: bearer tokens only, the same validation and errors as the forms, 404 for others."""

import pytest

from app.extensions import db
from app.models import Integration
from app.services import tokens

from .publishing_helpers import AUTH, MANIFEST, VARIABLES, make_publisher, state


@pytest.fixture
def ci(factories):
    p = make_publisher(factories)
    token, raw = tokens.create_token(p.user, p.workspace.id, "CI", 30)
    db.session.commit()
    p.headers = {"Authorization": f"Bearer {raw}"}
    return p


def create(client, ci, **payload):
    body = {
        "name": "Acme Sync",
        "publisher": ci.handle,
        "manifest": MANIFEST,
        "variablesSchema": VARIABLES,
        "authConfig": AUTH,
        "visibility": "public",
    }
    body.update(payload)
    return client.post("/api/v1/integrations", json=body, headers=ci.headers)


def test_publish_from_ci_end_to_end(client, ci, factories):
    before = factories.audit_count()
    response = create(client, ci)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["slug"] == "acme-sync" and body["trustTier"] == "community" and body["currentVersion"] is None
    assert set(body) == {
        "id",
        "workspaceId",
        "slug",
        "name",
        "description",
        "iconUrl",
        "publisher",
        "trustTier",
        "currentVersion",
        "manifest",
        "variablesSchema",
        "authConfig",
        "visibility",
        "createdBy",
        "deletedAt",
        "retentionTier",
        "createdAt",
        "updatedAt",
    }
    iid = body["id"]
    patched = client.patch(
        f"/api/v1/integrations/{iid}", json={"description": "Now with docs"}, headers=ci.headers
    )
    assert patched.status_code == 200 and patched.json["description"] == "Now with docs"
    v1 = client.post(
        f"/api/v1/integrations/{iid}/versions",
        json={"version": "1.0.0", "changelog": "First"},
        headers=ci.headers,
    )
    assert v1.status_code == 201 and v1.json["version"] == "1.0.0"
    client.post(f"/api/v1/integrations/{iid}/versions", json={"version": "1.1.0"}, headers=ci.headers)
    yank = client.post(
        f"/api/v1/integrations/{iid}/versions/1.1.0/yank", json={"reason": "broken"}, headers=ci.headers
    )
    assert yank.status_code == 200 and yank.json["yanked"] is True
    assert client.get(f"/api/v1/integrations/{iid}").json["currentVersion"] == "1.0.0"
    deleted = client.delete(f"/api/v1/integrations/{iid}", headers=ci.headers)
    assert deleted.status_code == 200 and deleted.json["deletedAt"]
    assert factories.audit_count() == before + 6


def test_validation_errors_list_every_problem_with_json_paths(client, ci, factories):
    before = factories.audit_count()
    response = create(
        client,
        ci,
        manifest={"members": [{"key": "a", "kind": "x"}], "colour": 1},
        iconUrl="http://insecure.example/icon.png",
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert {d["path"] for d in error["details"]} == {
        "$.iconUrl",
        "$.manifest.members[0]",
        "$.manifest.colour",
    }
    assert error["message"] == "3 problems to fix; nothing was saved."
    assert db.session.scalar(db.select(db.func.count()).select_from(Integration)) == 0
    assert factories.audit_count() == before


def test_a_300_level_body_is_refused(client, ci):
    deep = {}
    node = deep
    for _ in range(300):
        node["a"] = {}
        node = node["a"]
    response = create(client, ci, manifest=deep)
    assert response.status_code == 422
    assert response.json["error"]["details"][0]["message"] == "The documents nest deeper than 32 levels."
    # far deeper than Python's recursion limit: refused before json parses it, never a 500
    raw = '{"name": "x", "publisher": "p", "manifest": ' + "[" * 200_000 + "]" * 200_000 + "}"
    response = client.post(
        "/api/v1/integrations", data=raw, content_type="application/json", headers=ci.headers
    )
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Integration)) == 0


@pytest.mark.parametrize("field", ["trustTier", "trust_tier", "currentVersion"])
def test_trust_tier_in_a_payload_is_refused_not_ignored(client, ci, factories, field):
    before = factories.audit_count()
    response = create(client, ci, **{field: "first_party"})
    assert response.status_code == 422
    assert response.json["error"]["details"][0]["path"].startswith("$.")
    integration = factories.IntegrationFactory(workspace=ci.workspace, publisher=ci.handle)
    snapshot = state(integration.id)
    patched = client.patch(
        f"/api/v1/integrations/{integration.id}", json={field: "first_party"}, headers=ci.headers
    )
    assert patched.status_code == 422
    assert state(integration.id) == snapshot
    assert factories.audit_count() == before


def test_unknown_fields_and_non_json_are_refused(client, ci):
    assert create(client, ci, colour="red").status_code == 422
    response = client.post("/api/v1/integrations", data="name=x", headers=ci.headers)
    assert response.status_code == 415 and response.json["error"]["code"] == "unsupported_media_type"
    assert response.json["error"]["message"].startswith("Send a JSON object")
    not_an_object = client.post(
        "/api/v1/integrations", data="[]", content_type="application/json", headers=ci.headers
    )
    assert not_an_object.status_code == 422
    assert not_an_object.json["error"]["details"] == [{"path": "$", "message": "Expected a JSON object."}]


def test_an_unparseable_icon_url_is_a_field_error_not_a_500(client, ci):
    response = create(client, ci, iconUrl="https://[not-an-address")
    assert response.status_code == 422
    assert [d["path"] for d in response.json["error"]["details"]] == ["$.iconUrl"]


def test_patch_refuses_unknown_and_read_only_keys_like_post(client, ci, factories):
    integration_id = create(client, ci).json["id"]
    before = factories.audit_count()
    assert create(client, ci, clientSecret="s3cret").json["error"]["details"][0]["path"] == "$.clientSecret"
    for extra, paths in (
        ({"trustTier": "verified"}, {"$.trustTier"}),
        ({"colour": 1, "slug": "x"}, {"$.colour", "$.slug"}),
    ):
        response = client.patch(
            f"/api/v1/integrations/{integration_id}", json={"name": "Renamed", **extra}, headers=ci.headers
        )
        assert response.status_code == 422
        assert {d["path"] for d in response.json["error"]["details"]} == paths
    assert (
        client.get(f"/api/v1/integrations/{integration_id}", headers=ci.headers).json["name"] == "Acme Sync"
    )
    assert factories.audit_count() == before


def test_writes_need_a_bearer_token(client, auth, factories):
    p = make_publisher(factories)
    integration = factories.IntegrationFactory(workspace=p.workspace, publisher=p.handle)
    auth.login(p.user)  # a session cookie never authorises a write
    before = state(integration.id)
    assert client.post("/api/v1/integrations", json={"name": "x", "publisher": p.handle}).status_code == 401
    assert client.patch(f"/api/v1/integrations/{integration.id}", json={"name": "x"}).status_code == 401
    assert client.delete(f"/api/v1/integrations/{integration.id}").status_code == 401
    bad = client.delete(f"/api/v1/integrations/{integration.id}", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json["error"]["code"] == "unauthorized"
    assert state(integration.id) == before


def test_another_workspaces_integration_is_404_on_every_call(client, ci, factories):
    other = make_publisher(factories)
    # published and public: readable by everyone, still not writable with this token
    integration = factories.IntegrationFactory.published(workspace=other.workspace, publisher=other.handle)
    before = state(integration.id)
    base = f"/api/v1/integrations/{integration.id}"
    calls = [
        client.patch(base, json={"name": "Mine"}, headers=ci.headers),
        client.post(f"{base}/versions", json={"version": "9.0.0"}, headers=ci.headers),
        client.post(f"{base}/versions/1.0.0/yank", json={"reason": "x"}, headers=ci.headers),
        client.delete(base, headers=ci.headers),
        client.patch("/api/v1/integrations/does-not-exist", json={}, headers=ci.headers),
    ]
    assert [c.status_code for c in calls] == [404] * 5
    assert all(c.json["error"]["code"] == "not_found" for c in calls)
    assert state(integration.id) == before


def test_a_token_of_another_workspace_of_the_same_person_cannot_write(client, ci, factories):
    second = factories.member(user=ci.user, role="owner").workspace
    integration = factories.IntegrationFactory(workspace=second, publisher=factories.namespace_for(second))
    db.session.commit()
    assert (
        client.patch(
            f"/api/v1/integrations/{integration.id}", json={"name": "x"}, headers=ci.headers
        ).status_code
        == 404
    )


def test_a_member_token_cannot_create(client, factories):
    p = make_publisher(factories)
    member = factories.member(workspace=p.workspace, role="member").user
    from app.models import ApiToken

    raw = tokens.generate_token()
    db.session.add(
        ApiToken(
            user_id=member.id,
            workspace_id=p.workspace.id,
            name="x",
            token_hash=tokens.hash_token(raw),
            prefix=raw[:12],
        )
    )
    db.session.commit()
    response = client.post(
        "/api/v1/integrations",
        json={"name": "x", "publisher": p.handle},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 403


def test_publish_conflict_and_ordering_errors(client, ci):
    iid = create(client, ci).json["id"]
    client.post(f"/api/v1/integrations/{iid}/versions", json={"version": "1.0.0"}, headers=ci.headers)
    again = client.post(f"/api/v1/integrations/{iid}/versions", json={"version": "1.0.0"}, headers=ci.headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    lower = client.post(f"/api/v1/integrations/{iid}/versions", json={"version": "0.1.0"}, headers=ci.headers)
    assert lower.status_code == 409 and lower.json["error"]["details"][0]["path"] == "$.version"
    no_reason = client.post(f"/api/v1/integrations/{iid}/versions/1.0.0/yank", json={}, headers=ci.headers)
    assert no_reason.status_code == 422


def test_write_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/integrations"]
    assert {"patch", "delete", "get"} <= set(paths["/api/v1/integrations/{id}"])
    assert "post" in paths["/api/v1/integrations/{id}/versions/{version}/yank"]


def test_published_versions_cannot_be_edited_or_deleted(client, ci):
    iid = create(client, ci).json["id"]
    client.post(f"/api/v1/integrations/{iid}/versions", json={"version": "1.0.0"}, headers=ci.headers)
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/v1/integrations/{iid}/versions/1.0.0", json={}, headers=ci.headers
        )
        assert response.status_code in (404, 405), method
    versions = client.get(f"/api/v1/integrations/{iid}/versions", headers=ci.headers).json["data"]
    assert [v["version"] for v in versions] == ["1.0.0"]


def test_a_deleted_integration_is_seen_only_by_its_workspace_admins(client, ci, factories):
    iid = create(client, ci).json["id"]
    client.post(f"/api/v1/integrations/{iid}/versions", json={"version": "1.0.0"}, headers=ci.headers)
    assert client.get(f"/api/v1/integrations/{iid}").status_code == 200  # public, published
    assert client.delete(f"/api/v1/integrations/{iid}", headers=ci.headers).status_code == 200
    other = make_publisher(factories)
    _token, raw = tokens.create_token(other.user, other.workspace.id, "CI", 30)
    db.session.commit()
    assert client.get(f"/api/v1/integrations/{iid}").status_code == 404
    assert (
        client.get(f"/api/v1/integrations/{iid}", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 404
    )
    assert iid not in {i["id"] for i in client.get("/api/v1/integrations").json["data"]}
    in_trash = client.get(f"/api/v1/integrations/{iid}", headers=ci.headers)
    assert in_trash.status_code == 200 and in_trash.json["deletedAt"]


def test_a_version_longer_than_its_column_is_a_field_error_not_a_500(client, ci):
    """Found by the conformance test on PostgreSQL: semver allows 256 characters, the column 64."""
    iid = create(client, ci).json["id"]
    long_version = "1.0.0+" + "b" * 59  # 65 characters, a valid semantic version
    response = client.post(
        f"/api/v1/integrations/{iid}/versions", json={"version": long_version}, headers=ci.headers
    )
    assert response.status_code == 422
    assert response.json["error"]["details"] == [
        {"field": "version", "path": "$.version", "message": "A version number is at most 64 characters."}
    ]
    fits = client.post(
        f"/api/v1/integrations/{iid}/versions", json={"version": long_version[:64]}, headers=ci.headers
    )
    assert fits.status_code == 201 and fits.json["version"] == long_version[:64]
