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

Which listings changed (migration 0021): the same triggers write the ids of the integrations they
saw change to `catalog_changes`, so a move of the generation is described. This process's
`ChangeTracker` keeps the generations it has seen, in order, with the ids changed between each and
the next; a cache whose generation moved asks it what changed since, and keeps each entry its
`revalidate` finds untouched (a ranking none of whose matches changed and that no changed listing
now matches; the pages cut from it), or takes the patched value it answers (a ranking the changes
touch, patched: ranking.py). Whatever the log cannot describe -- `bump_listing_generation()`
(it logs "anything"), more than MAX_CHANGES ids, a gap left by `prune_changes`, a generation this
process never saw -- empties the cache, as before.
"""

from __future__ import annotations

import functools
import os
import threading
import weakref
from collections import OrderedDict, namedtuple
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    Text,
    bindparam,
    cast,
    event,
    func,
    literal_column,
    select,
    text,
)

from ...extensions import db

# Every read of the sums names every slot (slot >= 0), so PostgreSQL reads the slots through their
# primary key: the cost is the 16 rows, not the table's pages. Each slot sits on a page of its own
# (fillfactor 10, migration 0002); a transaction that moves one slot many times (a bulk load's
# statement triggers) leaves its row's old versions spread over new pages, which a plain VACUUM does
# not give back, and a sequential scan read all of them on every request (336 pages after the
# benchmark's seed: 0.25 ms a read instead of 0.03).
_STATE = "catalog_state WHERE slot >= 0"
_SLOTS = literal_column("slot") >= 0

# A scalar subquery, so a page's statement can read the generation with its rows (one snapshot).
GENERATION = (
    select(func.coalesce(func.sum(literal_column("generation")), 0))
    .select_from(text("catalog_state"))
    .where(_SLOTS)
    .scalar_subquery()
)
_GENERATION_SELECT = select(GENERATION)
# Both sums from one read of the slots, as a one-row table to join (true()): a statement that wants
# both reads the slots once, not once per scalar subquery.
SUMS = (
    select(
        func.coalesce(func.sum(literal_column("generation")), 0).label("listing"),
        func.coalesce(func.sum(literal_column("counts")), 0).label("counts"),
    )
    .select_from(text("catalog_state"))
    .where(_SLOTS)
    .subquery("state")
)
# The counts sum (moved by installs only), read the same way.
COUNTS = (
    select(func.coalesce(func.sum(literal_column("counts")), 0))
    .select_from(text("catalog_state"))
    .where(_SLOTS)
    .scalar_subquery()
)

FACET_CACHE = "catalog_facet_cache"
MATCH_CACHE = "catalog_match_cache"
_SIZES = {FACET_CACHE: 512, MATCH_CACHE: 16}


_GENERATION_SQL = f"SELECT coalesce(sum(generation), 0) FROM {_STATE}"
_PAGE_GENERATION_SQL = f"SELECT coalesce(sum(generation), 0), coalesce(sum(counts), 0) FROM {_STATE}"
_COUNTS_SQL = {
    "sqlite": "UPDATE catalog_state SET counts = counts + 1 + (abs(random()) % 1000000007) WHERE slot = 0",
    "postgresql": "SELECT bump_catalog_counts()",
}
_BUMP_SQL = {
    "sqlite": "UPDATE catalog_state SET generation = generation + 1 + (abs(random()) % 1000000007) WHERE slot = 0",
    "postgresql": "SELECT bump_listing_generation()",
}


_LOG_ANYTHING_SQL = "INSERT INTO catalog_changes (integration_id) VALUES (NULL)"


def catalog_generation() -> int:
    """The listing generation, read in the session's transaction."""
    return int(db.session.scalar(_GENERATION_SELECT))


def bump_listing_generation() -> None:
    """Move the listing generation in the session's transaction: every process's cached pages,
    rankings and facet counts are then recomputed on their next request (once it commits). Writes to
    integrations and integration_versions do this by trigger; call it for any other write that changes
    what a public page shows or who may see it. The change it logs names no listing: "anything"."""
    db.session.execute(text(_BUMP_SQL[db.session.get_bind().dialect.name]))
    db.session.execute(text(_LOG_ANYTHING_SQL))


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


