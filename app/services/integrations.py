"""Publisher actions on an integration: create, edit metadata and documents, visibility, trash.

Each action takes the acting user, checks, flushes, writes exactly one audit event, and raises
typed errors (ValidationFailed carries every problem in `details`). Nothing here commits.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..domain import documents
from ..domain.listing_links import form_field, links_required, missing_required, required_message
from ..domain.visibility import Viewer
from ..extensions import db
from ..models import Integration
from ..models.base import utcnow
from ..models.workspace import MANAGER_ROLES
from . import audit, crypto, namespaces, review_submissions, verification
from .errors import Conflict, InTrash, NotFound, PermissionDenied, ValidationFailed
from .integration_metadata import METADATA, clean_metadata
from .workspaces import membership_of

# What the audit diff of an integration shows. Never the client secret itself.
AUDITED = (
    "name",
    "slug",
    "publisher",
    "description",
    "icon_url",
    "visibility",
    "retention_tier",
    "trust_tier",
    "current_version",
    "manifest",
    "variables_schema",
    "auth_config",
    "deleted_at",
    "takedown_note",
    "primary_category_id",
    "secondary_category_id",
    "links",
)
# Fields a publisher may never set, in either spelling; sending one is refused, not ignored.
FORBIDDEN = {
    "trust_tier": "trustTier",
    "trustTier": "trustTier",
    "current_version": "currentVersion",
    "currentVersion": "currentVersion",
    "workspace_id": "workspaceId",
    "workspaceId": "workspaceId",
    "created_by": "createdBy",
    "createdBy": "createdBy",
    "deleted_at": "deletedAt",
    "deletedAt": "deletedAt",
    "install_count": "installCount",
    "takedown_note": "takedownNote",
}
NOT_EDITABLE_MESSAGE = {"trustTier": "Only marketplace staff set the trust tier."}
EMPTY_DOCUMENTS = {
    "manifest": {"members": [], "dependencies": [], "defaults": {}},
    "variables_schema": {"type": "object", "properties": {}},
    "auth_config": {"type": "none"},
}
DOC_COLUMNS = {
    documents.MANIFEST: "manifest",
    documents.VARIABLES: "variables_schema",
    documents.AUTH: "auth_config",
}


def snapshot(integration: Integration) -> dict[str, Any]:
    state = audit.snapshot(integration, AUDITED)
    state["client_secret_set"] = integration.oauth_client_secret_encrypted is not None
    return state


def refuse_forbidden(keys) -> None:
    """A payload or form naming a field the publisher may not set (trustTier...) is refused."""
    found = sorted({FORBIDDEN[k] for k in keys if k in FORBIDDEN})
    if found:
        details = [
            {
                "field": name,
                "path": f"$.{name}",
                "message": NOT_EDITABLE_MESSAGE.get(name, f"“{name}” cannot be set by a publisher."),
            }
            for name in found
        ]
        raise ValidationFailed(
            details[0]["message"] if len(details) == 1 else "Some fields cannot be set.",
            field=found[0],
            details=details,
        )


# --- checks -------------------------------------------------------------------------------------


def allow_local_http() -> bool:
    """oauth2 endpoints on http://localhost are accepted only outside production."""
    return not current_app.config.get("PRODUCTION", False)


def documents_invalid(errors: list[documents.DocumentError]) -> ValidationFailed:
    count = len(errors)
    return ValidationFailed(
        f"{count} problem{'s' if count != 1 else ''} in the JSON documents.",
        field="documents",
        details=[e.as_dict() for e in errors],
    )


# --- loading ------------------------------------------------------------------------------------


def for_publisher(viewer: Viewer, integration_id: str, *, lock: bool = False) -> Integration:
    """An integration the viewer administers (its source workspace's owner/admin); NotFound otherwise,
    whatever the reason, so someone else's integration never shows it exists."""
    query = db.select(Integration).where(Integration.id == str(integration_id)[:64])
    if lock:
        query = query.with_for_update()
    integration = db.session.scalar(query)
    if integration is None or integration.workspace_id not in viewer.admin_of:
        raise NotFound("No such integration.")
    return integration


