"""A workspace's install policy (/workspaces/<ws>/policy) and its install requests
(/workspaces/<ws>/requests): load the workspace (non-members: 404), check the role, act."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...domain import install_policy as rule
from ...services import install_policy, install_requests, workspaces
from ...services.errors import ServiceError
from ..forms import apply_service_error, flash_service_error
from . import bp
from .forms import DenyForm, PolicyForm


def _policy_form(workspace, formdata=None) -> PolicyForm:
    if formdata is not None:
        return PolicyForm(formdata=formdata)
    policy = install_policy.policy_of(workspace.id)
    return PolicyForm(
        formdata=None,
        min_trust_tier=policy.min_tier or "",
        allow_list="\n".join(sorted(policy.allow)),
        block_list="\n".join(sorted(policy.block)),
        members_may_request=policy.members_may_request,
    )


def _render_policy(workspace, membership, form, status=200):
    return render_template(
        "workspaces/policy.html",
        workspace=workspace,
        membership=membership,
        form=form,
        summary=rule.describe(install_policy.policy_of(workspace.id)),
        row=install_policy.policy_row(workspace.id),
    ), status


@bp.get("/<ws>/policy")
def policy(ws):
    workspace, membership = workspaces.workspace_for_member(current_user, ws)
    return _render_policy(workspace, membership, _policy_form(workspace))


@bp.post("/<ws>/policy")
def save_policy(ws):
    workspace, membership = workspaces.workspace_for_member(current_user, ws, manage=True)
    form = _policy_form(workspace, request.form)
    if not form.validate_on_submit():
        return _render_policy(workspace, membership, form, 422)
    try:
        install_policy.save_policy(
            current_user,
            workspace,
            min_tier=form.min_trust_tier.data,
            allow_text=form.allow_list.data,
            block_text=form.block_list.data,
            members_may_request=form.members_may_request.data,
        )
    except ServiceError as error:
        apply_service_error(form, error, summary=True)
        return _render_policy(workspace, membership, form, error.status)
    flash(f"{workspace.name}'s install policy is saved.", "success")
    return redirect(url_for("workspaces.policy", ws=workspace.slug))


# --- requests ---------------------------------------------------------------------------------


def _render_requests(workspace, membership, deny_forms=None, status=200):
    rows = install_requests.requests_for(current_user, workspace, membership)
    forms = deny_forms or {}
    return render_template(
        "workspaces/requests.html",
        workspace=workspace,
        membership=membership,
        rows=rows,
        deny_form_for=lambda r: forms.get(r.id) or DenyForm(formdata=None, prefix=f"d-{r.id}"),
    ), status


@bp.get("/<ws>/requests")
def requests(ws):
    workspace, membership = workspaces.workspace_for_member(current_user, ws)
    return _render_requests(workspace, membership)


@bp.post("/<ws>/requests/<request_id>/approve")
def approve_request(ws, request_id):
    workspace, membership = workspaces.workspace_for_member(current_user, ws, manage=True)
    try:
        approved = install_requests.approve(current_user, workspace, membership, request_id)
    except ServiceError as error:
        flash_service_error(error)
        return _render_requests(workspace, membership, status=error.status)
    integration = approved.integration
    flash(f"Request approved: install {integration.name} into {workspace.name} now.", "info")
    return redirect(
        url_for(
            "install.start",
            publisher=integration.publisher,
            slug=integration.slug,
            workspace=workspace.id,
            new=1,
        )
    )


@bp.post("/<ws>/requests/<request_id>/deny")
def deny_request(ws, request_id):
    workspace, membership = workspaces.workspace_for_member(current_user, ws, manage=True)
    form = DenyForm(prefix=f"d-{str(request_id)[:36]}")
    try:
        if not form.validate_on_submit():
            raise ServiceError("The form expired. Reload the page and try again.")
        denied = install_requests.deny(current_user, workspace, membership, request_id, form.reason.data)
    except ServiceError as error:
        if error.field == "reason":
            apply_service_error(form, error)
            return _render_requests(workspace, membership, {str(request_id): form}, error.status)
        flash_service_error(error)
        return _render_requests(workspace, membership, status=error.status)
    flash(f"Request for {denied.integration.name} denied; {denied.requester.label} is told why.", "info")
    return redirect(url_for("workspaces.requests", ws=workspace.slug))
