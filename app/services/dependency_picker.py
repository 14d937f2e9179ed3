"""The dashboard's dependency picker: for "publisher/slug" and a version range, the published
versions of that integration a publisher may see, and which of them the range matches. An
integration the publisher may not see (private elsewhere, a draft, in the trash, taken down) is
unknown here, exactly as it is in the catalog. Reading only."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.semver_range import InvalidRange, max_satisfying, parse_range, satisfies, sort_versions
from ..domain.visibility import Viewer, can_view, listed_clause
from ..extensions import db
from ..models import Integration
from .errors import NotFound
from .wizard.dependencies import _integrations_by_key, _live_versions

MAX_ROWS = 50  # dependencies looked up per page (the manifest schema allows 50)
MAX_SUGGESTIONS = 200  # integrations offered in the picker's list (any other may still be typed)


@dataclass(frozen=True)
class Matches:
    key: str
    range: str
    name: str
    versions: list[tuple[str, bool]]  # (version, matched by the range), newest first
    best: str | None  # what an installer would get
    range_problem: str | None = None


def _seen(viewer: Viewer, integration: Integration) -> bool:
    return (
        can_view(viewer, integration)
        and not integration.is_deleted
        and not integration.is_draft
        and integration.taken_down_at is None
    )


def _matches(integration: Integration, range_text: str, numbers: list[str]) -> Matches:
    key = f"{integration.publisher}/{integration.slug}"
    ordered = sort_versions(numbers, reverse=True)
    try:
        parse_range(range_text)
    except InvalidRange as error:
        return Matches(key, range_text, integration.name, [(v, False) for v in ordered], None, str(error))
    return Matches(
        key,
        range_text,
        integration.name,
        [(v, satisfies(v, range_text)) for v in ordered],
        max_satisfying(ordered, range_text),
    )


def matches_for(viewer: Viewer, rows: list[tuple[str, str]]) -> dict[str, Matches]:
    """Each (key, range) row's matches, by key, for the integrations this viewer may see; a
    constant number of queries whatever the number of rows."""
    rows = [(key, range_text or "*") for key, range_text in rows if key][:MAX_ROWS]
    found = {k: i for k, i in _integrations_by_key(k for k, _ in rows).items() if _seen(viewer, i)}
    versions = _live_versions(viewer, list(found.values()))
    return {
        key: _matches(found[key], range_text, versions[found[key].id])
        for key, range_text in rows
        if key in found
    }


def matches_one(viewer: Viewer, key: str, range_text: str) -> Matches:
    """One row, for the picker's JSON endpoint (NotFound: unknown to this viewer)."""
    if not isinstance(key, str) or key.count("/") != 1 or len(key) > 120 or len(range_text) > 256:
        raise NotFound("No such integration.")
    found = matches_for(viewer, [(key, range_text)])
    if key not in found:
        raise NotFound("No such integration.")
    return found[key]


def suggestions(viewer: Viewer) -> list[tuple[str, str]]:
    """("publisher/slug", name) of the published integrations listed to this viewer (the catalog's
    and their own workspaces' private ones), by name: what the picker offers as you type."""
    rows = db.session.execute(
        db.select(Integration.publisher, Integration.slug, Integration.name)
        .where(listed_clause(Integration, viewer), Integration.taken_down_at.is_(None))
        .order_by(Integration.name, Integration.publisher, Integration.slug)
        .limit(MAX_SUGGESTIONS)
    )
    return [(f"{publisher}/{slug}", name) for publisher, slug, name in rows]
