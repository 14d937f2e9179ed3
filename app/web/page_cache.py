"""Whole anonymous pages, kept per process and answered again while the catalog has not moved.

Decides: which requests may be answered from the cache -- a GET or HEAD with no signed-in user, no
Authorization header and no flashed message waiting -- under which key (the view's normalised
arguments, never the raw query string), and for how long: only while the catalog generation read
from the database at the start of the request is the one the page was rendered at. Every write to
an integration or to its versions moves that generation (database triggers, migrations 0002, 0007
and 0011; `catalog.bump_listing_generation()` for any other write a public page reads), whichever
process makes it, so the next request in every process renders afresh.

A page enters the cache only when it rendered with status 200 and left the session untouched (no
cookie to set), so nothing personal can be stored. Anonymous pages carry an ETag (a matching
If-None-Match answers 304), `Cache-Control: public, no-cache` (keep it, but ask again every time)
and `Vary: Cookie`; a signed-in person's pages are `private, no-store` and never enter it.

A signed-in member's page is kept whole for them alone (`_member_page`: keyed by their user fields
the header shows, their Viewer and the page, at the exact page generation; the CSRF token put in
afresh each time), and what a listing page shows beneath the header, which depends on nothing about
them but the workspaces they belong to, is kept per membership set (`member_fragment`), so a member
seeing a page first renders only its shell.

Pages show install counts, so "the generation" here is the pair `page_generation_unbound` reads:
the listing generation and the counts (migration 0011). A move of the listing generation empties
the caches; an install moves only the counts, which leaves the catalog's rankings and facet counts
cached, and a kept page whose view gave a `recount` is then answered again, unrendered, if what it
shows of the counts (its fingerprint: ids, counts, order, next page) reads the same in one snapshot
at the same listing generation (`valid_kept`); else it is rendered from the kept rankings. A move of the
listing generation the catalog's change log describes (migration 0021: which listings changed) keeps
a page whose view gave a `revalidate` -- a search's pages: answered again, unrendered, when no changed
listing matches the search before or after (its rankings were kept; a ranking the changes touch is
patched into a new one, and the page cut from it again: when only some of its cards changed, they are
put in place, a `Respliced`; else it is rendered); the other pages are dropped.

In front of Flask (`PageCacheFront`, WSGI): a GET with no cookie, no Authorization and no
conditional or range header, for a URL it keeps a page of, is answered with the very bytes and
headers Flask last sent for the same host, path and query string, if Flask marked that answer
public and the generation has not moved since -- without a request context, an app context or a
session: the generation is one statement on the thread's own autocommit connection
(`catalog.page_generation_of`). Anything else goes through Flask as before (and a URL it keeps
nothing of costs it no database read).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial, wraps

from flask import Response, current_app, has_app_context, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Connection

from ..extensions import db
from ..services import catalog
from ..services.viewer import viewer_for

EXTENSION_KEY = "anonymous_page_cache"
FRAGMENT_EXTENSION_KEY = "member_fragment_cache"
FRONT_EXTENSION_KEY = "page_cache_front"
MEMBER_EXTENSION_KEY = "member_page_cache"
MEMBER_FRONT_EXTENSION_KEY = "member_page_front"
CSRF_PLACEHOLDER = b"\x00csrf\x00"  # where a kept member's page had its CSRF token
# What the front and the view wrapper tell each other through the WSGI environ.
ENVIRON_GENERATION = "marketplace.page_generation"  # read by the front before Flask ran
ENVIRON_PUBLIC = "marketplace.public_page"  # set by the wrapper: this answer is the anonymous page
ENVIRON_FAILED = "marketplace.page_generation_failed"  # the front's read failed (database unavailable)
# Set by _member_page: (generation, (shell key, viewer), the kept page, the CSRF token put in it).
ENVIRON_MEMBER = "marketplace.member_page"
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
UNCOUNTED = -1  # Kept.counts of a page valid at no counts sum (sums only grow from 0) until recounted
NEEDS_READ = object()  # PageCache.kept_at_once: telling what is kept needs the database (an app context)


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    etag: str
    mimetype: str


@dataclass
class Kept:
    """A value and the counts sum it is valid at (its listing generation is its cache's). A page with a
    fingerprint -- what it shows of the install counts -- and a way to read that again (`recount`, run
    in an app context) may be answered again after an install, when the fingerprint still reads the same."""

    counts: int
    value: object
    size: int
    fingerprint: tuple | None = None
    recount: Callable[[], tuple | None] | None = None
    # (listings changed since it was kept, the listing generation now) -> whether it is still right.
    revalidate: Callable[[frozenset, int], bool] | None = None


@dataclass(frozen=True)
class Respliced:
    """A page's `revalidate` answer when a listing write changed some of its cards and nothing else on
    it (app/web/catalog/splice.py): each (old card's bytes, new card's bytes), each old one found
    exactly once in the kept page, and the check that follows the page from now on."""

    swaps: tuple[tuple[bytes, bytes], ...]
    revalidate: Callable[[frozenset, int], object]
    fingerprint: tuple | None = None  # what the respliced page shows of the install counts


def page_etag(body: bytes) -> str:
    """A kept page's ETag: a hash of its bytes, so a page spliced or rendered gets the same one. SHA-256:
    CPUs with SHA extensions (most x86 and ARM servers) hash a 40 KB page in half BLAKE2b's time."""
    return hashlib.sha256(body).hexdigest()[:32]


def _respliced(value, swaps: tuple[tuple[bytes, bytes], ...]):
    """`value` (a CachedPage, or the front's (status, headers, body)) with each swap made in its body,
    its ETag and length following; None when an old card is not there exactly once."""
    body = value.body if isinstance(value, CachedPage) else value[2]
    if not swaps:
        return value, len(body)
    for old, new in swaps:
        at = body.find(old)
        if at < 0 or body.find(old, at + 1) >= 0:
            return None
        body = body[:at] + new + body[at + len(old) :]
    etag = page_etag(body)
    if isinstance(value, CachedPage):
        return CachedPage(body, etag, value.mimetype), len(body)
    status, headers, _ = value
    renewed = {"etag": f'"{etag}"', "content-length": str(len(body))}
    return (status, tuple((name, renewed.get(name.lower(), v)) for name, v in headers), body), len(body)


class PageCache:
    """An LRU of pages (or fragments) rendered at one listing generation, bounded in bytes. When another
    listing generation is seen, the pages stay if the catalog's change log describes the move, each
    marked with the listings changed since, and one is answered again only once its `revalidate` says
    none of them touches it; else (or with no `revalidate`) the cache empties. Generations are
    (listing generation, counts) pairs. Values are CachedPage, (status, headers, body) for the front
    ((status, headers, the body's parts around its CSRF placeholders) for the member front), or (html,
    extras) for fragments."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.listing: int | None = None
        self.pages: OrderedDict[tuple, Kept] = OrderedDict()
        self.pending: dict[tuple, frozenset] = {}  # key -> listings changed since it was kept
        self.size = 0
        self.lock = threading.Lock()

    def get(self, generation: tuple[int, int], key: tuple):
        """The value kept under `key` at exactly `generation`, or None."""
        kept = self.kept(generation, key)
        return kept.value if kept is not None and kept.counts == generation[1] else None

    def kept(self, generation: tuple[int, int], key: tuple) -> Kept | None:
        """What is kept under `key` at `generation`'s listing generation, at whatever counts. A page kept
        before a listing write is revalidated first (needs an app context then; a page whose cards
        changed is respliced, which renders them)."""
        listing = generation[0]
        if listing != self.listing:  # (a peek: `_move` looks again under the lock)
            hint = self.pages.get(key)  # the change log's read brings what revalidating it will read
            with catalog.riding(getattr(hint.revalidate, "rider", None) if hint is not None else None):
                self._move(listing)
        with self.lock:
            if listing != self.listing:
                return None
            kept = self.pages.get(key)
            if kept is None:
                return None
            self.pages.move_to_end(key)
            changed = self.pending.get(key)
        if not changed:
            return kept
        still = kept.revalidate is not None and kept.revalidate(changed, listing)
        now = kept if still is True else None
        if isinstance(still, Respliced):
            found = _respliced(kept.value, still.swaps)
            recount = kept.recount if still.fingerprint is not None else None
            if found is not None and kept.counts == generation[1]:
                # Its cards' rows were read at these counts too: the page is whole at `generation`.
                now = Kept(generation[1], found[0], found[1], still.fingerprint, recount, still.revalidate)
            elif found is not None and recount is not None:
                # Kept before an install too (another process's, or this one's for another page): its
                # other cards show older counts than its new ones may. Valid at no counts until
                # `valid_kept` reads its fingerprint again at the counts now (one read, not a render).
                now = Kept(UNCOUNTED, found[0], found[1], still.fingerprint, recount, still.revalidate)
        with self.lock:
            if listing == self.listing and self.pages.get(key) is kept:
                self.pending.pop(key, None)
                if now is None:
                    del self.pages[key]
                    self.size -= kept.size
                elif now is not kept:
                    self.pages[key] = now
                    self.size += now.size - kept.size
        return now

    def put(
        self,
        generation: tuple[int, int],
        key: tuple,
        value,
        size: int,
        fingerprint=None,
        recount=None,
        revalidate=None,
    ):
        """Keep `value`, computed from what the database held at `generation` or later. At another listing
        generation than the cache's, the cache moves to it first: a value is only ever answered to a
        request that read its very generation (or one the change log shows leaves it untouched), so
        one from before a write is never answered after."""
        if size > self.max_bytes // 4:
            return
        self._move(generation[0])
        if revalidate is not None:
            catalog.note_generation(generation[0])  # so a move from it can be described later
        with self.lock:
            if generation[0] != self.listing:
                return
            old = self.pages.pop(key, None)
            self.pending.pop(key, None)
            self.size += size - (old.size if old else 0)
            self.pages[key] = Kept(generation[1], value, size, fingerprint, recount, revalidate)
            while self.size > self.max_bytes:
                oldest_key, oldest = self.pages.popitem(last=False)
                self.pending.pop(oldest_key, None)
                self.size -= oldest.size

    def _move(self, listing: int) -> None:
        """Follow the listing generation to `listing`: keep the pages, marked with what changed, if the
        change log says which listings changed; else forget them all."""
        with self.lock:
            seen = self.listing
        if listing == seen:
            return
        changed = None
        if seen is not None and any(kept.revalidate is not None for kept in list(self.pages.values())):
            changed = catalog.listings_changed(seen, listing)
        with self.lock:
            if self.listing != seen:
                return  # another thread moved it meanwhile
            if changed is None:
                self._empty(listing)
                return
            self.listing = listing
            for key in [key for key, kept in self.pages.items() if kept.revalidate is None]:
                self.size -= self.pages.pop(key).size
            if changed:
                for key in self.pages:
                    self.pending[key] = self.pending.get(key, frozenset()) | changed

    def kept_at_once(self, generation: tuple[int, int], key: tuple):
        """What is kept under `key` when telling needs no database read -- the cache is at `generation`'s
        listing generation and nothing changed since `key` was kept -- else NEEDS_READ (then `kept`, in
        an app context). Checked under one lock: no other thread moves the cache in between."""
        with self.lock:
            if generation[0] != self.listing or key in self.pending:
                return NEEDS_READ
            kept = self.pages.get(key)
            if kept is not None:
                self.pages.move_to_end(key)
            return kept

    def holds(self, key: tuple) -> bool:
        """Whether anything is kept under `key`, at whatever generation (a hint: check it with `kept`)."""
        return key in self.pages

    def restamp(self, listing: int, kept: Kept, counts: int) -> None:
        """`kept` is still right at `counts` (its fingerprint read the same there)."""
        with self.lock:
            if listing == self.listing:
                kept.counts = counts

    def clear(self) -> None:
        with self.lock:
            self._empty(None)

    def _empty(self, listing: int | None) -> None:
        self.listing = listing
        self.pages.clear()
        self.pending.clear()
        self.size = 0


def valid_kept(cache: PageCache, generation: tuple[int, int], key: tuple) -> Kept | None:
    """What is kept under `key` if valid at `generation`: kept at it, or kept before an install and shown
    to be unchanged by it (its fingerprint, read again in one snapshot with both sums, is the same at
    the same listing generation). Needs an app context for the second case."""
    kept = cache.kept(generation, key)
    if kept is None:
        return None
    if kept.counts == generation[1]:
        return kept
    if kept.recount is None:
        return None
    now = kept.recount()
    if now is None or now[0] != generation[0] or now[2] != kept.fingerprint:
        return None
    cache.restamp(now[0], kept, now[1])
    return kept


def _fingerprint(recount, generation: tuple[int, int]) -> tuple | None:
    """The fingerprint of a page just rendered at `generation` (None if anything was written since)."""
    if recount is None:
        return None
    now = recount()
    return now[2] if now is not None and tuple(now[:2]) == tuple(generation) else None


def page_cache(name: str = EXTENSION_KEY) -> PageCache:
    """This app's cache of anonymous pages (or, by name, of members' fragments), made on first use."""
    cache = current_app.extensions.get(name)
    if cache is None:
        max_bytes = current_app.config.get("PAGE_CACHE_BYTES", DEFAULT_MAX_BYTES)
        cache = current_app.extensions.setdefault(name, PageCache(max_bytes))
    return cache


def clear() -> None:
    """Forget this process's cached pages and fragments (the benchmark measures the first request after a write)."""
    for name in (
        EXTENSION_KEY,
        FRAGMENT_EXTENSION_KEY,
        FRONT_EXTENSION_KEY,
        MEMBER_EXTENSION_KEY,
        MEMBER_FRONT_EXTENSION_KEY,
    ):
        page_cache(name).clear()


