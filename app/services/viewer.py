"""Build the visibility Viewer for a user (one query for all their memberships), and load a signed-in
user together with their memberships in one query (every signed-in request does both)."""

from __future__ import annotations

from functools import lru_cache
from itertools import chain

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from ..domain.visibility import ANONYMOUS, Viewer
from ..extensions import db
from ..models import Membership, User
from ..models.workspace import MANAGER_ROLES


def load_with_memberships(user_id: str) -> User | None:
    """The user, with `membership_roles` set to their (workspace id, role) pairs as this request began:
    one query (an outer join) instead of two for each signed-in request."""
    rows = db.session.execute(_user_with_memberships(), {"user_id": user_id}).all()
    if not rows:
        return None
    user = rows[0][0]
    user.membership_roles = tuple((ws, role) for _, ws, role in rows if ws is not None)
    return user


@lru_cache(maxsize=1)
def _user_with_memberships():
    # Built once: composing the statement cost more than running it, on every signed-in request.
    return (
        select(User, Membership.workspace_id, Membership.role)
        .outerjoin(Membership, Membership.user_id == User.id)
        .where(User.id == bindparam("user_id"))
    )


@event.listens_for(Session, "after_flush")
def _forget_loaded_memberships(session, _context) -> None:
    """A membership written in this session: users loaded with theirs read them afresh."""
    if any(isinstance(row, Membership) for row in chain(session.new, session.dirty, session.deleted)):
        for row in session.identity_map.values():
            if isinstance(row, User):
                vars(row).pop("membership_roles", None)


def viewer_for(user) -> Viewer:
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    # The memberships read with the user at the start of this request, unless one was written since.
    rows = getattr(user, "membership_roles", None)
    if rows is None:
        rows = db.session.execute(
            db.select(Membership.workspace_id, Membership.role).where(Membership.user_id == user.id)
        ).all()
    return Viewer(
        user_id=user.id,
        is_staff=bool(user.is_staff),
        member_of=frozenset(ws for ws, _ in rows),
        admin_of=frozenset(ws for ws, role in rows if role in MANAGER_ROLES),
    )
