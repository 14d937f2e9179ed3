"""Real HTTP servers on loopback addresses (127.0.0.1 as "the provider", 127.0.0.2 as "an internal
service"), each recording every request it receives; how each answers is a small function."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

MARKER = "INTERNAL-SECRET-MARKER-7f3a9c"


class Endpoint:
    def __init__(self, host: str, answer):
        self.hits: list[tuple[str, str, bytes]] = []
        self.release = threading.Event()  # set at teardown: slow answers stop waiting
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                endpoint.hits.append((self.command, self.path, self.rfile.read(length)))
                try:
                    answer(self, endpoint)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up (a cut answer): expected

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://{host}:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def endpoint():
    """endpoint(answer, host="127.0.0.1") -> a started Endpoint, stopped after the test."""
    started: list[Endpoint] = []

    def make(answer, host: str = "127.0.0.1") -> Endpoint:
        server = Endpoint(host, answer)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


# --- answers --------------------------------------------------------------------------------------


def send_json(status: int, document) -> callable:
    def answer(handler, endpoint):
        body = json.dumps(document).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect_to(status: int, location: str) -> callable:
    def answer(handler, endpoint):
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def slow(handler, endpoint):
    """Says nothing until the test is over."""
    endpoint.release.wait(30)


def drip(handler, endpoint):
    """A header line a byte every 0.1 s: each read is quick, the whole never ends."""
    handler.wfile.write(b"HTTP/1.0 200 OK\r\nX-Pad: ")
    for _ in range(100):  # ten seconds at most
        if endpoint.release.wait(0.1):
            return
        handler.wfile.write(b"a")
        handler.wfile.flush()


def huge(declared: bool) -> callable:
    """Two MiB of body (a marker in every piece), with or without a Content-Length."""
    piece = (MARKER + " ").encode() * 2000

    def answer(handler, endpoint):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declared:
            handler.send_header("Content-Length", str(2 * 1024 * 1024))
        handler.end_headers()
        sent = 0
        while sent < 2 * 1024 * 1024 and not endpoint.release.is_set():
            handler.wfile.write(piece)
            sent += len(piece)
            time.sleep(0)

    return answer
