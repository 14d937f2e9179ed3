"""The catalog: listed integrations filtered, searched, sorted and paged for one viewer.

Every query here applies the visibility module's SQL twin (listed_clause / viewable_clause),
so the catalog, search, home page, sitemap and JSON API list can never disagree.

Speed at 100,000 integrations: pages come straight off the sort indexes (LIMIT n+1, no
COUNT), and tier facet counts for what everyone sees are cached per process, validated
on every request by the database's catalog generation (bumped by trigger on any write to
integrations), so several app processes stay correct. What a signed-in member sees beyond
that (their private integrations) is counted per request through the workspace index.
A search's relevance ranking (every match scored) is cached the same way, once for all
viewers, and its pages and tier counts are cut from it per request.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, literal_column, or_, select, text, tuple_
from sqlalchemy.orm import defer, selectinload

from ..domain.visibility import (
    ANONYMOUS,
    PUBLIC,
    Viewer,
    can_view,
    is_listed_to,
    listed_clause,
    listed_split,
    listed_to_someone_clause,
)
from ..extensions import db
from ..models import Integration, IntegrationVersion
from ..models.integration import PUBLISHER_PATTERN, TRUST_TIERS
from . import search
from .errors import NotFound, ServiceError

SORTS = ("relevance", "name", "updated", "installs")
PAGE_SIZE = 24
MAX_PAGE = 400
MAX_LIMIT = 100
MAX_Q_CHARS = 500
FEATURED_TIERS = ("first_party", "vendor_official")

_PUBLISHER_RE = re.compile(PUBLISHER_PATTERN)
T = Integration.__table__
C = T.c


class BadQuery(ServiceError):
    """A catalog or API parameter we cannot honour: a clear 400 naming the parameter."""

    code = "bad_request"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, details=None):
        super().__init__(
            message,
            field=field,
            details=details if details is not None else ([{"parameter": field}] if field else []),
        )


@dataclass(frozen=True)
class CatalogQuery:
    q: str = ""
    tiers: tuple[str, ...] = ()
    publisher: str | None = None
    sort: str = "relevance"
    terms: search.SearchQuery = field(default_factory=lambda: search.SearchQuery(()))

    @property
    def is_search(self) -> bool:
        return bool(self.terms)

    def params(self, **changes) -> dict:
        """The query string that reproduces this query (pagination links keep every filter)."""
        params = {
            "q": self.q or None,
            "tier": list(self.tiers) or None,
            "publisher": self.publisher,
            "sort": self.sort if self.sort != "relevance" else None,
        }
        params.update(changes)
        return {k: v for k, v in params.items() if v not in (None, "", [])}


def parse_query(args) -> CatalogQuery:
    """Validate catalog/API parameters (a werkzeug MultiDict). Bad values raise BadQuery."""
    q = (args.get("q") or "").strip()
    if len(q) > MAX_Q_CHARS:
        raise BadQuery(f"Search text is limited to {MAX_Q_CHARS} characters.", field="q")
    tiers = []
    for tier in args.getlist("tier"):
        if tier not in TRUST_TIERS:
            raise BadQuery(f"Unknown trust tier. Use one of: {', '.join(TRUST_TIERS)}.", field="tier")
        if tier not in tiers:
            tiers.append(tier)
    publisher = (args.get("publisher") or "").strip() or None
    if publisher is not None and not _PUBLISHER_RE.match(publisher):
        raise BadQuery("A publisher is 1 to 39 lowercase letters, digits and hyphens.", field="publisher")
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise BadQuery(f"Unknown sort. Use one of: {', '.join(SORTS)}.", field="sort")
    return CatalogQuery(
        q=q,
        tiers=tuple(sorted(tiers, key=TRUST_TIERS.index)),
        publisher=publisher,
        sort=sort,
        terms=search.parse(q),
    )


def parse_positive_int(value: str | None, name: str, *, default: int, maximum: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise BadQuery(f"'{name}' must be a whole number from 1 to {maximum}.", field=name)
    return int(value)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# -- ordering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ordering:
    """Sort key columns (all ascending or all descending), so keyset cursors are row comparisons."""

    columns: tuple
    descending: bool
    names: tuple[str, ...]


def _ordering(query: CatalogQuery, score) -> Ordering:
    if query.sort == "relevance" and score is not None:
        return Ordering((score, C.id), False, ("score", "id"))
    if query.sort == "name":
        return Ordering((C.name, C.id), False, ("name", "id"))
    if query.sort == "updated":
        return Ordering((C.updated_at, C.id), True, ("updated", "id"))
    # installs, and relevance without search text: most installed first.
    return Ordering((C.install_count, C.id), True, ("installs", "id"))


# What a card shows (and visibility needs): the JSON documents stay unread on listing pages.
CARD_COLUMNS = (
    C.id,
    C.workspace_id,
    C.slug,
    C.name,
    C.description,
    C.icon_url,
    C.publisher,
    C.trust_tier,
    C.current_version,
    C.visibility,
    C.deleted_at,
    C.install_count,
    C.updated_at,
)


def _cards():
    return select(*CARD_COLUMNS)


def _rows(stmt) -> list:
    # Listings run as Core statements: rows read like the model (row.name, row.publisher ...) at a
    # fraction of the ORM's per-object cost, which matters on the busiest pages.
    # (fetchall: one driver call for the whole result, not one per row.)
    return db.session.connection().execute(stmt).all()


def _listing(viewer: Viewer, query: CatalogQuery, *, cards: bool = True, dialect: str | None = None):
    stmt = (_cards() if cards else select(T)).where(listed_clause(C, viewer))
    if query.publisher:
        stmt = stmt.where(C.publisher == query.publisher)
    if query.tiers:
        stmt = stmt.where(C.trust_tier.in_(query.tiers))
    score = None
    if query.is_search:
        stmt, score = search.apply(stmt, query.terms, dialect or _dialect())
    return stmt, score


def _ordered(stmt, ordering: Ordering):
    return stmt.order_by(*[c.desc() if ordering.descending else c.asc() for c in ordering.columns])


# -- pages ---------------------------------------------------------------------------------


@dataclass
class CatalogPage:
    items: list  # rows with the card columns
    page: int
    per_page: int
    has_next: bool
    facets: dict[str, int]  # every tier's count, so a person can widen the filter
    tiers: tuple[str, ...] = ()

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def total(self) -> int:
        return sum(n for tier, n in self.facets.items() if not self.tiers or tier in self.tiers)

    @property
    def last_page(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // self.per_page)))


def catalog_page(
    viewer: Viewer, query: CatalogQuery, *, page: int = 1, per_page: int = PAGE_SIZE
) -> CatalogPage:
    """One page of the catalog: items, whether there is a next page, and tier facet counts.

    The catalog generation rides along with the page rows (same statement, same snapshot), so a
    page costs one round trip when the facet counts are cached. A search by relevance pages through
    the search's cached ranking instead (see `ranking`)."""
    if query.is_search and query.sort == "relevance":
        ranked = _ranked_page(viewer, query, start=(page - 1) * per_page, count=per_page, cards=True)
        if ranked is not None:
            items, next_key, facets = ranked
            return CatalogPage(
                items, page, per_page, next_key is not None and page < MAX_PAGE, facets, query.tiers
            )
    rows = _rows(_page_statement(_dialect(), viewer.member_of, query, page, per_page))
    generation = rows[0].catalog_generation if rows else None
    facets = tier_counts(viewer, query, generation=generation)
    # Pages stop at MAX_PAGE (deep OFFSETs cost a scan each); past that, filters narrow the list.
    has_next = len(rows) > per_page and page < MAX_PAGE
    return CatalogPage(rows[:per_page], page, per_page, has_next, facets, query.tiers)


