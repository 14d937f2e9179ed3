"""An integration's metadata (name, slug, publisher handle, description, icon URL, visibility,
retention tier; and the listing's categories and links): each key checked and normalised on its own,
every problem reported together as one ValidationFailed whose `details` name the fields."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from ..domain.categories import category_problems
from ..domain.listing_links import LINK_KINDS, form_field, link_problem
from ..extensions import db
from ..models import Category
from ..models.integration import (
    DESCRIPTION_MAX,
    HTTPS_URL_PATTERN,
    NAME_MAX,
    RETENTION_TIERS,
    SLUG_MAX,
    SLUG_PATTERN,
    URL_MAX,
    VISIBILITIES,
)
from . import namespaces
from .errors import ValidationFailed

SLUG_RE = re.compile(SLUG_PATTERN)
HTTPS_URL_RE = re.compile(HTTPS_URL_PATTERN)
# What a publisher may edit after creating; slug and publisher are set once.
# The listing's categories (by slug, "" for none) and links (`link_<kind>`, "" for none): listing
# metadata, not versioned; they become primary_category_id, secondary_category_id and links.
CATEGORY_KEYS = ("primary_category", "secondary_category")
LINK_KEYS = tuple(form_field(kind) for kind, _ in LINK_KINDS)
METADATA = ("name", "description", "icon_url", "visibility", "retention_tier", *CATEGORY_KEYS, *LINK_KEYS)


def suggest_slug(name: str | None) -> str:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:SLUG_MAX].strip("-")
    return slug or "integration"


def _problem(problems: list, field: str, message: str) -> None:
    problems.append({"field": field, "path": f"$.{field}", "message": message})


def clean_metadata(data: dict, *, creating: bool) -> dict:
    """Checked and normalised metadata for the keys present in `data` (all of them when creating)."""
    problems: list[dict] = []
    clean: dict[str, Any] = {}
    for key, cleaner in _CLEANERS.items():
        if _checked(key, data, creating):
            clean[key] = cleaner(data.get(key, DEFAULTS.get(key)), problems, clean)
    if any(key in data for key in CATEGORY_KEYS):
        clean.update(_categories(data, problems))
    if any(key in data for key in LINK_KEYS):
        clean["links"] = _links(data, problems)
    if problems:
        raise ValidationFailed(
            problems[0]["message"] if len(problems) == 1 else "Some fields need attention.",
            field=problems[0]["field"],
            details=problems,
        )
    return clean


def _checked(key: str, data: dict, creating: bool) -> bool:
    if not creating:
        return key in METADATA and key in data  # slug and publisher are set once, when creating
    return key in ALWAYS_ON_CREATE or key in data


def _name(value: Any, problems: list, clean: dict) -> str | None:
    name = value.strip() if isinstance(value, str) else None
    if not name or len(value) > NAME_MAX:  # counted as sent, as the API document says
        _problem(problems, "name", f"Give the integration a name of up to {NAME_MAX} characters.")
    return name


def _slug(value: Any, problems: list, clean: dict) -> str:
    given = isinstance(value, str) and value.strip()
    slug = value.strip().lower() if given else suggest_slug(clean.get("name"))
    if not (slug.isascii() and SLUG_RE.match(slug)):  # ASCII: "K" (Kelvin) lowers to "k"
        _problem(
            problems,
            "slug",
            "Use lowercase letters, digits and hyphens (up to 64), starting with a letter or digit.",
        )
    return slug


def _publisher(value: Any, problems: list, clean: dict) -> Any:
    handle = value.strip().lower() if isinstance(value, str) else ""
    if not (handle.isascii() and namespaces.HANDLE_RE.match(handle)):  # "K" (Kelvin) lowers to "k"
        _problem(
            problems,
            "publisher",
            "Use 1 to 39 lowercase letters, digits and hyphens, starting with a letter or digit.",
        )
    return value.strip().lower() if isinstance(value, str) else value


def _description(value: Any, problems: list, clean: dict) -> str | None:
    if value is not None and not isinstance(value, str):
        _problem(problems, "description", "The description must be text.")
        return None
    description = (value or "").strip()
    if len(value or "") > DESCRIPTION_MAX:  # counted as sent, as the API document says
        _problem(problems, "description", f"Keep the description under {DESCRIPTION_MAX} characters.")
    return description or None


def _visibility(value: Any, problems: list, clean: dict) -> Any:
    if value not in VISIBILITIES:
        _problem(problems, "visibility", "Choose public, unlisted or private.")
    return value


def _retention_tier(value: Any, problems: list, clean: dict) -> str | None:
    tier = value or None
    if tier is not None and tier not in RETENTION_TIERS:
        _problem(problems, "retention_tier", "Choose short, medium, long, none, or the platform default.")
    return tier


def _icon_url(value: Any, problems: list, clean: dict) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > URL_MAX:
        _problem(problems, "icon_url", f"Enter an https: URL of up to {URL_MAX} characters.")
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. "https://[x": an unclosed IPv6 literal
        parts = urlsplit("")
    if parts.scheme != "https" or not parts.netloc or not HTTPS_URL_RE.fullmatch(value):
        _problem(
            problems, "icon_url", "The icon URL must start with https:// (it is never fetched by the server)."
        )
    return value


def _categories(data: dict, problems: list) -> dict:
    """Slugs (primary, secondary; "" or None for none) to category ids; both keys are expected together."""
    slugs = {}
    for key in CATEGORY_KEYS:
        value = data.get(key)
        slugs[key] = value.strip() if isinstance(value, str) and value.strip() else None
    wanted = [slug for slug in slugs.values() if slug]
    found = (
        dict(db.session.execute(db.select(Category.slug, Category.id).where(Category.slug.in_(wanted))).all())
        if wanted
        else {}
    )
    ids = {}
    for key, slug in slugs.items():
        if slug is not None and slug not in found:
            _problem(problems, key, "Choose a category from the list.")
        ids[key] = found.get(slug)
    for field, message in category_problems(slugs["primary_category"], slugs["secondary_category"]):
        _problem(problems, field, message)
    return {
        "primary_category_id": ids["primary_category"],
        "secondary_category_id": ids["secondary_category"],
    }


def _links(data: dict, problems: list) -> dict | None:
    """`link_<kind>` values to {kind: https URL}; empty ones are left out (None when there are none)."""
    links = {}
    for kind, _ in LINK_KINDS:
        value = data.get(form_field(kind))
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        problem = link_problem(value.strip()) if isinstance(value, str) else "Enter an https:// address."
        if problem:
            _problem(problems, form_field(kind), problem)
        else:
            links[kind] = value.strip()
    return links or None


# Each metadata key's check (value, problems so far, what is clean so far), in the order problems
# are reported. A key is checked when present; name, slug, publisher and visibility always when
# creating.
_CLEANERS = {
    "name": _name,
    "slug": _slug,
    "publisher": _publisher,
    "description": _description,
    "icon_url": _icon_url,
    "visibility": _visibility,
    "retention_tier": _retention_tier,
}


ALWAYS_ON_CREATE = frozenset({"name", "slug", "publisher", "visibility"})


DEFAULTS = {"visibility": "private"}
