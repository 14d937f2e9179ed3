"""/invitations/<token>: the page an invitation's mailed link opens. It shows the workspace and the
role; only a signed-in account whose verified address is the invited one gets the Accept button,
everyone else a clear refusal (403) saying what to do."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ...services import invitations
from ...services.errors import LinkInvalid, PermissionDenied
from ..forms import ButtonForm
from . import bp
from .email_links import link_invalid


def _page(invitation, refusal: str | None = None):
    status = 403 if refusal else 200
    return render_template(
        "accounts/invitation.html", invitation=invitation, refusal=refusal, form=ButtonForm()
    ), status


@bp.get("/invitations/<token>")
@login_required
def invitation(token):
    try:
        found = invitations.for_link(token)
    except LinkInvalid as error:
        return link_invalid(error)
    try:
        invitations.check_acceptor(current_user, found)
    except PermissionDenied as error:
        return _page(found, error.message)
    return _page(found)


@bp.post("/invitations/<token>")
@login_required
def accept_invitation(token):
    try:
        membership = invitations.accept(current_user, token)
    except LinkInvalid as error:
        return link_invalid(error)
    except PermissionDenied as error:
        return _page(invitations.for_link(token), error.message)
    workspace = membership.workspace
    flash(f"You joined {workspace.name} as {membership.role}.", "success")
    return redirect(url_for("workspaces.show", ws=workspace.slug))