@lru_cache(maxsize=512)
def _page_statement(dialect: str, member_of: frozenset, query: CatalogQuery, page: int, per_page: int):
    # Statements are immutable: the busiest pages reuse theirs instead of rebuilding them each time.
    # (The listing rule reads only the viewer's memberships, which are part of the key.)
    stmt, score = _listing(Viewer(user_id="-", member_of=member_of), query, dialect=dialect)
    stmt = stmt.add_columns(GENERATION.label("catalog_generation"))
    return _ordered(stmt, _ordering(query, score)).offset((page - 1) * per_page).limit(per_page + 1)


@dataclass
class KeysetPage:
    items: list  # rows with every integrations column
    next_key: tuple | None
    sort_names: tuple[str, ...] = ()


def keyset_page(viewer: Viewer, query: CatalogQuery, *, after: tuple | None, limit: int) -> KeysetPage:
    """A page for the JSON API: rows strictly after `after` (the previous page's last sort key)."""
    if query.is_search and query.sort == "relevance":
        ranked = _ranked_page(viewer, query, after=after, count=limit, cards=False)
        if ranked is not None:
            items, next_key, _ = ranked
            return KeysetPage(items, next_key, ("score", "id"))
    stmt, score = _listing(viewer, query, cards=False)
    ordering = _ordering(query, score)
    if after is not None:
        row = tuple_(*ordering.columns)
        stmt = stmt.where(row < tuple_(*after) if ordering.descending else row > tuple_(*after))
    rows = _rows(_ordered(stmt.add_columns(ordering.columns[0].label("sort_key")), ordering).limit(limit + 1))
    next_key = None
    if len(rows) > limit:
        last_row = rows[limit - 1]
        next_key = (last_row.sort_key, last_row.id)
    items = rows[:limit]
    return KeysetPage(items, next_key, ordering.names)


