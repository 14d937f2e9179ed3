"""Publisher webhooks delivered by real consumer processes (SQLite queue + SQLite, or Redis +
PostgreSQL) to a receiver on a loopback port that verifies every request with
`standardwebhooks.Webhook(secret).verify(...)`, as a publisher's server would. The retry schedule is
shortened to seconds (WEBHOOK_RETRY_SCHEDULE); its real default is tested as a pure function in
tests/unit/test_webhook_schedule.py."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.services import crypto
from app.services.installs import managing
from app.services.webhooks import emit
from app.services.webhooks.endpoints import new_secret
from tests import factories
from tests.install_support import publish
from tests.security.loopback_servers import Endpoint

from .support import consumer, queue_app, wait_until

pytestmark = pytest.mark.concurrency

FAST = "0,1,1,1,1,1,1,1"  # eight attempts, a second apart


class Receiver:
    """A publisher's webhook receiver: verifies each request with the secret, answers from `plan`
    (one status per request, the last repeated), and keeps what it verified."""

    def __init__(self, secret: str, plan=(204,)):
        self.secret, self.plan = secret, list(plan)
        self.events: list[dict] = []
        self.ids: list[str] = []
        self.forged = 0
        self._lock = threading.Lock()
        self.server = Endpoint("127.0.0.1", self._answer)
        self.url = f"{self.server.url}/webhooks"

    def _answer(self, handler, _server):
        body = handler.body
        try:
            event = Webhook(self.secret).verify(body, dict(handler.headers))
        except WebhookVerificationError:
            with self._lock:
                self.forged += 1
            status = 400
        else:
            with self._lock:
                self.events.append(event)
                self.ids.append(handler.headers["webhook-id"])
                status = self.plan[min(len(self.events), len(self.plan)) - 1]
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def stop(self):
        self.server.stop()


@pytest.fixture
def receivers():
    started = []

    def make(secret, plan=(204,)):
        started.append(Receiver(secret, plan))
        return started[-1]

    yield make
    for receiver in started:
        receiver.stop()


def _endpoint(app, workspace_id, url, secret, events=("installation.uninstalled",)) -> str:
    with app.app_context():
        row = WebhookEndpoint(
            workspace_id=workspace_id,
            url=url,
            events=list(events),
            secret_encrypted=crypto.encrypt_json(secret),
            enabled=True,
            consecutive_failures=0,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def _publisher(app) -> tuple[str, str]:
    """(the publisher workspace's id, a published integration's id)."""
    with app.app_context():
        owner = factories.member(role="owner")
        integration = publish(workspace=owner.workspace)
        db.session.commit()
        return owner.workspace.id, integration.id


def _uninstall(app, integration_id) -> tuple[str, str]:
    """Install into a fresh workspace, then uninstall through the service (committed): (workspace
    id, installation id)."""
    from app.models import Integration

    with app.app_context():
        installer = factories.member(role="owner")
        integration = db.session.get(Integration, integration_id)
        installation = factories.InstallationFactory(
            workspace=installer.workspace,
            integration=integration,
            version=integration.versions[-1],
            installed_by=installer.user.id,
        )
        db.session.commit()
        managing.uninstall(installer.user, installation)
        db.session.commit()
        return installer.workspace.id, installation.id


def _endpoint_row(app, endpoint_id) -> WebhookEndpoint:
    with app.app_context():
        row = db.session.get(WebhookEndpoint, endpoint_id)
        db.session.expunge(row)
        return row


def _deliveries(app, endpoint_id) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _all_deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        return list(db.session.scalars(db.select(WebhookDelivery)))


def test_an_uninstall_reaches_the_publisher_signed_after_two_500s_with_its_deletion_request(receivers):
    with queue_app(WEBHOOK_RETRY_SCHEDULE=FAST) as app:
        workspace_id, integration_id = _publisher(app)
        secret = new_secret()
        receiver = receivers(secret, plan=(500, 500, 204))
        endpoint_id = _endpoint(app, workspace_id, receiver.url, secret)
        installer_ws, installation_id = _uninstall(app, integration_id)
        with consumer(app) as running:
            wait_until(
                lambda: [d.status for d in _deliveries(app, endpoint_id)] == ["succeeded"],
                what="the delivery succeeding",
                consumers=[running],
            )
        [delivery] = _deliveries(app, endpoint_id)
        assert delivery.attempt == 3 and delivery.response_code == 204 and delivery.error is None
        assert receiver.forged == 0 and len(receiver.events) == 3
        assert len(set(receiver.ids)) == 1  # one event: the same webhook-id on every attempt
        event = receiver.events[-1]
        assert event["type"] == "installation.uninstalled"
        assert event["data"]["dataDeletion"]["required"] is True
        assert event["data"]["dataDeletion"]["workspaceId"] == installer_ws
        assert event["data"]["dataDeletion"]["installationId"] == installation_id
        assert event["data"]["integrationId"] == integration_id
        assert _endpoint_row(app, endpoint_id).consecutive_failures == 0


def test_an_endpoint_that_keeps_failing_is_disabled_after_eight_attempts_and_then_gets_nothing(receivers):
    with queue_app(WEBHOOK_RETRY_SCHEDULE=FAST) as app:
        workspace_id, integration_id = _publisher(app)
        failing_secret, healthy_secret = new_secret(), new_secret()
        failing = receivers(failing_secret, plan=(500,))
        healthy = receivers(healthy_secret)
        failing_id = _endpoint(app, workspace_id, failing.url, failing_secret)
        _uninstall(app, integration_id)
        with consumer(app) as running:
            wait_until(
                lambda: not _endpoint_row(app, failing_id).enabled,
                what="the endpoint being disabled",
                consumers=[running],
            )
            assert len(failing.events) == 8 and failing.forged == 0
            row = _endpoint_row(app, failing_id)
            assert row.disabled_reason == "failing" and row.consecutive_failures == 8
            [given_up] = _deliveries(app, failing_id)
            assert given_up.status == "failed" and given_up.attempt == 8 and given_up.response_code == 500
            # The next event goes to a healthy endpoint of the same workspace, not to the disabled one.
            healthy_id = _endpoint(app, workspace_id, healthy.url, healthy_secret)
            _uninstall(app, integration_id)
            wait_until(
                lambda: len(healthy.events) == 1, what="the healthy endpoint's event", consumers=[running]
            )
        assert len(failing.events) == 8 and len(_deliveries(app, failing_id)) == 1
        assert [d.status for d in _deliveries(app, healthy_id)] == ["succeeded"]


def test_two_consumers_deliver_each_event_once_and_the_sweep_sends_lost_ones(receivers):
    """Ten deliveries queued twice each, and five whose jobs were lost (due for a minute already):
    two consumers race for them; each reaches the receiver exactly once."""
    with queue_app(WEBHOOK_RETRY_SCHEDULE=FAST) as app:
        workspace_id, _ = _publisher(app)
        secret = new_secret()
        receiver = receivers(secret)
        _endpoint(app, workspace_id, receiver.url, secret, events=("review.created",))
        with app.app_context():
            queued = [d.id for n in range(10) for d in emit(workspace_id, "review.created", {"n": n})]
            db.session.info.pop("queue.after_commit", None)  # queued by hand below, twice each
            lost = []
            for n in range(5):
                [row] = emit(workspace_id, "review.created", {"n": 100 + n})
                row.next_attempt_at = utcnow() - timedelta(minutes=1)
                lost.append(row.id)
            db.session.info.pop("queue.after_commit", None)  # these jobs are "lost"
            db.session.commit()
            for delivery_id in queued * 2:
                app.extensions["huey_tasks"]["deliver_webhook"](delivery_id)
        with consumer(app, workers=3) as first, consumer(app, workers=3) as second:
            wait_until(
                lambda: {d.status for d in _all_deliveries(app)} == {"succeeded"},
                what="every delivery",
                consumers=[first, second],
            )
        counts = Counter(json.dumps(event["data"]) for event in receiver.events)
        assert len(counts) == 15 and set(counts.values()) == {1}
        assert receiver.forged == 0
