"""Staff decisions on listings waiting for review, and the publisher's one re-review request per
rejection. Staff may not decide their own workspace's submissions. Every decision writes one audit
event on the integration (before/after of the audited fields, the reason as its note)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from ..domain import review
from ..domain.json_diff import Change, diff_documents
from ..domain.semver_range import version_key
from ..domain.visibility import Viewer
from ..extensions import db
from ..models import Integration, IntegrationVersion, ListingReview, Membership
from ..models.base import utcnow
from . import publish_checks, review_submissions, webhooks
from .errors import NotFound, PermissionDenied, ValidationFailed
from .integrations import change

REASON_MAX = 2_000
QUEUES = ("pending", "approved", "rejected")
DOCUMENTS = ("manifest", "variablesSchema", "authConfig")


def _require_staff(actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise NotFound("No such page.")


def _reason(reason: str | None, *, required: bool, field: str = "reason") -> str | None:
    reason = (reason or "").strip()
    if (required and not reason) or len(reason) > REASON_MAX:
        message = f"Give a reason (up to {REASON_MAX} characters): the publisher reads it."
        raise ValidationFailed(
            message, field=field, details=[{"field": field, "path": f"$.{field}", "message": message}]
        )
    return reason or None


def queue(actor, status: str = "pending", *, limit: int = 200) -> list[ListingReview]:
    """Reviews in one state: pending oldest first (first come, first served), decided newest first."""
    _require_staff(actor)
    if status not in QUEUES:
        raise NotFound("No such queue.")
    query = (
        db.select(ListingReview)
        .where(ListingReview.status == status)
        .options(
            db.joinedload(ListingReview.integration),
            db.joinedload(ListingReview.version),
            db.joinedload(ListingReview.submitter),
        )
        .limit(limit)
    )
    if status == "pending":
        query = query.order_by(ListingReview.submitted_at, ListingReview.id)
    else:
        query = query.order_by(ListingReview.decided_at.desc(), ListingReview.id)
    return list(db.session.scalars(query))


def get(actor, review_id: str, *, lock: bool = False) -> ListingReview:
    """One review (NotFound if there is none). With `lock`, its integration's row and then the review's
    are locked, in the order a publish takes them, so a decision and a publish never deadlock."""
    _require_staff(actor)
    query = db.select(ListingReview).where(ListingReview.id == str(review_id or "")[:36])
    row = db.session.scalar(query)
    if row is None:
        raise NotFound("No such review.")
    if lock:
        db.session.scalar(
            db.select(Integration)
            .where(Integration.id == row.integration_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        row = db.session.scalar(query.with_for_update().execution_options(populate_existing=True))
    return row


def is_own_submission(actor, row: ListingReview) -> bool:
    """The deciding staff member belongs to the submitting workspace: a conflict of interest."""
    return (
        db.session.scalar(
            db.select(Membership.id).where(
                Membership.workspace_id == row.workspace_id, Membership.user_id == actor.id
            )
        )
        is not None
    )


@dataclass
class DocumentDiff:
    document: str
    changes: list[Change]


@dataclass
class ReviewDetail:
    review: ListingReview
    current_version: str | None
    diffs: list[DocumentDiff]
    own_submission: bool
    rereview_of: ListingReview | None


def detail(actor, review_id: str) -> ReviewDetail:
    """One review with the snapshot diff against the listing's current version."""
    row = get(actor, review_id)
    current = review_submissions.current_row(row.integration)
    diffs = []
    if row.version is not None:
        before = publish_checks.previous_documents(current) or {}
        after = publish_checks.previous_documents(row.version)
        diffs = [DocumentDiff(name, diff_documents(before.get(name), after.get(name))) for name in DOCUMENTS]
    return ReviewDetail(
        row,
        current.version if current else None,
        diffs,
        is_own_submission(actor, row),
        db.session.get(ListingReview, row.rereview_of) if row.rereview_of else None,
    )


def _decidable(actor, row: ListingReview) -> None:
    _require_staff(actor)
    if row.status != review.PENDING:
        raise ValidationFailed(f"This review was already decided ({row.status}).", field="review")
    if is_own_submission(actor, row):
        raise PermissionDenied("This is your own workspace's submission: another staff member decides it.")


