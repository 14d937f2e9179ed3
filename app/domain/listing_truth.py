"""Listing truth: which published version is current for a viewer, and whose documents they see.

DESIGN.md, Stage two, "Listing truth": everything anyone outside the source workspace sees of an
integration (detail page, cards, search, sitemap, JSON API, install wizard, upgrade diff) is built
from the current version's immutable snapshot plus the listing's metadata. The working copy (the
publisher's unpublished edits) is seen only in the dashboard, except for a draft, which has no
snapshot: the source workspace's members see its working copy, and nobody else sees it at all.

The rule is in two parts, each with a Python form (one loaded version) and a SQL twin:
- `may_be_current` / `current_candidate_clause`: may this version be current for this viewer? It is
  not yanked, and review (app/domain/review.py) lets it: live (published without review, or
  approved) for everyone, waiting for review only for the source workspace's members.
- `pick_current`: of the versions that may be, the highest by semver precedence.
`app/services/snapshots.py` applies them; every surface asks it, never the columns directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, select

from . import review
from .semver_range import is_valid_version, version_key
from .visibility import Viewer


class VersionLike(Protocol):
    version: str
    yanked_at: object | None


class IntegrationLike(Protocol):
    workspace_id: str
    current_version: str | None


V = TypeVar("V", bound=VersionLike)


def _own(viewer: Viewer, integration: IntegrationLike) -> bool:
    return integration.workspace_id in viewer.member_of


def may_be_current(viewer: Viewer, integration: IntegrationLike, version: VersionLike) -> bool:
    """Whether `version` (published, of `integration`) may be the one this viewer is shown."""
    return version.yanked_at is None and review.may_be_current(
        version, own_workspace=_own(viewer, integration)
    )


def current_candidate_clause(version_model, viewer: Viewer, integration_model) -> ColumnElement[bool]:
    """SQL twin of may_be_current, over IntegrationVersion; `integration_model` names the viewer's own
    workspaces' integrations (a subquery)."""
    if not viewer.member_of:
        return and_(version_model.yanked_at.is_(None), review.live_version_clause(version_model))
    own = select(integration_model.id).where(integration_model.workspace_id.in_(sorted(viewer.member_of)))
    return and_(version_model.yanked_at.is_(None), review.current_candidate_clause(version_model, own))


def pick_current(viewer: Viewer, integration: IntegrationLike, versions: Iterable[V]) -> V | None:
    """The viewer's current version among `versions` (all of one integration): the highest that may be."""
    candidates = [
        v for v in versions if is_valid_version(v.version) and may_be_current(viewer, integration, v)
    ]
    return max(candidates, key=lambda v: version_key(v.version)) if candidates else None


def may_see_version(viewer: Viewer, integration: IntegrationLike, version: VersionLike) -> bool:
    """Whether this viewer finds `version` in the integration's history (detail page, API versions):
    yanked ones are shown (marked); one waiting for review, or refused, only to the source workspace's
    members."""
    return review.may_see_version(version, own_workspace=_own(viewer, integration))


def sees_working_copy(viewer: Viewer, integration: IntegrationLike, current: VersionLike | None) -> bool:
    """Outside the dashboard, a working copy is shown only where the viewer has no current version (a
    draft), and only to the source workspace's members."""
    return current is None and integration.workspace_id in viewer.member_of
