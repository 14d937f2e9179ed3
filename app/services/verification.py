"""Address verification: the link mailed at sign-up (and on request), and the rule that an
unverified account may sign in but not publish or accept an invitation."""

from __future__ import annotations

from ..models import User
from ..models.base import utcnow
from . import account_links, audit, mail
from .errors import PermissionDenied

VERIFY_TO_PUBLISH = "Verify your e-mail address before you publish: open the link we mailed you."
ALREADY_VERIFIED = "Your address is already verified."


def send_link(user: User) -> None:
    """Mail a fresh verification link (earlier ones stop working)."""
    raw = account_links.issue(user, "verify_email")
    mail.send(
        user.email,
        "Confirm your e-mail address",
        "verify_email",
        user=user,
        url=mail.link("accounts.verify_email", token=raw),
        hours=int(account_links.LIFETIMES["verify_email"].total_seconds() // 3600),
    )


def resend(user: User) -> bool:
    """Send the link again; False (and nothing sent) when the address is verified already."""
    if user.email_verified:
        return False
    send_link(user)
    audit.record(user, "user.verification_sent", user, object_label=user.email)
    return True


def check(raw: str | None) -> User:
    """Whose link this is, without spending it (the page that asks to confirm)."""
    return account_links.find(raw, "verify_email").user


def verify(raw: str | None) -> User:
    link = account_links.spend(raw, "verify_email")
    user = link.user
    if not user.email_verified:
        user.email_verified_at = utcnow()
        audit.record(
            user,
            "user.email_verified",
            user,
            object_label=user.email,
            before={"email_verified_at": None},
            after={"email_verified_at": audit.plain(user.email_verified_at)},
        )
    return user


def require_verified(actor, message: str = VERIFY_TO_PUBLISH) -> None:
    if not getattr(actor, "email_verified", False):
        raise PermissionDenied(message)
