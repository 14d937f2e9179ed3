"""Publisher webhooks on the dashboard: the pages (owners and admins only; 404 for anyone else),
bad input beside its field with nothing saved, the secret shown once and stored encrypted, every
change audited; and the events, emitted where they happen, with their payload shapes. Jobs run in
this process after each request (HUEY_IMMEDIATE), so a delivery really goes to a loopback receiver."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from app.domain import webhooks as rules
from app.extensions import db
from app.models import AuditEvent, Installation, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.services import crypto, ratings, reviews, takedowns
from app.services.installs import managing
from app.services.webhooks import delivery as sending
from tests.install_support import add_version, admin, publish, wizard_id_from
from tests.security.loopback_servers import Endpoint, send_json

ALL_EVENTS = list(rules.EVENTS)
SECRET_RE = re.compile(r"whsec_[A-Za-z0-9+/=]{20,}")


def _count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def _base(workspace) -> str:
    return f"/dashboard/webhooks/{workspace.slug}"


def _add(client, workspace, url, events=("installation.created",)):
    return client.post_form(_base(workspace), {"url": url, "events": list(events)})


def _endpoint_row(workspace) -> WebhookEndpoint:
    db.session.expire_all()
    return db.session.scalar(db.select(WebhookEndpoint).where(WebhookEndpoint.workspace_id == workspace.id))


def _make_endpoint(workspace, url="http://127.0.0.1:9/hook", events=ALL_EVENTS, secret=None):
    from app.services.webhooks.endpoints import new_secret

    secret = secret or new_secret()
    row = WebhookEndpoint(
        workspace_id=workspace.id,
        url=url,
        events=list(events),
        secret_encrypted=crypto.encrypt_json(secret),
        enabled=True,
        consecutive_failures=0,
    )
    db.session.add(row)
    db.session.flush()
    return row, secret


# --- pages and permissions --------------------------------------------------------------------------


def test_an_owner_adds_an_endpoint_and_sees_its_secret_exactly_once(client, auth):
    owner, workspace = admin()
    auth.login(owner)
    assert "Webhooks" in client.get("/dashboard").get_data(as_text=True)
    assert workspace.name in client.get("/dashboard/webhooks").get_data(as_text=True)
    audits = _count(AuditEvent)
    response = _add(client, workspace, "https://hooks.example.com/in", ALL_EVENTS[:2])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    shown = SECRET_RE.search(page).group(0)
    row = _endpoint_row(workspace)
    assert row.url == "https://hooks.example.com/in" and row.events == ALL_EVENTS[:2] and row.enabled
    assert shown not in row.secret_encrypted and crypto.decrypt_json(row.secret_encrypted) == shown
    Webhook(shown)  # a Standard Webhooks secret
    assert _count(AuditEvent) == audits + 1
    event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(1))
    assert event.action == "webhook.created" and shown not in json.dumps(event.diff)
    # never again: not on the list, not on the endpoint's page, not in the audit log
    for url in (_base(workspace), f"{_base(workspace)}/{row.id}", "/dashboard/audit", "/dashboard"):
        later = client.get(url)
        assert later.status_code == 200 and shown not in later.get_data(as_text=True), url
        assert not SECRET_RE.search(later.get_data(as_text=True))
    # rotate: a new secret, once; the old one is gone
    rotated = client.post_form(f"{_base(workspace)}/{row.id}/rotate")
    fresh = SECRET_RE.search(rotated.get_data(as_text=True)).group(0)
    assert rotated.status_code == 200 and fresh != shown
    assert crypto.decrypt_json(_endpoint_row(workspace).secret_encrypted) == fresh
    assert fresh not in client.get(f"{_base(workspace)}/{row.id}").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", None])
def test_members_and_strangers_get_404_everywhere(client, auth, factories, role):
    owner, workspace = admin()
    row, _ = _make_endpoint(workspace)
    delivery = WebhookDelivery(
        endpoint_id=row.id, event_id="msg_x", event_type="installation.created", payload={}, status="failed"
    )
    db.session.add(delivery)
    db.session.flush()
    other = factories.member(workspace=workspace, role=role).user if role else admin()[0]
    auth.login(other)
    base = f"{_base(workspace)}/{row.id}"
    for url in (_base(workspace), base):
        assert client.get(url).status_code == 404, url
    for url in (
        _base(workspace),
        f"{base}/events",
        f"{base}/rotate",
        f"{base}/enable",
        f"{base}/disable",
        f"{base}/delete",
        f"{base}/test",
        f"{base}/deliveries/{delivery.id}/redeliver",
    ):
        assert (
            client.post_form(url, {"url": "https://x.example.com", "events": ALL_EVENTS}).status_code == 404
        )
    db.session.expire_all()
    assert _count(WebhookEndpoint) == 1 and _endpoint_row(workspace).enabled
    assert _count(WebhookDelivery) == 1


def test_an_endpoint_of_another_workspace_is_not_found(client, auth):
    owner, workspace = admin()
    _, elsewhere = admin()
    row, _ = _make_endpoint(elsewhere)
    auth.login(owner)
    assert client.get(f"{_base(workspace)}/{row.id}").status_code == 404
    assert client.post_form(f"{_base(workspace)}/{row.id}/delete").status_code == 404
    assert _count(WebhookEndpoint) == 1


@pytest.mark.parametrize(
    ("url", "events", "field", "message"),
    [
        ("", ALL_EVENTS[:1], "url", "Enter the URL"),
        ("http://hooks.example.com/in", ALL_EVENTS[:1], "url", "Use an https:// URL"),
        ("ftp://hooks.example.com/in", ALL_EVENTS[:1], "url", "Enter a full URL"),
        ("https://10.1.2.3/in", ALL_EVENTS[:1], "url", "a private network address"),
        ("https://169.254.169.254/latest", ALL_EVENTS[:1], "url", "a cloud metadata service"),
        ("https://metadata.google.internal/x", ALL_EVENTS[:1], "url", "a cloud metadata service"),
        ("https://hooks.example.com/in", [], "events", "Choose at least one event"),
        ("https://hooks.example.com/in", ["installation.exploded"], "events", "Choose at least one event"),
    ],
)
def test_bad_input_is_said_beside_its_field_and_nothing_is_saved(client, auth, url, events, field, message):
    owner, workspace = admin()
    auth.login(owner)
    audits = _count(AuditEvent)
    response = _add(client, workspace, url, events)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = re.search(rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>', page, re.S)
    assert errors and message in errors.group(1), page
    if url:
        assert f'value="{url}"' in page  # what was typed stays
    assert _count(WebhookEndpoint) == 0 and _count(AuditEvent) == audits
    assert not SECRET_RE.search(page)


def test_production_refuses_loopback_and_plain_http(client, auth, app, monkeypatch):
    owner, workspace = admin()
    auth.login(owner)
    assert _add(client, workspace, "http://127.0.0.1:8080/hook").status_code == 200  # development
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    for url, message in (
        ("http://127.0.0.1:8080/hook", "Use an https:// URL"),
        ("https://127.0.0.1:8443/hook", "a loopback address"),
        ("https://[::1]/hook", "a loopback address"),
        ("https://localhost/hook", "a loopback address"),
    ):
        response = _add(client, workspace, url)
        assert response.status_code == 422 and message in response.get_data(as_text=True), url
    assert _count(WebhookEndpoint) == 1


def test_events_enable_disable_and_delete_are_audited(client, auth):
    owner, workspace = admin()
    row, _ = _make_endpoint(workspace, events=ALL_EVENTS[:1])
    auth.login(owner)
    base = f"{_base(workspace)}/{row.id}"
    bad = client.post_form(f"{base}/events", {"events": []})
    assert bad.status_code == 422 and "Choose at least one event" in bad.get_data(as_text=True)
    assert client.post_form(f"{base}/events", {"events": ALL_EVENTS[1:3]}).status_code == 302
    assert _endpoint_row(workspace).events == ALL_EVENTS[1:3]
    assert client.post_form(f"{base}/disable").status_code == 302
    row = _endpoint_row(workspace)
    assert not row.enabled and row.disabled_reason == "manual"
    assert "Send test event" not in client.get(base).get_data(as_text=True)
    assert client.post_form(f"{base}/enable").status_code == 302
    assert _endpoint_row(workspace).enabled
    assert client.post_form(f"{base}/delete").status_code == 302
    assert _count(WebhookEndpoint) == 0
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.object_id == row.id).order_by(AuditEvent.created_at)
    ).all()
    assert actions == ["webhook.updated", "webhook.disabled", "webhook.enabled", "webhook.deleted"]


# --- delivery, in this process ------------------------------------------------------------------------


@pytest.fixture
def receivers():
    """receivers(status) -> a started loopback receiver answering `status`, stopped afterwards;
    its `.hits` keep each request's (method, path, body) and `.headers` its headers."""
    started = []
    yield lambda status=204: started.append(_receiver(status)) or started[-1]
    for server in started:
        server.stop()


