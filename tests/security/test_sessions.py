"""Sessions end on the server: a copied session or remember-me cookie dies at logout, at "sign out
everywhere" and at a password change; login starts a fresh session (issue item 4)."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import AuthActions, Client

from ..factories import PASSWORD

REMEMBER = "remember_token"


def _other_client(app) -> Client:
    app.test_client_class = Client
    return app.test_client()


def _copy(source: Client, target: Client, *names: str) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        target.set_cookie(name, cookie.value)


def _signed_in(client: Client) -> bool:
    response = client.get("/dashboard")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.headers["Location"], response.status_code
    return False


def _login(client: Client, user, *, remember: bool = False, password: str = PASSWORD):
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post_form("/login", data)
    assert response.status_code == 302, response.status_code
    return response


def _csrf_from(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _generation(user) -> int:
    db.session.expire_all()
    return db.session.get(User, user.id).session_generation


def test_a_session_cookie_copied_before_logout_is_refused_after(app, client, factories):
    user = factories.UserFactory()
    _login(client, user)
    thief = _other_client(app)
    _copy(client, thief, "session")
    assert _signed_in(thief)  # the copy works while the session lives: this test can fail

    assert AuthActions(client).logout().status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(thief)  # the login page
    api = thief.get("/dashboard", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.get_json()["error"]["code"] == "unauthorized"


def test_logout_is_recorded_once(client, factories):
    user = factories.UserFactory()
    _login(client, user)
    before = factories.audit_count()
    AuthActions(client).logout()
    assert factories.audit_count() == before + 1
    event = db.session.scalar(
        db.select(AuditEvent).where(
            AuditEvent.action == "user.sessions_ended", AuditEvent.object_id == user.id
        )
    )
    assert event.diff["reason"]["after"] == "logout" and event.actor_id == user.id


def test_a_copied_remember_me_cookie_dies_at_logout(app, client, factories):
    user = factories.UserFactory()
    _login(client, user, remember=True)
    thief = _other_client(app)
    _copy(client, thief, REMEMBER)  # only the long-lived cookie, no session
    assert _signed_in(thief)

    AuthActions(client).logout()
    fresh = _other_client(app)
    _copy(thief, fresh, REMEMBER)
    assert not _signed_in(fresh)
    assert not _signed_in(thief)  # its session (loaded from the remember cookie) died too


def test_sign_out_everywhere_from_another_client_ends_every_session(app, client, factories):
    user = factories.UserFactory()
    _login(client, user, remember=True)
    remembered = _other_client(app)
    _copy(client, remembered, REMEMBER)
    laptop = _other_client(app)
    _login(laptop, user)
    assert _signed_in(client) and _signed_in(remembered) and _signed_in(laptop)

    before = factories.audit_count()
    response = laptop.post_form("/settings/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert factories.audit_count() == before + 1
    assert not any(_signed_in(c) for c in (client, remembered, laptop))
    fresh = _other_client(app)
    _copy(client, fresh, REMEMBER)
    assert not _signed_in(fresh)
    _login(client, user)  # a new login works as ever
    assert _signed_in(client)


def test_sign_out_everywhere_needs_its_csrf_token(client, factories):
    user = factories.UserFactory()
    _login(client, user)
    generation = _generation(user)
    assert client.post("/settings/sign-out-everywhere").status_code == 400
    assert _generation(user) == generation and _signed_in(client)


def test_a_password_change_ends_other_sessions_and_keeps_this_one(app, client, factories):
    user = factories.UserFactory()
    _login(client, user, remember=True)
    other = _other_client(app)
    _login(other, user, remember=True)
    before = factories.audit_count()

    response = client.post_form(
        "/settings/password",
        {"current_password": PASSWORD, "new_password": "a-new-password-42", "confirm": "a-new-password-42"},
    )
    assert response.status_code == 302
    assert factories.audit_count() == before + 1
    assert _signed_in(client)  # this session goes on under the new generation...
    fresh = _other_client(app)
    _copy(client, fresh, REMEMBER)
    assert _signed_in(fresh)  # ...and so does its re-issued remember-me cookie
    assert not _signed_in(other)  # every other session ended
    stale = _other_client(app)
    _copy(other, stale, REMEMBER)
    assert not _signed_in(stale)

    assert (
        _other_client(app).post_form("/login", {"email": user.email, "password": PASSWORD}).status_code == 422
    )
    _login(_other_client(app), user, password="a-new-password-42")


def test_a_wrong_current_password_changes_nothing(app, client, factories):
    user = factories.UserFactory()
    _login(client, user)
    other = _other_client(app)
    _login(other, user)
    generation, before = _generation(user), factories.audit_count()

    response = client.post_form(
        "/settings/password",
        {
            "current_password": "not-my-password",
            "new_password": "a-new-password-42",
            "confirm": "a-new-password-42",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "That is not your current password." in page
    assert 'id="current_password-errors"' in page
    assert _generation(user) == generation and factories.audit_count() == before
    assert _signed_in(other)

    mismatch = client.post_form(
        "/settings/password",
        {"current_password": PASSWORD, "new_password": "a-new-password-42", "confirm": "something-else"},
    )
    assert mismatch.status_code == 422 and "The passwords differ." in mismatch.get_data(as_text=True)
    assert _generation(user) == generation


def test_login_rotates_the_session_and_its_csrf_token(app, client, factories):
    user = factories.UserFactory()
    login_page = client.get("/login")
    anonymous_session = client.get_cookie("session").value
    old_csrf = _csrf_from(login_page.get_data(as_text=True))
    fixer = _other_client(app)
    _copy(client, fixer, "session")  # someone who planted or read the pre-login session

    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": old_csrf})
    assert response.status_code == 302
    assert client.get_cookie("session").value != anonymous_session
    assert not _signed_in(fixer)

    refused = client.post("/settings/sign-out-everywhere", data={"csrf_token": old_csrf})
    assert refused.status_code == 400  # the pre-login session's token is worth nothing now
    assert _signed_in(client)
    fresh_csrf = _csrf_from(client.get("/settings/account").get_data(as_text=True))
    assert fresh_csrf != old_csrf
    assert client.post("/settings/sign-out-everywhere", data={"csrf_token": fresh_csrf}).status_code == 302


def test_end_all_sessions_is_the_service_a_password_reset_calls(app, client, factories):
    from app.services.accounts import end_all_sessions

    user = factories.UserFactory()
    _login(client, user, remember=True)
    generation = _generation(user)
    end_all_sessions(db.session.get(User, user.id), reason="password_reset")
    db.session.commit()
    assert _generation(user) == generation + 1
    assert not _signed_in(client)


def test_a_cookie_from_before_generations_logs_nobody_in(app, factories):
    """A session naming a bare user id (issued before this change) is refused, not trusted."""
    user = factories.UserFactory()
    stale = _other_client(app)
    with stale.session_transaction() as session:
        session["_user_id"] = user.id
        session["_fresh"] = True
    assert not _signed_in(stale)


def test_the_account_page_offers_both_actions(client, factories):
    user = factories.UserFactory()
    _login(client, user)
    page = client.get("/settings/account")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert 'action="/settings/password"' in text and 'action="/settings/sign-out-everywhere"' in text
    for field in ("current_password", "new_password", "confirm"):
        assert re.search(rf'<label[^>]*for="{field}"', text) and f'id="{field}"' in text


def test_an_anonymous_visitors_session_is_left_alone(app, client):
    """Session protection guards a signed-in session: an anonymous one (a CSRF secret) is not rewritten
    on every request, nor a remember-me cookie deleted, and its pages are kept like any visitor's."""
    assert client.get("/login").status_code == 200  # the session now holds a CSRF secret
    assert client.get_cookie("session") is not None
    for _ in range(2):
        answer = client.get("/integrations")
        assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
        assert answer.headers["Cache-Control"] == "public, no-cache"  # the anonymous page, kept


def test_a_signed_in_session_used_from_another_browser_is_ended(app, client, factories):
    user = factories.UserFactory()
    _login(client, user)
    assert _signed_in(client)
    thief = _other_client(app)
    _copy(client, thief, "session")
    thief.environ_base["HTTP_USER_AGENT"] = "another-browser"
    assert not _signed_in(thief)
