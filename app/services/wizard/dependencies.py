"""Step 2 of the install wizard: the pinned version's dependencies, what each needs in the target
workspace (satisfied, missing, outdated, unavailable, part of a cycle), and child wizards that
install a missing one first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import tuple_
from sqlalchemy.orm import joinedload

from ...domain import wizard as steps_rule
from ...domain.listing_truth import current_candidate_clause
from ...domain.semver_range import max_satisfying, satisfies
from ...domain.visibility import can_view
from ...extensions import db
from ...models import (
    Installation,
    Integration,
    IntegrationVersion,
    WizardSession,
)
from ...models.install import LIVE_STATUSES
from .. import install_policy
from ..errors import NotFound, ValidationFailed
from ..snapshots import current_versions_for
from ..viewer import viewer_for
from .state import complete_step, initial_data, new_wizard


@dataclass
class DependencyStatus:
    key: str  # "publisher/slug"
    range: str
    integration: Integration | None
    installed: Installation | None
    candidate: str | None  # the version a child wizard would pin
    status: str  # satisfied | missing | outdated | unavailable | cycle
    blocked: str | None = None  # a missing one the workspace's install policy refuses: why

    @property
    def satisfied(self) -> bool:
        return self.status == "satisfied"

    @property
    def installable(self) -> bool:
        return self.status == "missing" and self.candidate is not None and self.blocked is None


def _dependencies(version: IntegrationVersion) -> list[tuple[str, str]]:
    deps = (version.manifest or {}).get("dependencies") or []
    return [(str(d.get("integration", "")), str(d.get("version", "*"))) for d in deps if isinstance(d, dict)]


MAX_DEPENDENCY_KEYS = 200  # integrations looked at per step, whatever a manifest declares


def _integrations_by_key(keys) -> dict[str, Integration]:
    """The integrations named "publisher/slug", in one query whatever their number."""
    pairs = sorted({tuple(key.partition("/")[::2]) for key in keys})
    pairs = [(publisher, slug) for publisher, slug in pairs if publisher and slug][:MAX_DEPENDENCY_KEYS]
    if not pairs:
        return {}
    rows = db.session.scalars(
        db.select(Integration).where(tuple_(Integration.publisher, Integration.slug).in_(pairs))
    )
    return {f"{i.publisher}/{i.slug}": i for i in rows}


def _current_manifests(viewer, integrations) -> dict[str, dict]:
    """Each integration's current version's manifest for this viewer ({} for a draft), by integration id."""
    current = current_versions_for(viewer, integrations)
    return {i.id: current[i.id].manifest if i.id in current else {} for i in integrations}


def _edges_of(manifest: dict | None) -> list[str]:
    return [
        str(d.get("integration", ""))
        for d in (manifest or {}).get("dependencies") or []
        if isinstance(d, dict)
    ]


def dependency_cycle(wizard: WizardSession) -> list[str] | None:
    """A cycle through this wizard's integration in the dependency graph (each integration's
    current manifest, this wizard's pinned one for itself), or through its parent wizards.
    The graph is walked a level at a time: two queries per level, whatever each level's width."""
    root = f"{wizard.integration.publisher}/{wizard.integration.slug}"
    ancestors = []
    parent = db.session.get(WizardSession, wizard.parent_id) if wizard.parent_id else None
    while parent is not None and len(ancestors) < 20:
        ancestors.append(f"{parent.integration.publisher}/{parent.integration.slug}")
        parent = db.session.get(WizardSession, parent.parent_id) if parent.parent_id else None
    if root in ancestors:
        return ancestors[ancestors.index(root) :: -1] + [root]
    edges: dict[str, list[str]] = {root: [key for key, _ in _dependencies(wizard.version)]}
    level = set(edges[root]) - edges.keys()
    while level and len(edges) < MAX_DEPENDENCY_KEYS:
        found = _integrations_by_key(level)
        manifests = _current_manifests(viewer_for(wizard.user), found.values())
        for key in level:
            integration = found.get(key)
            edges[key] = _edges_of(manifests[integration.id]) if integration is not None else []
        level = {target for key in level for target in edges[key]} - edges.keys()
    return steps_rule.find_cycle(root, edges)


