"""A search's relevance ranking, computed once per catalog generation and shared by every viewer.

Decides: the order of a search's matches, and who among them each viewer may find. Ranking a broad
search means scoring every match (bm25 / ts_rank), whatever page is shown. So a search's whole
ranking -- the matches listed for anyone, best first, with just what visibility, the tier filter and
facet counts need -- is computed once per catalog generation and kept per process; each request then
filters it for its viewer (the visibility module's rule), and `listing` cuts its page from it and
`facets` counts its tiers.

The order is app/domain/relevance.py's blend of the text score with trust tier, installs and rating,
exact name/handle matches first, confusable copies after their originals; a search matching fewer
than FEW_MATCHES rows also takes the rows one typo per word away (app/domain/typos.py). The installs
and rating blended in are those of the ranking's listing generation: an install alone does not move
that generation (migration 0012), so the order catches up with installs when the ranking is next
computed (a rating does move it, and recomputes every ranking). A listing write keeps a ranking whose
matches it leaves alone (migration 0021's change log: none of the changed listings is among its
matches, none of them matches now, and it did not look for typos); any other recomputes it.
Searches matching more than MATCH_CACHE_ROWS rows are not ranked here: they
take the plain SQL path, ordered by exact match and then the text score alone (search.exact_first: no
blend, no confusable rule, no typos -- so broad a search has plenty of matches as typed).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache, partial
from typing import NamedTuple

from sqlalchemy import bindparam, select

from ...domain import relevance, typos
from ...domain.visibility import PUBLIC, Viewer, is_listed_to, listed_to_someone_clause
from ...models.integration import TRUST_TIERS
from . import search
from .generation import MATCH_CACHE, process_cache, read_unbound
from .query import C, CatalogQuery, fetch, filtered, relevance_ordering, session_dialect

MATCH_CACHE_ROWS = 10_000
FEW_MATCHES = 5  # a search finding fewer also looks for matches with one typo
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

    def __init__(self, matches: list[Match], typo_ids=(), typo_searched: bool = False):
        self.matches = matches
        self.ids = frozenset(m.id for m in matches)
        # Whether too few matched for the words as typed (then rows one typo away were looked for).
        self.typo_searched = typo_searched
        # The matches found only by tolerating a typo: searches sorted otherwise than by relevance
        # list them too (listing._matched), so every sort shows what the counts count.
        self.typo_ids = tuple(sorted(typo_ids))
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
    cached = cache.get(generation, query.matching_key, partial(_unchanged_by, query))
    if cached is None:
        cached = _rank(query)
        cache.put(generation, query.matching_key, cached, survives=True, note=True)
    return None if cached is _TOO_MANY else cached


def _unchanged_by(query: CatalogQuery, cached, changed: frozenset):
    """`cached` (a ranking, or _TOO_MANY) if the listings `changed` since it was computed leave it as it
    is: none of them is among its matches, none of them matches now, and it did not look for typos (a
    changed listing might be one typo away now). Else None: it is ranked again."""
    if cached is _TOO_MANY or cached.typo_searched:
        return None
    if not changed.isdisjoint(cached.ids):
        return None
    matching = CatalogQuery(q=" ".join(query.terms), publisher=query.publisher, category=query.category)
    stmt = _changed_matches(session_dialect(), matching)
    return None if read_unbound(stmt, {"changed": sorted(changed)}) else cached


@lru_cache(maxsize=256)
def _changed_matches(dialect: str, query: CatalogQuery):
    """Which of the `changed` ids the search matches now (built once per search: the first request after a
    write, often answered before Flask from a kept page, should not pay for building it)."""
    return filtered(
        select(C.id).where(listed_to_someone_clause(C), C.id.in_(bindparam("changed", expanding=True))),
        query,
        by_tier=False,
    ).where(search.row_matches_clause(query.terms, dialect))


def search_page_check(query: CatalogQuery, generation: int):
    """For a page of `query` just cut at `generation` from its rankings (the query's, and the one without
    its category that the category counts come from): a check (changed ids, listing generation now)
    -> bool that both are still the very rankings kept, i.e. no listing changed since matches the
    search before or after. Then what the page shows -- its rows, in any sort, and its counts -- is
    as it was. None when the page was not cut from kept rankings (not a search, too many matches)."""
    if not query.is_search:
        return None
    kept = []
    for each in dict.fromkeys((query, query.without_category())):
        at, found = cached_ranking(each)
        if at != generation or found is None:
            return None
        kept.append((each, found))

    def unchanged(changed: frozenset, listing: int) -> bool:
        return all(ranking(each, generation=listing) is found for each, found in kept)

    return unchanged


def cached_ranking(query: CatalogQuery) -> tuple[int | None, Ranking | None]:
    """(generation, ranking) as this process last kept it, unchecked: the caller must check the generation."""
    generation, cached = process_cache(MATCH_CACHE).peek(query.matching_key)
    return generation, cached if isinstance(cached, Ranking) else None


# What the blend and the confusable rule read of each match, besides Match's own columns.
_RANK_COLUMNS = (
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


def typo_ids(query: CatalogQuery, *, generation: int) -> tuple[str, ...]:
    """The ids the search finds only by tolerating a typo (none when it matches too many to rank)."""
    found = ranking(query, generation=generation)
    return found.typo_ids if found is not None else ()


def cached_typo_ids(query: CatalogQuery) -> tuple[int | None, tuple[str, ...] | None]:
    """(generation, typo ids) as this process last kept them, unchecked; ids None when not kept."""
    generation, cached = process_cache(MATCH_CACHE).peek(query.matching_key)
    if cached is None:
        return generation, None
    return generation, () if cached is _TOO_MANY else cached.typo_ids


def _rank(query: CatalogQuery):
    dialect = session_dialect()
    base = filtered(select(*_RANK_COLUMNS).where(listed_to_someone_clause(C)), query, by_tier=False)
    stmt, score = search.matched(base, query.terms, dialect)
    stmt = relevance_ordering(score).applied(stmt.add_columns(score.label("text_score")))
    rows = fetch(stmt.limit(MATCH_CACHE_ROWS + 1))
    if len(rows) > MATCH_CACHE_ROWS:
        return _TOO_MANY
    # Public matches decide (so nobody's private listings change what anyone else is shown).
    public_found = sum(1 for row in rows if row.visibility == PUBLIC)
    typo_rows = (
        _typo_matches(base, query, dialect, {row.id for row in rows}) if public_found < FEW_MATCHES else []
    )
    return Ranking(
        scored_matches(query.terms, rows, typo_rows),
        typo_ids=[row.id for row in typo_rows],
        typo_searched=public_found < FEW_MATCHES,
    )


def _typo_matches(base, query: CatalogQuery, dialect: str, found: set[str]) -> list:
    """Rows one typo per word away from the query (and not found already), checked in Python."""
    if not typos.typo_candidates_wanted(query.terms):
        return []
    stmt = search.typo_candidates(base, query.terms, dialect)
    if stmt is None:
        return []
    return [
        row
        for row in fetch(stmt)
        if row.id not in found and typos.matches_with_typos(query.terms, (row.name, row.slug, row.publisher))
    ]


def scored_matches(terms: tuple[str, ...], rows, typo_rows=()) -> list[Match]:
    """The matches, best first, by the blend of app/domain/relevance.py: `rows` carry their full-text
    score (`text_score`, lower is better), `typo_rows` were found by tolerating a typo."""
    # The best public match is the yardstick (nobody's private listings change anyone else's order);
    # a better private match only reaches the cap of 1.
    public = [row.text_score for row in rows if row.visibility == PUBLIC]
    best = min(public or [row.text_score for row in rows], default=0.0)
    texts = [(row, relevance.relative_text(row.text_score, best)) for row in rows]
    texts += [(row, relevance.TYPO_TEXT) for row in typo_rows]
    items = [
        relevance.Scored(
            id=row.id,
            score=relevance.relevance_score(
                text,
                exact=relevance.is_exact(terms, name=row.name, slug=row.slug, publisher=row.publisher),
                tier=row.trust_tier,
                installs=row.install_count,
                rating_count=row.rating_count,
                rating_total=row.rating_total,
            ),
            name=row.name,
            publisher=row.publisher,
            slug=row.slug,
            tier=row.trust_tier,
            created_at=row.created_at,
            public=row.visibility == PUBLIC,
        )
        for row, text in texts
    ]
    relevance.demote_copies(items)
    by_id = {row.id: row for row, _ in texts}
    matches = []
    for item in items:
        row = by_id[item.id]
        matches.append(
            Match(
                float(item.score),
                item.id,
                row.workspace_id,
                row.visibility,
                item.tier,
                row.primary_category_id,
                row.secondary_category_id,
            )
        )
    matches.sort(key=lambda m: (m.score, m.id))
    return matches
