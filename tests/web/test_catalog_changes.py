"""Which listings changed (migration 0021): a listing write that a kept search page neither shows nor
matches leaves the page, its ranking and its counts kept (answered again unrendered); one that does
touch it shows on the very next request; whatever the change log cannot describe recomputes it all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import Integration, User
from app.models.base import utcnow
from app.services import catalog, integrations, publishing, staff
from app.services.catalog import generation, ranking
from app.services.catalog.generation import MATCH_CACHE, process_cache
from tests import factories as f
from tests.databases import migrated_app
from tests.install_support import add_version, admin, publish
from tests.processes import committer, two_servers

SEARCH = "/integrations?q=lantern"


def _lanterns(factories, n: int = ranking.FEW_MATCHES) -> list:
    """Enough matches that the search does not also look for typos (then any change might add one)."""
    return [factories.IntegrationFactory.published(name=f"Lantern {i}") for i in range(n)]


def _touch(integration) -> None:
    """A listing write that bypasses the ORM (the benchmark's): its updated_at moves."""
    db.session.execute(
        text("UPDATE integrations SET updated_at = :now WHERE id = :id"),
        {"now": utcnow() + timedelta(seconds=5), "id": integration.id},
    )


def _kept_and_warm(client, url: str = SEARCH) -> bytes:
    first = client.get(url)
    assert first.status_code == 200
    assert client.get(url).get_data() == first.get_data()
    return first.get_data()


def _logged() -> list:
    return [
        row[0] for row in db.session.execute(text("SELECT integration_id FROM catalog_changes ORDER BY seq"))
    ]


def test_the_triggers_log_which_listings_changed_and_installs_log_nothing(factories):
    shown = factories.IntegrationFactory.published(name="Lantern")
    other = factories.IntegrationFactory.published(name="Other")
    before = len(_logged())
    _touch(other)
    db.session.execute(
        text("UPDATE integrations SET install_count = install_count + 1 WHERE id = :id"), {"id": shown.id}
    )
    add_version(shown, "1.1.0")
    catalog.bump_listing_generation()
    logged = _logged()[before:]
    assert logged[0] == other.id  # the install logged nothing
    assert shown.id in logged[1:-1] and logged[-1] is None  # a version; the hand bump: "anything"


def test_a_listing_write_a_search_page_does_not_show_leaves_it_kept(client, factories, query_counter):
    """The benchmark's probe: the first broad search after a write to a listing it does not match."""
    _lanterns(factories)
    other = factories.IntegrationFactory.published(name="Other")
    page = _kept_and_warm(client)
    moved = catalog.page_generation_unbound()
    _touch(other)
    assert catalog.page_generation_unbound() != moved  # the listing generation did move
    with query_counter as counter:
        again = client.get(SEARCH)
    assert again.get_data() == page
    # The generation, the change log since, whether the changed listing matches the search: no render
    # (on PostgreSQL the last comes with the change log: catalog.riding).
    assert counter.count == (2 if db.session.get_bind().dialect.name == "postgresql" else 3)
    with query_counter as counter:
        assert client.get(SEARCH).get_data() == page
    assert counter.count == 1  # kept at the new generation


def test_a_search_changed_by_writes_another_page_saw_first_shows_them_all(client, factories, monkeypatch):
    """The change log's read brings a kept search page's changed rows (catalog.riding, PostgreSQL) for the
    listings it logs since this process last read it; a ranking that waits on earlier changes too (read
    while another page was asked for) is patched with them all, read by itself."""
    lanterns = _lanterns(factories, ranking.FEW_MATCHES + 2)
    other = "/integrations?q=harbour"
    factories.IntegrationFactory.published(name="Harbour")
    _kept_and_warm(client)
    _kept_and_warm(client, other)
    yardstick = ranking.cached_ranking(catalog.CatalogQuery(q="lantern"))[1].patching.yardstick
    first, second = [each for each in lanterns if each.id != yardstick][:2]
    computed = []
    rank = ranking._rank
    monkeypatch.setattr(ranking, "_rank", lambda query: computed.append(query) or rank(query))
    first.description = "Aurora. A longer description than before, so it scores no better." * 2
    db.session.flush()
    assert "Aurora." not in client.get(other).get_data(as_text=True)  # the log read for this page
    second.description = "Borealis. A longer description than before, so it scores no better." * 2
    db.session.flush()
    page = client.get(SEARCH).get_data(as_text=True)
    assert "Aurora." in page and "Borealis." in page
    assert all(each.q != "lantern" for each in computed)  # patched, not ranked again
    assert ranking.cached_ranking(catalog.CatalogQuery(q="lantern"))[1].patching.patches == 1


def test_rows_the_change_log_brought_are_taken_once_for_their_search_generation_and_listings():
    """ranking.Rider: what the change log's read brought is taken by the patch of that search up to that
    generation only, for listings it logged, once."""
    from collections import namedtuple

    row = namedtuple("Row", "id")
    search = ranking.rider_for(catalog.CatalogQuery(q="lantern", sort="name"))
    assert search.query == catalog.CatalogQuery(q="lantern")  # what decides the ranking
    assert ranking.rider_for(catalog.CatalogQuery()) is None  # not a search
    search.keep(7, frozenset({"a", "b"}), [row("a"), row(None), row("b")])
    assert ranking.Rider.taken(catalog.CatalogQuery(q="harbour"), frozenset({"a"}), 7) is None
    assert ranking.Rider.taken(search.query, frozenset({"a"}), 8) is None
    assert ranking.Rider.taken(search.query, frozenset({"a", "c"}), 7) is None
    assert ranking.Rider.taken(search.query, frozenset({"a", "b"}), 7) == [row("a"), row("b")]
    assert ranking.Rider.taken(search.query, frozenset({"a"}), 7) is None  # taken


def test_a_listing_write_that_makes_a_listing_match_shows_at_once(app, client, factories):
    _lanterns(factories)
    other = factories.IntegrationFactory.published(name="Other")
    front = app.test_client()
    for each in (client, front):
        _kept_and_warm(each)
    other.name = "Lantern Relay"
    db.session.flush()
    for each in (client, front):
        assert "Lantern Relay" in each.get(SEARCH).get_data(as_text=True)


def test_visibility_takedown_and_yank_of_a_shown_listing_show_at_once(app, client, factories):
    user, workspace = admin()
    shown = factories.IntegrationFactory.published(workspace=workspace, name="Lantern Lights")
    hidden = factories.IntegrationFactory.published(workspace=workspace, name="Lantern Relay")
    factories.IntegrationFactory.published(name="Lantern Harbour")
    _lanterns(factories)
    add_version(shown, "1.1.0")
    db.session.flush()
    assert "v1.1.0" in client.get(SEARCH).get_data(as_text=True)

    _kept_and_warm(client)
    integrations.set_visibility(user, hidden, "private")
    db.session.flush()
    assert "Lantern Relay" not in client.get(SEARCH).get_data(as_text=True)

    _kept_and_warm(client)
    publishing.yank_version(user, shown, "1.1.0", "Leaks the token.")
    db.session.flush()
    page = client.get(SEARCH).get_data(as_text=True)
    assert "v1.0.0" in page and "v1.1.0" not in page

    _kept_and_warm(client)
    staff_user = factories.UserFactory(is_staff=True)
    staff.take_down(staff_user, shown, "Reported as malware.")
    db.session.flush()
    page = client.get(SEARCH).get_data(as_text=True)
    assert "Lantern Lights" not in page and "Lantern Harbour" in page


def test_a_bump_by_hand_recomputes_everything(client, factories, query_counter):
    _lanterns(factories)
    page = _kept_and_warm(client)
    catalog.bump_listing_generation()
    with query_counter as counter:
        assert client.get(SEARCH).get_data() == page
    assert counter.count > 4  # ranked and rendered again


def test_more_changes_than_the_log_describes_recompute_everything(
    client, factories, query_counter, monkeypatch
):
    _lanterns(factories)
    others = [factories.IntegrationFactory.published(name=f"Other {n}") for n in range(3)]
    _kept_and_warm(client)
    monkeypatch.setattr(generation, "MAX_CHANGES", 2)
    for other in others:
        _touch(other)
    with query_counter as counter:
        client.get(SEARCH)
    assert counter.count > 4


def test_a_search_looking_for_typos_is_ranked_again_after_any_write(client, factories, monkeypatch):
    factories.IntegrationFactory.published(name="Lantern")  # one match: it also looks for typos
    other = factories.IntegrationFactory.published(name="Other")
    page = _kept_and_warm(client)
    _touch(other)
    ranked = []
    rank = ranking._rank
    monkeypatch.setattr(ranking, "_rank", lambda query: ranked.append(query) or rank(query))
    # Ranked again (the write might have made a listing one typo away); the page it gives is the same,
    # so the kept page is answered (respliced with nothing to swap), not rendered.
    assert client.get(SEARCH).get_data() == page
    assert len(ranked) == 1


def test_a_pruned_log_is_a_gap_and_recomputes_everything(client, factories, query_counter):
    _lanterns(factories)
    other = factories.IntegrationFactory.published(name="Other")
    _kept_and_warm(client)
    _touch(other)
    # The periodic purge, an hour and more later: every row goes, the mark says so.
    assert catalog.prune_changes(now=utcnow() + generation.KEEP_CHANGES + timedelta(minutes=1)) >= 1
    assert _logged() == []
    assert db.session.scalar(text("SELECT below FROM catalog_changes_pruned")) > 0
    with query_counter as counter:
        client.get(SEARCH)
    assert counter.count > 4


def test_purge_keeps_the_last_hour(factories):
    other = factories.IntegrationFactory.published(name="Other")
    _touch(other)
    assert catalog.prune_changes() == 0
    assert other.id in _logged()


def test_a_ranking_is_kept_over_a_write_it_does_not_match_and_ranked_again_after_one_it_does(app, factories):
    _lanterns(factories)
    other = factories.IntegrationFactory.published(name="Other")
    query = catalog.CatalogQuery(q="lantern")
    with app.test_request_context():
        catalog.page_for(_anonymous(), query)
        kept = process_cache(MATCH_CACHE).peek(query.matching_key)[1]
        _touch(other)
        catalog.page_for(_anonymous(), query)
        assert process_cache(MATCH_CACHE).peek(query.matching_key)[1] is kept
        db.session.get(Integration, other.id).name = "Lantern Too"
        db.session.flush()
        page = catalog.page_for(_anonymous(), query)
        assert process_cache(MATCH_CACHE).peek(query.matching_key)[1] is not kept
        assert "Lantern Too" in {row.name for row in page.items}


def _anonymous():
    from app.domain.visibility import ANONYMOUS

    return ANONYMOUS


@pytest.mark.concurrency
def test_two_processes_keep_an_untouched_search_and_show_a_touching_write_at_once():
    """Two gunicorn processes, a search with enough matches to be kept over an unrelated write: the
    unrelated write leaves it (same bytes); an edit of a shown listing's description (its ranking
    patched), a rename into the search, a visibility change and a takedown of a shown listing, each
    committed by a third process, show on the next request to either one."""
    from tests.web.test_catalog_page_cache_processes import _get, _warm

    with migrated_app() as seeder:
        act = committer(seeder)
        ids = {}

        def build():
            user, workspace = admin()
            ids["owner"] = user.id
            ids["staff"] = f.UserFactory(is_staff=True).id
            lanterns = [
                publish(workspace=workspace, name=f"Lantern {n}", slug=f"lantern-{n}") for n in range(6)
            ]
            ids["shown"] = lanterns[0].id
            ids["other"] = publish(workspace=workspace, name="Harbour Relay", slug="harbour-relay").id

        act(build)

        def row(key: str) -> Integration:
            return db.session.get(Integration, ids[key])

        def user(key: str):
            return db.session.get(User, ids[key])

        with two_servers(seeder) as urls:
            _warm(urls, [SEARCH])
            before = [_get(base + SEARCH).text for base in urls]

            act(lambda: _touch(row("other")))
            assert [_get(base + SEARCH).text for base in urls] == before

            act(lambda: setattr(row("shown"), "description", "Now with a brighter beam."))
            assert all("Now with a brighter beam." in _get(base + SEARCH).text for base in urls)
            _warm(urls, [SEARCH])

            act(lambda: setattr(row("other"), "name", "Lantern Relay"))
            assert all("Lantern Relay" in _get(base + SEARCH).text for base in urls)

            _warm(urls, [SEARCH])
            act(lambda: integrations.set_visibility(user("owner"), row("other"), "private"))
            assert all("Lantern Relay" not in _get(base + SEARCH).text for base in urls)

            _warm(urls, [SEARCH])
            act(lambda: staff.take_down(user("staff"), row("shown"), "Reported as malware."))
            for base in urls:
                page = _get(base + SEARCH).text
                assert "Lantern 0" not in page and "Lantern 1" in page


def _another_transaction_commits(app) -> None:
    """On PostgreSQL, a transaction of another connection gets an id (after the test's own) and ends."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite has one writer at a time: no transaction ends while the test's is open
    import psycopg

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as other, other.transaction():
        other.execute("SELECT pg_current_xact_id()")


def test_a_transaction_reading_the_log_sees_its_own_writes_after_another_ended(app, factories):
    """The test suite's requests share the test's transaction with its writes. Once a later transaction
    has ended, PostgreSQL's snapshots call the test's own transaction visible (a snapshot never lists its
    own transaction as running): its own logged rows are told by seq, not by the snapshot."""
    _lanterns(factories)
    shown = factories.IntegrationFactory.published(name="Lantern Shown")
    with app.test_request_context():
        _another_transaction_commits(app)
        at = catalog.catalog_generation()
        generation.note_generation(at)
        _touch(shown)
        assert generation.listings_changed(at, catalog.catalog_generation()) == {shown.id}
