"""Who is calling the API: a workspace-scoped bearer token, or the browser session (reads only)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request
from flask_login import current_user

from ...domain.visibility import ANONYMOUS, Viewer
from ...models import ApiToken
from ...models.workspace import MANAGER_ROLES
from ...services.errors import ServiceError
from ...services.tokens import last_use_stale, resolve_token
from ...services.viewer import viewer_for
from ...services.workspaces import membership_of


class Unauthorized(ServiceError):
    code = "unauthorized"
    status = 401


@dataclass(frozen=True)
class ApiCaller:
    viewer: Viewer
    user: object | None
    token: ApiToken | None

    @property
    def workspace_id(self) -> str | None:
        return self.token.workspace_id if self.token else None


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def api_caller() -> ApiCaller:
    """Resolve once per request. A bad bearer token is a 401, never a silent anonymous read."""
    if "api_caller" in g:
        return g.api_caller
    raw = _bearer()
    if request.headers.get("Authorization") is not None and raw is None:
        raise Unauthorized("Use 'Authorization: Bearer <token>'.")
    if raw is not None:
        token = resolve_token(raw)
        if token is None:
            raise Unauthorized("The API token is unknown, revoked or expired.")
        membership = membership_of(token.user, token.workspace_id)
        if membership is None:
            raise Unauthorized("The token's owner no longer belongs to its workspace.")
        # A token sees as its workspace sees, no more: not the owner's other workspaces.
        viewer = Viewer(
            user_id=token.user_id,
            is_staff=False,
            member_of=frozenset({token.workspace_id}),
            admin_of=frozenset({token.workspace_id}) if membership.role in MANAGER_ROLES else frozenset(),
        )
        caller = ApiCaller(viewer=viewer, user=token.user, token=token)
        if last_use_stale(token):
            g.api_token_used = token.id  # written after the response (api/__init__.py)
    elif current_user.is_authenticated:
        caller = ApiCaller(
            viewer=viewer_for(current_user), user=current_user._get_current_object(), token=None
        )
    else:
        caller = ApiCaller(viewer=ANONYMOUS, user=None, token=None)
    g.api_caller = caller
    return caller


def require_token() -> ApiCaller:
    """Write calls: a bearer token only. Cookies never authorise a write (no CSRF on the API)."""
    caller = api_caller()
    if caller.token is None:
        raise Unauthorized(
            "This call needs 'Authorization: Bearer <token>' (create one under /settings/tokens)."
        )
    return caller
