"""Session cookies verified once are remembered (app/web/sessions.py): the same cookie again skips the
signature check, but an altered or foreign cookie, or one past the session lifetime, never opens a
session, and no two requests share the session's data."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.web import sessions


def _open(app, cookie: str):
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as context:
        return app.session_interface.open_session(app, context.request)


@pytest.fixture
def signing(app, monkeypatch):
    """The cookie of a fresh session, and how many times a cookie's signature was checked since."""
    interface = app.session_interface
    assert isinstance(interface, sessions.RememberingSessionInterface)
    monkeypatch.setattr(interface, "verified", {})
    checks = []
    original = interface.get_signing_serializer

    def counted(app_):
        checks.append(1)
        return original(app_)

    monkeypatch.setattr(interface, "get_signing_serializer", counted)
    cookie = original(app).dumps({"_user_id": "someone:0", "csrf_token": "abc", "_flashes": [["info", "Hi"]]})
    return cookie, checks


def test_a_cookie_seen_again_is_not_verified_again_and_its_data_is_its_own(app, signing):
    cookie, checks = signing
    first = _open(app, cookie)
    assert first["_user_id"] == "someone:0" and len(checks) == 1
    first["_flashes"].append(["info", "Changed in place"])
    first["csrf_token"] = "changed"
    second = _open(app, cookie)
    assert len(checks) == 1  # remembered
    assert second == {"_user_id": "someone:0", "csrf_token": "abc", "_flashes": [["info", "Hi"]]}
    assert not second.modified


def test_an_altered_or_foreign_cookie_opens_no_session(app, signing):
    cookie, checks = signing
    assert _open(app, cookie)["_user_id"] == "someone:0"
    body, signature = cookie.rsplit(".", 1)
    altered = f"{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert dict(_open(app, altered)) == {}
    foreign = URLSafeTimedSerializer("another secret", salt="cookie-session").dumps({"_user_id": "x:0"})
    assert dict(_open(app, foreign)) == {}
    assert dict(_open(app, cookie + "x")) == {}
    assert _open(app, cookie)["_user_id"] == "someone:0"  # the real one is still remembered


def test_a_remembered_cookie_past_the_session_lifetime_opens_no_session(app, signing, monkeypatch):
    cookie, checks = signing
    assert _open(app, cookie)["_user_id"] == "someone:0"
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    now = time.time()
    monkeypatch.setattr(sessions.time, "time", lambda: now + lifetime + 5)
    assert dict(_open(app, cookie)) == {}
    monkeypatch.setattr(sessions.time, "time", lambda: now - 60)  # signed in the future: as itsdangerous
    assert dict(_open(app, cookie)) == {}
    assert len(checks) == 1  # told from what was remembered


def test_a_signed_in_member_stays_signed_in_and_logs_out(client, auth, factories):
    user = factories.UserFactory()
    auth.login(user)
    for _ in range(2):  # the second request's session comes from the remembered cookie
        answer = client.get("/dashboard")
        assert answer.status_code == 200 and b"Log out" in answer.get_data()
    auth.logout()
    assert client.get("/dashboard").status_code == 302  # to the log-in page
