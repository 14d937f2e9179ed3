"""The pages mailed links open: confirm an address, reset a password (and ask for a reset), resend
the confirmation. Opening a link only shows a page; the change is the POST of its button, so a mail
scanner that fetches links spends nothing. A used or expired link answers a clear page (410)."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from ...extensions import limiter
from ...services import password_reset, verification
from ...services.errors import LinkInvalid, ServiceError
from ..forms import ButtonForm, apply_service_error
from ..limits import by_address, by_user, configured
from . import bp
from .forms import ForgotPasswordForm, ResetPasswordForm

RESET_SENT = "If an account uses {email}, we sent it a link to choose a new password. It works for one hour."


def link_invalid(error: LinkInvalid):
    return render_template("accounts/link_invalid.html", message=error.message), error.status


@bp.get("/verify-email/<token>")
def verify_email(token):
    try:
        user = verification.check(token)
    except LinkInvalid as error:
        return link_invalid(error)
    return render_template("accounts/verify_email.html", email=user.email, form=ButtonForm())


@bp.post("/verify-email/<token>")
def confirm_email(token):
    try:
        user = verification.verify(token)
    except LinkInvalid as error:
        return link_invalid(error)
    flash(f"{user.email} is confirmed.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("accounts.login"))


@bp.post("/verify-email/resend")
@login_required
@limiter.limit(configured("VERIFY_RESEND_RATE_LIMIT"), key_func=by_user)
def resend_verification():
    if verification.resend(current_user._get_current_object()):
        flash(f"We sent a new link to {current_user.email}. Earlier links no longer work.", "success")
    else:
        flash(verification.ALREADY_VERIFIED, "info")
    return redirect(url_for("dashboard.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(configured("PASSWORD_RESET_RATE_LIMIT"), key_func=by_address, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.request_reset(form.email.data)
        except ServiceError as error:
            if error.status >= 500:
                raise
            apply_service_error(form, error)
        else:
            # The same answer whether or not the address has an account.
            flash(RESET_SENT.format(email=form.email.data.strip().lower()), "success")
            return redirect(url_for("accounts.check_email"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    form = ResetPasswordForm()
    try:
        user = password_reset.check(token)
        if form.validate_on_submit():
            password_reset.reset_password(token, form.password.data)
            session.clear()
            logout_user()
            flash("Your password is changed, and you are signed out everywhere. Log in with it.", "success")
            return redirect(url_for("accounts.login"))
    except LinkInvalid as error:
        return link_invalid(error)
    except ServiceError as error:
        if error.status >= 500:
            raise
        apply_service_error(form, error)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/reset_password.html", form=form, email=user.email), status
