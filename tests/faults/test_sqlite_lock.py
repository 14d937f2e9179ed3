"""SQLite whose write lock another process holds: a write waits SQLITE_BUSY_TIMEOUT_MS at most,
then answers 503 with Retry-After (JSON for the API, the site's page for people), one log line,
nothing written; once the lock is released the same write goes through. The rate limiter is on, as
in production: its headers ride along, but a 503 keeps its own Retry-After."""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import closing

import pytest

from app.extensions import db
from app.models import Integration
from app.services import tokens
from tests import factories
from tests.conftest import Client
from tests.databases import migrated_app
from tests.web.publishing_helpers import AUTH, MANIFEST, VARIABLES

pytestmark = pytest.mark.faults

BUSY_MS = 300


@pytest.fixture
def locked_app():
    with migrated_app(
        "sqlite", SQLITE_BUSY_TIMEOUT_MS=BUSY_MS, RETRY_AFTER_SECONDS=2, RATELIMIT_ENABLED=True
    ) as app:
        with app.app_context():
            member = factories.member(role="owner")
            handle = factories.namespace_for(member.workspace)
            draft_id = factories.IntegrationFactory(workspace=member.workspace, publisher=handle).id
            _, raw = tokens.create_token(member.user, member.workspace.id, "CI", 30)
            db.session.commit()
            email = member.user.email
        app.test_client_class = Client
        yield app, raw, handle, email, draft_id


def hold_write_lock(app) -> sqlite3.Connection:
    """Another process's writer, as far as SQLite can tell: its own connection, BEGIN IMMEDIATE."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].split("sqlite:///", 1)[1]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_held_write_lock_answers_503_with_retry_after(locked_app, caplog):
    app, raw, handle, email, draft_id = locked_app
    client = app.test_client()
    body = {"name": "Locked Out", "publisher": handle, "manifest": MANIFEST}
    body.update(variablesSchema=VARIABLES, authConfig=AUTH)
    headers = {"Authorization": f"Bearer {raw}"}

    assert client.post_form("/login", {"email": email, "password": "password123"}).status_code == 302

    with closing(hold_write_lock(app)) as holder, caplog.at_level(logging.WARNING):
        started = time.monotonic()
        response = client.post("/api/v1/integrations", json=body, headers=headers)
        elapsed = time.monotonic() - started
        assert response.status_code == 503 and response.headers["Retry-After"] == "2"
        assert response.get_json()["error"]["code"] == "unavailable"
        assert elapsed >= BUSY_MS / 1000  # it waited for the lock, then gave up

        # The API's rate limiter (on, as in production) writes Retry-After on the answers it limits,
        # with its own window's end (a minute); a 503 keeps its own.
        edit = client.patch(f"/api/v1/integrations/{draft_id}", json={"name": "Renamed"}, headers=headers)
        assert edit.status_code == 503 and edit.headers["Retry-After"] == "2"
        assert edit.headers["RateLimit-Limit"] and edit.get_json()["error"]["code"] == "unavailable"

        page = client.post_form("/workspaces/new", {"slug": "blocked", "name": "Blocked"})
        assert page.status_code == 503 and page.headers["Retry-After"] == "2"
        assert 'class="site-header"' in page.text and "try again in 2 seconds" in page.text
        holder.rollback()
    failures = [r for r in caplog.records if "answered 503" in r.getMessage()]
    assert len(failures) == 3 and all(r.exc_info is None for r in failures)
    assert "database is locked" in failures[0].getMessage()

    assert client.post("/api/v1/integrations", json=body, headers=headers).status_code == 201
    with app.app_context():
        names = dict(db.session.execute(db.select(Integration.id, Integration.name)).all())
        assert names.pop(draft_id) != "Renamed" and list(names.values()) == ["Locked Out"]
