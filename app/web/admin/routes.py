"""Staff tools: trust tiers, takedowns, the audit log. Staff only; 404 for everyone else.
Reports and re-review requests are in reports.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import staff, takedowns
from ...services.errors import ServiceError
from .. import params
from ..forms import apply_service_error
from . import bp
from .forms import AuditFilterForm, LiftForm, TakedownForm, TrustTierForm


@bp.before_request
def _staff_only():
    if not (current_user.is_authenticated and current_user.is_staff):
        abort(404)


@bp.get("")
def index():
    q = request.args.get("q", "")
    return render_template("admin/index.html", q=q, integrations=staff.search_integrations(current_user, q))


def _render_integration(row, tier_form=None, takedown_form=None, lift_form=None, status=200):
    return render_template(
        "admin/integration.html",
        integration=row,
        takedown=takedowns.latest_for(row),
        events=staff.integration_events(current_user, row),
        tier_form=tier_form or TrustTierForm(formdata=None, tier=row.trust_tier),
        takedown_form=takedown_form or TakedownForm(formdata=None),
        lift_form=lift_form or LiftForm(formdata=None, prefix="lift"),
    ), status


@bp.get("/integrations/<integration_id>")
def integration(integration_id):
    return _render_integration(staff.integration(current_user, integration_id))


def _act(integration_id, form, kind: str, action, *args, done: str):
    """One staff action from the integration's page; `kind` names the form re-shown on error."""
    row = staff.integration(current_user, integration_id)
    if form.validate_on_submit():
        try:
            action(current_user, row, *args, form.note.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(done, "success")
            return redirect(url_for("admin.integration", integration_id=row.id))
    return _render_integration(row, status=422, **{kind: form})


@bp.post("/integrations/<integration_id>/trust-tier")
def set_trust_tier(integration_id):
    form = TrustTierForm()
    return _act(
        integration_id, form, "tier_form", staff.set_trust_tier, form.tier.data, done="Trust tier updated."
    )


@bp.post("/integrations/<integration_id>/takedown")
def take_down(integration_id):
    form = TakedownForm()
    return _act(
        integration_id,
        form,
        "takedown_form",
        lambda actor, row, note: staff.take_down(actor, row, note, form.policy.data),
        done="Listing taken down; it is private now.",
    )


@bp.post("/integrations/<integration_id>/takedown/lift")
def lift_takedown(integration_id):
    return _act(
        integration_id,
        LiftForm(prefix="lift"),
        "lift_form",
        staff.lift_takedown,
        done="Takedown lifted. The publisher may change visibility again.",
    )


@bp.get("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    form.validate()
    filters = staff.AuditFilters(
        actor=(form.actor.data or "").strip(),
        action=(form.action.data or "").strip(),
        object=(form.object.data or "").strip(),
        workspace=(form.workspace.data or "").strip(),
        date_from=None if form.date_from.errors else form.date_from.data,
        date_to=None if form.date_to.errors else form.date_to.data,
    )
    page = params.page_number(request.args)
    events, has_next = staff.audit_events(current_user, filters, page=page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html", form=form, events=events, page=page, has_next=has_next, args=args
    )
