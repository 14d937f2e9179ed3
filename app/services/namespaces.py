"""Publisher namespaces: the first workspace to use a handle owns it; nobody else may (no squatting).

A new handle is refused when it is reserved (built in, or kept back by staff) or looks like a
reserved one, unless staff granted it to this workspace; when it looks like a handle someone already
holds (domain.namespaces.handle_skeleton); and when the workspace already holds as many handles as
its limit allows (3 unless staff raised it).

Each of those refusals is a Conflict (409 in the API): a well-formed handle the namespace registry's
current state (who holds what, what staff reserved or granted, the workspace's limit) does not let
this workspace claim now. `details[0]["code"]` says which: taken, reserved, look_alike, handle_limit.
A handle that is not well formed is a ValidationFailed (422)."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from ..domain.namespaces import DEFAULT_HANDLE_LIMIT, built_in_skeletons, handle_skeleton
from ..extensions import db
from ..models import HandleGrant, PublisherNamespace, ReservedHandle, Workspace
from ..models.integration import PUBLISHER_PATTERN
from .errors import Conflict, ValidationFailed

HANDLE_RE = re.compile(PUBLISHER_PATTERN)
HANDLE_MESSAGE = "Use 1 to 39 lowercase letters, digits and hyphens, starting with a letter or digit."


def workspace_handles(workspace_id: str) -> list[str]:
    return list(
        db.session.scalars(
            db.select(PublisherNamespace.handle)
            .where(PublisherNamespace.workspace_id == workspace_id)
            .order_by(PublisherNamespace.handle)
        )
    )


def check_handle(handle: str | None) -> str:
    handle = (handle or "").strip().lower()
    if not (handle.isascii() and HANDLE_RE.match(handle)):
        raise ValidationFailed(HANDLE_MESSAGE, field="publisher")
    return handle


def handle_limit(workspace: Workspace) -> int:
    return workspace.handle_limit or DEFAULT_HANDLE_LIMIT


def reserved_match(handle: str) -> str | None:
    """The reserved handle (built in or staff-managed) that `handle` is or looks like, if any."""
    skeleton = handle_skeleton(handle)
    if skeleton in built_in_skeletons():
        return built_in_skeletons()[skeleton]
    return db.session.scalar(
        db.select(ReservedHandle.handle).where(ReservedHandle.skeleton == skeleton).limit(1)
    )


def _refuse(message: str, code: str) -> Conflict:
    return Conflict(
        message, field="publisher", details=[{"field": "publisher", "message": message, "code": code}]
    )


def _check_reserved(handle: str, workspace_id: str) -> None:
    reserved = reserved_match(handle)
    if reserved is None:
        return
    granted = db.session.scalar(
        db.select(HandleGrant.id).where(
            HandleGrant.handle == handle, HandleGrant.workspace_id == workspace_id
        )
    )
    if granted:
        return
    if reserved == handle:
        message = f"“{handle}” is a reserved name. Choose another, or ask the marketplace team for it."
    else:
        message = (
            f"“{handle}” is too close to a reserved name (“{reserved}”). Choose another, "
            "or ask the marketplace team."
        )
    raise _refuse(message, "reserved")


def _check_look_alike(handle: str, workspace_id: str) -> None:
    twin = db.session.scalar(
        db.select(PublisherNamespace).where(PublisherNamespace.skeleton == handle_skeleton(handle))
    )
    if twin is None:
        return
    whose = (
        "this workspace already holds"
        if twin.workspace_id == workspace_id
        else "belongs to another publisher"
    )
    raise _refuse(f"“{handle}” looks like “{twin.handle}”, which {whose}. Choose another.", "look_alike")


def _check_limit(workspace_id: str) -> None:
    # The workspace row, locked (PostgreSQL) so two claims at once cannot both squeeze under the cap.
    workspace = db.session.scalar(db.select(Workspace).where(Workspace.id == workspace_id).with_for_update())
    limit = handle_limit(workspace)
    held = db.session.scalar(
        db.select(db.func.count())
        .select_from(PublisherNamespace)
        .where(PublisherNamespace.workspace_id == workspace_id)
    )
    if held >= limit:
        raise _refuse(
            f"This workspace already holds {held} publisher handle{'s' if held != 1 else ''}, the most "
            "allowed; ask the marketplace team to raise the limit.",
            "handle_limit",
        )


def claim(actor, workspace_id: str, handle: str) -> tuple[PublisherNamespace, bool]:
    """The workspace's namespace for `handle`, claimed now if nobody has it: (namespace, newly_claimed).
    A handle owned by another workspace, reserved, a look-alike or past the cap is refused.
    The caller's audit event records the claim."""
    handle = check_handle(handle)
    namespace = db.session.get(PublisherNamespace, handle)
    if namespace is not None:
        if namespace.workspace_id != workspace_id:
            raise _refuse(
                f"The publisher handle “{handle}” belongs to another workspace. Choose another.", "taken"
            )
        return namespace, False
    _check_reserved(handle, workspace_id)
    _check_look_alike(handle, workspace_id)
    _check_limit(workspace_id)
    namespace = PublisherNamespace(
        handle=handle,
        skeleton=handle_skeleton(handle),
        workspace_id=workspace_id,
        claimed_by=getattr(actor, "id", None),
    )
    try:
        with db.session.begin_nested():  # two workspaces racing for one handle or look-alikes: one wins
            db.session.add(namespace)
    except IntegrityError:
        raise _refuse(
            f"The publisher handle “{handle}”, or one like it, was just claimed by another workspace. "
            "Choose another.",
            "taken",
        ) from None
    return namespace, True
