"""Publisher namespaces: the first workspace to use a handle owns it; nobody else may (no squatting)."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import PublisherNamespace
from ..models.integration import PUBLISHER_PATTERN
from .errors import Conflict, ValidationFailed

HANDLE_RE = re.compile(PUBLISHER_PATTERN)
RESERVED_HANDLES = frozenset({"admin", "api", "new", "static", "schemas", "settings", "dashboard", "install"})


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
    if not HANDLE_RE.match(handle):
        raise ValidationFailed(
            "Use 1 to 39 lowercase letters, digits and hyphens, starting with a letter or digit.",
            field="publisher",
        )
    return handle


def claim(actor, workspace_id: str, handle: str) -> tuple[PublisherNamespace, bool]:
    """The workspace's namespace for `handle`, claimed now if nobody has it: (namespace, newly_claimed).
    A handle owned by another workspace is refused. The caller's audit event records the claim."""
    handle = check_handle(handle)
    namespace = db.session.get(PublisherNamespace, handle)
    if namespace is not None:
        if namespace.workspace_id != workspace_id:
            raise Conflict(
                f"The publisher handle “{handle}” belongs to another workspace. Choose another.",
                field="publisher",
            )
        return namespace, False
    if handle in RESERVED_HANDLES:
        raise ValidationFailed(f"“{handle}” is reserved. Choose another handle.", field="publisher")
    namespace = PublisherNamespace(
        handle=handle, workspace_id=workspace_id, claimed_by=getattr(actor, "id", None)
    )
    try:
        with db.session.begin_nested():  # two workspaces racing for one handle: one wins
            db.session.add(namespace)
    except IntegrityError:
        raise Conflict(
            f"The publisher handle “{handle}” was just claimed by another workspace. Choose another.",
            field="publisher",
        ) from None
    return namespace, True
