"""The documents demo integrations carry, in a few realistic shapes: auth configs (oauth2 ones
point at the bundled demo OAuth2 provider), variables schemas with their defaults, manifests."""

from __future__ import annotations

import os

# The secret of the demo provider's `demo-client` (app/web/demo_oauth/server.py); development only.
DEMO_OAUTH_CLIENT_SECRET = "demo-client-secret"
DEMO_OAUTH_CLIENT_ID = "demo-client"


def demo_oauth_base() -> str:
    # The bundled demo OAuth2 provider (development and tests only) lives on the app itself.
    return os.environ.get("DEMO_OAUTH_BASE_URL", "http://127.0.0.1:5000/demo-oauth").rstrip("/")


def demo_test(base: str) -> dict:
    """The connection test of the demo's integrations: the demo provider's test endpoint."""
    return {"method": "GET", "url": f"{base}/test", "expectStatus": 200}


def auth_config(
    kind: str, scopes: list[str] | None = None, header: str = "Authorization", prefix: str = "Bearer "
) -> dict:
    if kind == "oauth2":
        base = demo_oauth_base()
        return {
            "type": "oauth2",
            "authorizeUrl": f"{base}/authorize",
            "tokenUrl": f"{base}/token",
            "scopes": scopes or ["read"],
            "clientId": DEMO_OAUTH_CLIENT_ID,
            "test": demo_test(base),
        }
    if kind == "api_key":
        return {
            "type": "api_key",
            "authHeaderName": header,
            "authValuePrefix": prefix,
            "instructions": "Create a key under **Settings → API keys** in your account, then paste it here. "
            "(Demo: the demo service accepts any key containing `demo-key`, like `demo-key-1234`.)",
            "test": demo_test(demo_oauth_base()),
        }
    return {"type": "none"}


def variables(kind: str) -> tuple[dict, dict]:
    """A variablesSchema and matching manifest defaults, in a few realistic shapes."""
    if kind == "channel":
        return (
            {
                "type": "object",
                "required": ["channel"],
                "properties": {
                    "channel": {
                        "type": "string",
                        "title": "Channel",
                        "description": "Where notifications go.",
                        "pattern": "^#[a-z0-9_-]{1,80}$",
                        "patternHint": "a # and the channel's name in lower case (letters, digits, - or _), "
                        "like #alerts",
                        "maxLength": 81,
                    },
                    "mentions": {"type": "boolean", "title": "Mention on-call", "default": False},
                },
            },
            {"channel": "#alerts"},
        )
    if kind == "region":
        return (
            {
                "type": "object",
                "required": ["region", "batchSize"],
                "properties": {
                    "region": {"type": "string", "title": "Region", "enum": ["eu", "us", "apac"]},
                    "batchSize": {"type": "integer", "title": "Batch size", "minimum": 1, "maximum": 500},
                    "tags": {"type": "array", "title": "Tags", "items": {"type": "string", "maxLength": 40}},
                },
            },
            {"region": "eu", "batchSize": 50},
        )
    if kind == "email":
        return (
            {
                "type": "object",
                "required": ["notifyEmail"],
                "properties": {
                    "notifyEmail": {"type": "string", "format": "email", "title": "Notification email"},
                    "startDate": {"type": "string", "format": "date", "title": "Sync from"},
                },
            },
            {},
        )
    return ({"type": "object", "properties": {}}, {})


def manifest(
    members: list[tuple[str, str, str, bool]], defaults: dict, deps: list[tuple[str, str]] = ()
) -> dict:
    return {
        "members": [
            {"key": k, "kind": kind, "name": n, **({"forkOnInstall": True} if fork else {})}
            for k, kind, n, fork in members
        ],
        "dependencies": [{"integration": i, "version": v} for i, v in deps],
        "defaults": defaults,
    }
