"""Writing audit events. Every mutation records exactly one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..extensions import db
from ..models import AuditEvent

REDACTED = "[redacted]"
# Fields whose values never enter an audit row, whatever the caller passes.
SECRET_FIELDS = frozenset(
    {
        "password",
        "password_hash",
        "token",
        "token_hash",
        "secret",
        "client_secret",
        "oauth_client_secret_encrypted",
        "secret_encrypted",
        "api_key",
        "access_token",
        "refresh_token",
        "code_verifier",
    }
)


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    changed = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            if key in SECRET_FIELDS:
                old, new = (REDACTED if old is not None else None), (REDACTED if new is not None else None)
            changed[key] = {"before": old, "after": new}
    return changed


def record(
    actor,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    object_label: str | None = None,
    workspace_id: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    version: str | None = None,
    note: str | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or type(obj).__tablename__.rstrip("s")
        object_id = object_id or getattr(obj, "id", None)
        workspace_id = workspace_id or getattr(obj, "workspace_id", None)
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        workspace_id=workspace_id,
        action=action,
        object_type=object_type or "unknown",
        object_id=object_id,
        object_label=object_label,
        version=version,
        diff=diff(before or {}, after or {}),
        note=note,
    )
    db.session.add(event)
    return event


def plain(value: Any) -> Any:
    """A value as an audit diff stores it: datetimes as ISO 8601 UTC strings, the rest as is."""
    from datetime import datetime

    from ..models.base import isoformat_z

    if isinstance(value, datetime):
        return isoformat_z(value)
    return value
