"""The app as production runs it (gunicorn, two workers) on a database reached through a
FaultProxy, with its log kept in a file the test reads."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]

# Small bounds so a fault test takes seconds: the app under test gives the database 1 s per
# statement (2 s of silence before it gives up on a connection) and 2 s to connect.
FAULT_SETTINGS = {
    "DATABASE_STATEMENT_TIMEOUT_MS": "1000",
    "DATABASE_CONNECT_TIMEOUT": "2",
    "DATABASE_POOL_TIMEOUT": "1",
    "RETRY_AFTER_SECONDS": "3",
    "HEALTHZ_TIMEOUT": "1",  # the contract is 2 s; a loaded test machine gets the rest as margin
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def workers(self) -> set[int]:
        """The pids of the master's children (its workers), read from /proc."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.add(int(stat.parent.name))
        return children


def session() -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    return http


def csrf_from(page: requests.Response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


def wait_for(check, seconds: float = 60, what: str = "the condition") -> None:
    """Poll until `check()` is true (recovery, startup): not a timed assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {seconds} s")


@contextmanager
def gunicorn(env: dict, workers: int = 2):
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        log_path = Path(tmp) / "gunicorn.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/gunicorn"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "app:create_app()",
                ],
                cwd=ROOT,
                env={**os.environ, **FAULT_SETTINGS, **env},
                stdout=log,
                stderr=log,
            )
        server = Server(f"http://127.0.0.1:{port}", process, log_path)
        try:
            try:
                wait_for(  # a busy machine may take long to import the app twice
                    lambda: session().get(f"{server.url}/healthz", timeout=5).status_code == 200,
                    seconds=120,
                    what="gunicorn starting",
                )
            except AssertionError as error:
                raise AssertionError(f"{error}: {server.log()[-3000:]}") from None
            yield server
        finally:
            process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            process.wait(timeout=20)
