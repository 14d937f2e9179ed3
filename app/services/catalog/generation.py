"""The catalog generation, and the per-process caches that are only ever as fresh as it.

Decides: when something cached about the catalog may still be served. The database keeps two sums
(migrations 0002, 0007, 0011), each moved by triggers whichever process writes:

* the listing generation -- moved by every write that changes what a listing shows or who finds
  it (publish, visibility, yank, takedown, tier, metadata, rename; any write to versions);
* the counts -- moved by an install or an uninstall (an update of install_count and nothing else).

Rankings and facet counts do not read install counts, so they are kept against the listing
generation alone and survive installs; whole pages and members' fragments show the counts, so they
are kept against both (`page_generation_unbound`). An entry is served only for the generation it was
computed at, and a whole cache empties the first time a newer one is seen.

A write the triggers do not see (a table the public pages read that is not integrations or
integration_versions) must call `bump_listing_generation()` in its transaction.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Connection, func, literal_column, select, text

from ...extensions import db

# A scalar subquery, so a page's statement can read the generation with its rows (one snapshot).
GENERATION = (
    select(func.coalesce(func.sum(literal_column("generation")), 0))
    .select_from(text("catalog_state"))
    .scalar_subquery()
)
_GENERATION_SELECT = select(GENERATION)
# The counts sum (moved by installs only), read the same way.
COUNTS = (
    select(func.coalesce(func.sum(literal_column("counts")), 0))
    .select_from(text("catalog_state"))
    .scalar_subquery()
)

FACET_CACHE = "catalog_facet_cache"
MATCH_CACHE = "catalog_match_cache"
_SIZES = {FACET_CACHE: 512, MATCH_CACHE: 16}


_GENERATION_SQL = "SELECT coalesce(sum(generation), 0) FROM catalog_state"
_PAGE_GENERATION_SQL = "SELECT coalesce(sum(generation), 0), coalesce(sum(counts), 0) FROM catalog_state"
_COUNTS_SQL = {
    "sqlite": "UPDATE catalog_state SET counts = counts + 1 + (abs(random()) % 1000000007) WHERE slot = 0",
    "postgresql": "SELECT bump_catalog_counts()",
}
_BUMP_SQL = {
    "sqlite": "UPDATE catalog_state SET generation = generation + 1 + (abs(random()) % 1000000007) WHERE slot = 0",
    "postgresql": "SELECT bump_listing_generation()",
}


def catalog_generation() -> int:
    """The listing generation, read in the session's transaction."""
    return int(db.session.scalar(_GENERATION_SELECT))


def bump_listing_generation() -> None:
    """Move the listing generation in the session's transaction: every process's cached pages,
    rankings and facet counts are then recomputed on their next request (once it commits). Writes to
    integrations and integration_versions do this by trigger; call it for any other write that changes
    what a public page shows or who may see it."""
    db.session.execute(text(_BUMP_SQL[db.session.get_bind().dialect.name]))


def bump_counts() -> None:
    """Move the counts sum in the session's transaction: for an install or uninstall that did not move
    install_count (the installed state members' pages show changed all the same)."""
    db.session.execute(text(_COUNTS_SQL[db.session.get_bind().dialect.name]))


def catalog_generation_unbound() -> int:
    """The listing generation, read on a pooled connection of its own (see `page_generation_unbound`)."""
    return _read_unbound(_GENERATION_SQL)[0]


def page_generation_unbound() -> tuple[int, int]:
    """(listing generation, counts): what a whole page is kept against. Read on a pooled connection of
    its own rather than in the session's transaction (about a quarter of the cost; a request answered
    from a cache then opens no transaction at all). Whatever the session reads afterwards is at least
    this fresh. Under the test suite's outer transaction (the bind is a Connection) it is read through
    that connection, which sees the test's rows."""
    listing, counts = _read_unbound(_PAGE_GENERATION_SQL)
    return int(listing), int(counts)


def generation_reader(bind):
    """A reader of `page_generation_unbound` on `bind` (an Engine, or the tests' Connection) that needs
    no session: for the page cache's front, which answers before any request context exists."""
    if isinstance(bind, Connection):
        return lambda: tuple(int(v) for v in bind.exec_driver_sql(_PAGE_GENERATION_SQL).one())
    return lambda: tuple(int(v) for v in _raw_read(bind, _PAGE_GENERATION_SQL))


def _read_unbound(sql: str) -> tuple:
    bind = db.session.get_bind()
    if isinstance(bind, Connection):
        db.session.flush()  # what the session would autoflush before a query of its own
        return tuple(bind.exec_driver_sql(sql).one())
    return _raw_read(bind, sql)


def _raw_read(engine, sql: str) -> tuple:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    return tuple(row)


class GenerationCache:
    """A small LRU of values computed at one catalog generation, emptied whenever the generation moves."""

    def __init__(self, size: int = 512):
        self.size = size
        self.generation: int | None = None
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, generation: int, key):
        with self.lock:
            if generation != self.generation:
                self.generation = generation
                self.entries.clear()
                return None
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def peek(self, key) -> tuple[int | None, object]:
        """(generation, value) as cached, not checked against the database's generation: the caller must."""
        with self.lock:
            return self.generation, self.entries.get(key)

    def put(self, generation: int, key, value) -> None:
        with self.lock:
            if generation != self.generation:
                return
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.generation = None
            self.entries.clear()


def process_cache(name: str) -> GenerationCache:
    """This app's cache called `name` (FACET_CACHE or MATCH_CACHE), made on first use."""
    from flask import current_app

    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, GenerationCache(size=_SIZES[name]))
    return cache


def clear_caches() -> None:
    """Forget this process's cached facet counts and rankings (the benchmark measures cold searches)."""
    for name in _SIZES:
        process_cache(name).clear()