def _generation():
    """The page generation for this request: the one the front read before Flask ran, or the one read
    with the signed-in user at the start of this request (services.viewer, a read-only request), or a
    fresh read. Each was read before anything the page shows."""
    failed = request.environ.pop(ENVIRON_FAILED, None)
    if failed is not None:
        raise failed
    seen = request.environ.get(ENVIRON_GENERATION)
    if seen is None:
        seen = getattr(current_user._get_current_object(), "page_generation", None)
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


def anonymous_page(key, recount=None, revalidate=None):
    """Serve the decorated view's anonymous answers from the page cache. `key(**view_args)` gives what,
    besides the endpoint, decides the page (the normalised query); it may raise like the view would.
    `recount(page_key)`, if given, reads what the page shows of the install counts (a service function
    of catalog.counts): then a page kept before an install is answered again if that reads the same.
    `revalidate(page_key, listing)`, if given, is asked right after the page rendered at the listing
    generation `listing`: a check (changed ids, listing generation now) -> bool that the listings
    changed since leave the page as it is, or None; then a page kept before a listing write that
    touches none of what it shows is answered again."""

    def decorate(view):
        @wraps(view)
        def wrapper(**view_args):
            if not is_anonymous_request():
                return _personal(_member_page(view, view_args, key))
            page_key = key(**view_args)
            cache_key = (request.endpoint, page_key)
            reread = partial(recount, page_key) if recount is not None else None
            cache = page_cache()
            generation = _generation()  # read first: a page rendered below is fresher
            kept = valid_kept(cache, generation, cache_key)
            if kept is None:
                response = make_response(view(**view_args))
                if response.status_code != 200 or session.modified or "Set-Cookie" in response.headers:
                    return _personal(response)
                body = response.get_data()
                page = CachedPage(body, page_etag(body), response.mimetype)
                fingerprint = _fingerprint(reread, generation)
                if fingerprint is None:
                    reread = None
                still = revalidate(page_key, generation[0]) if revalidate is not None else None
                cache.put(generation, cache_key, page, len(body), fingerprint, reread, still)
            else:
                page, fingerprint, reread, still = kept.value, kept.fingerprint, kept.recount, kept.revalidate
            request.environ[ENVIRON_PUBLIC] = (generation, fingerprint, reread, still)
            return _public(page)

        return wrapper

    return decorate


