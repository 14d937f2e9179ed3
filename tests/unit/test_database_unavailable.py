"""Which database errors mean "unavailable, try again" (503) and which stay bugs (500)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.database import database_unavailable


def wrapped(kind, orig, invalidated=False):
    return kind("SELECT 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(OperationalError, sqlite3.OperationalError("database is locked")),
        wrapped(OperationalError, psycopg.OperationalError("connection failed: Connection refused")),
        wrapped(OperationalError, psycopg.errors.QueryCanceled("canceling statement due to timeout")),
        wrapped(OperationalError, psycopg.errors.AdminShutdown("terminating connection")),
        wrapped(ProgrammingError, psycopg.ProgrammingError("the connection is lost"), invalidated=True),
        PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
        # bare driver errors: the page cache reads the catalog generation on a raw pooled connection
        psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"),
        sqlite3.OperationalError("database is locked"),
    ],
)
def test_unavailable(error):
    assert database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(OperationalError, sqlite3.OperationalError("no such table: users")),
        wrapped(IntegrityError, sqlite3.IntegrityError("UNIQUE constraint failed")),
        wrapped(ProgrammingError, psycopg.errors.UndefinedTable("relation does not exist")),
        sqlite3.OperationalError("no such column: nope"),
        ValueError("a bug"),
    ],
)
def test_bugs_stay_bugs(error):
    assert not database_unavailable(error)
