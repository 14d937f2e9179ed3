"""The write side of the JSON API, for publishing from CI: a workspace-scoped bearer token only.

Same services, same validation and the same errors as the dashboard forms, as
{"error": {"code", "message", "details"}} with JSON paths in details. An integration the
token's workspace does not own answers 404, whatever the reason.
"""

from __future__ import annotations

from flask import jsonify, request

from ...domain import documents
from ...services import integrations as service
from ...services import publishing
from ...services.errors import Conflict, NotFound, ServiceError, ValidationFailed
from ...services.snapshots import working_copy
from ..limits import limit_handle_claims
from . import bp
from .auth import ApiCaller, require_token
from .idempotency import idempotent
from .serializers import integration_to_dict, version_to_dict

# camelCase payload keys -> service keys
METADATA_KEYS = {
    "name": "name",
    "slug": "slug",
    "publisher": "publisher",
    "description": "description",
    "iconUrl": "icon_url",
    "visibility": "visibility",
    "retentionTier": "retention_tier",
}
DOCUMENT_KEYS = ("manifest", "variablesSchema", "authConfig")
SECRET_KEY = "clientSecret"
CREATE_ONLY = {"slug", "publisher"}


class UnsupportedMediaType(ServiceError):
    """A body that is not JSON by its Content-Type: the server cannot read it at all (RFC 9110 15.5.16)."""

    code = "unsupported_media_type"
    status = 415


def _payload(allowed: set[str]) -> dict:
    if not request.is_json:
        raise UnsupportedMediaType(
            "Send a JSON object with Content-Type: application/json.",
            details=[{"path": "$", "message": "The body must be application/json."}],
        )
    # The documents sit one level down in the body; the depth is checked before json recurses.
    if documents.nesting_problem(request.get_data(as_text=True), limit=documents.MAX_DEPTH + 1):
        raise ValidationFailed(
            f"The request nests deeper than {documents.MAX_DEPTH} levels.",
            details=[
                {"path": "$", "message": f"The documents nest deeper than {documents.MAX_DEPTH} levels."}
            ],
        )
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed(
            "Send a JSON object with Content-Type: application/json.",
            details=[{"path": "$", "message": "Expected a JSON object."}],
        )
    service.refuse_forbidden(body.keys())
    unknown = sorted(k for k in body if k not in allowed)
    if unknown:
        raise ValidationFailed(
            "Unknown or read-only fields: " + ", ".join(unknown) + ".",
            field=unknown[0],
            details=[
                {"field": k, "path": f"$.{k}", "message": "Unknown or read-only field."} for k in unknown
            ],
        )
    return body


def _split(body: dict) -> tuple[dict, dict]:
    data = {METADATA_KEYS[k]: v for k, v in body.items() if k in METADATA_KEYS}
    docs = {k: body[k] for k in DOCUMENT_KEYS if k in body}
    return data, docs


def _camel_details(error: ServiceError) -> ServiceError:
    """Service problems name snake_case fields; the API speaks the entity's camelCase."""
    names = {v: k for k, v in METADATA_KEYS.items()}
    for problem in error.details:
        field = problem.get("field")
        if field in names:
            problem["field"] = names[field]
            problem["path"] = f"$.{names[field]}"
        elif "document" in problem:
            problem["path"] = problem["path"].replace("$", f"$.{problem['document']}", 1)
    return error


def _owned(caller: ApiCaller, integration_id: str, *, lock: bool = False):
    integration = service.for_publisher(caller.viewer, integration_id, lock=lock)
    if integration.workspace_id != caller.workspace_id:
        raise NotFound("No such integration.")
    return integration


def _secret(body: dict) -> str | None:
    secret = body.get(SECRET_KEY)
    if secret is not None and not isinstance(secret, str):
        raise ValidationFailed(
            "clientSecret must be a string.",
            field=SECRET_KEY,
            details=[{"field": SECRET_KEY, "path": f"$.{SECRET_KEY}", "message": "Must be a string."}],
        )
    return secret


@bp.post("/integrations")
@limit_handle_claims
@idempotent
def create_integration():
    caller = require_token()
    body = _payload(set(METADATA_KEYS) | set(DOCUMENT_KEYS))
    data, docs = _split(body)
    try:
        integration = service.create_integration(caller.user, caller.workspace_id, data, docs)
    except (ValidationFailed, Conflict) as error:
        raise _camel_details(error) from error
    return jsonify(integration_to_dict(integration, working_copy(integration))), 201


@bp.patch("/integrations/<integration_id>")
@idempotent
def update_integration(integration_id):
    caller = require_token()
    integration = _owned(caller, integration_id, lock=True)
    body = _payload((set(METADATA_KEYS) - CREATE_ONLY) | set(DOCUMENT_KEYS) | {SECRET_KEY})
    data, docs = _split(body)
    try:
        service.update_integration(
            caller.user, integration, data, docs=docs or None, client_secret=_secret(body)
        )
    except (ValidationFailed, Conflict) as error:
        raise _camel_details(error) from error
    return jsonify(integration_to_dict(integration, working_copy(integration)))


@bp.post("/integrations/<integration_id>/versions")
@idempotent
def publish_version(integration_id):
    caller = require_token()
    integration = _owned(caller, integration_id, lock=True)
    body = _payload({"version", "changelog"})
    try:
        result = publishing.publish(
            caller.user,
            integration,
            body.get("version") if isinstance(body.get("version"), str) else "",
            body.get("changelog") if isinstance(body.get("changelog"), str) else None,
        )
    except (ValidationFailed, Conflict) as error:
        raise _camel_details(error) from error
    return jsonify(
        {
            **version_to_dict(result.version),
            "reviewState": "pending" if result.pending_review else "live",
            "warnings": [w.as_dict() for w in result.warnings],
        }
    ), 201


@bp.post("/integrations/<integration_id>/versions/<version>/yank")
@idempotent
def yank_version(integration_id, version):
    caller = require_token()
    integration = _owned(caller, integration_id, lock=True)
    body = _payload({"reason"})
    reason = body.get("reason") if isinstance(body.get("reason"), str) else None
    row = publishing.yank_version(caller.user, integration, version, reason)
    return jsonify(version_to_dict(row))


@bp.delete("/integrations/<integration_id>")
@idempotent
def delete_integration(integration_id):
    caller = require_token()
    integration = _owned(caller, integration_id, lock=True)
    service.soft_delete(caller.user, integration)
    return jsonify(integration_to_dict(integration, working_copy(integration)))
