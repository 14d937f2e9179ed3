"""Confirming an install wizard into an installation: its members, its credential (encrypted), one
audit event; and the record-keeping the later management actions share (members following a
version, storing a credential, the audited view of an installation)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import distinct, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ...domain import wizard as steps_rule
from ...domain.semver_range import satisfies
from ...extensions import db
from ...models import (
    Credential,
    Installation,
    InstallationMember,
    Integration,
    IntegrationVersion,
    Membership,
    User,
    WizardSession,
)
from ...models.base import utcnow
from ...models.install import LIVE_STATUSES
from .. import audit, crypto, install_policy, install_requests, webhooks
from ..catalog.generation import bump_counts
from ..errors import Conflict, ValidationFailed
from ..wizard import (
    finish,
    live_installation,
    staged_secret,
    steps_of,
    validate_variables,
)


def require_live(installation: Installation) -> Installation:
    if not installation.is_live:
        raise ValidationFailed("This integration is uninstalled.")
    return installation


def require_ready(wizard: WizardSession) -> None:
    if not steps_rule.may_enter(steps_rule.REVIEW, steps_of(wizard), wizard.completed_steps):
        raise ValidationFailed("Finish the earlier steps first.")
    if wizard.version.is_yanked and wizard.purpose == steps_rule.INSTALL:
        raise ValidationFailed(
            "This version was withdrawn by its publisher while you were installing. Start again."
        )


def confirm_install(user: User, wizard: WizardSession) -> Installation:
    """Create the installation, its members and credential in one transaction; one audit event."""
    require_ready(wizard)
    integration = wizard.integration
    install_policy.require_allowed(wizard.workspace, integration, field=None)
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
    tested = wizard.data.get("connection_test")
    if isinstance(tested, dict) and isinstance(tested.get("detail"), str):  # the auth step's test
        installation.checked_at = utcnow()
        installation.check_ok = bool(tested.get("ok"))
        installation.check_detail = tested["detail"][:40]
    _members(installation, wizard.version)
    store_credential(installation, staged)
    try:
        with db.session.begin_nested():
            db.session.add(installation)
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"{integration.name} is already installed in this workspace.") from None
    count_install(integration, +1)
    _restore_dependents(installation)
    finish(wizard)
    install_requests.mark_installed(user, installation)
    audit.record(
        user,
        "installation.created",
        installation,
        object_label=label(installation),
        after=audit_view(installation),
        version=installation.version.version,
    )
    db.session.flush()
    webhooks.installation_created(installation)
    return installation


def count_install(integration: Integration, step: int) -> None:
    """Recount install_count after an install (`step` +1) or uninstall (-1) of `integration`.

    The count is of distinct installing accounts outside the publisher's own workspace: live
    installations not in the publisher's workspace, by accounts that are not members of it, each
    account once however many workspaces it installed into (so one account's eight workspaces move
    it by at most one). Exact under concurrency: the integration's row is locked first (FOR NO KEY
    UPDATE, which the installations' foreign keys do not conflict with), so the recount -- one atomic
    UPDATE, a statement of its own and so a fresh snapshot on PostgreSQL -- sees every install
    committed before it. It leaves updated_at alone (an install is not an edit of the listing), and
    every install or uninstall moves the counts sum, so members' pages showing "Installed in" are
    rendered afresh even when the count itself does not move."""
    del step  # the count is recounted, not stepped: the step only says which way it moved
    table = Integration.__table__
    db.session.execute(select(table.c.id).where(table.c.id == integration.id).with_for_update(key_share=True))
    count = db.session.execute(
        update(table)
        .where(table.c.id == integration.id)
        .values(install_count=counted_installs(table), updated_at=table.c.updated_at)  # no onupdate
        .returning(table.c.install_count)
    ).scalar_one()
    set_committed_value(integration, "install_count", count)
    bump_counts()


def counted_installs(table):
    """The install count of `table`'s row (integrations) as a correlated scalar subquery."""
    installs, members = Installation.__table__, Membership.__table__
    return (
        select(func.count(distinct(installs.c.installed_by)))
        .where(
            installs.c.integration_id == table.c.id,
            installs.c.status.in_(LIVE_STATUSES),
            installs.c.installed_by.is_not(None),
            installs.c.workspace_id != table.c.workspace_id,
            ~exists()
            .where(
                members.c.workspace_id == table.c.workspace_id, members.c.user_id == installs.c.installed_by
            )
            .correlate_except(members),
        )
        .scalar_subquery()
    )


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


# --- record-keeping shared with managing.py -----------------------------------------------


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


def sync_members(installation: Installation, version: IntegrationVersion) -> None:
    """On upgrade: linked members follow the new version; forks belong to the workspace and stay."""
    forks = {m.member_key for m in installation.members if m.mode == "fork"}
    installation.members = [m for m in installation.members if m.mode == "fork"]
    db.session.flush()
    _members(installation, version, skip=forks)


def store_credential(installation: Installation, staged: dict | None) -> None:
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
        installation.credential.reauth_reason = None  # a new credential: re-authorised
        installation.credential.refresh_claimed_until = None


def audit_view(installation: Installation) -> dict:
    return {
        "integration": label(installation),
        "version": installation.version.version,
        "variables": installation.variables,
        "granted_scopes": installation.granted_scopes,
        "status": installation.status,
        "credential": installation.credential.kind if installation.credential else None,
    }


def label(installation: Installation) -> str:
    return f"{installation.integration.publisher}/{installation.integration.slug}"
