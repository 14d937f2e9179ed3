"""The publisher dashboard: load (someone else's integration is a 404) → check → act.
Form errors re-render with 422 so the request boundary rolls back; nothing is half-saved."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ...domain import checks as publish_check_rules
from ...domain import documents
from ...domain.semver_range import is_valid_version
from ...domain.visibility import state_of
from ...models import Integration
from ...services import (
    categories,
    dashboard,
    integration_metadata,
    namespaces,
    publishing,
    review_submissions,
    reviews,
    snapshots,
)
from ...services import integrations as service
from ...services.errors import ServiceError
from ...services.viewer import viewer_for
from ...services.workspaces import user_workspaces
from .. import params
from ..forms import ButtonForm, apply_service_error, flash_service_error
from ..limits import limit_handle_claims
from ..variables_form import build_variables_form
from . import bp
from .forms import (
    CreateIntegrationForm,
    EditIntegrationForm,
    PublishForm,
    RereviewForm,
    VisibilityForm,
    YankForm,
)

LISTING_KEYS = (*integration_metadata.CATEGORY_KEYS, *integration_metadata.LINK_KEYS)
GROUPS = (
    ("draft", "Drafts"),
    ("public", "Published"),
    ("unlisted", "Unlisted"),
    ("private", "Private"),
    ("deleted", "Trash"),
)


@bp.before_request
@login_required
def _require_login():
    return None


def _load(integration_id: str, *, lock: bool = False) -> Integration:
    return service.for_publisher(viewer_for(current_user), integration_id, lock=lock)


def _refuse_tampering() -> None:
    """Form tampering (an added trust_tier field, say) is refused, not ignored."""
    service.refuse_forbidden(request.form.keys())


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


# --- the dashboard --------------------------------------------------------------------------------


@bp.get("")
def index():
    mine = dashboard.for_dashboard(current_user)
    return render_template(
        "dashboard/index.html",
        groups=mine.groups,
        unpublished=mine.unpublished,
        group_titles=GROUPS,
        workspaces=mine.workspaces,
        workspace_names={ws.id: ws.name for ws, _ in mine.workspaces},
        open_reviews=review_submissions.open_by_integration(
            i.id for rows in mine.groups.values() for i in rows
        ),
    )


# --- create ---------------------------------------------------------------------------------------


def _create_form() -> tuple[CreateIntegrationForm, dict]:
    managed = user_workspaces(current_user, manage=True)
    form = CreateIntegrationForm()
    form.workspace.choices = [SelectChoice(ws.id, ws.name) for ws, _ in managed]
    handles = {ws.id: namespaces.workspace_handles(ws.id) for ws, _ in managed}
    return form, handles


@bp.route("/integrations/new", methods=["GET", "POST"])
@limit_handle_claims
def new():
    form, handles = _create_form()
    if not form.workspace.choices:
        flash(
            "Create a workspace first: integrations are built in a workspace you own or administer.", "info"
        )
        return redirect(url_for("workspaces.new"))
    if request.method == "POST":
        _refuse_tampering()
    if form.validate_on_submit():
        data = {
            k: getattr(form, k).data
            for k in ("name", "slug", "publisher", "description", "icon_url", "visibility", "retention_tier")
        }
        try:
            integration = service.create_integration(current_user, form.workspace.data, data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(
                f"Draft “{integration.name}” created. Add its manifest, variables and auth, then publish.",
                "success",
            )
            return redirect(url_for("dashboard.edit", integration_id=integration.id))
    elif not form.slug.data and form.name.data:
        form.slug.data = integration_metadata.suggest_slug(form.name.data)
    if request.method == "GET" and not form.publisher.data:
        first = next((h for hs in handles.values() for h in hs), None)
        form.publisher.data = first
    return render_template("dashboard/new.html", form=form, handles=handles), _status(form)


# --- edit, with the live preview -------------------------------------------------------------------


def _edit_form(integration: Integration, formdata=None) -> EditIntegrationForm:
    if formdata is not None:
        return _with_categories(EditIntegrationForm())
    waiting = review_submissions.pending_rename(integration)
    links = integration.links or {}
    return _with_categories(
        EditIntegrationForm(
            formdata=None,
            primary_category=integration.primary_category.slug if integration.primary_category else "",
            secondary_category=integration.secondary_category.slug if integration.secondary_category else "",
            **{field: links.get(field.removeprefix("link_"), "") for field in integration_metadata.LINK_KEYS},
            name=waiting.proposed_name if waiting else integration.name,
            description=integration.description,
            icon_url=integration.icon_url,
            visibility=integration.visibility,
            retention_tier=integration.retention_tier or "",
            manifest=documents.pretty(integration.manifest),
            variables_schema=documents.pretty(integration.variables_schema),
            auth_config=documents.pretty(integration.auth_config),
        )
    )


def _with_categories(form: EditIntegrationForm) -> EditIntegrationForm:
    choices = [SelectChoice(c.slug, c.name) for c in categories.ordered()]
    form.primary_category.choices = [SelectChoice("", "Choose a category"), *choices]
    form.secondary_category.choices = [SelectChoice("", "None"), *choices]
    return form


def preview_form(manifest_text: str | None, variables_text: str | None):
    """The wizard's variables form for a schema being edited: (form, None) or (None, why not)."""
    variables, errors = documents.parse_document(documents.VARIABLES, variables_text)
    if not errors:
        errors = documents.variables_schema_problems(variables)
    if errors:
        return None, "Fix the variables schema to see the preview."
    manifest, manifest_errors = documents.parse_document(documents.MANIFEST, manifest_text)
    defaults = (manifest.value or {}).get("defaults") if not manifest_errors else None
    return build_variables_form(
        variables.value,
        defaults=defaults if isinstance(defaults, dict) else None,
        prefix="preview-",
        csrf=False,
    ), None


