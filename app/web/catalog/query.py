"""A request's catalog arguments, validated into the catalog's query (pages and the JSON API alike).

Decides: which `q`, `tier`, `publisher`, `sort`, `page` and `limit` values a request may carry, and
the clear 400 naming the parameter when one cannot be honoured. The catalog service then takes the
`CatalogQuery` as given.
"""

from __future__ import annotations

import re

from ...models.category import CATEGORY_SLUG_PATTERN
from ...models.integration import PUBLISHER_PATTERN, TRUST_TIERS
from ...services import catalog
from ...services.errors import ServiceError

MAX_Q_CHARS = 500

_PUBLISHER_RE = re.compile(PUBLISHER_PATTERN)
_CATEGORY_RE = re.compile(CATEGORY_SLUG_PATTERN)


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


def parse_query(args, *, category: str | None = None) -> catalog.CatalogQuery:
    """Validate catalog/API parameters (a werkzeug MultiDict). Bad values raise BadQuery. `category`, when
    given (a category's own page), replaces any `category` argument. A well-formed slug that names no
    category finds nothing (as an unknown publisher does)."""
    q = args.get("q") or ""
    if len(q) > MAX_Q_CHARS:  # as sent, so the limit is the one the OpenAPI document states
        raise BadQuery(f"Search text is limited to {MAX_Q_CHARS} characters.", field="q")
    q = q.strip()
    tiers = args.getlist("tier")
    if any(tier not in TRUST_TIERS for tier in tiers):
        raise BadQuery(f"Unknown trust tier. Use one of: {', '.join(TRUST_TIERS)}.", field="tier")
    publisher = (args.get("publisher") or "").strip() or None
    if publisher is not None and not _PUBLISHER_RE.match(publisher):
        raise BadQuery("A publisher is 1 to 39 lowercase letters, digits and hyphens.", field="publisher")
    sort = args.get("sort") or "relevance"
    if sort not in catalog.SORTS:
        raise BadQuery(f"Unknown sort. Use one of: {', '.join(catalog.SORTS)}.", field="sort")
    if category is None:
        category = (args.get("category") or "").strip() or None
        if category is not None and not _CATEGORY_RE.match(category):
            raise BadQuery(
                "A category is 1 to 48 lowercase letters, digits and hyphens (its slug).", field="category"
            )
    return catalog.CatalogQuery(q=q, tiers=tuple(tiers), publisher=publisher, sort=sort, category=category)


def parse_positive_int(value: str | None, name: str, *, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum`; absent or empty is `default`."""
    if value is None or value == "":
        return default
    # ASCII digits only, and few: "²" is a digit to str.isdigit but not to int(), and a 5,000-digit
    # number is refused by int() itself.
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or not 1 <= int(value) <= maximum:
        raise BadQuery(f"'{name}' must be a whole number from 1 to {maximum}.", field=name)
    return int(value)


def parse_page(args) -> int:
    """The catalog page's `page` argument (pages stop at the catalog's last allowed page)."""
    return parse_positive_int(args.get("page"), "page", default=1, maximum=catalog.MAX_PAGE)


def parse_limit(args, *, default: int) -> int:
    """The JSON API's `limit` argument: absent is `default`; present (even empty) it must be a number."""
    value = args.get("limit")
    if value == "":
        raise BadQuery(f"'limit' must be a whole number from 1 to {catalog.MAX_LIMIT}.", field="limit")
    return parse_positive_int(value, "limit", default=default, maximum=catalog.MAX_LIMIT)
