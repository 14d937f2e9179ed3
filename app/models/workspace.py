"""Workspaces, memberships, and the publisher namespaces a workspace owns."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
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
