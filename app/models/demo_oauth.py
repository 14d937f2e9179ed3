"""Storage of the bundled demo OAuth2 authorization server (development and tests only).

Codes and tokens are kept as SHA-256 hashes: even the demo provider's tables never hold a
usable secret, so the "no secret in clear in the database" guarantee holds on a shared database.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, id_column, utcnow


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class DemoOAuthCode(db.Model):
    __tablename__ = "demo_oauth_codes"

    id: Mapped[str] = id_column()
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    client_id: Mapped[str] = mapped_column(String(100), nullable=False)
    redirect_uri: Mapped[str] = mapped_column(String(2048), nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    user_ref: Mapped[str] = mapped_column(String(254), nullable=False)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    # Authlib's AuthorizationCodeMixin
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()


class DemoOAuthToken(db.Model):
    __tablename__ = "demo_oauth_tokens"

    id: Mapped[str] = id_column()
    client_id: Mapped[str] = mapped_column(String(100), nullable=False)
    user_ref: Mapped[str] = mapped_column(String(254), nullable=False)
    token_type: Mapped[str] = mapped_column(String(20), nullable=False, default="Bearer")
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_in: Mapped[int] = mapped_column(Integer, nullable=False, default=3600)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Authlib's TokenMixin
    def check_client(self, client) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return self.issued_at + timedelta(seconds=self.expires_in) <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None
