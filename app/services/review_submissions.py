"""Sending a version or a rename of a listing above `community` to staff review (domain/review.py
says when), and what the source workspace sees of it. Decisions are in services/reviews.py.

A new submission of the same kind replaces a pending one (it is `superseded`): staff review what
the publisher wants now. Nothing here commits."""

from __future__ import annotations

from ..domain import review
from ..domain.listing_links import form_field, missing_required, required_message
from ..extensions import db
from ..models import Integration, IntegrationVersion, ListingReview
from ..models.base import utcnow
from . import audit, publish_checks
from .errors import ValidationFailed


def current_row(integration: Integration) -> IntegrationVersion | None:
    """The version everyone sees as current (None for a draft)."""
    if integration.current_version is None:
        return None
    return db.session.scalar(
        db.select(IntegrationVersion).where(
            IntegrationVersion.integration_id == integration.id,
            IntegrationVersion.version == integration.current_version,
        )
    )


def pending(integration: Integration, kind: str) -> list[ListingReview]:
    return list(
        db.session.scalars(
            db.select(ListingReview).where(
                ListingReview.integration_id == integration.id,
                ListingReview.kind == kind,
                ListingReview.status == review.PENDING,
            )
        )
    )


def pending_rename(integration: Integration) -> ListingReview | None:
    rows = pending(integration, "rename")
    return rows[0] if rows else None


def supersede(integration: Integration, kind: str) -> list[ListingReview]:
    """Pending reviews of `kind` give way to a newer submission (or to a change that needs none)."""
    rows = pending(integration, kind)
    for row in rows:
        row.status = review.SUPERSEDED
        if row.version is not None:
            row.version.review_state = review.SUPERSEDED
    db.session.flush()
    return rows


def submit_version(
    actor, integration: Integration, row: IntegrationVersion, triggers, findings
) -> ListingReview:
    """`row` (just published) waits for staff; the listing keeps its current version meanwhile."""
    row.review_state = review.PENDING
    return _new(actor, integration, kind="version", version_id=row.id, triggers=triggers, findings=findings)


def _new(actor, integration: Integration, **fields) -> ListingReview:
    triggers = [t.as_dict() for t in fields.pop("triggers")]
    findings = [f.as_dict() for f in fields.pop("findings")]
    submission = ListingReview(
        integration_id=integration.id,
        workspace_id=integration.workspace_id,
        submitted_by=actor.id,
        submitted_at=utcnow(),
        status=review.PENDING,
        triggers=triggers,
        findings=findings,
        **fields,
    )
    db.session.add(submission)
    db.session.flush()
    return submission


def hold_rename(actor, integration: Integration, clean: dict) -> ListingReview | None:
    """Called by an edit before it applies `clean`: a rename that must wait is taken out of `clean`
    and sent to review (one audit event). Setting the current name back withdraws a pending rename."""
    proposed = clean.get("name")
    if proposed is None:
        return None
    waiting = pending_rename(integration)
    if proposed == integration.name:
        if waiting is not None:
            supersede(integration, "rename")
            _audit(actor, integration, "integration.rename_withdrawn", waiting.proposed_name, None)
        return None
    triggers = review.rename_triggers(
        integration.trust_tier, integration.current_version is not None, integration.name, proposed
    )
    if not triggers:
        supersede(integration, "rename")
        return None
    missing = missing_required(clean.get("links", integration.links))
    if missing:  # MP007: a submission for review needs the privacy policy and support links
        message = "MP007: " + required_message(missing)
        raise ValidationFailed(
            message,
            field="name",
            details=[
                {"field": name, "path": f"$.{name}", "message": message, "check": "MP007"}
                for name in ["name", *(form_field(kind) for kind in missing)]
            ],
        )
    del clean["name"]
    if waiting is not None and waiting.proposed_name == proposed:
        return waiting
    supersede(integration, "rename")
    findings = [
        f
        for f in publish_checks.run(
            integration,
            integration.current_version or "0.0.0",
            publish_checks.previous_documents(current_row(integration)) or {},
            current_row(integration),
            name=proposed,
        )
        if f.check == "MP004"
    ]
    submission = _new(
        actor,
        integration,
        kind="rename",
        previous_name=integration.name,
        proposed_name=proposed,
        triggers=triggers,
        findings=findings,
    )
    _audit(actor, integration, "integration.rename_submitted", None, proposed)
    return submission


def _audit(actor, integration: Integration, action: str, before: str | None, after: str | None) -> None:
    audit.record(
        actor,
        action,
        integration,
        object_label=f"{integration.publisher}/{integration.slug}",
        before={"name": integration.name, "pending_name": before},
        after={"name": integration.name, "pending_name": after},
    )


def for_workspace(integration: Integration) -> list[ListingReview]:
    """The listing's reviews as its source workspace sees them, newest first."""
    return list(
        db.session.scalars(
            db.select(ListingReview)
            .where(ListingReview.integration_id == integration.id)
            .options(db.selectinload(ListingReview.version))
            .order_by(ListingReview.submitted_at.desc(), ListingReview.id)
        )
    )


def open_by_integration(integration_ids) -> dict[str, list[ListingReview]]:
    """Pending and rejected (not yet re-reviewed) reviews per integration: the dashboard's notes."""
    ids = list(integration_ids)
    if not ids:
        return {}
    retried = db.select(ListingReview.rereview_of).where(ListingReview.rereview_of.is_not(None))
    rows = db.session.scalars(
        db.select(ListingReview)
        .where(
            ListingReview.integration_id.in_(ids),
            ListingReview.status.in_((review.PENDING, review.REJECTED)),
            ListingReview.id.not_in(retried),
        )
        .options(db.selectinload(ListingReview.version))
        .order_by(ListingReview.submitted_at.desc())
    )
    found: dict[str, list[ListingReview]] = {}
    for row in rows:
        found.setdefault(row.integration_id, []).append(row)
    return found
