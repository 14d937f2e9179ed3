"""Invitations: owners and admins invite an address to a workspace; the invitation is a pending
record, mailed as a link, that becomes a membership only when a signed-in account whose verified
address is the invited one accepts it. Nobody joins a workspace by merely registering an address."""

from __future__ import annotations

from ..database import insert_unique
from ..extensions import db
from ..models import Invitation, Membership, User, Workspace
from ..models.base import utcnow
from . import account_links, accounts, audit, mail, verification
from .errors import Conflict, LinkInvalid, NotFound, PermissionDenied
from .workspaces import check_role, may_assign, membership_of

ALREADY_MEMBER = "They are already a member of this workspace."
ALREADY_INVITED = "That address already has a pending invitation. Revoke it to send a new one."
REVOKED = "This invitation was withdrawn by the workspace."
ACCEPTED = "This invitation has already been accepted."
EXPIRED = "This invitation has expired. Ask the workspace for a new one."
VERIFY_FIRST = "Verify your e-mail address before you accept an invitation: open the link we mailed you."
WRONG_ADDRESS = "This invitation was sent to another address. Log in with the account for that address."


def pending(workspace: Workspace) -> list[Invitation]:
    now = utcnow()
    return list(
        db.session.scalars(
            db.select(Invitation)
            .where(
                Invitation.workspace_id == workspace.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at)
        )
    )


def invite(
    actor: User, workspace: Workspace, actor_membership: Membership, email: str, role: str
) -> Invitation:
    role = check_role(role)
    may_assign(actor_membership, role)
    address = accounts.check_email(email)
    member = db.session.scalar(
        db.select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace.id, User.email == address)
    )
    if member is not None:
        raise Conflict(ALREADY_MEMBER, field="email")
    if any(invitation.email == address for invitation in pending(workspace)):
        raise Conflict(ALREADY_INVITED, field="email")
    raw, token_hash = account_links.new_token()
    now = utcnow()
    invitation = Invitation(
        workspace_id=workspace.id,
        email=address,
        role=role,
        invited_by=actor.id,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + account_links.LIFETIMES["invitation"],
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        actor, "invitation.created", invitation, object_label=address, after={"email": address, "role": role}
    )
    mail.send(
        address,
        f"{actor.label} invited you to {workspace.name}",
        "invitation",
        inviter=actor,
        workspace=workspace,
        role=role,
        url=mail.link("accounts.invitation", token=raw),
        days=account_links.LIFETIMES["invitation"].days,
    )
    return invitation


def revoke(actor: User, workspace: Workspace, actor_membership: Membership, invitation_id: str) -> Invitation:
    invitation = db.session.get(Invitation, str(invitation_id)[:36])
    if invitation is None or invitation.workspace_id != workspace.id:
        raise NotFound("No such invitation.")
    may_assign(actor_membership, invitation.role)
    if not invitation.is_pending(utcnow()):
        raise Conflict("This invitation is no longer pending.")
    invitation.revoked_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "invitation.revoked",
        invitation,
        object_label=invitation.email,
        before={"revoked_at": None},
        after={"revoked_at": audit.plain(invitation.revoked_at)},
    )
    return invitation


def for_link(raw: str | None, *, lock: bool = False) -> Invitation:
    """The invitation a mailed link names, still open; LinkInvalid (a clear page) otherwise."""
    if not raw or len(raw) > account_links.TOKEN_MAX:
        raise LinkInvalid(account_links.LINK_UNKNOWN)
    query = db.select(Invitation).where(Invitation.token_hash == account_links.hash_token(raw))
    if lock:
        query = query.with_for_update()
    invitation = db.session.scalar(query)
    if invitation is None:
        raise LinkInvalid(account_links.LINK_UNKNOWN)
    if invitation.revoked_at is not None:
        raise LinkInvalid(REVOKED)
    if invitation.accepted_at is not None:
        raise LinkInvalid(ACCEPTED)
    if invitation.expires_at <= utcnow():
        raise LinkInvalid(EXPIRED)
    return invitation


def check_acceptor(user: User, invitation: Invitation) -> None:
    """Only the invited address's verified owner may accept: a clear refusal otherwise."""
    if not user.email_verified:
        raise PermissionDenied(VERIFY_FIRST)
    if user.email.lower() != invitation.email.lower():
        raise PermissionDenied(WRONG_ADDRESS)


def accept(user: User, raw: str | None) -> Membership:
    verification.require_verified(user, VERIFY_FIRST)
    invitation = for_link(raw, lock=True)
    check_acceptor(user, invitation)
    invitation.accepted_at = utcnow()
    invitation.accepted_by = user.id
    membership = membership_of(user, invitation.workspace_id)
    if membership is None:
        membership = insert_unique(
            Membership(workspace_id=invitation.workspace_id, user_id=user.id, role=invitation.role),
            Conflict(ALREADY_MEMBER),
        )
    db.session.flush()
    audit.record(
        user,
        "invitation.accepted",
        invitation,
        object_label=invitation.email,
        after={"user": user.email, "role": membership.role},
    )
    return membership
