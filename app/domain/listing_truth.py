"""Listing truth: which published version is current for a viewer, and whose documents they see.

DESIGN.md, Stage two, "Listing truth": everything anyone outside the source workspace sees of an
integration (detail page, cards, search, sitemap, JSON API, install wizard, upgrade diff) is built
from the current version's immutable snapshot plus the listing's metadata. The working copy (the
publisher's unpublished edits) is seen only in the dashboard, except for a draft, which has no
snapshot: the source workspace's members see its working copy, and nobody else sees it at all.

The rule is in two parts, each with a Python form (one loaded version) and a SQL twin:
- `may_be_current` / `current_candidate_clause`: may this version be current for this viewer?
  Today: it is not yanked. (Review before trust adds: and it is approved, unless the viewer is a
  member of the source workspace, for whom their own pending version is already current.)
- `pick_current`: of the versions that may be, the highest by semver precedence.
`app/services/snapshots.py` applies them; every surface asks it, never the columns directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement

from .semver_range import is_valid_version, version_key
from .visibility import Viewer


class VersionLike(Protocol):
    version: str
    yanked_at: object | None


class IntegrationLike(Protocol):
    workspace_id: str
    current_version: str | None


V = TypeVar("V", bound=VersionLike)


def may_be_current(viewer: Viewer, integration: IntegrationLike, version: VersionLike) -> bool:
    """Whether `version` (published, of `integration`) may be the one this viewer is shown."""
    return version.yanked_at is None


def current_candidate_clause(version_model, viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of may_be_current, over IntegrationVersion (joined to its integration if it needs to)."""
    return version_model.yanked_at.is_(None)


def pick_current(viewer: Viewer, integration: IntegrationLike, versions: Iterable[V]) -> V | None:
    """The viewer's current version among `versions` (all of one integration): the highest that may be."""
    candidates = [
        v for v in versions if is_valid_version(v.version) and may_be_current(viewer, integration, v)
    ]
    return max(candidates, key=lambda v: version_key(v.version)) if candidates else None


def may_see_version(viewer: Viewer, integration: IntegrationLike, version: VersionLike) -> bool:
    """Whether this viewer finds `version` in the integration's history (detail page, API versions).
    Today every published version (yanked ones are shown, marked). (Review before trust adds: a version
    waiting for review, or rejected, only to the source workspace's members.)"""
    return True


def sees_working_copy(viewer: Viewer, integration: IntegrationLike, current: VersionLike | None) -> bool:
    """Outside the dashboard, a working copy is shown only where the viewer has no current version (a
    draft), and only to the source workspace's members."""
    return current is None and integration.workspace_id in viewer.member_of