def _has_unpublished_changes(integration: Integration) -> bool:
    return integration.id in snapshots.with_unpublished_changes(viewer_for(current_user), [integration])


def _render_edit(integration: Integration, form: EditIntegrationForm, status: int = 200):
    preview, why_not = preview_form(form.manifest.data, form.variables_schema.data)
    return render_template(
        "dashboard/edit.html",
        integration=integration,
        form=form,
        preview=preview,
        preview_message=why_not,
        state=state_of(integration),
        unpublished=_has_unpublished_changes(integration),
        pending_rename=review_submissions.pending_rename(integration),
        visibility_form=VisibilityForm(formdata=None, visibility=integration.visibility, prefix="quick"),
    ), status


@bp.get("/integrations/<integration_id>")
def edit(integration_id):
    integration = _load(integration_id)
    return _render_edit(integration, _edit_form(integration))


@bp.post("/integrations/<integration_id>")
def update(integration_id):
    integration = _load(integration_id, lock=True)
    _refuse_tampering()
    form = _edit_form(integration, formdata=request.form)
    if form.preview.data:  # the no-JavaScript preview: show, save nothing
        form.validate()
        return _render_edit(integration, form, 200)
    if form.validate_on_submit():
        data = {
            k: getattr(form, k).data
            for k in ("name", "description", "icon_url", "visibility", "retention_tier")
        }
        # Categories and links as the form sent them (a form without them leaves them as they are).
        data.update({k: getattr(form, k).data for k in LISTING_KEYS if k in request.form})
        texts = {
            documents.MANIFEST: form.manifest.data,
            documents.VARIABLES: form.variables_schema.data,
            documents.AUTH: form.auth_config.data,
        }
        try:
            service.update_integration(
                current_user,
                integration,
                data,
                texts=texts,
                client_secret=form.client_secret.data or None,
                clear_client_secret=form.clear_client_secret.data,
            )
        except ServiceError as error:
            apply_service_error(form, error, summary=True)
            return _render_edit(integration, form, error.status)
        flash("Saved.", "success")
        return redirect(url_for("dashboard.edit", integration_id=integration.id))
    return _render_edit(integration, form, 422)


@bp.post("/integrations/<integration_id>/preview")
def preview(integration_id):
    """For static/js/dashboard.js: the preview as an HTML fragment, from the text being typed."""
    _load(integration_id)
    form, why_not = preview_form(request.form.get("manifest"), request.form.get("variables_schema"))
    return render_template("dashboard/_preview.html", preview=form, preview_message=why_not)


# --- publish, versions, yank --------------------------------------------------------------------------


@bp.route("/integrations/<integration_id>/publish", methods=["GET", "POST"])
def publish(integration_id):
    integration = _load(integration_id, lock=request.method == "POST")
    suggested = publishing.suggestions(integration)
    form = PublishForm()
    status = 200
    if request.method == "GET":
        form.version.data = suggested["patch" if integration.current_version else "major"]
    if form.validate_on_submit():
        try:
            result = publishing.publish(current_user, integration, form.version.data, form.changelog.data)
        except ServiceError as error:
            # Problems in the documents are fixed on the edit page: say so above the list.
            apply_service_error(
                form, error, summary=any("document" in p or "check" in p for p in error.details)
            )
            status = error.status
        else:
            flash_publish_result(integration, result)
            return redirect(url_for("dashboard.versions", integration_id=integration.id))
    elif request.method == "POST":
        status = _status(form)
    current, changes = snapshots.changes_since_current(viewer_for(current_user), integration)
    return render_template(
        "dashboard/publish.html",
        integration=integration,
        form=form,
        suggested=suggested,
        current=current,
        changes=changes,
        state=state_of(integration),
        checks_preview=publishing.preview(integration, _previewed_version(form, suggested)),
    ), status


def _previewed_version(form, suggested: dict) -> str:
    """The version the checks on the publish page are run for: the one typed, if it is one."""
    typed = (form.version.data or "").strip()
    return typed if is_valid_version(typed) else suggested["patch"]


def flash_publish_result(integration, result) -> None:
    for warning in result.warnings:
        flash(f"{warning.check} (warning): {warning.message}", "info")
    if result.pending_review:
        flash(
            f"Published {integration.name} {result.version.version}: it waits for staff review and is current "
            "only for your workspace until approved.",
            "info",
        )
    else:
        flash(f"Published {integration.name} {result.version.version}.", "success")


