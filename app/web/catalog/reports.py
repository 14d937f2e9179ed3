"""Reporting a listing: signed-in people only (anonymous visitors are sent to log in), rate-limited
per account, a POST with CSRF that works without JavaScript."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ...domain import reports as rules
from ...extensions import limiter
from ...services import reports
from ...services.errors import ServiceError
from ..forms import apply_service_error
from ..limits import by_user, configured, succeeded
from . import bp


class ReportForm(FlaskForm):
    category = RadioField(
        "What is wrong?",
        choices=[SelectChoice(p.code, p.label) for p in rules.POLICIES.values()],
        validate_choice=False,  # the service says "Choose what is wrong." beside the field
    )
    details = TextAreaField(
        "Details",
        validators=[Length(max=rules.DETAILS_MAX + 1000)],
        render_kw={"rows": 6, "maxlength": rules.DETAILS_MAX},
    )


@bp.route("/integrations/<publisher>/<slug>/report", methods=["GET", "POST"])
@login_required
@limiter.limit(configured("REPORT_RATE_LIMIT"), key_func=by_user, methods=["POST"], deduct_when=succeeded)
def report(publisher, slug):
    integration = reports.reportable(current_user, publisher, slug)
    form = ReportForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate_on_submit():
            try:
                reports.file_report(current_user, integration, form.category.data, form.details.data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash("Thank you: your report reached the marketplace staff.", "success")
                return redirect(url_for("catalog.detail", publisher=publisher, slug=slug))
    return render_template(
        "catalog/report.html", integration=integration, form=form, details_min=rules.DETAILS_MIN
    ), status
