"""Request logs never carry an OAuth2 callback's code or state (issue item 6)."""

from __future__ import annotations

import logging

import requests

from app.logs import RedactQueryParameters

CODE = "auth-code-SECRET-1f2e3d"
STATE = "state-SECRET-9a8b7c"


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def _capturing(name: str) -> tuple[logging.Logger, Capture]:
    logger, handler = logging.getLogger(name), Capture()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger, handler


def test_werkzeug_request_lines_redact_code_and_state(live_server):
    logger, handler = _capturing("werkzeug")
    try:
        http = requests.Session()
        http.trust_env = False
        callback = http.get(
            f"{live_server.url}/install/callback",
            params={"code": CODE, "state": STATE, "iss": "kept"},
            allow_redirects=False,
            timeout=10,
        )
        assert callback.status_code == 302  # not signed in: off to the login page, carrying both in `next`
        assert http.get(live_server.url + callback.headers["Location"], timeout=10).status_code == 200
        http.close()
    finally:
        logger.removeHandler(handler)
    requests_logged = [line for line in handler.lines if "GET /" in line]
    assert len(requests_logged) == 2, handler.lines
    text = "\n".join(handler.lines)
    assert CODE not in text and STATE not in text
    assert "/install/callback?code=[redacted]&state=[redacted]&iss=kept" in requests_logged[0]
    assert "code%3D[redacted]%26state%3D[redacted]%26iss%3Dkept" in requests_logged[1]


def test_gunicorn_access_lines_are_redacted_too(app):
    # gunicorn logs each request on "gunicorn.access" with its atoms as one dict argument.
    logger, handler = _capturing("gunicorn.access")
    try:
        assert any(isinstance(f, RedactQueryParameters) for f in logger.filters)
        logger.info(
            '%(h)s "%(r)s" %(s)s',
            {"h": "127.0.0.1", "r": f"GET /install/callback?state={STATE}&code={CODE} HTTP/1.1", "s": "302"},
        )
    finally:
        logger.removeHandler(handler)
    assert handler.lines == [
        '127.0.0.1 "GET /install/callback?state=[redacted]&code=[redacted] HTTP/1.1" 302'
    ]