def page_generation_of(bind: Engine | Connection, tracker: ChangeTracker | None = None) -> tuple[int, int]:
    """`page_generation_unbound` on `bind`, needing no app context nor session: for the page cache's
    front, which answers before Flask runs. (A Connection is the test suite's outer transaction.)
    On SQLite, with the app's `tracker` (`tracker_of`), the same statement reads the change log since
    the tracker's latest mark, and the tracker takes it in: a request after a listing write then reads
    no more to learn which listings changed (PostgreSQL's read of the log is a round trip of its own,
    which a request that finds nothing changed must not pay)."""
    if isinstance(bind, Connection):
        listing, counts = bind.exec_driver_sql(_PAGE_GENERATION_SQL).one()
        return int(listing), int(counts)
    reader = reader_for(bind)
    latest = tracker.latest() if tracker is not None and reader.dialect.name == "sqlite" else None
    if latest is None:
        listing, counts = reader.read(_PAGE_GENERATION_SQL)
        return int(listing), int(counts)
    rows = reader.read_all(_STATE_SQL["sqlite"], {"after": latest[1], "limit": MAX_CHANGES + 2})
    listing, counts = int(rows[0][0]), int(rows[0][5])
    if listing != latest[0]:
        tracker.take_in(latest[1], rows)
    return listing, counts


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

    def read(self, sql: str, params=None) -> tuple:
        """The statement's one row."""
        return self._run(sql, params, lambda cursor: tuple(cursor.fetchone()))

    def read_all(self, sql: str, params=None) -> list[tuple]:
        """The statement's rows (one snapshot: one statement in autocommit)."""
        return self._run(sql, params, lambda cursor: [tuple(row) for row in cursor.fetchall()])

    def read_described(self, sql: str, params=None) -> tuple[tuple, list[tuple]]:
        """(the cursor's description, the statement's rows): for rows read through their column types."""
        return self._run(
            sql, params, lambda cursor: (tuple(cursor.description), [tuple(row) for row in cursor.fetchall()])
        )

    def _run(self, sql: str, params, fetch):
        kept = self._kept()
        if kept is not None:
            try:
                return self._execute(kept, sql, params, fetch)
            except Exception as error:
                lost = self.dialect.is_disconnect(error, kept, None)
                self._drop(kept)
                if not lost:
                    raise
        fresh = self._connect()
        try:
            return self._execute(fresh, sql, params, fetch)
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
        # When this thread ends (a server that starts a thread per request), its locals go, and with
        # them this token: the connection is closed then, not kept open until dispose().
        self.local.token = token = _ThreadToken()
        weakref.finalize(token, self._thread_ended, connection, os.getpid())
        return connection

    def _thread_ended(self, connection, pid: int) -> None:
        if os.getpid() != pid:
            return  # a forked child: the connection is its parent's
        with self.lock:
            if connection not in self.open:
                return  # dropped or disposed already
            self.open.discard(connection)
        try:
            connection.close()
        except Exception:  # noqa: BLE001 -- already broken; nothing left to close
            pass

    @staticmethod
    def _execute(connection, sql: str, params, fetch):
        cursor = connection.cursor()
        try:
            if params is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, params)
            return fetch(cursor)
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


