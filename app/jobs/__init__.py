"""The job queue: one Huey per application, built from its config inside create_app.

- Storage: Redis when HUEY_REDIS_URL is set (production: any number of `huey_consumer` processes
  on any number of machines share it), else a SQLite file of its own (HUEY_SQLITE_PATH, under
  instance/), so `make run` needs no other server. HUEY_IMMEDIATE runs each job in the process
  that queued it (the test suite), still only after the commit.
- Tasks (app/jobs/tasks.py) are thin: each runs inside an app context of the app that built the
  queue, in one transaction (write intent: BEGIN IMMEDIATE on SQLite), and calls a service.
- Services never enqueue directly: `after_commit(name, *args)` queues a job once the current
  transaction commits, and forgets it when it rolls back. Whatever a job acts on is written to
  the database first, so a job that could not be queued (Redis down) is not lost: the periodic
  sweeps find the work and do it.

    huey_consumer app.jobs.worker.huey --workers 2     # see README, "Production"
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from flask import Flask, current_app, g, has_request_context
from huey import RedisHuey, SqliteHuey, crontab
from sqlalchemy import event

from ..extensions import db

log = logging.getLogger(__name__)

_PENDING = "queue.after_commit"


def init_app(app: Flask) -> None:
    huey = _make_huey(app.config)
    from . import tasks

    registered = {}
    for spec in tasks.TASKS:
        wrapper = _in_app_context(app, spec.function)
        if spec.every_minutes:
            decorate = huey.periodic_task(_every(spec.every_minutes), name=spec.name, **spec.options)
        else:
            decorate = huey.task(name=spec.name, **spec.options)
        registered[spec.name] = decorate(wrapper)
    app.extensions["huey"] = huey
    app.extensions["huey_tasks"] = registered
    app.teardown_request(_run_deferred)
    _listen_for_commits()


def huey_of(app: Flask | None = None):
    return (app or current_app).extensions["huey"]


def _make_huey(config) -> SqliteHuey | RedisHuey:
    name = config["HUEY_NAME"]
    immediate = bool(config["HUEY_IMMEDIATE"])
    if config.get("HUEY_REDIS_URL"):
        from redis import ConnectionPool

        timeout = float(config["HUEY_REDIS_TIMEOUT_SECONDS"])
        # Bounded waits: a Redis that is gone costs an enqueue seconds, never a hung request.
        # The consumer's blocking read (read_timeout, 1 s) stays shorter than the socket's.
        pool = ConnectionPool.from_url(
            config["HUEY_REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout + 5
        )
        return RedisHuey(name, connection_pool=pool, results=False, immediate=immediate)
    path = Path(config["HUEY_SQLITE_PATH"])
    # A fresh checkout has no instance/ yet: the queue's file makes its own folder.
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False, immediate=immediate)


def _every(minutes: int):
    return crontab(minute="*" if minutes == 1 else f"*/{minutes}")


def _in_app_context(app: Flask, function):
    """A job runs in its own app context (its own session) and commits once, like a request."""
    from ..database import rollback_quietly, write_intent

    @functools.wraps(function)
    def run(*args, **kwargs):
        with app.app_context(), write_intent():
            try:
                result = function(*args, **kwargs)
                db.session.commit()
            except BaseException:
                rollback_quietly()
                raise
            return result

    return run


# --- queueing after the commit ------------------------------------------------------------------


def after_commit(name: str, *args, delay: float | None = None) -> None:
    """Queue job `name` with `args` once the current transaction commits (nothing if it rolls back);
    with `delay` (seconds), to run no earlier than that after the commit."""
    db.session.info.setdefault(_PENDING, []).append((name, args, delay))


def enqueue(name: str, *args, delay: float | None = None) -> bool:
    """Queue a job now (or to run `delay` seconds from now). A queue that cannot be reached is
    logged, not raised: the work is in the database and a periodic sweep picks it up. Returns
    whether it was queued."""
    task = current_app.extensions["huey_tasks"][name]
    try:
        if delay:
            task.schedule(args=args, delay=delay)
        else:
            task(*args)
    except Exception as error:  # noqa: BLE001 - any storage failure: the sweep does the work later
        log.warning("job %s not queued now (%s); a periodic sweep will do it", name, type(error).__name__)
        return False
    return True


_listening = False


def _listen_for_commits() -> None:
    global _listening
    if _listening:
        return
    _listening = True

    @event.listens_for(db.session, "after_commit")
    def _queue_pending(session):
        pending = session.info.pop(_PENDING, None)
        if pending and huey_of().immediate and has_request_context():
            # Run in this process (tests): after the request, once its connection is back in the
            # pool, so a request never holds two connections (one of them waiting on the other).
            g.setdefault("_jobs_after_request", []).extend(pending)
            return
        for name, args, delay in pending or ():
            enqueue(name, *args, delay=delay)

    @event.listens_for(db.session, "after_soft_rollback")
    def _forget_pending(session, previous_transaction):
        if previous_transaction.parent is None and not previous_transaction.nested:
            session.info.pop(_PENDING, None)


def _run_deferred(_error=None) -> None:
    for name, args, delay in g.pop("_jobs_after_request", ()):
        enqueue(name, *args, delay=delay)
