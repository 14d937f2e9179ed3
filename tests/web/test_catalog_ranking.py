"""A search's ranking is computed once per catalog generation and shared by every viewer: prove the
pages, cursors and tier counts it gives equal the straightforward SQL query's, for every viewer, and
that any write (ORM or raw SQL) is seen by the very next request."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select, text

from app.domain.visibility import ANONYMOUS, listed_clause, listed_to_someone_clause
from app.extensions import db
from app.models.integration import TRUST_TIERS
from app.services import catalog
from app.services.catalog import ranking, search
from app.services.catalog.query import C
from app.services.viewer import viewer_for
from app.web import page_cache
from tests.catalog_helpers import make_cast, make_integration

STATE_CYCLE = ("public", "public", "private", "unlisted", "draft", "deleted", "public", "private")


def _dialect() -> str:
    return db.session.get_bind().dialect.name


RANK_COLUMNS = (
    C.id,
    C.workspace_id,
    C.visibility,
    C.trust_tier,
    C.name,
    C.slug,
    C.publisher,
    C.created_at,
    C.install_count,
    C.rating_count,
    C.rating_total,
    C.primary_category_id,
    C.secondary_category_id,
)


def _reference(viewer, query: catalog.CatalogQuery) -> tuple[list[str], dict[str, int]]:
    """The straightforward query: every match listed to anyone scored in SQL and blended by the
    relevance rule (whose relative text score is the best among them), then what this viewer finds
    listed, counted per tier."""
    stmt = select(*RANK_COLUMNS).where(listed_to_someone_clause(C))
    if query.publisher:
        stmt = stmt.where(C.publisher == query.publisher)
    stmt, score = search.matched(stmt, query.terms, _dialect())
    rows = db.session.execute(stmt.add_columns(score.label("text_score")).order_by(score, C.id)).all()
    listed = {row.id for row in db.session.execute(select(C.id).where(listed_clause(C, viewer)))}
    tiers = {row.id: row.trust_tier for row in rows}
    ordered = [m.id for m in ranking.scored_matches(query.terms, rows) if m.id in listed]
    counts = dict.fromkeys(TRUST_TIERS, 0)
    counts.update(Counter(tiers[i] for i in ordered))
    return [i for i in ordered if not query.tiers or tiers[i] in query.tiers], counts


def _query(q: str, tiers=(), publisher=None) -> catalog.CatalogQuery:
    return catalog.CatalogQuery(q=q, tiers=tuple(tiers), publisher=publisher)


def _walk_pages(viewer, query, per_page=3) -> tuple[list[str], dict[str, int]]:
    ids, page, facets = [], 1, None
    while True:
        result = catalog.page_for(viewer, query, page=page, per_page=per_page)
        assert facets is None or result.facets == facets  # the same counts on every page
        facets = result.facets
        ids += [row.id for row in result.items]
        if not result.has_next:
            return ids, facets
        page += 1


def _walk_cursor(viewer, query, limit=4) -> list[str]:
    ids, after = [], None
    while True:
        result = catalog.keyset_page_for(viewer, query, after=after, limit=limit)
        ids += [row.id for row in result.items]
        if result.next_key is None:
            return ids
        # As the API's cursor carries it: through JSON and back.
        after = (catalog.decode_key_value("score", result.next_key[0]), result.next_key[1])


@pytest.fixture
def catalogue(factories):
    """Matches in every state, two workspaces, several tiers, scores that differ and scores that tie."""
    cast = make_cast()
    other = factories.WorkspaceFactory()
    for index in range(24):
        workspace = cast.workspace if index % 3 else other
        # Names of a few shapes, so some scores tie (the id breaks ties) and some differ.
        name = ["Ledger sync", "Payments hub", "Payments", "Invoices"][index % 4] + f" {index % 5}"
        description = [
            "Moves payments around.",
            "Handles payments and more payments.",
            "Nothing relevant here.",
        ][index % 3]
        make_integration(
            STATE_CYCLE[index % len(STATE_CYCLE)],
            workspace,
            name=name,
            description=description,
            trust_tier=TRUST_TIERS[index % len(TRUST_TIERS)],
        )
    viewers = {"anonymous": ANONYMOUS, **{name: viewer_for(user) for name, user in cast.users.items()}}
    return cast, viewers


@pytest.mark.parametrize(
    "query",
    [
        _query("payments"),
        _query("pay"),
        _query("payments hub"),
        _query("payments", tiers=("first_party", "community")),
        _query("ledger", tiers=("verified_partner",)),
        _query("nothingmatchesthis"),
    ],
    ids=["broad", "prefix", "two-terms", "tiers", "one-tier", "no-match"],
)
def test_pages_cursors_and_counts_equal_the_straightforward_query(app, catalogue, query):
    _, viewers = catalogue
    for name, viewer in viewers.items():
        expected_ids, expected_counts = _reference(viewer, query)
        ids, facets = _walk_pages(viewer, query)
        assert ids == expected_ids, name
        assert facets == expected_counts == catalog.tier_counts(viewer, query), name
        assert _walk_cursor(viewer, query) == expected_ids, name


def test_the_publisher_filter_is_part_of_the_ranking(app, catalogue):
    cast, viewers = catalogue
    publisher = db.session.scalar(select(C.publisher).where(C.workspace_id == cast.workspace.id).limit(1))
    query = _query("payments", publisher=publisher)
    for viewer in viewers.values():
        expected_ids, expected_counts = _reference(viewer, query)
        assert expected_ids and _walk_pages(viewer, query) == (expected_ids, expected_counts)


def test_searches_matching_too_many_rows_take_the_sql_path_with_the_same_results(app, catalogue, monkeypatch):
    """The same matches and counts; ordered by exact match, then the text score (not blended)."""
    _, viewers = catalogue
    monkeypatch.setattr(ranking, "MATCH_CACHE_ROWS", 2)
    catalog.clear_caches()
    query = _query("payments")
    assert ranking.ranking(query, generation=catalog.catalog_generation()) is None
    for viewer in viewers.values():
        expected_ids, expected_counts = _reference(viewer, query)
        ids, counts = _walk_pages(viewer, query)
        assert (sorted(ids), counts) == (sorted(expected_ids), expected_counts)
        stmt, score = search.matched(select(C.id).where(listed_clause(C, viewer)), query.terms, _dialect())
        assert ids == list(db.session.scalars(stmt.order_by(search.exact_first(score, query.terms), C.id)))


def _ids(client, url: str) -> list[str]:
    return [item["id"] for item in client.get(url).get_json()["data"]]


def test_every_write_reaches_the_next_search(client, factories):
    kept = factories.IntegrationFactory.published(name="Ranked first", description="ranked")
    moved = factories.IntegrationFactory.published(name="Other", description="ranked ranked")
    url = "/api/v1/integrations?q=ranked&limit=10"
    assert _ids(client, url) == [kept.id, moved.id]
    moved.name = "Ranked ranked ranked"  # now the better match
    db.session.flush()
    assert _ids(client, url) == [moved.id, kept.id]
    moved.visibility = "unlisted"
    db.session.flush()
    assert _ids(client, url) == [kept.id]
    # A write that bypasses the ORM moves the generation too (the trigger does it).
    db.session.execute(text("UPDATE integrations SET visibility = 'public' WHERE id = :id"), {"id": moved.id})
    assert _ids(client, url) == [moved.id, kept.id]
    db.session.execute(text("DELETE FROM integrations WHERE id = :id"), {"id": kept.id})
    assert _ids(client, url) == [moved.id]


def test_a_members_private_match_reaches_only_members(client, auth):
    cast = make_cast()
    private = make_integration("private", cast.workspace, name="Secretive payments")
    public = make_integration("public", cast.workspace, name="Open payments")
    url = "/api/v1/integrations?q=payments"
    assert _ids(client, url) == [public.id]  # ranked (and cached) for everyone first
    auth.login(cast.users["member"])
    assert set(_ids(client, url)) == {public.id, private.id}
    auth.logout()
    auth.login(cast.users["other_member"])
    assert _ids(client, url) == [public.id]


def test_a_repeated_search_reuses_its_ranking(client, factories, query_counter):
    factories.IntegrationFactory.published(name="Cached search")
    url = "/integrations?q=cached"

    def count() -> int:
        page_cache.clear()  # the whole page would be answered from it: this is about what lies beneath
        with query_counter as counter:
            assert client.get(url).status_code == 200
        return counter.count

    first, again = count(), count()
    # The page cache reads the generation first; then generation, ranking, (finding few) the matches
    # with one typo, the change log's mark (the first time this process keeps anything at this
    # generation), rows, the category facet's counts (kept like the ranking); then only the rows (the
    # generation riding along); last, the page's count fingerprint as it enters the page cache.
    assert (first, again) == (8, 3)
    factories.IntegrationFactory.published(name="Cached search too")
    # A write: the change log read, ranked afresh (this search looks for typos: any change may add
    # one); the category list, which no listing write changes, is kept.
    assert count() == first - 1
    assert "Cached search too" in client.get(url).get_data(as_text=True)
