"""Whole anonymous pages, kept per process and answered again while the catalog has not moved.

Decides: which requests may be answered from the cache -- a GET or HEAD with no signed-in user, no
Authorization header and no flashed message waiting -- under which key (the view's normalised
arguments, never the raw query string), and for how long: only while the catalog generation read
from the database at the start of the request is the one the page was rendered at. Every write to
an integration or to its versions moves that generation (database triggers, migrations 0002 and
0006), whichever process makes it, so the next request in every process renders afresh.

A page enters the cache only when it rendered with status 200 and left the session untouched (no
cookie to set), so nothing personal can be stored. Anonymous pages carry an ETag (a matching
If-None-Match answers 304), `Cache-Control: public, no-cache` (keep it, but ask again every time)
and `Vary: Cookie`; a signed-in person's pages are `private, no-store` and never enter the cache.
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
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    etag: str
    mimetype: str


class PageCache:
    """An LRU of pages rendered at one catalog generation, bounded in bytes; emptied when it moves."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.generation: int | None = None
        self.pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, generation: int, key: tuple) -> CachedPage | None:
        with self.lock:
            if generation != self.generation:
                self._empty(generation)
                return None
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, generation: int, key: tuple, page: CachedPage) -> None:
        with self.lock:
            if generation != self.generation or len(page.body) > self.max_bytes // 4:
                return
            old = self.pages.pop(key, None)
            self.size += len(page.body) - (len(old.body) if old else 0)
            self.pages[key] = page
            while self.size > self.max_bytes:
                self.size -= len(self.pages.popitem(last=False)[1].body)

    def clear(self) -> None:
        with self.lock:
            self._empty(None)

    def _empty(self, generation: int | None) -> None:
        self.generation = generation
        self.pages.clear()
        self.size = 0


def page_cache() -> PageCache:
    cache = current_app.extensions.get(EXTENSION_KEY)
    if cache is None:
        max_bytes = current_app.config.get("PAGE_CACHE_BYTES", DEFAULT_MAX_BYTES)
        cache = current_app.extensions.setdefault(EXTENSION_KEY, PageCache(max_bytes))
    return cache


def clear() -> None:
    """Forget this process's cached pages (the benchmark measures the first request after a write)."""
    page_cache().clear()


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
                cache.put(generation, page_key, page)
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
