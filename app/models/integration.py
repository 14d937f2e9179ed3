"""Integrations (every field of the spec) and their immutable published versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONDocument, TimestampMixin, UTCDateTime, id_column, utcnow

TRUST_TIERS = ("first_party", "vendor_official", "verified_partner", "verified_publisher", "community")
VISIBILITIES = ("private", "public", "unlisted")
RETENTION_TIERS = ("short", "medium", "long", "none")
AUTH_TYPES = ("oauth2", "api_key", "none")

PUBLISHER_PATTERN = r"^[a-z0-9][a-z0-9-]{0,38}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
SLUG_MAX = 64
NAME_MAX = 100
DESCRIPTION_MAX = 20_000
URL_MAX = 2048
VERSION_MAX = 64  # a version number's column (node-semver allows 256; this marketplace 64)
# An icon URL: https, a plain host name or address (no user info), an optional port, no spaces.
HTTPS_URL_PATTERN = r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\s\u0000]*)?$"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Integration(TimestampMixin, db.Model):
    __tablename__ = "integrations"
    __table_args__ = (
        # Unique within the publisher, soft-deleted rows included: an install URL
        # never silently starts pointing at a different integration.
        UniqueConstraint("publisher", "slug"),
        CheckConstraint(_in("trust_tier", TRUST_TIERS), name="trust_tier"),
        CheckConstraint(_in("visibility", VISIBILITIES), name="visibility"),
        CheckConstraint(
            f"retention_tier IS NULL OR {_in('retention_tier', RETENTION_TIERS)}", name="retention_tier"
        ),
        # The catalog's sort orders (migration 0002, which also adds the full-text search objects).
        Index("ix_integrations_sort_name", "name", "id"),
        Index("ix_integrations_sort_updated", "updated_at", "id"),
        Index("ix_integrations_sort_installs", "install_count", "id"),
        # A signed-in member's private tier counts (migration 0002).
        Index("ix_integrations_workspace_listing", "workspace_id", "visibility", "trust_tier"),
        # The trash, as `flask purge` and the dashboard read it (migration 0003).
        Index(
            "ix_integrations_trash",
            "deleted_at",
            sqlite_where=text("deleted_at IS NOT NULL"),
            postgresql_where=text("deleted_at IS NOT NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    icon_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    publisher: Mapped[str] = mapped_column(ForeignKey("publisher_namespaces.handle"), nullable=False)
    trust_tier: Mapped[str] = mapped_column(String(24), nullable=False, default="community")
    current_version: Mapped[str | None] = mapped_column(String(VERSION_MAX))
    manifest: Mapped[dict] = mapped_column(JSONDocument, nullable=False, default=dict)
    # Plain JSON, not JSONB: the order of its properties is the order of the wizard's fields (migration 0003).
    variables_schema: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    auth_config: Mapped[dict] = mapped_column(JSONDocument, nullable=False, default=dict)
    visibility: Mapped[str] = mapped_column(String(10), nullable=False, default="private")
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retention_tier: Mapped[str | None] = mapped_column(String(10))

    # Not part of the public entity:
    install_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Visible ratings of the listing and the sum of their stars (the rating service keeps both).
    rating_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    rating_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The oauth2 client secret: Fernet ciphertext, never rendered or serialised.
    oauth_client_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    takedown_note: Mapped[str | None] = mapped_column(Text)
    taken_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Listing metadata, not versioned (migration 0014): categories and the publisher's links
    # ({"homepage": "https://...", ...}, kinds in domain/listing_links.py).
    primary_category_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id"), index=True)
    secondary_category_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id"), index=True)
    links: Mapped[dict | None] = mapped_column(JSONDocument)

    workspace = relationship("Workspace")
    primary_category = relationship("Category", foreign_keys=[primary_category_id])
    secondary_category = relationship("Category", foreign_keys=[secondary_category_id])
    creator = relationship("User", foreign_keys=[created_by])
    versions = relationship(
        "IntegrationVersion",
        back_populates="integration",
        cascade="all, delete-orphan",
        order_by="IntegrationVersion.published_at.desc()",
    )

    @property
    def is_draft(self) -> bool:
        return self.current_version is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def auth_type(self) -> str:
        return (self.auth_config or {}).get("type", "none")

    def __repr__(self) -> str:
        return f"<Integration {self.publisher}/{self.slug}>"


class IntegrationVersion(db.Model):
    """An immutable snapshot taken at publish time. Only yanking touches it afterwards."""

    __tablename__ = "integration_versions"
    __table_args__ = (UniqueConstraint("integration_id", "version"),)

    id: Mapped[str] = id_column()
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version: Mapped[str] = mapped_column(String(VERSION_MAX), nullable=False)
    manifest: Mapped[dict] = mapped_column(JSONDocument, nullable=False)
    variables_schema: Mapped[dict] = mapped_column(JSON, nullable=False)  # ordered, as above
    auth_config: Mapped[dict] = mapped_column(JSONDocument, nullable=False)
    changelog: Mapped[str | None] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    yanked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    yank_reason: Mapped[str | None] = mapped_column(Text)
    # NULL: published without review. Otherwise pending | approved | rejected | superseded
    # (models/review.py); domain/review.py's version_is_live says which of them anyone may see.
    review_state: Mapped[str | None] = mapped_column(String(12))

    integration = relationship("Integration", back_populates="versions")
    publisher_user = relationship("User", foreign_keys=[published_by])

    @property
    def is_yanked(self) -> bool:
        return self.yanked_at is not None
