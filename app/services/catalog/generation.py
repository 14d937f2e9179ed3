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

import os
import threading
import weakref
from collections import OrderedDict

from sqlalchemy import Connection, Engine, event, func, literal_column, select, text

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
    """The listing generation, read on a connection of its own (see `page_generation_unbound`)."""
    return int(_read_unbound(_GENERATION_SQL)[0])


def page_generation_unbound() -> tuple[int, int]:
    """(listing generation, counts): what a whole page is kept against. Read outside the session's
    transaction, on this thread's own autocommit connection (`GenerationReader`): one round trip,
    and a request answered from a cache then opens no transaction at all. Whatever the session reads
    afterwards is at least this fresh. Under the test suite's outer transaction (the app's bind is a
    Connection) it is read through that connection, which sees the test's rows."""
    listing, counts = _read_unbound(_PAGE_GENERATION_SQL)
    return int(listing), int(counts)


def page_generation_of(bind: Engine | Connection) -> tuple[int, int]:
    """`page_generation_unbound` on `bind`, needing no app context nor session: for the page cache's
    front, which answers before Flask runs. (A Connection is the test suite's outer transaction.)"""
    if isinstance(bind, Connection):
        listing, counts = bind.exec_driver_sql(_PAGE_GENERATION_SQL).one()
    else:
        listing, counts = reader_for(bind).read(_PAGE_GENERATION_SQL)
    return int(listing), int(counts)


def _read_unbound(sql: str) -> tuple:
    bind = db.engine  # the tests' Connection when they hold one; never a new Session
    if isinstance(bind, Connection):
        db.session.flush()  # what the session would autoflush before a query of its own
        return tuple(bind.exec_driver_sql(sql).one())
    return reader_for(bind).read(sql)


class GenerationReader:
    """Reads the generation sums on one connection per thread, kept open for this alone, in autocommit.

    Decides: how "the very next request sees every commit" stays one round trip. Each read is a
    statement of its own in autocommit, so it sees whatever any process committed before it began,
    and nothing else runs on the connection: no pool checkout, no pre-ping (the engine's
    `pool_pre_ping` would cost a second round trip every time), no BEGIN, no rollback on return.
    psycopg prepares the statement after a few runs (its prepare_threshold), so the server does not
    even plan it again.

    A kept connection the server has closed meanwhile (a restart, a failover, an idle timeout) is
    found by the read itself failing as a disconnect: the read is then made once more on a new
    connection, as the pre-ping would have. A new connection that fails, or any other error (a
    statement timeout, an error of SQL), is raised as it is (the page answers 503 where the
    database is unavailable) and the connection is dropped. Either way a wait is bounded as any of
    the app's: one wait on the kept connection, then one connect.

    Connections are made by the engine's own creator (a copy of its pool; connect arguments and
    hooks included) and then detached, so they are the engine's in every setting but count against
    no pool limit: one more server connection per thread that serves pages. After a fork the child
    never touches (nor closes) a connection its parent opened; `engine.dispose()` closes them all."""

    def __init__(self, engine: Engine):
        self.dialect = engine.dialect
        self.pool = engine.pool.recreate()  # the same creator and connect hooks; nothing kept in it
        self.local = threading.local()
        self.lock = threading.Lock()
        self.open: set = set()  # every connection this process made, for dispose()
        event.listen(engine, "engine_disposed", self._disposed)

    def read(self, sql: str) -> tuple:
        kept = self._kept()
        if kept is not None:
            try:
                return self._execute(kept, sql)
            except Exception as error:
                lost = self.dialect.is_disconnect(error, kept, None)
                self._drop(kept)
                if not lost:
                    raise
        fresh = self._connect()
        try:
            return self._execute(fresh, sql)
        except Exception:
            self._drop(fresh)
            raise

    def _kept(self):
        kept = getattr(self.local, "connection", None)
        if kept is None or getattr(self.local, "pid", None) == os.getpid():
            return kept
        _INHERITED.append(kept)  # the parent's: closing it here would end the parent's session
        self.local.connection = None
        return None

    def _connect(self):
        pooled = self.pool.connect()
        pooled.detach()  # the pool forgets it: ours to close, never reset nor returned
        connection = pooled.dbapi_connection
        try:
            connection.rollback()  # nothing is open, but autocommit is set outside a transaction
            self.dialect.set_isolation_level(connection, "AUTOCOMMIT")
        except BaseException:
            connection.close()
            raise
        with self.lock:
            self.open.add(connection)
        self.local.connection, self.local.pid = connection, os.getpid()
        return connection

    @staticmethod
    def _execute(connection, sql: str) -> tuple:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            return tuple(cursor.fetchone())
        finally:
            cursor.close()

    def _drop(self, connection) -> None:
        if getattr(self.local, "connection", None) is connection:
            self.local.connection = None
        with self.lock:
            self.open.discard(connection)
        try:
            connection.close()
        except Exception:  # noqa: BLE001 -- already broken; nothing left to close
            pass

    def _disposed(self, _engine) -> None:
        with self.lock:
            connections, self.open = self.open, set()
        for connection in connections:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 -- a thread may be using it: it then reconnects
                pass


_READERS: weakref.WeakKeyDictionary[Engine, GenerationReader] = weakref.WeakKeyDictionary()
_READERS_LOCK = threading.Lock()
_INHERITED: list = []  # connections a forked child saw in its parent's threads: kept, never used


def reader_for(engine: Engine) -> GenerationReader:
    """The engine's generation reader, made on first use."""
    reader = _READERS.get(engine)
    if reader is None:
        with _READERS_LOCK:
            reader = _READERS.get(engine)
            if reader is None:
                reader = _READERS[engine] = GenerationReader(engine)
    return reader


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
