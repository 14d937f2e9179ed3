"""Liveness for load balancers: 200 when the database answers, 503 when it does not, and always
within HEALTHZ_TIMEOUT (1.5 s), whatever the database does.

The probe runs on a small thread pool and the request waits for it no longer than the time box:
a database that black-holes packets leaves the probe waiting on its own bounded timeouts, never
the load balancer. One probe at a time per process; a check that arrives while one is still
stuck answers 503 at once instead of piling up threads.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ProbeTimeout
from contextlib import nullcontext

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

bp = Blueprint("health", __name__)

_probes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")
_busy = threading.Lock()


def _probe(bind: Engine | Connection) -> bool:
    try:
        # An Engine in the app; the test suite binds the app to one open Connection.
        with bind.connect() if isinstance(bind, Engine) else nullcontext(bind) as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False
    finally:
        _busy.release()


def _database_answers(bind: Engine | Connection, timeout: float) -> bool:
    if not _busy.acquire(blocking=False):
        return False  # the previous probe is still waiting on the database
    try:
        future = _probes.submit(_probe, bind)
    except RuntimeError:  # the interpreter is shutting down
        _busy.release()
        return False
    try:
        return future.result(timeout=timeout)
    except ProbeTimeout:
        return False


@bp.get("/healthz")
def healthz():
    if not _database_answers(db.engine, current_app.config["HEALTHZ_TIMEOUT"]):
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
