"""A takedown as its publisher sees it: the notice, and the one re-review they may ask for."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from ...domain import reports as rules
from ...services import integrations as service
from ...services import takedowns
from ...services.errors import ServiceError
from ...services.viewer import viewer_for
from ..forms import apply_service_error
from . import bp


class ReReviewForm(FlaskForm):
    message = TextAreaField(
        "Why should staff look again?",
        validators=[Length(max=rules.NOTE_MAX + 1000)],
        render_kw={"rows": 5, "maxlength": rules.NOTE_MAX},
    )


@bp.context_processor
def _takedown_notice():
    """The dashboard's integration pages show the latest takedown decision (see _nav.html)."""
    return {"takedown_of": takedowns.latest_for, "policy_of": rules.policy}


def _render(integration, form=None, status=200):
    return render_template(
        "dashboard/takedown.html",
        integration=integration,
        takedown=takedowns.latest_for(integration),
        form=form or ReReviewForm(formdata=None),
        active="takedown",
    ), status


@bp.get("/integrations/<integration_id>/takedown")
def takedown(integration_id):
    integration = service.for_publisher(viewer_for(current_user), integration_id)
    if takedowns.latest_for(integration) is None:
        return redirect(url_for("dashboard.edit", integration_id=integration.id))
    return _render(integration)


@bp.post("/integrations/<integration_id>/takedown/re-review")
def request_rereview(integration_id):
    viewer = viewer_for(current_user)
    integration = service.for_publisher(viewer, integration_id)
    if takedowns.latest_for(integration) is None:
        abort(404)
    form = ReReviewForm()
    if form.validate_on_submit():
        try:
            takedowns.request_rereview(current_user, viewer, integration.id, form.message.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash("Re-review requested. Staff will answer here.", "success")
            return redirect(url_for("dashboard.takedown", integration_id=integration.id))
    return _render(integration, form, status=422)
