"""Registering, logging in and out: what a person sees, and what is (and is not) stored."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent, User
from app.services import accounts

from ..counting import row_counts

GOOD = {
    "email": "New.Person@Example.test",
    "display_name": "New Person",
    "password": "longpassword",
    "confirm": "longpassword",
}


def _user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


def test_register_stores_a_hashed_password_mails_a_link_and_audits_once(client):
    before = row_counts()
    response = client.post_form("/register", GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/check-email"
    user = _user("new.person@example.test")
    assert user is not None and user.display_name == "New Person" and not user.email_verified
    assert "longpassword" not in user.password_hash and user.check_password("longpassword")
    assert row_counts()["audit_events"] == before["audit_events"] + 1
    assert row_counts()["outbox_messages"] == before["outbox_messages"] + 1
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.object_id == user.id))
    assert event.action == "user.registered" and "password" not in str(event.diff)
    # Not signed in by signing up: the answer must not differ from a taken address's.
    assert client.get("/workspaces").status_code == 302


@pytest.mark.parametrize(
    "change, field_message",
    [
        ({"email": ""}, accounts.EMAIL_REQUIRED),
        ({"email": "not-an-email"}, accounts.EMAIL_INVALID),
        ({"email": "a" * 250 + "@example.test"}, accounts.EMAIL_TOO_LONG),
        ({"display_name": "n" * 101}, accounts.NAME_TOO_LONG),
        ({"password": "short", "confirm": "short"}, accounts.PASSWORD_LENGTH),
        ({"password": "p" * 129, "confirm": "p" * 129}, accounts.PASSWORD_LENGTH),
        ({"confirm": "different-password"}, "The passwords differ."),
    ],
)
def test_register_refuses_bad_input_beside_the_field_and_keeps_what_was_typed(client, change, field_message):
    before = row_counts()
    data = {**GOOD, **change}
    response = client.post_form("/register", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_message.replace("'", "&#39;") in page
    assert 'class="field-errors"' in page
    if data["email"] and len(data["email"]) < 254:
        assert f'value="{data["email"]}"' in page
    assert data["password"] not in page
    assert row_counts() == before


def test_register_with_a_taken_address_whatever_its_case_creates_nothing_and_mails_its_owner(
    client, factories
):
    factories.UserFactory(email="taken@example.test")
    db.session.commit()
    before = row_counts()
    response = client.post_form("/register", {**GOOD, "email": "  TAKEN@Example.TEST "})
    assert response.status_code == 302 and response.headers["Location"] == "/check-email"
    after = row_counts()
    assert after["users"] == before["users"] and after["audit_events"] == before["audit_events"]
    assert after["outbox_messages"] == before["outbox_messages"] + 1


def test_register_without_csrf_token_is_refused_and_writes_nothing(client):
    before = row_counts()
    response = client.post("/register", data=GOOD)
    assert response.status_code == 400
    assert row_counts() == before


def test_login_accepts_any_case_and_goes_to_a_relative_next(client, factories):
    factories.UserFactory(email="person@example.test")
    response = client.post_form(
        "/login?next=/workspaces",
        {"email": "Person@Example.test", "password": "password123", "next": "/workspaces"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/workspaces"


def test_login_with_a_wrong_password_says_so_and_keeps_the_email_only(client, factories):
    factories.UserFactory(email="person@example.test")
    response = client.post_form("/login", {"email": "person@example.test", "password": "wrong-password"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "That email and password do not match an account." in page
    assert 'value="person@example.test"' in page
    assert "wrong-password" not in page
    assert client.get("/workspaces").status_code == 302  # still logged out


def test_login_refuses_too_long_input_with_messages(client):
    response = client.post_form("/login", {"email": "e" * 250 + "@example.test", "password": "p" * 129})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert accounts.EMAIL_TOO_LONG in page and accounts.PASSWORD_LENGTH in page


def test_login_with_empty_fields_names_each_one(client):
    response = client.post_form("/login", {"email": "", "password": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert accounts.EMAIL_REQUIRED in page and "Enter your password." in page


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        " //evil.example",
        "evil.example",
        "///evil.example",
    ],
)
def test_login_never_redirects_off_site(client, factories, target):
    factories.UserFactory(email="person@example.test")
    response = client.post_form(
        "/login", {"email": "person@example.test", "password": "password123", "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_login_page_does_not_echo_an_unsafe_next(client):
    page = client.get("/login?next=//evil.example").get_data(as_text=True)
    assert "evil.example" not in page
    assert 'name="next" type="hidden" value="/workspaces"' in client.get("/login?next=/workspaces").get_data(
        as_text=True
    )


def test_logout_is_a_post_with_csrf(client, auth, factories):
    auth.login(factories.UserFactory())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/workspaces").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/workspaces").status_code == 302


def test_session_protection_drops_a_session_replayed_from_another_browser(client, auth, factories):
    auth.login(factories.UserFactory())
    assert client.get("/workspaces").status_code == 200
    replayed = client.get("/workspaces", headers={"User-Agent": "another-browser/1.0"})
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/login")


def test_keep_me_logged_in_sets_an_httponly_remember_cookie(client, factories):
    factories.UserFactory(email="person@example.test")
    response = client.post_form(
        "/login", {"email": "person@example.test", "password": "password123", "remember": "y"}
    )
    cookie = next(
        c
        for c in response.headers.getlist("Set-Cookie")
        if c.startswith("remember_token=") and "Max-Age=0" not in c
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_httponly_and_samesite(client):
    cookie = next(c for c in client.get("/login").headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# The harness: what one test's requests commit is gone in the next test.
def test_isolation_a_registration_is_committed_within_its_test(client):
    assert client.post_form("/register", {**GOOD, "email": "isolated@example.test"}).status_code == 302
    assert _user("isolated@example.test") is not None


def test_isolation_the_previous_test_left_nothing_behind():
    assert _user("isolated@example.test") is None
