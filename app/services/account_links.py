"""One-time links mailed to a person: random tokens, stored only as SHA-256 hashes, expiring,
spent by their first use. Used for address verification, password reset (AccountLink) and, with
the same helpers, workspace invitations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from ..extensions import db
from ..models import AccountLink, User
from ..models.base import utcnow
from .errors import LinkInvalid

LIFETIMES = {
    "verify_email": timedelta(hours=48),
    "reset_password": timedelta(hours=1),
    "invitation": timedelta(days=7),
}
TOKEN_MAX = 100

LINK_UNKNOWN = "This link is not valid. Check that you copied all of it from the e-mail."
LINK_USED = "This link has already been used."
LINK_EXPIRED = "This link has expired."


def new_token() -> tuple[str, str]:
    """(raw token for the e-mail, its hash for the database)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user: User, purpose: str) -> str:
    """A new link for `user`; earlier unused links of the same purpose stop working (only the
    newest e-mail's link counts). Returns the raw token, which is never stored."""
    now = utcnow()
    db.session.execute(
        db.update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.purpose == purpose, AccountLink.used_at.is_(None))
        .values(used_at=now)
    )
    raw, token_hash = new_token()
    db.session.add(
        AccountLink(
            user_id=user.id,
            purpose=purpose,
            email=user.email,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    db.session.flush()
    return raw


def find(raw: str | None, purpose: str, *, lock: bool = False) -> AccountLink:
    """The live link for a raw token, or LinkInvalid saying why (unknown, used, expired)."""
    if not raw or len(raw) > TOKEN_MAX:
        raise LinkInvalid(LINK_UNKNOWN)
    query = db.select(AccountLink).where(
        AccountLink.token_hash == hash_token(raw), AccountLink.purpose == purpose
    )
    if lock:
        query = query.with_for_update()
    row = db.session.scalar(query)
    if row is None or row.email != row.user.email or not row.user.is_active:
        raise LinkInvalid(LINK_UNKNOWN)
    if row.used_at is not None:
        raise LinkInvalid(LINK_USED)
    if row.expires_at <= utcnow():
        raise LinkInvalid(LINK_EXPIRED)
    return row


def spend(raw: str | None, purpose: str) -> AccountLink:
    """Find and use up a link in one step (locked, so two clicks cannot both spend it)."""
    row = find(raw, purpose, lock=True)
    row.used_at = utcnow()
    db.session.flush()
    return row
