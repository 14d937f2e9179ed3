from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ...extensions import limiter
from ...services import accounts
from ..urls import safe_next
from . import bp
from .forms import LoginForm, RegisterForm


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("dashboard.index"))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash("Welcome back.", "success")
            return redirect(safe_next(form.next.data) or url_for("dashboard.index"))
        form.password.errors.append("That email and password do not match an account.")
    form.password.data = ""
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("catalog.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        user = accounts.register_user(form.email.data, form.password.data, form.display_name.data)
        login_user(user)
        flash("Your account is ready. Create a workspace to publish or install integrations.", "success")
        return redirect(url_for("workspaces.new"))
    status = 422 if form.errors else 200
    return render_template("accounts/register.html", form=form), status
