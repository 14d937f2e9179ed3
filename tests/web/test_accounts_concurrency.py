"""Two writers never turn into a 500: SQLite takes its write lock up front (BEGIN IMMEDIATE,
busy_timeout), PostgreSQL turns a lost unique race into a form error. Real threads, real HTTP."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app.extensions import db
from app.models import AuditEvent, Membership, OutboxMessage, User, Workspace

from ..browser.fixtures import LiveServer
from ..databases import migrated_app

pytestmark = pytest.mark.concurrency

PASSWORD = "longpassword"


@pytest.fixture
def server():
    # Twenty writers queue on SQLite's one write lock; on a busy machine the last waits longer than
    # production's 3 s bound (which would answer 503, by design), so the queue may wait longer here.
    with migrated_app(WTF_CSRF_ENABLED=False, SQLITE_BUSY_TIMEOUT_MS=30000) as app:
        live = LiveServer(app).start()
        try:
            yield live
        finally:
            live.stop()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def _fire(requests_to_send) -> Counter:
    with ThreadPoolExecutor(max_workers=len(requests_to_send)) as pool:
        return Counter(pool.map(lambda send: send().status_code, requests_to_send))


def _register(url: str, email: str):
    return lambda: requests.post(
        f"{url}/register",
        allow_redirects=False,
        timeout=60,
        data={"email": email, "password": PASSWORD, "confirm": PASSWORD},
    )


def test_twenty_concurrent_registrations_half_of_them_for_one_email(server):
    emails = [f"person{n}@example.test" for n in range(10)] + ["same@example.test"] * 10
    statuses = _fire([_register(server.url, email) for email in emails])
    # A taken address answers like a new one (only its mailbox learns the difference).
    assert statuses == Counter({302: 20})
    assert _count(server.app, User) == 11
    assert _count(server.app, AuditEvent) == 11
    assert _count(server.app, OutboxMessage) == 20


def test_twenty_concurrent_workspace_creations_and_logins(server):
    owner = requests.Session()
    assert _register(server.url, "owner@example.test")().status_code == 302
    assert (
        owner.post(
            f"{server.url}/login",
            data={"email": "owner@example.test", "password": PASSWORD},
            allow_redirects=False,
        ).status_code
        == 302
    )
    cookies = owner.cookies.get_dict()
    slugs = [f"team-{n}" for n in range(10)] + ["shared"] * 10

    def create(slug):
        return lambda: requests.post(
            f"{server.url}/workspaces/new",
            cookies=cookies,
            allow_redirects=False,
            timeout=60,
            data={"name": f"Team {slug}", "slug": slug},
        )

    def login():
        return requests.post(
            f"{server.url}/login",
            allow_redirects=False,
            timeout=60,
            data={"email": "owner@example.test", "password": PASSWORD},
        )

    statuses = _fire([create(slug) for slug in slugs] + [login] * 4)
    assert statuses == Counter({302: 15, 422: 9})
    assert _count(server.app, Workspace) == 11
    assert _count(server.app, Membership) == 11
    assert _count(server.app, AuditEvent) == 1 + 11
