"""The install wizard: /install/<publisher>/<slug> starts it, /install/w/<id>/<step> walks it,
/install/callback takes the OAuth2 authorization response.

Every request loads the wizard (someone else's id answers 404), checks that the step may be
entered (otherwise back to the current step), then acts. Views never commit; form errors
answer 422 so the request boundary rolls back.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...database import writes
from ...domain import wizard as steps_rule
from ...domain.documents import describe_values
from ...extensions import db
from ...services import connection_check, install_policy, install_requests, installs, oauth_connect
from ...services import wizard as wizards
from ...services.errors import ServiceError, ValidationFailed
from ..catalog.presenters import describe_scope
from ..forms import ButtonForm, apply_service_error
from . import bp
from .forms import ApiKeyForm, RequestForm, UpgradeConsentForm, WorkspaceConsentForm
from .variables import variables_form, variables_from


def step_url(wizard, step: str | None = None) -> str:
    return url_for("install.step", wizard_id=wizard.id, step=step or wizards.current_step(wizard))


def _context(wizard, step: str, **extra) -> dict:
    steps = wizards.steps_of(wizard)
    return {
        "wizard": wizard,
        "integration": wizard.integration,
        "version": wizard.version,
        "step": step,
        "progress": wizards.progress_of(wizard, step),
        "back": steps_rule.previous_step(step, steps) if step in steps else None,
        "describe_scope": describe_scope,
        **extra,
    }


def _render(template: str, wizard, step: str, status: int = 200, **extra):
    return render_template(f"install/{template}", **_context(wizard, step, **extra)), status


# --- start ----------------------------------------------------------------------------------


def _start_form(formdata, integration) -> WorkspaceConsentForm:
    # formdata: request.form on POST, None to show initial values. A workspace that already has
    # the integration, or whose install policy blocks it, is not offered: the page says so.
    form = WorkspaceConsentForm(formdata=formdata)
    installed = {workspace.id for workspace, _ in wizards.installed_in(current_user, integration)}
    blocked = {blocked.workspace.id for blocked in _policy_blocked(integration)}
    form.workspace.choices = [
        (w.id, w.name)
        for w in wizards.manageable_workspaces(current_user)
        if w.id not in installed and w.id not in blocked
    ]
    return form


def _policy_blocked(integration) -> list:
    """The workspaces this user manages whose install policy blocks the integration, with why."""
    managed = [w.id for w in wizards.manageable_workspaces(current_user)]
    return [
        install_policy.Blocked(workspace, decision.reason)
        for workspace, policy in install_policy.policies_for(managed)
        if not (decision := install_policy.decide(workspace, integration, policy)).allowed
    ]


def _render_start(integration, form, status=200, request_form=None):
    version = wizards.current_version(integration)
    installed = wizards.installed_in(current_user, integration)
    requestable = install_requests.requestable(current_user, integration)
    request_form = request_form or RequestForm(formdata=None, prefix="request")
    request_form.workspace.choices = [
        (r.workspace.id, r.workspace.name) for r in requestable if r.may_request
    ]
    return render_template(
        "install/start.html",
        integration=integration,
        version=version,
        installed=installed,
        blocked=_policy_blocked(integration),
        requestable=requestable,
        request_form=request_form,
        own_version=wizards.own_workspace_version(current_user, integration),
        form=form,
        describe_scope=describe_scope,
        who_can_install=wizards.who_can_install(current_user)
        if not form.workspace.choices and not installed
        else [],
        # No steps to show when there is nothing this user can install.
        progress=steps_rule.progress(
            wizards.version_steps(version),
            [],
            steps_rule.WORKSPACE,
            auth_type=version.auth_config.get("type"),
        )
        if form.workspace.choices
        else [],
    ), status


@bp.route("/install/<publisher>/<slug>", methods=["GET", "POST"])
@login_required
def start(publisher, slug):
    integration = wizards.installable_integration(current_user, publisher, slug)
    if request.method == "GET":
        resume = wizards.open_wizard_for(current_user, integration)
        if resume is not None and not install_policy.decide(resume.workspace, integration).allowed:
            resume = None  # its workspace's policy blocks it now: this page says so
        if resume is not None and request.args.get("new") != "1":
            return redirect(step_url(resume))
        form = _start_form(None, integration)
        chosen = request.args.get("workspace")  # an approved request opens the wizard for its workspace
        if chosen and any(value == chosen for value, _ in form.workspace.choices):
            form.workspace.data = chosen
        return _render_start(integration, form)
    form = _start_form(request.form, integration)
    if not form.validate_on_submit():
        return _render_start(integration, form, 422)
    try:
        wizard = wizards.start_install(current_user, integration, form.workspace.data, form.consent.data)
    except ServiceError as error:
        apply_service_error(form, error)
        return _render_start(integration, form, error.status)
    return redirect(step_url(wizard))


@bp.post("/install/<publisher>/<slug>/request")
@login_required
def request_install(publisher, slug):
    """A plain member asks their workspace's admins to install it."""
    integration = wizards.installable_integration(current_user, publisher, slug)
    request_form = RequestForm(request.form, prefix="request")
    request_form.workspace.choices = []
    try:
        if not request_form.validate_on_submit():
            raise ValidationFailed("The form expired. Reload the page and try again.")
        asked = install_requests.create_request(
            current_user, integration, request_form.workspace.data, request_form.note.data
        )
    except ServiceError as error:
        apply_service_error(request_form, error)
        return _render_start(integration, _start_form(None, integration), error.status, request_form)
    flash(f"Your request for {integration.name} is sent to the admins of {asked.workspace.name}.", "success")
    return redirect(url_for("workspaces.requests", ws=asked.workspace.slug))


