"""A publisher workspace's webhooks (/dashboard/webhooks/<ws>): endpoints, the secret shown once
(after creation and after "Rotate secret"), events, enable/disable, delete, a delivery log with
Redeliver, and a test event. Owners and admins of the workspace only: anyone else gets a 404.
Load → check → act; every change is a POST with CSRF and one audit event (services/webhooks)."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ...domain import webhooks as rules
from ...services.errors import ServiceError
from ...services.webhooks import endpoints
from ...services.webhooks import schedule as webhook_schedule
from ...services.workspaces import user_workspaces
from ..forms import ButtonForm, apply_service_error, flash_service_error
from . import bp

EVENT_CHOICES = [SelectChoice(name, name) for name in rules.EVENTS]


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:  # the service says what is wrong, beside the field
        pass


class EndpointForm(FlaskForm):
    url = StringField("Endpoint URL", render_kw={"maxlength": rules.URL_MAX, "inputmode": "url"})
    events = _Checkboxes("Events to send", choices=EVENT_CHOICES)


class EventsForm(FlaskForm):
    events = _Checkboxes("Events to send", choices=EVENT_CHOICES)


@bp.context_processor
def _webhook_notices():
    """Endpoints disabled for repeated failure, for the notice on the dashboard home and here."""
    return {"failing_webhooks": lambda: endpoints.failing_endpoints(current_user)}


def _workspace(ws: str):
    return endpoints.workspace_for_admin(current_user, ws)


@bp.get("/webhooks")
def webhooks_index():
    managed = user_workspaces(current_user, manage=True)
    counts = {ws.id: len(endpoints.endpoints_of(ws)) for ws, _ in managed}
    return render_template("dashboard/webhooks/index.html", workspaces=managed, counts=counts)


def _render_workspace(workspace, form=None, status=200):
    return render_template(
        "dashboard/webhooks/workspace.html",
        workspace=workspace,
        endpoints=endpoints.endpoints_of(workspace),
        form=form or EndpointForm(formdata=None),
        events=rules.EVENTS,
    ), status


@bp.get("/webhooks/<ws>")
def webhooks(ws):
    return _render_workspace(_workspace(ws))


@bp.post("/webhooks/<ws>")
def add_webhook(ws):
    workspace = _workspace(ws)
    form = EndpointForm()
    if not form.validate_on_submit():
        return _render_workspace(workspace, form, 422)
    try:
        endpoint, secret = endpoints.create(current_user, workspace, form.url.data, form.events.data)
    except ServiceError as error:
        apply_service_error(form, error)
        return _render_workspace(workspace, form, error.status)
    return _secret_page(workspace, endpoint, secret, created=True)


def _secret_page(workspace, endpoint, secret: str, *, created: bool):
    """The one time the secret is shown: answered to the POST itself (never kept in the session,
    never in a URL), and not cached."""
    body = render_template(
        "dashboard/webhooks/secret.html",
        workspace=workspace,
        endpoint=endpoint,
        secret=secret,
        created=created,
    )
    response = make_response(body, 200)
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_endpoint(workspace, endpoint, events_form=None, status=200):
    return render_template(
        "dashboard/webhooks/endpoint.html",
        workspace=workspace,
        endpoint=endpoint,
        deliveries=endpoints.deliveries_of(endpoint),
        events_form=events_form or EventsForm(formdata=None, events=list(endpoint.events or [])),
        events=rules.EVENTS,
        error_message=rules.error_message,
        schedule_size=len(webhook_schedule()),
        log_size=endpoints.LOG_SIZE,
    ), status


@bp.get("/webhooks/<ws>/<endpoint_id>")
def webhook(ws, endpoint_id):
    workspace = _workspace(ws)
    return _render_endpoint(workspace, endpoints.endpoint_in(workspace, endpoint_id))


@bp.post("/webhooks/<ws>/<endpoint_id>/events")
def webhook_events(ws, endpoint_id):
    workspace = _workspace(ws)
    endpoint = endpoints.endpoint_in(workspace, endpoint_id, lock=True)
    form = EventsForm()
    if not form.validate_on_submit():
        return _render_endpoint(workspace, endpoint, form, 422)
    try:
        endpoints.update_events(current_user, endpoint, form.events.data)
    except ServiceError as error:
        apply_service_error(form, error)
        return _render_endpoint(workspace, endpoint, form, error.status)
    flash("Events saved.", "success")
    return redirect(url_for("dashboard.webhook", ws=workspace.slug, endpoint_id=endpoint.id))


def _button(ws: str, endpoint_id: str):
    workspace = _workspace(ws)
    endpoint = endpoints.endpoint_in(workspace, endpoint_id, lock=True)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return workspace, endpoint


@bp.post("/webhooks/<ws>/<endpoint_id>/rotate")
def rotate_webhook_secret(ws, endpoint_id):
    workspace, endpoint = _button(ws, endpoint_id)
    secret = endpoints.rotate_secret(current_user, endpoint)
    return _secret_page(workspace, endpoint, secret, created=False)


@bp.post("/webhooks/<ws>/<endpoint_id>/enable")
def enable_webhook(ws, endpoint_id):
    workspace, endpoint = _button(ws, endpoint_id)
    endpoints.set_enabled(current_user, endpoint, True)
    flash(f"Enabled: {endpoint.url} receives events again.", "success")
    home = request.form.get("next_page") == "home"  # the notice on the dashboard home
    return redirect(url_for("dashboard.index") if home else _detail(endpoint))


@bp.post("/webhooks/<ws>/<endpoint_id>/disable")
def disable_webhook(ws, endpoint_id):
    _, endpoint = _button(ws, endpoint_id)
    endpoints.set_enabled(current_user, endpoint, False)
    flash(f"Disabled: {endpoint.url} receives nothing until you enable it.", "success")
    return redirect(_detail(endpoint))


@bp.post("/webhooks/<ws>/<endpoint_id>/delete")
def delete_webhook(ws, endpoint_id):
    workspace, endpoint = _button(ws, endpoint_id)
    url = endpoint.url
    endpoints.delete(current_user, endpoint)
    flash(f"Deleted the endpoint {url} and its delivery log.", "success")
    return redirect(url_for("dashboard.webhooks", ws=workspace.slug))


@bp.post("/webhooks/<ws>/<endpoint_id>/test")
def test_webhook(ws, endpoint_id):
    workspace, endpoint = _button(ws, endpoint_id)
    try:
        endpoints.send_test(current_user, endpoint)
    except ServiceError as error:
        flash_service_error(error)
        return _render_endpoint(workspace, endpoint, status=error.status)
    flash("Test event queued: it appears in the delivery log below once sent.", "success")
    return redirect(_detail(endpoint))


@bp.post("/webhooks/<ws>/<endpoint_id>/deliveries/<delivery_id>/redeliver")
def redeliver_webhook(ws, endpoint_id, delivery_id):
    workspace, endpoint = _button(ws, endpoint_id)
    try:
        endpoints.redeliver(current_user, endpoint, delivery_id)
    except ServiceError as error:
        flash_service_error(error)
        return _render_endpoint(workspace, endpoint, status=error.status)
    flash("Redelivery queued: a fresh attempt appears at the top of the log.", "success")
    return redirect(_detail(endpoint))


def _detail(endpoint) -> str:
    return url_for("dashboard.webhook", ws=endpoint.workspace.slug, endpoint_id=endpoint.id)
