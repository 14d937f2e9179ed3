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
computed (a rating does move it, and recomputes every ranking).

A listing write (migration 0021's change log says which listings changed) keeps a ranking whose
matches it leaves alone: none of the changed listings is among its matches and none matches now --
the very object is kept, and so are the pages cut from it. A write that does touch it patches it
(`_patched`): one statement reads the changed listings' rows as a full computation would (the
search's filters, listed to someone, matched and scored; on SQLite, while the index holds no word
beginning with one of the search's terms but the term itself, matched as the word, which gives the
same rows and scores for a fraction of the cost -- search.whole_words, `_read_changed`), and a NEW
ranking (pages cut from the old one must be rendered again) is made from the old one with the
changed matches taken out and those that match now scored by the same blend against the same
yardstick (the best public text score, that relative_text divides by) and put in place. The copy
rule is re-run only on the matches linked to the changed ones by a shared look (the ranking keeps
each match's look-alike keys, which matches share each key, and the score a demoted copy had before
it was demoted): copies in other groups do not affect them. A patch is exactly what a full
computation gives, but for this: the installs and rating of the matches not re-read are those they
were ranked with (as for a kept ranking), and on SQLite bm25's scores depend on the whole corpus's
statistics (row count, average length, how many rows hold each word), so the matches not re-read,
the yardstick included, keep scores computed at slightly older statistics than the re-read ones.
That drift is bounded: after PATCH_LIMIT patches the ranking is computed in full again.
(PostgreSQL's ts_rank depends on the document alone: there a patch equals a full computation.) The
ranking is computed in full instead whenever a patch could not be exact: it looked for typos, or
would have to now (fewer than FEW_MATCHES public matches left); the yardstick changed, or a changed
public match now beats it; more than PATCH_CHANGES of its matches (before or after) changed; it was
patched PATCH_LIMIT times already; it would now hold more than MATCH_CACHE_ROWS.

Searches matching more than MATCH_CACHE_ROWS rows are not ranked here: they
take the plain SQL path, ordered by exact match and then the text score alone (search.exact_first: no
blend, no confusable rule, no typos -- so broad a search has plenty of matches as typed).
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left, insort
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache, partial
from typing import NamedTuple

from sqlalchemy import bindparam, select, true

from ...domain import relevance, typos
from ...domain.visibility import PUBLIC, Viewer, is_listed_to, listed_to_someone_clause
from ...models import Integration
from ...models.integration import TRUST_TIERS
from . import search
from .generation import GENERATION, MATCH_CACHE, process_cache, read_unbound_rows
from .query import CARD_COLUMNS, C, CatalogQuery, fetch, filtered, relevance_ordering, session_dialect

MATCH_CACHE_ROWS = 10_000
FEW_MATCHES = 5  # a search finding fewer also looks for matches with one typo
PATCH_CHANGES = 50  # more of a ranking's matches changed (before or after) than this: computed in full
PATCH_LIMIT = 32  # patches of one ranking before it is computed in full again
_TOO_MANY = "too-many"


class Match(NamedTuple):
    score: float
    id: str
    workspace_id: str
    visibility: str
    trust_tier: str
    primary_category_id: str | None
    secondary_category_id: str | None


@dataclass(frozen=True, slots=True)
class Patching:
    """What patching a ranking needs besides its matches (module docstring). `names` and `addresses`:
    each look-alike key (relevance.copy_keys) to the id, or the tuple of ids, of the matches having it."""

    best: float  # the yardstick's text score
    yardstick: str  # its id
    looks: dict[str, tuple[str, str, datetime | None]]  # id -> (name key, address key, created_at)
    names: dict[str, str | tuple[str, ...]]
    addresses: dict[str, str | tuple[str, ...]]
    demoted: dict[str, float]  # a demoted copy's id -> its score before the copy rule
    patches: int = 0  # since the ranking was computed in full
    # SQLite: the index held no word beginning with one of the search's terms but the term itself when the
    # ranking was computed, and no patch since re-read a listing that might have added one
    # (search.whole_words, search.may_add_words): a patch may match the terms as words.
    whole_words: bool = False
    # [True] once a patch took the four dicts above and the ranking's by_id (`_take`): they are the
    # patched ranking's then.
    taken: list = field(default_factory=lambda: [False], compare=False)


class Ranking:
    """One search's matches, best first: by score, then id, as the SQL orders them (and as Python compares
    them: ids are UUID strings, which sort the same byte-wise and in any collation, so keyset cursors
    can bisect the list)."""

    def __init__(
        self,
        matches: list[Match],
        typo_ids=(),
        typo_searched: bool = False,
        patching: Patching | None = None,
    ):
        self.matches = matches
        self.by_id = {m.id: m for m in matches}
        # Whether too few matched for the words as typed (then rows one typo away were looked for).
        self.typo_searched = typo_searched
        # The matches found only by tolerating a typo: searches sorted otherwise than by relevance
        # list them too (listing._matched), so every sort shows what the counts count.
        self.typo_ids = tuple(sorted(typo_ids))
        self.public = [m for m in matches if m.visibility == PUBLIC]
        self.public_counts = tier_counter(self.public)
        self.patching = patching  # None: never patched (it looked for typos)
        self.patch_of = None  # a patched ranking's (weak reference to the one patched, its changes)
        # A patched ranking's re-read rows, with their card columns: (the listing generation they were
        # read at, {id: row}), so a page cut from it puts its changed cards in place without reading them
        # again (app/web/catalog/splice.py).
        self.reread: tuple[int, dict] | None = None

    def replaced(self, gone: list[Match], placed: list[Match], patching: Patching, by_id: dict) -> Ranking:
        """A new ranking: this one with the matches `gone` taken out and `placed` put in (or moved), its
        lists and counts updated rather than derived again (a patch costs a few of its matches, not all).
        `by_id`: this one's, taken (`_take`): changed in place for the new one, as are its lists where
        `_handed_on` hands them on."""
        gone_ids = {m.id for m in gone}
        fresh = [m for m in placed if m.id in gone_ids or m.id not in by_id]
        moved = [by_id[m.id] for m in placed if m.id not in gone_ids and m.id in by_id]
        matches, public = _handed_on(self)
        counts = dict(self.public_counts)
        for match in (*gone, *moved):
            _remove(matches, match)
            if match.visibility == PUBLIC:
                _remove(public, match)
        placed_ids = {m.id for m in placed}
        for match in gone:
            if match.id not in placed_ids:
                del by_id[match.id]
            if match.visibility == PUBLIC:
                counts[match.trust_tier] -= 1
        for match in fresh:
            if match.visibility == PUBLIC:
                counts[match.trust_tier] = counts.get(match.trust_tier, 0) + 1
        for match in placed:
            insort(matches, match)  # (score, id) first: ids are unique, so the rest is never compared
            if match.visibility == PUBLIC:
                insort(public, match)
            by_id[match.id] = match
        found = Ranking.__new__(Ranking)
        found.matches, found.by_id, found.public, found.public_counts = matches, by_id, public, counts
        found.typo_searched, found.typo_ids, found.patching = False, (), patching
        found.patch_of = (weakref.ref(self), tuple(gone), tuple(fresh))
        found.reread = None
        return found

    def changes_since(self, older: Ranking) -> list[tuple[tuple[Match, ...], tuple[Match, ...]]] | None:
        """If this ranking is `older` patched (once or more): each patch's (matches taken out, matches
        put in as re-read), oldest first -- the matches that moved only by the copy rule left out (they
        changed nothing but their score). Else None."""
        steps, at = [], self
        while at is not older:
            if at.patch_of is None or len(steps) > PATCH_LIMIT:
                return None
            before, gone, fresh = at.patch_of
            steps.append((gone, fresh))
            at = before()
            if at is None:
                return None  # forgotten
        return steps[::-1]

    def counts_as(self, older: Ranking) -> bool:
        """Whether this ranking counts tiers and categories as `older` does, for every viewer: it is
        `older` patched, and each patch put back every match it took out, each with the same workspace,
        visibility, tier and categories (its score alone changed)."""
        steps = self.changes_since(older)
        return steps is not None and all(
            {m.id: m[1:] for m in gone} == {m.id: m[1:] for m in fresh} for gone, fresh in steps
        )

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
    cached = cache.get(generation, query.matching_key, partial(_kept_or_patched, query, at=generation))
    if cached is None:
        cached = _rank(query)
        cache.put(generation, query.matching_key, cached, survives=True, note=True)
    return None if cached is _TOO_MANY else cached


def _kept_or_patched(query: CatalogQuery, cached, changed: frozenset, *, at: int | None = None):
    """`cached` (a ranking, or _TOO_MANY) after the listings `changed` changed (up to listing generation
    `at`): itself if they leave it alone (none of them is among its matches, none of them matches now), a
    patched copy if a patch is exact, else None: it is computed in full again. One statement at most
    (none when the change log's read brought the rows: `Rider`)."""
    if cached is _TOO_MANY or cached.typo_searched:
        return None
    if cached.patching is not None and cached.patching.taken[0]:
        return None  # patched already: what it was patched with was handed on
    touching = sum(1 for each in changed if each in cached.by_id)  # (isdisjoint would hash every match)
    touched = touching > 0
    if touched and not _patchable(cached, touching, changed):
        return None
    rows, whole_words = _read_changed(query, cached.patching, changed, at)
    if not touched and not rows:
        return cached
    patched = _patched(query.terms, cached, changed, rows, whole_words)
    if patched is not None and rows:
        patched.reread = (int(rows[0].catalog_generation), {row.id: row for row in rows})
    return patched


def _patchable(cached: Ranking, touching: int, changed: frozenset) -> bool:
    found = cached.patching
    return (
        found is not None
        and not found.taken[0]
        and found.patches < PATCH_LIMIT
        and touching <= PATCH_CHANGES
        and found.yardstick not in changed
    )


@lru_cache(maxsize=256)
def _matching(query: CatalogQuery) -> CatalogQuery:
    """What of `query` decides its ranking's matches (its words, publisher and category)."""
    return CatalogQuery(q=" ".join(query.terms), publisher=query.publisher, category=query.category)


def _read_changed(
    query: CatalogQuery, patching: Patching | None, changed: frozenset, at: int | None = None
) -> tuple[list, bool]:
    """(The `changed` listings' rows the search matches now, as `_rank` reads them, with their card columns
    and the listing generation read with them (`Ranking.reread`); whether the patched ranking's terms
    are still whole words). One statement, or none where the change log's read at `at` brought them
    (PostgreSQL, `Rider`): on SQLite, where the terms were whole words, it matches them as words and
    reads every changed listing's words too, checked for a new word beginning with a term; only where
    one might be there is the search's prefix matched, by a second statement."""
    ridden = Rider.taken(_matching(query), changed, at)
    if ridden is not None:
        return ridden, False
    params = {"changed": sorted(changed)}
    dialect = session_dialect()
    if patching is not None and patching.whole_words and dialect == "sqlite":
        told = read_unbound_rows(_changed_words(_matching(query)), params)
        if not any(search.may_add_words(query.terms, row[:_WORDS]) for row in told):
            return [row for row in told if row.id is not None], True
    return read_unbound_rows(_changed_rows(dialect, _matching(query)), params), False


@lru_cache(maxsize=256)
def _changed_rows(dialect: str, query: CatalogQuery, prefix: bool = True):
    """The statement of `_read_changed`'s rows (`prefix`: False matches the terms as words, SQLite).
    Built once per search: the first request after a write, often answered before Flask from a kept
    page, should not pay for building it."""
    return _with_cards(
        _ranked_rows(query, dialect, C.id.in_(bindparam("changed", expanding=True)), prefix=prefix)[0]
    )


def _with_cards(stmt, generation=GENERATION):
    """`stmt` (a ranking's rows) with the card columns and the listing generation (`generation`) besides."""
    ranked = set(stmt.selected_columns.keys())
    return stmt.add_columns(
        *(column for column in CARD_COLUMNS if column.key not in ranked),
        generation.label("catalog_generation"),
    )


@dataclass(frozen=True)
class Rider:
    """A search (`_matching`'s) whose rows the change log's next read on this thread also reads
    (generation.riding, PostgreSQL): the patch of its ranking then reads nothing more."""

    query: CatalogQuery

    def statement(self, logged):
        return _ridden_rows(self.query, logged)

    def keep(self, generation: int, changed: frozenset, rows: list) -> None:
        """What the change log's read brought, until this thread's patch of the search takes it."""
        _RIDDEN.found = (self.query, generation, changed, [row for row in rows if row.id is not None])

    @staticmethod
    def taken(query: CatalogQuery, changed: frozenset, at: int | None) -> list | None:
        """The rows a patch of `query`'s ranking up to generation `at` reads for `changed`, if the change
        log's last read on this thread brought them all (at that generation, for those listings), else
        None. Taken once."""
        found = getattr(_RIDDEN, "found", None)
        if found is None or found[0] != query or found[1] != at or not changed <= found[2]:
            return None
        _RIDDEN.found = None
        return [row for row in found[3] if row.id in changed]


_RIDDEN = threading.local()


def rider_for(query: CatalogQuery) -> Rider | None:
    """What revalidating a kept page of `query` asks the change log's read to bring (None: not a search)."""
    return Rider(_matching(query)) if query.is_search else None


@lru_cache(maxsize=256)
def _ridden_rows(query: CatalogQuery, logged):
    """The change log's read (`logged`: generation.CHANGES_SINCE) with, beside each logged listing, its row
    as `_changed_rows` reads it where the search matches it (else NULLs)."""
    # (The listing generation is the log's own, read in the same snapshot.)
    rows = _ranked_rows(query, "postgresql", C.id == logged.c.integration_id)[0]
    row = _with_cards(rows, logged.c.g).lateral("ridden")
    return select(*logged.c, *row.c).select_from(logged.outerjoin(row, true()))


_WORDS = 4  # the leading columns of `_changed_words`: what the index holds of a changed listing


@lru_cache(maxsize=256)
def _changed_words(query: CatalogQuery):
    """SQLite: every `changed` listing's words (name, slug, publisher, description), each with its row of
    `_changed_rows` matching the terms as words where the search matches it (else NULLs)."""
    rows = _changed_rows("sqlite", query, prefix=False).subquery("matched")
    listing = Integration.__table__.alias("changed_listing")
    return (
        select(
            *(
                listing.c[name].label(f"words_{name}")
                for name in ("name", "slug", "publisher", "description")
            ),
            *rows.c,
        )
        .select_from(listing.outerjoin(rows, rows.c.id == listing.c.id))
        .where(listing.c.id.in_(bindparam("changed", expanding=True)))
    )


def _ranked_rows(query: CatalogQuery, dialect: str, *where, prefix: bool = True):
    """(the statement of the rows a ranking reads, with their `text_score`; the score)."""
    base = filtered(select(*_RANK_COLUMNS).where(listed_to_someone_clause(C), *where), query, by_tier=False)
    stmt, score = search.matched(base, query.terms, dialect, prefix=prefix)
    return stmt.add_columns(score.label("text_score")), score


def search_page_check(query: CatalogQuery, generation: int):
    """For a page of `query` just cut at `generation` from its rankings (the query's, and the one without
    its category that the category counts come from): a check (changed ids, listing generation now)
    -> bool that both are still the very rankings kept, i.e. no listing changed since matches the
    search before or after (a patched ranking is a new one). Then what the page shows -- its rows, in
    any sort, and its counts -- is as it was. None when the page was not cut from kept rankings (not a
    search, too many matches)."""
    if not query.is_search:
        return None
    kept = []
    for each in dict.fromkeys((query, query.without_category())):
        at, found = cached_ranking(each)
        if at != generation or found is None:
            return None
        kept.append((each, found))

    return PageCheck(tuple(kept))


@dataclass(frozen=True)
class PageCheck:
    """`search_page_check`'s check, and the rankings the page was cut from ((query, ranking) each)."""

    kept: tuple

    def __call__(self, changed: frozenset, listing: int) -> bool:
        return all(ranking(each, generation=listing) is found for each, found in self.kept)

    def counted_alike(self, listing: int) -> bool:
        """Whether the rankings kept now at `listing` count every tier and category as the page's did:
        each is its page's ranking patched, and no patch changed more than scores (`Ranking.counts_as`)."""
        for each, found in self.kept:
            at, now = cached_ranking(each)
            if at != listing or now is None or not now.counts_as(found):
                return False
        return True


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
    stmt, score = _ranked_rows(query, dialect)
    rows = fetch(relevance_ordering(score).applied(stmt).limit(MATCH_CACHE_ROWS + 1))
    if len(rows) > MATCH_CACHE_ROWS:
        return _TOO_MANY
    # Public matches decide (so nobody's private listings change what anyone else is shown).
    typo_searched = sum(1 for row in rows if row.visibility == PUBLIC) < FEW_MATCHES
    typo_rows = []
    if typo_searched:
        base = filtered(select(*_RANK_COLUMNS).where(listed_to_someone_clause(C)), query, by_tier=False)
        typo_rows = _typo_matches(base, query, dialect, {row.id for row in rows})
    matches, patching = _scored(query.terms, rows, typo_rows, patchable=not typo_searched)
    if patching is not None and dialect == "sqlite" and search.whole_words(query.terms, fetch):
        patching = replace(patching, whole_words=True)  # (read in the rows' snapshot: the session's)
    return Ranking(
        matches, typo_ids=[row.id for row in typo_rows], typo_searched=typo_searched, patching=patching
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
    return _scored(terms, rows, typo_rows)[0]


def _scored(terms: tuple[str, ...], rows, typo_rows=(), *, patchable: bool = False):
    """(`scored_matches`, and what patching them needs when `patchable` -- None if not, or if no match
    is public: then no yardstick)."""
    # The best public match is the yardstick (nobody's private listings change anyone else's order);
    # a better private match only reaches the cap of 1.
    yardstick = min(
        (row for row in rows if row.visibility == PUBLIC),
        key=lambda row: (row.text_score, row.id),
        default=None,
    )
    if yardstick is not None:
        best = yardstick.text_score
    else:
        best = min((row.text_score for row in rows), default=0.0)
    texts = [(row, relevance.relative_text(row.text_score, best)) for row in rows]
    texts += [(row, relevance.TYPO_TEXT) for row in typo_rows]
    items = [_scored_item(terms, row, text) for row, text in texts]
    keys = {item.id: relevance.copy_keys(item.name, item.publisher, item.slug) for item in items}
    before = [item.score for item in items]
    relevance.demote_copies_by(items, lambda item: keys[item.id])
    by_id = {row.id: row for row, _ in texts}
    matches = [_match(item, by_id[item.id]) for item in items]
    matches.sort(key=lambda m: (m.score, m.id))
    if not patchable or yardstick is None:
        return matches, None
    looks, names, addresses = {}, {}, {}
    for item in items:
        name, address = keys[item.id]
        looks[item.id] = (name, address, item.created_at)
        names.setdefault(name, []).append(item.id)
        addresses.setdefault(address, []).append(item.id)
    demoted = {item.id: score for item, score in zip(items, before, strict=True) if item.score != score}
    return matches, Patching(best, yardstick.id, looks, _packed(names), _packed(addresses), demoted)


def _scored_item(terms: tuple[str, ...], row, text: float) -> relevance.Scored:
    """One row as the blend scores it (before the copy rule), its text score relative already."""
    return relevance.Scored(
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


def _match(item: relevance.Scored, row) -> Match:
    return Match(
        float(item.score),
        item.id,
        row.workspace_id,
        row.visibility,
        item.tier,
        row.primary_category_id,
        row.secondary_category_id,
    )


# -- patching a kept ranking after a write to some of its matches (module docstring) -----------------


def _patched(
    terms: tuple[str, ...], cached: Ranking, changed: frozenset, rows, whole_words: bool = False
) -> Ranking | None:
    """A new ranking: `cached` with the `changed` listings taken out and `rows` (those of them that match
    now, with their text score) scored and put in; None when only a full computation is exact.
    `whole_words`: Patching.whole_words of the new one."""
    gone = [cached.by_id[i] for i in changed if i in cached.by_id]
    if not _patchable(cached, len({m.id for m in gone} | {row.id for row in rows}), changed):
        return None
    patching = cached.patching
    if any(row.visibility == PUBLIC and row.text_score < patching.best for row in rows):
        return None  # a new yardstick: every match's relative text score moves
    public = len(cached.public) - sum(1 for m in gone if m.visibility == PUBLIC)
    public += sum(1 for row in rows if row.visibility == PUBLIC)
    if public < FEW_MATCHES or len(cached.matches) - len(gone) + len(rows) > MATCH_CACHE_ROWS:
        return None  # a full computation would look for typos, or keep no ranking

    taken = _take(cached)
    if taken is None:
        return None  # patched already (by another thread, at the same moment): compute it in full
    looks, names, addresses, demoted, by_id = taken
    seeds: list[tuple[int, str]] = []  # look-alike keys whose groups the copy rule runs on again
    before = {m.id: looks[m.id] for m in gone}
    fresh = {}
    for row in rows:
        name, address = relevance.copy_keys(row.name, row.publisher, row.slug)
        was = before.pop(row.id, None)
        if was is None or was[:2] != (name, address):
            if was is not None:
                _leave(names, was[0], row.id)
                _leave(addresses, was[1], row.id)
                seeds += [(0, was[0]), (1, was[1])]
            _join(names, name, row.id)
            _join(addresses, address, row.id)
        # Assigned over, never deleted and added again: a dict with deleted keys copies slowly.
        looks[row.id] = (name, address, row.created_at)
        fresh[row.id] = row
        seeds += [(0, name), (1, address)]
    for each, (name, address, _) in before.items():  # gone, not re-read: no longer matches
        del looks[each]
        _leave(names, name, each)
        _leave(addresses, address, each)
        demoted.pop(each, None)
        seeds += [(0, name), (1, address)]
    linked = _linked(seeds, names, addresses, looks)
    placed = _copy_rule_again(terms, cached, linked, fresh, looks, demoted)
    kept = Patching(
        patching.best, patching.yardstick, looks, names, addresses, demoted, patching.patches + 1, whole_words
    )
    return cached.replaced(gone, placed, kept, by_id)


def _copy_rule_again(terms, cached: Ranking, linked: set[str], fresh: dict, looks: dict, demoted: dict):
    """The matches `linked` (a union of whole groups of look-alikes) with the copy rule run on them again:
    the `fresh` rows scored, the kept ones at the score they had before it; `demoted` updated. Answers
    the fresh matches and the kept ones whose score moved."""
    best = cached.patching.best
    items = []
    for each in linked:
        if each in fresh:
            row = fresh[each]
            items.append(_scored_item(terms, row, relevance.relative_text(row.text_score, best)))
            continue
        match = cached.by_id[each]
        items.append(
            relevance.Scored(
                id=each,
                score=demoted.get(each, match.score),
                name="",  # the copy rule reads the kept keys instead
                publisher="",
                slug="",
                tier=match.trust_tier,
                created_at=looks[each][2],
                public=match.visibility == PUBLIC,
            )
        )
    before = {item.id: item.score for item in items}
    if len(items) > 1:  # (a lone match is no one's copy)
        relevance.demote_copies_by(items, lambda item: looks[item.id][:2])
    placed = []
    for item in items:
        if item.score != before[item.id]:
            demoted[item.id] = before[item.id]
        else:
            demoted.pop(item.id, None)
        if item.id in fresh:
            placed.append(_match(item, fresh[item.id]))
        elif item.score != cached.by_id[item.id].score:
            placed.append(cached.by_id[item.id]._replace(score=float(item.score)))
    return placed


def _take(cached: Ranking) -> tuple[dict, dict, dict, dict, dict] | None:
    """What only patching reads of `cached` -- its look-alike index (looks, names, addresses, demoted) and
    `by_id` -- for a patch to change in place and hand on to the ranking it makes: copying five dicts of
    every match cost more than the rest of a patch. A ranking is patched once (the cache keeps the patched
    one in its place), so the first patch takes them and a second one of the same ranking gets None."""
    patching = cached.patching
    with _TAKING:
        if patching.taken[0]:
            return None
        patching.taken[0] = True
    return patching.looks, patching.names, patching.addresses, patching.demoted, cached.by_id


_TAKING = threading.Lock()


def _handed_on(spent: Ranking) -> tuple[list, list]:
    """The matches and public lists of a ranking being patched, for the patched one. Handed on as they
    are (changed in place: a patched ranking is spent, as its by_id already is, `_take`) when no other
    thread could be cutting a page from them meanwhile -- a sync worker's one thread; copied otherwise.
    A copy touches every match twice, once now and once when the spent ranking goes: after a write the
    matches are seldom in the CPU's caches, and that is most of what a patch costs then."""
    if threading.active_count() == 1:
        return spent.matches, spent.public
    return list(spent.matches), list(spent.public)


def _remove(matches: list[Match], match: Match) -> None:
    """Take `match` out of `matches` (sorted, as a ranking's lists are)."""
    index = bisect_left(matches, match)
    assert matches[index].id == match.id
    del matches[index]


def _linked(seeds, names: dict, addresses: dict, looks: dict) -> set[str]:
    """The ids of the matches linked to the keys `seeds` by shared look-alike keys, however far."""
    found: set[str] = set()
    seen: set[tuple[int, str]] = set()
    while seeds:
        key = seeds.pop()
        if key in seen:
            continue
        seen.add(key)
        for each in _members(names if key[0] == 0 else addresses, key[1]):
            if each not in found:
                found.add(each)
                name, address, _ = looks[each]
                seeds += [(0, name), (1, address)]
    return found


def _packed(groups: dict[str, list[str]]) -> dict[str, str | tuple[str, ...]]:
    return {key: ids[0] if len(ids) == 1 else tuple(ids) for key, ids in groups.items()}


def _members(index: dict, key: str) -> tuple[str, ...]:
    there = index.get(key)
    return () if there is None else there if isinstance(there, tuple) else (there,)


def _join(index: dict, key: str, member: str) -> None:
    index[key] = (*_members(index, key), member) if key in index else member


def _leave(index: dict, key: str, member: str) -> None:
    rest = tuple(each for each in _members(index, key) if each != member)
    if not rest:
        index.pop(key, None)
    else:
        index[key] = rest[0] if len(rest) == 1 else rest
