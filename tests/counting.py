"""Row counts, to prove that a refused request changed nothing."""

from __future__ import annotations

from app.extensions import db
from app.models import (
    AccountLink,
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    OutboxMessage,
    User,
    Workspace,
)

COUNTED = {
    "users": User,
    "workspaces": Workspace,
    "memberships": Membership,
    "audit_events": AuditEvent,
    "invitations": Invitation,
    "account_links": AccountLink,
    "outbox_messages": OutboxMessage,
    "api_tokens": ApiToken,
}


def row_count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def row_counts() -> dict[str, int]:
    return {name: row_count(model) for name, model in COUNTED.items()}
