"""Install-wizard state: start, resume, move through the steps. State lives in the database
(WizardSession), bound to its user, so a wizard resumes on any app process and expires.

Step order is decided by app/domain/wizard.py; this module loads, checks access and stores.
Secrets a wizard stages (an API key, OAuth tokens, the PKCE verifier) are Fernet ciphertext in
`WizardSession.secret_encrypted`; `data` only ever holds what may be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from ..domain import wizard as steps_rule
from ..domain.semver_range import max_satisfying, satisfies
from ..domain.visibility import can_view
from ..extensions import db
from ..models import Installation, Integration, IntegrationVersion, Membership, User, WizardSession, Workspace
from ..models.base import utcnow
from ..models.install import LIVE_STATUSES
from ..models.workspace import MANAGER_ROLES
from . import crypto
from .errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed
from .viewer import viewer_for

API_KEY_MAX = 4096


class WizardExpired(ServiceError):
    code = "expired"
    status = 410


# --- loading ------------------------------------------------------------------------------


def installable_integration(user, publisher: str, slug: str) -> Integration:
    """A published, live integration this user may see; anything else is NotFound."""
    integration = db.session.scalar(
        db.select(Integration).where(Integration.publisher == publisher, Integration.slug == slug)
    )
    if integration is None or not can_view(viewer_for(user), integration):
        raise NotFound("No such integration.")
    if integration.is_deleted or integration.is_draft or integration.taken_down_at is not None:
        raise NotFound("No such integration.")
    return integration


def current_version(integration: Integration) -> IntegrationVersion:
    """The version a new install pins: the current (highest non-yanked) one."""
    version = db.session.scalar(
        db.select(IntegrationVersion).where(
            IntegrationVersion.integration_id == integration.id,
            IntegrationVersion.version == integration.current_version,
        )
    )
    if version is None or version.is_yanked:
        raise NotFound("This integration has no installable version.")
    return version


def load_wizard(user, wizard_id: str) -> WizardSession:
    """The user's own, open wizard. Another user's (or a missing) id is NotFound."""
    wizard = db.session.get(WizardSession, wizard_id) if wizard_id and len(wizard_id) <= 36 else None
    if wizard is None or wizard.user_id != getattr(user, "id", None):
        raise NotFound("No such install.")
    if wizard.completed_at is not None or wizard.expires_at <= utcnow():
        raise WizardExpired("This install session has ended or expired. Start again.")
    # Rights are checked on every step, not only at the start: an integration hidden or deleted
    # since, or a role lost since, stops the wizard.
    if wizard.purpose != steps_rule.RECONNECT:  # an installed integration may always reconnect
        installable_integration(user, wizard.integration.publisher, wizard.integration.slug)
    if wizard.workspace_id not in viewer_for(user).admin_of:
        raise PermissionDenied("Only the workspace's owners and admins can install integrations.")
    return wizard


def open_wizard_for(user, integration: Integration) -> WizardSession | None:
    """An unfinished install wizard of this user for this integration, to resume."""
    return db.session.scalar(
        db.select(WizardSession)
        .where(
            WizardSession.user_id == user.id,
            WizardSession.integration_id == integration.id,
            WizardSession.purpose == steps_rule.INSTALL,
            WizardSession.parent_id.is_(None),
            WizardSession.completed_at.is_(None),
            WizardSession.expires_at > utcnow(),
        )
        .order_by(WizardSession.updated_at.desc())
        .limit(1)
    )


# --- the step rule applied to a stored wizard -----------------------------------------------


def steps_of(wizard: WizardSession) -> tuple[str, ...]:
    return steps_rule.applicable_steps(
        wizard.version.auth_config.get("type", "none"),
        wizard.purpose,
        reauthorize=bool(wizard.data.get("reauthorize")),
    )


def current_step(wizard: WizardSession) -> str:
    return steps_rule.first_open_step(steps_of(wizard), wizard.completed_steps)


def may_enter(wizard: WizardSession, step: str) -> bool:
    return steps_rule.may_enter(step, steps_of(wizard), wizard.completed_steps)


def _touch(wizard: WizardSession) -> None:
    wizard.expires_at = utcnow() + timedelta(seconds=current_app.config["WIZARD_TTL_SECONDS"])


def _complete(wizard: WizardSession, step: str, *, reset_later: bool = False) -> None:
    steps = steps_of(wizard)
    wizard.completed_steps = steps_rule.mark_done(
        step, steps, wizard.completed_steps, reset_later=reset_later
    )
    wizard.step = steps_rule.STEPS.index(steps_rule.first_open_step(steps, wizard.completed_steps)) + 1
    _touch(wizard)
    db.session.flush()


def _set_data(wizard: WizardSession, **values) -> None:
    # A new dict, so the JSON column sees the change.
    wizard.data = {**(wizard.data or {}), **values}


def staged_secret(wizard: WizardSession) -> dict:
    return crypto.decrypt_json(wizard.secret_encrypted) if wizard.secret_encrypted else {}


def stage_secret(wizard: WizardSession, **values) -> None:
    secret = {**staged_secret(wizard), **values}
    wizard.secret_encrypted = crypto.encrypt_json({k: v for k, v in secret.items() if v is not None})


# --- step 1: workspace and consent ----------------------------------------------------------


def manageable_workspaces(user) -> list[Workspace]:
    return list(
        db.session.scalars(
            db.select(Workspace)
            .join(Membership, Membership.workspace_id == Workspace.id)
            .where(Membership.user_id == user.id, Membership.role.in_(MANAGER_ROLES))
            .order_by(Workspace.name)
        )
    )


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


def live_installation(workspace_id: str, integration_id: str) -> Installation | None:
    return db.session.scalar(
        db.select(Installation).where(
            Installation.workspace_id == workspace_id,
            Installation.integration_id == integration_id,
            Installation.status.in_(LIVE_STATUSES),
        )
    )


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
    return workspace


def _require_consent(consent: bool) -> None:
    if not consent:
        raise ValidationFailed(
            "Confirm that you trust this publisher and grant these permissions.", field="consent"
        )


def start_install(user, integration: Integration, workspace_id: str | None, consent: bool) -> WizardSession:
    workspace = _check_workspace(user, integration, workspace_id)
    _require_consent(consent)
    forget_expired(user)
    version = current_version(integration)
    wizard = new_wizard(user, integration, workspace.id, version, data=_initial_data(version))
    _complete(wizard, steps_rule.WORKSPACE)
    return wizard


def new_wizard(
    user,
    integration: Integration,
    workspace_id: str,
    version: IntegrationVersion,
    *,
    purpose: str = steps_rule.INSTALL,
    installation: Installation | None = None,
    parent: WizardSession | None = None,
    data: dict | None = None,
) -> WizardSession:
    wizard = WizardSession(
        user_id=user.id,
        integration_id=integration.id,
        workspace_id=workspace_id,
        version_id=version.id,
        purpose=purpose,
        completed_steps=[],
        data=data or {},
        installation_id=installation.id if installation else None,
        parent_id=parent.id if parent else None,
        expires_at=utcnow(),
    )
    wizard.integration, wizard.version = integration, version
    _touch(wizard)
    db.session.add(wizard)
    db.session.flush()
    return wizard


def _initial_data(version: IntegrationVersion, variables: dict | None = None) -> dict:
    defaults = dict((version.manifest or {}).get("defaults") or {})
    return {"consent": True, "variables": {**defaults, **(variables or {})}}


def save_workspace_step(user, wizard: WizardSession, workspace_id: str | None, consent: bool) -> None:
    """Back on step 1 of a started wizard: change workspace or confirm consent again."""
    if wizard.parent_id is not None:
        workspace_id = wizard.workspace_id  # a dependency installs into its parent's workspace
    changed = workspace_id != wizard.workspace_id
    if changed:
        _check_workspace(user, wizard.integration, workspace_id)
    _require_consent(consent)
    wizard.workspace_id = workspace_id
    _set_data(wizard, consent=True)
    _complete(wizard, steps_rule.WORKSPACE, reset_later=changed)


def save_upgrade_consent(wizard: WizardSession, consent: bool) -> None:
    if wizard.data.get("new_scopes") and not consent:
        raise ValidationFailed(
            "This version asks for new permissions: confirm that you grant them.", field="consent"
        )
    _set_data(wizard, consent=True)
    _complete(wizard, steps_rule.WORKSPACE)


# --- step 2: dependencies -----------------------------------------------------------------


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
        user, status.integration, wizard.workspace_id, version, parent=wizard, data=_initial_data(version)
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
    _complete(wizard, steps_rule.DEPENDENCIES)


# --- step 3: auth (api_key here; oauth2 in oauth_connect) -----------------------------------


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


def save_api_key(wizard: WizardSession, key: str | None) -> None:
    credential = api_key_credential(key)
    stage_secret(wizard, credential=credential)
    _set_data(
        wizard,
        credential={
            "kind": "api_key",
            "masked": crypto.mask(credential["api_key"]),
            "header": api_key_header_preview(wizard.version.auth_config, credential["api_key"]),
        },
    )
    _complete(wizard, steps_rule.AUTH)


def store_oauth_token(wizard: WizardSession, token: dict) -> None:
    """Stage the tokens of a completed authorization (encrypted) and finish the auth step."""
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
    _set_data(
        wizard,
        credential={
            "kind": "oauth2",
            "scopes": granted,
            "expires_at": token.get("expires_at"),
            "has_refresh_token": bool(token.get("refresh_token")),
        },
        granted_scopes=granted,
        oauth_error=None,
    )
    _complete(wizard, steps_rule.AUTH)


# --- step 4: variables ----------------------------------------------------------------------


def validate_variables(version: IntegrationVersion, values: dict) -> None:
    """Values against the version's variablesSchema; a problem per field in `details`."""
    from ..domain.documents import validate_values

    errors = validate_values(version.variables_schema or {}, values)
    if errors:
        problems = [
            {"field": name or None, "path": f"$.{name}" if name else "$", "message": message}
            for name, messages in errors.items()
            for message in messages
        ]
        raise ValidationFailed("Some settings need another look.", details=problems)


