"""Demo webhooks: Acme's endpoints, so the dashboard's webhooks pages have something to show. One
healthy endpoint with a delivery log (delivered, delivered after retries, retrying), and one that was
disabled after repeated failure (the notice with its Re-enable button). Their hosts are under the
reserved `.example` domain: nothing is ever delivered. Seeded once: a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

from ..domain import webhooks as rules
from ..extensions import db
from ..models import Installation, Integration, WebhookDelivery, WebhookEndpoint, Workspace
from ..models.base import isoformat_z, utcnow
from ..services import crypto
from ..services.webhooks import new_event_id
from ..services.webhooks.endpoints import new_secret

HEALTHY = "https://hooks.acme.example/marketplace"
FAILING = "https://old-hooks.acme.example/v1/events"


def _payload(event_type: str, at, integration: Integration, installation: Installation | None) -> dict:
    data = rules.listing_data(integration.id, integration.publisher, integration.slug)
    if installation is not None:
        data.update(
            installationId=installation.id,
            workspaceId=installation.workspace_id,
            version=installation.version.version,
        )
    return rules.envelope(event_type, isoformat_z(at), data)


def _delivery(endpoint, event_type, at, integration, installation, **outcome) -> WebhookDelivery:
    return WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=new_event_id(),
        event_type=event_type,
        payload=_payload(event_type, at, integration, installation),
        created_at=at,
        last_attempt_at=at + timedelta(seconds=outcome.pop("after", 0)),
        **outcome,
    )


def seed_webhooks(owner_id: str) -> int:
    workspace = db.session.scalar(db.select(Workspace).where(Workspace.slug == "acme"))
    integration = db.session.scalar(
        db.select(Integration).where(Integration.publisher == "acme", Integration.slug == "crm-sync")
    )
    if workspace is None or integration is None:
        return 0
    if db.session.scalar(db.select(WebhookEndpoint.id).where(WebhookEndpoint.workspace_id == workspace.id)):
        return 0
    installation = db.session.scalar(
        db.select(Installation).where(Installation.integration_id == integration.id).limit(1)
    )
    now = utcnow()

    def endpoint(url, **state) -> WebhookEndpoint:
        row = WebhookEndpoint(
            workspace_id=workspace.id,
            url=url,
            secret_encrypted=crypto.encrypt_json(new_secret()),
            created_by=owner_id,
            created_at=now - timedelta(days=20),
            **state,
        )
        db.session.add(row)
        db.session.flush()
        return row

    healthy = endpoint(HEALTHY, events=list(rules.EVENTS), enabled=True, consecutive_failures=1)
    failing = endpoint(
        FAILING,
        events=["installation.created", "installation.uninstalled"],
        enabled=False,
        disabled_reason=rules.DISABLED_FAILING,
        disabled_at=now - timedelta(days=2),
        consecutive_failures=8,
    )
    db.session.add_all(
        [
            _delivery(
                healthy,
                "installation.created",
                now - timedelta(days=3),
                integration,
                installation,
                status="succeeded",
                attempt=1,
                response_code=204,
                latency_ms=142,
                completed_at=now - timedelta(days=3),
            ),
            _delivery(
                healthy,
                "installation.upgraded",
                now - timedelta(days=1),
                integration,
                installation,
                status="succeeded",
                attempt=3,
                response_code=200,
                latency_ms=388,
                after=360,
                completed_at=now - timedelta(days=1) + timedelta(minutes=6),
            ),
            _delivery(
                healthy,
                "installation.uninstalled",
                now - timedelta(minutes=2),
                integration,
                installation,
                status="pending",
                attempt=1,
                response_code=503,
                latency_ms=91,
                error="http_status",
                next_attempt_at=now + timedelta(minutes=1),
            ),
            _delivery(
                failing,
                "installation.created",
                now - timedelta(days=3),
                integration,
                installation,
                status="failed",
                attempt=8,
                latency_ms=5000,
                error="timeout",
                after=84960,
                completed_at=now - timedelta(days=2),
            ),
        ]
    )
    db.session.flush()
    return 2
