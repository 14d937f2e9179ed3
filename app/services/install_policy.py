"""Workspace install policies: load them, save them (admins; validated, audited), and ask the domain's
one decision (app/domain/install_policy.py) for a workspace and a listing.

Pages that list integrations show signed-in people where their workspaces' policies block a listing.
Those pages are cached per membership set at the catalog generation (app/web/page_cache.py), so a
saved policy moves the listing generation: no page rendered under the old policy is answered again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..domain import install_policy as rule
from ..domain.visibility import Viewer
from ..extensions import db
from ..models import Integration, User, Workspace, WorkspacePolicy
from . import audit
from .catalog import bump_listing_generation
from .errors import ServiceError, ValidationFailed


class PolicyBlocked(ServiceError):
    """The workspace's install policy refuses this listing; the message says why, in plain words."""

    code = "blocked_by_policy"
    status = 403


MIN_TIER_INVALID = "Choose a trust tier from the list, or “Any tier”."


def as_rule(row: WorkspacePolicy | None) -> rule.Policy:
    if row is None:
        return rule.DEFAULT
    return rule.Policy(
        min_tier=row.min_trust_tier,
        allow=frozenset(row.allow_list or ()),
        block=frozenset(row.block_list or ()),
        members_may_request=bool(row.members_may_request),
    )


def policy_of(workspace_id: str) -> rule.Policy:
    return as_rule(db.session.get(WorkspacePolicy, workspace_id))


def policy_row(workspace_id: str) -> WorkspacePolicy | None:
    return db.session.get(WorkspacePolicy, workspace_id)


def decide(workspace: Workspace, integration, policy: rule.Policy | None = None) -> rule.Decision:
    """`integration`: anything with publisher, slug and trust_tier (a model or a catalog row)."""
    policy = policy if policy is not None else policy_of(workspace.id)
    return rule.decide(
        policy, integration.publisher, integration.slug, integration.trust_tier, workspace.name
    )


def require_allowed(
    workspace: Workspace, integration: Integration, *, field: str | None = "workspace"
) -> None:
    decision = decide(workspace, integration)
    if not decision.allowed:
        raise PolicyBlocked(decision.reason, field=field)


# --- what pages show signed-in people ------------------------------------------------------------


@dataclass(frozen=True)
class Blocked:
    workspace: Workspace
    reason: str


def policies_for(workspace_ids: Iterable[str]) -> list[tuple[Workspace, rule.Policy]]:
    """The given workspaces with their policies (one query), by name."""
    ids = sorted(set(workspace_ids))
    if not ids:
        return []
    rows = db.session.execute(
        db.select(Workspace, WorkspacePolicy)
        .outerjoin(WorkspacePolicy, WorkspacePolicy.workspace_id == Workspace.id)
        .where(Workspace.id.in_(ids))
        .order_by(Workspace.name)
    ).all()
    return [(workspace, as_rule(row)) for workspace, row in rows]


def _restrictive(policies):
    return [(w, p) for w, p in policies if p.min_tier or p.block]


def blocked_for(viewer: Viewer, integration) -> list[Blocked]:
    """Where the viewer's workspaces' policies block `integration`, and why (the detail page)."""
    policies = _restrictive(policies_for(viewer.member_of))
    return [
        Blocked(workspace, decision.reason)
        for workspace, policy in policies
        if not (decision := decide(workspace, integration, policy)).allowed
    ]


def blocked_names(viewer: Viewer, integrations: Iterable) -> dict[str, str]:
    """integration id -> "Blocked in Acme, Initech" for the cards the viewer sees (one query in all).
    Depends on the viewer's memberships only, as the listing fragments they are rendered into must."""
    policies = _restrictive(policies_for(viewer.member_of))
    if not policies:
        return {}
    notes = {}
    for integration in integrations:
        names = [w.name for w, p in policies if not decide(w, integration, p).allowed]
        if names:
            notes[integration.id] = "Blocked by policy in " + ", ".join(names)
    return notes


# --- saving ------------------------------------------------------------------------------------


FIELDS = ("min_trust_tier", "allow_list", "block_list", "members_may_request")


def save_policy(
    actor: User,
    workspace: Workspace,
    *,
    min_tier: str | None,
    allow_text: str | None,
    block_text: str | None,
    members_may_request: bool,
) -> WorkspacePolicy:
    """Validate everything, then write the policy (one audit event). Problems come back all at once,
    each beside its field; nothing is written then."""
    problems = []
    try:
        min_tier = rule.valid_min_tier(min_tier)
    except ValueError:
        problems.append({"field": "min_trust_tier", "message": MIN_TIER_INVALID})
    allow, block = rule.parse_entries(allow_text), rule.parse_entries(block_text)
    problems += [{"field": "allow_list", "message": m} for m in allow.errors]
    problems += [{"field": "block_list", "message": m} for m in block.errors]
    overlap = rule.overlap_error(allow.entries, block.entries)
    if overlap:
        problems.append({"field": "block_list", "message": overlap})
    if problems:
        raise ValidationFailed("Some settings need another look.", details=problems)
    row = policy_row(workspace.id)
    before = audit.snapshot(row, FIELDS) if row is not None else {}
    if row is None:
        row = WorkspacePolicy(workspace_id=workspace.id)
        db.session.add(row)
    row.min_trust_tier = min_tier
    row.allow_list = list(allow.entries)
    row.block_list = list(block.entries)
    row.members_may_request = bool(members_may_request)
    row.updated_by = actor.id
    db.session.flush()
    after = audit.snapshot(row, FIELDS)
    audit.record(
        actor,
        "workspace_policy.updated",
        object_type="workspace_policy",
        object_id=workspace.id,
        object_label=workspace.name,
        workspace_id=workspace.id,
        before=before,
        after=after,
    )
    bump_listing_generation()  # cached listing pages show members what their policies block
    return row
