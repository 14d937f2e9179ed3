"""Uploaded images (re-encoded, addressed by the SHA-256 of their bytes) and a listing's screenshots.

Icons and screenshots are listing metadata, not versioned: they change the listing as it is now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, id_column, utcnow

EXTENSIONS = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
CAPTION_MAX = 200
MAX_SCREENSHOTS = 5


class MediaFile(db.Model):
    """One re-encoded image. Shared by every listing that uploaded the same bytes."""

    __tablename__ = "media_files"
    __table_args__ = (CheckConstraint("extension IN ('png', 'jpg', 'webp')", name="extension"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    extension: Mapped[str] = mapped_column(String(4), nullable=False)
    content_type: Mapped[str] = mapped_column(String(20), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    byte_size: Mapped[int] = mapped_column(Integer, nullable=False)
    # Read only when the bytes are sent (a 304 or a visibility refusal never loads them).
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    @property
    def filename(self) -> str:
        return f"{self.sha256}.{self.extension}"


class ListingScreenshot(db.Model):
    __tablename__ = "listing_screenshots"
    __table_args__ = (
        Index("ix_listing_screenshots_integration_id", "integration_id", "position"),
        Index("ix_listing_screenshots_media_sha256", "media_sha256"),
    )

    id: Mapped[str] = id_column()
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False
    )
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media_files.sha256"), nullable=False)
    caption: Mapped[str | None] = mapped_column(String(CAPTION_MAX))
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    media = relationship("MediaFile", lazy="joined")
