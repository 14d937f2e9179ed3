"""Real Huey consumers for the job-queue tests: `huey_consumer app.jobs.worker.huey` in its own
process, on the same database and queue storage as the test's app. On SQLite the queue is a SQLite
file of its own; on PostgreSQL it is Redis at 127.0.0.1:6379 under a name (key prefix) made for
this test, so parallel runs never share a queue."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..databases import BACKEND, migrated_app

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_answers(url: str = REDIS_URL) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@contextmanager
def queue_app(**extra):
    """An app on its own fresh database whose jobs go to a real queue (not run in-process):
    SqliteHuey on the SQLite leg, RedisHuey on the PostgreSQL leg (skipped, saying so, when no
    Redis answers)."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix="queue-test-") as tmp:
        settings = {"HUEY_IMMEDIATE": False, "HUEY_NAME": name}
        if BACKEND == "postgresql":
            if not redis_answers():
                pytest.skip(f"Redis + PostgreSQL leg: no Redis answers at {REDIS_URL}")
            settings["HUEY_REDIS_URL"] = REDIS_URL
        else:
            settings["HUEY_SQLITE_PATH"] = str(Path(tmp) / "huey.sqlite3")
        with migrated_app(**{**settings, **extra}) as app:
            try:
                yield app
            finally:
                try:
                    app.extensions["huey"].storage.flush_all()
                except Exception:  # noqa: BLE001 - a queue the test made unreachable on purpose
                    pass


def consumer_env(app) -> dict:
    config = app.config
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": config["SECRET_KEY"],
        "CREDENTIALS_KEYS": ",".join(config["CREDENTIALS_KEYS"]),
        "HUEY_NAME": config["HUEY_NAME"],
        "HUEY_IMMEDIATE": "0",
        "OUTBOUND_ALLOW_LOOPBACK": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for key in (
        "HUEY_REDIS_URL",
        "HUEY_SQLITE_PATH",
        "MAIL_SERVER",
        "MAIL_PORT",
        "PUBLIC_BASE_URL",
        "WEBHOOK_RETRY_SCHEDULE",
    ):
        if config.get(key):
            env[key] = str(config[key])
        else:
            env.pop(key, None)
    return env


class Consumer:
    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def consumer(app, *, workers: int = 2, periodic: bool = True):
    """A real consumer process (threads), stopped with SIGINT (huey's graceful stop) afterwards."""
    with tempfile.TemporaryDirectory(prefix="consumer-") as tmp:
        log_path = Path(tmp) / "consumer.log"
        command = [
            str(ROOT / ".venv/bin/huey_consumer"),
            "app.jobs.worker.huey",
            "--workers",
            str(workers),
            "--worker-type",
            "thread",
            "--delay",
            "0.1",
            "--max-delay",
            "0.5",
        ]
        if not periodic:
            command.append("--no-periodic")
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=consumer_env(app), stdout=log, stderr=subprocess.STDOUT
            )
        running = Consumer(process, log_path)
        try:
            yield running
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until(check, seconds: float = 90, what: str = "the condition", consumers=()) -> None:
    """Poll until `check()` is true (a consumer's work arrives): not a timed assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    logs = "\n".join(c.log()[-3000:] for c in consumers)
    raise AssertionError(f"{what} did not happen within {seconds} s\n{logs}")
