"""Staff actions: trust tiers, takedowns, and the whole audit log. Callers check is_staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_

from ..extensions import db
from ..models import AuditEvent, Integration, User, Workspace
from ..models.integration import TRUST_TIERS
from . import takedowns
from .errors import Conflict, NotFound, ValidationFailed
from .integrations import change

NOTE_MAX = 2_000


def _require_staff(actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise NotFound("No such page.")


def _note(note: str | None) -> str:
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise ValidationFailed(
            f"Write a note (up to {NOTE_MAX} characters): it is kept in the audit log.", field="note"
        )
    return note


def integration(actor, integration_id: str) -> Integration:
    _require_staff(actor)
    row = db.session.get(Integration, str(integration_id)[:64])
    if row is None:
        raise NotFound("No such integration.")
    return row


def integration_events(actor, row: Integration, *, limit: int = 50) -> list[AuditEvent]:
    """The latest audit events about one integration, newest first, with their actors."""
    _require_staff(actor)
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.object_id == row.id)
            .options(db.joinedload(AuditEvent.actor))
            .order_by(AuditEvent.created_at.desc())
            .limit(limit)
        )
    )


def set_trust_tier(actor, row: Integration, tier: str, note: str | None) -> Integration:
    _require_staff(actor)
    if tier not in TRUST_TIERS:
        raise ValidationFailed("Choose a trust tier.", field="tier")
    note = _note(note)
    if row.trust_tier == tier:
        raise Conflict(f"The trust tier is already {tier.replace('_', ' ')}.", field="tier")
    return change(actor, row, "integration.trust_tier_set", {"trust_tier": tier}, note=note)


def take_down(actor, row: Integration, note: str | None, policy: str | None = "other") -> Integration:
    """Force the listing private under a policy (the marketplace terms unless named), with a note the
    publisher sees on the dashboard (and, when it was public, everyone at its URL: a 410 notice).
    See services/takedowns.py."""
    _require_staff(actor)
    takedowns.take_down(actor, row, policy, note)
    return row


def lift_takedown(actor, row: Integration, note: str | None) -> Integration:
    _require_staff(actor)
    return takedowns.lift(actor, row, note)


def search_integrations(actor, q: str | None, *, limit: int = 100) -> list[Integration]:
    _require_staff(actor)
    query = db.select(Integration).order_by(Integration.updated_at.desc()).limit(limit)
    q = (q or "").strip()[:100]
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                db.func.lower(Integration.name).like(like),
                Integration.slug.like(like),
                Integration.publisher.like(like),
                Integration.id == q,
            )
        )
    return list(db.session.scalars(query))


@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    object: str = ""
    workspace: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_events(
    actor, filters: AuditFilters, *, page: int = 1, per_page: int = 50
) -> tuple[list[AuditEvent], bool]:
    """Events matching every filter given, newest first: (events, has_more)."""
    _require_staff(actor)
    query = db.select(AuditEvent).options(db.joinedload(AuditEvent.actor))
    if filters.actor:
        query = query.join(User, User.id == AuditEvent.actor_id).where(
            User.email.like(f"%{filters.actor.lower()}%")
        )
    if filters.action:
        query = query.where(AuditEvent.action.like(f"{filters.action}%"))
    if filters.object:
        query = query.where(
            or_(
                AuditEvent.object_id == filters.object,
                AuditEvent.object_type == filters.object,
                AuditEvent.object_label.like(f"%{filters.object}%"),
            )
        )
    if filters.workspace:
        query = query.join(Workspace, Workspace.id == AuditEvent.workspace_id).where(
            Workspace.slug == filters.workspace
        )
    if filters.date_from:
        query = query.where(AuditEvent.created_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to, time.min, UTC) + timedelta(days=1)
        query = query.where(AuditEvent.created_at < end)
    query = (
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    rows = list(db.session.scalars(query))
    return rows[:per_page], len(rows) > per_page
