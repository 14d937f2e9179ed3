"""Shared setup for the publishing tests: a publisher (owner of a workspace with a handle)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.extensions import db
from app.models import AuditEvent, Integration, IntegrationVersion

MANIFEST = {
    "members": [{"key": "sync", "kind": "workflow", "name": "Sync"}],
    "dependencies": [],
    "defaults": {"region": "eu"},
}
VARIABLES = {
    "type": "object",
    "required": ["region"],
    "properties": {"region": {"type": "string", "title": "Region", "enum": ["us", "eu"]}},
}
AUTH = {"type": "api_key", "authHeaderName": "Authorization", "authValuePrefix": "Bearer "}


@dataclass
class Publisher:
    user: object
    workspace: object
    handle: str


def make_publisher(factories, role="owner") -> Publisher:
    membership = factories.member(role=role)
    handle = factories.namespace_for(membership.workspace)
    return Publisher(membership.user, membership.workspace, handle)


def edit_data(integration, **overrides) -> dict:
    data = {
        "name": integration.name,
        "description": integration.description or "",
        "icon_url": "",
        "visibility": integration.visibility,
        "retention_tier": integration.retention_tier or "",
        "manifest": json.dumps(MANIFEST, indent=2),
        "variables_schema": json.dumps(VARIABLES, indent=2),
        "auth_config": json.dumps(AUTH, indent=2),
        "save": "Save changes",
    }
    data.update(overrides)
    return data


def state(integration_id: str) -> dict:
    """Everything a failure must leave unchanged: the row, its versions, the audit log."""
    db.session.commit()  # keep the test's own setup when a refused request rolls back
    db.session.expire_all()
    row = db.session.get(Integration, integration_id)
    versions = (
        db.session.scalars(
            db.select(IntegrationVersion.version, IntegrationVersion.yanked_at).where(
                IntegrationVersion.integration_id == integration_id
            )
        ).all()
        if row
        else []
    )
    audit = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    if row is None:
        return {"row": None, "audit": audit}
    return {
        "row": {
            c.name: getattr(row, c.name) for c in Integration.__table__.columns if c.name != "updated_at"
        },
        "versions": sorted(map(str, versions)),
        "audit": audit,
    }