def member_shell_key(user) -> tuple:
    """Everything base.html shows of the signed-in user (beside the CSRF token, put in afresh on every
    answer, and flashed messages, whose pages are never kept). A field added to the page's shell that
    depends on anything else must be added here, or members' pages would show it stale."""
    return (
        user.id,
        user.session_generation,
        user.label,
        user.email,
        user.email_verified,
        bool(user.is_staff),
    )


def _member_page(view, view_args: dict, key) -> Response:
    """A signed-in member's page, kept whole for them alone: keyed by who they are (member_shell_key),
    what they may see (their Viewer: memberships, administered workspaces) and the page, at the page
    generation exactly. Nothing with Authorization, a flash waiting, a cookie to set or a status but
    200 is kept; the CSRF token is stored as a placeholder and each answer gets the request's own."""
    if "Authorization" in request.headers or "_flashes" in session or not current_user.is_authenticated:
        return make_response(view(**view_args))
    user = current_user._get_current_object()
    cache_key = (request.endpoint, key(**view_args), member_shell_key(user), viewer_for(user))
    cache = page_cache(MEMBER_EXTENSION_KEY)
    generation = _generation()  # read first: a page rendered below is fresher
    page = cache.get(generation, cache_key)
    if page is None:
        request.environ[ENVIRON_GENERATION] = generation  # the listing fragment's too (no second read)
        response = make_response(view(**view_args))
        if response.status_code != 200 or session.modified or "Set-Cookie" in response.headers:
            return response
        body = response.get_data().replace(generate_csrf().encode(), CSRF_PLACEHOLDER)
        page = CachedPage(body, "", response.mimetype)
        cache.put(generation, cache_key, page, len(body))
    token = generate_csrf().encode()
    # For the member page front (app/web/member_front.py), which keeps it by URL if Flask's answer
    # turns out to be exactly this page (status 200, no cookie set).
    request.environ[ENVIRON_MEMBER] = (generation, cache_key[2:], page, token)
    return Response(page.body.replace(CSRF_PLACEHOLDER, token), mimetype=page.mimetype)


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


