"""The worked examples of the publisher docs (/docs/publishing): one integration's three documents
that belong together, and one authConfig per type. tests/web/test_publisher_docs.py holds
each to the very rules a publish is held to, so the docs never show a document the site refuses."""

from __future__ import annotations

VARIABLES_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Ticket settings",
    "description": "Where new tickets go and how they are tagged.",
    "type": "object",
    "required": ["projectKey", "region"],
    "properties": {
        "projectKey": {
            "type": "string",
            "title": "Project key",
            "description": "Two to ten capital letters, e.g. OPS.",
            "pattern": "^[A-Z]{2,10}$",
        },
        "region": {"type": "string", "title": "Region", "enum": ["eu", "us"], "default": "eu"},
        "batchSize": {"type": "integer", "title": "Batch size", "minimum": 1, "maximum": 500},
        "notifyOnClose": {"type": "boolean", "title": "Notify when a ticket closes", "default": False},
        "labels": {
            "type": "array",
            "title": "Labels",
            "items": {"type": "string", "maxLength": 40},
            "maxItems": 10,
            "uniqueItems": True,
        },
    },
    "additionalProperties": False,
}

MANIFEST: dict = {
    "members": [
        {
            "key": "ticket-sync",
            "kind": "workflow",
            "name": "Ticket sync",
            "description": "Copies new tickets into the workspace every five minutes.",
        },
        {"key": "ticket-board", "kind": "dashboard", "name": "Ticket board", "forkOnInstall": True},
    ],
    "dependencies": [{"integration": "acme/webhooks", "version": "^1.2.0"}],
    "defaults": {"batchSize": 50, "labels": ["synced"]},
}

AUTH_CONFIGS: dict[str, dict] = {
    "oauth2": {
        "type": "oauth2",
        "authorizeUrl": "https://auth.example.com/oauth/authorize",
        "tokenUrl": "https://auth.example.com/oauth/token",
        "scopes": ["tickets:read", "tickets:write"],
        "clientId": "marketplace-ticket-sync",
    },
    "api_key": {
        "type": "api_key",
        "authHeaderName": "Authorization",
        "authValuePrefix": "Bearer ",
        "instructions": "Create a key under **Settings → API keys**, then paste it here.",
    },
    "none": {"type": "none"},
}


def examples() -> dict:
    """Every example, by document: {"manifest": ..., "variablesSchema": ..., "authConfig": {type: ...}}."""
    return {"manifest": MANIFEST, "variablesSchema": VARIABLES_SCHEMA, "authConfig": AUTH_CONFIGS}