class _ThreadToken:
    """Lives in one thread's locals only: collected when the thread ends."""


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
    """A small LRU of values computed at one catalog generation. When the generation moves, the entries
    stay if the change log describes the move (`ChangeTracker`), each marked with the listings changed
    since it was computed, and is served again only once its `revalidate` says it is untouched; else
    the cache empties."""

    def __init__(self, size: int = 512):
        self.size = size
        self.generation: int | None = None
        self.entries: OrderedDict = OrderedDict()
        self.pending: dict = {}  # key -> ids changed since its value was computed
        self.survivors: set = set()  # keys whose values a `revalidate` may keep over a move
        self.lock = threading.Lock()

    def get(self, generation: int, key, revalidate: Callable | None = None):
        """The value kept under `key`, valid at `generation`, or None. `revalidate(value, changed)`
        answers the value (or a patched one) still right after the listings `changed` changed, or None."""
        with self.lock:
            seen = self.generation
        if generation != seen:
            self._move(seen, generation)
        with self.lock:
            if generation != self.generation:
                return None
            value = self.entries.get(key)
            if value is None:
                return None
            self.entries.move_to_end(key)
            changed = self.pending.get(key)
        if not changed:
            return value
        fresh = revalidate(value, changed) if revalidate is not None else None
        with self.lock:
            if generation == self.generation and self.entries.get(key) is value:
                self.pending.pop(key, None)
                if fresh is None:
                    del self.entries[key]
                    self.survivors.discard(key)
                else:
                    self.entries[key] = fresh
        return fresh

    def _move(self, seen: int | None, generation: int) -> None:
        changed = None
        if seen is not None and self.survivors:
            changed = tracker().changes_between(seen, generation)
        with self.lock:
            if self.generation != seen:
                return  # another thread moved it meanwhile
            self.generation = generation
            if changed is None:
                self.entries.clear()
                self.pending.clear()
                self.survivors.clear()
                return
            for key in [key for key in self.entries if key not in self.survivors]:
                del self.entries[key]
            if changed:
                for key in self.entries:
                    self.pending[key] = self.pending.get(key, frozenset()) | changed

    def peek(self, key) -> tuple[int | None, object]:
        """(generation, value) as cached, not checked against the database's generation: the caller must.
        A value waiting to be revalidated after a move reads None."""
        with self.lock:
            if key in self.pending:
                return self.generation, None
            return self.generation, self.entries.get(key)

    def put(self, generation: int, key, value, *, survives: bool = False, note: bool = False) -> None:
        """Keep `value`, computed at `generation`. `survives`: its `get` passes a `revalidate`, so it may
        be kept over a move of the generation; `note`: remember the generation (so a move from it can be
        described later: one read of the change log, the first time this process keeps anything at it)."""
        if note:
            tracker().note(generation)
        with self.lock:
            if generation != self.generation:
                return
            self.entries[key] = value
            self.pending.pop(key, None)
            if survives:
                self.survivors.add(key)
            else:
                self.survivors.discard(key)
            while len(self.entries) > self.size:
                old, _ = self.entries.popitem(last=False)
                self.pending.pop(old, None)
                self.survivors.discard(old)

    def clear(self) -> None:
        with self.lock:
            self.generation = None
            self.entries.clear()
            self.pending.clear()
            self.survivors.clear()


def process_cache(name: str) -> GenerationCache:
    """This app's cache called `name` (FACET_CACHE or MATCH_CACHE), made on first use."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, GenerationCache(size=_SIZES[name]))
    return cache


def clear_caches() -> None:
    """Forget this process's cached facet counts and rankings (the benchmark measures cold searches)."""
    for name in _SIZES:
        process_cache(name).clear()
    tracker().forget()


# -- which listings changed between two generations (migration 0021) -------------------------------

TRACKER = "catalog_change_tracker"
MAX_CHANGES = 1000  # more changed listings than this between two generations: recompute everything
HISTORY = 64  # generations remembered; a value kept at an older one is recomputed
KEEP_CHANGES = timedelta(hours=1)  # `prune_changes` deletes older rows

# One statement (one snapshot): the generation, the log's mark, the pruned mark, and the rows logged
# after `after` (a mark read before). SQLite: the mark is the highest seq (one writer at a time, so
# seq order is commit order). PostgreSQL: the mark is the statement's snapshot; the rows logged since
# an earlier one are those it did not see.
_STATE_SQL = {
    # SQLite: with the counts sum besides (sixth), so the page cache's front reads the page generation and
    # the change log in this one statement (`page_generation_of`).
    "sqlite": (
        "SELECT s.g, s.m, s.p, c.seq, c.integration_id, s.k FROM (SELECT t.g, t.k, "
        "max((SELECT coalesce(max(seq), 0) FROM catalog_changes), "
        "(SELECT coalesce(max(below), 0) FROM catalog_changes_pruned)) AS m, "
        "(SELECT coalesce(max(below), 0) FROM catalog_changes_pruned) AS p "
        f"FROM (SELECT coalesce(sum(generation), 0) AS g, coalesce(sum(counts), 0) AS k FROM {_STATE}) AS t) AS s "
        "LEFT JOIN catalog_changes AS c ON c.seq > CAST(:after AS INTEGER) AND c.seq <= s.m "
        "LIMIT :limit"
    ),
    # The mark is "snapshot|highest seq". Rows the reader's own transaction wrote (only ever in the test
    # suite, whose requests share one transaction) are told by seq alone: new if past the highest seq
    # read then. (A snapshot never lists its own transaction as running, so once a later transaction
    # has ended, the snapshot calls its own transaction's rows visible, written or not.) The statement
    # is a function (migration 0022), so it is planned once per connection, not on every read.
    "postgresql": (
        "SELECT g, m, p, seq, integration_id FROM "
        "catalog_changes_since(CAST(:after AS text), CAST(:after_seq AS bigint), CAST(:limit AS integer))"
    ),
}


