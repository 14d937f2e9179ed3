"""Helpers for the catalog tests: integrations in every visibility state, and who looks at them."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models.base import utcnow

from . import factories as f

STATES = ("public", "unlisted", "private", "draft", "deleted")
VIEWERS = ("anonymous", "member", "admin", "other_member", "staff")


def make_integration(state: str, workspace, **kwargs):
    """An integration of `workspace` in one of STATES."""
    if state == "draft":
        return f.IntegrationFactory(workspace=workspace, visibility="public", **kwargs)
    visibility = state if state in ("public", "unlisted", "private") else "public"
    integration = f.IntegrationFactory.published(workspace=workspace, visibility=visibility, **kwargs)
    if state == "deleted":
        integration.deleted_at = utcnow()
        db.session.flush()
    return integration


@dataclass
class Cast:
    workspace: object
    users: dict  # viewer name -> User (anonymous absent)


def make_cast() -> Cast:
    workspace = f.WorkspaceFactory()
    member = f.member(workspace=workspace, role="member").user
    admin = f.member(workspace=workspace, role="admin").user
    other = f.member(role="owner").user
    staff = f.UserFactory(is_staff=True)
    return Cast(workspace, {"member": member, "admin": admin, "other_member": other, "staff": staff})
