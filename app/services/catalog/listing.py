"""A page of the catalog for one viewer: the pipeline's end, where a page is cut and counted.

Decides: which rows make a page (numbered pages for people, keyset cursors for the JSON API) and
what it costs. The query is built (`query`), matched (`search`) and ordered, or, for a search by
relevance, its ranking (`ranking`) is cut for the viewer; then the tiers are counted (`facets`).

Speed at 100,000 integrations: pages come straight off the sort indexes (LIMIT n+1, no COUNT), and
the catalog generation rides along with the page rows (same statement, same snapshot), so a page
costs one round trip when its facet counts are cached. Page statements are built once per dialect,
membership set, query and page, and reused. A repeated search costs one round trip too: the cached
ranking's page rows come back with the catalog generation and are served only if it has not moved.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, bindparam, select, tuple_

from ...domain.visibility import Viewer, listed_clause
from . import search
from .facets import CategoryCount, category_counts, tier_counts
from .generation import GENERATION, catalog_generation, read_unbound_rows
from .query import (
    API_COLUMNS,
    CARD_COLUMNS,
    INTEGRATIONS,
    C,
    CatalogQuery,
    fetch,
    listing_statement,
    ordering,
    session_dialect,
)
from .ranking import Match, Ranking, cached_ranking, ranking, typo_ids

PAGE_SIZE = 24
MAX_PAGE = 400  # deep OFFSETs cost a scan each; past this page, filters narrow the list
MAX_LIMIT = 100  # rows per JSON API page


@dataclass
class CatalogPage:
    items: list  # rows with the card columns
    page: int
    per_page: int
    has_next: bool
    facets: dict[str, int]  # every tier's count, so a person can widen the filter
    tiers: tuple[str, ...] = ()
    categories: list[CategoryCount] = field(default_factory=list)  # every category, with its count

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def total(self) -> int:
        return sum(n for tier, n in self.facets.items() if not self.tiers or tier in self.tiers)

    @property
    def last_page(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // self.per_page)))


@dataclass
class KeysetPage:
    items: list  # rows with the API columns (every one but the working copy's documents)
    next_key: tuple | None
    sort_names: tuple[str, ...] = ()


def page_for(viewer: Viewer, query: CatalogQuery, *, page: int = 1, per_page: int = PAGE_SIZE) -> CatalogPage:
    """One page of the catalog: items, whether there is a next page, and tier facet counts."""
    if query.is_search and query.sort == "relevance":
        ranked = _ranked_page(viewer, query, start=(page - 1) * per_page, count=per_page, cards=True)
        if ranked is not None:
            items, next_key, facets, generation = ranked
            return CatalogPage(
                items,
                page,
                per_page,
                next_key is not None and page < MAX_PAGE,
                facets,
                query.tiers,
                category_counts(viewer, query, generation=generation),
            )
    typo_ids = _typo_ids(query)
    rows = fetch(_page_statement(session_dialect(), viewer.member_of, query, page, per_page, typo_ids))
    generation = rows[0].catalog_generation if rows else catalog_generation()
    facets = tier_counts(viewer, query, generation=generation)
    categories = category_counts(viewer, query, generation=generation)
    # Pages stop at MAX_PAGE (deep OFFSETs cost a scan each); past that, filters narrow the list.
    has_next = len(rows) > per_page and page < MAX_PAGE
    return CatalogPage(rows[:per_page], page, per_page, has_next, facets, query.tiers, categories)


def ranked_page_outline(
    viewer: Viewer, query: CatalogQuery, *, page: int, generation: int, counted: bool = True
) -> CatalogPage | None:
    """The page `page_for` gives of a relevance-ordered search, cut from its ranking as kept at
    `generation`, with the ranking's matches (their ids) for items instead of rows: no statement. None
    when the ranking kept is not at `generation` (or the search is not ranked here). `counted` False:
    without its category counts (the caller knows them)."""
    at, found = cached_ranking(query)
    if at != generation or found is None:
        return None
    shown, next_key, facets = cut_ranking(found, viewer, query, count=PAGE_SIZE, start=(page - 1) * PAGE_SIZE)
    categories = category_counts(viewer, query, generation=generation) if counted else []
    return CatalogPage(
        shown, page, PAGE_SIZE, next_key is not None and page < MAX_PAGE, facets, query.tiers, categories
    )


def card_rows(viewer: Viewer, ids: list[str]) -> tuple[list, int]:
    """The card rows of `ids` the viewer may find listed, by id order given, and the catalog generation
    they were read at (one statement)."""
    found = read_unbound_rows(_rows_by_id_statement(True, viewer.member_of), {"ids": ids})
    return [row for row in found if row.id is not None], int(found[0].catalog_generation)


def keyset_page_for(viewer: Viewer, query: CatalogQuery, *, after: tuple | None, limit: int) -> KeysetPage:
    """A page for the JSON API: rows strictly after `after` (the previous page's last sort key)."""
    if query.is_search and query.sort == "relevance":
        ranked = _ranked_page(viewer, query, after=after, count=limit, cards=False)
        if ranked is not None:
            items, next_key, _, _ = ranked
            return KeysetPage(items, next_key, ("score", "id"))
    stmt, score = _matched(viewer, query, API_COLUMNS, session_dialect(), _typo_ids(query))
    order = ordering(query, score)
    if after is not None:
        row = tuple_(*order.columns)
        stmt = stmt.where(row < tuple_(*after) if order.descending else row > tuple_(*after))
    rows = fetch(order.applied(stmt.add_columns(order.columns[0].label("sort_key"))).limit(limit + 1))
    next_key = None
    if len(rows) > limit:
        last_row = rows[limit - 1]
        next_key = (last_row.sort_key, last_row.id)
    return KeysetPage(rows[:limit], next_key, order.names)


def decode_key_value(name: str, value):
    """Turn a cursor's JSON value back into the column's Python type."""
    if name == "updated":
        return datetime.fromisoformat(value)
    if name == "installs":
        return int(value)
    if name in ("score", "rating"):
        return float(value)
    return str(value)


# -- the SQL path: build, match, order, cut -------------------------------------------------------


def _matched(viewer: Viewer, query: CatalogQuery, columns, dialect: str, typo_ids: tuple[str, ...] = ()):
    """(the listing statement restricted to the query's matches, the relevance score or None).
    A search sorted otherwise than by relevance also lists `typo_ids`, what its ranking found by
    tolerating a typo (so it shows what its tier counts count)."""
    stmt = listing_statement(viewer, query, columns)
    if not query.is_search:
        return stmt, None
    if query.sort != "relevance":
        return stmt.where(search.matching_clause(query.terms, dialect, typo_ids)), None
    stmt, score = search.matched(stmt, query.terms, dialect)
    return stmt, search.exact_first(score, query.terms)


def _typo_ids(query: CatalogQuery) -> tuple[str, ...]:
    """A search sorted otherwise than by relevance: the ranking's typo matches (no ranking is needed
    for anything else on the SQL path)."""
    if not query.is_search or query.sort == "relevance":
        return ()
    return typo_ids(query, generation=catalog_generation())


@lru_cache(maxsize=512)
def _page_statement(
    dialect: str, member_of: frozenset, query: CatalogQuery, page: int, per_page: int, typo_ids: tuple = ()
):
    # Statements are immutable: the busiest pages reuse theirs instead of rebuilding them each time.
    # (The listing rule reads only the viewer's memberships, which are part of the key.)
    stmt, score = _matched(Viewer(user_id="-", member_of=member_of), query, CARD_COLUMNS, dialect, typo_ids)
    stmt = stmt.add_columns(GENERATION.label("catalog_generation"))
    return ordering(query, score).applied(stmt).offset((page - 1) * per_page).limit(per_page + 1)


# -- the ranked path: cut the cached ranking, load the page's rows by id ----------------------------


def _ranked_page(
    viewer: Viewer,
    query: CatalogQuery,
    *,
    count: int,
    cards: bool,
    start: int = 0,
    after: tuple | None = None,
):
    """(rows in ranking order, the next page's key or None, tier counts, the catalog generation they were
    read at) for a relevance-ordered search; None when it matches too many rows to rank once and keep.

    A cached ranking is used optimistically: the page's rows come back with the catalog generation in
    the same statement (one snapshot), and only if it is still the ranking's generation are they
    served; otherwise the search is ranked afresh for the generation just seen and the rows loaded
    again. So a repeated search costs one round trip; a first one, or the first after a write, three."""
    generation, cached = cached_ranking(query)
    seen = None
    if cached is not None:
        cut = cut_ranking(cached, viewer, query, count=count, start=start, after=after)
        rows, seen = _page_rows(cards, viewer, cut[0])
        if seen == generation:
            return rows, *cut[1:], seen
    seen = catalog_generation() if seen is None else seen
    found = ranking(query, generation=seen)
    if found is None:
        return None
    page, next_key, counts = cut_ranking(found, viewer, query, count=count, start=start, after=after)
    return _page_rows(cards, viewer, page)[0], next_key, counts, seen


def cut_ranking(
    found: Ranking,
    viewer: Viewer,
    query: CatalogQuery,
    *,
    count: int,
    start: int = 0,
    after: tuple | None = None,
):
    """This viewer's page of the ranking: (matches on it, the next page's key or None, tier counts)."""
    visible, counts = found.for_viewer(viewer)
    if query.tiers:
        visible = [m for m in visible if m.trust_tier in query.tiers]
    if after is not None:
        start = bisect_right(visible, (after[0], after[1]), key=lambda m: (m.score, m.id))
    window = visible[start : start + count + 1]
    page = window[:count]
    next_key = (page[-1].score, page[-1].id) if len(window) > count else None
    return page, next_key, dict(counts)


@lru_cache(maxsize=512)
def _rows_by_id_statement(cards: bool, member_of: frozenset):
    # The page's rows by id with the listing rule re-applied (a row changed since never shows where it
    # should not), and the catalog generation read in the same statement (one row with null columns
    # when no row is left). Built once per membership set.
    viewer = Viewer(user_id="-", member_of=member_of)
    state = select(GENERATION.label("catalog_generation")).subquery("state")
    return select(state.c.catalog_generation, *(CARD_COLUMNS if cards else API_COLUMNS)).select_from(
        state.outerjoin(
            INTEGRATIONS, and_(C.id.in_(bindparam("ids", expanding=True)), listed_clause(C, viewer))
        )
    )


def _page_rows(cards: bool, viewer: Viewer, page: list[Match]) -> tuple[list, int]:
    """The page's rows in ranking order, and the catalog generation they were read at (one statement)."""
    # On the thread's own connection: the rows carry the generation they were read at, checked by the caller.
    found = read_unbound_rows(_rows_by_id_statement(cards, viewer.member_of), {"ids": [m.id for m in page]})
    by_id = {row.id: row for row in found if row.id is not None}
    return [by_id[m.id] for m in page if m.id in by_id], int(found[0].catalog_generation)
