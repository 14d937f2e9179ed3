"""Shared setup for the review and publish-check tests: a verified oauth2 listing with a published
1.0.0, its publisher, and staff from another workspace."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import AuditEvent, ListingReview

from .publishing_helpers import make_publisher, state

OAUTH = {
    "type": "oauth2",
    "authorizeUrl": "https://auth.example.com/authorize",
    "tokenUrl": "https://auth.example.com/token",
    "scopes": ["read"],
    "clientId": "client-1",
}


@dataclass
class Listing:
    publisher: object
    integration: object


def verified_listing(
    factories, tier: str = "verified_partner", auth: dict | None = None, **kwargs
) -> Listing:
    p = make_publisher(factories)
    integration = factories.IntegrationFactory.published(
        workspace=p.workspace,
        creator=p.user,
        trust_tier=tier,
        auth_config=dict(auth or OAUTH),
        **kwargs,
    )
    db.session.flush()
    return Listing(p, integration)


def reviews_of(integration) -> list[ListingReview]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(ListingReview)
            .where(ListingReview.integration_id == integration.id)
            .order_by(ListingReview.submitted_at, ListingReview.id)
        )
    )


def full_state(integration_id: str) -> dict:
    """publishing_helpers.state plus every review of the integration (status, decision, version state)."""
    before = state(integration_id)
    # Signing in and out is audited too: count only the events about this integration.
    before["audit"] = db.session.scalar(
        db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.object_id == integration_id)
    )
    before["reviews"] = sorted(
        (r.id, r.status, r.decision_reason, r.rereview_of, r.version.review_state if r.version else None)
        for r in db.session.scalars(
            db.select(ListingReview).where(ListingReview.integration_id == integration_id)
        )
    )
    return before
