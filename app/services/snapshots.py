"""What a viewer is shown of an integration's documents: the current version's immutable snapshot.

The one place every surface outside the dashboard asks (detail page, JSON API, install wizard,
upgrade diff, dependency resolution, installations page): `current_version_for(viewer,
integration)` is the version current for this viewer, `shown_to(viewer, integration)` the documents
they see. Which version may be current, and when a working copy shows, is app/domain/listing_truth.py's
rule; this module only loads what it needs (batched: never a query per integration).

The dashboard's own view of the working copy, and its diff against the current version, is
`unpublished_changes` / `changes_since_current` (the source workspace only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from ..domain import document_diff
from ..domain.listing_truth import current_candidate_clause, may_be_current, pick_current, sees_working_copy
from ..domain.visibility import Viewer
from ..extensions import db
from ..models import Integration, IntegrationVersion

DOCUMENTS = (
    ("manifest", "manifest"),
    ("variablesSchema", "variables_schema"),
    ("authConfig", "auth_config"),
)


@dataclass(frozen=True)
class Shown:
    """An integration's documents as one viewer sees them, and the version they come from.

    `version` None: the viewer has no current version (a draft); the documents are then the
    working copy for the source workspace's members and empty for anyone else."""

    version: str | None
    manifest: dict = field(default_factory=dict)
    variables_schema: dict = field(default_factory=dict)
    auth_config: dict = field(default_factory=dict)
    working_copy: bool = False

    @property
    def auth_type(self) -> str:
        return self.auth_config.get("type", "none")

    @property
    def scopes(self) -> list:
        scopes = self.auth_config.get("scopes")
        return list(scopes) if isinstance(scopes, list) else []

    @property
    def dependencies(self) -> list:
        deps = self.manifest.get("dependencies")
        return list(deps) if isinstance(deps, list) else []


def _shown(version) -> Shown:
    return Shown(
        version=version.version,
        manifest=dict(version.manifest or {}),
        variables_schema=dict(version.variables_schema or {}),
        auth_config=dict(version.auth_config or {}),
    )


def working_copy(integration: Integration) -> Shown:
    """The publisher's unsaved-to-a-version documents. Only the source workspace's own tools show this."""
    return Shown(
        version=integration.current_version,
        manifest=dict(integration.manifest or {}),
        variables_schema=dict(integration.variables_schema or {}),
        auth_config=dict(integration.auth_config or {}),
        working_copy=True,
    )


def _not_current(viewer: Viewer, integration) -> Shown:
    if sees_working_copy(viewer, integration, None) and isinstance(integration, Integration):
        return working_copy(integration)
    return Shown(version=None)


# -- the current version ----------------------------------------------------------------------------


def _picked(viewer: Viewer, integrations: Iterable) -> dict[str, object]:
    """Each integration's current version for this viewer as a light row (id, integration_id, version,
    yanked_at), by integration id; integrations with none (drafts) are left out. One query."""
    by_id = {i.id: i for i in integrations}
    if not by_id:
        return {}
    candidates: dict[str, list] = {}
    for row in db.session.execute(
        select(
            IntegrationVersion.id,
            IntegrationVersion.integration_id,
            IntegrationVersion.version,
            IntegrationVersion.yanked_at,
            IntegrationVersion.review_state,
        ).where(
            IntegrationVersion.integration_id.in_(sorted(by_id)),
            current_candidate_clause(IntegrationVersion, viewer, Integration),
        )
    ):
        candidates.setdefault(row.integration_id, []).append(row)
    picked = {key: pick_current(viewer, by_id[key], rows) for key, rows in candidates.items()}
    return {key: row for key, row in picked.items() if row is not None}


def current_version_numbers_for(viewer: Viewer, integrations: Iterable) -> dict[str, str]:
    """Each integration's current version number for this viewer, by integration id (drafts left out)."""
    return {key: row.version for key, row in _picked(viewer, integrations).items()}


def current_versions_for(viewer: Viewer, integrations: Iterable) -> dict[str, IntegrationVersion]:
    """Each integration's current version for this viewer (whole rows), by integration id; integrations
    with none (drafts) are left out. Two queries, whatever the number of integrations."""
    ids = sorted(row.id for row in _picked(viewer, integrations).values())
    if not ids:
        return {}
    rows = db.session.scalars(select(IntegrationVersion).where(IntegrationVersion.id.in_(ids)))
    return {row.integration_id: row for row in rows}


def current_version_for(viewer: Viewer, integration) -> IntegrationVersion | None:
    """The version of `integration` that is current for `viewer`: the one its page, the API, the
    install wizard and upgrades show and pin. None when there is none for them (a draft)."""
    return current_versions_for(viewer, [integration]).get(integration.id)


def shown_to(viewer: Viewer, integration: Integration, *, versions: list | None = None) -> Shown:
    """The documents this viewer sees. `versions`: the integration's versions already loaded (their
    documents may be deferred): the current one is picked from them and only its documents read."""
    if versions is None:
        current = current_version_for(viewer, integration)
        return _shown(current) if current is not None else _not_current(viewer, integration)
    picked = pick_current(
        viewer,
        integration,
        [
            v
            for v in versions
            if v.integration_id == integration.id and may_be_current(viewer, integration, v)
        ],
    )
    if picked is None:
        return _not_current(viewer, integration)
    docs = db.session.execute(
        select(
            IntegrationVersion.version,
            IntegrationVersion.manifest,
            IntegrationVersion.variables_schema,
            IntegrationVersion.auth_config,
        ).where(IntegrationVersion.id == picked.id)
    ).one()
    return _shown(docs)


def shown_to_each(viewer: Viewer, integrations: Iterable) -> dict[str, Shown]:
    """shown_to for many (rows of a listing: published ones; a draft shows nothing here)."""
    integrations = list(integrations)
    current = current_versions_for(viewer, integrations)
    return {i.id: _shown(current[i.id]) if i.id in current else _not_current(viewer, i) for i in integrations}


# -- the dashboard: the working copy against the current version -------------------------------------


@dataclass(frozen=True)
class DocumentChanges:
    document: str  # "manifest" | "variablesSchema" | "authConfig"
    changes: list[document_diff.Change]


def changes_since_current(
    viewer: Viewer, integration: Integration
) -> tuple[str | None, list[DocumentChanges]]:
    """(the current version for the source workspace, each document's changes in the working copy
    against it by JSON path). A draft compares against nothing: every value is new."""
    current = current_version_for(viewer, integration)
    result = []
    for name, column in DOCUMENTS:
        before = getattr(current, column) if current is not None else None
        result.append(DocumentChanges(name, document_diff.changes(before, getattr(integration, column))))
    return (current.version if current is not None else None), result


def with_unpublished_changes(viewer: Viewer, integrations: Iterable[Integration]) -> set[str]:
    """Ids of the published integrations whose working copy differs from their current version."""
    integrations = [i for i in integrations if i.current_version is not None]
    current = current_versions_for(viewer, integrations)
    return {
        i.id
        for i in integrations
        if i.id in current
        and any(
            not document_diff.same(getattr(current[i.id], column), getattr(i, column))
            for _, column in DOCUMENTS
        )
    }