def require_not_in_trash(integration: Integration) -> None:
    """A trashed integration is read-only until restored (DESIGN.md, Listing truth)."""
    if integration.deleted_at is not None:
        raise InTrash(
            f"“{integration.name}” is in the trash, so it is read-only: restore it before editing, "
            "publishing or yanking."
        )


def require_manager(actor, workspace_id: str) -> None:
    membership = membership_of(actor, workspace_id)
    if membership is None:
        raise NotFound("No such workspace.")
    if membership.role not in MANAGER_ROLES:
        raise PermissionDenied("Only the workspace's owners and admins can publish integrations.")


# --- actions ------------------------------------------------------------------------------------


def create_integration(actor, workspace_id: str, data: dict, docs: dict | None = None) -> Integration:
    """A new draft in `workspace_id`. `docs` (already-parsed documents, from the API) are optional."""
    refuse_forbidden(data)
    require_manager(actor, workspace_id)
    verification.require_verified(actor)
    problems: list[dict] = []
    clean: dict = {}
    values = dict(EMPTY_DOCUMENTS)
    try:
        clean = clean_metadata(data, creating=True)
    except ValidationFailed as error:
        problems += error.details
    try:
        if docs:
            values.update(_checked_values(docs, current=values))
    except ValidationFailed as error:
        problems += error.details
    if problems:
        raise _all_problems(problems)
    _, claimed = namespaces.claim(actor, workspace_id, clean["publisher"])
    if db.session.scalar(
        db.select(Integration.id).where(
            Integration.publisher == clean["publisher"], Integration.slug == clean["slug"]
        )
    ):
        raise Conflict(
            f"“{clean['publisher']}/{clean['slug']}” is taken (deleted integrations keep their slug). "
            "Choose another slug.",
            field="slug",
        )
    integration = Integration(
        workspace_id=workspace_id,
        created_by=actor.id,
        trust_tier="community",
        current_version=None,
        **clean,
        **values,
    )
    try:
        with db.session.begin_nested():
            db.session.add(integration)
    except IntegrityError:
        raise Conflict(
            f"“{clean['publisher']}/{clean['slug']}” was just taken. Choose another slug.", field="slug"
        ) from None
    after = snapshot(integration)
    after["publisher_claimed"] = claimed
    audit.record(actor, "integration.created", integration, object_label=_label(integration), after=after)
    return integration


def _all_problems(problems: list[dict]) -> ValidationFailed:
    count = len(problems)
    return ValidationFailed(
        f"{count} problem{'s' if count != 1 else ''} to fix; nothing was saved.",
        field=problems[0].get("field") or problems[0].get("document"),
        details=problems,
    )


def _checked_values(docs: dict, *, current: dict) -> dict:
    """API documents (parsed JSON): missing ones keep their current value; all three are checked together."""
    merged = {name: docs.get(name, current[column]) for name, column in DOC_COLUMNS.items()}
    values, errors = documents.validate_values_documents(merged, allow_local_http=allow_local_http())
    if errors:
        raise documents_invalid(errors)
    return {DOC_COLUMNS[name]: value for name, value in values.items()}


def _checked_texts(texts: dict) -> dict:
    values, errors = documents.validate_texts(texts, allow_local_http=allow_local_http())
    if errors:
        raise documents_invalid(errors)
    return {DOC_COLUMNS[name]: value for name, value in values.items()}


