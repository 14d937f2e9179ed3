"""The read JSON API: the spec's exact shape, cursor pagination, caching headers, clean errors."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from app.extensions import db
from tests.catalog_helpers import STATES, make_cast, make_integration

# Written from spec/integration-entity.txt, independently of the app's own OpenAPI schema.
NULLABLE_STRING = {"type": ["string", "null"]}
TIMESTAMP = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"}
SPEC_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": [
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
    ],
    "properties": {
        "id": {"type": "string"},
        "workspaceId": {"type": "string"},
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "description": NULLABLE_STRING,
        "iconUrl": NULLABLE_STRING,
        "publisher": {"type": "string"},
        "trustTier": {
            "enum": ["first_party", "vendor_official", "verified_partner", "verified_publisher", "community"]
        },
        "currentVersion": NULLABLE_STRING,
        "manifest": {"type": "object"},
        "variablesSchema": {"type": "object"},
        "authConfig": {"type": "object"},
        "visibility": {"enum": ["private", "public", "unlisted"]},
        "createdBy": {"type": "string"},
        "deletedAt": {"oneOf": [TIMESTAMP, {"type": "null"}]},
        "retentionTier": {"enum": ["short", "medium", "long", "none", None]},
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
    },
}


def _validate(item):
    errors = sorted(Draft202012Validator(SPEC_SCHEMA).iter_errors(item), key=str)
    assert not errors, [e.message for e in errors]


def test_every_item_has_exactly_the_spec_shape(client, auth, factories):
    cast = make_cast()
    for index, state in enumerate(STATES):
        make_integration(
            state,
            cast.workspace,
            name=f"Shape {state}",
            retention_tier=["short", None][index % 2],
            icon_url="https://example.test/i.png" if index % 2 else None,
            description=None,
        )
    auth.login(cast.users["admin"])
    items = client.get("/api/v1/integrations?limit=100").get_json()["data"]
    assert len(items) == 2  # public and private are listed for an admin of the workspace
    from app.models import Integration

    for integration in db.session.scalars(db.select(Integration)):
        response = client.get(f"/api/v1/integrations/{integration.id}")
        if response.status_code == 200:
            items.append(response.get_json())
    assert len(items) == 2 + 5
    for item in items:
        _validate(item)
        assert len(item) == 18
    deleted = next(i for i in items if i["name"] == "Shape deleted")
    assert deleted["deletedAt"].endswith("Z")
    draft = next(i for i in items if i["name"] == "Shape draft")
    assert draft["currentVersion"] is None


def test_openapi_integration_schema_matches_the_spec(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    schema = document["components"]["schemas"]["Integration"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(SPEC_SCHEMA["required"]) == set(schema["properties"])
    Draft202012Validator.check_schema(schema)
    for path in ("/api/v1/integrations", "/api/v1/integrations/{id}", "/api/v1/integrations/{id}/versions"):
        assert "get" in document["paths"][path]


def test_versions_are_listed_newest_first_with_yanks(client, factories):
    from datetime import timedelta

    from app.models.base import utcnow

    integration = factories.IntegrationFactory.published(version="1.0.0")
    factories.VersionFactory(
        integration=integration,
        version="1.1.0",
        published_at=utcnow() + timedelta(seconds=5),
        yanked_at=utcnow(),
        yank_reason="Broke webhooks",
    )
    data = client.get(f"/api/v1/integrations/{integration.id}/versions").get_json()["data"]
    assert [v["version"] for v in data] == ["1.1.0", "1.0.0"]
    assert data[0]["yanked"] is True and data[0]["yankReason"] == "Broke webhooks"
    assert data[1]["yankedAt"] is None


@pytest.mark.parametrize("sort", ["relevance", "name", "updated", "installs"])
def test_cursor_pagination_walks_everything_once(client, factories, sort):
    workspace = factories.WorkspaceFactory()
    expected = set()
    for n in range(7):
        expected.add(
            factories.IntegrationFactory.published(
                workspace=workspace,
                name=f"Walker {n % 3}",
                install_count=n % 2,
                description="walk the catalog",
            ).id
        )
    factories.IntegrationFactory.published(name="Unrelated", visibility="unlisted")
    seen, cursor, pages = [], None, 0
    while True:
        url = f"/api/v1/integrations?limit=2&sort={sort}&q=walk" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen += [item["id"] for item in body["data"]]
        cursor = body["nextCursor"]
        pages += 1
        if cursor is None:
            break
        assert pages < 10
    assert len(seen) == len(set(seen)) == 7 and set(seen) == expected


def test_a_cursor_is_bound_to_its_filters(client, factories):
    for n in range(3):
        factories.IntegrationFactory.published(name=f"Bound {n}")
    cursor = client.get("/api/v1/integrations?limit=1&sort=name").get_json()["nextCursor"]
    assert cursor
    response = client.get(f"/api/v1/integrations?limit=1&sort=installs&cursor={cursor}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    "query",
    [
        "tier=bogus",
        "sort=sideways",
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=%C2%B2",
        "limit=" + "9" * 5000,
        "cursor=garbage",
        "cursor=" + "A" * 5000,
        "q=" + "x" * 10_000,
        "publisher=NOT%20A%20HANDLE",
    ],
)
def test_bad_parameters_answer_a_clear_400(client, query):
    response = client.get(f"/api/v1/integrations?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "*",
        "-",
        "NEAR(a b)",
        "a OR",
        "(((",
        '"unterminated',
        "^start",
        "a:b",
        "🙂",
        "' OR 1=1 --",
        "x" * 400,
    ],
)
def test_search_syntax_never_breaks_the_api(client, factories, q):
    factories.IntegrationFactory.published(name="Near things")
    response = client.get("/api/v1/integrations", query_string={"q": q})
    assert response.status_code == 200
    assert response.get_json()["nextCursor"] is None


def test_unknown_ids_are_404_json(client):
    for url in (
        "/api/v1/integrations/nope",
        "/api/v1/integrations/" + "x" * 300,
        "/api/v1/integrations/nope/versions",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_anonymous_reads_are_cacheable_with_etag(client, factories):
    integration = factories.IntegrationFactory.published()
    for url in ("/api/v1/integrations", f"/api/v1/integrations/{integration.id}"):
        response = client.get(url)
        assert response.headers["ETag"]
        assert "public" in response.headers["Cache-Control"]
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""


def test_signed_in_reads_are_never_stored(client, auth, factories):
    cast = make_cast()
    integration = make_integration("private", cast.workspace)
    auth.login(cast.users["member"])
    response = client.get(f"/api/v1/integrations/{integration.id}")
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"] and "no-store" in response.headers["Cache-Control"]
    assert "ETag" not in response.headers
