"""Review before trust: which changes to a listing above `community` wait for staff, and which
versions are live (current for everyone) meanwhile.

A version waits when, against the current version, it grows the oauth2 scopes, changes the auth
type, or moves `authorizeUrl`/`tokenUrl` to another host. A rename waits too. Until staff approve,
the waiting version is current only for its own workspace; the public listing keeps the current
version (and the old name). `version_is_live` / `live_version_clause` are the one rule for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, or_

COMMUNITY = "community"
PENDING, APPROVED, REJECTED, SUPERSEDED = "pending", "approved", "rejected", "superseded"
# review_state values of a version anyone may see as current (NULL: published without review).
LIVE_REVIEW_STATES = (APPROVED,)
ENDPOINTS = ("authorizeUrl", "tokenUrl")


@dataclass(frozen=True)
class Trigger:
    code: str  # scopes_grown | auth_type_changed | host_moved | renamed
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


def needs_review(trust_tier: str) -> bool:
    """Only listings above `community` wait for staff: their tier is a promise someone checked."""
    return trust_tier != COMMUNITY


def version_is_live(version) -> bool:
    """A version anyone may see as current: published without review, or approved. A pending,
    rejected or superseded version is current for nobody outside its own workspace."""
    state = getattr(version, "review_state", None)
    return state is None or state in LIVE_REVIEW_STATES


def live_version_clause(model) -> ColumnElement[bool]:
    """SQL twin of version_is_live, for IntegrationVersion (or a model with its review_state)."""
    return or_(model.review_state.is_(None), model.review_state.in_(LIVE_REVIEW_STATES))


def may_be_current(version, *, own_workspace: bool) -> bool:
    """Review's part of "may this (non-yanked) version be current for this viewer": a live version for
    everyone; one waiting for review only for a member of the listing's own workspace."""
    return version_is_live(version) or (own_workspace and getattr(version, "review_state", None) == PENDING)


def current_candidate_clause(model, own_integration_ids) -> ColumnElement[bool]:
    """SQL twin of may_be_current. `own_integration_ids`: the viewer's own workspaces' integration ids
    (a list or a subquery, e.g. select(Integration.id).where(Integration.workspace_id.in_(member_of)))."""
    return or_(
        live_version_clause(model),
        and_(model.review_state == PENDING, model.integration_id.in_(own_integration_ids)),
    )


def may_see_version(version, *, own_workspace: bool) -> bool:
    """In a listing's version history (detail page, API versions): versions waiting for or refused in
    review only for its own workspace's members."""
    return own_workspace or version_is_live(version)


def scopes_of(auth_config: dict | None) -> list[str]:
    scopes = (auth_config or {}).get("scopes") or []
    return [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []


def host_of(url) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        return (urlsplit(url.strip()).hostname or "").lower() or None
    except ValueError:
        return None


def version_triggers(trust_tier: str, current_auth: dict | None, new_auth: dict | None) -> list[Trigger]:
    """Why a new version's authConfig must wait for staff, compared with the current version's.
    Empty when it need not (community listings, or nothing that widens trust changed)."""
    if not needs_review(trust_tier) or current_auth is None:
        return []
    current_auth, new_auth = current_auth or {}, new_auth or {}
    found = []
    grown = sorted(set(scopes_of(new_auth)) - set(scopes_of(current_auth)))
    if grown:
        found.append(Trigger("scopes_grown", "New scopes: " + ", ".join(grown) + "."))
    old_type, new_type = current_auth.get("type", "none"), new_auth.get("type", "none")
    if old_type != new_type:
        found.append(Trigger("auth_type_changed", f"Auth type changes from {old_type} to {new_type}."))
    for key in ENDPOINTS:
        old_host, new_host = host_of(current_auth.get(key)), host_of(new_auth.get(key))
        if new_host is not None and old_host is not None and old_host != new_host:
            found.append(Trigger("host_moved", f"{key} moves from {old_host} to {new_host}."))
    return found


def rename_triggers(trust_tier: str, published: bool, old_name: str, new_name: str) -> list[Trigger]:
    """A published listing above `community` that changes its name waits (the old name shows)."""
    if not needs_review(trust_tier) or not published or old_name == new_name:
        return []
    return [Trigger("renamed", f"Renamed from “{old_name}” to “{new_name}”.")]
