"""Tier facet counts: how many listed integrations per trust tier, for one viewer and query.

Decides: the numbers beside each tier filter (every tier, so a person can widen the filter). A
search's counts come from its ranking (`ranking`). Otherwise what everyone sees is counted once per
catalog generation and cached per process (a cache hit builds no SQL), and what a signed-in member
sees beyond that -- their workspaces' private integrations -- is counted through the
(workspace_id, visibility, trust_tier) index and cached the same way, per membership set.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ...domain.visibility import ANONYMOUS, Viewer, listed_split
from ...models.integration import TRUST_TIERS
from . import search
from .generation import FACET_CACHE, catalog_generation, process_cache
from .query import C, CatalogQuery, fetch, filtered, session_dialect
from .ranking import ranking


def tier_counts(viewer: Viewer, query: CatalogQuery, *, generation: int | None = None) -> dict[str, int]:
    """Listed integrations per trust tier for this viewer, with the query's text and publisher filters.
    `generation`, when the caller read it already, must have been read before this call."""
    if generation is None:
        generation = catalog_generation()  # read first: the counts below are at least this fresh
    generation = int(generation)
    if query.is_search:
        found = ranking(query, generation=generation)
        if found is not None:
            return dict(found.for_viewer(viewer)[1])
    cache = process_cache(FACET_CACHE)
    counts = cache.get(generation, query.matching_key)
    if counts is None:
        counts = _count_by_tier(listed_split(C, ANONYMOUS)[0], query)
        cache.put(generation, query.matching_key, counts)
    counts = dict(counts)
    if viewer.member_of:
        # What a membership set adds (its private rows) is the same for everyone holding it.
        key = ("private", viewer.member_of, query.matching_key)
        extras = cache.get(generation, key)
        if extras is None:
            extras = _count_by_tier(listed_split(C, viewer)[1], query)
            cache.put(generation, key, extras)
        for tier, extra in extras.items():
            counts[tier] += extra
    return counts


def _count_by_tier(clause, query: CatalogQuery) -> dict[str, int]:
    stmt = filtered(
        select(C.trust_tier, func.count()).where(clause).group_by(C.trust_tier), query, by_tier=False
    )
    if query.is_search:
        stmt = stmt.where(search.matching_clause(query.terms, session_dialect()))
    counts = dict.fromkeys(TRUST_TIERS, 0)
    counts.update({tier: n for tier, n in fetch(stmt)})
    return counts
