"""Engine behaviour the whole app relies on, and the one commit per request.

SQLite: WAL, busy_timeout and foreign keys on every connection; transactions
begin explicitly so savepoints work, and a request that may write begins with
BEGIN IMMEDIATE so two writers queue on the lock instead of one failing with
"database is locked" half-way through. The queue is bounded (SQLITE_BUSY_TIMEOUT_MS):
past it the request answers 503 with Retry-After.

PostgreSQL: every wait on a connection is bounded too (see config._postgresql_connect_args),
including a peer that takes our bytes and never answers, which no socket option catches.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar

import psycopg
from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .extensions import db

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BODY_HEADERS = frozenset({"content-type", "content-length", "location", "etag", "last-modified", "vary"})


def configure_engine(engine: Engine, config: dict) -> None:
    if engine.dialect.name == "postgresql":
        _bound_postgresql_waits(engine, config["DATABASE_STATEMENT_TIMEOUT_MS"] / 1000 + 1)
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(config["SQLITE_BUSY_TIMEOUT_MS"])

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


class _BoundedConnection(psycopg.Connection):
    """psycopg waits on its socket without end; Connection.wait takes a deadline (psycopg 3.3).
    The server's statement_timeout normally fires first (a clean QueryCanceled); this one catches
    a server, proxy or network that holds the connection open and silent. The connection is
    closed, so SQLAlchemy sees a disconnect and the pool drops it.

    psycopg names the expired wait only privately (errors._WaitTimeout, "internal: callers should
    convert it to a public one"), so it is recognised by public facts instead: an OperationalError
    the server did not send (no sqlstate) once the deadline has passed."""

    wait_timeout: float | None = None

    def wait(self, gen, interval=0.1, timeout=None):
        if timeout is not None or self.wait_timeout is None:  # psycopg's own bounded waits
            return super().wait(gen, interval=interval, timeout=timeout)
        started = time.monotonic()
        try:
            return super().wait(gen, interval=interval, timeout=self.wait_timeout)
        except psycopg.OperationalError as error:
            if error.sqlstate is not None or time.monotonic() - started < self.wait_timeout:
                raise  # the server's own answer (a cancelled statement...), or no timeout
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.wait_timeout:g} s"
            ) from None


def _bound_postgresql_waits(engine: Engine, seconds: float) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):
        connection = _BoundedConnection.connect(*cargs, **cparams)
        connection.wait_timeout = seconds
        return connection


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


def rollback_quietly() -> None:
    """Roll back at the end of a failed request. On a connection that just broke there is nothing
    left to roll back, and a second error here would only bury the first."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()


def database_unavailable(error: BaseException) -> bool:
    """The database cannot answer now (gone, silent, overloaded, locked): try again shortly.
    Anything else from it (a constraint, a syntax error) is a bug and stays a 500."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig
    # A driver's own error, wrapped above or raised bare (a read on a raw pooled connection).
    if isinstance(error, psycopg.OperationalError):
        return True  # connection failures, cancelled statements, the server shutting down
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error) or "busy" in str(error)
    return False


def init_request_transactions(app: Flask) -> None:
    @app.before_request
    def _mark_write_intent():
        if _write_intent_needed():
            g._write_intent_token = _write_intent.set(True)

    @app.after_request
    def _commit_or_roll_back(response: Response) -> Response:
        # The request boundary commits; anything that answers an error rolls back,
        # so a form re-rendered with errors (422) never leaves half a change behind.
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except SQLAlchemyError as error:
            # The app's error handlers answer it (503 when the database is unavailable), as for an
            # error in the view, rather than Flask's last-resort traceback and bare 500.
            rollback_quietly()
            failed = current_app.make_response(current_app.handle_user_exception(error))
            # The after_request hooks that ran before this one (security headers) applied to the
            # answer being replaced; carry them over, not what described its body.
            for name, value in response.headers.items():
                if name.lower() not in _BODY_HEADERS and name not in failed.headers:
                    failed.headers[name] = value
            return failed
        return response

    @app.teardown_request
    def _reset(exc):
        if exc is not None:
            rollback_quietly()
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


def request_reads_only() -> bool:
    """This request's method and view write nothing (a GET, HEAD or OPTIONS not marked `writes`):
    what it reads need not be read in the transaction a write would take its lock in."""
    return has_request_context() and not _write_intent_needed()


def _write_intent_needed() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    if request.method in SAFE_METHODS:
        return getattr(view, "writes", False)
    return not getattr(view, "reads_only", False)