# -- facet counts, cached by catalog generation -----------------------------------------------


class FacetCache:
    """Per-process cache of what-everyone-sees tier counts, emptied whenever the generation moves."""

    def __init__(self, size: int = 512):
        self.size = size
        self.generation: int | None = None
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, generation: int, key):
        with self.lock:
            if generation != self.generation:
                self.generation = generation
                self.entries.clear()
                return None
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def peek(self, key) -> tuple[int | None, object]:
        """(generation, value) as cached, not checked against the database's generation: the caller must."""
        with self.lock:
            return self.generation, self.entries.get(key)

    def put(self, generation: int, key, value) -> None:
        with self.lock:
            if generation != self.generation:
                return
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _facet_cache() -> FacetCache:
    from flask import current_app

    cache = current_app.extensions.get("catalog_facet_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("catalog_facet_cache", FacetCache())
    return cache


GENERATION = (
    select(func.coalesce(func.sum(literal_column("generation")), 0))
    .select_from(text("catalog_state"))
    .scalar_subquery()
)


_GENERATION_SELECT = select(GENERATION)


def catalog_generation() -> int:
    return int(db.session.scalar(_GENERATION_SELECT))


def tier_counts(viewer: Viewer, query: CatalogQuery, *, generation: int | None = None) -> dict[str, int]:
    """Listed integrations per trust tier for this viewer, with the query's text and publisher filters.
    `generation`, when the caller read it already, must have been read before this call."""
    cache = _facet_cache()
    if generation is None:
        generation = catalog_generation()  # read first: the counts below are at least this fresh
    generation = int(generation)
    if query.is_search:
        found = ranking(query, generation=generation)
        if found is not None:
            return dict(found.for_viewer(viewer)[1])
    key = (query.terms.terms, query.publisher)
    counts = cache.get(generation, key)
    if counts is None:
        counts = _count_by_tier(listed_split(C, ANONYMOUS)[0], query)
        cache.put(generation, key, counts)
    counts = dict(counts)
    if viewer.member_of:
        for tier, extra in _count_by_tier(listed_split(C, viewer)[1], query).items():
            counts[tier] += extra
    return counts


def _count_by_tier(clause, query: CatalogQuery) -> dict[str, int]:
    stmt = select(C.trust_tier, func.count()).where(clause).group_by(C.trust_tier)
    if query.publisher:
        stmt = stmt.where(C.publisher == query.publisher)
    if query.is_search:
        stmt = stmt.where(search.matching_ids_clause(query.terms, _dialect()))
    counts = dict.fromkeys(TRUST_TIERS, 0)
    counts.update({tier: n for tier, n in _rows(stmt)})
    return counts


# -- a search's ranking, cached by catalog generation ------------------------------------------
#
# Ranking a broad search means scoring every match (bm25 / ts_rank), whatever page is shown. So a
# search's whole ranking -- the matches listed for anyone, best first, with just what visibility, the
# tier filter and facet counts need -- is computed once per catalog generation and kept per process;
# each request then filters it for its viewer (the visibility module's rule), counts tiers from it,
# slices its page and loads only that page's rows by id (listing rule re-applied, so a row changed
# since never shows where it should not). Searches matching more than MATCH_CACHE_ROWS rows take the
# plain SQL path.

MATCH_CACHE_ROWS = 10_000
_TOO_MANY = "too-many"


class Match(NamedTuple):
    score: float
    id: str
    workspace_id: str
    visibility: str
    trust_tier: str


class Ranking:
    """One search's matches, best first: by score, then id, as the SQL orders them (and as Python compares
    them: ids are UUID strings, which sort the same byte-wise and in any collation, so keyset cursors
    can bisect the list)."""

    def __init__(self, matches: list[Match]):
        self.matches = matches
        self.public = [m for m in matches if m.visibility == PUBLIC]
        self.public_counts = _tier_counter(self.public)

    def for_viewer(self, viewer: Viewer) -> tuple[list[Match], dict[str, int]]:
        if not viewer.member_of:
            return self.public, self.public_counts
        visible = [m for m in self.matches if is_listed_to(viewer, m.visibility, m.workspace_id)]
        return visible, _tier_counter(visible)


def _tier_counter(matches) -> dict[str, int]:
    counts = dict.fromkeys(TRUST_TIERS, 0)
    counts.update(Counter(m.trust_tier for m in matches))
    return counts


def _match_cache() -> FacetCache:
    from flask import current_app

    cache = current_app.extensions.get("catalog_match_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("catalog_match_cache", FacetCache(size=16))
    return cache


def clear_caches() -> None:
    """Forget this process's cached facet counts and rankings (the benchmark measures cold searches)."""
    for cache in (_facet_cache(), _match_cache()):
        with cache.lock:
            cache.generation = None
            cache.entries.clear()


def ranking(query: CatalogQuery, *, generation: int) -> Ranking | None:
    """The search's ranking for everyone (None when it matches too many rows to keep).
    `generation` must have been read before this call (the ranking is then at least that fresh)."""
    cache = _match_cache()
    key = (query.terms.terms, query.publisher)
    cached = cache.get(generation, key)
    if cached is None:
        cached = _rank(query)
        cache.put(generation, key, cached)
    return None if cached is _TOO_MANY else cached


def _rank(query: CatalogQuery):
    stmt = select().where(listed_to_someone_clause(C))
    if query.publisher:
        stmt = stmt.where(C.publisher == query.publisher)
    stmt, score = search.apply(stmt, query.terms, _dialect())
    stmt = stmt.add_columns(
        score.label("score"), C.id, C.workspace_id, C.visibility, C.trust_tier
    )  # Match's order
    ordering = _ordering(CatalogQuery(sort="relevance"), score)
    stmt = _ordered(stmt, ordering).limit(MATCH_CACHE_ROWS + 1)
    rows = _rows(stmt)
    if len(rows) > MATCH_CACHE_ROWS:
        return _TOO_MANY
    return Ranking([Match._make(row) for row in rows])


@lru_cache(maxsize=512)
def _rows_by_id_statement(cards: bool, member_of: frozenset):
    # The page's rows by id with the listing rule re-applied, and the catalog generation read in the same
    # statement (one row with null columns when no row is left). Built once per membership set.
    viewer = Viewer(user_id="-", member_of=member_of)
    state = select(GENERATION.label("catalog_generation")).subquery("state")
    return select(state.c.catalog_generation, *(CARD_COLUMNS if cards else T.c)).select_from(
        state.outerjoin(T, and_(C.id.in_(bindparam("ids", expanding=True)), listed_clause(C, viewer)))
    )


def _ranked_page(
    viewer: Viewer,
    query: CatalogQuery,
    *,
    count: int,
    cards: bool,
    start: int = 0,
    after: tuple | None = None,
):
    """(rows in ranking order, the next page's key or None, tier counts) for a relevance-ordered search;
    None when it matches too many rows to rank once and keep.

    A cached ranking is used optimistically: the page's rows come back with the catalog generation in
    the same statement (one snapshot), and only if it is still the ranking's generation are they
    served; otherwise the search is ranked afresh for the generation just seen and the rows loaded
    again. So a repeated search costs one round trip; a first one, or the first after a write, three."""
    generation, cached = _match_cache().peek((query.terms.terms, query.publisher))
    seen = None
    if isinstance(cached, Ranking):
        cut = _cut(cached, viewer, query, count=count, start=start, after=after)
        rows, seen = _page_rows(cards, viewer, cut[0])
        if seen == generation:
            return rows, *cut[1:]
    found = ranking(query, generation=catalog_generation() if seen is None else seen)
    if found is None:
        return None
    page, next_key, counts = _cut(found, viewer, query, count=count, start=start, after=after)
    return _page_rows(cards, viewer, page)[0], next_key, counts


def _cut(found: Ranking, viewer: Viewer, query: CatalogQuery, *, count: int, start: int, after: tuple | None):
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


def _page_rows(cards: bool, viewer: Viewer, page: list[Match]) -> tuple[list, int]:
    """The page's rows in ranking order, and the catalog generation they were read at (one statement)."""
    found = (
        db.session.connection()
        .execute(_rows_by_id_statement(cards, viewer.member_of), {"ids": [m.id for m in page]})
        .all()
    )
    by_id = {row.id: row for row in found if row.id is not None}
    return [by_id[m.id] for m in page if m.id in by_id], int(found[0].catalog_generation)


# -- home page, detail, sitemap --------------------------------------------------------------


def featured(viewer: Viewer, limit: int = 6) -> list[Integration]:
    stmt = (
        _cards()
        .where(listed_clause(C, viewer), C.trust_tier.in_(FEATURED_TIERS))
        .order_by(C.install_count.desc(), C.id.desc())
        .limit(limit)
    )
    return _rows(stmt)


def recently_updated(viewer: Viewer, limit: int = 6) -> list[Integration]:
    stmt = _cards().where(listed_clause(C, viewer)).order_by(C.updated_at.desc(), C.id.desc()).limit(limit)
    return _rows(stmt)


def _load_viewable(viewer: Viewer, *criteria, with_versions: bool | str) -> Integration:
    """with_versions: True loads whole versions; "history" leaves their JSON documents unread."""
    stmt = select(Integration).where(*criteria)
    if with_versions == "history":
        stmt = stmt.options(
            selectinload(Integration.versions).options(
                defer(IntegrationVersion.manifest),
                defer(IntegrationVersion.variables_schema),
                defer(IntegrationVersion.auth_config),
            )
        )
    elif with_versions:
        stmt = stmt.options(selectinload(Integration.versions))
    integration = db.session.scalar(stmt)
    if integration is None or not can_view(viewer, integration):
        raise NotFound("No such integration.")
    return integration


def integration_by_handle(
    viewer: Viewer, publisher: str, slug: str, *, with_versions: bool | str = "history"
) -> Integration:
    """The integration at /integrations/<publisher>/<slug>, if this viewer may see it (else NotFound)."""
    return _load_viewable(
        viewer, Integration.publisher == publisher, Integration.slug == slug, with_versions=with_versions
    )


def integration_by_id(viewer: Viewer, integration_id: str, *, with_versions: bool = False) -> Integration:
    if not isinstance(integration_id, str) or len(integration_id) > 36:
        raise NotFound("No such integration.")
    return _load_viewable(viewer, Integration.id == integration_id, with_versions=with_versions)


def versions_of(integration: Integration) -> list[IntegrationVersion]:
    """Newest first (the relationship's order), yanked ones included: they are marked, not hidden."""
    return list(integration.versions)


@dataclass(frozen=True)
class Dependency:
    handle: str
    range: str
    target: Integration | None  # None when missing or not visible to this viewer


def dependencies_of(viewer: Viewer, integration: Integration) -> list[Dependency]:
    """The manifest's dependencies, each resolved (one query for all) to an integration the viewer may see."""
    declared = []
    for entry in (integration.manifest or {}).get("dependencies") or []:
        if isinstance(entry, dict) and isinstance(entry.get("integration"), str):
            declared.append((entry["integration"][:120], str(entry.get("version") or "*")[:120]))
    pairs = {tuple(handle.split("/", 1)) for handle, _ in declared if handle.count("/") == 1}
    found = {}
    if pairs:
        rows = db.session.scalars(
            select(Integration).where(
                or_(*[(Integration.publisher == p) & (Integration.slug == s) for p, s in sorted(pairs)[:50]])
            )
        )
        found = {f"{i.publisher}/{i.slug}": i for i in rows if can_view(viewer, i)}
    return [Dependency(handle, rng, found.get(handle)) for handle, rng in declared]


def sitemap_entries(limit: int = 50_000):
    """(publisher, slug, updated_at) of what an anonymous visitor finds in listings; sitemaps cap at 50,000."""
    stmt = (
        select(C.publisher, C.slug, C.updated_at)
        .where(listed_clause(C, ANONYMOUS))
        .order_by(C.publisher, C.slug)
        .limit(limit)
    )
    return db.session.execute(stmt.execution_options(yield_per=1000))


def decode_key_value(name: str, value):
    """Turn a cursor's JSON value back into the column's Python type."""
    if name == "updated":
        return datetime.fromisoformat(value)
    if name in ("installs",):
        return int(value)
    if name == "score":
        return float(value)
    return str(value)
