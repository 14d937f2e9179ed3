"""The page generation's own connections (catalog.generation.GenerationReader): a commit by any other
connection is read on the very next read, whether the reader's connection was kept or new; a kept
connection the server closed is replaced within the same read; a forked child never uses its
parent's; `engine.dispose()` closes them. On real databases with real commits, outside the suite's
outer transaction (the reader reads what is committed, as every other process does)."""

from __future__ import annotations

import gc
import os
import threading

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import Integration, User
from app.services import catalog, integrations
from app.services.catalog import generation
from app.services.catalog.generation import reader_for
from app.services.installs.confirming import count_install
from tests import factories as f
from tests.databases import migrated_app
from tests.install_support import admin, publish
from tests.pg_available import pg_available

pytestmark = pytest.mark.concurrency

BUMP = {
    "sqlite": "UPDATE catalog_state SET generation = generation + 1 WHERE slot = 0",
    "postgresql": "SELECT bump_listing_generation()",
}
BACKEND_PID = "SELECT pg_backend_pid(), 0"
needs_postgresql = pytest.mark.skipif(
    not pg_available(), reason="no PostgreSQL server answers on 127.0.0.1:5432"
)


@pytest.fixture(scope="module")
def served():
    with migrated_app() as app:
        yield app


@pytest.fixture
def engine(served):
    with served.app_context():
        return db.engine


@pytest.fixture(scope="module")
def pg_engine():
    with migrated_app("postgresql") as app:
        with app.app_context():
            engine = db.engine
        yield engine


def _bump(engine) -> None:
    """A listing write committed by another connection (another process's request, as far as the
    reader can tell)."""
    with engine.begin() as connection:
        connection.execute(text(BUMP[engine.dialect.name]))


def test_every_commit_elsewhere_is_read_on_the_next_read(engine):
    seen = [catalog.page_generation_of(engine)]
    for _ in range(5):
        _bump(engine)
        seen.append(catalog.page_generation_of(engine))  # on the kept connection
    assert len({listing for listing, _ in seen}) == len(seen)
    assert {counts for _, counts in seen} == {seen[0][1]}  # a listing write leaves the counts


def test_an_uncommitted_write_is_not_read_and_its_commit_is(engine):
    before = catalog.page_generation_of(engine)
    with engine.connect() as writer:
        writer.execute(text(BUMP[engine.dialect.name]))
        assert catalog.page_generation_of(engine) == before  # not committed yet
        writer.commit()
    assert catalog.page_generation_of(engine)[0] != before[0]


def test_each_thread_reads_on_a_connection_of_its_own_and_sees_the_same(engine):
    reader = reader_for(engine)
    _bump(engine)
    expected = catalog.page_generation_of(engine)
    mine = reader.local.connection
    seen, connections = [], []

    def read():
        seen.append(catalog.page_generation_of(engine))
        connections.append(reader.local.connection)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [expected] * 3
    assert len({id(c) for c in [mine, *connections]}) == 4


def test_a_thread_that_ends_closes_its_connection(engine):
    """A server that starts a thread per request (the development server, the browser tests' live
    server) must not leave one open connection behind per request (PostgreSQL ran out of them)."""
    reader = reader_for(engine)
    before = len(reader.open)

    def read() -> None:
        catalog.page_generation_of(engine)

    for _ in range(20):
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
    gc.collect()
    assert len(reader.open) <= before


def test_the_fronts_read_brings_the_change_log_on_sqlite(served, engine, monkeypatch):
    """On SQLite the page cache front's one read of the page generation also reads the change log since
    the app's tracker's mark (`page_generation_of` given the tracker), and the tracker takes it in: it
    then tells which listings changed without a read of its own. On PostgreSQL the front reads the
    generation alone (the log would be a round trip more for every request that finds nothing changed),
    and the tracker reads the log when asked."""
    tracker = catalog.tracker_of(served)
    with served.app_context():
        tracker.forget()
        tracker.note(catalog.page_generation_of(engine)[0])
    start = tracker.latest()
    with engine.begin() as connection:  # a listing write, as the triggers log it
        connection.execute(text(BUMP[engine.dialect.name]))
        connection.execute(text("INSERT INTO catalog_changes (integration_id) VALUES ('one-listing')"))
    now = catalog.page_generation_of(engine, tracker)
    assert now[0] != start[0]
    sqlite = engine.dialect.name == "sqlite"
    assert (tracker.latest()[0] == now[0]) is sqlite
    if sqlite:
        monkeypatch.setattr(generation, "read_unbound", lambda *args: pytest.fail("the log read again"))
    with served.app_context():
        assert tracker.changes_between(start[0], now[0]) == frozenset({"one-listing"})


