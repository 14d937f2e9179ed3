"""Real server processes for the tests that need two or more: gunicorn as production runs it (its own OS
process each, reading the project's gunicorn.conf.py), on a database they share with the test, which
commits changes to it as a third process would."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from app.extensions import db

ROOT = Path(__file__).resolve().parents[1]


class Person:
    """Someone with a browser: one cookie jar, whatever server they talk to."""

    def __init__(self):
        self.http = requests.Session()
        self.http.trust_env = False

    def csrf(self, page_url: str) -> str:
        page = self.http.get(page_url, timeout=10)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def post(self, url: str, data: dict | None = None, token_from: str | None = None):
        data = {**(data or {}), "csrf_token": self.csrf(token_from or url)}
        return self.http.post(url, data=data, allow_redirects=False, timeout=20)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process) -> None:
    for _ in range(300):  # startup, not a timed assertion
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn at {url} did not start: {process.stderr.read1(4000)!r}")


@contextmanager
def gunicorn_processes(ports: list[int], env: dict):
    """`gunicorn "app:create_app()"`, as production runs it, once per port, each its own OS process."""
    processes = [
        subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "app:create_app()",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=False):
            wait_until_up(url, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def server_env(seeder, **extra: str) -> dict:
    """What a server process needs to share `seeder`'s database, secret key and credential keys."""
    url = seeder.config["SQLALCHEMY_DATABASE_URI"]
    return {
        "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
        "SECRET_KEY": seeder.config["SECRET_KEY"],
        "CREDENTIALS_KEYS": ",".join(seeder.config["CREDENTIALS_KEYS"]),
        **extra,
    }


@contextmanager
def two_servers(seeder, **extra: str):
    """Two server processes on `seeder`'s database; yields their base URLs."""
    with gunicorn_processes([free_port(), free_port()], server_env(seeder, **extra)) as urls:
        yield urls


def committer(seeder):
    """`act(change)`: run `change()` in a request context of `seeder` and commit it, as another
    process's request would; answers what `change` returned."""

    def act(change):
        with seeder.test_request_context():
            result = change()
            db.session.commit()
            return result

    return act
