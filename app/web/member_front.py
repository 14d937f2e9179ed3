"""A signed-in member's kept page, answered before Flask runs: the member page cache's front.

Decides: when a GET carrying a session cookie may be answered with the bytes Flask last sent the
same person for the same URL -- without a request context, the session's after-request save, the
limiter, the CSRF extension or the ORM. `page_cache._member_page` keeps a member's page (a catalog,
home or listing page) keyed by who they are and what they may see; when Flask's whole answer was
exactly that page (status 200, no cookie set), this front keeps its status, headers and body (cut
at the CSRF token's placeholders, so an answer joins the parts with its own token) under the URL
and the same key, at the same page generation.

A later request is answered from it only after every check Flask itself would make, in this order,
any failing sending it through Flask as before:
* the session cookie verifies (Flask's own session interface: signature and age), holds a signed-in
  user (`_user_id`), its CSRF secret, no flashed message, no remember-me instruction, and is not a
  permanent session (Flask would refresh that cookie);
* Flask-Login's session protection: the session's identifier is the one this client's address and
  User-Agent give (`login_identifier`, Flask-Login's formula), whatever the mode;
* one statement on the thread's own autocommit connection reads the user's row, memberships and the
  page generation (`viewer.read_member`, exactly the read a signed-in read-only request makes):
  the account is active and the session's generation is the account's (so a cookie from before a
  logout, "sign out everywhere" or a password change is refused), and the kept page is for this
  very (member_shell_key, Viewer) at this very page generation.
The session cookie's check is the app's (`sessions`: a cookie that verified once is remembered).
The answer gets a fresh CSRF token for the session's secret (Flask-WTF's signing, `csrf_token_for`),
so forms on it post as from a page Flask rendered. A URL nothing is kept for costs no cookie decoding
nor database read.
"""

from __future__ import annotations

import hashlib
import threading

from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from ..extensions import login_manager
from ..models.account import parse_session_id
from ..services import viewer as viewers
from . import page_cache
from .page_cache import CSRF_PLACEHOLDER, ENVIRON_MEMBER, MEMBER_FRONT_EXTENSION_KEY

MAX_URLS = 10_000  # URLs remembered as having a kept member page (a hint), before starting afresh


def login_identifier(headers, remote_addr: str | None) -> str:
    """Flask-Login's session identifier (`flask_login.utils._create_identifier`) for a request with
    these headers from this address: what "strong" session protection compares with `_id`."""
    address = headers.get("X-Forwarded-For", remote_addr)
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    user_agent = headers.get("User-Agent")
    if user_agent is not None:
        user_agent = user_agent.encode("utf-8")
    return hashlib.sha512(f"{address}|{user_agent}".encode()).hexdigest()


def csrf_serializer(app: Flask) -> tuple[URLSafeTimedSerializer, str]:
    """(the serializer Flask-WTF signs CSRF tokens with, the session key of the token's secret)."""
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token"), field


class MemberPageFront(page_cache.WsgiFront):
    """WSGI middleware in front of PageCacheFront (module docstring)."""

    cache_name = MEMBER_FRONT_EXTENSION_KEY

    def __init__(self, app: Flask, wsgi_app):
        super().__init__(app, wsgi_app)
        self.urls: set[tuple] = set()
        self.lock = threading.Lock()
        self._csrf = None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" not in environ:
            return self.wsgi_app(environ, start_response)
        if "HTTP_AUTHORIZATION" in environ or "HTTP_RANGE" in environ:
            return self.wsgi_app(environ, start_response)
        url = page_cache.url_key(environ)
        if url in self.urls:
            try:
                answer = self._answer(environ, url)
            except Exception:  # noqa: BLE001 -- e.g. the database is unavailable: Flask answers it
                answer = None
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self._through_flask(environ, start_response, url)

    def _through_flask(self, environ, start_response, url):
        answer, kept = page_cache.run_keeping(self.wsgi_app, environ, start_response, ENVIRON_MEMBER)
        if kept is None:
            return answer
        (status, headers, body), (generation, who, page, token) = kept
        parts = page.body.split(CSRF_PLACEHOLDER)  # (a split once: each answer then joins, not replaces)
        if body == token.join(parts):  # Flask's answer is the kept page, whole
            headers = tuple((name, value) for name, value in headers if name.lower() != "content-length")
            with self.lock:
                if len(self.urls) >= MAX_URLS:
                    self.urls.clear()
                self.urls.add(url)
            self._bound()[0].put(generation, (url, *who), (status, headers, parts), len(page.body))
        return answer

    def _answer(self, environ, url):
        """(status, headers, body) of this member's kept page for `url`, or None (then Flask answers)."""
        request = self.app.request_class(environ)
        session = self.app.session_interface.open_session(self.app, request)
        serializer, field = self._csrf_signing()
        if session is None or session.permanent or field not in session:
            return None
        if "_flashes" in session or "_remember" in session:
            return None
        mode = self.app.config.get("SESSION_PROTECTION", login_manager.session_protection)
        if mode and session.get("_id") != login_identifier(request.headers, request.remote_addr):
            return None
        parsed = parse_session_id(session.get("_user_id"))
        if parsed is None:
            return None
        cache, user = self._member(environ, parsed[0])
        if user is None or not user.is_active or user.session_generation != parsed[1]:
            return None
        key = (url, page_cache.member_shell_key(user), viewers.viewer_for(user))
        kept = cache.get(user.page_generation, key)
        if kept is None:
            return None
        status, headers, parts = kept
        body = serializer.dumps(session[field]).encode().join(parts)
        return status, [*headers, ("Content-Length", str(len(body)))], body

    def _member(self, environ, user_id: str):
        """(the front's cache, the user read with their memberships and the page generation, or None).
        What is read is left in `environ` for Flask, should it answer this request after all."""
        cache, bind = self._bound()
        rows = viewers.member_rows(user_id, bind)
        environ[viewers.ENVIRON_MEMBER_ROWS] = (user_id, rows)
        return cache, viewers.detached_member(rows, bind.dialect)

    def _csrf_signing(self):
        if self._csrf is None:
            self._csrf = csrf_serializer(self.app)
        return self._csrf