def _live_installations(workspace_id: str, integrations) -> dict[str, Installation]:
    """The workspace's live installations of these integrations (with their versions), by integration id."""
    ids = [i.id for i in integrations]
    if not ids:
        return {}
    rows = db.session.scalars(
        db.select(Installation)
        .options(joinedload(Installation.version))
        .where(
            Installation.workspace_id == workspace_id,
            Installation.integration_id.in_(ids),
            Installation.status.in_(LIVE_STATUSES),
        )
    )
    return {row.integration_id: row for row in rows}


def _live_versions(viewer, integrations) -> dict[str, list[str]]:
    """Each integration's version numbers that may be current for this viewer (published, not yanked),
    by integration id: what a dependency may be installed at."""
    versions: dict[str, list[str]] = {i.id: [] for i in integrations}
    if versions:
        for integration_id, number in db.session.execute(
            db.select(IntegrationVersion.integration_id, IntegrationVersion.version).where(
                IntegrationVersion.integration_id.in_(list(versions)),
                current_candidate_clause(IntegrationVersion, viewer, Integration),
            )
        ):
            versions[integration_id].append(number)
    return versions


def dependency_report(user, wizard: WizardSession) -> list[DependencyStatus]:
    """What each declared dependency needs; a constant number of queries whatever their number."""
    viewer = viewer_for(user)
    cycle = dependency_cycle(wizard)
    declared = _dependencies(wizard.version)
    found = _integrations_by_key(key for key, _ in declared)
    usable = {
        key: i for key, i in found.items() if can_view(viewer, i) and not i.is_deleted and not i.is_draft
    }
    installed = _live_installations(wizard.workspace_id, usable.values())
    versions = _live_versions(viewer, [i for i in usable.values() if i.id not in installed])
    report = [
        _status(key, range_text, usable.get(key), cycle, installed, versions) for key, range_text in declared
    ]
    missing = [d for d in report if d.status == "missing"]
    if missing:
        policy = install_policy.policy_of(wizard.workspace_id)
        for dependency in missing:
            decision = install_policy.decide(wizard.workspace, dependency.integration, policy)
            dependency.blocked = None if decision.allowed else decision.reason
    return report


def _status(key, range_text, integration, cycle, installed, versions) -> DependencyStatus:
    if integration is None:
        return DependencyStatus(key, range_text, None, None, None, "unavailable")
    if cycle and key in cycle:
        return DependencyStatus(key, range_text, integration, None, None, "cycle")
    installation = installed.get(integration.id)
    if installation is not None:
        status = "satisfied" if satisfies(installation.version.version, range_text) else "outdated"
        return DependencyStatus(key, range_text, integration, installation, None, status)
    candidate = max_satisfying(versions.get(integration.id, []), range_text)
    return DependencyStatus(key, range_text, integration, None, candidate, "missing")


def start_dependency(user, wizard: WizardSession, key: str) -> WizardSession:
    """A child wizard that installs a missing dependency into the same workspace, then returns."""
    status = next((d for d in dependency_report(user, wizard) if d.key == key), None)
    if status is None:
        raise NotFound("No such dependency.")
    if status.status == "cycle":
        raise ValidationFailed("This dependency leads back to an integration being installed: a cycle.")
    if status.blocked:
        raise install_policy.PolicyBlocked(status.blocked)
    if not status.installable:
        raise ValidationFailed(f"{key} cannot be installed from here.")
    version = db.session.scalar(
        db.select(IntegrationVersion).where(
            IntegrationVersion.integration_id == status.integration.id,
            IntegrationVersion.version == status.candidate,
        )
    )
    child = new_wizard(
        user, status.integration, wizard.workspace_id, version, parent=wizard, data=initial_data(version)
    )
    if dependency_cycle(child):
        raise ValidationFailed("Installing this dependency would form a cycle; it is refused.")
    return child


def complete_dependencies(user, wizard: WizardSession) -> None:
    report = dependency_report(user, wizard)
    if any(d.status == "cycle" for d in report) or dependency_cycle(wizard):
        raise ValidationFailed("These dependencies form a cycle, so this integration cannot be installed.")
    blocking = [d.key for d in report if not d.satisfied]
    if blocking:
        raise ValidationFailed("Install these first: " + ", ".join(blocking) + ".")
    complete_step(wizard, steps_rule.DEPENDENCIES)
