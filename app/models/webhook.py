"""Publisher webhooks: the endpoints a publisher workspace registers, and each event's delivery to
one of them (services/webhooks/). A delivery row is the whole delivery log: its latest attempt's
outcome (status, response code, latency, a fixed error code, never the remote body) and when the
next attempt may start. Redelivery adds a fresh row with the same event id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONDocument, TimestampMixin, UTCDateTime, id_column, utcnow


class WebhookEndpoint(TimestampMixin, db.Model):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (CheckConstraint("disabled_reason IN ('failing', 'manual')", name="disabled_reason"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    url: Mapped[str] = mapped_column(String(2048), nullable=False)
    events: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)
    # The signing secret (whsec_...), Fernet-encrypted with CREDENTIALS_KEYS; shown once, never again.
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(10))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Failed attempts in a row, across deliveries; a success sets it back to 0.
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    workspace = relationship("Workspace")


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = id_column()
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[str] = mapped_column(String(40), nullable=False)  # webhook-id: one per event
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict] = mapped_column(JSONDocument, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # attempts made so far
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A sender owns the row until then (an atomic UPDATE ... WHERE claims it).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(30))  # domain.webhooks.ERRORS
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    endpoint = relationship("WebhookEndpoint")