# --- steps ----------------------------------------------------------------------------------


@bp.route("/install/w/<wizard_id>/<step>", methods=["GET", "POST"])
@login_required
def step(wizard_id, step):
    wizard = wizards.load_wizard(current_user, wizard_id)
    if step not in steps_rule.STEPS:
        abort(404)
    if not wizards.may_enter(wizard, step):
        return redirect(step_url(wizard))
    return STEP_VIEWS[step](wizard)


def _workspace_step(wizard):
    if wizard.purpose == steps_rule.UPGRADE:
        return _upgrade_consent_step(wizard)
    form = _start_form(None if request.method == "GET" else request.form, wizard.integration)
    if request.method == "GET":
        form.workspace.data = wizard.workspace_id
        form.consent.data = bool(wizard.data.get("consent"))
    elif form.validate_on_submit():
        try:
            wizards.save_workspace_step(current_user, wizard, form.workspace.data, form.consent.data)
            return redirect(
                step_url(wizard, steps_rule.next_step(steps_rule.WORKSPACE, wizards.steps_of(wizard)))
            )
        except ServiceError as error:
            apply_service_error(form, error)
            return _render("workspace.html", wizard, steps_rule.WORKSPACE, error.status, form=form)
    else:
        return _render("workspace.html", wizard, steps_rule.WORKSPACE, 422, form=form)
    return _render("workspace.html", wizard, steps_rule.WORKSPACE, form=form)


def _upgrade_consent_step(wizard):
    form = UpgradeConsentForm(formdata=None if request.method == "GET" else request.form)
    if request.method == "POST" and form.validate_on_submit():
        try:
            wizards.save_upgrade_consent(wizard, form.consent.data)
            return redirect(
                step_url(wizard, steps_rule.next_step(steps_rule.WORKSPACE, wizards.steps_of(wizard)))
            )
        except ServiceError as error:
            apply_service_error(form, error)
            return _render(
                "upgrade.html",
                wizard,
                steps_rule.WORKSPACE,
                error.status,
                form=form,
                changes=installs.changes_between(wizard),
            )
    return _render(
        "upgrade.html",
        wizard,
        steps_rule.WORKSPACE,
        422 if request.method == "POST" else 200,
        form=form,
        changes=installs.changes_between(wizard),
    )


def _dependencies_step(wizard):
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            wizards.complete_dependencies(current_user, wizard)
            return redirect(step_url(wizard))
        except ServiceError as error:
            apply_service_error(form, error)
            status = error.status
    else:
        status = 422 if request.method == "POST" else 200
    return _render(
        "dependencies.html",
        wizard,
        steps_rule.DEPENDENCIES,
        status,
        form=form,
        report=wizards.dependency_report(current_user, wizard),
        cycle=wizards.dependency_cycle(wizard),
    )