def _highest_live(integration_id: str) -> str | None:
    numbers = db.session.scalars(
        db.select(IntegrationVersion.version).where(
            IntegrationVersion.integration_id == integration_id,
            IntegrationVersion.yanked_at.is_(None),
            review.live_version_clause(IntegrationVersion),
        )
    ).all()
    return max(numbers, key=version_key) if numbers else None


def _decide(actor, row: ListingReview, status: str, reason: str | None) -> None:
    row.status = status
    row.decided_by = actor.id
    row.decided_at = utcnow()
    row.decision_reason = reason


def approve(actor, review_id: str, note: str | None = None) -> ListingReview:
    """The version becomes current for everyone (if it is the highest live one), or the name changes."""
    row = get(actor, review_id, lock=True)
    _decidable(actor, row)
    note = _reason(note, required=False)
    _decide(actor, row, review.APPROVED, note)
    integration = row.integration
    changes: dict = {}
    if row.kind == "rename":
        changes["name"] = row.proposed_name
    else:
        row.version.review_state = review.APPROVED
        db.session.flush()
        changes["current_version"] = _highest_live(integration.id)
        if changes["current_version"] == row.version.version:
            changes["last_published_at"] = row.version.published_at
    change(
        actor,
        integration,
        "integration.review_approved",
        changes,
        note=note or f"Approved the {row.kind}.",
        version=row.version.version if row.version else None,
    )
    webhooks.version_decided(row, approved=True)
    return row


def reject(actor, review_id: str, reason: str | None) -> ListingReview:
    """Nothing of the submission becomes public; the publisher sees the reason on the dashboard."""
    row = get(actor, review_id, lock=True)
    _decidable(actor, row)
    reason = _reason(reason, required=True)
    _decide(actor, row, review.REJECTED, reason)
    if row.version is not None:
        row.version.review_state = review.REJECTED
    change(
        actor,
        row.integration,
        "integration.review_rejected",
        {},
        note=reason,
        version=row.version.version if row.version else None,
    )
    webhooks.version_decided(row, approved=False)
    return row


# --- the publisher's side -------------------------------------------------------------------------


def for_publisher(viewer: Viewer, integration, review_id: str) -> ListingReview:
    """A review of an integration the viewer administers (already loaded); NotFound otherwise."""
    row = db.session.get(ListingReview, str(review_id)[:36]) if review_id else None
    if row is None or row.integration_id != integration.id or integration.workspace_id not in viewer.admin_of:
        raise NotFound("No such review.")
    return row


def rereview_requested(row: ListingReview) -> bool:
    return (
        db.session.scalar(db.select(ListingReview.id).where(ListingReview.rereview_of == row.id)) is not None
    )


def request_rereview(actor, integration, row: ListingReview, note: str | None) -> ListingReview:
    """Once per rejection decision: the same submission goes back to the queue with the publisher's note."""
    if row.status != review.REJECTED:
        raise ValidationFailed("Only a rejected submission can be reviewed again.", field="note")
    if rereview_requested(row):
        raise ValidationFailed("A re-review of this decision was already requested.", field="note")
    note = _reason(note, required=True, field="note")
    if row.kind == "rename":
        review_submissions.supersede(integration, "rename")
    elif row.version.yanked_at is not None:
        raise ValidationFailed("This version was yanked; publish a new one instead.", field="note")
    again = ListingReview(
        integration_id=row.integration_id,
        workspace_id=row.workspace_id,
        kind=row.kind,
        version_id=row.version_id,
        previous_name=row.previous_name,
        proposed_name=row.proposed_name,
        triggers=list(row.triggers or []),
        findings=list(row.findings or []),
        status=review.PENDING,
        submitted_by=actor.id,
        submitted_at=utcnow(),
        rereview_of=row.id,
        rereview_note=note,
    )
    try:
        with db.session.begin_nested():
            db.session.add(again)
    except IntegrityError:
        raise ValidationFailed("A re-review of this decision was already requested.", field="note") from None
    if row.version is not None:
        row.version.review_state = review.PENDING
    change(
        actor,
        integration,
        "integration.rereview_requested",
        {},
        note=note,
        version=row.version.version if row.version else None,
    )
    return again