def _receiver(status):
    reply = send_json(status, {"ok": status < 300, "leak": "REMOTE-BODY-MARKER"})
    seen = []

    def answer(handler, server):
        seen.append(dict(handler.headers))
        reply(handler, server)

    server = Endpoint("127.0.0.1", answer)
    server.headers = seen
    return server


def test_a_test_event_is_signed_logged_and_redelivered_with_the_same_id(client, auth, receivers):
    owner, workspace = admin()
    receiver = receivers(500)
    row, secret = _make_endpoint(workspace, url=f"{receiver.url}/hook")
    auth.login(owner)
    base = f"{_base(workspace)}/{row.id}"
    assert client.post_form(f"{base}/test").status_code == 302
    assert len(receiver.hits) == 1
    method, path, body = receiver.hits[0]
    assert (method, path) == ("POST", "/hook")
    db.session.expire_all()
    first = db.session.scalar(db.select(WebhookDelivery))
    assert first.status == "pending" and first.attempt == 1 and first.response_code == 500
    assert first.error == "http_status" and first.latency_ms is not None
    assert first.next_attempt_at > utcnow() + timedelta(seconds=30)  # the schedule's 1 minute
    page = client.get(base).get_data(as_text=True)
    assert "webhook.test" in page and "500" in page and "REMOTE-BODY-MARKER" not in page
    assert client.post_form(f"{base}/deliveries/{first.id}/redeliver").status_code == 302
    assert len(receiver.hits) == 2
    db.session.expire_all()
    rows = db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.created_at)).all()
    assert len(rows) == 2 and rows[1].event_id == rows[0].event_id and rows[1].attempt == 1
    assert _endpoint_row(workspace).consecutive_failures == 2
    assert receiver.hits[1][2] == body  # the same event, byte for byte


