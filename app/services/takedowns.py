"""Takedowns: staff take a listing down under a policy (or lift it), the public notice its URL
shows afterwards (410) when it was public, and the publisher's one re-review of each decision.

Each action takes the acting user, flushes, writes one audit event per object it changes and
raises typed errors; nothing here commits. Callers of the staff actions have checked is_staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain import reports as rules
from ..domain.visibility import Viewer
from ..extensions import db
from ..models import Integration, Takedown
from ..models.base import utcnow
from . import audit, webhooks
from .errors import Conflict, NotFound, ServiceError, ValidationFailed
from .integrations import change, for_publisher

REREVIEW_ALREADY = "You have already asked for a re-review of this decision: there is one per decision."


@dataclass(frozen=True)
class Notice:
    """What the URL of a listing taken down while public shows instead of the page (HTTP 410)."""

    name: str
    publisher: str
    slug: str
    policy: rules.Policy
    note: str
    taken_down_at: datetime


class TakenDown(ServiceError):
    """The listing was taken down while anyone could open it: its URL answers 410 with the notice."""

    code = "gone"
    status = 410

    def __init__(self, notice: Notice):
        super().__init__(
            f"{notice.name} was taken down by marketplace staff under the {notice.policy.name}: {notice.note}",
            details=[
                {
                    "policy": notice.policy.code,
                    "policyName": notice.policy.name,
                    "note": notice.note,
                    "takenDownAt": audit.plain(notice.taken_down_at),
                }
            ],
        )
        self.notice = notice


def text(value: str | None, field: str, message: str, *, low: int = 1, high: int = rules.NOTE_MAX) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationFailed(message, field=field)
    return value


def policy_code(value: str | None, field: str = "policy") -> str:
    if value not in rules.POLICIES:
        raise ValidationFailed("Choose a policy.", field=field)
    return value


# --- reading ------------------------------------------------------------------------------------


def active_for(integration: Integration) -> Takedown | None:
    """The takedown in force on this listing, if any (the newest, should history hold several)."""
    if integration.taken_down_at is None:
        return None
    return db.session.scalar(
        db.select(Takedown)
        .where(Takedown.integration_id == integration.id, Takedown.lifted_at.is_(None))
        .order_by(Takedown.taken_down_at.desc())
        .limit(1)
    )


def latest_for(integration: Integration) -> Takedown | None:
    """The newest takedown decision, lifted or not (the dashboard shows a lift after a re-review)."""
    return db.session.scalar(
        db.select(Takedown)
        .where(Takedown.integration_id == integration.id)
        .order_by(Takedown.taken_down_at.desc())
        .limit(1)
    )


def refuse_if_gone(integration: Integration) -> None:
    """Raise TakenDown when this listing's URL shows a takedown notice instead of the page."""
    if integration.taken_down_at is None:
        return
    takedown = active_for(integration)
    if takedown is not None and takedown.public_notice:
        raise TakenDown(
            Notice(
                integration.name,
                integration.publisher,
                integration.slug,
                rules.policy(takedown.policy),
                takedown.note,
                takedown.taken_down_at,
            )
        )


