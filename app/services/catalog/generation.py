"""The catalog generation, and the per-process caches that are only ever as fresh as it.

Decides: when something cached about the catalog may still be served. The database bumps the
catalog generation (by trigger, migration 0002) on any write to integrations, so a cache keyed by
it is correct across several app processes: an entry is served only for the generation it was
computed at, and the whole cache empties the first time a newer generation is seen.
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

FACET_CACHE = "catalog_facet_cache"
MATCH_CACHE = "catalog_match_cache"
_SIZES = {FACET_CACHE: 512, MATCH_CACHE: 16}


_GENERATION_SQL = "SELECT coalesce(sum(generation), 0) FROM catalog_state"


def catalog_generation() -> int:
    return int(db.session.scalar(_GENERATION_SELECT))


def catalog_generation_unbound() -> int:
    """The generation, read on a pooled connection of its own rather than in the session's transaction
    (about a quarter of the cost; a request answered from a cache then opens no transaction at all).
    Whatever the session reads afterwards is at least this fresh. Under the test suite's outer
    transaction (the bind is a Connection) it is read through that connection, which sees the test's rows."""
    bind = db.session.get_bind()
    if isinstance(bind, Connection):
        db.session.flush()  # what the session would autoflush before a query of its own
        return int(bind.exec_driver_sql(_GENERATION_SQL).scalar())
    connection = bind.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(_GENERATION_SQL)
        value = cursor.fetchone()[0]
        cursor.close()
    finally:
        connection.close()
    return int(value)


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
