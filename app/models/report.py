"""Reports of listings by signed-in people, and staff takedowns (each with its one re-review)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.reports import CATEGORIES, REPORT_STATUSES, REREVIEW_STATUSES
from ..extensions import db
from .base import TimestampMixin, UTCDateTime, id_column


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Takedown(TimestampMixin, db.Model):
    """One staff decision to take a listing down. `lifted_at` ends it; at most one re-review request."""

    __tablename__ = "takedowns"
    __table_args__ = (
        CheckConstraint(_in("policy", CATEGORIES), name="policy"),
        CheckConstraint(
            f"rereview_status IS NULL OR {_in('rereview_status', REREVIEW_STATUSES)}", name="rereview_status"
        ),
    )

    id: Mapped[str] = id_column()
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    policy: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    # Whether anyone could open the listing's URL when it was taken down: then the URL answers 410.
    public_notice: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    taken_down_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    taken_down_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rereview_status: Mapped[str | None] = mapped_column(String(10))
    rereview_message: Mapped[str | None] = mapped_column(Text)
    rereview_requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rereview_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rereview_note: Mapped[str | None] = mapped_column(Text)
    rereview_decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rereview_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    integration = relationship("Integration")
    staff_member = relationship("User", foreign_keys=[taken_down_by])
    requester = relationship("User", foreign_keys=[rereview_requested_by])

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class ListingReport(TimestampMixin, db.Model):
    __tablename__ = "listing_reports"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("status", REPORT_STATUSES), name="status"),
        Index("ix_listing_reports_status_created", "status", "created_at"),
    )

    id: Mapped[str] = id_column()
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reporter_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    details: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    staff_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    takedown_id: Mapped[str | None] = mapped_column(ForeignKey("takedowns.id", ondelete="SET NULL"))

    integration = relationship("Integration")
    reporter = relationship("User", foreign_keys=[reporter_id])
    decider = relationship("User", foreign_keys=[decided_by])
    takedown = relationship("Takedown")
