"""What the publisher dashboard reads: the integrations of the workspaces a person manages (owner
or admin), grouped by state, and those workspaces' audit log. Reading only; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.visibility import DELETED, DRAFT, PRIVATE, PUBLIC, UNLISTED, state_of
from ..extensions import db
from ..models import AuditEvent, Integration, Membership, Workspace
from . import snapshots
from .viewer import viewer_for
from .workspaces import user_workspaces

STATES = (DRAFT, PUBLIC, UNLISTED, PRIVATE, DELETED)
AUDIT_PAGE = 50


@dataclass
class Dashboard:
    workspaces: list[tuple[Workspace, Membership]]
    groups: dict[str, list[Integration]] = field(default_factory=lambda: {state: [] for state in STATES})
    unpublished: set[str] = field(
        default_factory=set
    )  # ids whose working copy differs from the current version


def for_dashboard(user) -> Dashboard:
    """The workspaces `user` manages and their integrations by state, each state by name."""
    dashboard = Dashboard(workspaces=user_workspaces(user, manage=True))
    ids = [ws.id for ws, _ in dashboard.workspaces]
    if ids:
        rows = db.session.scalars(
            db.select(Integration).where(Integration.workspace_id.in_(ids)).order_by(Integration.name)
        )
        integrations = list(rows)
        for integration in integrations:
            dashboard.groups[state_of(integration)].append(integration)
        dashboard.unpublished = snapshots.with_unpublished_changes(viewer_for(user), integrations)
    return dashboard


@dataclass
class AuditPage:
    workspaces: list[tuple[Workspace, Membership]]
    events: list[AuditEvent]
    page: int
    has_next: bool


def audit_page(user, workspace_slug: str, page: int) -> AuditPage:
    """One page (newest first) of the audit log of the workspaces `user` manages, or of the one
    named `workspace_slug` among them; a slug they do not manage shows nothing."""
    managed = user_workspaces(user, manage=True)
    ids = [ws.id for ws, _ in managed if not workspace_slug or ws.slug == workspace_slug]
    page = max(1, page)
    events = []
    if ids:
        events = db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.workspace_id.in_(ids))
            .options(db.joinedload(AuditEvent.actor))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id)
            .offset((page - 1) * AUDIT_PAGE)
            .limit(AUDIT_PAGE + 1)
        ).all()
    return AuditPage(
        workspaces=managed, events=events[:AUDIT_PAGE], page=page, has_next=len(events) > AUDIT_PAGE
    )
