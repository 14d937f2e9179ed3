"""Whole anonymous pages, kept per process and answered again while the catalog has not moved.

Decides: which requests may be answered from the cache -- a GET or HEAD with no signed-in user, no
Authorization header and no flashed message waiting -- under which key (the view's normalised
arguments, never the raw query string), and for how long: only while the catalog generation read
from the database at the start of the request is the one the page was rendered at. Every write to
an integration or to its versions moves that generation (database triggers, migrations 0002 and
0007), whichever process makes it, so the next request in every process renders afresh.

A page enters the cache only when it rendered with status 200 and left the session untouched (no
cookie to set), so nothing personal can be stored. Anonymous pages carry an ETag (a matching
If-None-Match answers 304), `Cache-Control: public, no-cache` (keep it, but ask again every time)
and `Vary: Cookie`; a signed-in person's pages are `private, no-store` and never enter the cache.

A signed-in member's page is never kept whole (its header is theirs), but what a listing page
shows beneath the header depends on nothing about them but the workspaces they belong to: that
part is kept per membership set, at the same generation (`member_fragment`), in its own cache.

Pages show install counts, so "the generation" here is the pair `page_generation_unbound` reads:
the listing generation and the counts (an install moves only the latter, which leaves the catalog's
rankings and facet counts cached: the page is re-rendered from them).

In front of Flask (`PageCacheFront`, WSGI): a GET with no cookie, no Authorization and no
conditional or range header is answered with the very bytes and headers Flask last sent for the
same host, path and query string, if Flask marked that answer public and the generation has not
moved since -- without a request context. Anything else goes through Flask as before.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass
from functools import wraps

from flask import Response, current_app, has_app_context, make_response, request, session
from flask_login import current_user

from ..services import catalog

EXTENSION_KEY = "anonymous_page_cache"
FRAGMENT_EXTENSION_KEY = "member_fragment_cache"
FRONT_EXTENSION_KEY = "page_cache_front"
# What the front and the view wrapper tell each other through the WSGI environ.
ENVIRON_GENERATION = "marketplace.page_generation"  # read by the front before Flask ran
ENVIRON_PUBLIC = "marketplace.public_page"  # set by the wrapper: this answer is the anonymous page
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    etag: str
    mimetype: str


class PageCache:
    """An LRU of pages (or fragments) rendered at one catalog generation, bounded in bytes; emptied
    when the generation moves. Values are CachedPage, or (html, extras) for fragments."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.generation: int | None = None
        self.pages: OrderedDict[tuple, object] = OrderedDict()
        self.sizes: dict[tuple, int] = {}
        self.size = 0
        self.lock = threading.Lock()

    def get(self, generation: int, key: tuple):
        with self.lock:
            if generation != self.generation:
                self._empty(generation)
                return None
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, generation: int, key: tuple, page, size: int) -> None:
        with self.lock:
            if generation != self.generation or size > self.max_bytes // 4:
                return
            self.pages.pop(key, None)
            self.size += size - self.sizes.pop(key, 0)
            self.pages[key] = page
            self.sizes[key] = size
            while self.size > self.max_bytes:
                oldest, _ = self.pages.popitem(last=False)
                self.size -= self.sizes.pop(oldest)

    def clear(self) -> None:
        with self.lock:
            self._empty(None)

    def _empty(self, generation: int | None) -> None:
        self.generation = generation
        self.pages.clear()
        self.sizes.clear()
        self.size = 0


def page_cache(name: str = EXTENSION_KEY) -> PageCache:
    """This app's cache of anonymous pages (or, by name, of members' fragments), made on first use."""
    cache = current_app.extensions.get(name)
    if cache is None:
        max_bytes = current_app.config.get("PAGE_CACHE_BYTES", DEFAULT_MAX_BYTES)
        cache = current_app.extensions.setdefault(name, PageCache(max_bytes))
    return cache


def clear() -> None:
    """Forget this process's cached pages and fragments (the benchmark measures the first request after a write)."""
    for name in (EXTENSION_KEY, FRAGMENT_EXTENSION_KEY, FRONT_EXTENSION_KEY):
        page_cache(name).clear()


def _generation():
    """The page generation for this request: the one the front read before Flask ran, or a fresh read."""
    seen = request.environ.get(ENVIRON_GENERATION)
    return seen if seen is not None else catalog.page_generation_unbound()