def update_integration(
    actor,
    integration: Integration,
    data: dict,
    *,
    texts: dict | None = None,
    docs: dict | None = None,
    client_secret: str | None = None,
    clear_client_secret: bool = False,
) -> Integration:
    """Edit metadata and documents in one go: every problem is reported and nothing is saved
    unless all is well. `texts` are documents as typed (forms), `docs` parsed JSON (API)."""
    refuse_forbidden(data)
    require_not_in_trash(integration)
    problems: list[dict] = []
    clean: dict = {}
    try:
        clean = clean_metadata({k: v for k, v in data.items() if k in METADATA}, creating=False)
    except ValidationFailed as error:
        problems += error.details
    try:
        values = (
            _checked_texts(texts)
            if texts is not None
            else (_checked_values(docs, current=_current_docs(integration)) if docs else {})
        )
    except ValidationFailed as error:
        problems += error.details
        values = {}
    if client_secret is not None and len(client_secret) > 1000:
        problems.append(
            {"field": "client_secret", "path": "$.clientSecret", "message": "That secret is too long."}
        )
    if problems:
        raise _all_problems(problems)
    if clean.get("visibility") not in (None, "private") and integration.taken_down_at is not None:
        message = "This listing was taken down by staff; it stays private."  # its state, not the request
        raise Conflict(
            message,
            field="visibility",
            details=[{"field": "visibility", "path": "$.visibility", "message": message}],
        )
    refuse_public_without_links(integration, clean)
    review_submissions.hold_rename(actor, integration, clean)  # a rename that waits leaves `clean`
    before = snapshot(integration)
    for key, value in {**clean, **values}.items():
        setattr(integration, key, value)
    if clear_client_secret:
        integration.oauth_client_secret_encrypted = None
    elif client_secret:
        integration.oauth_client_secret_encrypted = crypto.encrypt_json(client_secret)
    after = snapshot(integration)
    if before == after:
        return integration  # nothing changed: no mutation, no audit event
    db.session.flush()
    audit.record(
        actor,
        "integration.updated",
        integration,
        object_label=_label(integration),
        before=before,
        after=after,
    )
    return integration


def refuse_public_without_links(integration: Integration, clean: dict) -> None:
    """MP007's rule where visibility is set: a listing above `community` goes public (or, public,
    loses a link) only with privacy policy and support links."""
    going_public = clean.get("visibility") == "public" and integration.visibility != "public"
    links = clean.get("links", integration.links)
    losing_links = "links" in clean and clean["links"] != integration.links
    public = clean.get("visibility", integration.visibility) == "public"
    if not (going_public or losing_links) or not links_required(integration.trust_tier, public, False):
        return
    missing = missing_required(links)
    if missing:
        message = "MP007: " + required_message(missing)
        fields = [form_field(kind) for kind in missing] + (["visibility"] if going_public else [])
        raise ValidationFailed(
            message,
            field=fields[0],
            details=[
                {"field": name, "path": f"$.{name}", "message": message, "check": "MP007"} for name in fields
            ],
        )


def _current_docs(integration: Integration) -> dict:
    return {
        "manifest": integration.manifest,
        "variables_schema": integration.variables_schema,
        "auth_config": integration.auth_config,
    }


def set_visibility(actor, integration: Integration, visibility: str) -> Integration:
    return update_integration(actor, integration, {"visibility": visibility})


def change(
    actor,
    integration: Integration,
    action: str,
    changes: dict,
    *,
    note: str | None = None,
    version: str | None = None,
) -> Integration:
    """Apply `changes` and write the one audit event, with the before/after of the audited fields."""
    before = snapshot(integration)
    for key, value in changes.items():
        setattr(integration, key, value)
    db.session.flush()
    audit.record(
        actor,
        action,
        integration,
        object_label=_label(integration),
        before=before,
        after=snapshot(integration),
        note=note,
        version=version,
    )
    return integration


def soft_delete(actor, integration: Integration) -> Integration:
    if integration.deleted_at is not None:
        raise Conflict("This integration is already in the trash.")
    return change(actor, integration, "integration.deleted", {"deleted_at": utcnow()})


def restore(actor, integration: Integration) -> Integration:
    if integration.deleted_at is None:
        raise Conflict("This integration is not in the trash.")
    return change(actor, integration, "integration.restored", {"deleted_at": None})


def _label(integration: Integration) -> str:
    return f"{integration.publisher}/{integration.slug}"