class ChangeTracker:
    """The listing generations this process has seen, oldest first, each with the log's mark read in the
    same snapshot, and the ids changed between each and the next (None: not describable)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.states: list[tuple[int, object]] = []
        self.steps: list[frozenset | None] = []  # steps[i]: between states[i] and states[i + 1]

    def changes_between(self, older: int, newer: int) -> frozenset | None:
        """The ids of the listings changed from generation `older` to `newer`, or None if the log cannot
        say (then anything may have changed)."""
        if older == newer:
            return frozenset()
        with self.lock:
            if self._index(older) is None:
                return None  # never seen (or forgotten): no read can describe it
            if self._index(newer) is None:
                self._advance()
            start, end = self._index(older), self._index(newer)
            if start is None or end is None or start > end:
                return None
            changed: set = set()
            for step in self.steps[start:end]:
                if step is None:
                    return None
                changed |= step
                if len(changed) > MAX_CHANGES:
                    return None
            return frozenset(changed)

    def note(self, generation: int) -> None:
        """Remember `generation` (a value was just computed at it), unless it is the latest seen already."""
        with self.lock:
            if not self.states or self.states[-1][0] != generation:
                self._advance()

    def forget(self) -> None:
        with self.lock:
            self.states.clear()
            self.steps.clear()

    def latest(self) -> tuple[int, object] | None:
        """(generation, the log's mark) of the latest state seen, or None."""
        with self.lock:
            return self.states[-1] if self.states else None

    def take_in(self, after, rows: list) -> None:
        """What a read of `_STATE_SQL` since the mark `after` (the latest when the read began) gave, read by
        someone else (`page_generation_of`): taken in as `_advance` takes its own read in, unless this
        tracker moved meanwhile."""
        with self.lock:
            if self.states and self.states[-1][1] == after:
                self._took("sqlite", after, rows)

    def _index(self, generation: int) -> int | None:
        for index in range(len(self.states) - 1, -1, -1):
            if self.states[index][0] == generation:
                return index
        return None

    def _advance(self) -> None:
        dialect = db.engine.dialect.name
        after = self.states[-1][1] if self.states else None
        if dialect == "postgresql":
            snapshot, _, seq = (after or "|0").partition("|")
            params = {"after": snapshot, "after_seq": int(seq)}
        else:
            params = {"after": 2**62 if after is None else after}
        rider = getattr(_RIDING, "rider", None) if dialect == "postgresql" and after is not None else None
        if rider is None:
            self._took(
                dialect, after, read_unbound(_STATE_SQL[dialect], {**params, "limit": MAX_CHANGES + 2})
            )
            return
        # The rider's rows beside each logged one (`riding`).
        ridden = read_unbound_rows(rider.statement(CHANGES_SINCE), {**params, "limit": MAX_CHANGES + 2})
        step = self._took(dialect, after, ridden)  # (the log's five columns first)
        if step is not None:
            rider.keep(self.states[-1][0], step, ridden)

    def _took(self, dialect: str, after, rows: list) -> frozenset | None:
        """Take in `rows` read by `_STATE_SQL[dialect]` since the mark `after` (under the lock): a new
        state, and the step to it from the latest (answered: None when the log cannot describe it, or
        when it is no new state)."""
        generation, mark, pruned = int(rows[0][0]), rows[0][1], int(rows[0][2])
        if self.states and generation == self.states[-1][0]:
            return None
        if self.states and generation < self.states[-1][0]:
            # Generations only grow (every move adds): this one is from another history (the test
            # suite rolls each test back). Nothing seen before describes it.
            self.states.clear()
            self.steps.clear()
            after = None
        if after is None:
            step = None
        else:
            step = _step(dialect, after, pruned, [(row[3], row[4]) for row in rows])
            if step is not None and not step:
                step = None  # the generation moved with nothing logged: not described
        self.states.append((generation, mark if dialect == "postgresql" else int(mark)))
        if after is not None:
            self.steps.append(step)
        if len(self.states) > HISTORY:
            del self.states[0]
            if self.steps:
                del self.steps[0]
        return step


# -- what a search needs of the changed listings, read with the change log (PostgreSQL) -------------------
#
# The first request after a listing write reads the page generation, then the change log (which listings
# changed), then the changed listings' rows its search's ranking is patched with: three round trips. A
# request that revalidates a kept search page names its search while the change log is read (`riding`):
# the log's read then carries each logged listing's row as the search reads it (a LATERAL join on the
# log's function), in the same snapshot, and the patch takes them (ranking.py) -- two round trips.
# (SQLite reads in-process: a statement costs no round trip there.)

CHANGES_SINCE = func.catalog_changes_since(
    cast(bindparam("after"), Text),
    cast(bindparam("after_seq"), BigInteger),
    cast(bindparam("limit"), Integer),
).table_valued("g", "m", "p", "seq", "integration_id", name="logged")
_RIDING = threading.local()


@contextmanager
def riding(rider):
    """While the block runs, a read of the change log on this thread (PostgreSQL) also reads `rider`'s
    statement over the rows it logs (`rider.statement(CHANGES_SINCE)`: the log's five columns first), and
    hands `rider.keep(generation, ids changed, rows)` what it read. None: the log is read alone."""
    before = getattr(_RIDING, "rider", None)
    _RIDING.rider = rider
    try:
        yield
    finally:
        _RIDING.rider = before


def _step(dialect: str, after, pruned: int, logged: list) -> frozenset | None:
    """The ids logged since the mark `after`, or None when they are not all known."""
    if dialect == "postgresql":
        if pruned >= int(after.split(":", 1)[0]):
            return None  # rows that snapshot may not have seen are gone
    elif pruned > int(after):
        return None
    rows = [changed for seq, changed in logged if seq is not None]
    if len(rows) > MAX_CHANGES or any(changed is None for changed in rows):
        return None
    return frozenset(rows)


def read_unbound(stmt, params: dict) -> list:
    """`stmt` (SQL text or a Core statement) run outside the session's transaction, on this thread's own
    autocommit connection (`GenerationReader`: one round trip), or through the tests' Connection: see
    `page_generation_unbound`. Rows come as the driver gives them (ids, numbers, text)."""
    bind = db.engine  # the tests' Connection when they hold one; never a new Session
    if isinstance(bind, Connection):
        db.session.flush()
        return list(bind.execute(text(stmt) if isinstance(stmt, str) else stmt, params).all())
    return reader_for(bind).read_all(*_expanded(stmt, bind.dialect, params))


def _expanded(stmt, dialect, params: dict) -> tuple:
    """(SQL, parameters) for the driver: `stmt` compiled once, its expanding parameters expanded -- the
    expansion rendered once per number of values in each (`_Expansion`), then only filled in."""
    compiled = _compiled(stmt, dialect)
    binds = compiled.binds
    shape = tuple(
        (name, len(value)) for name, value in params.items() if name in binds and binds[name].expanding
    )
    expansion = _EXPANSIONS.get((compiled, shape))
    if expansion is None:
        expansion = _Expansion.of(compiled, params)
        if len(_EXPANSIONS) >= 512:
            _EXPANSIONS.clear()
        _EXPANSIONS[(compiled, shape)] = expansion
    return expansion.statement, expansion.values(params)


_EXPANSIONS: dict = {}  # (compiled statement, (name, count) per expanding parameter) -> _Expansion


@dataclass(frozen=True)
class _Expansion:
    """A statement's expansion for one count of values per expanding parameter: its SQL, and where each
    of the driver's parameters comes from (`_Source`). SQLAlchemy's `construct_expanded_state` renders
    the SQL again on every call: about 0.05 ms for 24 ids."""

    statement: str
    names: tuple[str, ...]  # the driver's parameter names, in the statement's order
    sources: tuple[_Source, ...]
    positional: bool

    @classmethod
    def of(cls, compiled, params: dict) -> _Expansion:
        expanded = compiled.construct_expanded_state(params)
        origin = {}
        for name, names in (expanded.parameter_expansion or {}).items():
            for index, each in enumerate(names):
                origin[each] = (name, index)
        positional = expanded.positiontup is not None
        order = tuple(expanded.positiontup if positional else expanded.parameters)
        sources = []
        for each in order:
            name, index = origin.get(each, (each, None))
            if name in params:
                sources.append(_Source(name, index))
            else:  # the statement's own value (a literal list it compares with)
                sources.append(_Source(None, None, expanded.parameters[each]))
        found = cls(expanded.statement, order, tuple(sources), positional)
        given = expanded.parameters
        if any(source.value(params) is not given[each] for each, source in zip(order, sources, strict=True)):
            raise AssertionError(f"the expansion of {expanded.statement!r} is not reproduced")
        return found

    def values(self, params: dict):
        values = [source.value(params) for source in self.sources]
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))


