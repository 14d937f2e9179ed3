"""Staff tools for publisher handles: the staff-managed reserved list, grants of reserved handles to
a workspace, and each workspace's handle limit. Staff only (NotFound for everyone else); one audit
event per change."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.namespaces import BUILT_IN_RESERVED, DEFAULT_HANDLE_LIMIT, HANDLE_LIMIT_MAX, handle_skeleton
from ..extensions import db
from ..models import HandleGrant, PublisherNamespace, ReservedHandle, Workspace
from . import audit
from .errors import Conflict, NotFound, ValidationFailed
from .namespaces import check_handle, handle_limit, reserved_match

REASON_MAX = 500


@dataclass
class Overview:
    reserved: list[ReservedHandle]
    grants: list[HandleGrant]
    raised: list[tuple[Workspace, int]]  # workspaces whose limit is not the default, with handles held
    built_in: list[str]
    default_limit: int


def _require_staff(actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise NotFound("No such page.")


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailed(
            f"Give a reason (up to {REASON_MAX} characters): it is kept in the audit log.", field="reason"
        )
    return reason


def _handle(handle: str | None) -> str:
    try:
        return check_handle(handle)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, field="handle") from None


def _workspace(slug: str | None) -> Workspace:
    workspace = db.session.scalar(db.select(Workspace).where(Workspace.slug == (slug or "").strip().lower()))
    if workspace is None:
        raise ValidationFailed("No workspace has that slug.", field="workspace")
    return workspace


def overview(actor) -> Overview:
    _require_staff(actor)
    held = (
        db.select(PublisherNamespace.workspace_id, db.func.count().label("held"))
        .group_by(PublisherNamespace.workspace_id)
        .subquery()
    )
    raised = db.session.execute(
        db.select(Workspace, db.func.coalesce(held.c.held, 0))
        .outerjoin(held, held.c.workspace_id == Workspace.id)
        .where(Workspace.handle_limit.is_not(None))
        .order_by(Workspace.slug)
    )
    return Overview(
        reserved=list(db.session.scalars(db.select(ReservedHandle).order_by(ReservedHandle.handle))),
        grants=list(
            db.session.scalars(
                db.select(HandleGrant)
                .options(db.joinedload(HandleGrant.workspace))
                .order_by(HandleGrant.handle)
            )
        ),
        raised=[(ws, count) for ws, count in raised],
        built_in=sorted(BUILT_IN_RESERVED),
        default_limit=DEFAULT_HANDLE_LIMIT,
    )


def reserve(actor, handle: str | None, reason: str | None) -> ReservedHandle:
    _require_staff(actor)
    handle, reason = _handle(handle), _reason(reason)
    if handle in BUILT_IN_RESERVED:
        raise Conflict(f"“{handle}” is already reserved (built in).", field="handle")
    if db.session.get(ReservedHandle, handle) is not None:
        raise Conflict(f"“{handle}” is already reserved.", field="handle")
    row = ReservedHandle(handle=handle, skeleton=handle_skeleton(handle), reason=reason, created_by=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "namespace.reserved",
        row,
        object_id=handle,
        object_label=handle,
        after={"handle": handle},
        note=reason,
    )
    return row


def unreserve(actor, handle: str) -> None:
    _require_staff(actor)
    row = db.session.get(ReservedHandle, str(handle)[:39])
    if row is None:
        raise NotFound("No such reserved handle.")
    audit.record(
        actor,
        "namespace.unreserved",
        row,
        object_id=row.handle,
        object_label=row.handle,
        before={"handle": row.handle},
    )
    db.session.delete(row)
    db.session.flush()


def grant(actor, workspace_slug: str | None, handle: str | None, reason: str | None) -> HandleGrant:
    """Let one workspace claim a reserved handle (or a look-alike of one)."""
    _require_staff(actor)
    handle, reason = _handle(handle), _reason(reason)
    workspace = _workspace(workspace_slug)
    if reserved_match(handle) is None:
        raise ValidationFailed(f"“{handle}” is not reserved: any workspace may claim it.", field="handle")
    existing = db.session.scalar(db.select(HandleGrant).where(HandleGrant.handle == handle))
    if existing is not None:
        raise Conflict(f"“{handle}” is already granted to {existing.workspace.name}.", field="handle")
    holder = db.session.get(PublisherNamespace, handle)
    if holder is not None and holder.workspace_id != workspace.id:
        raise Conflict(f"Another workspace already holds “{handle}”.", field="handle")
    row = HandleGrant(handle=handle, workspace_id=workspace.id, reason=reason, granted_by=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "namespace.granted",
        row,
        object_label=handle,
        after={"handle": handle, "workspace": workspace.slug},
        note=reason,
    )
    return row


def revoke_grant(actor, grant_id: str) -> None:
    """The workspace may no longer claim the handle; a handle it already claimed stays its own."""
    _require_staff(actor)
    row = db.session.get(HandleGrant, str(grant_id)[:36])
    if row is None:
        raise NotFound("No such grant.")
    audit.record(
        actor,
        "namespace.grant_revoked",
        row,
        object_label=row.handle,
        before={"handle": row.handle, "workspace": row.workspace.slug},
    )
    db.session.delete(row)
    db.session.flush()


def set_handle_limit(actor, workspace_slug: str | None, limit: int | None, reason: str | None) -> Workspace:
    _require_staff(actor)
    if not isinstance(limit, int) or not 1 <= limit <= HANDLE_LIMIT_MAX:
        raise ValidationFailed(f"Give a whole number from 1 to {HANDLE_LIMIT_MAX}.", field="limit")
    reason = _reason(reason)
    workspace = _workspace(workspace_slug)
    before = handle_limit(workspace)
    if before == limit:
        raise Conflict(f"The limit of {workspace.name} is already {limit}.", field="limit")
    workspace.handle_limit = None if limit == DEFAULT_HANDLE_LIMIT else limit
    db.session.flush()
    audit.record(
        actor,
        "workspace.handle_limit_set",
        workspace,
        object_label=workspace.slug,
        workspace_id=workspace.id,
        before={"handle_limit": before},
        after={"handle_limit": limit},
        note=reason,
    )
    return workspace
