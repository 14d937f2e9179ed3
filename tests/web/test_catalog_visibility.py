"""One visibility rule on every surface: each state × each viewer × each surface (DESIGN.md's table)."""

from __future__ import annotations

import pytest

from tests.catalog_helpers import STATES, VIEWERS, make_cast, make_integration

LISTING_SURFACES = ("catalog", "search", "home", "api_list")
DIRECT_SURFACES = ("detail", "versions", "api_get")

# Who finds it in listings / who may open it, per DESIGN.md. Staff see no more than anyone else here.
LISTED_FOR = {
    "public": set(VIEWERS),
    "unlisted": set(),
    "private": {"member", "admin"},
    "draft": set(),
    "deleted": set(),
}
VIEWABLE_FOR = {
    "public": set(VIEWERS),
    "unlisted": set(VIEWERS),
    "private": {"member", "admin"},
    "draft": {"member", "admin"},
    "deleted": {"admin"},
}


def _surfaces(client, integration, token):
    """surface -> True when the integration shows up there (or the direct URL answers 200)."""
    link = f'href="/integrations/{integration.publisher}/{integration.slug}"'
    seen = {}
    seen["catalog"] = link in client.get("/integrations").get_data(as_text=True)
    seen["search"] = link in client.get(f"/integrations?q={token}").get_data(as_text=True)
    seen["home"] = link in client.get("/").get_data(as_text=True)
    seen["sitemap"] = f"/integrations/{integration.publisher}/{integration.slug}<" in client.get(
        "/sitemap.xml"
    ).get_data(as_text=True)
    api_list = client.get("/api/v1/integrations").get_json()
    seen["api_list"] = integration.id in [item["id"] for item in api_list["data"]]
    statuses = {
        "detail": client.get(f"/integrations/{integration.publisher}/{integration.slug}").status_code,
        "versions": client.get(f"/api/v1/integrations/{integration.id}/versions").status_code,
        "api_get": client.get(f"/api/v1/integrations/{integration.id}").status_code,
    }
    for surface, status in statuses.items():
        assert status in (200, 404), f"{surface} answered {status}"
        seen[surface] = status == 200
    return seen


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("state", STATES)
def test_visibility_matrix(client, auth, state, viewer):
    cast = make_cast()
    token = f"zyzzyva{state}"
    integration = make_integration(state, cast.workspace, name=f"Zyzzyva {token}", trust_tier="first_party")
    if viewer != "anonymous":
        auth.login(cast.users[viewer])

    seen = _surfaces(client, integration, token)

    expected = {surface: viewer in LISTED_FOR[state] for surface in LISTING_SURFACES}
    expected.update({surface: viewer in VIEWABLE_FOR[state] for surface in DIRECT_SURFACES})
    # The sitemap is for search engines: public, published integrations only, whoever asks.
    expected["sitemap"] = state == "public"
    assert seen == expected


def test_deleted_detail_shows_the_trash_banner_to_admins(client, auth):
    cast = make_cast()
    integration = make_integration("deleted", cast.workspace)
    auth.login(cast.users["admin"])
    html = client.get(f"/integrations/{integration.publisher}/{integration.slug}").get_data(as_text=True)
    assert "This integration is in the trash." in html
    assert "Install " not in html


def test_private_integrations_are_marked_private_for_members(client, auth):
    cast = make_cast()
    make_integration("private", cast.workspace, name="Secret sauce")
    auth.login(cast.users["member"])
    html = client.get("/integrations").get_data(as_text=True)
    assert "Secret sauce" in html and "private-badge" in html


def test_a_token_sees_only_its_own_workspace(client, factories):
    """A bearer token's workspace decides, not every workspace of its owner."""
    from app.extensions import db
    from app.models import ApiToken
    from app.services.tokens import generate_token, hash_token

    cast = make_cast()
    mine = make_integration("private", cast.workspace, name="Mine")
    other_ws = factories.member(user=cast.users["member"], role="member").workspace
    elsewhere = make_integration("private", other_ws, name="Elsewhere")
    raw = generate_token()
    db.session.add(
        ApiToken(
            user_id=cast.users["member"].id,
            workspace_id=cast.workspace.id,
            name="ci",
            token_hash=hash_token(raw),
            prefix=raw[:8],
        )
    )
    db.session.flush()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(f"/api/v1/integrations/{mine.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/integrations/{elsewhere.id}", headers=headers).status_code == 404
    ids = [item["id"] for item in client.get("/api/v1/integrations", headers=headers).get_json()["data"]]
    assert mine.id in ids and elsewhere.id not in ids
    assert client.get("/api/v1/integrations", headers={"Authorization": "Bearer nope"}).status_code == 401
