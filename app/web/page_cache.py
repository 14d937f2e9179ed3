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
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from flask import Response, current_app, make_response, request, session
from flask_login import current_user

from ..services import catalog

EXTENSION_KEY = "anonymous_page_cache"
FRAGMENT_EXTENSION_KEY = "member_fragment_cache"
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
    page_cache().clear()
    page_cache(FRAGMENT_EXTENSION_KEY).clear()


def member_fragment(viewer, key: tuple, render):
    """`render()` -> (html, extras): what a listing page shows beneath the header, which must depend on
    the viewer through their memberships only. A member's is kept per membership set at the catalog's
    generation; an anonymous visitor's is not (their whole page is cached instead)."""
    if viewer.is_anonymous:
        return render()
    key = (key, viewer.member_of)
    cache = page_cache(FRAGMENT_EXTENSION_KEY)
    generation = catalog.catalog_generation_unbound()  # read first: a fragment rendered below is fresher
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
            generation = catalog.catalog_generation_unbound()  # read first: a page rendered below is fresher
            page = cache.get(generation, page_key)
            if page is None:
                response = make_response(view(**view_args))
                if response.status_code != 200 or session.modified or "Set-Cookie" in response.headers:
                    return _personal(response)
                body = response.get_data()
                page = CachedPage(body, hashlib.blake2b(body, digest_size=16).hexdigest(), response.mimetype)
                cache.put(generation, page_key, page, len(body))
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
