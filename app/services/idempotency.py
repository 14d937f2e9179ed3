"""Idempotency-Key on the write API: the first answer given to a key is kept for 24 hours and
given back to a retry of the same request, so a CI publisher that lost an answer (a cut
connection, a timeout) retries without writing twice. The same key on a different request is
refused. The key is claimed in the transaction of the write itself: a write that commits always
has its stored answer, and a write that rolls back leaves the key free."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import IdempotencyKey
from ..models.base import utcnow
from .errors import Conflict, ServiceError

KEEP = timedelta(hours=24)


class KeyReused(ServiceError):
    code = "idempotency_key_reused"
    status = 422


class KeyInFlight(Conflict):
    code = "idempotency_key_in_flight"


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path with its query, and the exact body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _stored(workspace_id: str, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.workspace_id == workspace_id, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )


def claim(workspace_id: str, key: str, request_fingerprint: str) -> IdempotencyKey:
    """The key's record: a new one (status_code None: run the request, then `record_answer`), or
    the stored answer of an earlier identical request to give back. Raises KeyReused when the key
    came with a different request, KeyInFlight when its first request has not finished."""
    existing = _stored(workspace_id, key)
    if existing is not None and existing.created_at <= utcnow() - KEEP:
        db.session.delete(existing)  # expired: the key is free again
        db.session.flush()
        existing = None
    if existing is None:
        record = IdempotencyKey(workspace_id=workspace_id, key=key, fingerprint=request_fingerprint)
        try:
            with db.session.begin_nested():
                db.session.add(record)
            return record
        except IntegrityError:
            # The same key's first request committed while this one waited on its row lock.
            existing = _stored(workspace_id, key)
            if existing is None:
                raise KeyInFlight(
                    "A request with this Idempotency-Key is still being processed; retry shortly."
                ) from None
    if existing.fingerprint != request_fingerprint:
        raise KeyReused(
            "This Idempotency-Key was already used for a different request.",
            details=[{"path": "$", "message": "Send a new key for a new request."}],
        )
    if existing.status_code is None:
        raise KeyInFlight("A request with this Idempotency-Key is still being processed; retry shortly.")
    return existing


def record_answer(record: IdempotencyKey, status_code: int, body: str) -> None:
    record.status_code = status_code
    record.response_body = body
    db.session.flush()


def purge_expired(now: datetime | None = None) -> int:
    """Erase the answers older than 24 hours (`flask purge`); returns how many."""
    cutoff = (now or utcnow()) - KEEP
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= cutoff))
    return result.rowcount or 0