def _auth_step(wizard, problem: ServiceError | None = None):
    auth_config = wizard.version.auth_config
    form = ApiKeyForm(formdata=None if request.method == "GET" else request.form)
    status = problem.status if problem else 200
    if request.method == "POST" and problem is None:
        if auth_config.get("type") != "api_key" or not form.validate_on_submit():
            status = 422
        else:
            try:
                wizard, failed, tested = _tested_key(wizard, form)
                if failed is None:
                    # A tested key answers "Connected" beside the field before moving on.
                    return redirect(step_url(wizard, steps_rule.AUTH if tested else None))
                form.api_key.errors = [failed]
                status = 422
            except ServiceError as error:
                apply_service_error(form, error)
                status = error.status
    return _render(
        "auth.html",
        wizard,
        steps_rule.AUTH,
        status,
        form=form,
        connect_form=ButtonForm(),
        header_preview=wizards.api_key_header_preview(auth_config, None),
        credential=(wizard.data or {}).get("credential"),
        has_test=connection_check.test_of(auth_config) is not None,
        oauth_error=problem.message if problem else (wizard.data or {}).get("oauth_error"),
    )


def _tested_key(wizard, form):
    """Check the key's shape, then send the integration's connection test (authConfig.test) with
    it before moving on. The test is a network call (possibly to this very app): the transaction
    ends before it (nothing is written yet), as in the OAuth2 callback. Returns the wizard, the
    message to show beside the field when the key is refused (None when it is saved), and whether
    a test ran. A refused key is not rendered back: the field starts empty."""
    key = wizards.api_key_credential(form.api_key.data)["api_key"]
    auth_config, wizard_id = dict(wizard.version.auth_config or {}), wizard.id
    outcome = None
    if connection_check.test_of(auth_config) is not None:
        db.session.commit()  # nothing written yet: no lock held across the test
        outcome = connection_check.run(auth_config, {"kind": "api_key", "api_key": key})
        wizard = wizards.load_wizard(current_user, wizard_id)
        if not outcome.ok:
            return wizard, outcome.message, True
    wizards.save_api_key(wizard, key, outcome)
    return wizard, None, outcome is not None


def _variables_step(wizard):
    schema = wizard.version.variables_schema or {}
    saved = (wizard.data or {}).get("variables") or {}
    if request.method == "GET":
        form = variables_form(schema, saved)
        if wizard.purpose == steps_rule.UPGRADE:
            # Values that no longer fit the new version's schema are flagged before anything is typed.
            try:
                wizards.validate_variables(wizard.version, saved)
            except ValidationFailed as error:
                apply_service_error(form, error)
                form.form_errors.insert(0, "Some settings no longer fit this version: correct them below.")
        return _render("variables.html", wizard, steps_rule.VARIABLES, form=form, schema=schema)
    form = variables_form(schema, saved, formdata=request.form)
    if not form.validate_on_submit():
        return _render("variables.html", wizard, steps_rule.VARIABLES, 422, form=form, schema=schema)
    values = variables_from(form, schema)
    try:
        wizards.save_variables(wizard, values)
    except ValidationFailed as error:
        apply_service_error(form, error)
        return _render("variables.html", wizard, steps_rule.VARIABLES, 422, form=form, schema=schema)
    return redirect(step_url(wizard))


def _review_step(wizard):
    form = ButtonForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                return _confirm(wizard)
            except ServiceError as error:
                apply_service_error(form, error, summary=True)
                status = error.status
        else:
            status = 422
    members = [m for m in (wizard.version.manifest or {}).get("members") or [] if isinstance(m, dict)]
    return _render(
        "review.html",
        wizard,
        steps_rule.REVIEW,
        status,
        form=form,
        members=members,
        report=wizards.dependency_report(current_user, wizard),
        settings=describe_values(wizard.version.variables_schema, (wizard.data or {}).get("variables") or {}),
        credential=(wizard.data or {}).get("credential"),
    )


def _confirm(wizard):
    if wizard.purpose == steps_rule.UPGRADE:
        installation = installs.confirm_upgrade(current_user, wizard)
        flash(f"{wizard.integration.name} upgraded to {installation.version.version}.", "success")
        return redirect(url_for("install.installations", ws=installation.workspace.slug))
    installation = installs.confirm_install(current_user, wizard)
    flash(
        f"{wizard.integration.name} {installation.version.version} is installed in "
        f"{installation.workspace.name}.",
        "success",
    )
    parent = wizards.waiting_parent(wizard)
    if parent is not None:
        return redirect(url_for("install.step", wizard_id=parent.id, step=steps_rule.DEPENDENCIES))
    return redirect(url_for("install.installations", ws=installation.workspace.slug))


