"""Accounts: registration and authentication."""
from __future__ import annotations

from ..extensions import db
from ..models import User, normalise_email
from . import audit
from .errors import Conflict, ValidationFailed

PASSWORD_MIN = 8
PASSWORD_MAX = 128


def email_taken(email: str) -> bool:
    return db.session.scalar(db.select(User.id).where(User.email == normalise_email(email))) is not None


def register_user(email: str, password: str, display_name: str | None = None, *, is_staff: bool = False) -> User:
    email = normalise_email(email)
    if not (PASSWORD_MIN <= len(password) <= PASSWORD_MAX):
        raise ValidationFailed(f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters.", field="password")
    if email_taken(email):
        raise Conflict("An account with this email already exists.", field="email")
    user = User(email=email, display_name=(display_name or "").strip() or None, is_staff=is_staff)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(user, "user.registered", user, object_label=email, after={"email": email, "is_staff": is_staff})
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active or not user.check_password(password):
        return None
    return user
