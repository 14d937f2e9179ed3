"""Reading installations: a workspace's list (with the credential shown masked and whether an
upgrade waits), one installation an admin acts on, what depends on it, and what an upgrade
changes (versions in between, scopes added and removed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import tuple_
from sqlalchemy.orm import joinedload, selectinload

from ...domain import install_notices
from ...domain import wizard as wizard_rule
from ...domain.documents import validate_values
from ...domain.listing_truth import may_see_version
from ...domain.reports import policy
from ...domain.semver_range import compare, parse_version, satisfies, version_key
from ...domain.visibility import Viewer
from ...domain.wizard import scope_diff
from ...extensions import db
from ...models import (
    Credential,
    Installation,
    IntegrationVersion,
    WizardSession,
    Workspace,
)
from ...models.base import utcnow
from ...models.install import LIVE_STATUSES
from .. import connection_check, crypto, takedowns
from ..errors import NotFound
from ..snapshots import current_version_numbers_for
from ..viewer import viewer_for
from ..workspaces import workspace_for_member


@dataclass
class InstallationRow:
    installation: Installation
    latest: str | None
    upgrade_available: bool
    credential: dict | None
    health: install_notices.Health
    quick_upgrade: IntegrationVersion | None = None  # the upgrade is one confirm: to this version


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
    """Every installation of the workspace, live ones first, each with its honest health: the yank
    reason or takedown notice, why it needs attention, and the fix (domain/install_notices.py)."""
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
    taken_down = takedowns.active_by_integration(
        i.integration_id for i in installations if i.integration.taken_down_at is not None
    )
    installed = {
        f"{i.integration.publisher}/{i.integration.slug}": i.version.version
        for i in installations
        if i.is_live
    }
    # "Latest" is what the workspace would install now: the current version as the workspace sees it.
    latest_of = current_version_numbers_for(
        Viewer(member_of=frozenset({workspace.id})), {i.integration for i in installations}
    )
    rows = []
    for installation in installations:
        facts = installation_facts(
            installation,
            taken_down.get(installation.integration_id),
            installed,
            latest=latest_of.get(installation.integration_id),
        )
        upgrade = bool(installation.is_live and facts.newer_available and facts.takedown is None)
        rows.append(
            InstallationRow(
                installation,
                facts.latest,
                upgrade,
                credential_summary(installation.credential),
                install_notices.health(facts),
            )
        )
    quick = quick_upgrades([row.installation for row in rows if row.upgrade_available], latest_of)
    for row in rows:
        row.quick_upgrade = quick.get(row.installation.id)
    return rows


def upgrade_variables(installation: Installation, target: IntegrationVersion) -> dict:
    """The settings an upgrade to `target` starts from: its defaults under the saved values."""
    return {**((target.manifest or {}).get("defaults") or {}), **(installation.variables or {})}


def asks_nothing_new(installation: Installation, target: IntegrationVersion) -> bool:
    """Whether upgrading to `target` is one confirm (domain/wizard.py asks_nothing_new)."""

    def side(version: IntegrationVersion) -> dict:
        parsed = parse_version(version.version)
        return {
            "version": (parsed.major, parsed.minor),
            "auth_config": version.auth_config,
            "manifest": version.manifest,
        }

    problems = validate_values(target.variables_schema or {}, upgrade_variables(installation, target))
    return wizard_rule.asks_nothing_new(
        side(installation.version), side(target), granted_scopes(installation), problems
    )


def quick_upgrades(
    installations: list[Installation], latest_of: dict[str, str]
) -> dict[str, IntegrationVersion]:
    """Of these upgradable installations, those whose upgrade asks nothing new: the version each
    goes to (the version current for the workspace, `latest_of`), by installation id. One query
    whatever their number."""
    wanted = {(i.integration_id, latest_of.get(i.integration_id)) for i in installations}
    if not wanted:
        return {}
    targets = {
        (v.integration_id, v.version): v
        for v in db.session.scalars(
            db.select(IntegrationVersion).where(
                tuple_(IntegrationVersion.integration_id, IntegrationVersion.version).in_(sorted(wanted))
            )
        )
    }
    quick = {}
    for installation in installations:
        target = targets.get((installation.integration_id, latest_of.get(installation.integration_id)))
        if target is not None and not target.is_yanked and asks_nothing_new(installation, target):
            quick[installation.id] = target
    return quick


def installation_facts(
    installation: Installation, takedown, installed: dict[str, str], *, latest: str | None
):
    """What domain/install_notices.py needs to know of one installation. `installed` maps each
    publisher/slug live in the workspace to its pinned version; `latest` is the integration's current
    version for the workspace (snapshots.current_version_numbers_for)."""
    integration, version = installation.integration, installation.version
    missing = ()
    if installation.status == "needs_attention":
        missing = tuple(
            (handle, wanted)
            for handle, wanted in _dependencies(version)
            if handle not in installed or not satisfies(installed[handle], wanted)
        )
    return install_notices.InstallFacts(
        status=installation.status,
        version=version.version,
        yanked=version.is_yanked,
        yank_reason=version.yank_reason,
        latest=latest,
        newer_available=bool(
            latest and integration.deleted_at is None and compare(latest, version.version) > 0
        ),
        takedown=_takedown_notice(integration, takedown),
        deleted=integration.deleted_at is not None,
        missing_dependencies=missing,
        reauth_reason=installation.credential.reauth_reason if installation.credential else None,
        **_connection_facts(installation),
    )


EXPIRING_WITHIN = timedelta(days=3)


def _connection_facts(installation: Installation) -> dict:
    """The last connection test and an expiry that no refresh will fix, for the health rules."""
    now = utcnow()
    facts = {"auth_type": (installation.version.auth_config or {}).get("type", "none")}
    if installation.checked_at is not None and installation.check_ok is not None:
        facts["check_ok"] = installation.check_ok
        facts["check_message"] = connection_check.describe(installation.check_ok, installation.check_detail)
        facts["checked_minutes_ago"] = max(int((now - installation.checked_at).total_seconds() // 60), 0)
    credential = installation.credential
    if (
        credential is not None
        and credential.kind == "oauth2"
        and credential.expires_at is not None
        and credential.expires_at - now <= EXPIRING_WITHIN
        and not crypto.decrypt_json(credential.secret_encrypted).get("refresh_token")
    ):
        facts["expiring_in_hours"] = max(int((credential.expires_at - now).total_seconds() // 3600), 0)
    return facts


def _takedown_notice(integration, takedown) -> install_notices.Takedown | None:
    if takedown is not None:
        return install_notices.Takedown(policy(takedown.policy).name, takedown.note)
    if integration.taken_down_at is not None:  # a decision with no record of its policy
        return install_notices.Takedown(policy(None).name, integration.takedown_note or "")
    return None


def _dependencies(version: IntegrationVersion) -> list[tuple[str, str]]:
    return [
        (str(d["integration"]), str(d.get("version") or "*"))
        for d in (version.manifest or {}).get("dependencies") or []
        if isinstance(d, dict) and isinstance(d.get("integration"), str)
    ]


def installation_in(user, ws_slug: str, installation_id: str, *, manage: bool = True) -> Installation:
    workspace, _ = workspace_for_member(user, ws_slug, manage=manage)
    installation = db.session.get(Installation, installation_id) if len(installation_id or "") <= 36 else None
    if installation is None or installation.workspace_id != workspace.id:
        raise NotFound("No such installation.")
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


def granted_scopes(installation: Installation) -> list[str]:
    """The scopes the installation holds: what the provider granted, else what its version asked."""
    return list(installation.granted_scopes or installation.version.auth_config.get("scopes") or [])


# --- what an upgrade changes --------------------------------------------------------------


@dataclass
class UpgradeChanges:
    from_version: str
    to_version: str
    versions: list[IntegrationVersion]  # newest first, (from, to]
    added_scopes: list[str]
    removed_scopes: list[str]
    from_yank_reason: str | None = None  # the pinned version was withdrawn: why (the wizard repeats it)
    from_yanked: bool = False


def changes_between(wizard: WizardSession) -> UpgradeChanges:
    installation = db.session.get(Installation, wizard.installation_id)
    old, new = installation.version, wizard.version
    candidates = db.session.scalars(
        db.select(IntegrationVersion).where(IntegrationVersion.integration_id == installation.integration_id)
    )
    viewer = viewer_for(wizard.user)
    between = [
        v
        for v in candidates
        if compare(v.version, old.version) > 0
        and compare(v.version, new.version) <= 0
        and may_see_version(viewer, installation.integration, v)
    ]
    between.sort(key=lambda v: version_key(v.version), reverse=True)
    added, removed = scope_diff(granted_scopes(installation), new.auth_config.get("scopes") or [])
    return UpgradeChanges(old.version, new.version, between, added, removed, old.yank_reason, old.is_yanked)
