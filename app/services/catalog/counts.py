"""What a kept page shows of the install counts, read again after an install: so a page rendered
before the install is answered again, not re-rendered, when it shows none of what changed.

Decides: a page's count fingerprint -- the ids and install counts of the rows it shows, in its order,
and whether a next page follows -- read in one statement with both catalog sums (one snapshot), for an
anonymous visitor. An install moves only the counts sum (migration 0011): rankings, facet counts and
every listed row's text stay as they were, so a page whose fingerprint reads the same at the same
listing generation is, byte for byte, the page it would render now. Each function answers
(listing generation, counts, fingerprint), or None when it cannot tell (then the page is rendered).

Each is one statement, compiled once, run outside the session's transaction on the thread's own
autocommit connection (`generation.read_unbound`, the generation's): the first request after an
install, often answered before Flask from a kept page, pays one round trip for it, not a pool
checkout, pre-ping, BEGIN and rollback besides.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import and_, bindparam, select, true

from ...domain.visibility import ANONYMOUS, listed_clause
from . import search
from .generation import COUNTS, GENERATION, SUMS, read_unbound
from .listing import MAX_PAGE, PAGE_SIZE, cut_ranking
from .query import INTEGRATIONS, C, CatalogQuery, listing_statement, ordering, session_dialect
from .ranking import cached_ranking, cached_typo_ids

Counted = tuple[int, int, tuple]


def page_counts(query: CatalogQuery, page: int) -> Counted | None:
    """An anonymous visitor's catalog page `page` of `query` (as `listing.page_for` cuts it)."""
    if query.is_search and query.sort == "relevance":
        generation, ranked = cached_ranking(query)
        if ranked is None:
            return None  # not ranked here (too many matches) or not yet: the page is rendered
        shown, next_key, _ = cut_ranking(
            ranked, ANONYMOUS, query, count=PAGE_SIZE, start=(page - 1) * PAGE_SIZE
        )
        # (listing, counts, id, install_count) per row: the sums on every row, ids None when none shown
        rows = read_unbound(_by_id_statement(), {"ids": [m.id for m in shown]})
        listing, counted = int(rows[0][0]), int(rows[0][1])
        if listing != generation:
            return None  # the ranking is older than the listing now
        counts = {row[2]: row[3] for row in rows if row[2] is not None}
        has_next = next_key is not None and page < MAX_PAGE
        return listing, counted, (tuple((m.id, counts.get(m.id)) for m in shown), has_next)
    typo_ids = ()
    if query.is_search:
        ranked_at, typo_ids = cached_typo_ids(query)
        if typo_ids is None:
            return None  # which rows a search sorted otherwise shows depends on its ranking: not kept
    # (id, install_count, listing, counts) per row
    rows = read_unbound(_page_statement(session_dialect(), query, page, typo_ids), {})
    if not rows or (query.is_search and rows[0][2] != ranked_at):
        return None
    shown = tuple((row[0], row[1]) for row in rows[:PAGE_SIZE])
    return int(rows[0][2]), int(rows[0][3]), (shown, len(rows) > PAGE_SIZE and page < MAX_PAGE)


def page_fingerprint(page) -> tuple:
    """The fingerprint `page_counts` reads, of a CatalogPage just cut (its rows as they were read)."""
    return tuple((row.id, row.install_count) for row in page.items), page.has_next


def detail_counts(publisher: str, slug: str) -> Counted | None:
    """The detail page at /integrations/<publisher>/<slug>: its integration's install count."""
    row = read_unbound(
        _detail_statement(), {"publisher": publisher, "slug": slug}
    )  # (install_count, listing, counts)
    if not row:
        return None
    return int(row[0][1]), int(row[0][2]), (row[0][0],)


_SUMS = (SUMS.c.listing, SUMS.c.counts)
# A page's own rows keep the sums as scalar subqueries (its plan is the planner's as before).
_SCALAR_SUMS = (GENERATION.label("listing"), COUNTS.label("counts"))


@lru_cache(maxsize=512)
def _page_statement(dialect: str, query: CatalogQuery, page: int, typo_ids: tuple = ()):
    stmt = listing_statement(ANONYMOUS, query, (C.id, C.install_count, *_SCALAR_SUMS))
    score = None
    if query.is_search and query.sort == "relevance":
        stmt, score = search.matched(stmt, query.terms, dialect)
        score = search.exact_first(score, query.terms)
    elif query.is_search:
        stmt = stmt.where(search.matching_clause(query.terms, dialect, typo_ids))
    return ordering(query, score).applied(stmt).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)


@lru_cache(maxsize=1)
def _by_id_statement():
    return select(*_SUMS, C.id, C.install_count).select_from(
        SUMS.outerjoin(
            INTEGRATIONS, and_(C.id.in_(bindparam("ids", expanding=True)), listed_clause(C, ANONYMOUS))
        )
    )


@lru_cache(maxsize=1)
def _detail_statement():
    return (
        select(C.install_count, *_SUMS)
        .select_from(INTEGRATIONS.join(SUMS, true()))
        .where(C.publisher == bindparam("publisher"), C.slug == bindparam("slug"))
    )