def test_a_view_reads_what_the_front_reads(served, engine):
    """In a request (a view's read when the front read nothing) the same reader answers the same."""
    with served.test_request_context("/"):
        inside = catalog.page_generation_unbound()
        assert inside == catalog.page_generation_of(engine)
        _bump(engine)
        assert catalog.page_generation_unbound()[0] != inside[0]


@needs_postgresql
def test_a_kept_connection_the_server_closed_is_replaced_within_the_read(pg_engine):
    reader = reader_for(pg_engine)
    before = catalog.page_generation_of(pg_engine)
    pid = reader.read(BACKEND_PID)[0]
    with pg_engine.begin() as admin:
        assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    _bump(pg_engine)
    after = catalog.page_generation_of(pg_engine)  # no error: one more try on a new connection
    assert after[0] != before[0]
    assert reader.read(BACKEND_PID)[0] != pid


@needs_postgresql
def test_a_forked_child_never_uses_its_parent_s_connection(pg_engine):
    reader = reader_for(pg_engine)
    parent_pid = reader.read(BACKEND_PID)[0]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover -- the child reports through the pipe
        try:
            os.close(read)
            ok = reader.read(BACKEND_PID)[0] != parent_pid and catalog.page_generation_of(pg_engine)
            os.write(write, b"ok" if ok else b"same")
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        assert answer.read() == b"ok"
    os.waitpid(child, 0)
    assert reader.read(BACKEND_PID)[0] == parent_pid  # the parent's session lives on


@needs_postgresql
def test_dispose_closes_the_reader_s_connections(pg_engine):
    reader = reader_for(pg_engine)
    pid = reader.read(BACKEND_PID)[0]
    pg_engine.dispose()
    with pg_engine.connect() as admin:
        alive = admin.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
    assert alive == 0
    assert reader.read(BACKEND_PID)[0] != pid  # and the next read opens another


def test_the_front_with_no_app_context_answers_each_commit_on_the_next_request(served):
    """As a server runs it (no app context around the request): a page kept by the front, then a
    visibility change and an install committed elsewhere, each seen on the very next request."""

    def act(change):
        with served.test_request_context():
            result = change()
            db.session.commit()
            return result

    def build():
        user, workspace = admin()
        shown = publish(workspace=workspace, name="Lantern Lights", slug="lantern-lights")
        hidden = publish(workspace=workspace, name="Lantern Relay", slug="lantern-relay")
        return user.id, shown.id, hidden.id

    owner, shown, hidden = act(build)
    visitor = served.test_client()
    page = "/integrations?q=lantern"
    first = visitor.get(page)
    again = visitor.get(page)  # from the front
    assert again.get_data() == first.get_data() and "Lantern Relay" in again.get_data(as_text=True)

    def hide():
        integrations.set_visibility(
            db.session.get(User, owner), db.session.get(Integration, hidden), "private"
        )

    act(hide)
    assert "Lantern Relay" not in visitor.get(page).get_data(as_text=True)
    assert "Lantern Relay" not in visitor.get(page).get_data(as_text=True)

    def install():
        installer, workspace = admin()
        integration = db.session.get(Integration, shown)
        f.InstallationFactory(
            workspace=workspace,
            integration=integration,
            installed_by=installer.id,
            version=integration.versions[0],
        )
        count_install(integration, +1)

    act(install)
    assert "1 install" in visitor.get(page).get_data(as_text=True)  # recounted in an app context of its own


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_rows_read_on_the_thread_s_connection_read_as_the_session_s(backend):
    """`read_unbound_rows` (a page's rows on the reader): every column's value as the session reads it --
    datetimes, JSON, numbers -- by name, outside any app context's transaction."""
    if backend == "postgresql" and not pg_available():
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    from app.services.catalog.generation import read_unbound_rows
    from app.services.catalog.listing import _rows_by_id_statement
    from app.services.catalog.query import fetch

    with migrated_app(backend) as app, app.test_request_context():
        _, workspace = admin()
        shown = publish(workspace=workspace, name="Lantern Lights", slug="lantern-lights")
        shown.links = {"homepage": "https://lantern.example"}
        db.session.commit()
        for cards in (True, False):
            stmt, params = _rows_by_id_statement(cards, frozenset()), {"ids": [shown.id]}
            read = read_unbound_rows(stmt, params)
            assert read == [tuple(row) for row in fetch(stmt, params)]
            assert read[0].id == shown.id and read[0].updated_at == shown.updated_at
        assert read[0].links == {"homepage": "https://lantern.example"}