class _Source(NamedTuple):
    """Where one of the driver's parameters comes from: the caller's value `name`, or the `index`-th of
    its values, or (name None) the statement's own `constant`."""

    name: str | None
    index: int | None
    constant: object = None

    def value(self, params: dict):
        if self.name is None:
            return self.constant
        given = params[self.name]
        return given if self.index is None else given[self.index]


def read_unbound_rows(stmt, params: dict) -> list:
    """`read_unbound` for a Core select whose rows are wanted as the session gives them: by column
    name, each value through its column's type (a SQLite datetime as a datetime, not text). One round
    trip on the thread's own connection instead of a pool checkout, pre-ping, BEGIN, the statement and
    a rollback; only for reads that need not see this request's own writes (a GET's): they are
    outside its transaction."""
    bind = db.engine  # the tests' Connection when they hold one; never a new Session
    if isinstance(bind, Connection):
        db.session.flush()
        return list(bind.execute(stmt, params).all())
    sql, values = _expanded(stmt, bind.dialect, params)
    reader = reader_for(bind)
    codes = _TYPE_CODES.get(sql)
    if codes is None:  # the columns' types, as the driver describes them: the same for the same SQL
        described, rows = reader.read_described(sql, values)
        codes = tuple(column[1] for column in described)
        if len(_TYPE_CODES) >= 512:
            _TYPE_CODES.clear()
        _TYPE_CODES[sql] = codes
    else:
        rows = reader.read_all(sql, values)  # (psycopg's description makes an object per column)
    make, processors = _row_maker(stmt, bind.dialect, codes)
    return [
        make(
            *(
                value if process is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
        )
        for row in rows
    ]


_TYPE_CODES: dict[str, tuple] = {}  # SQL -> its columns' type codes, as the driver described them


@functools.lru_cache(maxsize=256)
def _row_maker(stmt, dialect, type_codes: tuple):
    """A row class for `stmt`'s columns, and each column's result processor (given the driver's type code
    of the column, as SQLAlchemy gives it)."""
    columns = list(stmt.selected_columns)
    make = namedtuple("Row", [column.key for column in columns], rename=True)
    processors = [
        column.type.dialect_impl(dialect).result_processor(dialect, code)
        for column, code in zip(columns, type_codes, strict=True)
    ]
    return make, processors


@functools.lru_cache(maxsize=256)
def _compiled(stmt, dialect):
    """`stmt` compiled once per dialect (a search's check is built once and run at each listing write)."""
    return (text(stmt) if isinstance(stmt, str) else stmt).compile(dialect=dialect)


def listings_changed(older: int, newer: int) -> frozenset | None:
    """The ids of the integrations changed from listing generation `older` to `newer` (as this process
    saw them), or None when the change log cannot say."""
    return tracker().changes_between(older, newer)


def note_generation(generation: int) -> None:
    """Something was just kept at `generation`: remember it, so a later move from it can be described."""
    tracker().note(generation)


def tracker() -> ChangeTracker:
    """This app's change tracker, made on first use."""
    return tracker_of(current_app)


def tracker_of(app) -> ChangeTracker:
    """`app`'s change tracker, made on first use (no app context needed: the page cache's front)."""
    found = app.extensions.get(TRACKER)
    if found is None:
        found = app.extensions.setdefault(TRACKER, ChangeTracker())
    return found


def prune_changes(now=None) -> int:
    """Delete the change log's rows older than KEEP_CHANGES (the periodic `purge`), first marking the
    highest one deleted, so a process that might have needed one recomputes instead. In the session's
    transaction; answers how many rows went."""
    from ...models.base import utcnow

    cutoff = (now or utcnow()) - KEEP_CHANGES
    order = "tx" if db.session.get_bind().dialect.name == "postgresql" else "seq"
    mark = db.session.scalar(
        text(f"SELECT max({order}) FROM catalog_changes WHERE created_at < :cutoff").bindparams(
            bindparam("cutoff", type_=DateTime(timezone=True))
        ),
        {"cutoff": cutoff},
    )
    if mark is None:
        return 0
    db.session.execute(
        text("UPDATE catalog_changes_pruned SET below = :mark WHERE slot = 0 AND below < :mark"),
        {"mark": mark},
    )
    return db.session.execute(
        text(f"DELETE FROM catalog_changes WHERE {order} <= :mark"), {"mark": mark}
    ).rowcount
