"""The catalog: listed integrations filtered, searched, ranked, paged and counted for one viewer.

One way through: the web layer parses a request into a `CatalogQuery` (app/web/catalog/query.py);
then `query` builds the listing statement, `search` matches the words (FTS5 / tsvector), `ranking`
ranks a search once per catalog generation, `listing` cuts the viewer's page and `facets` counts the
tiers; `counts` reads what a kept page shows of the install counts (after an install).
`generation` holds the catalog generation (and `bump_listing_generation`, which any write the
triggers do not see must call) and the per-process caches keyed by it; `detail`
and `home` answer the detail page, the home page and the sitemap.

Every query applies the visibility module's SQL twin (listed_clause / viewable_clause), so the
catalog, search, home page, sitemap and JSON API list can never disagree.

Views and the API call the entry points below; nothing else here is theirs to reach into.
"""

from __future__ import annotations

from ..snapshots import Shown, shown_to, shown_to_each
from .counts import detail_counts, page_counts, page_fingerprint
from .detail import Dependency, Detail, detail_for, integration_by_handle, integration_by_id, versions_of
from .facets import CategoryCount, category_counts, tier_counts
from .generation import (
    bump_listing_generation,
    catalog_generation,
    catalog_generation_unbound,
    clear_caches,
    listings_changed,
    note_generation,
    page_generation_of,
    page_generation_unbound,
    prune_changes,
    riding,
    tracker_of,
)
from .home import Home, home_for, sitemap_entries
from .listing import (
    MAX_LIMIT,
    MAX_PAGE,
    PAGE_SIZE,
    CatalogPage,
    KeysetPage,
    card_rows,
    decode_key_value,
    keyset_page_for,
    page_for,
    ranked_page_outline,
)
from .query import SORTS, CatalogQuery
from .ranking import cached_ranking, rider_for, search_page_check

__all__ = [
    "MAX_LIMIT",
    "MAX_PAGE",
    "PAGE_SIZE",
    "SORTS",
    "CatalogPage",
    "CategoryCount",
    "CatalogQuery",
    "Dependency",
    "Detail",
    "Home",
    "KeysetPage",
    "bump_listing_generation",
    "catalog_generation",
    "category_counts",
    "catalog_generation_unbound",
    "clear_caches",
    "decode_key_value",
    "detail_counts",
    "detail_for",
    "home_for",
    "integration_by_handle",
    "integration_by_id",
    "cached_ranking",
    "card_rows",
    "keyset_page_for",
    "ranked_page_outline",
    "listings_changed",
    "note_generation",
    "page_counts",
    "page_fingerprint",
    "page_for",
    "page_generation_of",
    "page_generation_unbound",
    "prune_changes",
    "rider_for",
    "riding",
    "search_page_check",
    "tracker_of",
    "Shown",
    "shown_to",
    "shown_to_each",
    "sitemap_entries",
    "tier_counts",
    "versions_of",
]
