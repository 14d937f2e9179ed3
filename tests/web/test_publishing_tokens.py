"""/settings/tokens: shown once, stored hashed, listed by prefix, revocable; admins/owners only."""

import re

from app.extensions import db
from app.models import ApiToken
from app.services.tokens import hash_token

from .publishing_helpers import make_publisher


def test_create_show_once_use_and_revoke(client, auth, factories):
    p = make_publisher(factories)
    auth.login(p.user)
    before = factories.audit_count()
    response = client.post_form(
        "/settings/tokens", {"workspace": p.workspace.id, "name": "CI publish", "expires": "30"}
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    raw = re.search(r'id="new-token">(mkp_[^<]+)<', response.text).group(1)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "CI publish"))
    assert token.token_hash == hash_token(raw) and raw not in (token.prefix, token.token_hash)
    assert token.expires_at is not None
    assert factories.audit_count() == before + 1
    listing = client.get("/settings/tokens").text
    assert raw not in listing and f"{token.prefix}…" in listing  # never shown again
    headers = {"Authorization": f"Bearer {raw}"}
    assert (
        client.post(
            "/api/v1/integrations", json={"name": "X", "publisher": p.handle}, headers=headers
        ).status_code
        == 201
    )
    assert client.post_form(f"/settings/tokens/{token.id}/revoke").status_code == 302
    assert (
        client.post(
            "/api/v1/integrations", json={"name": "Y", "publisher": p.handle}, headers=headers
        ).status_code
        == 401
    )
    assert client.post_form(f"/settings/tokens/{token.id}/revoke").status_code == 409


def test_only_admins_and_owners_create_tokens(client, auth, factories):
    p = make_publisher(factories)
    member = factories.member(workspace=p.workspace, role="member").user
    auth.login(member)
    before = factories.audit_count()
    response = client.post_form(
        "/settings/tokens", {"workspace": p.workspace.id, "name": "sneaky", "expires": ""}
    )
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
    assert factories.audit_count() == before


def test_someone_elses_token_cannot_be_revoked_and_csrf_is_required(client, auth, factories):
    from app.services import tokens

    owner = make_publisher(factories)
    token, _ = tokens.create_token(owner.user, owner.workspace.id, "theirs", None)
    stranger = make_publisher(factories)
    auth.login(stranger.user)
    assert client.post_form(f"/settings/tokens/{token.id}/revoke").status_code == 404
    assert "theirs" not in client.get("/settings/tokens").text
    auth.logout()
    auth.login(owner.user)
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 400
    assert (
        client.post("/settings/tokens", data={"workspace": owner.workspace.id, "name": "x"}).status_code
        == 400
    )
    db.session.expire_all()
    assert token.revoked_at is None
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 1
