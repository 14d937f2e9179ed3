"""API tokens: workspace-scoped bearer tokens, stored as SHA-256 hashes only."""
from __future__ import annotations

import hashlib
import secrets

from ..extensions import db
from ..models import ApiToken
from ..models.base import utcnow

TOKEN_PREFIX = "mkp_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def resolve_token(raw: str | None) -> ApiToken | None:
    """The live token for a raw bearer value, or None (unknown, revoked or expired)."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    if not token.user.is_active:
        return None
    return token
