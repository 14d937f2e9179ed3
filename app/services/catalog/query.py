"""What a catalog query is, and the SQL every listing of it starts from.

Decides: the normalised query (search text turned into bounded words, tiers deduplicated in
their canonical order, one sort), the columns a card needs, the
listing statement (the visibility module's SQL twin plus the publisher and tier filters) and the
sort order. The web layer validates a request's arguments into a `CatalogQuery`; the catalog
takes it as given. Text matching is the next step (`search`), ranking the one after (`ranking`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Float, cast, func, or_, select

from ...domain import ratings as rating_rules
from ...domain.visibility import Viewer, listed_clause
from ...extensions import db
from ...models import Category, Integration
from ...models.integration import TRUST_TIERS

SORTS = ("relevance", "name", "updated", "installs", "rating")

# What a person typed becomes words only: FTS syntax (quotes, `*`, `-`, NEAR, parentheses) never
# reaches a match expression.
MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_TERM_CHARS = 40
_TERM = re.compile(r"[^\W_]+", re.UNICODE)

INTEGRATIONS = Integration.__table__
C = INTEGRATIONS.c
NAME_KEY = func.lower(C.name)  # the name sort's key
CATEGORIES = Category.__table__


def _primary_category(column):
    # A correlated lookup (by primary key) rather than a join: every statement that selects the card
    # columns gets the label with no change to its FROM, at one index probe per row shown.
    return (
        select(column)
        .where(CATEGORIES.c.id == C.primary_category_id)
        .scalar_subquery()
        .label(f"category_{column.name}")
    )


# What a card shows (and visibility needs): the JSON documents stay unread on listing pages.
CARD_COLUMNS = (
    C.id,
    C.workspace_id,
    C.slug,
    C.name,
    C.description,
    C.icon_url,
    C.icon_media,
    C.publisher,
    C.trust_tier,
    C.current_version,
    C.visibility,
    C.deleted_at,
    C.install_count,
    C.rating_count,
    C.rating_total,
    C.updated_at,
    _primary_category(CATEGORIES.c.slug),
    _primary_category(CATEGORIES.c.name),
)

# `sort=rating`: the Bayesian average of domain/ratings.py (its SQL twin), highest first.
RATING_SCORE = cast(C.rating_total + rating_rules.PRIOR_MEAN * rating_rules.PRIOR_WEIGHT, Float) / (
    C.rating_count + rating_rules.PRIOR_WEIGHT
)

# What the JSON API's list reads: every column but the working copy's documents and the client secret.
# Its documents come from each row's current version (snapshots.shown_to_each), never from these rows.
WORKING_COPY_COLUMNS = frozenset(
    {"manifest", "variables_schema", "auth_config", "oauth_client_secret_encrypted"}
)
API_COLUMNS = tuple(c for c in INTEGRATIONS.c if c.name not in WORKING_COPY_COLUMNS)


def search_terms(q: str | None) -> tuple[str, ...]:
    """Words only (letters and digits), lower-cased, deduplicated, bounded in number and length."""
    if not q:
        return ()
    terms: list[str] = []
    for match in _TERM.finditer(q[: MAX_QUERY_CHARS * 5]):
        term = match.group(0).lower()[:MAX_TERM_CHARS]
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return tuple(terms)


@dataclass(frozen=True)
class CatalogQuery:
    """A validated catalog query. Immutable and hashable: cached statements are keyed by it."""

    q: str = ""
    tiers: tuple[str, ...] = ()
    publisher: str | None = None
    sort: str = "relevance"
    category: str | None = None  # a category's slug: its listings as primary or secondary category
    terms: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}")
        unknown = set(self.tiers) - set(TRUST_TIERS)
        if unknown:
            raise ValueError(f"unknown trust tiers {sorted(unknown)!r}")
        object.__setattr__(self, "tiers", tuple(t for t in TRUST_TIERS if t in self.tiers))
        object.__setattr__(self, "terms", search_terms(self.q))

    @property
    def is_search(self) -> bool:
        return bool(self.terms)

    @property
    def matching_key(self) -> tuple:
        """What decides which rows match before visibility and tiers: the key of cached rankings and counts."""
        return (self.terms, self.publisher, self.category)

    def without_category(self) -> CatalogQuery:
        return _without_category(self)

    @property
    def category_key(self) -> tuple:
        """What decides the category facet's counts: the matching rows before the category filter, and tiers."""
        return ("categories", self.terms, self.publisher, self.tiers)

    def params(self, **changes) -> dict:
        """The query string that reproduces this query (pagination links keep every filter)."""
        params = {
            "q": self.q or None,
            "tier": list(self.tiers) or None,
            "publisher": self.publisher,
            "sort": self.sort if self.sort != "relevance" else None,
            "category": self.category,
        }
        params.update(changes)
        return {k: v for k, v in params.items() if v not in (None, "", [])}


