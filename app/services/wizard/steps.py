"""What the installer answers on steps 1, 3 and 4 of the install wizard: the workspace and consent,
the credential (an API key here; OAuth2 tokens arrive through services/oauth_connect.py), the
variables. Each answer is checked, stored on the wizard and marks its step done."""

from __future__ import annotations

from ...domain import wizard as steps_rule
from ...extensions import db
from ...models import (
    Installation,
    Integration,
    IntegrationVersion,
    Membership,
    User,
    WizardSession,
    Workspace,
)
from ...models.install import LIVE_STATUSES
from ...models.workspace import MANAGER_ROLES
from .. import crypto, install_policy
from ..errors import Conflict, ValidationFailed
from .state import (
    complete_step,
    current_version,
    forget_expired,
    initial_data,
    live_installation,
    new_wizard,
    set_data,
    stage_secret,
)

# --- step 1: workspace and consent --------------------------------------------------------


def manageable_workspaces(user) -> list[Workspace]:
    return list(
        db.session.scalars(
            db.select(Workspace)
            .join(Membership, Membership.workspace_id == Workspace.id)
            .where(Membership.user_id == user.id, Membership.role.in_(MANAGER_ROLES))
            .order_by(Workspace.name)
        )
    )


def installed_in(user, integration: Integration) -> list[tuple[Workspace, Installation]]:
    """The workspaces this user manages that already have the integration live, with the
    installation: said on the first step, before any consent is asked."""
    rows = db.session.execute(
        db.select(Workspace, Installation)
        .join(Installation, Installation.workspace_id == Workspace.id)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(
            Membership.user_id == user.id,
            Membership.role.in_(MANAGER_ROLES),
            Installation.integration_id == integration.id,
            Installation.status.in_(LIVE_STATUSES),
        )
        .order_by(Workspace.name)
    ).all()
    return [(workspace, installation) for workspace, installation in rows]


def who_can_install(user) -> list[tuple[Workspace, list[User]]]:
    """For each workspace where the user is a plain member: its owners and admins."""
    member_of = list(
        db.session.scalars(
            db.select(Workspace)
            .join(Membership, Membership.workspace_id == Workspace.id)
            .where(Membership.user_id == user.id, Membership.role == "member")
            .order_by(Workspace.name)
        )
    )
    if not member_of:
        return []
    rows = db.session.execute(
        db.select(Membership.workspace_id, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id.in_([w.id for w in member_of]), Membership.role.in_(MANAGER_ROLES))
        .order_by(User.email)
    ).all()
    managers: dict[str, list[User]] = {}
    for workspace_id, manager in rows:
        managers.setdefault(workspace_id, []).append(manager)
    return [(workspace, managers.get(workspace.id, [])) for workspace in member_of]


def _check_workspace(user, integration: Integration, workspace_id: str | None) -> Workspace:
    workspace = next((w for w in manageable_workspaces(user) if w.id == workspace_id), None)
    if workspace is None:
        raise ValidationFailed("Choose a workspace where you are an owner or admin.", field="workspace")
    if live_installation(workspace.id, integration.id) is not None:
        raise Conflict(
            f"{integration.name} is already installed in {workspace.name}. "
            "Manage it from the workspace's installations.",
            field="workspace",
        )
    install_policy.require_allowed(workspace, integration)
    return workspace


def _require_consent(consent: bool) -> None:
    if not consent:
        raise ValidationFailed(
            "Confirm that you trust this publisher and grant these permissions.", field="consent"
        )


def own_workspace_version(user, integration: Integration) -> IntegrationVersion | None:
    """For an admin of the listing's own workspace: the version an install there pins when it is not
    the public one (a version waiting for staff review); None otherwise."""
    if not any(w.id == integration.workspace_id for w in manageable_workspaces(user)):
        return None
    version = current_version(integration, integration.workspace_id)
    return version if version.version != integration.current_version else None


def start_install(user, integration: Integration, workspace_id: str | None, consent: bool) -> WizardSession:
    workspace = _check_workspace(user, integration, workspace_id)
    _require_consent(consent)
    forget_expired(user)
    version = current_version(integration, workspace.id)
    wizard = new_wizard(user, integration, workspace.id, version, data=initial_data(version))
    complete_step(wizard, steps_rule.WORKSPACE)
    return wizard


