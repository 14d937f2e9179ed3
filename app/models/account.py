"""Users, the one-time links mailed to them (address verification, password reset), and their API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import TimestampMixin, UTCDateTime, id_column, utcnow

EMAIL_MAX = 254
NAME_MAX = 100


def normalise_email(email: str) -> str:
    # Emails are unique case-insensitively: we store them lower-cased.
    return email.strip().lower()


def session_id(user_id: str, generation: int) -> str:
    return f"{user_id}:{generation}"


def parse_session_id(value: str) -> tuple[str, int] | None:
    """(user id, generation) from a session's or remember-me cookie's user id; None if malformed.
    A bare id (a cookie from before generations existed) is malformed: it logs nobody in."""
    user_id, sep, generation = (value or "").rpartition(":")
    if not sep or not user_id or not generation.isdigit():
        return None
    return user_id, int(generation)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True, nullable=False)
    display_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Every session and remember-me cookie names the generation it was issued under (see get_id);
    # logout, "sign out everywhere" and a password change bump it, so every older cookie is refused.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    # Set when the person opened the link mailed to `email`. Until then they may sign in, but not
    # publish or accept an invitation: an address proves nothing before its mailbox answered.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    memberships = relationship("Membership", back_populates="user", cascade="all, delete-orphan")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:  # Flask-Login: stored in the session and the remember-me cookie
        return session_id(self.id, self.session_generation or 0)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def label(self) -> str:
        return self.display_name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(db.Model):
    """A workspace-scoped bearer token. Only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")
    workspace = relationship("Workspace")


LINK_PURPOSES = ("verify_email", "reset_password")


class AccountLink(db.Model):
    """A one-time link mailed to a user (verify the address, reset the password). Only the SHA-256
    hash of its token is stored; it expires, and is spent by its first use."""

    __tablename__ = "account_links"
    __table_args__ = (CheckConstraint("purpose IN ('verify_email', 'reset_password')", name="purpose"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    # The address the link was mailed to: verifying proves that address, no other.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")
