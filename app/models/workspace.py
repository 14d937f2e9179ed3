"""Workspaces, memberships, and the publisher namespaces a workspace owns."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    claimed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    workspace = relationship("Workspace")
