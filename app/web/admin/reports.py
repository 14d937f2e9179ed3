"""Staff triage of reports (/admin/reports): open, actioned, dismissed, each closed once with a note,
or closed by taking the listing down; and the publishers' re-review requests of takedowns.
Staff only (the blueprint answers 404 to everyone else)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...domain import reports as rules
from ...services import reports, takedowns
from ...services.errors import ServiceError
from .. import params
from ..forms import apply_service_error
from . import bp
from .forms import ReportDecisionForm, ReReviewDecisionForm, TakedownForm


@bp.get("/reports")
def reports_queue():
    status = request.args.get("status", rules.OPEN)
    page = params.page_number(request.args)
    return render_template(
        "admin/reports.html",
        queue=reports.queue(current_user, status, page),
        rereviews=takedowns.pending_rereviews(current_user),
        page=page,
        policies=rules.POLICIES,
        statuses=rules.REPORT_STATUSES,
    )


def _render_report(report, decision_form=None, takedown_form=None, status=200):
    takedown_form = takedown_form or TakedownForm(formdata=None, prefix="takedown", policy=report.category)
    return render_template(
        "admin/report.html",
        report=report,
        others=reports.other_reports(current_user, report),
        policies=rules.POLICIES,
        decision_form=decision_form or ReportDecisionForm(formdata=None, prefix="decide"),
        takedown_form=takedown_form,
    ), status


@bp.get("/reports/<report_id>")
def report(report_id):
    return _render_report(reports.report_for_staff(current_user, report_id))


def _decide(report_id: str, form, kind: str, action, *fields: str, done):
    """One staff decision on a report: `action(actor, report, *form fields)`; on error the report's
    page again (422) with `form` as `kind` and the error beside its field. `done(report)` is the flash."""
    row = reports.report_for_staff(current_user, report_id)
    if form.validate_on_submit():
        try:
            action(current_user, row, *(getattr(form, name).data for name in fields))
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(done(row), "success")
            return redirect(url_for("admin.reports_queue"))
    return _render_report(row, status=422, **{kind: form})


@bp.post("/reports/<report_id>/decision")
def decide_report(report_id):
    return _decide(
        report_id,
        ReportDecisionForm(prefix="decide"),
        "decision_form",
        reports.decide,
        "decision",
        "note",
        done=lambda row: f"Report marked {row.status}.",
    )


@bp.post("/reports/<report_id>/takedown")
def take_down_from_report(report_id):
    return _decide(
        report_id,
        TakedownForm(prefix="takedown"),
        "takedown_form",
        reports.take_down_from,
        "policy",
        "note",
        done=lambda row: f"{row.integration.name} is taken down; the report is marked actioned.",
    )


def _render_takedown(takedown, form=None, status=200):
    return render_template(
        "admin/takedown.html",
        takedown=takedown,
        policy=rules.policy(takedown.policy),
        form=form or ReReviewDecisionForm(formdata=None),
    ), status


@bp.get("/takedowns/<takedown_id>")
def takedown(takedown_id):
    return _render_takedown(takedowns.takedown_for_staff(current_user, takedown_id))


@bp.post("/takedowns/<takedown_id>/re-review")
def decide_rereview(takedown_id):
    row = takedowns.takedown_for_staff(current_user, takedown_id)
    form = ReReviewDecisionForm()
    if form.validate_on_submit():
        try:
            takedowns.decide_rereview(current_user, row, form.outcome.data, form.note.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            done = "Takedown upheld." if row.rereview_status == rules.UPHELD else "Takedown lifted."
            flash(f"{done} The publisher sees your answer on their dashboard.", "success")
            return redirect(url_for("admin.reports_queue"))
    return _render_takedown(row, form, status=422)
