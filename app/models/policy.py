"""A workspace's install policy, and members' requests that an admin install an integration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONDocument, TimestampMixin, UTCDateTime, id_column

REQUEST_STATUSES = ("open", "approved", "installed", "denied")
# A request is pending until installed or denied: one pending request per (workspace, integration).
PENDING_STATUSES = ("open", "approved")
NOTE_MAX = 1000
REASON_MAX = 500


class WorkspacePolicy(TimestampMixin, db.Model):
    """No row: the default policy (every tier, no lists, members may request)."""

    __tablename__ = "workspace_policies"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    min_trust_tier: Mapped[str | None] = mapped_column(String(30))
    allow_list: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)
    block_list: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)
    members_may_request: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    workspace = relationship("Workspace")


class InstallRequest(TimestampMixin, db.Model):
    __tablename__ = "install_requests"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'approved', 'installed', 'denied')", name="status"),
        Index(
            "uq_install_requests_pending",
            "workspace_id",
            "integration_id",
            unique=True,
            sqlite_where=text("status IN ('open', 'approved')"),
            postgresql_where=text("status IN ('open', 'approved')"),
        ),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    requested_by: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)  # why it was denied
    installation_id: Mapped[str | None] = mapped_column(ForeignKey("installations.id", ondelete="SET NULL"))

    workspace = relationship("Workspace")
    integration = relationship("Integration")
    requester = relationship("User", foreign_keys=[requested_by])
    decider = relationship("User", foreign_keys=[decided_by])

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES
