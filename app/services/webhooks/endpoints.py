"""Managing a publisher workspace's webhook endpoints (its owners and admins only; anyone else
is told the page does not exist). Each change flushes and writes exactly one audit event; the
signing secret is returned to the caller once (to show once) and stored only encrypted."""

from __future__ import annotations

import base64
import secrets
from urllib.parse import urlsplit

from ...domain import hosts
from ...domain import webhooks as rules
from ...extensions import db
from ...models import WebhookDelivery, WebhookEndpoint, Workspace
from ...models.base import isoformat_z, utcnow
from ...models.workspace import MANAGER_ROLES
from .. import audit, crypto, outbound
from ..errors import NotFound, ValidationFailed
from ..workspaces import membership_of, user_workspaces
from . import new_event_id, queue_delivery

LOG_SIZE = 50
AUDITED = ("url", "events", "enabled", "disabled_reason")


def workspace_for_admin(user, slug: str) -> Workspace:
    """A workspace `user` owns or administers; NotFound for everyone else (members included)."""
    workspace = db.session.scalar(db.select(Workspace).where(Workspace.slug == str(slug)[:60]))
    membership = membership_of(user, workspace.id) if workspace else None
    if membership is None or membership.role not in MANAGER_ROLES:
        raise NotFound("No such page.")
    return workspace


def endpoints_of(workspace: Workspace) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            db.select(WebhookEndpoint)
            .where(WebhookEndpoint.workspace_id == workspace.id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
    )


def endpoint_in(workspace: Workspace, endpoint_id: str, *, lock: bool = False) -> WebhookEndpoint:
    query = db.select(WebhookEndpoint).where(
        WebhookEndpoint.id == str(endpoint_id)[:36], WebhookEndpoint.workspace_id == workspace.id
    )
    endpoint = db.session.scalar(query.with_for_update() if lock else query)
    if endpoint is None:
        raise NotFound("No such endpoint.")
    return endpoint


def deliveries_of(endpoint: WebhookEndpoint, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            db.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
            .limit(limit)
        )
    )


def failing_endpoints(user) -> list[WebhookEndpoint]:
    """Endpoints disabled for repeated failure in the workspaces `user` manages (dashboard notices)."""
    ids = [ws.id for ws, _ in user_workspaces(user, manage=True)]
    if not ids:
        return []
    return list(
        db.session.scalars(
            db.select(WebhookEndpoint)
            .where(
                WebhookEndpoint.workspace_id.in_(ids),
                WebhookEndpoint.enabled.is_(False),
                WebhookEndpoint.disabled_reason == rules.DISABLED_FAILING,
            )
            .options(db.joinedload(WebhookEndpoint.workspace))
            .order_by(WebhookEndpoint.disabled_at.desc())
        )
    )


# --- checks ----------------------------------------------------------------------------------------


def check_url(url: str | None) -> str:
    """An https URL of a public internet host (plain http to this machine only where the outbound
    client allows loopback: development and tests). A name that does not resolve now is accepted:
    every delivery checks the address again before it connects."""
    url = (url or "").strip()
    if not url:
        raise ValidationFailed("Enter the URL that receives the events.", field="url")
    if len(url) > rules.URL_MAX:
        raise ValidationFailed(f"Use a URL of at most {rules.URL_MAX} characters.", field="url")
    policy = outbound.Policy.current()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise ValidationFailed("Enter a full URL, like https://example.com/webhooks.", field="url") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationFailed("Enter a full URL, like https://example.com/webhooks.", field="url")
    if parts.scheme == "http" and not (policy.allow_loopback and hosts.host_problem(host) == "loopback"):
        raise ValidationFailed("Use an https:// URL: events are only sent over https.", field="url")
    try:
        outbound.check(url, policy)
    except outbound.DestinationRefused as error:
        reason = str(error)
        message = hosts.refusal_message(reason) if reason in hosts.REASONS else error.message
        raise ValidationFailed(message, field="url") from None
    except outbound.BadUrl as error:
        raise ValidationFailed(error.message, field="url") from None
    except outbound.Unreachable:
        pass
    return url


