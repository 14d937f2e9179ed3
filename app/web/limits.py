"""Rate limits: each one's configuration key, whom it counts, and when a request costs a hit.

One Flask-Limiter object (extensions.limiter) enforces them all; its storage
(RATELIMIT_STORAGE_URI) is shared by every process in production, so a limit is a limit in
total, not per worker. Each limit's counter is keyed by a prefix of its own, so two limits with
the same rate never share a counter.
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import limiter
from ..services import namespaces
from ..services.errors import ServiceError, ValidationFailed


def configured(name: str):
    """The limit string under config[name], read per request (each app in a process has its own)."""
    return lambda: current_app.config[name]


@limiter.request_filter
def _limits_switched_off() -> bool:
    # One Limiter object serves every app built in this process (the test suite builds several,
    # and the last init_app wins its `enabled` flag), so each app's own setting decides here.
    return not current_app.config.get("RATELIMIT_ENABLED", True)


# --- whom a limit counts ------------------------------------------------------------------------


def by_address() -> str:
    return f"addr:{get_remote_address()}"


def by_user() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return by_address()


def auth_failures_by_address() -> str:
    return f"authfail:{get_remote_address()}"


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def by_token() -> str:
    # A digest, so the raw token never reaches the limiter's storage.
    return "token:" + hashlib.sha256((_bearer() or "").encode()).hexdigest()[:32]


def without_token() -> bool:
    return _bearer() is None


# --- when a request costs a hit -----------------------------------------------------------------


def succeeded(response: Response) -> bool:
    """Only what was made counts (a form sent back with a typo costs nothing)."""
    return response.status_code in (201, 302, 303)


def auth_failed(response: Response) -> bool:
    return response.status_code == 401


# --- publisher handles: only claiming a new one counts ------------------------------------------


def _requested_handle() -> tuple[str | None, str | None]:
    """(workspace id, handle) a create-integration request names, from the form or the API body."""
    if request.is_json:
        from .api.auth import api_caller

        body = request.get_json(silent=True)
        handle = body.get("publisher") if isinstance(body, dict) else None
        try:
            workspace_id = api_caller().workspace_id
        except ServiceError:  # a bad token: the view answers 401; this limit has nothing to count
            workspace_id = None
        return workspace_id, handle if isinstance(handle, str) else None
    return request.form.get("workspace"), request.form.get("publisher")


def by_handle_workspace() -> str:
    workspace_id, _ = _requested_handle()
    return f"handles:{workspace_id}"


def claims_no_new_handle() -> bool:
    """Exempt unless the request would claim a handle its workspace does not hold yet."""
    if request.method != "POST":
        return True
    workspace_id, handle = _requested_handle()
    if not workspace_id or not handle:
        return True
    try:
        handle = namespaces.check_handle(handle)
    except ValidationFailed:
        return True  # the service refuses it beside the field; nothing is claimed
    return handle in namespaces.workspace_handles(workspace_id)


# One counter for the dashboard form and the API alike (a shared scope, not one per endpoint).
# override_defaults=False keeps the API's own blueprint limits in force on its endpoint.
limit_handle_claims = limiter.shared_limit(
    configured("HANDLE_RATE_LIMIT"),
    scope="handle-claims",
    key_func=by_handle_workspace,
    exempt_when=claims_no_new_handle,
    deduct_when=succeeded,
    override_defaults=False,
)
