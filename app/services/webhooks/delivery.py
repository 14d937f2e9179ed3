"""Sending deliveries: one job per attempt, safe under any number of consumers.

- Claim: an atomic UPDATE ... WHERE (pending, due, not claimed) takes the row and counts the
  attempt; of several consumers at once exactly one matches it (PostgreSQL re-checks the WHERE
  after the first one's commit; SQLite runs one writer at a time). The claim is committed, and
  everything the request needs read, before the network is touched: no lock is held across it.
- Send: the payload as JSON, signed per Standard Webhooks (`standardwebhooks`: webhook-id,
  webhook-timestamp, webhook-signature), POSTed through the guarded outbound client. A 2xx is
  success; anything else, or an outbound error, is a failed attempt, recorded with its status
  code or a fixed error code (domain.webhooks.ERRORS), never the remote body.
- Retry: the next attempt is queued with the schedule's delay (WEBHOOK_RETRY_SCHEDULE; by default
  eight attempts over about a day); the periodic sweep sends what is due and was never queued.
- Auto-disable: a delivery that used up every attempt disables its endpoint ("failing"): the
  endpoint then receives nothing until its publisher re-enables it on the dashboard.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from standardwebhooks.webhooks import Webhook

from ... import jobs
from ...domain import webhooks as rules
from ...extensions import db
from ...models import WebhookDelivery, WebhookEndpoint
from ...models.base import utcnow
from .. import audit, crypto, outbound
from . import schedule

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=2)  # longer than an outbound request may take
SWEEP_GRACE = timedelta(seconds=15)  # the queued job normally comes first
USER_AGENT = "IntegrationMarketplace-Webhooks/1"


@dataclass(frozen=True)
class Message:
    url: str
    secret: str
    event_id: str
    body: str


@dataclass(frozen=True)
class Outcome:
    status: int | None
    latency_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def body_of(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def signed_headers(secret: str, event_id: str, body: str, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=event_id, timestamp=at, data=body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def post(message: Message) -> Outcome:
    """Send one signed message (no database access)."""
    headers = signed_headers(message.secret, message.event_id, message.body)
    started = time.monotonic()
    try:
        answer = outbound.post(message.url, body=message.body.encode(), headers=headers, purpose="webhook")
    except outbound.OutboundError as error:
        code = error.code if error.code in rules.ERRORS else "unreachable"
        return Outcome(None, _since(started), code)
    if rules.is_success(answer.status):
        return Outcome(answer.status, _since(started), None)
    return Outcome(answer.status, _since(started), "http_status")


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _claim(delivery_id: str, now: datetime) -> Message | None:
    claimed = db.session.execute(
        db.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == rules.PENDING,
            db.or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
            db.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
        )
        .values(claimed_until=now + CLAIM, attempt=WebhookDelivery.attempt + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.commit()
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    endpoint = delivery.endpoint
    if not endpoint.enabled:  # disabled while this attempt waited: it never goes out
        _finish(delivery, rules.FAILED, now, error="endpoint_disabled")
        delivery.attempt -= 1
        db.session.commit()
        return None
    message = Message(
        endpoint.url,
        crypto.decrypt_json(endpoint.secret_encrypted),
        delivery.event_id,
        body_of(delivery.payload),
    )
    db.session.commit()
    return message


def _finish(delivery: WebhookDelivery, status: str, now: datetime, *, error: str | None = None) -> None:
    delivery.status = status
    delivery.completed_at = now
    delivery.next_attempt_at = None
    delivery.claimed_until = None
    if error:
        delivery.error = error


def deliver(delivery_id: str) -> Outcome | None:
    """One attempt of one delivery, if it is due and no one else is sending it; None otherwise."""
    message = _claim(delivery_id, utcnow())
    if message is None:
        return None
    outcome = post(message)
    _record(delivery_id, outcome)
    db.session.commit()
    return outcome


def _record(delivery_id: str, outcome: Outcome) -> None:
    now = utcnow()
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None:  # the endpoint was deleted meanwhile
        return
    delivery.last_attempt_at = now
    delivery.response_code = outcome.status
    delivery.latency_ms = outcome.latency_ms
    delivery.error = outcome.error
    delivery.claimed_until = None
    failures = 0 if outcome.ok else WebhookEndpoint.consecutive_failures + 1
    db.session.execute(
        db.update(WebhookEndpoint)
        .where(WebhookEndpoint.id == delivery.endpoint_id)
        .values(consecutive_failures=failures)
        .execution_options(synchronize_session=False)
    )
    if delivery.status != rules.PENDING:  # cancelled (endpoint disabled) while in flight
        return
    if outcome.ok:
        _finish(delivery, rules.SUCCEEDED, now)
        return
    delay = rules.delay_before(delivery.attempt + 1, schedule())
    if delay is None:
        _finish(delivery, rules.FAILED, now)
        disable_failing(
            db.session.get(WebhookEndpoint, delivery.endpoint_id, populate_existing=True), delivery
        )
        return
    delivery.next_attempt_at = now + delay
    jobs.after_commit("deliver_webhook", delivery.id, delay=delay.total_seconds() or None)


def cancel_pending(endpoint: WebhookEndpoint, now: datetime) -> None:
    db.session.execute(
        db.update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == rules.PENDING)
        .values(status=rules.FAILED, error="endpoint_disabled", completed_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


def disable_failing(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> None:
    """A delivery used up its attempts: the endpoint is disabled, its waiting deliveries cancelled,
    and its publisher shown a notice with a Re-enable button (one audit event, no actor)."""
    if endpoint is None or not endpoint.enabled:
        return
    now = utcnow()
    endpoint.enabled = False
    endpoint.disabled_reason = rules.DISABLED_FAILING
    endpoint.disabled_at = now
    cancel_pending(endpoint, now)
    audit.record(
        None,
        "webhook.auto_disabled",
        endpoint,
        object_type="webhook_endpoint",
        object_label=endpoint.url,
        before={"enabled": True},
        after={"enabled": False, "disabled_reason": rules.DISABLED_FAILING},
        note=f"Disabled after {delivery.event_type} failed all {delivery.attempt} attempts.",
    )
    log.info("webhook endpoint %s disabled after %d failed attempts", endpoint.id, delivery.attempt)


def due(limit: int = 100) -> list[str]:
    now = utcnow()
    return list(
        db.session.scalars(
            db.select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == rules.PENDING,
                WebhookDelivery.next_attempt_at <= now - SWEEP_GRACE,
                db.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
    )


def queue_due() -> int:
    """The periodic sweep: a job for each delivery that is due and whose job never came (the queue
    was down, a consumer died); the claim makes a second job for one attempt a no-op."""
    ids = due()
    for delivery_id in ids:
        jobs.enqueue("deliver_webhook", delivery_id)
    return len(ids)