def test_an_install_upgrade_and_uninstall_reach_the_publisher_signed(client, auth, receivers):
    publisher_owner, publisher_ws = admin()
    receiver = receivers()
    _, secret = _make_endpoint(publisher_ws, url=f"{receiver.url}/in")
    integration = publish(workspace=publisher_ws)
    installer, workspace = admin()
    auth.login(installer)
    start = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(start.headers["Location"])
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    installation = db.session.scalar(db.select(Installation).where(Installation.workspace_id == workspace.id))
    add_version(integration, "1.0.1")
    assert (
        client.post_form(
            f"/workspaces/{workspace.slug}/installations/{installation.id}/upgrade-now", {"to": "1.0.1"}
        ).status_code
        == 302
    )
    assert client.post_form(f"/workspaces/{workspace.slug}/installations/{installation.id}/uninstall")
    # each one verifies with the endpoint's secret, as a publisher's server would check it
    received = [
        Webhook(secret).verify(body, headers)
        for (_method, _path, body), headers in zip(receiver.hits, receiver.headers, strict=True)
    ]
    assert [event["type"] for event in received] == [
        "installation.created",
        "installation.upgraded",
        "installation.uninstalled",
    ]
    created, upgraded, uninstalled = (event["data"] for event in received)
    common = {"integrationId": integration.id, "installationId": installation.id, "workspaceId": workspace.id}
    assert created.items() >= {**common, "version": "1.0.0"}.items()
    assert upgraded.items() >= {**common, "fromVersion": "1.0.0", "version": "1.0.1"}.items()
    assert uninstalled["dataDeletion"]["required"] is True
    assert uninstalled["dataDeletion"]["workspaceId"] == workspace.id
    assert uninstalled["dataDeletion"]["installationId"] == installation.id
    assert "Delete all data" in uninstalled["dataDeletion"]["message"]
    for event in received:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", event["timestamp"])
        assert event["data"]["integration"] == f"{integration.publisher}/{integration.slug}"
    db.session.expire_all()
    assert {d.status for d in db.session.scalars(db.select(WebhookDelivery))} == {"succeeded"}
    assert len({h["webhook-id"] for h in receiver.headers}) == 3


