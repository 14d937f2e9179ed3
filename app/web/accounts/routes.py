from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ...database import reads_only
from ...extensions import limiter
from ...services import accounts
from ...services.errors import ServiceError
from ..forms import apply_service_error
from ..urls import safe_next
from . import bp
from .forms import LoginForm, RegisterForm

BAD_LOGIN = "That email and password do not match an account."


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@limiter.request_filter
def _limits_switched_off() -> bool:
    # One Limiter object serves every app built in this process (the test suite builds several,
    # and the last init_app wins its `enabled` flag), so each app's own setting decides here.
    return not current_app.config.get("RATELIMIT_ENABLED", True)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@reads_only
def login():
    form = LoginForm(next=request.args.get("next"))
    target = safe_next(form.next.data)
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("dashboard.index"))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash("Welcome back.", "success")
            return redirect(target or url_for("dashboard.index"))
        form.form_errors.append(BAD_LOGIN)
    # Never echo an unsafe target back into the page.
    form.next.data = target
    return render_template("accounts/login.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("catalog.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_user(form.email.data, form.password.data, form.display_name.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            login_user(user)
            flash("Your account is ready. Create a workspace to publish or install integrations.", "success")
            return redirect(url_for("workspaces.new"))
    return render_template(
        "accounts/register.html", form=form
    ), 422 if form.errors or form.form_errors else 200