def active_by_integration(integration_ids) -> dict[str, Takedown]:
    """The takedown in force on each of these listings (one query), by integration id."""
    ids = sorted(set(integration_ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        db.select(Takedown)
        .where(Takedown.integration_id.in_(ids), Takedown.lifted_at.is_(None))
        .order_by(Takedown.taken_down_at)
    )
    return {row.integration_id: row for row in rows}


def pending_rereviews(actor) -> list[Takedown]:
    require_staff(actor)
    return list(
        db.session.scalars(
            db.select(Takedown)
            .where(Takedown.rereview_status == rules.PENDING)
            .options(db.joinedload(Takedown.integration), db.joinedload(Takedown.requester))
            .order_by(Takedown.rereview_requested_at)
        )
    )


def takedown_for_staff(actor, takedown_id: str) -> Takedown:
    require_staff(actor)
    row = db.session.get(Takedown, str(takedown_id)[:36])
    if row is None:
        raise NotFound("No such takedown.")
    return row


def require_staff(actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise NotFound("No such page.")


# --- staff decisions ------------------------------------------------------------------------------


def take_down(actor, integration: Integration, policy: str | None, note: str | None) -> Takedown:
    """Force the listing private under a policy, with a note the publisher sees (and, when the listing
    was public, everyone at its URL). One audit event, the listing's, naming the policy."""
    require_staff(actor)
    policy = policy_code(policy)
    note = text(note, "note", f"Tell the publisher why (up to {rules.NOTE_MAX} characters).")
    if integration.taken_down_at is not None:
        raise Conflict("This listing is already taken down.", field="note")
    now = utcnow()
    takedown = Takedown(
        integration_id=integration.id,
        policy=policy,
        note=note,
        public_notice=rules.shows_public_notice(
            integration.visibility,
            integration.current_version is not None,
            integration.deleted_at is not None,
        ),
        taken_down_by=actor.id,
        taken_down_at=now,
    )
    db.session.add(takedown)
    change(
        actor,
        integration,
        "integration.taken_down",
        {"visibility": "private", "takedown_note": note, "taken_down_at": now},
        note=f"{rules.policy(policy).name}: {note}",
    )
    db.session.flush()
    webhooks.listing_taken_down(integration, takedown)
    return takedown


def lift(actor, integration: Integration, note: str | None) -> Integration:
    """End the takedown in force; the listing stays private until its publisher changes that."""
    require_staff(actor)
    note = text(
        note, "note", f"Write a note (up to {rules.NOTE_MAX} characters): it is kept in the audit log."
    )
    if integration.taken_down_at is None:
        raise Conflict("This listing is not taken down.")
    takedown = active_for(integration)
    if takedown is not None:
        takedown.lifted_at = utcnow()
        takedown.lifted_by = actor.id
    return change(
        actor,
        integration,
        "integration.takedown_lifted",
        {"takedown_note": None, "taken_down_at": None},
        note=note,
    )


def decide_rereview(actor, takedown: Takedown, outcome: str | None, note: str | None) -> Takedown:
    """Staff answer a pending re-review: uphold the takedown, or lift it. Decided once."""
    require_staff(actor)
    if takedown.rereview_status != rules.PENDING:
        raise ValidationFailed("This re-review is not waiting for a decision.", field="outcome")
    if outcome not in rules.REREVIEW_DECISIONS:
        raise ValidationFailed("Choose: uphold the takedown, or lift it.", field="outcome")
    note = text(note, "note", f"Tell the publisher why (up to {rules.NOTE_MAX} characters).")
    if outcome == rules.LIFTED and takedown.is_active:
        lift(actor, takedown.integration, f"Re-review: {note}")
    return _rereview_step(
        actor,
        takedown,
        "takedown.rereview_decided",
        rereview_status=outcome,
        rereview_note=note,
        rereview_decided_by=actor.id,
        rereview_decided_at=utcnow(),
    )


# --- the publisher's side ---------------------------------------------------------------------------


def request_rereview(actor, viewer: Viewer, integration_id: str, message: str | None) -> Takedown:
    """The publisher (an owner or admin of the source workspace) asks staff to look at the takedown
    in force again, once per decision. Someone else's listing is NotFound."""
    integration = for_publisher(viewer, integration_id, lock=True)
    takedown = active_for(integration)
    if takedown is None:
        raise NotFound("This listing is not taken down.")
    if takedown.rereview_status is not None:
        raise ValidationFailed(REREVIEW_ALREADY, field="message")
    message = text(
        message,
        "message",
        f"Tell staff what changed or why the decision is wrong (up to {rules.NOTE_MAX} characters).",
    )
    return _rereview_step(
        actor,
        takedown,
        "takedown.rereview_requested",
        rereview_status=rules.PENDING,
        rereview_message=message,
        rereview_requested_by=actor.id,
        rereview_requested_at=utcnow(),
    )


def _rereview_step(actor, takedown: Takedown, action: str, **changes) -> Takedown:
    """Set the re-review's fields and write the one audit event (its status and text, before and after)."""
    shown = ("rereview_status", "rereview_message", "rereview_note")
    before = audit.snapshot(takedown, shown)
    for name, value in changes.items():
        setattr(takedown, name, value)
    db.session.flush()
    integration = takedown.integration
    audit.record(
        actor,
        action,
        takedown,
        object_label=f"{integration.publisher}/{integration.slug}",
        workspace_id=integration.workspace_id,
        before=before,
        after=audit.snapshot(takedown, shown),
    )
    return takedown
