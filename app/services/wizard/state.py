"""Install-wizard state: load a user's wizard (checking access on every step), apply the step rule
to it, stage its secrets, expire and end it. State lives in the database (WizardSession), bound to
its user, so a wizard resumes on any app process; step order is app/domain/wizard.py's."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from ...domain import wizard as steps_rule
from ...domain.visibility import Viewer, can_view
from ...extensions import db
from ...models import (
    Installation,
    Integration,
    IntegrationVersion,
    WizardSession,
)
from ...models.base import utcnow
from ...models.install import LIVE_STATUSES
from .. import crypto, install_policy
from ..errors import NotFound, PermissionDenied, ServiceError
from ..snapshots import current_version_for
from ..viewer import viewer_for


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


def current_version(integration: Integration, workspace_id: str | None = None) -> IntegrationVersion:
    """The version a new install (or an upgrade) pins: the one current for the workspace it goes into
    (snapshots.current_version_for). Installing into the listing's own workspace, a version waiting
    for staff review is current already; anywhere else, only a live one."""
    viewer = Viewer(member_of=frozenset({workspace_id}) if workspace_id else frozenset())
    version = current_version_for(viewer, integration)
    if version is None:
        raise NotFound("This integration has no installable version.")
    return version


def load_wizard(user, wizard_id: str, *, leaving: bool = False) -> WizardSession:
    """The user's own, open wizard. Another user's (or a missing) id is NotFound. `leaving`: to
    cancel it, which the workspace's install policy never stops."""
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
    if wizard.purpose == steps_rule.INSTALL and not leaving:
        # The workspace's install policy too, on every step: a policy saved since stops the wizard.
        # Upgrades and reconnects of what is installed already are not new installs.
        install_policy.require_allowed(wizard.workspace, wizard.integration, field=None)
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


def live_installation(workspace_id: str, integration_id: str) -> Installation | None:
    return db.session.scalar(
        db.select(Installation).where(
            Installation.workspace_id == workspace_id,
            Installation.integration_id == integration_id,
            Installation.status.in_(LIVE_STATUSES),
        )
    )


# --- the step rule applied to a stored wizard ---------------------------------------------


def version_steps(
    version: IntegrationVersion, purpose: str = steps_rule.INSTALL, *, reauthorize: bool = False
) -> tuple[str, ...]:
    """The steps a wizard pinning `version` goes through: a step with nothing to do (no
    dependencies, no sign-in, no variables) is skipped."""
    properties = (version.variables_schema or {}).get("properties")
    return steps_rule.applicable_steps(
        (version.auth_config or {}).get("type", "none"),
        purpose,
        reauthorize=reauthorize,
        has_dependencies=bool((version.manifest or {}).get("dependencies")),
        has_variables=bool(properties) and isinstance(properties, dict),
    )


def steps_of(wizard: WizardSession) -> tuple[str, ...]:
    return version_steps(wizard.version, wizard.purpose, reauthorize=bool(wizard.data.get("reauthorize")))


def progress_of(wizard: WizardSession, step: str) -> list:
    """The progress indicator of a wizard on `step`."""
    return steps_rule.progress(
        steps_of(wizard),
        wizard.completed_steps,
        step,
        wizard.purpose,
        (wizard.version.auth_config or {}).get("type", "none"),
    )


def current_step(wizard: WizardSession) -> str:
    return steps_rule.first_open_step(steps_of(wizard), wizard.completed_steps)


def may_enter(wizard: WizardSession, step: str) -> bool:
    return steps_rule.may_enter(step, steps_of(wizard), wizard.completed_steps)


def touch(wizard: WizardSession) -> None:
    wizard.expires_at = utcnow() + timedelta(seconds=current_app.config["WIZARD_TTL_SECONDS"])


def complete_step(wizard: WizardSession, step: str, *, reset_later: bool = False) -> None:
    steps = steps_of(wizard)
    wizard.completed_steps = steps_rule.mark_done(
        step, steps, wizard.completed_steps, reset_later=reset_later
    )
    wizard.step = steps_rule.STEPS.index(steps_rule.first_open_step(steps, wizard.completed_steps)) + 1
    touch(wizard)
    db.session.flush()


def set_data(wizard: WizardSession, **values) -> None:
    # A new dict, so the JSON column sees the change.
    wizard.data = {**(wizard.data or {}), **values}


def staged_secret(wizard: WizardSession) -> dict:
    return crypto.decrypt_json(wizard.secret_encrypted) if wizard.secret_encrypted else {}


def stage_secret(wizard: WizardSession, **values) -> None:
    secret = {**staged_secret(wizard), **values}
    wizard.secret_encrypted = crypto.encrypt_json({k: v for k, v in secret.items() if v is not None})


# --- starting and leaving -----------------------------------------------------------------


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
    touch(wizard)
    db.session.add(wizard)
    db.session.flush()
    return wizard


def initial_data(version: IntegrationVersion, variables: dict | None = None) -> dict:
    defaults = dict((version.manifest or {}).get("defaults") or {})
    return {"consent": True, "variables": {**defaults, **(variables or {})}}


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


def forget_all_expired() -> int:
    """Every user's expired, unfinished wizards (the periodic wizard sweep); returns how many.
    One DELETE: running it twice, or on two consumers at once, removes each wizard once."""
    result = db.session.execute(
        db.delete(WizardSession).where(
            WizardSession.completed_at.is_(None), WizardSession.expires_at <= utcnow()
        )
    )
    return result.rowcount or 0


def waiting_parent(wizard: WizardSession) -> WizardSession | None:
    """The unfinished wizard that sent this one off to install a dependency first, if any."""
    parent = db.session.get(WizardSession, wizard.parent_id) if wizard.parent_id else None
    return parent if parent is not None and parent.completed_at is None else None


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