def test_signed_headers_verify_with_standardwebhooks_and_a_wrong_secret_fails():
    from standardwebhooks.webhooks import WebhookVerificationError

    from app.services.webhooks.endpoints import new_secret

    secret, body = new_secret(), json.dumps({"type": "x", "data": {}})
    headers = sending.signed_headers(secret, "msg_1", body)
    assert Webhook(secret).verify(body, headers) == {"type": "x", "data": {}}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("x", "y"), headers)


# --- payload shapes, from the services where each event happens -----------------------------------


def _payloads(workspace, event_type):
    db.session.flush()
    return [
        d.payload
        for d in db.session.scalars(
            db.select(WebhookDelivery)
            .join(WebhookEndpoint)
            .where(WebhookEndpoint.workspace_id == workspace.id, WebhookDelivery.event_type == event_type)
        )
    ]


def test_only_subscribed_enabled_endpoints_of_the_listings_workspace_get_an_event(factories):
    owner, workspace = admin()
    integration = publish(workspace=workspace)
    subscribed, _ = _make_endpoint(workspace, events=["installation.uninstalled"])
    _make_endpoint(workspace, events=["installation.created"])
    off, _ = _make_endpoint(workspace, events=["installation.uninstalled"])
    off.enabled, off.disabled_reason = False, "manual"
    _, elsewhere = admin()
    _make_endpoint(elsewhere)
    installer, target = admin()
    installation = factories.InstallationFactory(
        workspace=target, integration=integration, version=integration.versions[-1], installed_by=installer.id
    )
    managing.uninstall(installer, installation)
    rows = db.session.scalars(db.select(WebhookDelivery)).all()
    assert [r.endpoint_id for r in rows] == [subscribed.id]
    data = rows[0].payload["data"]
    assert rows[0].payload["type"] == "installation.uninstalled"
    assert data["dataDeletion"] == rules.deletion_request(target.id, installation.id)
    assert "credential" not in json.dumps(rows[0].payload).lower()


def test_review_decisions_takedowns_and_new_reviews_are_events(factories):
    from app.models import ListingReview

    owner, workspace = admin()
    integration = publish(workspace=workspace, versions=("1.0.0", "1.1.0"))
    _make_endpoint(workspace)
    staff = factories.UserFactory(is_staff=True)
    versions = {v.version: v for v in integration.versions}
    for number, decide in (("1.0.0", "approve"), ("1.1.0", "reject")):
        versions[number].review_state = "pending"
        row = ListingReview(
            integration_id=integration.id,
            workspace_id=workspace.id,
            kind="version",
            version_id=versions[number].id,
            submitted_by=owner.id,
            status="pending",
        )
        db.session.add(row)
        db.session.flush()
        if decide == "approve":
            reviews.approve(staff, row.id)
        else:
            reviews.reject(staff, row.id, "Scopes are broader than the listing says.")
    [approved] = _payloads(workspace, "version.approved")
    [rejected] = _payloads(workspace, "version.rejected")
    assert approved["data"]["version"] == "1.0.0" and approved["data"]["integrationId"] == integration.id
    assert rejected["data"]["version"] == "1.1.0"
    assert rejected["data"]["reason"] == "Scopes are broader than the listing says."
    takedowns.take_down(staff, integration, "security", "Sends data to an unlisted host.")
    [down] = _payloads(workspace, "listing.taken_down")
    assert down["data"]["policy"] == "security" and down["data"]["note"] == "Sends data to an unlisted host."
    assert down["data"]["takenDownAt"].endswith("Z")


