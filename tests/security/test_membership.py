"""Real membership (security issue, item 3): registering an address first no longer gets anyone
into a workspace; invitations are pending records accepted through their mailed link only by the
verified owner of the invited address; owners and admins remove members, whose API tokens die in
the same transaction and whose open session then gets 404."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from app.extensions import db
from app.models import ApiToken, AuditEvent, Invitation, Membership
from app.models.base import utcnow
from app.services.tokens import create_token

from ..counting import row_counts


@pytest.fixture
def acme(factories):
    ws = factories.WorkspaceFactory(slug="acme", name="Acme")
    owner = factories.member(workspace=ws, role="owner", user=factories.UserFactory(email="alice@acme.test"))
    admin = factories.member(workspace=ws, role="admin")
    member = factories.member(workspace=ws, role="member")
    outsider = factories.UserFactory()
    db.session.commit()
    return SimpleNamespace(ws=ws, owner=owner, admin=admin, member=member, outsider=outsider)


def _invite(client, email, role="member"):
    return client.post_form("/workspaces/acme/invitations", {"email": email, "role": role})


def _link(mailbox, email) -> str:
    return urlsplit(mailbox.link(mailbox.wait_for(email), "/invitations/")).path


def _membership(user) -> Membership | None:
    return db.session.scalar(db.select(Membership).where(Membership.user_id == user.id))


def _actions(action: str) -> int:
    return db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == action))


def test_the_reported_attack_an_unverified_squatter_never_gets_in(client, auth, factories, acme, mailbox):
    squatter = factories.UserFactory(email="new.hire@acme.test", email_verified_at=None)
    db.session.commit()
    auth.login(acme.owner.user)
    assert _invite(client, "new.hire@acme.test").status_code == 302
    link = _link(mailbox, "new.hire@acme.test")
    assert _membership(squatter) is None  # inviting alone makes nobody a member

    auth.login(squatter)
    page = client.get(link)
    assert page.status_code == 403 and "Verify your e-mail address" in page.text
    assert "Accept the invitation" not in page.text
    refused = client.post_form(link)
    assert refused.status_code == 403 and _membership(squatter) is None
    assert client.get("/workspaces/acme").status_code == 404


def test_another_verified_account_cannot_accept_someone_elses_invitation(client, auth, acme, mailbox):
    auth.login(acme.owner.user)
    _invite(client, "bob@example.test")
    link = _link(mailbox, "bob@example.test")
    auth.login(acme.outsider)
    assert client.get(link).status_code == 403
    response = client.post_form(link)
    assert response.status_code == 403 and "sent to another address" in response.text
    assert _membership(acme.outsider) is None


def test_the_invited_verified_address_accepts_once_in_any_case(client, auth, factories, acme, mailbox):
    invitee = factories.UserFactory(email="carol@example.test")
    db.session.commit()
    auth.login(acme.admin.user)
    assert _invite(client, "Carol@Example.TEST", role="admin").status_code == 302
    message = mailbox.wait_for("carol@example.test")
    assert "Acme" in message["Subject"]
    link = _link(mailbox, "carol@example.test")
    invitation = db.session.scalar(db.select(Invitation))
    assert link.rsplit("/", 1)[1] not in (invitation.token_hash, invitation.id)
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)

    auth.logout()
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login?next=")
    auth.login(invitee)
    page = client.get(link)
    assert page.status_code == 200 and "Accept the invitation" in page.text
    accepted = client.post_form(link)
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/workspaces/acme"
    assert _membership(invitee).role == "admin"
    assert _actions("invitation.accepted") == 1
    again = client.post_form(link)
    assert again.status_code == 410 and "already been accepted" in again.text


def test_a_revoked_or_expired_invitation_link_answers_a_clear_page(client, auth, factories, acme, mailbox):
    auth.login(acme.owner.user)
    _invite(client, "dan@example.test")
    _invite(client, "erin@example.test")
    dan_link, erin_link = _link(mailbox, "dan@example.test"), _link(mailbox, "erin@example.test")
    dan = db.session.scalar(db.select(Invitation).where(Invitation.email == "dan@example.test"))
    assert client.post_form(f"/workspaces/acme/invitations/{dan.id}/revoke").status_code == 302
    assert _actions("invitation.revoked") == 1
    page = client.get("/workspaces/acme").text
    assert "Revoke the invitation to dan@example.test" not in page
    assert "Revoke the invitation to erin@example.test" in page
    erin = db.session.scalar(db.select(Invitation).where(Invitation.email == "erin@example.test"))
    erin.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    for email, link, why in (("dan", dan_link, "withdrawn"), ("erin", erin_link, "expired")):
        person = factories.UserFactory(email=f"{email}@example.test")
        db.session.commit()
        auth.login(person)
        response = client.post_form(link)
        assert response.status_code == 410 and why in response.text
        assert _membership(person) is None


def test_an_admin_cannot_invite_an_owner_nor_revoke_an_owner_invitation(client, auth, acme, mailbox):
    auth.login(acme.admin.user)
    before = row_counts()
    assert _invite(client, "boss@example.test", role="owner").status_code == 422
    assert row_counts() == before and not mailbox.messages


# --- removal ------------------------------------------------------------------------------------


def _remove(client, membership):
    return client.post_form(f"/workspaces/acme/members/{membership.id}/remove")


def test_an_owner_removes_a_member_whose_tokens_and_session_die_with_it(app, client, auth, acme):
    member = acme.admin  # tokens are made by owners and admins
    _, raw = create_token(member.user, acme.ws.id, "CI", None)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/integrations", headers=headers).status_code == 200

    removed_session = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(removed_session).login(member.user)
    assert removed_session.get("/workspaces/acme").status_code == 200

    auth.login(acme.owner.user)
    before = row_counts()
    assert _remove(client, member).status_code == 302
    assert _membership(member.user) is None
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == member.user_id))
    assert token.revoked_at is not None
    assert row_counts()["audit_events"] == before["audit_events"] + 1
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "membership.removed"))
    assert event.diff["api_tokens_revoked"] == {"before": None, "after": 1}

    assert removed_session.get("/workspaces/acme").status_code == 404
    assert removed_session.get("/workspaces/acme/installations").status_code == 404
    assert client.get("/api/v1/integrations", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "who, target, status, message",
    [
        ("admin", "owner", 403, "Only an owner can remove an owner."),
        ("owner", "owner", 422, "To remove yourself, leave the workspace."),
        ("member", "admin", 403, "Only the workspace&#39;s owners and admins"),
    ],
)
def test_removals_that_are_not_allowed_change_nothing(client, auth, acme, who, target, status, message):
    auth.login(getattr(acme, who).user)
    before = row_counts()
    response = _remove(client, getattr(acme, target))
    assert response.status_code == status and message in response.text
    assert row_counts() == before


def test_an_outsider_gets_404_on_removal_and_invitation_urls(client, auth, acme):
    auth.login(acme.outsider)
    before = row_counts()
    assert _remove(client, acme.member).status_code == 404
    assert _invite(client, "x@example.test").status_code == 404
    assert client.post_form("/workspaces/acme/invitations/whatever/revoke").status_code == 404
    assert row_counts() == before


def test_leaving_revokes_your_tokens_for_that_workspace_too(client, auth, acme):
    _, raw = create_token(acme.admin.user, acme.ws.id, "CI", None)
    db.session.commit()
    auth.login(acme.admin.user)
    assert client.post_form("/workspaces/acme/leave").status_code == 302
    assert client.get("/api/v1/integrations", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
