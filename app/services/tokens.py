"""API tokens: workspace-scoped bearer tokens, stored as SHA-256 hashes only."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_

from ..extensions import db
from ..models import ApiToken, Membership
from ..models.base import utcnow
from ..models.workspace import MANAGER_ROLES
from . import audit
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .workspaces import membership_of

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


# A token's last use is written at most once per this interval, so an API client does not turn
# every call into a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def last_use_stale(token: ApiToken, now=None) -> bool:
    now = now or utcnow()
    return token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION


def record_use(token_id: str, now=None) -> None:
    """Note that a token was used now, unless a use within LAST_USE_RESOLUTION is already noted
    (the condition sits in the UPDATE, so processes racing on one token write it once). Not audited:
    a use changes nothing a person did."""
    now = now or utcnow()
    db.session.execute(
        db.update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USE_RESOLUTION),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


# --- creating and revoking (publisher dashboard) ----------------------------------------------

TOKEN_NAME_MAX = 100
MAX_EXPIRY_DAYS = 366


def create_token(actor, workspace_id: str, name: str, expires_in_days: int | None) -> tuple[ApiToken, str]:
    """A new workspace-scoped token: (row, raw value). The raw value is shown once and never stored."""
    membership = membership_of(actor, workspace_id)
    if membership is None:
        raise NotFound("No such workspace.")
    if membership.role not in MANAGER_ROLES:
        raise PermissionDenied(
            "Only the workspace's owners and admins can create API tokens.", field="workspace"
        )
    name = (name or "").strip()
    if not name or len(name) > TOKEN_NAME_MAX:
        raise ValidationFailed(f"Name the token (up to {TOKEN_NAME_MAX} characters).", field="name")
    if expires_in_days is not None and not (1 <= expires_in_days <= MAX_EXPIRY_DAYS):
        raise ValidationFailed(
            f"Choose an expiry between 1 and {MAX_EXPIRY_DAYS} days, or none.", field="expires"
        )
    raw = generate_token()
    token = ApiToken(
        user_id=actor.id,
        workspace_id=workspace_id,
        name=name,
        token_hash=hash_token(raw),
        prefix=raw[:12],
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "api_token.created",
        token,
        object_label=f"{name} ({token.prefix}…)",
        after={"name": name, "prefix": token.prefix, "expires_at": audit.plain(token.expires_at)},
    )
    return token, raw


def manageable_tokens(actor) -> list[ApiToken]:
    """Tokens the person may see and revoke: their own, and every token of workspaces they manage."""
    managed = db.select(Membership.workspace_id).where(
        Membership.user_id == actor.id, Membership.role.in_(MANAGER_ROLES)
    )
    return list(
        db.session.scalars(
            db.select(ApiToken)
            .where(or_(ApiToken.user_id == actor.id, ApiToken.workspace_id.in_(managed)))
            .options(db.selectinload(ApiToken.workspace))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def revoke_token(actor, token_id: str) -> ApiToken:
    token = next((t for t in manageable_tokens(actor) if t.id == token_id), None)
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is not None:
        raise Conflict("This token is already revoked.")
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "api_token.revoked",
        token,
        object_label=f"{token.name} ({token.prefix}…)",
        before={"revoked_at": None},
        after={"revoked_at": audit.plain(token.revoked_at)},
    )
    return token
