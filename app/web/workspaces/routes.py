from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ...extensions import limiter
from ...services import invitations, namespaces, workspaces
from ...services.errors import ServiceError, ValidationFailed
from ..forms import apply_service_error, flash_service_error
from ..limits import by_user, configured, succeeded
from . import bp
from .forms import InviteForm, RoleForm, WorkspaceForm


@bp.before_request
@login_required
def _require_login():
    return None


@bp.get("")
def index():
    return render_template("workspaces/index.html", rows=workspaces.user_workspaces(current_user))


@bp.route("/new", methods=["GET", "POST"])
@limiter.limit(configured("WORKSPACE_RATE_LIMIT"), key_func=by_user, methods=["POST"], deduct_when=succeeded)
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


def _render_show(workspace, membership, invite_form=None, status=200):
    return render_template(
        "workspaces/show.html",
        workspace=workspace,
        membership=membership,
        members=workspaces.workspace_members(workspace),
        pending=invitations.pending(workspace) if membership.can_manage else [],
        invite_form=invite_form or InviteForm(formdata=None),
        role_form_for=lambda m: RoleForm(formdata=None, role=m.role, prefix=f"m-{m.id}"),
        handles=namespaces.workspace_handles(workspace.id),
    ), status


@bp.get("/<ws>")
def show(ws):
    workspace, membership = workspaces.workspace_for_member(current_user, ws)
    return _render_show(workspace, membership)


@bp.post("/<ws>/invitations")
@limiter.limit(configured("INVITE_RATE_LIMIT"), key_func=by_user)
def invite(ws):
    workspace, membership = workspaces.workspace_for_member(current_user, ws, manage=True)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            sent = invitations.invite(current_user, workspace, membership, form.email.data, form.role.data)
        except ServiceError as error:
            if error.status >= 500:
                raise
            apply_service_error(form, error)
        else:
            flash(f"Invitation sent to {sent.email} (as {sent.role}).", "success")
            return redirect(url_for("workspaces.show", ws=workspace.slug))
    return _render_show(workspace, membership, invite_form=form, status=422)


@bp.post("/<ws>/invitations/<invitation_id>/revoke")
def revoke_invitation(ws, invitation_id):
    workspace, membership = workspaces.workspace_for_member(current_user, ws, manage=True)
    revoked = invitations.revoke(current_user, workspace, membership, invitation_id)
    flash(f"The invitation to {revoked.email} is withdrawn.", "info")
    return redirect(url_for("workspaces.show", ws=workspace.slug))


@bp.post("/<ws>/members/<membership_id>/role")
def change_role(ws, membership_id):
    workspace, membership = workspaces.workspace_for_member(current_user, ws, manage=True)
    form = RoleForm(prefix=f"m-{membership_id}")
    try:
        if not form.validate_on_submit():
            raise ValidationFailed(workspaces.ROLE_INVALID, field="role")
        changed = workspaces.change_role(current_user, workspace, membership, membership_id, form.role.data)
    except ServiceError as error:
        flash_service_error(error)
        return _render_show(workspace, membership, status=error.status)
    flash(f"{changed.user.email} is now {changed.role}.", "success")
    return redirect(url_for("workspaces.show", ws=workspace.slug))


@bp.post("/<ws>/members/<membership_id>/remove")
def remove_member(ws, membership_id):
    workspace, membership = workspaces.workspace_for_member(current_user, ws, manage=True)
    try:
        removed = workspaces.remove_member(current_user, workspace, membership, membership_id)
    except ServiceError as error:
        flash_service_error(error)
        return _render_show(workspace, membership, status=error.status)
    flash(f"{removed.email} is no longer a member; their API tokens for this workspace are revoked.", "info")
    return redirect(url_for("workspaces.show", ws=workspace.slug))


@bp.post("/<ws>/leave")
def leave(ws):
    # CSRFProtect has already refused a post without a valid token before we get here.
    workspace, membership = workspaces.workspace_for_member(current_user, ws)
    try:
        workspaces.leave(current_user, workspace, membership)
    except ServiceError as error:
        flash_service_error(error)
        return _render_show(workspace, membership, status=error.status)
    flash(f"You left {workspace.name}.", "info")
    return redirect(url_for("workspaces.index"))