def test_a_new_review_is_an_event_and_its_edit_is_not(factories):
    owner, workspace = admin()
    integration = publish(workspace=workspace)
    _make_endpoint(workspace)
    reviewer, target = admin()
    factories.InstallationFactory(
        workspace=target, integration=integration, version=integration.versions[-1], installed_by=reviewer.id
    )
    rating = ratings.rate(reviewer, integration, 4, "Does what it says, quickly and quietly.")
    ratings.rate(reviewer, integration, 5, "Does what it says, quickly and quietly. Even better now.")
    [created] = _payloads(workspace, "review.created")
    assert created["data"] == {
        "integrationId": integration.id,
        "integration": f"{integration.publisher}/{integration.slug}",
        "reviewId": rating.id,
        "version": "1.0.0",
        "stars": 4,
        "body": "Does what it says, quickly and quietly.",
        "createdAt": created["data"]["createdAt"],
    }
    assert reviewer.email not in json.dumps(created)


def test_a_delivery_that_uses_up_its_attempts_disables_the_endpoint_with_a_notice(client, auth, app):
    owner, workspace = admin()
    row, _ = _make_endpoint(workspace)
    last = WebhookDelivery(
        endpoint_id=row.id,
        event_id="msg_last",
        event_type="installation.created",
        payload={"type": "installation.created", "timestamp": "2026-11-30T00:00:00Z", "data": {}},
        status="pending",
        attempt=len(rules.DEFAULT_SCHEDULE) - 1,
        next_attempt_at=utcnow() - timedelta(seconds=1),
    )
    waiting = WebhookDelivery(
        endpoint_id=row.id,
        event_id="msg_waiting",
        event_type="review.created",
        payload={},
        status="pending",
        next_attempt_at=utcnow() + timedelta(hours=1),
    )
    db.session.add_all([last, waiting])
    db.session.flush()
    outcome = sending.deliver(last.id)  # http://127.0.0.1:9: nothing listens there
    assert outcome is not None and outcome.error == "unreachable"
    db.session.expire_all()
    row = _endpoint_row(workspace)
    assert not row.enabled and row.disabled_reason == "failing"
    assert db.session.get(WebhookDelivery, last.id).status == "failed"
    assert db.session.get(WebhookDelivery, waiting.id).error == "endpoint_disabled"
    assert sending.deliver(waiting.id) is None
    auth.login(owner)
    for url in ("/dashboard", _base(workspace)):
        page = client.get(url).get_data(as_text=True)
        assert "disabled after repeated failure" in page and "Re-enable" in page, url
    back = client.post_form(f"{_base(workspace)}/{row.id}/enable", {"next_page": "home"})
    assert back.status_code == 302 and back.headers["Location"].endswith("/dashboard")
    row = _endpoint_row(workspace)
    assert row.enabled and row.consecutive_failures == 0 and row.disabled_reason is None
    assert "disabled after repeated failure" not in client.get("/dashboard").get_data(as_text=True)
    assert (
        db.session.scalar(
            db.select(AuditEvent.action).where(AuditEvent.object_id == row.id, AuditEvent.actor_id.is_(None))
        )
        == "webhook.auto_disabled"
    )


def test_the_publisher_docs_list_every_event_and_the_schedule(client):
    page = client.get("/docs/publishing").get_data(as_text=True)
    section = page[page.index('id="webhooks"') :]
    for name in rules.EVENTS:
        assert f'id="event-{name.replace(".", "-")}"' in section and f"<code>{name}</code>" in section
    words = " ".join(section.split())
    assert (
        "webhook-signature" in words and f"A delivery is tried {len(rules.DEFAULT_SCHEDULE)} times" in words
    )
