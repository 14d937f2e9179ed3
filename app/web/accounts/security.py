"""/settings/account: change the password, sign out everywhere. Both end the account's other
sessions on the server (accounts.end_all_sessions / change_password bump its session generation)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from ...services import accounts
from ...services.errors import ServiceError
from ..forms import ButtonForm, apply_service_error
from . import bp
from .forms import new_password_fields


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password, confirm = new_password_fields(
        "New password", "Repeat new password", name="new_password", required="Choose a new password."
    )


def _render(form: PasswordForm | None = None, status: int = 200):
    page = render_template(
        "settings/account.html", form=form or PasswordForm(formdata=None), buttons=ButtonForm()
    )
    return page, status, {"Cache-Control": "no-store"}


def _remembered() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


@bp.get("/settings/account")
@login_required
def account():
    return _render()


@bp.post("/settings/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current_password.data, form.new_password.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            # This session goes on under the new generation; every other one has just ended.
            login_user(user, remember=_remembered())
            flash("Password changed. You are signed out everywhere else.", "success")
            return redirect(url_for("accounts.account"))
    return _render(form, 422)


@bp.post("/settings/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    if not ButtonForm().validate_on_submit():
        return _render(status=400)
    accounts.end_all_sessions(current_user._get_current_object())
    session.clear()
    logout_user()
    flash("You are signed out on every device, this one too.", "info")
    return redirect(url_for("accounts.login"))