def check_events(events) -> list[str]:
    chosen = [event for event in rules.EVENTS if event in set(events or ())]
    if not chosen or len(chosen) != len(set(events or ())):
        raise ValidationFailed("Choose at least one event to receive.", field="events")
    return chosen


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 24 random bytes in base64."""
    return rules.SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _view(endpoint: WebhookEndpoint) -> dict:
    return audit.snapshot(endpoint, AUDITED)


def _record(actor, action: str, endpoint: WebhookEndpoint, before=None, after=None, note=None) -> None:
    audit.record(
        actor,
        action,
        endpoint,
        object_type="webhook_endpoint",
        object_label=endpoint.url,
        workspace_id=endpoint.workspace_id,
        before=before,
        after=after,
        note=note,
    )
    db.session.flush()


# --- actions -------------------------------------------------------------------------------------------


def create(actor, workspace: Workspace, url: str | None, events) -> tuple[WebhookEndpoint, str]:
    """(the endpoint, its secret to show once). Every problem at once, each beside its field."""
    problems, checked = [], {}
    for name, check in (("url", lambda: check_url(url)), ("events", lambda: check_events(events))):
        try:
            checked[name] = check()
        except ValidationFailed as error:
            problems.append({"field": error.field, "message": error.message})
    if problems:
        raise ValidationFailed(problems[0]["message"], field=problems[0]["field"], details=problems)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        workspace_id=workspace.id,
        url=checked["url"],
        events=checked["events"],
        secret_encrypted=crypto.encrypt_json(secret),
        enabled=True,
        consecutive_failures=0,
        created_by=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    _record(actor, "webhook.created", endpoint, after=_view(endpoint))
    return endpoint, secret


def update_events(actor, endpoint: WebhookEndpoint, events) -> WebhookEndpoint:
    chosen = check_events(events)
    before = _view(endpoint)
    endpoint.events = chosen
    _record(actor, "webhook.updated", endpoint, before, _view(endpoint))
    return endpoint


def rotate_secret(actor, endpoint: WebhookEndpoint) -> str:
    """A new secret, in force for every attempt from now on; the old one stops working at once."""
    secret = new_secret()
    endpoint.secret_encrypted = crypto.encrypt_json(secret)
    endpoint.updated_at = utcnow()
    _record(actor, "webhook.secret_rotated", endpoint, note="The signing secret was replaced.")
    return secret


def set_enabled(actor, endpoint: WebhookEndpoint, enabled: bool) -> WebhookEndpoint:
    """Enable (or re-enable after automatic disabling: the failure count starts again) or disable
    (deliveries still waiting are cancelled; Redeliver sends one again once enabled)."""
    before = _view(endpoint)
    if enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = True, None, None
        endpoint.consecutive_failures = 0
    else:
        if not endpoint.enabled:
            return endpoint
        now = utcnow()
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = False, rules.DISABLED_MANUAL, now
        from .delivery import cancel_pending

        cancel_pending(endpoint, now)
    _record(actor, "webhook.enabled" if enabled else "webhook.disabled", endpoint, before, _view(endpoint))
    return endpoint


def delete(actor, endpoint: WebhookEndpoint) -> None:
    before = _view(endpoint)
    _record(actor, "webhook.deleted", endpoint, before, {})
    db.session.delete(endpoint)
    db.session.flush()


def _require_enabled(endpoint: WebhookEndpoint) -> None:
    if not endpoint.enabled:
        raise ValidationFailed("Enable the endpoint first: a disabled endpoint receives nothing.")


def redeliver(actor, endpoint: WebhookEndpoint, delivery_id: str) -> WebhookDelivery:
    """A fresh delivery of an earlier event (same webhook-id, so a receiver can tell it again)."""
    earlier = db.session.scalar(
        db.select(WebhookDelivery).where(
            WebhookDelivery.id == str(delivery_id)[:36], WebhookDelivery.endpoint_id == endpoint.id
        )
    )
    if earlier is None:
        raise NotFound("No such delivery.")
    _require_enabled(endpoint)
    fresh = queue_delivery(endpoint, earlier.event_id, earlier.event_type, dict(earlier.payload))
    _record(actor, "webhook.redelivered", endpoint, note=f"{earlier.event_type} {earlier.event_id}")
    return fresh


def send_test(actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    _require_enabled(endpoint)
    payload = rules.envelope(
        rules.TEST_EVENT,
        isoformat_z(utcnow()),
        {"workspaceId": endpoint.workspace_id, "message": "A test event from the marketplace."},
    )
    delivery = queue_delivery(endpoint, new_event_id(), rules.TEST_EVENT, payload)
    _record(actor, "webhook.test_sent", endpoint)
    return delivery
