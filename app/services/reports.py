"""Reports of listings: a signed-in person files one (a category and details); staff triage them
at /admin/reports, closing each once as actioned or dismissed with a note, or taking the listing
down from it. Each action flushes and writes one audit event per changed object."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import reports as rules
from ..extensions import db
from ..models import Integration, ListingReport
from ..models.base import utcnow
from . import audit, takedowns
from .catalog.detail import integration_by_handle
from .errors import NotFound, ValidationFailed
from .viewer import viewer_for

ALREADY_DECIDED = "This report was decided already; a decision is made once."
ALREADY_REPORTED = "You reported this listing already; staff will look at it."
PER_PAGE = 50


def _label(integration: Integration) -> str:
    return f"{integration.publisher}/{integration.slug}"


def reportable(user, publisher: str, slug: str) -> Integration:
    """A listing this signed-in person may see (and so report); NotFound or TakenDown otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound("No such integration.")
    integration = integration_by_handle(viewer_for(user), publisher, slug, with_versions=False)
    if integration.is_draft or integration.is_deleted:
        raise NotFound("No such integration.")
    return integration


def file_report(user, integration: Integration, category: str | None, details: str | None) -> ListingReport:
    if category not in rules.POLICIES:
        raise ValidationFailed("Choose what is wrong.", field="category")
    details = takedowns.text(
        details,
        "details",
        f"Describe the problem in {rules.DETAILS_MIN} to {rules.DETAILS_MAX} characters.",
        low=rules.DETAILS_MIN,
        high=rules.DETAILS_MAX,
    )
    if db.session.scalar(
        db.select(ListingReport.id).where(
            ListingReport.integration_id == integration.id,
            ListingReport.reporter_id == user.id,
            ListingReport.status == rules.OPEN,
        )
    ):
        raise ValidationFailed(ALREADY_REPORTED, field="details")
    report = ListingReport(
        integration_id=integration.id,
        reporter_id=user.id,
        category=category,
        details=details,
        status=rules.OPEN,
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        user,
        "report.filed",
        report,
        object_label=_label(integration),
        workspace_id=integration.workspace_id,
        after={"category": category, "details": details},
    )
    return report


# --- staff --------------------------------------------------------------------------------------


@dataclass
class Queue:
    status: str
    reports: list[ListingReport]
    counts: dict[str, int]
    has_next: bool


def queue(actor, status: str, page: int = 1) -> Queue:
    """Reports in one state (open first-come first-served, decided ones newest first), with counts."""
    takedowns.require_staff(actor)
    if status not in rules.REPORT_STATUSES:
        status = rules.OPEN
    order = ListingReport.created_at if status == rules.OPEN else ListingReport.decided_at.desc()
    rows = list(
        db.session.scalars(
            db.select(ListingReport)
            .where(ListingReport.status == status)
            .options(db.joinedload(ListingReport.integration), db.joinedload(ListingReport.reporter))
            .order_by(order, ListingReport.id)
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE + 1)
        )
    )
    counts = dict.fromkeys(rules.REPORT_STATUSES, 0)
    counts.update(
        db.session.execute(
            db.select(ListingReport.status, db.func.count()).group_by(ListingReport.status)
        ).all()
    )
    return Queue(status, rows[:PER_PAGE], counts, len(rows) > PER_PAGE)


def report_for_staff(actor, report_id: str) -> ListingReport:
    takedowns.require_staff(actor)
    row = db.session.get(ListingReport, str(report_id)[:36])
    if row is None:
        raise NotFound("No such report.")
    return row


def other_reports(actor, report: ListingReport) -> list[ListingReport]:
    """Every other report of the same listing, newest first."""
    takedowns.require_staff(actor)
    return list(
        db.session.scalars(
            db.select(ListingReport)
            .where(ListingReport.integration_id == report.integration_id, ListingReport.id != report.id)
            .order_by(ListingReport.created_at.desc())
            .limit(50)
        )
    )


def decide(
    actor, report: ListingReport, decision: str | None, note: str | None, *, takedown=None
) -> ListingReport:
    """Close an open report as actioned or dismissed, with a staff note. Once."""
    takedowns.require_staff(actor)
    if report.status != rules.OPEN:
        raise ValidationFailed(ALREADY_DECIDED, field="decision")
    if decision not in rules.DECISIONS:
        raise ValidationFailed("Choose: actioned or dismissed.", field="decision")
    note = takedowns.text(note, "note", f"Write a staff note (up to {rules.NOTE_MAX} characters).")
    report.status = decision
    report.staff_note = note
    report.decided_by = actor.id
    report.decided_at = utcnow()
    report.takedown_id = takedown.id if takedown is not None else None
    db.session.flush()
    audit.record(
        actor,
        f"report.{decision}",
        report,
        object_label=_label(report.integration),
        workspace_id=report.integration.workspace_id,
        before={"status": rules.OPEN},
        after={"status": decision, "staff_note": note, "takedown_id": report.takedown_id},
    )
    return report


def take_down_from(actor, report: ListingReport, policy: str | None, note: str | None):
    """Take the reported listing down (the existing takedown) and mark the report actioned."""
    takedowns.require_staff(actor)
    if report.status != rules.OPEN:
        raise ValidationFailed(ALREADY_DECIDED, field="note")
    takedown = takedowns.take_down(actor, report.integration, policy, note)
    return decide(actor, report, rules.ACTIONED, takedown.note, takedown=takedown)
