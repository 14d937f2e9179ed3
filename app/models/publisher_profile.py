"""What /publishers/<handle> shows about a publisher, and the identity-verified mark staff set
(distinct from trust tiers, which are per listing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow
from .integration import URL_MAX

DISPLAY_NAME_MAX = 100
PROFILE_DESCRIPTION_MAX = 5000


class PublisherProfile(db.Model):
    __tablename__ = "publisher_profiles"

    handle: Mapped[str] = mapped_column(
        ForeignKey("publisher_namespaces.handle", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str | None] = mapped_column(String(DISPLAY_NAME_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(URL_MAX))
    # An https: URL or an e-mail address.
    support_contact: Mapped[str | None] = mapped_column(String(URL_MAX))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None
