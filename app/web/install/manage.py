"""/workspaces/<ws>/installations: members see what is installed; owners and admins upgrade,
reconfigure, replace credentials and uninstall. Every change is a POST with CSRF."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...extensions import db
from ...services import connection_check, installs, oauth_connect
from ...services import wizard as wizards
from ...services.errors import ServiceError, ValidationFailed
from ...services.workspaces import workspace_for_member
from ..forms import ButtonForm, apply_service_error
from . import bp
from .forms import ApiKeyForm
from .routes import callback_url, step_url
from .variables import variables_form, variables_from


def _back(installation):
    return redirect(url_for("install.installations", ws=installation.workspace.slug))


@bp.get("/workspaces/<ws>/installations")
@login_required
def installations(ws):
    workspace, membership = workspace_for_member(current_user, ws)
    return render_template(
        "install/installations.html",
        workspace=workspace,
        membership=membership,
        rows=installs.installations_of(workspace),
        button=ButtonForm(),
    )


def _acting_on(ws: str, installation_id: str):
    """An installation an admin acts on with a button POST (CSRF checked)."""
    installation = installs.installation_in(current_user, ws, installation_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return installation


@bp.post("/workspaces/<ws>/installations/<installation_id>/check")
@login_required
def check_now(ws, installation_id):
    """Queue a connection test; its result shows on this page once a consumer ran it."""
    installation = _acting_on(ws, installation_id)
    if connection_check.queue_check(installation):
        flash(
            f"A connection check of {installation.integration.name} is queued; reload in a moment.", "success"
        )
    else:
        flash(f"{installation.integration.name} declares no connection test.", "info")
    return _back(installation)


@bp.post("/workspaces/<ws>/installations/<installation_id>/upgrade")
@login_required
def upgrade(ws, installation_id):
    installation = _acting_on(ws, installation_id)
    wizard = installs.start_upgrade(current_user, installation)
    return redirect(step_url(wizard))


@bp.post("/workspaces/<ws>/installations/<installation_id>/upgrade-now")
@login_required
def upgrade_now(ws, installation_id):
    """One confirm: an upgrade that asks nothing new, to the version the page showed. Anything
    else (a newer version since, new permissions) goes through the upgrade wizard."""
    installation = _acting_on(ws, installation_id)
    try:
        upgraded, wizard = installs.upgrade_now(current_user, installation, request.form.get("to"))
    except ServiceError as error:
        flash(error.message, "error")
        return _back(installation)
    if wizard is not None:
        flash("This upgrade asks for something new: review it first.", "info")
        return redirect(step_url(wizard))
    flash(f"{upgraded.integration.name} upgraded to {upgraded.version.version}.", "success")
    return _back(upgraded)


@bp.route("/workspaces/<ws>/installations/<installation_id>/settings", methods=["GET", "POST"])
@login_required
def reconfigure(ws, installation_id):
    installation = installs.installation_in(current_user, ws, installation_id)
    schema = installation.version.variables_schema or {}
    form = variables_form(
        schema, installation.variables or {}, formdata=request.form if request.method == "POST" else None
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                installs.reconfigure(current_user, installation, variables_from(form, schema))
                flash(f"Settings of {installation.integration.name} saved.", "success")
                return _back(installation)
            except ValidationFailed as error:
                apply_service_error(form, error)
    return render_template("install/reconfigure.html", installation=installation, form=form), status


@bp.route("/workspaces/<ws>/installations/<installation_id>/credential", methods=["GET", "POST"])
@login_required
def replace_key(ws, installation_id):
    installation = installs.installation_in(current_user, ws, installation_id)
    if installation.version.auth_config.get("type") != "api_key" or not installation.is_live:
        abort(404)
    form = ApiKeyForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                installation, tested = _tested_replacement(ws, installation, form.api_key.data)
                installs.replace_api_key(current_user, installation, form.api_key.data, tested)
                replaced = f"API key of {installation.integration.name} replaced."
                flash(f"{replaced} {tested.message}." if tested else replaced, "success")
                return _back(installation)
            except ServiceError as error:
                apply_service_error(form, error)  # the old key stays: nothing was written
                status = error.status
    return render_template(
        "install/replace_key.html",
        installation=installation,
        form=form,
        credential=installs.credential_summary(installation.credential),
        has_test=connection_check.test_of(installation.version.auth_config) is not None,
        header_preview=wizards.api_key_header_preview(installation.version.auth_config, None),
    ), status


def _tested_replacement(ws: str, installation, key: str | None):
    """Send the connection test (authConfig.test) with the new key before anything is written, as
    the wizard's auth step does: the transaction ends first, so no lock is held across the call.
    Returns the installation (loaded and checked again) and the outcome (None: no test declared)."""
    auth_config = dict(installation.version.auth_config or {})
    if connection_check.test_of(auth_config) is None:
        return installation, None
    secret = wizards.api_key_credential(key)  # its shape first: a malformed key is never sent
    installation_id = installation.id
    db.session.commit()  # nothing written yet
    tested = connection_check.run(auth_config, secret)
    return installs.installation_in(current_user, ws, installation_id), tested


@bp.post("/workspaces/<ws>/installations/<installation_id>/reconnect")
@login_required
def reconnect(ws, installation_id):
    installation = _acting_on(ws, installation_id)
    wizard = installs.start_reconnect(current_user, installation)
    return redirect(oauth_connect.begin_authorization(wizard, callback_url()))


@bp.route("/workspaces/<ws>/installations/<installation_id>/uninstall", methods=["GET", "POST"])
@login_required
def uninstall(ws, installation_id):
    installation = installs.installation_in(current_user, ws, installation_id)
    if not installation.is_live:
        return _back(installation)
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        installs.uninstall(current_user, installation)
        flash(f"{installation.integration.name} uninstalled. Its credentials were erased.", "success")
        return _back(installation)
    return render_template(
        "install/uninstall.html",
        installation=installation,
        form=form,
        dependents=installs.dependents_of(installation),
    )
