from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ...services import workspaces
from ...services.errors import ServiceError
from ..forms import ButtonForm, apply_service_error
from . import bp
from .forms import AddMemberForm, RoleForm, WorkspaceForm


@bp.before_request
@login_required
def _require_login():
    return None


@bp.get("")
def index():
    return render_template("workspaces/index.html", rows=workspaces.user_workspaces(current_user))


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = WorkspaceForm()
    if form.validate_on_submit():
        try:
            workspace = workspaces.create_workspace(current_user, form.slug.data, form.name.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(f"Workspace “{workspace.name}” created. You are its owner.", "success")
            return redirect(url_for("workspaces.show", ws=workspace.slug))
    return render_template("workspaces/new.html", form=form), 422 if form.errors or form.form_errors else 200


def _render_show(workspace, membership, add_form=None, status=200):
    members = sorted(workspace.memberships, key=lambda m: (("owner", "admin", "member").index(m.role), m.user.email))
    return render_template(
        "workspaces/show.html",
        workspace=workspace,
        membership=membership,
        members=members,
        add_form=add_form or AddMemberForm(formdata=None),
        role_form_for=lambda m: RoleForm(formdata=None, role=m.role, prefix=f"m-{m.id}"),
        button_form=ButtonForm(),
    ), status


@bp.get("/<ws>")
def show(ws):
    workspace, membership = workspaces.workspace_for_member(current_user, ws)
    return _render_show(workspace, membership)


@bp.post("/<ws>/members")
def add_member(ws):
    workspace, membership = workspaces.workspace_for_member(current_user, ws, manage=True)
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            added = workspaces.add_member(current_user, workspace, membership, form.email.data, form.role.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(f"{added.user.email} added as {added.role}.", "success")
            return redirect(url_for("workspaces.show", ws=workspace.slug))
    return _render_show(workspace, membership, add_form=form, status=422)


@bp.post("/<ws>/members/<membership_id>/role")
def change_role(ws, membership_id):
    workspace, membership = workspaces.workspace_for_member(current_user, ws, manage=True)
    form = RoleForm(prefix=f"m-{membership_id}")
    if not form.validate_on_submit():
        flash("Choose owner, admin or member.", "error")
        return _render_show(workspace, membership, status=422)
    try:
        changed = workspaces.change_role(current_user, workspace, membership, membership_id, form.role.data)
    except ServiceError as error:
        if error.status == 404:
            raise
        flash(error.message, "error")
        return _render_show(workspace, membership, status=422)
    flash(f"{changed.user.email} is now {changed.role}.", "success")
    return redirect(url_for("workspaces.show", ws=workspace.slug))


@bp.post("/<ws>/leave")
def leave(ws):
    workspace, membership = workspaces.workspace_for_member(current_user, ws)
    if not ButtonForm().validate_on_submit():
        flash("The form expired. Try again.", "error")
        return _render_show(workspace, membership, status=400)
    try:
        workspaces.leave(current_user, workspace, membership)
    except ServiceError as error:
        flash(error.message, "error")
        return _render_show(workspace, membership, status=422)
    flash(f"You left {workspace.name}.", "info")
    return redirect(url_for("workspaces.index"))