def save_variables(wizard: WizardSession, values: dict) -> None:
    _set_data(wizard, variables=values)
    validate_variables(wizard.version, values)
    _complete(wizard, steps_rule.VARIABLES)


def forget_expired(user) -> None:
    """The user's expired, unfinished wizards go, with whatever secret they staged (a child's
    parent_id is set NULL by its foreign key)."""
    db.session.execute(
        db.delete(WizardSession).where(
            WizardSession.user_id == user.id,
            WizardSession.completed_at.is_(None),
            WizardSession.expires_at <= utcnow(),
        )
    )


def waiting_parent(wizard: WizardSession) -> WizardSession | None:
    """The unfinished wizard that sent this one off to install a dependency first, if any."""
    parent = db.session.get(WizardSession, wizard.parent_id) if wizard.parent_id else None
    return parent if parent is not None and parent.completed_at is None else None


# --- leaving --------------------------------------------------------------------------------


def cancel(wizard: WizardSession) -> None:
    """Decline: nothing installed or changed; the staged secrets go with the wizard (a child's
    parent_id is set NULL by its foreign key)."""
    db.session.delete(wizard)
    db.session.flush()


def finish(wizard: WizardSession) -> None:
    """A finished wizard keeps no secret and cannot be resumed."""
    wizard.completed_at = utcnow()
    wizard.secret_encrypted = None
    wizard.oauth_state_hash = None
    db.session.flush()
