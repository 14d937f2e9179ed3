"""Managing an installation afterwards: upgrade (through a wizard), reconfigure, replace the API
key, reconnect OAuth2, uninstall. Each flushes and writes exactly one audit event."""

from __future__ import annotations

from ...domain import wizard as steps_rule
from ...domain.semver_range import compare
from ...domain.wizard import scope_diff
from ...extensions import db
from ...models import (
    Installation,
    User,
    WizardSession,
)
from ...models.base import utcnow
from .. import audit, connection_check
from ..errors import ValidationFailed
from ..wizard import (
    api_key_credential,
    complete_step,
    current_version,
    finish,
    new_wizard,
    staged_secret,
    steps_of,
    validate_variables,
)
from .confirming import (
    audit_view,
    count_install,
    label,
    require_live,
    require_ready,
    store_credential,
    sync_members,
)
from .reading import asks_nothing_new, dependents_of, granted_scopes, upgrade_variables


def start_upgrade(user: User, installation: Installation) -> WizardSession:
    """An upgrade wizard to the current version: consent (and, for oauth2 with new scopes, a new
    authorization), the variables re-validated, then confirm. Declining changes nothing."""
    require_live(installation)
    target = current_version(installation.integration, installation.workspace_id)
    if compare(target.version, installation.version.version) <= 0:
        raise ValidationFailed("This installation already uses the latest version.")
    if target.auth_config.get("type") != installation.version.auth_config.get("type"):
        raise ValidationFailed("This version connects differently; uninstall and install it again.")
    new_scopes, _ = scope_diff(granted_scopes(installation), target.auth_config.get("scopes") or [])
    data = {
        "variables": upgrade_variables(installation, target),
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


def upgrade_now(user: User, installation: Installation, to_version: str | None):
    """The one-confirm upgrade from the installations page: (the upgraded installation, None) when
    the current version is still `to_version` (what the page showed) and asks nothing new; else
    (None, an upgrade wizard) that shows what changed and asks."""
    wizard = start_upgrade(user, installation)
    if wizard.version.version != to_version or not asks_nothing_new(installation, wizard.version):
        return None, wizard
    for step in steps_of(wizard)[:-1]:
        complete_step(wizard, step)
    return confirm_upgrade(user, wizard), None


def confirm_upgrade(user: User, wizard: WizardSession) -> Installation:
    require_ready(wizard)
    installation = require_live(db.session.get(Installation, wizard.installation_id))
    before = audit_view(installation)
    validate_variables(wizard.version, wizard.data.get("variables") or {})
    if wizard.data.get("reauthorize"):
        staged = staged_secret(wizard).get("credential")
        if not staged:
            raise ValidationFailed("Authorize the new permissions first.")
        store_credential(installation, staged)
        installation.granted_scopes = list(staged.get("scope") or [])
    installation.version = wizard.version
    installation.version_id = wizard.version_id
    installation.variables = dict(wizard.data.get("variables") or {})
    sync_members(installation, wizard.version)
    finish(wizard)
    audit.record(
        user,
        "installation.upgraded",
        installation,
        object_label=label(installation),
        before=before,
        after=audit_view(installation),
        version=wizard.version.version,
    )
    db.session.flush()
    return installation


def reconfigure(user: User, installation: Installation, values: dict) -> Installation:
    require_live(installation)
    validate_variables(installation.version, values)
    before = {"variables": installation.variables}
    if values == installation.variables:
        return installation
    installation.variables = dict(values)
    connection_check.queue_check(installation)
    audit.record(
        user,
        "installation.reconfigured",
        installation,
        object_label=label(installation),
        before=before,
        after={"variables": installation.variables},
    )
    db.session.flush()
    return installation


def replace_api_key(user: User, installation: Installation, key: str, tested=None) -> Installation:
    """Store a new API key. `tested`: the connection test's outcome with it (connection_check.Outcome),
    sent by the caller before anything is written; it must have passed, and becomes the health.
    A key replaced without one (the version declares no test) is checked by a queued job."""
    require_live(installation)
    if installation.version.auth_config.get("type") != "api_key":
        raise ValidationFailed("This integration does not use an API key.")
    staged = api_key_credential(key)
    if tested is not None and not tested.ok:
        raise ValidationFailed(tested.message, field="api_key")
    store_credential(installation, staged)
    installation.checked_at = installation.check_ok = installation.check_detail = None  # a new key
    if tested is not None:
        connection_check.record(installation, tested)
    else:
        connection_check.queue_check(installation)
    audit.record(
        user,
        "installation.credential_replaced",
        installation,
        object_label=label(installation),
        after={"credential": "api_key"},
        note="API key replaced",
    )
    db.session.flush()
    return installation


def start_reconnect(user: User, installation: Installation) -> WizardSession:
    require_live(installation)
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
    installation = require_live(db.session.get(Installation, wizard.installation_id))
    staged = staged_secret(wizard).get("credential")
    if not staged:
        raise ValidationFailed("The connection did not complete.")
    before = {"granted_scopes": installation.granted_scopes}
    store_credential(installation, staged)
    installation.granted_scopes = list(staged.get("scope") or [])
    finish(wizard)
    audit.record(
        user,
        "installation.reconnected",
        installation,
        object_label=label(installation),
        before=before,
        after={"granted_scopes": installation.granted_scopes, "credential": "oauth2"},
    )
    db.session.flush()
    return installation


def uninstall(user: User, installation: Installation) -> Installation:
    """Credentials are erased at once; the installation stays as history (status uninstalled)."""
    require_live(installation)
    before = audit_view(installation)
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
    count_install(installation.integration, -1)
    flagged = dependents_of(installation)
    for other in flagged:  # they lost a dependency: shown as needing attention until it is back
        other.status = "needs_attention"
    audit.record(
        user,
        "installation.uninstalled",
        installation,
        object_label=label(installation),
        before=before,
        after=audit_view(installation),
        note=("Needs attention now: " + ", ".join(label(o) for o in flagged)) if flagged else None,
    )
    db.session.flush()
    return installation
