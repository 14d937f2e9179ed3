"""Workspaces and memberships: who belongs where, with which role. People join through
invitations (services/invitations.py); owners and admins remove them, and their API tokens for
the workspace die in the same transaction."""

from __future__ import annotations

import re

from sqlalchemy.orm import joinedload

from ..database import insert_unique
from ..extensions import db
from ..models import ApiToken, Membership, User, Workspace
from ..models.base import utcnow
from ..models.workspace import MANAGER_ROLES, ROLES, SLUG_MAX
from . import audit
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed

SLUG_RE = re.compile(rf"^[a-z0-9][a-z0-9-]{{1,{SLUG_MAX - 1}}}$")
RESERVED_SLUGS = frozenset({"new", "create", "admin", "api", "settings", "static"})
NAME_MAX = 100

SLUG_INVALID = f"Use 2 to {SLUG_MAX} lowercase letters, digits and hyphens, starting with a letter or digit."
SLUG_TAKEN = "That workspace address is taken. Choose another."
NAME_INVALID = f"Give the workspace a name of up to {NAME_MAX} characters."
ROLE_INVALID = "Choose owner, admin or member."
ROLE_ORDER = {role: index for index, role in enumerate(ROLES)}


def membership_of(user, workspace_id: str) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        db.select(Membership).where(Membership.workspace_id == workspace_id, Membership.user_id == user.id)
    )


def workspace_for_member(user, slug: str, *, manage: bool = False) -> tuple[Workspace, Membership]:
    """Load a workspace the user belongs to. Non-members get NotFound: a workspace's existence never leaks.
    With manage=True, a plain member gets PermissionDenied (they can see it, they may not change it)."""
    workspace = db.session.scalar(db.select(Workspace).where(Workspace.slug == slug))
    membership = membership_of(user, workspace.id) if workspace else None
    if workspace is None or membership is None:
        raise NotFound("No such workspace.")
    if manage and membership.role not in MANAGER_ROLES:
        raise PermissionDenied("Only the workspace's owners and admins can do that.")
    return workspace, membership


def user_workspaces(user, *, manage: bool = False) -> list[tuple[Workspace, Membership]]:
    query = (
        db.select(Workspace, Membership)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id)
        .order_by(Workspace.name)
    )
    if manage:
        query = query.where(Membership.role.in_(MANAGER_ROLES))
    return [(workspace, membership) for workspace, membership in db.session.execute(query)]


def workspace_members(workspace: Workspace) -> list[Membership]:
    """Owners first, then admins, then members; each by email. One query, people included."""
    memberships = db.session.scalars(
        db.select(Membership)
        .options(joinedload(Membership.user))
        .where(Membership.workspace_id == workspace.id)
    ).all()
    return sorted(memberships, key=lambda m: (ROLE_ORDER[m.role], m.user.email))


def validate_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise ValidationFailed(SLUG_INVALID, field="slug")
    if slug in RESERVED_SLUGS:
        raise ValidationFailed("That name is reserved. Choose another.", field="slug")
    return slug


def slug_taken(slug: str) -> bool:
    return db.session.scalar(db.select(Workspace.id).where(Workspace.slug == slug)) is not None


def create_workspace(actor: User, slug: str, name: str) -> Workspace:
    slug = validate_slug(slug)
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed(NAME_INVALID, field="name")
    if slug_taken(slug):
        raise Conflict(SLUG_TAKEN, field="slug")
    workspace = insert_unique(Workspace(slug=slug, name=name), Conflict(SLUG_TAKEN, field="slug"))
    db.session.add(Membership(workspace_id=workspace.id, user_id=actor.id, role="owner"))
    db.session.flush()
    audit.record(
        actor,
        "workspace.created",
        workspace,
        workspace_id=workspace.id,
        object_label=slug,
        after={"slug": slug, "name": name},
    )
    return workspace


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationFailed(ROLE_INVALID, field="role")
    return role


def may_assign(actor_membership: Membership, role: str, current_role: str | None = None) -> None:
    # Admins manage members and admins; only owners grant or take away ownership.
    if actor_membership.role not in MANAGER_ROLES:
        raise PermissionDenied("Only the workspace's owners and admins can manage members.")
    if actor_membership.role != "owner" and "owner" in (role, current_role):
        raise PermissionDenied("Only an owner can grant or change the owner role.", field="role")


def _owner_count(workspace_id: str) -> int:
    # Lock the workspace row first (PostgreSQL; SQLite already holds the write lock), so two owners
    # demoting each other at the same moment cannot leave the workspace with none.
    db.session.execute(db.select(Workspace.id).where(Workspace.id == workspace_id).with_for_update())
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == workspace_id, Membership.role == "owner")
    )


def change_role(
    actor: User, workspace: Workspace, actor_membership: Membership, membership_id: str, role: str
) -> Membership:
    role = check_role(role)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.workspace_id != workspace.id:
        raise NotFound("No such member.")
    may_assign(actor_membership, role, membership.role)
    if membership.role == role:
        return membership
    if membership.role == "owner" and _owner_count(workspace.id) == 1:
        raise ValidationFailed(
            "A workspace needs at least one owner. Make someone else owner first.", field="role"
        )
    before = membership.role
    membership.role = role
    db.session.flush()
    audit.record(
        actor,
        "membership.role_changed",
        membership,
        object_label=membership.user.email,
        before={"role": before},
        after={"role": role},
    )
    return membership


def _end_membership(membership: Membership) -> int:
    """Delete the membership and revoke its holder's live API tokens for the workspace, in this
    transaction: a token never outlives the membership it acted for. Returns how many were revoked."""
    revoked = db.session.execute(
        db.update(ApiToken)
        .where(
            ApiToken.user_id == membership.user_id,
            ApiToken.workspace_id == membership.workspace_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.delete(membership)
    db.session.flush()
    return revoked


def leave(actor: User, workspace: Workspace, membership: Membership) -> None:
    if membership.role == "owner" and _owner_count(workspace.id) == 1:
        raise ValidationFailed("You are the only owner. Make someone else owner before you leave.")
    _end_and_record(actor, workspace, membership, actor, "membership.left")


def remove_member(
    actor: User, workspace: Workspace, actor_membership: Membership, membership_id: str
) -> User:
    """Owners and admins remove someone else (admins: not an owner; never the last owner). To go
    yourself, leave. Returns the removed person."""
    membership = db.session.get(Membership, str(membership_id)[:36])
    if membership is None or membership.workspace_id != workspace.id:
        raise NotFound("No such member.")
    if actor_membership.role not in MANAGER_ROLES:
        raise PermissionDenied("Only the workspace's owners and admins can remove members.")
    if membership.user_id == actor.id:
        raise ValidationFailed("To remove yourself, leave the workspace.")
    if membership.role == "owner" and actor_membership.role != "owner":
        raise PermissionDenied("Only an owner can remove an owner.")
    if membership.role == "owner" and _owner_count(workspace.id) == 1:
        raise ValidationFailed("A workspace needs at least one owner.")
    person = membership.user
    _end_and_record(actor, workspace, membership, person, "membership.removed")
    return person


def _end_and_record(actor: User, workspace: Workspace, membership: Membership, person: User, action: str):
    """End `person`'s membership (revoking their API tokens there) and audit it as `action`."""
    before = {"user": person.email, "role": membership.role}
    revoked = _end_membership(membership)
    audit.record(
        actor,
        action,
        object_type="membership",
        object_id=membership.id,
        workspace_id=workspace.id,
        object_label=person.email,
        before=before,
        after={"api_tokens_revoked": revoked},
    )
