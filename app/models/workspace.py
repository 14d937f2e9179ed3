"""Workspaces, memberships, invitations to join, and the publisher namespaces a workspace owns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.namespaces import handle_skeleton
from ..extensions import db
from .base import TimestampMixin, UTCDateTime, id_column, utcnow

ROLES = ("owner", "admin", "member")
MANAGER_ROLES = frozenset({"owner", "admin"})
SLUG_MAX = 40


class Workspace(TimestampMixin, db.Model):
    __tablename__ = "workspaces"

    id: Mapped[str] = id_column()
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # How many publisher handles it may hold; NULL: the default (domain.namespaces). Staff raise it.
    handle_limit: Mapped[int | None] = mapped_column(Integer)

    memberships = relationship("Membership", back_populates="workspace", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Workspace {self.slug}>"


class Membership(TimestampMixin, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id"),
        CheckConstraint("role IN ('owner', 'admin', 'member')", name="role"),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(10), nullable=False, default="member")

    workspace = relationship("Workspace", back_populates="memberships")
    user = relationship("User", back_populates="memberships")

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGER_ROLES


class PublisherNamespace(db.Model):
    """A publisher handle ("stripe"). The first workspace to claim it owns it for good."""

    __tablename__ = "publisher_namespaces"

    handle: Mapped[str] = mapped_column(String(39), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # What the handle looks like (domain.namespaces.handle_skeleton): unique, so no two publishers
    # hold look-alikes. NULL only on look-alikes claimed before the rule (the migration keeps them).
    skeleton: Mapped[str | None] = mapped_column(
        String(100),
        unique=True,
        default=lambda context: handle_skeleton(context.current_parameters["handle"]),
    )
    claimed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    workspace = relationship("Workspace")


class ReservedHandle(db.Model):
    """A handle staff keep back (on top of the built-in list): nobody claims it, or a look-alike,
    without a grant."""

    __tablename__ = "reserved_handles"

    handle: Mapped[str] = mapped_column(String(39), primary_key=True)
    skeleton: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class HandleGrant(db.Model):
    """Staff let one workspace claim one reserved handle (built-in or staff-managed)."""

    __tablename__ = "handle_grants"

    id: Mapped[str] = id_column()
    handle: Mapped[str] = mapped_column(String(39), unique=True, nullable=False)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    granted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    workspace = relationship("Workspace")


class Invitation(db.Model):
    """An invitation to join a workspace, mailed to an address. It becomes a membership only when a
    signed-in account whose verified address is that address accepts it through the mailed link.
    Only the SHA-256 hash of the link's token is stored."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'admin', 'member')", name="role"),
        Index("ix_invitations_workspace_email", "workspace_id", "email"),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    role: Mapped[str] = mapped_column(String(10), nullable=False, default="member")
    invited_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    workspace = relationship("Workspace")
    inviter = relationship("User", foreign_keys=[invited_by])

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