def member_fragment(viewer, key: tuple, render):
    """`render()` -> (html, extras): what a listing page shows beneath the header, which must depend on
    the viewer through their memberships only. A member's is kept per membership set at the catalog's
    generation; an anonymous visitor's is not (their whole page is cached instead)."""
    if viewer.is_anonymous:
        return render()
    key = (key, viewer.member_of)
    cache = page_cache(FRAGMENT_EXTENSION_KEY)
    generation = _generation()  # read first: a fragment rendered below is fresher
    parts = cache.get(generation, key)
    if parts is None:
        parts = render()
        cache.put(generation, key, parts, len(parts[0]))
    return parts


def is_anonymous_request() -> bool:
    """No Authorization header, no signed-in user (session or remember cookie), no flash waiting."""
    if "Authorization" in request.headers:
        return False
    if "_flashes" in session:
        return False
    return not current_user.is_authenticated


def anonymous_page(key):
    """Serve the decorated view's anonymous answers from the page cache. `key(**view_args)` gives what,
    besides the endpoint, decides the page (the normalised query); it may raise like the view would."""

    def decorate(view):
        @wraps(view)
        def wrapper(**view_args):
            if not is_anonymous_request():
                return _personal(make_response(view(**view_args)))
            page_key = (request.endpoint, key(**view_args))
            cache = page_cache()
            generation = _generation()  # read first: a page rendered below is fresher
            page = cache.get(generation, page_key)
            if page is None:
                response = make_response(view(**view_args))
                if response.status_code != 200 or session.modified or "Set-Cookie" in response.headers:
                    return _personal(response)
                body = response.get_data()
                page = CachedPage(body, hashlib.blake2b(body, digest_size=16).hexdigest(), response.mimetype)
                cache.put(generation, page_key, page, len(body))
            request.environ[ENVIRON_PUBLIC] = generation
            return _public(page)

        return wrapper

    return decorate


def _public(page: CachedPage) -> Response:
    response = Response(page.body, mimetype=page.mimetype)
    headers = response.headers
    headers["ETag"] = f'"{page.etag}"'
    headers["Cache-Control"] = "public, no-cache"
    headers["Vary"] = "Cookie"
    if "If-None-Match" in request.headers:
        response.make_conditional(request)  # a matching ETag: 304, no body
    return response


def _personal(response: Response) -> Response:
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.vary.add("Cookie")
    return response


class PageCacheFront:
    """WSGI middleware around the Flask app: a cookie-less plain GET answered from the bytes Flask last
    sent for it, while the page generation has not moved. Only answers the view wrapper marked public
    (`ENVIRON_PUBLIC`: status 200, no session, nothing personal) are kept, with every header Flask set."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if not _front_may_answer(environ):
            return self.wsgi_app(environ, start_response)
        try:
            with self._context():
                cache = page_cache(FRONT_EXTENSION_KEY)
                generation = catalog.page_generation_unbound()
        except Exception:  # noqa: BLE001 -- e.g. the database is unavailable: Flask answers it (503)
            return self.wsgi_app(environ, start_response)
        key = (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST"),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )
        kept = cache.get(generation, key)
        if kept is not None:
            status, headers, body = kept
            start_response(status, list(headers))
            return [body]
        environ[ENVIRON_GENERATION] = generation
        sent = {}

        def remember(status, headers, exc_info=None):
            sent["status"], sent["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, remember)
        if environ.get(ENVIRON_PUBLIC) != generation or not sent.get("status", "").startswith("200 "):
            return answer
        if any(name.lower() == "set-cookie" for name, _ in sent["headers"]):
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        cache.put(generation, key, (sent["status"], tuple(sent["headers"]), body), len(body))
        return [body]

    def _context(self):
        """The app context the generation is read in: the current one if it is this app's (the test
        suite keeps one open), else a fresh one, popped before Flask runs."""
        if has_app_context() and current_app._get_current_object() is self.app:
            return nullcontext()
        return self.app.app_context()


def _front_may_answer(environ) -> bool:
    if environ.get("REQUEST_METHOD") != "GET":
        return False
    return not any(
        name in environ for name in ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_RANGE")
    )