# -- building the SQL ---------------------------------------------------------------------------


def listing_statement(viewer: Viewer, query: CatalogQuery, columns, *, by_tier: bool = True):
    """`columns` of what this viewer finds listed, narrowed by the query's publisher (and tiers)."""
    return filtered(select(*columns).where(listed_clause(C, viewer)), query, by_tier=by_tier)


def filtered(stmt, query: CatalogQuery, *, by_tier: bool = True, by_category: bool = True):
    """`stmt` (over integrations) narrowed by the query's publisher and, unless told not to, its tiers
    and its category."""
    if query.publisher:
        stmt = stmt.where(C.publisher == query.publisher)
    if by_category and query.category:
        wanted = select(CATEGORIES.c.id).where(CATEGORIES.c.slug == query.category).scalar_subquery()
        stmt = stmt.where(or_(C.primary_category_id == wanted, C.secondary_category_id == wanted))
    if by_tier and query.tiers:
        stmt = stmt.where(C.trust_tier.in_(query.tiers))
    return stmt


@dataclass(frozen=True)
class Ordering:
    """Sort key columns (all ascending or all descending), so keyset cursors are row comparisons."""

    columns: tuple
    descending: bool
    names: tuple[str, ...]

    def applied(self, stmt):
        return stmt.order_by(*[c.desc() if self.descending else c.asc() for c in self.columns])


def relevance_ordering(score) -> Ordering:
    """Best match first (a lower score is better), the id breaking ties."""
    return Ordering((score, C.id), False, ("score", "id"))


def ordering(query: CatalogQuery, score=None) -> Ordering:
    """The query's sort; `score` is the match's relevance when the query searches."""
    if query.sort == "relevance" and score is not None:
        return relevance_ordering(score)
    if query.sort == "name":
        # Case-insensitive ("Globex Sheets" before "Globex SMS"), served by migration 0014's
        # (lower(name), id) index.
        return Ordering((NAME_KEY, C.id), False, ("name", "id"))
    if query.sort == "updated":
        return Ordering((C.updated_at, C.id), True, ("updated", "id"))
    if query.sort == "rating":
        return Ordering((RATING_SCORE, C.id), True, ("rating", "id"))
    # installs, and relevance without search text: most installed first.
    return Ordering((C.install_count, C.id), True, ("installs", "id"))


def session_dialect() -> str:
    return db.engine.dialect.name  # the session's bind's, with no Session made for it


def fetch(stmt, params: dict | None = None) -> list:
    """Run a Core statement; its rows read like the model (row.name, row.publisher ...).

    Listings run as Core statements at a fraction of the ORM's per-object cost, which matters on the
    busiest pages (and fetchall: one driver call for the whole result, not one per row)."""
    return db.session.connection().execute(stmt, params).all()


@lru_cache(maxsize=1024)
def _without_category(query: CatalogQuery) -> CatalogQuery:
    """`query` without its category (the category counts' query: asked for on every search's page)."""
    return CatalogQuery(q=query.q, tiers=query.tiers, publisher=query.publisher, sort=query.sort)
