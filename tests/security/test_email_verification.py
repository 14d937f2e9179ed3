"""Verified e-mail (security issue, item 3): sign-up mails a one-time link and proves the address
with it; registration and password reset answer the same whether or not an address has an account;
an unverified account signs in but cannot publish. Real SMTP on loopback: the tests read the
messages the app sent and follow their links."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from app.extensions import db
from app.models import AccountLink, AuditEvent, User
from app.models.base import utcnow
from app.services import integrations, publishing
from app.services.errors import PermissionDenied

from ..conftest import AuthActions
from ..counting import row_counts

PASSWORD = "a-long-password"


def _path(url: str) -> str:
    return urlsplit(url).path


def _sign_up(client, email: str):
    return client.post_form(
        "/register", {"email": email, "display_name": "", "password": PASSWORD, "confirm": PASSWORD}
    )


def _user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


def test_sign_up_mails_a_link_that_verifies_the_address_once(client, mailbox):
    response = _sign_up(client, "New.Person@Example.test")
    assert response.status_code == 302 and response.headers["Location"] == "/check-email"
    user = _user("new.person@example.test")
    assert user is not None and not user.email_verified

    message = mailbox.wait_for("new.person@example.test")
    assert message["Subject"] == "Confirm your e-mail address"
    link = _path(mailbox.link(message, "/verify-email/"))
    raw = link.rsplit("/", 1)[1]
    stored = db.session.scalar(db.select(AccountLink).where(AccountLink.user_id == user.id))
    assert raw not in (stored.token_hash, stored.id)  # only the hash is kept
    assert timedelta(hours=47) < stored.expires_at - stored.created_at <= timedelta(hours=48)

    page = client.get(link)  # opening the link changes nothing: a mail scanner spends nothing
    assert page.status_code == 200 and "Confirm my address" in page.text
    assert not _user("new.person@example.test").email_verified

    assert client.post_form(link).status_code == 302
    assert _user("new.person@example.test").email_verified
    assert db.session.scalar(
        db.select(AuditEvent).where(
            AuditEvent.action == "user.email_verified", AuditEvent.object_id == user.id
        )
    )
    again = client.post_form(link)
    assert again.status_code == 410 and "already been used" in again.text
    assert client.get(link).status_code == 410


def test_sign_up_with_a_taken_address_answers_exactly_the_same_and_tells_only_the_owner(
    client, app, factories, mailbox
):
    owner = factories.UserFactory(email="taken@example.test")
    db.session.commit()
    before = row_counts()

    fresh = _sign_up(client, "fresh@example.test")
    fresh_page = client.get("/check-email").text
    taken = _sign_up(client, "Taken@Example.test")
    taken_page = client.get("/check-email").text

    assert (fresh.status_code, fresh.headers["Location"]) == (taken.status_code, taken.headers["Location"])
    assert fresh_page.replace("fresh@example.test", "X") == taken_page.replace("taken@example.test", "X")
    after = row_counts()
    assert after["users"] == before["users"] + 1  # only the fresh one
    notice = mailbox.wait_for("taken@example.test")
    assert notice["Subject"] == "Someone tried to sign up with your address"
    assert "/forgot-password" in mailbox.body(notice) and "/verify-email/" not in mailbox.body(notice)
    assert _user("taken@example.test").password_hash == owner.password_hash  # untouched


@pytest.mark.parametrize("token", ["no-such-token", "x" * 500])
def test_unknown_links_answer_a_clear_page_never_a_500(client, token):
    for url in (f"/verify-email/{token}", f"/reset-password/{token}"):
        response = client.get(url)
        assert response.status_code == 410 and "This link no longer works" in response.text
        assert client.post_form(url, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 410


def test_a_nul_in_a_link_is_refused_by_the_input_guard_not_a_500(client):
    for url in ("/verify-email/%00", "/reset-password/%00", "/invitations/%00"):
        assert client.get(url).status_code == 404


def test_an_expired_verification_link_is_refused_and_a_resent_one_replaces_it(client, auth, mailbox):
    _sign_up(client, "late@example.test")
    first = _path(mailbox.link(mailbox.wait_for("late@example.test"), "/verify-email/"))
    user = _user("late@example.test")
    link = db.session.scalar(db.select(AccountLink).where(AccountLink.user_id == user.id))
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = client.post_form(first)
    assert expired.status_code == 410 and "expired" in expired.text
    assert not _user("late@example.test").email_verified

    auth.login("late@example.test", PASSWORD)  # an unverified account may sign in
    assert "Send the link again" in client.get("/dashboard").text
    assert client.post_form("/verify-email/resend").status_code == 302
    second = _path(mailbox.link(mailbox.wait_for("late@example.test", count=2), "/verify-email/"))
    assert second != first
    assert client.post_form(second).status_code == 302
    assert _user("late@example.test").email_verified
    assert "Send the link again" not in client.get("/dashboard").text


def test_an_unverified_account_cannot_publish(factories):
    user = factories.UserFactory(email_verified_at=None)
    workspace = factories.member(user=user, role="owner").workspace
    with pytest.raises(PermissionDenied, match="Verify your e-mail"):
        integrations.create_integration(user, workspace.id, {"name": "Squat", "publisher": "stripe-x"})
    draft = factories.IntegrationFactory(workspace=workspace)
    with pytest.raises(PermissionDenied, match="Verify your e-mail"):
        publishing.publish_version(user, draft, "1.0.0", None)


def test_an_unverified_accounts_api_token_cannot_publish(client, auth, factories):
    user = factories.UserFactory(email_verified_at=None)
    membership = factories.member(user=user, role="owner")
    from app.services.tokens import create_token

    _, raw = create_token(user, membership.workspace_id, "CI", None)
    db.session.commit()
    response = client.post(
        "/api/v1/integrations",
        json={"name": "Squat", "publisher": "stripe-x"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 403
    assert "Verify your e-mail" in response.get_json()["error"]["message"]


# --- password reset ---------------------------------------------------------------------------


def _forgot(client, email):
    return client.post_form("/forgot-password", {"email": email})


def test_password_reset_by_mail_changes_the_password_once_and_ends_every_session(
    app, client, auth, factories, mailbox
):
    factories.UserFactory(email="forgetful@example.test")
    db.session.commit()
    elsewhere = app.test_client()  # the account's session on another device (or a thief's)
    AuthActions(elsewhere).login("forgetful@example.test")
    assert elsewhere.get("/workspaces").status_code == 200
    response = _forgot(client, "Forgetful@Example.test")
    assert response.status_code == 302 and response.headers["Location"] == "/check-email"
    message = mailbox.wait_for("forgetful@example.test")
    assert message["Subject"] == "Reset your password"
    link = _path(mailbox.link(message, "/reset-password/"))
    stored = db.session.scalar(db.select(AccountLink).where(AccountLink.purpose == "reset_password"))
    assert stored.expires_at - stored.created_at == timedelta(hours=1)

    page = client.get(link)
    assert page.status_code == 200 and "forgetful@example.test" in page.text
    short = client.post_form(link, {"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "Use 8 to 128 characters." in short.text
    done = client.post_form(link, {"password": "brand-new-password", "confirm": "brand-new-password"})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert elsewhere.get("/workspaces").status_code == 302  # signed out by the reset

    assert (
        client.post_form("/login", {"email": "forgetful@example.test", "password": "password123"}).status_code
        == 422
    )
    auth.login("forgetful@example.test", "brand-new-password")
    assert (
        client.post_form(link, {"password": "another-password", "confirm": "another-password"}).status_code
        == 410
    )
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.password_reset"))
    assert "brand-new-password" not in str(event.diff)


def test_password_reset_answers_the_same_for_an_unknown_address(client, factories, mailbox):
    factories.UserFactory(email="known@example.test")
    db.session.commit()
    before = row_counts()
    known = _forgot(client, "known@example.test")
    known_page = client.get("/check-email").text
    unknown = _forgot(client, "unknown@example.test")
    unknown_page = client.get("/check-email").text
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert known_page.replace("known@example.test", "X") == unknown_page.replace("unknown@example.test", "X")
    assert row_counts()["users"] == before["users"]
    assert mailbox.wait_for("unknown@example.test")["Subject"] == "Password reset requested"
    assert "/reset-password/" not in mailbox.body(mailbox.wait_for("unknown@example.test"))


def test_an_expired_reset_link_is_refused(client, factories, mailbox):
    user = factories.UserFactory(email="slow@example.test")
    db.session.commit()
    _forgot(client, "slow@example.test")
    link = _path(mailbox.link(mailbox.wait_for("slow@example.test"), "/reset-password/"))
    stored = db.session.scalar(db.select(AccountLink).where(AccountLink.user_id == user.id))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.post_form(link, {"password": "brand-new-password", "confirm": "brand-new-password"})
    assert response.status_code == 410 and "expired" in response.text
    db.session.refresh(user)
    assert user.check_password("password123")


def test_a_mail_server_that_does_not_answer_costs_the_sign_up_nothing_and_the_mail_waits(
    client, app, monkeypatch, smtp_server
):
    """Mail goes out from the job queue after the commit: a mail server that does not answer
    leaves the message waiting (backed off, its error class noted), never a 500 or a lost account;
    once the server answers, the mail sweep sends it."""
    from app.models import QueuedMail
    from app.services import mail

    from ..mail_fixtures import Mailbox

    monkeypatch.setitem(app.config, "MAIL_OUTBOX", False)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    response = _sign_up(client, "nomail@example.test")
    assert response.status_code == 302 and _user("nomail@example.test") is not None
    waiting = db.session.scalar(db.select(QueuedMail).where(QueuedMail.recipient == "nomail@example.test"))
    assert waiting.attempts == 1 and waiting.last_error and waiting.claimed_until > utcnow()

    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)
    waiting.claimed_until = utcnow() - timedelta(seconds=1)  # its backoff is over
    box = Mailbox(smtp_server)
    box.clear()
    assert mail.deliver_due() == 1
    assert box.wait_for("nomail@example.test")["Subject"] == "Confirm your e-mail address"
    assert db.session.get(QueuedMail, waiting.id) is None


# --- what goes into a message ---------------------------------------------------------------


def test_mailed_links_are_built_on_the_public_base_url_never_on_the_requests_host(
    app, client, factories, mailbox, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://market.example.com")
    factories.UserFactory(email="victim@example.test")
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # the session cookie belongs to localhost
    response = client.post(
        "/forgot-password", data={"email": "victim@example.test"}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 302
    link = mailbox.link(mailbox.wait_for("victim@example.test"), "/reset-password/")
    assert link.startswith("https://market.example.com/reset-password/")


def test_a_line_break_in_a_name_never_reaches_a_mail_header(app, client, auth, factories, mailbox):
    inviter = factories.UserFactory(display_name="Mallory\r\nBcc: all@example.test")
    factories.member(user=inviter, workspace=factories.WorkspaceFactory(slug="lab", name="Lab"), role="owner")
    db.session.commit()
    auth.login(inviter)
    response = client.post_form("/workspaces/lab/invitations", {"email": "x@example.test", "role": "member"})
    assert response.status_code == 302
    message = mailbox.wait_for("x@example.test")
    assert message["Bcc"] is None and message["Subject"] == "Mallory Bcc: all@example.test invited you to Lab"
    assert mailbox.to("all@example.test") == []
