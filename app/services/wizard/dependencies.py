"""Step 2 of the install wizard: the pinned version's dependencies, what each needs in the target
workspace (satisfied, missing, outdated, unavailable, part of a cycle), and child wizards that
install a missing one first."""

from __future__ import annotations

from dataclasses import dataclass

from ...domain import wizard as steps_rule
from ...domain.semver_range import max_satisfying, satisfies
from ...domain.visibility import can_view
from ...extensions import db
from ...models import (
    Installation,
    Integration,
    IntegrationVersion,
    WizardSession,
)
from ..errors import NotFound, ValidationFailed
from ..viewer import viewer_for
from .state import complete_step, initial_data, live_installation, new_wizard


@dataclass
class DependencyStatus:
    key: str  # "publisher/slug"
    range: str
    integration: Integration | None
    installed: Installation | None
    candidate: str | None  # the version a child wizard would pin
    status: str  # satisfied | missing | outdated | unavailable | cycle

    @property
    def satisfied(self) -> bool:
        return self.status == "satisfied"

    @property
    def installable(self) -> bool:
        return self.status == "missing" and self.candidate is not None


def _dependencies(version: IntegrationVersion) -> list[tuple[str, str]]:
    deps = (version.manifest or {}).get("dependencies") or []
    return [(str(d.get("integration", "")), str(d.get("version", "*"))) for d in deps if isinstance(d, dict)]


def _integration_by_key(key: str) -> Integration | None:
    publisher, _, slug = key.partition("/")
    if not publisher or not slug:
        return None
    return db.session.scalar(
        db.select(Integration).where(Integration.publisher == publisher, Integration.slug == slug)
    )


def _live_versions(integration: Integration) -> list[str]:
    return list(
        db.session.scalars(
            db.select(IntegrationVersion.version).where(
                IntegrationVersion.integration_id == integration.id, IntegrationVersion.yanked_at.is_(None)
            )
        )
    )


def dependency_cycle(wizard: WizardSession) -> list[str] | None:
    """A cycle through this wizard's integration in the dependency graph (each integration's
    current manifest, this wizard's pinned one for itself), or through its parent wizards."""
    root = f"{wizard.integration.publisher}/{wizard.integration.slug}"
    ancestors = []
    parent = db.session.get(WizardSession, wizard.parent_id) if wizard.parent_id else None
    while parent is not None and len(ancestors) < 20:
        ancestors.append(f"{parent.integration.publisher}/{parent.integration.slug}")
        parent = db.session.get(WizardSession, parent.parent_id) if parent.parent_id else None
    if root in ancestors:
        return ancestors[ancestors.index(root) :: -1] + [root]
    edges: dict[str, list[str]] = {root: [key for key, _ in _dependencies(wizard.version)]}
    frontier = list(edges[root])
    while frontier and len(edges) < 200:
        key = frontier.pop()
        if key in edges:
            continue
        integration = _integration_by_key(key)
        manifest = {}
        if integration is not None and integration.current_version:
            version = db.session.scalar(
                db.select(IntegrationVersion).where(
                    IntegrationVersion.integration_id == integration.id,
                    IntegrationVersion.version == integration.current_version,
                )
            )
            manifest = version.manifest if version else integration.manifest
        edges[key] = [
            str(d.get("integration", ""))
            for d in (manifest or {}).get("dependencies") or []
            if isinstance(d, dict)
        ]
        frontier.extend(edges[key])
    return steps_rule.find_cycle(root, edges)


def dependency_report(user, wizard: WizardSession) -> list[DependencyStatus]:
    viewer = viewer_for(user)
    cycle = dependency_cycle(wizard)
    report = []
    for key, range_text in _dependencies(wizard.version):
        integration = _integration_by_key(key)
        if (
            integration is None
            or not can_view(viewer, integration)
            or integration.is_deleted
            or integration.is_draft
        ):
            report.append(DependencyStatus(key, range_text, None, None, None, "unavailable"))
            continue
        if cycle and key in cycle:
            report.append(DependencyStatus(key, range_text, integration, None, None, "cycle"))
            continue
        installed = live_installation(wizard.workspace_id, integration.id)
        if installed is not None:
            status = "satisfied" if satisfies(installed.version.version, range_text) else "outdated"
            report.append(DependencyStatus(key, range_text, integration, installed, None, status))
            continue
        candidate = max_satisfying(_live_versions(integration), range_text)
        report.append(DependencyStatus(key, range_text, integration, None, candidate, "missing"))
    return report


def start_dependency(user, wizard: WizardSession, key: str) -> WizardSession:
    """A child wizard that installs a missing dependency into the same workspace, then returns."""
    status = next((d for d in dependency_report(user, wizard) if d.key == key), None)
    if status is None:
        raise NotFound("No such dependency.")
    if status.status == "cycle":
        raise ValidationFailed("This dependency leads back to an integration being installed: a cycle.")
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
