"""Accounts: sign-up and authentication. Sign-up answers the same whether or not the address
already has an account; the address's owner gets the mail that says which it was."""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import insert_unique
from ..extensions import db
from ..models import User, normalise_email
from ..models.account import EMAIL_MAX, NAME_MAX
from ..models.base import utcnow
from . import audit, mail, verification
from .errors import Conflict, ValidationFailed

PASSWORD_MIN = 8
PASSWORD_MAX = 128

EMAIL_REQUIRED = "Enter your email address."
EMAIL_INVALID = "Enter a valid email address, like name@example.com."
EMAIL_TOO_LONG = f"Use at most {EMAIL_MAX} characters for the email address."
EMAIL_TAKEN = "An account with this email already exists. Log in instead?"
PASSWORD_LENGTH = f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters."
NAME_TOO_LONG = f"Use at most {NAME_MAX} characters."


def check_email(email: str | None) -> str:
    """The normalised address, or ValidationFailed: syntax only (no DNS); `.test` addresses are allowed."""
    email = normalise_email(email or "")
    if not email:
        raise ValidationFailed(EMAIL_REQUIRED, field="email")
    if len(email) > EMAIL_MAX:
        raise ValidationFailed(EMAIL_TOO_LONG, field="email")
    try:
        validate_email(email, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise ValidationFailed(EMAIL_INVALID, field="email") from None
    return email


def email_taken(email: str) -> bool:
    return db.session.scalar(db.select(User.id).where(User.email == normalise_email(email))) is not None


def register_user(
    email: str,
    password: str,
    display_name: str | None = None,
    *,
    is_staff: bool = False,
    verified: bool = False,
) -> User:
    """Create an account, or Conflict when the address has one. `verified` is for accounts an
    operator creates (`flask create-user`); people signing up verify by the mailed link."""
    email = check_email(email)
    display_name = (display_name or "").strip() or None
    if not (PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX):
        raise ValidationFailed(PASSWORD_LENGTH, field="password")
    if display_name and len(display_name) > NAME_MAX:
        raise ValidationFailed(NAME_TOO_LONG, field="display_name")
    user = User(
        email=email,
        display_name=display_name,
        is_staff=is_staff,
        email_verified_at=utcnow() if verified else None,
    )
    # Hash before the first query: on SQLite the write lock is held from that query to the commit.
    user.set_password(password)
    if email_taken(email):
        raise Conflict(EMAIL_TAKEN, field="email")
    insert_unique(user, Conflict(EMAIL_TAKEN, field="email"))
    audit.record(
        user, "user.registered", user, object_label=email, after={"email": email, "is_staff": is_staff}
    )
    return user


def sign_up(email: str, password: str, display_name: str | None = None) -> User | None:
    """Sign-up from the web: the new, unverified account (its verification link mailed), or None when
    the address already has an account (its owner is told by mail). The caller answers both alike."""
    try:
        user = register_user(email, password, display_name)
    except Conflict as error:
        if error.message != EMAIL_TAKEN:
            raise
        address = check_email(email)
        mail.send(
            address,
            "Someone tried to sign up with your address",
            "signup_taken",
            reset_url=mail.link("accounts.forgot_password"),
            login_url=mail.link("accounts.login"),
        )
        return None
    verification.send_link(user)
    return user


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return generate_password_hash("decoy-password-never-matches")


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.email == normalise_email(email or "")))
    if user is None:
        # Spend the same time as for a real account, so response times do not reveal which emails exist.
        check_password_hash(_decoy_hash(), password or "")
        return None
    if not user.check_password(password or "") or not user.is_active:
        return None
    return user


# --- sessions and passwords -------------------------------------------------------------------

PASSWORD_WRONG = "That is not your current password."
PASSWORD_UNCHANGED = "Choose a password different from the current one."


def _bump_session_generation(user: User) -> None:
    # Every session and remember-me cookie names the generation it was issued under (User.get_id);
    # the user loader refuses any other, so this one write ends them all, in every process.
    user.session_generation = (user.session_generation or 0) + 1
    db.session.flush()


def end_all_sessions(user: User, *, reason: str = "signed_out_everywhere") -> User:
    """End every session of `user` on every device: session cookies, copies of them, and
    remember-me cookies. Called by logout ("logout"), "sign out everywhere" and password reset."""
    before = user.session_generation or 0
    _bump_session_generation(user)
    audit.record(
        user,
        "user.sessions_ended",
        user,
        object_label=user.email,
        before={"session_generation": before},
        after={"session_generation": user.session_generation, "reason": reason},
    )
    return user


def change_password(user: User, current: str, new: str) -> User:
    """Set a new password after checking the current one; every other session ends with it.
    The caller signs the current session in again under the new generation."""
    if not user.check_password(current or ""):
        raise ValidationFailed(PASSWORD_WRONG, field="current_password")
    if not (PASSWORD_MIN <= len(new or "") <= PASSWORD_MAX):
        raise ValidationFailed(PASSWORD_LENGTH, field="new_password")
    if user.check_password(new):
        raise ValidationFailed(PASSWORD_UNCHANGED, field="new_password")
    user.set_password(new)
    _bump_session_generation(user)
    audit.record(
        user,
        "user.password_changed",
        user,
        object_label=user.email,
        after={"session_generation": user.session_generation},
    )
    return user