class WsgiFront:
    """What a WSGI front of the app's kept pages has: the app, what it wraps, and its cache by name."""

    cache_name = FRONT_EXTENSION_KEY

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._cache: PageCache | None = None
        self._engine = None

    def _bound(self):
        """(the front's cache, the app's engine), looked up once in an app context of the app's own (each
        time while the test suite has the engine swapped for its outer transaction's Connection, in the
        app context the suite keeps open)."""
        if self._engine is None:
            if has_app_context() and current_app._get_current_object() is self.app:
                return page_cache(self.cache_name), db.engine
            with self.app.app_context():
                bind, cache = db.engine, page_cache(self.cache_name)
            if isinstance(bind, Connection):
                return cache, bind
            self._engine, self._cache = bind, cache
        return self._cache, self._engine


class PageCacheFront(WsgiFront):
    """WSGI middleware around the Flask app: a cookie-less plain GET answered from the bytes Flask last
    sent for it, while the page generation has not moved. Only answers the view wrapper marked public
    (`ENVIRON_PUBLIC`: status 200, no session, nothing personal) are kept, with every header Flask set."""

    def __call__(self, environ, start_response):
        if not _front_may_answer(environ):
            return self.wsgi_app(environ, start_response)
        key = url_key(environ)
        try:
            cache, generation, kept = self._lookup(key)
        except Exception as error:  # noqa: BLE001 -- e.g. the database is unavailable: Flask answers it (503)
            environ[ENVIRON_FAILED] = error  # raised again where the page cache reads it (no second wait)
            return self.wsgi_app(environ, start_response)
        if kept is not None:
            status, headers, body = kept.value
            start_response(status, list(headers))
            return [body]
        if generation is not None:
            environ[ENVIRON_GENERATION] = generation
        answer, kept = run_keeping(self.wsgi_app, environ, start_response, ENVIRON_PUBLIC)
        if kept is not None:
            # (the generation the page is valid at, fingerprint, recount, revalidate)
            (status, headers, body), public = kept
            with self._context():  # following the listing generation may read the change log
                cache.put(public[0], key, (status, headers, body), len(body), *public[1:])
        return answer

    def _lookup(self, key: tuple):
        """(the front's cache, the page generation or None, what is kept valid under `key` or None).
        A URL nothing is kept for costs no database read: most cookie-less GETs are not kept pages.
        The generation is read with no app context nor session (`catalog.page_generation_of`); an
        app context is pushed only to follow a listing write or recount a page kept before an install."""
        if has_app_context() and current_app._get_current_object() is self.app:
            # The test suite keeps an app context open, and its bind may be its outer transaction.
            cache = page_cache(FRONT_EXTENSION_KEY)
            if not cache.holds(key):
                return cache, None, None
            generation = catalog.page_generation_unbound()
            return cache, generation, self._revalidated(cache, generation, key)
        cache, engine = self._bound()
        if not cache.holds(key):
            return cache, None, None
        generation = catalog.page_generation_of(engine, catalog.tracker_of(self.app))  # (and the log, SQLite)
        kept = cache.kept_at_once(generation, key)
        if kept is NEEDS_READ or (kept is not None and kept.counts != generation[1]):
            # Following a listing write (the change log), revalidating or recounting reads the database.
            kept = self._revalidated(cache, generation, key)
        return cache, generation, kept

    def _revalidated(self, cache: PageCache, generation: tuple[int, int], key: tuple):
        """`valid_kept` in an app context, not a request's (a request context costs a Request, a URL
        adapter, a session and every teardown: about 0.2 ms). A changed card renders in it too: cards
        build no URL (cards.CardLinks)."""
        with self._context():
            return valid_kept(cache, generation, key)

    def _context(self):
        """An app context for reading the database: the current one if it is this app's (the test suite
        keeps one open), else a fresh one, popped before the answer goes out."""
        if has_app_context() and current_app._get_current_object() is self.app:
            return nullcontext()
        return self.app.app_context()


def url_key(environ) -> tuple:
    """What the fronts key a kept answer by: the request's scheme, host, path and raw query string."""
    return (
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    )


def run_keeping(wsgi_app, environ, start_response, marker: str):
    """Run `wsgi_app`; when the view marked its answer keepable (environ[marker]) and the whole answer
    is a plain 200 that sets no cookie: (the answer as one body, ((status, headers, body), the mark)),
    else (the answer as it came, None)."""
    sent = {}

    def remember(status, headers, exc_info=None):
        sent["status"], sent["headers"] = status, headers
        return start_response(status, headers, exc_info)

    answer = wsgi_app(environ, remember)
    mark = environ.get(marker)
    if mark is None or not sent.get("status", "").startswith("200 "):
        return answer, None
    if any(name.lower() == "set-cookie" for name, _ in sent["headers"]):
        return answer, None
    try:
        body = b"".join(answer)
    finally:
        if hasattr(answer, "close"):
            answer.close()
    return [body], ((sent["status"], tuple(sent["headers"]), body), mark)


def _front_may_answer(environ) -> bool:
    if environ.get("REQUEST_METHOD") != "GET":
        return False
    return not any(
        name in environ for name in ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_RANGE")
    )
