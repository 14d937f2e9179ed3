from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ...database import reads_only
from ...extensions import limiter
from ...services import accounts
from ...services.errors import ServiceError
from ..forms import apply_service_error
from ..limits import by_address, configured
from ..urls import safe_next
from . import bp
from .forms import LoginForm, RegisterForm

BAD_LOGIN = "That email and password do not match an account."
CHECK_INBOX = "We sent a message to {email}. Open the link in it to finish signing up."


def start_session(user, *, remember: bool = False) -> None:
    """Sign `user` in on a fresh session: nothing of the pre-login session survives (its CSRF
    token included), so a session fixed or read before login is worth nothing after."""
    session.clear()
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured("LOGIN_RATE_LIMIT"), key_func=by_address, methods=["POST"])
@reads_only
def login():
    form = LoginForm(next=request.args.get("next"))
    target = safe_next(form.next.data)
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("dashboard.index"))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            flash("Welcome back.", "success")
            return redirect(target or url_for("dashboard.index"))
        form.form_errors.append(BAD_LOGIN)
    # Never echo an unsafe target back into the page.
    form.next.data = target
    return render_template("accounts/login.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.post("/logout")
def logout():
    # Ends the session on the server, not only in this browser: a copy of this session's cookie or
    # of its remember-me cookie is refused from now on (and so is every other session of the account).
    if current_user.is_authenticated:
        accounts.end_all_sessions(current_user._get_current_object(), reason="logout")
    session.clear()
    logout_user()  # after the clear: it leaves the note that deletes the remember-me cookie
    flash("You are logged out.", "info")
    return redirect(url_for("catalog.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(configured("REGISTER_RATE_LIMIT"), key_func=by_address, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            # The same answer whether or not the address has an account: only its mailbox learns which.
            accounts.sign_up(form.email.data, form.password.data, form.display_name.data)
        except ServiceError as error:
            if error.status >= 500:
                raise
            apply_service_error(form, error)
        else:
            flash(CHECK_INBOX.format(email=form.email.data.strip().lower()), "success")
            return redirect(url_for("accounts.check_email"))
    return render_template(
        "accounts/register.html", form=form
    ), 422 if form.errors or form.form_errors else 200


@bp.get("/check-email")
def check_email():
    return render_template("accounts/check_email.html")
