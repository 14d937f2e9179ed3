"""Login rate limiting and production cookie flags, each on an app of its own."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import load_config

from ..databases import migrated_app
from ..databases import test_config as config_for

pytestmark = pytest.mark.concurrency  # own app and database, committing for real


def _bad_login(client, **kwargs):
    return client.post(
        "/login", data={"email": "nobody@example.test", "password": "wrong-password"}, **kwargs
    )


def test_the_fourth_bad_login_in_a_minute_is_refused_with_429_in_html_and_json():
    with migrated_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", WTF_CSRF_ENABLED=False) as app:
        client = app.test_client()
        assert [_bad_login(client).status_code for _ in range(3)] == [422, 422, 422]
        page = _bad_login(client)
        assert page.status_code == 429
        assert "Too many attempts" in page.get_data(as_text=True) and "<h1>" in page.get_data(as_text=True)
        assert "Retry-After" in page.headers
        api = _bad_login(client, headers={"Accept": "application/json"})
        assert api.status_code == 429
        assert api.get_json()["error"]["code"] == "rate_limited"
        assert "Wait a minute" in api.get_json()["error"]["message"]
        assert client.get("/login").status_code == 200  # only POSTs count


def test_an_app_with_rate_limits_off_stays_unlimited_when_another_app_switches_them_on():
    # The session's `app` is built first with limits off; a later app turns the shared Limiter on.
    with (
        migrated_app(LOGIN_RATE_LIMIT="1 per minute", WTF_CSRF_ENABLED=False) as unlimited,
        migrated_app(
            RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1 per minute", WTF_CSRF_ENABLED=False
        ) as limited,
    ):
        client = unlimited.test_client()
        assert [_bad_login(client).status_code for _ in range(3)] == [422, 422, 422]
        assert [_bad_login(limited.test_client()).status_code for _ in range(2)] == [422, 429]


def test_production_cookies_are_secure_and_https_is_enforced(monkeypatch, app):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")  # never contacted here
    production = create_app(
        config_for(
            app.config["SQLALCHEMY_DATABASE_URI"],
            MAIL_SERVER="127.0.0.1",
            PUBLIC_BASE_URL="https://market.example.com",
        )
    )
    assert production.config["SESSION_COOKIE_SECURE"] and production.config["REMEMBER_COOKIE_SECURE"]
    response = production.test_client().get("/login")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_refuses_to_start_without_its_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CREDENTIALS_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY and CREDENTIALS_KEYS"):
        load_config(str(tmp_path))


def test_development_cookies_work_over_plain_http(tmp_path, monkeypatch):
    monkeypatch.delenv("MARKETPLACE_ENV", raising=False)
    monkeypatch.delenv("FLASK_ENV", raising=False)
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is False and config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True and config["REMEMBER_COOKIE_DURATION"].days == 30
    assert (tmp_path / "secret_key").exists()  # a development secret, kept across restarts


def test_behind_a_trusted_proxy_the_limit_counts_each_client_address():
    with migrated_app(
        RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1 per minute", WTF_CSRF_ENABLED=False, PROXY_COUNT=1
    ) as app:
        client = app.test_client()
        first = {"X-Forwarded-For": "203.0.113.7"}
        second = {"X-Forwarded-For": "198.51.100.9"}
        assert _bad_login(client, headers=first).status_code == 422
        assert _bad_login(client, headers=second).status_code == 422
        assert _bad_login(client, headers=first).status_code == 429


def test_postgresql_connections_give_up_after_a_few_seconds(tmp_path):
    config = load_config(str(tmp_path), {"SQLALCHEMY_DATABASE_URI": "postgres://db.internal/marketplace"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.internal/marketplace"
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True and options["pool_timeout"] == 3
    assert options["connect_args"] == {
        "connect_timeout": 3,
        "options": "-c statement_timeout=5000",
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": 6000,
    }
    assert (
        "connect_args"
        not in load_config(str(tmp_path), {"SQLALCHEMY_DATABASE_URI": "sqlite://"})[
            "SQLALCHEMY_ENGINE_OPTIONS"
        ]
    )
