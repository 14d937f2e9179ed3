"""Reviews before trust: a version or a rename of a listing above `community` that waits for staff.

A version that needs review carries its state on the version row too (`IntegrationVersion.review_state`),
so the one SQL filter for "live" versions needs no join; the review row holds the why (triggers), the
automated checks' findings, the decision and its reason. A re-review request is a new review row pointing
at the rejected one (`rereview_of`, unique): one request per rejection decision, enforced by the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, id_column, utcnow
from .integration import NAME_MAX

REVIEW_KINDS = ("version", "rename")
REVIEW_STATUSES = ("pending", "approved", "rejected", "superseded")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ListingReview(db.Model):
    __tablename__ = "listing_reviews"
    __table_args__ = (
        CheckConstraint(_in("kind", REVIEW_KINDS), name="kind"),
        CheckConstraint(_in("status", REVIEW_STATUSES), name="status"),
        CheckConstraint(
            "(kind = 'version' AND version_id IS NOT NULL) OR (kind = 'rename' AND proposed_name IS NOT NULL)",
            name="subject",
        ),
        Index("ix_listing_reviews_queue", "status", "submitted_at"),
    )

    id: Mapped[str] = id_column()
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The source workspace when submitted: its members' own staff may not decide.
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    version_id: Mapped[str | None] = mapped_column(
        ForeignKey("integration_versions.id", ondelete="CASCADE"), index=True
    )
    previous_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    proposed_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    # [{"code", "message"}]: why it waits (scopes grown, auth type changed, host moved, renamed).
    triggers: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # [{"id", "severity", "message", "path"}]: the automated checks' warnings at submission.
    findings: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    submitted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    rereview_of: Mapped[str | None] = mapped_column(
        ForeignKey("listing_reviews.id", ondelete="SET NULL"), unique=True
    )
    rereview_note: Mapped[str | None] = mapped_column(Text)

    integration = relationship("Integration")
    version = relationship("IntegrationVersion")
    submitter = relationship("User", foreign_keys=[submitted_by])
    decider = relationship("User", foreign_keys=[decided_by])
