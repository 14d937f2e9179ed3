"""Fixtures: one app on a fresh database built by the real migrations for the whole run,
each test wrapped in a transaction that is rolled back, and helpers to act like a person."""

from __future__ import annotations

import re

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event

from app.extensions import db

from .databases import BACKEND, migrated_app

pytest_plugins = ["tests.browser.fixtures", "tests.install_fixtures", "tests.mail_fixtures"]


def pytest_report_header(config):
    return f"database backend: {BACKEND}"


@pytest.fixture(scope="session")
def app():
    with migrated_app() as app:
        yield app


@pytest.fixture(autouse=True)
def _rollback_each_test(request, app):
    """Everything a test (and the app, in its requests) writes lives in one outer
    transaction on one connection, rolled back at the end. The app's own commits only
    release savepoints (the session joins with join_transaction_mode="create_savepoint").
    The catalog's change tracker starts each test empty: what it saw in a test rolled back since
    is another history (the caches it kept then are recomputed, as after any move it cannot describe)."""
    app.extensions.pop("catalog_change_tracker", None)
    if any(request.node.get_closest_marker(name) for name in ("browser", "concurrency", "faults")):
        yield
        return
    with app.app_context():
        engines = db._app_engines[app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        db.session.remove()
        try:
            yield connection
        finally:
            db.session.remove()
            engines[None] = engine
            if outer.is_active:
                outer.rollback()
            connection.close()


class Client(FlaskClient):
    """A test client that sends a valid CSRF token with form posts, as the browser would."""

    def open(self, *args, **kwargs):
        # The test keeps one app context open for its whole body (the rollback needs it) and Flask
        # reuses it for every request, so `g` would carry one request's cached user (Flask-Login's
        # g._login_user) or API caller into the next. Each request starts with a clean `g`, as live.
        if has_app_context():
            vars(g).clear()
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            if "csrf_token" not in session:
                import hashlib
                import os

                session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = session["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: Client):
        self.client = client

    def login(self, user_or_email, password: str = "password123"):
        email = getattr(user_or_email, "email", user_or_email)
        response = self.client.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 302, f"login failed for {email}: {response.status_code}"
        return response

    def logout(self):
        return self.client.post_form("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __enter__(self):
        self.statements.clear()
        return self

    def __exit__(self, *exc_info):
        return False


@pytest.fixture
def query_counter(app, _rollback_each_test):
    """Counts the SQL statements the app sends (savepoint bookkeeping excluded)."""
    counter = QueryCounter()
    connection = _rollback_each_test

    def _count(conn, cursor, statement, parameters, context, executemany):
        if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK TO)", statement, re.I):
            counter.statements.append(statement)

    event.listen(connection, "before_cursor_execute", _count)
    yield counter
    event.remove(connection, "before_cursor_execute", _count)


@pytest.fixture
def factories(app):
    from . import factories as module

    return module