STEP_VIEWS = {
    steps_rule.WORKSPACE: _workspace_step,
    steps_rule.DEPENDENCIES: _dependencies_step,
    steps_rule.AUTH: _auth_step,
    steps_rule.VARIABLES: _variables_step,
    steps_rule.REVIEW: _review_step,
}


# --- actions inside a step --------------------------------------------------------------------


def _acting_in(wizard_id: str, step: str):
    """The user's wizard for a button POST inside `step`: the step must be reachable, CSRF valid."""
    wizard = wizards.load_wizard(current_user, wizard_id)
    if not wizards.may_enter(wizard, step) or not ButtonForm().validate_on_submit():
        abort(400)
    return wizard


@bp.post("/install/w/<wizard_id>/dependencies/install")
@login_required
def install_dependency(wizard_id):
    wizard = _acting_in(wizard_id, steps_rule.DEPENDENCIES)
    child = wizards.start_dependency(current_user, wizard, request.form.get("dependency", ""))
    flash(f"Install {child.integration.name} first; then you come back here.", "info")
    return redirect(step_url(child))


@bp.post("/install/w/<wizard_id>/auth/connect")
@login_required
def connect(wizard_id):
    wizard = _acting_in(wizard_id, steps_rule.AUTH)
    try:
        return redirect(oauth_connect.begin_authorization(wizard, callback_url()))
    except ServiceError as error:
        return _auth_step(wizard, problem=error)


@bp.post("/install/w/<wizard_id>/cancel")
@login_required
def cancel(wizard_id):
    wizard = wizards.load_wizard(current_user, wizard_id, leaving=True)
    if not ButtonForm().validate_on_submit():
        abort(400)
    integration, workspace, purpose = wizard.integration, wizard.workspace, wizard.purpose
    wizards.cancel(wizard)
    if purpose == steps_rule.INSTALL:
        flash(f"Install of {integration.name} cancelled. Nothing was installed.", "info")
        return redirect(url_for("catalog.catalog"))
    flash(f"Nothing changed: {integration.name} keeps its current version and permissions.", "info")
    return redirect(url_for("install.installations", ws=workspace.slug))


def callback_url() -> str:
    """The exact redirect URI registered with providers: on PUBLIC_BASE_URL when set (several
    processes behind one public address), else on the address this request came to."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for("install.oauth_callback")
    return url_for("install.oauth_callback", _external=True)


@bp.get("/install/callback")
@writes
@login_required
def oauth_callback():
    """The authorization response, in three parts:
    1. check it and spend the state, and commit that (a replay fails even while the exchange runs);
    2. exchange the code with no database transaction open (the provider may be this very app,
       writing to the same SQLite file);
    3. store the outcome in a new transaction.
    Both transactions take SQLite's write lock up front (@writes)."""
    try:
        wizard, outcome = oauth_connect.spend_state(current_user, request.args, callback_url())
    except oauth_connect.CallbackRejected as error:
        return render_template(
            "errors/generic.html", status=400, title="Connection refused", message=error.message
        ), 400
    wizard_id, auth_config = wizard.id, dict(wizard.version.auth_config or {})
    db.session.commit()  # the one place a view commits: see the docstring
    back = url_for("install.step", wizard_id=wizard_id, step=steps_rule.AUTH)
    if isinstance(outcome, str):
        flash(outcome, "error")
        return redirect(back)
    try:
        token, failure = oauth_connect.exchange_code(outcome), None
    except ValidationFailed as error:
        token, failure = None, error.message
    tested = None
    if token and connection_check.test_of(auth_config) is not None:  # still no transaction open
        tested = connection_check.run(auth_config, {"kind": "oauth2", "access_token": token["access_token"]})
    wizard = wizards.load_wizard(current_user, wizard_id)
    if failure:
        oauth_connect.oauth_error(wizard, failure)
        flash(failure, "error")
        return redirect(back)
    wizards.store_oauth_token(wizard, token, tested)
    connected = (
        "Connected."
        if tested is None or tested.ok
        else f"Signed in, but the connection test failed: {tested.message}."
    )
    if oauth_connect.is_reconnect(wizard):
        installation = installs.finish_reconnect(current_user, wizard)
        connection_check.record(installation, tested)
        flash(f"{installation.integration.name} reconnected. {connected}", "success")
        return redirect(url_for("install.installations", ws=installation.workspace.slug))
    flash(connected, "success" if tested is None or tested.ok else "error")
    return redirect(step_url(wizard))


@bp.app_context_processor
def _install_helpers():
    return {"wizard_step_url": step_url}