def save_workspace_step(user, wizard: WizardSession, workspace_id: str | None, consent: bool) -> None:
    """Back on step 1 of a started wizard: change workspace or confirm consent again."""
    if wizard.parent_id is not None:
        workspace_id = wizard.workspace_id  # a dependency installs into its parent's workspace
    changed = workspace_id != wizard.workspace_id
    if changed:
        _check_workspace(user, wizard.integration, workspace_id)
    _require_consent(consent)
    wizard.workspace_id = workspace_id
    set_data(wizard, consent=True)
    if changed:
        _repin(wizard, current_version(wizard.integration, workspace_id))
    complete_step(wizard, steps_rule.WORKSPACE, reset_later=changed)


def _repin(wizard: WizardSession, version: IntegrationVersion) -> None:
    """Another workspace may have another current version (one waiting for review is current only
    in the listing's own workspace): the wizard follows, its answers start again from defaults."""
    if version.id != wizard.version_id:
        wizard.version, wizard.version_id = version, version.id
        set_data(wizard, **initial_data(version))


def save_upgrade_consent(wizard: WizardSession, consent: bool) -> None:
    if wizard.data.get("new_scopes") and not consent:
        raise ValidationFailed(
            "This version asks for new permissions: confirm that you grant them.", field="consent"
        )
    set_data(wizard, consent=True)
    complete_step(wizard, steps_rule.WORKSPACE)


# --- step 3: auth (api_key here; oauth2 in oauth_connect) ---------------------------------


API_KEY_MAX = 4096


def api_key_header_preview(auth_config: dict, key: str | None) -> str:
    name = auth_config.get("authHeaderName") or "Authorization"
    prefix = auth_config.get("authValuePrefix") or ""
    return f"{name}: {prefix}{crypto.mask(key) if key else '••••'}"


def api_key_credential(key: str | None) -> dict:
    """The staged credential for an API key, after checking its shape."""
    key = (key or "").strip()
    if not key:
        raise ValidationFailed("Paste the API key.", field="api_key")
    if len(key) > API_KEY_MAX or any(ord(ch) < 32 for ch in key):
        raise ValidationFailed(
            f"An API key is a single line of at most {API_KEY_MAX} characters.", field="api_key"
        )
    return {"kind": "api_key", "api_key": key}


def save_api_key(wizard: WizardSession, key: str | None, tested=None) -> None:
    """Stage the key. `tested`: the connection test's outcome with it (connection_check.Outcome),
    kept to become the installation's first health check."""
    credential = api_key_credential(key)
    stage_secret(wizard, credential=credential)
    set_data(
        wizard,
        credential={
            "kind": "api_key",
            "masked": crypto.mask(credential["api_key"]),
            "header": api_key_header_preview(wizard.version.auth_config, credential["api_key"]),
        },
        connection_test={"ok": tested.ok, "detail": tested.detail} if tested is not None else None,
    )
    complete_step(wizard, steps_rule.AUTH)


def store_oauth_token(wizard: WizardSession, token: dict, tested=None) -> None:
    """Stage the tokens of a completed authorization (encrypted) and finish the auth step.
    `tested`: the connection test's outcome with the new access token, if the integration has one."""
    scopes = token.get("scope")
    granted = (
        scopes.split()
        if isinstance(scopes, str)
        else list(scopes or wizard.version.auth_config.get("scopes") or [])
    )
    credential = {
        "kind": "oauth2",
        "access_token": token.get("access_token"),
        "refresh_token": token.get("refresh_token"),
        "token_type": token.get("token_type"),
        "expires_at": token.get("expires_at"),
        "scope": granted,
    }
    stage_secret(wizard, credential=credential, code_verifier=None)
    set_data(
        wizard,
        credential={
            "kind": "oauth2",
            "scopes": granted,
            "expires_at": token.get("expires_at"),
            "has_refresh_token": bool(token.get("refresh_token")),
        },
        granted_scopes=granted,
        oauth_error=None,
        connection_test={"ok": tested.ok, "detail": tested.detail} if tested is not None else None,
    )
    complete_step(wizard, steps_rule.AUTH)


# --- step 4: variables --------------------------------------------------------------------


def validate_variables(version: IntegrationVersion, values: dict) -> None:
    """Values against the version's variablesSchema; a problem per field in `details`."""
    from ...domain.documents import validate_values

    errors = validate_values(version.variables_schema or {}, values)
    if errors:
        problems = [
            {"field": name or None, "path": f"$.{name}" if name else "$", "message": message}
            for name, messages in errors.items()
            for message in messages
        ]
        raise ValidationFailed("Some settings need another look.", details=problems)


def save_variables(wizard: WizardSession, values: dict) -> None:
    set_data(wizard, variables=values)
    validate_variables(wizard.version, values)
    complete_step(wizard, steps_rule.VARIABLES)