@bp.get("/integrations/<integration_id>/versions")
def versions(integration_id):
    integration = _load(integration_id)
    return _render_versions(integration)


def _render_versions(integration, yank_forms=None, status=200, rereview_forms=None):
    rows = publishing.versions_newest_first(integration)
    yank_forms = yank_forms or {}
    forms = {
        r.version: yank_forms.get(r.version) or YankForm(formdata=None, prefix=f"yank-{r.id}") for r in rows
    }
    return render_template(
        "dashboard/versions.html",
        integration=integration,
        versions=rows,
        yank_forms=forms,
        **_review_context(integration, rereview_forms),
    ), status


def _review_context(integration, rereview_forms=None) -> dict:
    """The listing's reviews for its workspace: what waits, what was rejected and why, re-review forms."""
    rows = review_submissions.for_workspace(integration)
    rereview_forms = rereview_forms or {}
    asked = {r.rereview_of for r in rows if r.rereview_of}
    return {
        "reviews": rows,
        "rereview_asked": asked,
        "rereview_forms": {
            r.id: rereview_forms.get(r.id) or RereviewForm(formdata=None, prefix=f"rereview-{r.id}")
            for r in rows
            if r.status == "rejected" and (r.id not in asked or r.id in rereview_forms)
        },
    }


@bp.post("/integrations/<integration_id>/reviews/<review_id>/rereview")
def rereview(integration_id, review_id):
    """One re-review request per rejection decision, with a note for the reviewer."""
    integration = _load(integration_id, lock=True)
    row = reviews.for_publisher(viewer_for(current_user), integration, review_id)
    form = RereviewForm(prefix=f"rereview-{row.id}")
    if form.validate_on_submit():
        try:
            reviews.request_rereview(current_user, integration, row, form.note.data)
        except ServiceError as error:
            apply_service_error(form, error)
            return _render_versions(integration, status=error.status, rereview_forms={row.id: form})
        flash("Re-review requested: the submission is back in the staff queue.", "success")
        return redirect(url_for("dashboard.versions", integration_id=integration.id))
    return _render_versions(integration, status=422, rereview_forms={row.id: form})


@bp.get("/checks")
def checks_index():
    return render_template("dashboard/checks.html", checks=publish_check_rules.CHECKS.values(), check=None)


@bp.get("/checks/<check_id>")
def check_detail(check_id):
    rule = publish_check_rules.check_by_id(check_id)
    if rule is None:
        abort(404)
    return render_template("dashboard/checks.html", checks=publish_check_rules.CHECKS.values(), check=rule)


@bp.post("/integrations/<integration_id>/versions/<version>/yank")
def yank(integration_id, version):
    integration = _load(integration_id, lock=True)
    row = publishing.version_of(integration, version)
    form = YankForm(prefix=f"yank-{row.id}")
    if form.validate_on_submit():
        try:
            publishing.yank_version(current_user, integration, version, form.reason.data)
        except ServiceError as error:
            apply_service_error(form, error)
            return _render_versions(integration, {version: form}, error.status)
        flash(f"Yanked {version}. Current version: {integration.current_version}.", "success")
        return redirect(url_for("dashboard.versions", integration_id=integration.id))
    return _render_versions(integration, {version: form}, 422)


@bp.post("/integrations/<integration_id>/visibility")
def visibility(integration_id):
    """Change visibility alone (without re-checking the documents, as the full edit form does)."""
    integration = _load(integration_id, lock=True)
    form = VisibilityForm(prefix="quick")
    if not form.validate_on_submit():
        flash("Choose public, unlisted or private.", "error")
        return _render_edit(integration, _edit_form(integration), 422)
    try:
        service.set_visibility(current_user, integration, form.visibility.data)
    except ServiceError as error:
        flash_service_error(error)
        return _render_edit(integration, _edit_form(integration), error.status)
    flash(f"Visibility: {integration.visibility}.", "success")
    return redirect(url_for("dashboard.edit", integration_id=integration.id))


# --- trash ------------------------------------------------------------------------------------------


def _button_action(integration_id: str, action, done: str):
    integration = _load(integration_id, lock=True)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        action(current_user, integration)
    except ServiceError as error:
        flash_service_error(error)
        return _render_edit(integration, _edit_form(integration), error.status)
    flash(done.format(name=integration.name), "success")
    return redirect(url_for("dashboard.index"))


@bp.post("/integrations/<integration_id>/delete")
def delete(integration_id):
    return _button_action(
        integration_id,
        service.soft_delete,
        "“{name}” moved to the trash. Restore it before its retention runs out.",
    )


@bp.post("/integrations/<integration_id>/restore")
def restore(integration_id):
    return _button_action(integration_id, service.restore, "“{name}” restored.")


# --- the workspace's audit log ---------------------------------------------------------------------------


@bp.get("/audit")
def audit_log():
    chosen = request.args.get("workspace") or ""
    log = dashboard.audit_page(current_user, chosen, params.page_number(request.args))
    return render_template(
        "dashboard/audit.html",
        events=log.events,
        has_next=log.has_next,
        page=log.page,
        workspaces=log.workspaces,
        chosen=chosen,
    )
