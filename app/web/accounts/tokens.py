"""/settings/tokens: workspace-scoped API tokens. A new token is shown once, in the response to
the POST that made it (never stored in clear, never shown again), then listed by its prefix."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ...services import tokens as service
from ...services.errors import ServiceError
from ...services.workspaces import user_workspaces
from ..forms import ButtonForm, apply_service_error
from . import bp

EXPIRY_CHOICES = [
    SelectChoice("30", "30 days"),
    SelectChoice("90", "90 days"),
    SelectChoice("365", "1 year"),
    SelectChoice("", "Never"),
]


class TokenForm(FlaskForm):
    workspace = SelectField("Workspace", description="The token acts for this workspace only.")
    name = StringField(
        "Name",
        validators=[DataRequired("Name the token, e.g. “CI publish”."), Length(max=service.TOKEN_NAME_MAX)],
    )
    expires = SelectField("Expires after", choices=EXPIRY_CHOICES, default="90")


def _form() -> TokenForm:
    form = TokenForm()
    form.workspace.choices = [
        SelectChoice(ws.id, ws.name) for ws, _ in user_workspaces(current_user, manage=True)
    ]
    return form


def _render(form: TokenForm, status: int = 200, raw: str | None = None):
    response = render_template(
        "settings/tokens.html",
        form=form,
        tokens=service.manageable_tokens(current_user),
        raw_token=raw,
        buttons=ButtonForm(),
    )
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/settings/tokens")
@login_required
def tokens():
    return _render(_form())


@bp.post("/settings/tokens")
@login_required
def create_token():
    form = _form()
    if form.validate_on_submit():
        try:
            token, raw = service.create_token(
                current_user,
                form.workspace.data,
                form.name.data,
                int(form.expires.data) if form.expires.data else None,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(f"Token “{token.name}” created. Copy it now: it will not be shown again.", "success")
            return _render(TokenForm(formdata=None), 200, raw)
    if not form.workspace.choices:
        form.form_errors.append("Only owners and admins of a workspace can create its API tokens.")
    return _render(form, 422)


@bp.post("/settings/tokens/<token_id>/revoke")
@login_required
def revoke_token(token_id):
    if not ButtonForm().validate_on_submit():
        return _render(_form(), 400)
    token = service.revoke_token(current_user, token_id)
    flash(f"Token “{token.name}” revoked.", "success")
    return redirect(url_for("accounts.tokens"))
