"""One integration as its detail page and the JSON API's get-by-id show it, for one viewer.

Decides: whether this viewer may see the integration at all (NotFound otherwise: existence never
leaks; TakenDown, a 410 with the notice, for everyone when staff took it down while it was
public), how much of its version history is loaded, and which of its declared dependencies resolve
to an integration this viewer may see. Its documents (scopes, auth type, settings, dependencies,
members) are the current version's snapshot, as `snapshots.shown_to` gives them: never the working
copy. Listings are `listing`'s business, not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import defer, joinedload, selectinload

from ...domain.listing_truth import may_see_version
from ...domain.visibility import DELETED, Viewer, can_view, state_of
from ...extensions import db
from ...models import Integration, IntegrationVersion
from ..errors import NotFound
from ..snapshots import Shown, shown_to
from ..takedowns import refuse_if_gone

MAX_DEPENDENCIES_RESOLVED = 50


@dataclass(frozen=True)
class Dependency:
    handle: str
    range: str
    target: Integration | None  # None when missing or not visible to this viewer


@dataclass(frozen=True)
class Detail:
    integration: Integration
    shown: Shown  # the documents this viewer sees: the current version's snapshot
    versions: list[IntegrationVersion]  # newest first, yanked ones included (marked, not hidden)
    dependencies: list[Dependency]
    in_trash: bool


def detail_for(viewer: Viewer, publisher: str, slug: str) -> Detail:
    """What /integrations/<publisher>/<slug> shows this viewer (NotFound when they may not see it)."""
    integration = integration_by_handle(viewer, publisher, slug)
    versions = versions_of(viewer, integration)
    shown = shown_to(viewer, integration, versions=versions)
    return Detail(
        integration=integration,
        shown=shown,
        versions=versions,
        dependencies=dependencies_of(viewer, shown),
        in_trash=state_of(integration) == DELETED,
    )


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


def versions_of(viewer: Viewer, integration: Integration) -> list[IntegrationVersion]:
    """The versions this viewer finds in the history, newest first (the relationship's order), yanked
    ones included: they are marked, not hidden."""
    return [v for v in integration.versions if may_see_version(viewer, integration, v)]


def dependencies_of(viewer: Viewer, shown: Shown) -> list[Dependency]:
    """The shown manifest's dependencies, each resolved (one query for all) to an integration the viewer
    may see."""
    declared = []
    for entry in shown.dependencies:
        if isinstance(entry, dict) and isinstance(entry.get("integration"), str):
            declared.append((entry["integration"][:120], str(entry.get("version") or "*")[:120]))
    pairs = {tuple(handle.split("/", 1)) for handle, _ in declared if handle.count("/") == 1}
    found = {}
    if pairs:
        wanted = sorted(pairs)[:MAX_DEPENDENCIES_RESOLVED]
        rows = db.session.scalars(
            select(Integration).where(
                or_(*[(Integration.publisher == p) & (Integration.slug == s) for p, s in wanted])
            )
        )
        found = {f"{i.publisher}/{i.slug}": i for i in rows if can_view(viewer, i)}
    return [Dependency(handle, rng, found.get(handle)) for handle, rng in declared]


def _load_viewable(viewer: Viewer, *criteria, with_versions: bool | str) -> Integration:
    """with_versions: True loads whole versions; "history" leaves their JSON documents unread."""
    # Its categories in the same statement: the detail page and the listing endpoint show them.
    stmt = (
        select(Integration)
        .where(*criteria)
        .options(joinedload(Integration.primary_category), joinedload(Integration.secondary_category))
    )
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
    if integration is not None:
        refuse_if_gone(integration)  # taken down while public: 410 with the notice, for everyone
    if integration is None or not can_view(viewer, integration):
        raise NotFound("No such integration.")
    return integration
