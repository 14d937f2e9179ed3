"""Engine behaviour the whole app relies on, and the one commit per request.

SQLite: WAL, busy_timeout and foreign keys on every connection; transactions
begin explicitly so savepoints work, and a request that may write begins with
BEGIN IMMEDIATE so two writers queue on the lock instead of one failing with
"database is locked" half-way through.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, Response, current_app, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .extensions import db

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


@contextmanager
def write_intent():
    """For code outside a request (CLI, tests) that reads then writes: BEGIN IMMEDIATE on SQLite."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def insert_unique(obj, conflict: Exception):
    """Add and flush `obj` inside a savepoint. When a unique constraint refuses it (another request
    inserted the same key between our check and our insert), raise `conflict` instead of a 500;
    the savepoint keeps the rest of the transaction usable."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
    except IntegrityError:
        raise conflict from None
    return obj


def init_request_transactions(app: Flask) -> None:
    @app.before_request
    def _mark_write_intent():
        if _write_intent_needed():
            g._write_intent_token = _write_intent.set(True)

    @app.after_request
    def _commit_or_roll_back(response: Response) -> Response:
        # The request boundary commits; anything that answers an error rolls back,
        # so a form re-rendered with errors (422) never leaves half a change behind.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _reset(exc):
        if exc is not None:
            db.session.rollback()
        token = g.pop("_write_intent_token", None)
        if token is not None:
            _write_intent.reset(token)


def reads_only(view):
    """Mark a POST view that never writes (log in: a slow password check that must not hold
    SQLite's write lock), so its transaction begins as a plain, shared BEGIN."""
    view.reads_only = True
    return view


def writes(view):
    """Mark a GET view that writes all the same (an OAuth2 redirect back can only be a GET), so
    every transaction it opens begins with BEGIN IMMEDIATE like any POST's."""
    view.writes = True
    return view


def _write_intent_needed() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    if request.method in SAFE_METHODS:
        return getattr(view, "writes", False)
    return not getattr(view, "reads_only", False)
