""" "What it can access": one plain-words summary of an integration's reach, for all three auth types.

Decides the summary of an authConfig (the version's snapshot the viewer is shown): oauth2 lists its
scopes, each in plain words where we know them and by its raw name otherwise; api_key gives the
publisher's own description of what the key lets the integration do (`accessDescription`); none
has no account access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Scopes whose meaning is standard (OpenID Connect and common OAuth conventions).
KNOWN_SCOPES = {
    "openid": "Confirm who you are",
    "email": "See your email address",
    "profile": "See your basic profile (name, picture)",
    "offline_access": "Keep access while you are away (a refresh token)",
}
_VERBS = {
    "read": "Read",
    "write": "Change",
    "admin": "Administer",
    "delete": "Delete",
    "create": "Create",
    "manage": "Manage",
    "view": "View",
    "list": "List",
    "send": "Send",
    "post": "Post",
    "update": "Update",
}
MAX_SCOPES = 200
DESCRIPTION_MAX = 500


@dataclass(frozen=True)
class Scope:
    name: str  # the raw scope
    words: str | None  # in plain words, when we know them


@dataclass(frozen=True)
class AccessSummary:
    auth_type: str
    summary: str  # one sentence
    scopes: list[Scope] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "authType": self.auth_type,
            "summary": self.summary,
            "scopes": [{"scope": s.name, "description": s.words} for s in self.scopes],
        }


def scope_parts(scope: str) -> tuple[str | None, str]:
    """A scope's verb in plain words (None when it has none we know) and what it acts on:
    'chat:write' -> ('Change', 'chat'), 'write' -> ('Change', 'your data')."""
    parts = [p for p in re.split(r"[:._/]", str(scope)[:200]) if p]
    verbs = [p for p in parts if p.lower() in _VERBS]
    nouns = [p.replace("-", " ") for p in parts if p.lower() not in _VERBS]
    return (_VERBS[verbs[0].lower()] if verbs else None), (" ".join(nouns) if nouns else "your data")


def scope_in_words(scope: str) -> str | None:
    """'chat:write' -> 'Change chat', 'email' -> 'See your email address'; None when it has no verb we know."""
    scope = str(scope)[:200]
    if scope in KNOWN_SCOPES:
        return KNOWN_SCOPES[scope]
    verb, nouns = scope_parts(scope)
    return f"{verb} {nouns}" if verb else None


def access_summary(auth_config: dict | None) -> AccessSummary:
    auth = auth_config if isinstance(auth_config, dict) else {}
    kind = auth.get("type") if auth.get("type") in ("oauth2", "api_key") else "none"
    if kind == "oauth2":
        raw = auth.get("scopes") if isinstance(auth.get("scopes"), list) else []
        scopes = [Scope(str(s), scope_in_words(str(s))) for s in raw[:MAX_SCOPES]]
        if not scopes:
            return AccessSummary(
                kind, "Signs in to your account on the service; it asks for no specific permissions."
            )
        count = f"{len(scopes)} permission{'s' if len(scopes) != 1 else ''}"
        return AccessSummary(kind, f"Your account on the service, through the {count} you approve:", scopes)
    if kind == "api_key":
        described = auth.get("accessDescription")
        described = " ".join(described.split())[:DESCRIPTION_MAX] if isinstance(described, str) else ""
        if described:
            return AccessSummary(kind, f"With the API key you give it: {described}")
        return AccessSummary(
            kind, "Whatever the API key you give it allows: the publisher has not described the key's access."
        )
    return AccessSummary("none", "No account access: it needs no sign-in and no key.")
