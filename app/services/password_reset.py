"""Password reset by e-mail. Asking answers the same whether or not the address has an account;
the address gets a mail either way (a link, or word that no account uses it), so neither the
answer nor its timing tells an outsider which addresses are registered."""

from __future__ import annotations

from ..extensions import db
from ..models import User, normalise_email
from ..models.base import utcnow
from . import account_links, accounts, audit, mail
from .errors import ValidationFailed


def request_reset(email: str) -> None:
    address = accounts.check_email(email)
    user = db.session.scalar(db.select(User).where(User.email == normalise_email(address)))
    if user is None or not user.is_active:
        mail.send(
            address,
            "Password reset requested",
            "reset_unknown",
            register_url=mail.link("accounts.register"),
        )
        return
    raw = account_links.issue(user, "reset_password")
    audit.record(None, "user.password_reset_requested", user, object_label=user.email)
    mail.send(
        user.email,
        "Reset your password",
        "reset_password",
        user=user,
        url=mail.link("accounts.reset_password", token=raw),
        minutes=int(account_links.LIFETIMES["reset_password"].total_seconds() // 60),
    )


def check(raw: str | None) -> User:
    """Whose reset link this is, without spending it (the page with the new-password form)."""
    return account_links.find(raw, "reset_password").user


def reset_password(raw: str | None, password: str) -> User:
    if not (accounts.PASSWORD_MIN <= len(password or "") <= accounts.PASSWORD_MAX):
        raise ValidationFailed(accounts.PASSWORD_LENGTH, field="password")
    link = account_links.spend(raw, "reset_password")
    user = link.user
    user.set_password(password)
    # The link reached the mailbox and came back: the address is proven.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    # Whoever knew the old password is signed out on every device (the session generation moves).
    accounts.end_all_sessions(user, reason="password_reset")
    audit.record(user, "user.password_reset", user, object_label=user.email, after={"password": "changed"})
    return user
