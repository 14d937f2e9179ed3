"""Publisher webhooks (DESIGN.md, "Publisher webhooks"): a publisher workspace registers endpoints
(endpoints.py); the services where something happens to its listings call the event functions
here, which write one delivery per subscribed, enabled endpoint in the same transaction and hand
it to the job queue once that commits; delivery.py signs (Standard Webhooks) and sends each one
through the guarded outbound client, retries it on the schedule, and disables an endpoint whose
delivery used up every attempt.

Nothing is emitted when the transaction rolls back; a delivery whose job was lost is found by the
periodic sweep. Payloads carry ids, versions and times, never a credential or a secret.
"""

from __future__ import annotations

import uuid

from flask import current_app

from ... import jobs
from ...domain import webhooks as rules
from ...extensions import db
from ...models import WebhookDelivery, WebhookEndpoint
from ...models.base import isoformat_z, utcnow


def schedule() -> tuple[int, ...]:
    return rules.parse_schedule(current_app.config.get("WEBHOOK_RETRY_SCHEDULE"))


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def queue_delivery(
    endpoint: WebhookEndpoint, event_id: str, event_type: str, payload: dict
) -> WebhookDelivery:
    """One delivery of one event to one endpoint, its first attempt queued after the commit."""
    first = rules.delay_before(1, schedule())
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        status=rules.PENDING,
        attempt=0,
        next_attempt_at=utcnow() + first,
    )
    db.session.add(delivery)
    db.session.flush()
    jobs.after_commit("deliver_webhook", delivery.id, delay=first.total_seconds() or None)
    return delivery


def emit(workspace_id: str, event_type: str, data: dict) -> list[WebhookDelivery]:
    """The event to every enabled endpoint of `workspace_id` that subscribed to it (one event id)."""
    endpoints = db.session.scalars(
        db.select(WebhookEndpoint)
        .where(WebhookEndpoint.workspace_id == workspace_id, WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.created_at)
    ).all()
    targets = [endpoint for endpoint in endpoints if event_type in (endpoint.events or [])]
    if not targets:
        return []
    event_id = new_event_id()
    payload = rules.envelope(event_type, isoformat_z(utcnow()), data)
    return [queue_delivery(endpoint, event_id, event_type, payload) for endpoint in targets]


# --- the events, each called where it happens --------------------------------------------------------


def _listing(integration) -> dict:
    return rules.listing_data(integration.id, integration.publisher, integration.slug)


def installation_created(installation) -> None:
    integration = installation.integration
    emit(
        integration.workspace_id,
        "installation.created",
        {
            **_listing(integration),
            "installationId": installation.id,
            "workspaceId": installation.workspace_id,
            "version": installation.version.version,
            "installedAt": isoformat_z(installation.installed_at),
        },
    )


def installation_upgraded(installation, from_version: str) -> None:
    integration = installation.integration
    emit(
        integration.workspace_id,
        "installation.upgraded",
        {
            **_listing(integration),
            "installationId": installation.id,
            "workspaceId": installation.workspace_id,
            "fromVersion": from_version,
            "version": installation.version.version,
            "upgradedAt": isoformat_z(utcnow()),
        },
    )


def installation_uninstalled(installation) -> None:
    integration = installation.integration
    emit(
        integration.workspace_id,
        "installation.uninstalled",
        {
            **_listing(integration),
            "installationId": installation.id,
            "workspaceId": installation.workspace_id,
            "version": installation.version.version,
            "uninstalledAt": isoformat_z(installation.uninstalled_at),
            "dataDeletion": rules.deletion_request(installation.workspace_id, installation.id),
        },
    )


def version_decided(review_row, approved: bool) -> None:
    """A staff decision on a version waiting for review (a rename's decision is no version event)."""
    if review_row.version is None:
        return
    integration = review_row.integration
    data = {
        **_listing(integration),
        "version": review_row.version.version,
        "reviewId": review_row.id,
        "decidedAt": isoformat_z(review_row.decided_at),
    }
    if not approved:
        data["reason"] = review_row.decision_reason
    emit(integration.workspace_id, "version.approved" if approved else "version.rejected", data)


def listing_taken_down(integration, takedown) -> None:
    emit(
        integration.workspace_id,
        "listing.taken_down",
        {
            **_listing(integration),
            "policy": takedown.policy,
            "note": takedown.note,
            "takenDownAt": isoformat_z(takedown.taken_down_at),
        },
    )


def review_created(rating) -> None:
    integration = rating.integration
    emit(
        integration.workspace_id,
        "review.created",
        {
            **_listing(integration),
            "reviewId": rating.id,
            "version": rating.version,
            "stars": rating.stars,
            "body": rating.body,
            "createdAt": isoformat_z(rating.created_at or utcnow()),
        },
    )
