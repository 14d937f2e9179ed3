"""What the home page and the sitemap list: short, fixed listings rather than a query's pages.

Decides: which integrations are featured (the most installed of the first-party and vendor-official
tiers), which count as recently updated, and which URLs a sitemap offers (only what an anonymous
visitor finds listed). Every one applies the visibility module's listing rule, as the catalog does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...domain.visibility import ANONYMOUS, Viewer, listed_clause
from ...extensions import db
from .facets import CategoryCount, category_counts, tier_counts
from .generation import catalog_generation
from .query import CARD_COLUMNS, C, CatalogQuery, fetch

FEATURED_TIERS = ("first_party", "vendor_official")
HOME_CARDS = 6
SITEMAP_LIMIT = 50_000  # what one sitemap file may hold


@dataclass(frozen=True)
class Home:
    facets: dict[str, int]  # listed integrations per trust tier, for this viewer
    featured: list  # rows with the card columns
    recent: list
    categories: list[CategoryCount]  # every category, with how many listings this viewer finds in it


def home_for(viewer: Viewer) -> Home:
    generation = catalog_generation()  # read first: the counts below are at least this fresh
    return Home(
        facets=tier_counts(viewer, CatalogQuery(), generation=generation),
        featured=featured(viewer),
        recent=recently_updated(viewer),
        categories=category_counts(viewer, CatalogQuery(), generation=generation),
    )


def featured(viewer: Viewer, limit: int = HOME_CARDS) -> list:
    stmt = (
        select(*CARD_COLUMNS)
        .where(listed_clause(C, viewer), C.trust_tier.in_(FEATURED_TIERS))
        .order_by(C.install_count.desc(), C.id.desc())
        .limit(limit)
    )
    return fetch(stmt)


def recently_updated(viewer: Viewer, limit: int = HOME_CARDS) -> list:
    stmt = select(*CARD_COLUMNS).where(listed_clause(C, viewer)).order_by(C.updated_at.desc(), C.id.desc())
    return fetch(stmt.limit(limit))


def sitemap_entries(limit: int = SITEMAP_LIMIT):
    """(publisher, slug, updated_at) of what an anonymous visitor finds in listings, streamed."""
    stmt = (
        select(C.publisher, C.slug, C.updated_at)
        .where(listed_clause(C, ANONYMOUS))
        .order_by(C.publisher, C.slug)
        .limit(limit)
    )
    return db.session.execute(stmt.execution_options(yield_per=1000))
