"""A search's relevance ranking, computed once per catalog generation and shared by every viewer.

Decides: the order of a search's matches, and who among them each viewer may find. Ranking a broad
search means scoring every match (bm25 / ts_rank), whatever page is shown. So a search's whole
ranking -- the matches listed for anyone, best first, with just what visibility, the tier filter and
facet counts need -- is computed once per catalog generation and kept per process; each request then
filters it for its viewer (the visibility module's rule), and `listing` cuts its page from it and
`facets` counts its tiers. Searches matching more than MATCH_CACHE_ROWS rows are not ranked here:
they take the plain SQL path.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from sqlalchemy import select

from ...domain.visibility import PUBLIC, Viewer, is_listed_to, listed_to_someone_clause
from ...models.integration import TRUST_TIERS
from . import search
from .generation import MATCH_CACHE, process_cache
from .query import C, CatalogQuery, fetch, filtered, relevance_ordering, session_dialect

MATCH_CACHE_ROWS = 10_000
_TOO_MANY = "too-many"


class Match(NamedTuple):
    score: float
    id: str
    workspace_id: str
    visibility: str
    trust_tier: str
    primary_category_id: str | None
    secondary_category_id: str | None


class Ranking:
    """One search's matches, best first: by score, then id, as the SQL orders them (and as Python compares
    them: ids are UUID strings, which sort the same byte-wise and in any collation, so keyset cursors
    can bisect the list)."""

    def __init__(self, matches: list[Match]):
        self.matches = matches
        self.public = [m for m in matches if m.visibility == PUBLIC]
        self.public_counts = tier_counter(self.public)

    def for_viewer(self, viewer: Viewer) -> tuple[list[Match], dict[str, int]]:
        """The matches this viewer finds listed, best first, and how many there are per tier."""
        if not viewer.member_of:
            return self.public, self.public_counts
        visible = [m for m in self.matches if is_listed_to(viewer, m.visibility, m.workspace_id)]
        return visible, tier_counter(visible)


def tier_counter(matches) -> dict[str, int]:
    counts = dict.fromkeys(TRUST_TIERS, 0)
    counts.update(Counter(m.trust_tier for m in matches))
    return counts


def ranking(query: CatalogQuery, *, generation: int) -> Ranking | None:
    """The search's ranking for everyone (None when it matches too many rows to keep).
    `generation` must have been read before this call (the ranking is then at least that fresh)."""
    cache = process_cache(MATCH_CACHE)
    cached = cache.get(generation, query.matching_key)
    if cached is None:
        cached = _rank(query)
        cache.put(generation, query.matching_key, cached)
    return None if cached is _TOO_MANY else cached


def cached_ranking(query: CatalogQuery) -> tuple[int | None, Ranking | None]:
    """(generation, ranking) as this process last kept it, unchecked: the caller must check the generation."""
    generation, cached = process_cache(MATCH_CACHE).peek(query.matching_key)
    return generation, cached if isinstance(cached, Ranking) else None


def _rank(query: CatalogQuery):
    stmt = filtered(select().where(listed_to_someone_clause(C)), query, by_tier=False)
    stmt, score = search.matched(stmt, query.terms, session_dialect())
    stmt = stmt.add_columns(
        score.label("score"),
        C.id,
        C.workspace_id,
        C.visibility,
        C.trust_tier,
        C.primary_category_id,
        C.secondary_category_id,
    )  # Match's order
    rows = fetch(relevance_ordering(score).applied(stmt).limit(MATCH_CACHE_ROWS + 1))
    if len(rows) > MATCH_CACHE_ROWS:
        return _TOO_MANY
    return Ranking([Match._make(row) for row in rows])
