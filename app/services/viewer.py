"""Build the visibility Viewer for a user (one query for all their memberships)."""

from __future__ import annotations

from ..domain.visibility import ANONYMOUS, Viewer
from ..extensions import db
from ..models import Membership
from ..models.workspace import MANAGER_ROLES


def viewer_for(user) -> Viewer:
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    rows = db.session.execute(
        db.select(Membership.workspace_id, Membership.role).where(Membership.user_id == user.id)
    ).all()
    return Viewer(
        user_id=user.id,
        is_staff=bool(user.is_staff),
        member_of=frozenset(ws for ws, _ in rows),
        admin_of=frozenset(ws for ws, role in rows if role in MANAGER_ROLES),
    )
