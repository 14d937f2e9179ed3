"""Every limit answers 429 with RateLimit-* headers, JSON on the API; production refuses
per-process storage (issue item 5). Each test has an app of its own, so counters start at zero."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from app.config import load_config
from app.extensions import db
from app.models import Integration, User, Workspace
from app.services import tokens
from tests.conftest import AuthActions, Client

from ..databases import migrated_app
from ..factories import PASSWORD

pytestmark = pytest.mark.concurrency  # own app and database, committing for real

HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


@contextmanager
def limited_app(**limits):
    with migrated_app(RATELIMIT_ENABLED=True, PROXY_COUNT=1, **limits) as app:
        app.test_client_class = Client
        with app.app_context():
            yield app


def _from(address: str) -> dict:
    return {"X-Forwarded-For": address}


def _seed(build):
    result = build()
    db.session.commit()
    return result


def _publisher(factories, handle: str | None = None):
    def build():
        membership = factories.member(role="owner")
        if handle:
            factories.NamespaceFactory(handle=handle, workspace=membership.workspace)
        return membership.user, membership.workspace

    return _seed(build)


def _token(user, workspace) -> str:
    return _seed(lambda: tokens.create_token(user, workspace.id, "CI", None)[1])


def _assert_refused(response, *, json: bool):
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert all(name in response.headers for name in HEADERS), dict(response.headers)
    assert response.headers["RateLimit-Remaining"] == "0"
    if json:
        assert response.get_json()["error"]["code"] == "rate_limited"
    else:
        assert "Too many attempts" in response.get_data(as_text=True)


def test_registration_is_limited_per_address(factories):
    with limited_app(REGISTER_RATE_LIMIT="2 per minute") as app:

        def register(n, address="203.0.113.1"):
            data = {"email": f"new{n}@example.test", "password": PASSWORD, "confirm": PASSWORD}
            return app.test_client().post_form(
                "/register", data, headers=_from(address)
            )  # a new browser each

        first = register(1)
        assert first.status_code == 302 and first.headers["RateLimit-Remaining"] == "1"
        assert register(2).status_code == 302
        _assert_refused(register(3), json=False)
        assert db.session.scalar(db.select(User.id).where(User.email == "new3@example.test")) is None
        assert register(4, "198.51.100.2").status_code == 302  # another address is not held back


def test_workspace_creation_is_limited_per_account_and_only_creations_count(factories):
    with limited_app(WORKSPACE_RATE_LIMIT="2 per hour") as app:
        someone, other = _seed(lambda: (factories.UserFactory(), factories.UserFactory()))
        client = app.test_client()
        AuthActions(client).login(someone)

        def create(slug):
            return client.post_form("/workspaces/new", {"slug": slug, "name": f"WS {slug}"})

        assert create("Not A Slug!").status_code == 422  # a typo costs nothing
        assert create("first-ws").status_code == 302
        assert create("second-ws").status_code == 302
        _assert_refused(create("third-ws"), json=False)
        assert db.session.scalar(db.select(Workspace.id).where(Workspace.slug == "third-ws")) is None

        other_client = app.test_client()
        AuthActions(other_client).login(other)
        assert (
            other_client.post_form("/workspaces/new", {"slug": "theirs", "name": "Theirs"}).status_code == 302
        )


def test_claiming_new_handles_is_limited_per_workspace_on_the_api_and_the_dashboard(factories):
    with limited_app(HANDLE_RATE_LIMIT="1 per hour") as app:
        user, workspace = _publisher(factories, handle="held-handle")
        raw = _token(user, workspace)
        client = app.test_client()
        bearer = {"Authorization": f"Bearer {raw}"}

        def api_create(name, handle):
            return client.post(
                "/api/v1/integrations", json={"name": name, "publisher": handle}, headers=bearer
            )

        assert api_create("One", "first-new-handle").status_code == 201
        _assert_refused(api_create("Two", "second-new-handle"), json=True)
        # A handle the workspace already holds claims nothing, so it is not held back.
        assert api_create("Three", "held-handle").status_code == 201
        assert api_create("Four", "first-new-handle").status_code == 201

        AuthActions(client).login(user)
        form = {"workspace": workspace.id, "name": "Five", "slug": "", "description": "", "icon_url": ""}
        form.update(visibility="public", retention_tier="")
        _assert_refused(
            client.post_form("/dashboard/integrations/new", {**form, "publisher": "third"}), json=False
        )
        held = client.post_form("/dashboard/integrations/new", {**form, "publisher": "held-handle"})
        assert held.status_code == 302
        assert db.session.scalar(db.select(Integration.id).where(Integration.publisher == "third")) is None


def test_bearer_token_failures_are_limited_per_address(factories):
    with limited_app(API_AUTH_FAILURE_RATE_LIMIT="3 per minute") as app:
        raw = _token(*_publisher(factories))
        client = app.test_client()
        attacker, ci = _from("203.0.113.66"), _from("198.51.100.7")

        def call(token, origin):
            return client.get("/api/v1/integrations", headers={**origin, "Authorization": f"Bearer {token}"})

        for _ in range(5):
            assert call(raw, attacker).status_code == 200  # successes cost nothing
        assert [call(f"mkp_guess{n}", attacker).status_code for n in range(3)] == [401, 401, 401]
        _assert_refused(call("mkp_guess4", attacker), json=True)
        _assert_refused(call(raw, attacker), json=True)  # even a good token, until the window passes
        assert call(raw, ci).status_code == 200
        write = client.post(
            "/api/v1/integrations", json={}, headers={**attacker, "Authorization": "Bearer x"}
        )
        _assert_refused(write, json=True)


def test_the_api_is_limited_per_token(factories):
    with limited_app(API_TOKEN_RATE_LIMIT="3 per minute") as app:
        first = _token(*_publisher(factories))
        second = _token(*_publisher(factories))
        client = app.test_client()

        def call(token, address):
            return client.get(
                "/api/v1/integrations", headers={**_from(address), "Authorization": f"Bearer {token}"}
            )

        # Spread over addresses: the limit follows the token, not where it is used from.
        answers = [call(first, f"203.0.113.{n}") for n in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]  # the token's
        _assert_refused(call(first, "203.0.113.200"), json=True)
        assert call(second, "203.0.113.1").status_code == 200


def test_the_api_is_limited_per_address_with_headers_on_every_answer(factories):
    with limited_app(API_ADDRESS_RATE_LIMIT="3 per minute") as app:
        client = app.test_client()
        answers = [client.get("/api/v1/integrations", headers=_from("203.0.113.9")) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
        assert all(a.headers["RateLimit-Limit"] == "3" for a in answers)
        refused = client.get("/api/v1/integrations/does-not-matter", headers=_from("203.0.113.9"))
        _assert_refused(refused, json=True)  # one counter for the whole API, not one per endpoint
        assert int(refused.headers["Retry-After"]) <= 60
        assert client.get("/api/v1/integrations", headers=_from("203.0.113.10")).status_code == 200


@pytest.mark.parametrize("storage", [None, "", "memory://"])
def test_production_refuses_to_start_without_shared_rate_limit_storage(monkeypatch, tmp_path, storage):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("CREDENTIALS_KEYS", "k")
    monkeypatch.setenv("MAIL_SERVER", "smtp.internal")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://market.example.com")
    if storage is None:
        monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    else:
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", storage)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI must name storage shared by every process"):
        load_config(str(tmp_path))


def test_production_starts_with_redis_storage_and_development_keeps_memory(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("CREDENTIALS_KEYS", "k")
    monkeypatch.setenv("MAIL_SERVER", "smtp.internal")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://market.example.com")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://redis.internal:6379/0")
    assert load_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis://redis.internal:6379/0"
    monkeypatch.delenv("MARKETPLACE_ENV")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI")
    assert load_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"
