"""Tier and category facet counts: how many listed integrations per trust tier and per category, for one
viewer and query.

Decides: the numbers beside each tier filter (every tier, so a person can widen the filter). A
search's counts come from its ranking (`ranking`). Otherwise what everyone sees is counted once per
catalog generation and cached per process (a cache hit builds no SQL), and what a signed-in member
sees beyond that -- their workspaces' private integrations -- is counted through the
(workspace_id, visibility, trust_tier) index and cached the same way, per membership set.

Category counts follow the same rule (the same listing clause, the same split between what everyone
sees and what a membership set adds, the same caches): each category counts the listings naming it
as primary or secondary, with the query's text, publisher and tier filters (not its category: a
person can switch category). A search's category counts are counted from its ranking once, and when
the ranking is patched after a listing write, counted again from the patch's changes alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select, union_all

from ...domain.visibility import ANONYMOUS, Viewer, is_listed_to, listed_split
from ...models.integration import TRUST_TIERS
from . import search
from .generation import FACET_CACHE, catalog_generation, process_cache
from .query import CATEGORIES, C, CatalogQuery, fetch, filtered, session_dialect
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


@dataclass(frozen=True)
class CategoryCount:
    slug: str
    name: str
    count: int


def category_counts(
    viewer: Viewer, query: CatalogQuery, *, generation: int | None = None
) -> list[CategoryCount]:
    """Every category, in the staff's order, with how many listed integrations name it for this viewer
    (with the query's text, publisher and tier filters). `generation` as for `tier_counts`. A search's
    counts come from its ranking without the category (the same ranking as the page's when the query
    names none), like the tier counts; other queries are counted in SQL, cached per generation."""
    if generation is None:
        generation = catalog_generation()
    generation = int(generation)
    cache = process_cache(FACET_CACHE)
    if query.is_search:
        found = ranking(query.without_category(), generation=generation)
        if found is not None:
            key = ("ranked", viewer.member_of, query.category_key)
            # Counted from `found`: still right while the ranking is the very one (kept unchanged), and
            # brought up to date with a patched one's changes.
            kept = cache.get(generation, key, lambda kept, _: _recounted(kept, found, viewer, query.tiers))
            if kept is None:
                kept = (found, _count_ranked(found.for_viewer(viewer)[0], query.tiers))
                cache.put(generation, key, kept, survives=True)
            counts = kept[1]
            return [
                CategoryCount(slug, name, counts.get(cid, 0)) for cid, slug, name in _categories(generation)
            ]
    key = query.category_key
    rows = cache.get(generation, key)
    if rows is None:
        rows = _count_by_category(listed_split(C, ANONYMOUS)[0], query, with_names=True)
        cache.put(generation, key, rows)
    extras: dict[str, int] = {}
    if viewer.member_of:
        private_key = ("private", viewer.member_of, key)
        extras = cache.get(generation, private_key)
        if extras is None:
            extras = {slug: n for slug, _, n in _count_by_category(listed_split(C, viewer)[1], query)}
            cache.put(generation, private_key, extras)
    return [CategoryCount(slug, name, n + extras.get(slug, 0)) for slug, name, n in rows]


def _recounted(kept: tuple, found, viewer: Viewer, tiers: tuple[str, ...]) -> tuple | None:
    """`kept` -- (a ranking, this viewer's category counts of it) -- for the ranking `found`: the very
    counts if it is the same ranking; counted again from the changes only, if `found` is it patched;
    else None (counted in full)."""
    ranked, counts = kept
    if ranked is found:
        return kept
    steps = found.changes_since(ranked)
    if steps is None:
        return None
    counts = Counter(counts)
    for gone, fresh in steps:
        counts.subtract(_count_ranked(_listed(gone, viewer), tiers))
        counts.update(_count_ranked(_listed(fresh, viewer), tiers))
    return found, {category: n for category, n in counts.items() if n}


def _listed(matches, viewer: Viewer) -> list:
    return [m for m in matches if is_listed_to(viewer, m.visibility, m.workspace_id)]


def _count_ranked(matches, tiers: tuple[str, ...]) -> dict[str, int]:
    counts: Counter = Counter()
    for match in matches:
        if tiers and match.trust_tier not in tiers:
            continue
        if match.primary_category_id:
            counts[match.primary_category_id] += 1
        if match.secondary_category_id:
            counts[match.secondary_category_id] += 1
    return dict(counts)


def _categories(generation: int) -> tuple:
    """(id, slug, name) of every category in the staff's order, read once per generation."""
    cache = process_cache(FACET_CACHE)
    # Categories are written with bump_listing_generation() (no move the log describes changes them).
    rows = cache.get(generation, ("category-list",), lambda rows, _: rows)
    if rows is None:
        stmt = select(CATEGORIES.c.id, CATEGORIES.c.slug, CATEGORIES.c.name).order_by(
            CATEGORIES.c.position, CATEGORIES.c.name
        )
        rows = tuple(tuple(row) for row in fetch(stmt))
        cache.put(generation, ("category-list",), rows, survives=True)
    return rows


def _count_by_category(clause, query: CatalogQuery, *, with_names: bool = False) -> tuple:
    """(slug, name, count) per category: every category when `with_names`, else only those counted."""
    named = []
    for column in (C.primary_category_id, C.secondary_category_id):
        stmt = filtered(
            select(column.label("category_id")).where(clause, column.is_not(None)), query, by_category=False
        )
        if query.is_search:
            stmt = stmt.where(search.matching_clause(query.terms, session_dialect()))
        named.append(stmt)
    listed = union_all(*named).subquery("listed")
    counted = (
        select(listed.c.category_id, func.count().label("n"))
        .group_by(listed.c.category_id)
        .subquery("counted")
    )
    stmt = select(CATEGORIES.c.slug, CATEGORIES.c.name, func.coalesce(counted.c.n, 0))
    if with_names:
        stmt = stmt.select_from(CATEGORIES.outerjoin(counted, counted.c.category_id == CATEGORIES.c.id))
    else:
        stmt = stmt.select_from(CATEGORIES.join(counted, counted.c.category_id == CATEGORIES.c.id))
    stmt = stmt.order_by(CATEGORIES.c.position, CATEGORIES.c.name)
    return tuple((slug, name, int(n)) for slug, name, n in fetch(stmt))
