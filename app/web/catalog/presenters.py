"""What the catalog's templates show beyond raw fields (trust tiers: app/domain/trust.py): scopes in plain
words, variables from a variablesSchema, manifest members. Pure functions of their input."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ...domain.access import scope_parts
from ...domain.markdown import plain_text
from ...models.integration import URL_MAX

AUTH_TYPES = {
    "oauth2": "OAuth 2.0 — you sign in to the service and approve access; no password is shared.",
    "api_key": "API key — you paste a key from the service; it is stored encrypted.",
    "none": "No credentials needed.",
}


def describe_scope(scope: str) -> str:
    """'repo:read' -> 'Read repo', 'write' -> 'Change your data', 'chat.write' -> 'Change chat'."""
    verb, nouns = scope_parts(scope)
    return f"{verb or 'Access'} {nouns}"


def excerpt(text: str | None, limit: int = 160) -> str:
    """A card's one-line description: the Markdown rendered and reduced to plain text (no marks, no
    link targets), cut at a word. Cards are rendered once per content and kept (cards.py), so this
    runs once per listing change, not per request."""
    if not text:
        return ""
    plain = plain_text(text, limit=limit * 8)
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def safe_icon_url(url: str | None) -> str | None:
    """Only https: icons are ever rendered (the browser loads them; the server never fetches)."""
    if not url or len(url) > URL_MAX:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme == "https" and parts.netloc else None


@dataclass(frozen=True)
class Variable:
    name: str
    title: str
    type: str
    required: bool
    description: str


def variables_of(schema: dict | None) -> list[Variable]:
    schema = schema if isinstance(schema, dict) else {}
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = set(schema.get("required") or []) if isinstance(schema.get("required"), list) else set()
    result = []
    for name, spec in list(properties.items())[:200]:
        spec = spec if isinstance(spec, dict) else {}
        kind = spec.get("type", "any")
        if kind == "array" and isinstance(spec.get("items"), dict):
            kind = f"list of {spec['items'].get('type', 'values')}"
        result.append(
            Variable(
                str(name),
                str(spec.get("title") or name),
                str(kind),
                name in required,
                str(spec.get("description") or ""),
            )
        )
    return result


@dataclass(frozen=True)
class Member:
    key: str
    kind: str
    name: str
    description: str
    fork_on_install: bool


def members_of(manifest: dict | None) -> list[Member]:
    members = (manifest or {}).get("members") if isinstance(manifest, dict) else None
    result = []
    for entry in (members if isinstance(members, list) else [])[:500]:
        if isinstance(entry, dict):
            result.append(
                Member(
                    str(entry.get("key", "")),
                    str(entry.get("kind", "")),
                    str(entry.get("name") or entry.get("key", "")),
                    str(entry.get("description") or ""),
                    entry.get("forkOnInstall") is True,
                )
            )
    return result


def scopes_of(auth_config: dict | None) -> list[str]:
    scopes = (auth_config or {}).get("scopes") if isinstance(auth_config, dict) else None
    return [str(s) for s in scopes[:200]] if isinstance(scopes, list) else []
