"""Installations: confirm a wizard into an installation, and manage installations afterwards
(upgrade, reconfigure, replace credentials, uninstall). Each action flushes, writes exactly one
audit event and raises typed errors; the request boundary commits. Secrets never reach an
audit diff: audits name the credential's kind and masked form only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..domain import wizard as steps_rule
from ..domain.semver_range import compare, satisfies, version_key
from ..domain.wizard import scope_diff
from ..extensions import db
from ..models import (
    Credential,
    Installation,
    InstallationMember,
    Integration,
    IntegrationVersion,
    User,
    WizardSession,
    Workspace,
)
from ..models.base import utcnow
from ..models.install import LIVE_STATUSES
from . import audit, crypto
from .errors import Conflict, NotFound, ValidationFailed
from .wizard import (
    api_key_credential,
    current_version,
    finish,
    live_installation,
    new_wizard,
    staged_secret,
    steps_of,
    validate_variables,
)
from .workspaces import workspace_for_member

# --- reading --------------------------------------------------------------------------------


@dataclass
class InstallationRow:
    installation: Installation
    latest: str | None
    upgrade_available: bool
    credential: dict | None


def credential_summary(credential: Credential | None) -> dict | None:
    """What may be shown of a credential: its kind, a mask, scopes and expiry. Never the secret."""
    if credential is None:
        return None
    secret = crypto.decrypt_json(credential.secret_encrypted)
    if credential.kind == "api_key":
        return {"kind": "api_key", "masked": crypto.mask(secret.get("api_key"))}
    return {
        "kind": "oauth2",
        "scopes": secret.get("scope") or [],
        "expires_at": credential.expires_at,
        "has_refresh_token": bool(secret.get("refresh_token")),
    }


def installations_of(workspace: Workspace) -> list[InstallationRow]:
    installations = list(
        db.session.scalars(
            db.select(Installation)
            .where(Installation.workspace_id == workspace.id)
            .options(
                joinedload(Installation.integration),
                joinedload(Installation.version),
                joinedload(Installation.installer),
                selectinload(Installation.credential),
            )
            .order_by(Installation.status.in_(LIVE_STATUSES).desc(), Installation.installed_at.desc())
        )
    )
    rows = []
    for installation in installations:
        latest = installation.integration.current_version
        upgrade = bool(
            installation.is_live
            and latest
            and installation.integration.deleted_at is None
            and compare(latest, installation.version.version) > 0
        )
        rows.append(
            InstallationRow(installation, latest, upgrade, credential_summary(installation.credential))
        )
    return rows


def installation_in(user, ws_slug: str, installation_id: str, *, manage: bool = True) -> Installation:
    workspace, _ = workspace_for_member(user, ws_slug, manage=manage)
    installation = db.session.get(Installation, installation_id) if len(installation_id or "") <= 36 else None
    if installation is None or installation.workspace_id != workspace.id:
        raise NotFound("No such installation.")
    return installation


def _live(installation: Installation) -> Installation:
    if not installation.is_live:
        raise ValidationFailed("This integration is uninstalled.")
    return installation


def dependents_of(installation: Installation) -> list[Installation]:
    """Live installations in the same workspace whose pinned version depends on this integration."""
    key = f"{installation.integration.publisher}/{installation.integration.slug}"
    others = db.session.scalars(
        db.select(Installation).where(
            Installation.workspace_id == installation.workspace_id,
            Installation.status.in_(LIVE_STATUSES),
            Installation.id != installation.id,
        )
    )
    return [
        other
        for other in others
        if any(
            isinstance(d, dict) and d.get("integration") == key
            for d in (other.version.manifest or {}).get("dependencies") or []
        )
    ]


# --- confirming a wizard --------------------------------------------------------------------


def _members(
    installation: Installation, version: IntegrationVersion, skip: frozenset | set = frozenset()
) -> None:
    for member in (version.manifest or {}).get("members") or []:
        if not isinstance(member, dict) or not member.get("key") or member["key"] in skip:
            continue
        fork = bool(member.get("forkOnInstall"))
        installation.members.append(
            InstallationMember(
                member_key=str(member["key"])[:100],
                kind=str(member.get("kind", ""))[:50],
                name=str(member.get("name", member["key"]))[:200],
                mode="fork" if fork else "linked",
                definition=dict(member) if fork else None,
            )
        )


def _sync_members(installation: Installation, version: IntegrationVersion) -> None:
    """On upgrade: linked members follow the new version; forks belong to the workspace and stay."""
    forks = {m.member_key for m in installation.members if m.mode == "fork"}
    installation.members = [m for m in installation.members if m.mode == "fork"]
    db.session.flush()
    _members(installation, version, skip=forks)


def _credential_row(installation: Installation, staged: dict | None) -> None:
    if not staged:
        installation.credential = None
        return
    expires_at = None
    if staged.get("kind") == "oauth2" and staged.get("expires_at"):
        expires_at = datetime.fromtimestamp(int(staged["expires_at"]), tz=UTC)
    if installation.credential is None:
        installation.credential = Credential(
            kind=staged["kind"], secret_encrypted=crypto.encrypt_json(staged), expires_at=expires_at
        )
    else:
        installation.credential.kind = staged["kind"]
        installation.credential.secret_encrypted = crypto.encrypt_json(staged)
        installation.credential.expires_at = expires_at


def _ready(wizard: WizardSession) -> None:
    if not steps_rule.may_enter(steps_rule.REVIEW, steps_of(wizard), wizard.completed_steps):
        raise ValidationFailed("Finish the earlier steps first.")
    if wizard.version.is_yanked and wizard.purpose == steps_rule.INSTALL:
        raise ValidationFailed(
            "This version was withdrawn by its publisher while you were installing. Start again."
        )


def _audit_view(installation: Installation) -> dict:
    return {
        "integration": _label(installation),
        "version": installation.version.version,
        "variables": installation.variables,
        "granted_scopes": installation.granted_scopes,
        "status": installation.status,
        "credential": installation.credential.kind if installation.credential else None,
    }


def confirm_install(user: User, wizard: WizardSession) -> Installation:
    """Create the installation, its members and credential in one transaction; one audit event."""
    _ready(wizard)
    integration = wizard.integration
    if live_installation(wizard.workspace_id, integration.id) is not None:
        raise Conflict(f"{integration.name} is already installed in this workspace.")
    validate_variables(wizard.version, wizard.data.get("variables") or {})
    staged = staged_secret(wizard).get("credential")
    auth_type = wizard.version.auth_config.get("type", "none")
    if auth_type in ("oauth2", "api_key") and (not staged or staged.get("kind") != auth_type):
        raise ValidationFailed("Connect the integration first.")
    installation = Installation(
        workspace_id=wizard.workspace_id,
        integration_id=integration.id,
        version_id=wizard.version_id,
        variables=dict(wizard.data.get("variables") or {}),
        granted_scopes=list(staged.get("scope") or [] if staged and staged.get("kind") == "oauth2" else []),
        status="active",
        installed_by=user.id,
        installed_at=utcnow(),
    )
    installation.version = wizard.version
    installation.integration = integration
    _members(installation, wizard.version)
    _credential_row(installation, staged)
    try:
        with db.session.begin_nested():
            db.session.add(installation)
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"{integration.name} is already installed in this workspace.") from None
    integration.install_count = (integration.install_count or 0) + 1
    _restore_dependents(installation)
    finish(wizard)
    audit.record(
        user,
        "installation.created",
        installation,
        object_label=_label(installation),
        after=_audit_view(installation),
        version=installation.version.version,
    )
    db.session.flush()
    return installation


def _dependencies_met(installation: Installation) -> bool:
    for dependency in (installation.version.manifest or {}).get("dependencies") or []:
        publisher, _, slug = str(dependency.get("integration", "")).partition("/")
        met = db.session.scalar(
            db.select(IntegrationVersion.version)
            .join(Installation, Installation.version_id == IntegrationVersion.id)
            .join(Integration, Integration.id == Installation.integration_id)
            .where(
                Installation.workspace_id == installation.workspace_id,
                Installation.status.in_(LIVE_STATUSES),
                Integration.publisher == publisher,
                Integration.slug == slug,
            )
        )
        if met is None or not satisfies(met, str(dependency.get("version", "*"))):
            return False
    return True


def _restore_dependents(installed: Installation) -> None:
    """Installations flagged when a dependency went are active again once all they need is back."""
    waiting = db.session.scalars(
        db.select(Installation).where(
            Installation.workspace_id == installed.workspace_id, Installation.status == "needs_attention"
        )
    )
    for other in waiting:
        if _dependencies_met(other):
            other.status = "active"


def _label(installation: Installation) -> str:
    return f"{installation.integration.publisher}/{installation.integration.slug}"


# --- managing -------------------------------------------------------------------------------


def _granted(installation: Installation) -> list[str]:
    """The scopes the installation holds: what the provider granted, else what its version asked."""
    return list(installation.granted_scopes or installation.version.auth_config.get("scopes") or [])


def start_upgrade(user: User, installation: Installation) -> WizardSession:
    """An upgrade wizard to the current version: consent (and, for oauth2 with new scopes, a new
    authorization), the variables re-validated, then confirm. Declining changes nothing."""
    _live(installation)
    target = current_version(installation.integration)
    if compare(target.version, installation.version.version) <= 0:
        raise ValidationFailed("This installation already uses the latest version.")
    if target.auth_config.get("type") != installation.version.auth_config.get("type"):
        raise ValidationFailed("This version connects differently; uninstall and install it again.")
    new_scopes, _ = scope_diff(_granted(installation), target.auth_config.get("scopes") or [])
    data = {
        "variables": {**((target.manifest or {}).get("defaults") or {}), **(installation.variables or {})},
        "from_version": installation.version.version,
        "new_scopes": new_scopes,
        "reauthorize": bool(new_scopes) and target.auth_config.get("type") == "oauth2",
    }
    return new_wizard(
        user,
        installation.integration,
        installation.workspace_id,
        target,
        purpose=steps_rule.UPGRADE,
        installation=installation,
        data=data,
    )


def confirm_upgrade(user: User, wizard: WizardSession) -> Installation:
    _ready(wizard)
    installation = _live(db.session.get(Installation, wizard.installation_id))
    before = _audit_view(installation)
    validate_variables(wizard.version, wizard.data.get("variables") or {})
    if wizard.data.get("reauthorize"):
        staged = staged_secret(wizard).get("credential")
        if not staged:
            raise ValidationFailed("Authorize the new permissions first.")
        _credential_row(installation, staged)
        installation.granted_scopes = list(staged.get("scope") or [])
    installation.version = wizard.version
    installation.version_id = wizard.version_id
    installation.variables = dict(wizard.data.get("variables") or {})
    _sync_members(installation, wizard.version)
    finish(wizard)
    audit.record(
        user,
        "installation.upgraded",
        installation,
        object_label=_label(installation),
        before=before,
        after=_audit_view(installation),
        version=wizard.version.version,
    )
    db.session.flush()
    return installation


def reconfigure(user: User, installation: Installation, values: dict) -> Installation:
    _live(installation)
    validate_variables(installation.version, values)
    before = {"variables": installation.variables}
    if values == installation.variables:
        return installation
    installation.variables = dict(values)
    audit.record(
        user,
        "installation.reconfigured",
        installation,
        object_label=_label(installation),
        before=before,
        after={"variables": installation.variables},
    )
    db.session.flush()
    return installation


def replace_api_key(user: User, installation: Installation, key: str) -> Installation:
    _live(installation)
    if installation.version.auth_config.get("type") != "api_key":
        raise ValidationFailed("This integration does not use an API key.")
    staged = api_key_credential(key)
    _credential_row(installation, staged)
    audit.record(
        user,
        "installation.credential_replaced",
        installation,
        object_label=_label(installation),
        after={"credential": "api_key"},
        note="API key replaced",
    )
    db.session.flush()
    return installation


def start_reconnect(user: User, installation: Installation) -> WizardSession:
    _live(installation)
    if installation.version.auth_config.get("type") != "oauth2":
        raise ValidationFailed("This integration does not connect with OAuth2.")
    return new_wizard(
        user,
        installation.integration,
        installation.workspace_id,
        installation.version,
        purpose=steps_rule.RECONNECT,
        installation=installation,
        data={},
    )


def finish_reconnect(user: User, wizard: WizardSession) -> Installation:
    installation = _live(db.session.get(Installation, wizard.installation_id))
    staged = staged_secret(wizard).get("credential")
    if not staged:
        raise ValidationFailed("The connection did not complete.")
    before = {"granted_scopes": installation.granted_scopes}
    _credential_row(installation, staged)
    installation.granted_scopes = list(staged.get("scope") or [])
    finish(wizard)
    audit.record(
        user,
        "installation.reconnected",
        installation,
        object_label=_label(installation),
        before=before,
        after={"granted_scopes": installation.granted_scopes, "credential": "oauth2"},
    )
    db.session.flush()
    return installation


def uninstall(user: User, installation: Installation) -> Installation:
    """Credentials are erased at once; the installation stays as history (status uninstalled)."""
    _live(installation)
    before = _audit_view(installation)
    if installation.credential is not None:
        db.session.delete(installation.credential)
        installation.credential = None
    for wizard in db.session.scalars(
        db.select(WizardSession).where(WizardSession.installation_id == installation.id)
    ):
        db.session.delete(wizard)
    installation.status = "uninstalled"
    installation.uninstalled_at = utcnow()
    installation.uninstalled_by = user.id
    integration: Integration = installation.integration
    integration.install_count = max((integration.install_count or 0) - 1, 0)
    flagged = dependents_of(installation)
    for other in flagged:  # they lost a dependency: shown as needing attention until it is back
        other.status = "needs_attention"
    audit.record(
        user,
        "installation.uninstalled",
        installation,
        object_label=_label(installation),
        before=before,
        after=_audit_view(installation),
        note=("Needs attention now: " + ", ".join(_label(o) for o in flagged)) if flagged else None,
    )
    db.session.flush()
    return installation


__all__ = [
    "InstallationRow",
    "confirm_install",
    "confirm_upgrade",
    "credential_summary",
    "dependents_of",
    "finish_reconnect",
    "installation_in",
    "installations_of",
    "reconfigure",
    "replace_api_key",
    "start_reconnect",
    "start_upgrade",
    "uninstall",
]


# --- what an upgrade changes ----------------------------------------------------------------


@dataclass
class UpgradeChanges:
    from_version: str
    to_version: str
    versions: list[IntegrationVersion]  # newest first, (from, to]
    added_scopes: list[str]
    removed_scopes: list[str]


def changes_between(wizard: WizardSession) -> UpgradeChanges:
    installation = db.session.get(Installation, wizard.installation_id)
    old, new = installation.version, wizard.version
    candidates = db.session.scalars(
        db.select(IntegrationVersion).where(IntegrationVersion.integration_id == installation.integration_id)
    )
    between = [
        v for v in candidates if compare(v.version, old.version) > 0 and compare(v.version, new.version) <= 0
    ]
    between.sort(key=lambda v: version_key(v.version), reverse=True)
    added, removed = scope_diff(_granted(installation), new.auth_config.get("scopes") or [])
    return UpgradeChanges(old.version, new.version, between, added, removed)
