"""Helpers of the install-wizard tests: published integrations with versions, built from models
(the dashboard is built concurrently, so nothing here goes through it)."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import IntegrationVersion, WizardSession
from app.models.base import utcnow

from . import factories as f

API_KEY_AUTH = {
    "type": "api_key",
    "authHeaderName": "X-Api-Key",
    "authValuePrefix": "",
    "instructions": "Find it under **Settings** <script>alert(1)</script>",
}
VARIABLES = {
    "type": "object",
    "required": ["channel", "region"],
    "properties": {
        "channel": {
            "type": "string",
            "title": "Channel",
            "pattern": "^#[a-z]+$",
            "patternHint": "a # followed by lower-case letters, like #alerts",
            "maxLength": 30,
        },
        "region": {"type": "string", "title": "Region", "enum": ["eu", "us"]},
        "batch": {"type": "integer", "title": "Batch size", "minimum": 1, "maximum": 100},
    },
}


def oauth_auth(base_url: str, scopes=("read", "files:write")) -> dict:
    return {
        "type": "oauth2",
        "authorizeUrl": f"{base_url}/demo-oauth/authorize",
        "tokenUrl": f"{base_url}/demo-oauth/token",
        "scopes": list(scopes),
        "clientId": "demo-client",
    }


def publish(*, workspace=None, versions=("1.0.0",), auth=None, schema=None, manifest=None, **kwargs):
    """A published integration; every version gets the same documents unless changed later."""
    workspace = workspace or f.WorkspaceFactory()
    integration = f.IntegrationFactory(
        workspace=workspace,
        auth_config=auth or {"type": "none"},
        variables_schema=schema or {"type": "object", "properties": {}},
        manifest=manifest or {"members": [], "dependencies": [], "defaults": {}},
        **kwargs,
    )
    for version in versions:
        add_version(integration, version)
    return integration


def add_version(integration, version: str, **documents) -> IntegrationVersion:
    row = f.VersionFactory(
        integration=integration,
        version=version,
        manifest=documents.get("manifest", integration.manifest),
        variables_schema=documents.get("variables_schema", integration.variables_schema),
        auth_config=documents.get("auth_config", integration.auth_config),
        changelog=documents.get("changelog", f"## {version}\n\nChanges in {version}."),
    )
    integration.current_version = version
    integration.last_published_at = utcnow()
    db.session.flush()
    return row


def admin(workspace=None, role="owner"):
    membership = f.member(workspace=workspace, role=role)
    return membership.user, membership.workspace


def wizard_id_from(location: str) -> str:
    match = re.search(r"/install/w/([0-9a-f-]{36})/", location)
    assert match, location
    return match.group(1)


def wizard(wizard_id: str) -> WizardSession:
    db.session.expire_all()
    return db.session.get(WizardSession, wizard_id)
