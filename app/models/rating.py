"""People's ratings of integrations (the UI calls them "Reviews"; "review" in this code base means
staff review of a version): stars 1-5 with text, the version the reviewer's workspace ran, the
publisher's one reply, flags by signed-in people, and staff hiding (with a reason)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TimestampMixin, UTCDateTime, id_column
from .integration import VERSION_MAX


class Rating(TimestampMixin, db.Model):
    __tablename__ = "ratings"
    __table_args__ = (
        # One per person per integration: a second submit edits the first.
        UniqueConstraint("integration_id", "user_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
        # The detail page and the API read an integration's visible ratings newest first.
        Index("ix_ratings_listing_newest", "integration_id", "created_at", "id"),
        # The staff queue: flagged ratings, most flagged first.
        Index("ix_ratings_flag_count", "flag_count"),
    )

    id: Mapped[str] = id_column()
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The workspace whose installation made the reviewer eligible, and the version it ran then.
    workspace_id: Mapped[str | None] = mapped_column(ForeignKey("workspaces.id", ondelete="SET NULL"))
    version: Mapped[str] = mapped_column(String(VERSION_MAX), nullable=False)
    stars: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    reply_body: Mapped[str | None] = mapped_column(Text)
    reply_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    flag_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    integration = relationship("Integration")
    author = relationship("User", foreign_keys=[user_id])
    replier = relationship("User", foreign_keys=[reply_by])
    flags = relationship("RatingFlag", viewonly=True, order_by="RatingFlag.created_at")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class RatingFlag(db.Model):
    """One signed-in person's flag of a rating, with their reason (once per person)."""

    __tablename__ = "rating_flags"
    __table_args__ = (UniqueConstraint("rating_id", "user_id"),)

    id: Mapped[str] = id_column()
    rating_id: Mapped[str] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    rating = relationship("Rating")
    user = relationship("User")
