"""Install requests: a plain member asks the workspace's owners and admins to install an integration,
with a note; an admin approves (and installs it through the wizard) or denies it with a reason.

A request is open, then approved (an admin opened the wizard for it), then installed (any install of
that integration into that workspace completes it); or denied. At most one is pending (open or
approved) per workspace and integration (a partial unique index). Each change writes one audit event;
admins are mailed about a new request and the requester about the outcome, best effort (a mail
server that does not answer changes nothing but the mail).

Visibility: a request shows its listing only to someone who may see the listing now (a member who
lost access to a private listing since, or an admin who never had it, does not see the request).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..domain.visibility import can_view
from ..extensions import db
from ..models import Installation, InstallRequest, Integration, Membership, User, Workspace
from ..models.base import utcnow
from ..models.policy import NOTE_MAX, PENDING_STATUSES, REASON_MAX
from ..models.workspace import MANAGER_ROLES
from . import audit, install_policy, mail
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .viewer import viewer_for

log = logging.getLogger(__name__)

NOTE_TOO_LONG = f"Keep the note to at most {NOTE_MAX} characters."
REASON_REQUIRED = "Say why the request is denied: the requester reads it."
REASON_TOO_LONG = f"Keep the reason to at most {REASON_MAX} characters."
ALREADY_PENDING = "Someone already asked for this integration in {workspace}; the admins will answer it."
ALREADY_INSTALLED = "{integration} is already installed in {workspace}."
NOT_A_MEMBER = "Choose a workspace where you are a member."
REQUESTS_OFF = "{workspace}'s admins do not take install requests. Ask one of them directly."
ADMINS_INSTALL = "You are an admin of {workspace}: install it yourself."


def _live_installation(workspace_id: str, integration_id: str) -> Installation | None:
    from .wizard import live_installation

    return live_installation(workspace_id, integration_id)


def pending_request(workspace_id: str, integration_id: str) -> InstallRequest | None:
    return db.session.scalar(
        db.select(InstallRequest).where(
            InstallRequest.workspace_id == workspace_id,
            InstallRequest.integration_id == integration_id,
            InstallRequest.status.in_(PENDING_STATUSES),
        )
    )


# --- what a member may ask for ----------------------------------------------------------------


@dataclass(frozen=True)
class Requestable:
    """A workspace where the user is a plain member, and whether they may ask for this integration
    there (`problem`: why not, in plain words; `pending`: the request already waiting)."""

    workspace: Workspace
    problem: str | None = None
    pending: InstallRequest | None = None

    @property
    def may_request(self) -> bool:
        return self.problem is None and self.pending is None


def requestable(user, integration: Integration) -> list[Requestable]:
    rows = db.session.scalars(
        db.select(Workspace)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id, Membership.role == "member")
        .order_by(Workspace.name)
    ).all()
    return [_requestable(workspace, integration) for workspace in rows]


def _requestable(workspace: Workspace, integration: Integration) -> Requestable:
    policy = install_policy.policy_of(workspace.id)
    decision = install_policy.decide(workspace, integration, policy)
    if not decision.allowed:
        return Requestable(workspace, decision.reason)
    if not policy.members_may_request:
        return Requestable(workspace, REQUESTS_OFF.format(workspace=workspace.name))
    if _live_installation(workspace.id, integration.id) is not None:
        return Requestable(
            workspace, ALREADY_INSTALLED.format(integration=integration.name, workspace=workspace.name)
        )
    return Requestable(workspace, pending=pending_request(workspace.id, integration.id))


def create_request(
    user: User, integration: Integration, workspace_id: str | None, note: str | None
) -> InstallRequest:
    """`integration` is one the user may install-view (services.wizard.installable_integration)."""
    membership = db.session.scalar(
        db.select(Membership)
        .options(joinedload(Membership.workspace))
        .where(Membership.user_id == user.id, Membership.workspace_id == str(workspace_id or "")[:36])
    )
    if membership is None:
        raise ValidationFailed(NOT_A_MEMBER, field="workspace")
    workspace = membership.workspace
    if membership.role in MANAGER_ROLES:
        raise ValidationFailed(ADMINS_INSTALL.format(workspace=workspace.name), field="workspace")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(NOTE_TOO_LONG, field="note")
    state = _requestable(workspace, integration)
    if state.pending is not None:
        raise Conflict(ALREADY_PENDING.format(workspace=workspace.name), field="workspace")
    if state.problem:
        raise ValidationFailed(state.problem, field="workspace")
    request = InstallRequest(
        workspace_id=workspace.id,
        integration_id=integration.id,
        requested_by=user.id,
        note=note,
        status="open",
    )
    try:
        with db.session.begin_nested():
            db.session.add(request)
            db.session.flush()
    except IntegrityError:  # another member asked at the same moment
        raise Conflict(ALREADY_PENDING.format(workspace=workspace.name), field="workspace") from None
    request.integration, request.workspace, request.requester = integration, workspace, user
    audit.record(
        user,
        "install_request.created",
        request,
        object_label=_label(request),
        after={"integration": _handle(integration), "note": note, "status": "open"},
    )
    _mail_admins(request)
    return request


# --- the requests page ------------------------------------------------------------------------


def requests_for(user, workspace: Workspace, membership: Membership) -> list[InstallRequest]:
    """Admins see every request of the workspace, members only their own; either only for listings
    they may see now. Pending first, then the latest decisions."""
    query = (
        db.select(InstallRequest)
        .options(
            joinedload(InstallRequest.integration),
            joinedload(InstallRequest.requester),
            joinedload(InstallRequest.decider),
        )
        .where(InstallRequest.workspace_id == workspace.id)
        .order_by(InstallRequest.created_at.desc())
        .limit(200)
    )
    if not membership.can_manage:
        query = query.where(InstallRequest.requested_by == user.id)
    viewer = viewer_for(user)
    rows = [r for r in db.session.scalars(query).unique() if can_view(viewer, r.integration)]
    return sorted(rows, key=lambda r: not r.is_pending)


def _request_in(user, workspace: Workspace, request_id: str) -> InstallRequest:
    """A request of this workspace whose listing the user may see; NotFound otherwise."""
    request = db.session.get(InstallRequest, str(request_id)[:36])
    if request is None or request.workspace_id != workspace.id:
        raise NotFound("No such request.")
    if not can_view(viewer_for(user), request.integration):
        raise NotFound("No such request.")
    return request


def _require_manager(membership: Membership) -> None:
    if not membership.can_manage:
        raise PermissionDenied("Only the workspace's owners and admins answer install requests.")


def approve(actor: User, workspace: Workspace, membership: Membership, request_id: str) -> InstallRequest:
    """Mark the request approved; the caller then opens the install wizard for it (an approved
    request is installed when that wizard, or any install of it into the workspace, completes)."""
    _require_manager(membership)
    request = _request_in(actor, workspace, request_id)
    if request.status == "approved":
        return request  # approved before, wizard left unfinished: open it again
    if request.status != "open":
        raise Conflict("This request was answered already.")
    install_policy.require_allowed(workspace, request.integration, field=None)
    request.status, request.decided_by, request.decided_at = "approved", actor.id, utcnow()
    db.session.flush()
    audit.record(
        actor,
        "install_request.approved",
        request,
        object_label=_label(request),
        before={"status": "open"},
        after={"status": "approved"},
    )
    return request


def deny(
    actor: User, workspace: Workspace, membership: Membership, request_id: str, reason: str | None
) -> InstallRequest:
    _require_manager(membership)
    request = _request_in(actor, workspace, request_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(REASON_REQUIRED, field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(REASON_TOO_LONG, field="reason")
    if not request.is_pending:
        raise Conflict("This request was answered already.")
    before = request.status
    request.status, request.reason = "denied", reason
    request.decided_by, request.decided_at = actor.id, utcnow()
    db.session.flush()
    audit.record(
        actor,
        "install_request.denied",
        request,
        object_label=_label(request),
        before={"status": before, "reason": None},
        after={"status": "denied", "reason": reason},
    )
    _mail_requester(request, "denied")
    return request


def mark_installed(actor: User, installation: Installation) -> None:
    """An install into a workspace completes its pending request for that integration, if any."""
    request = pending_request(installation.workspace_id, installation.integration_id)
    if request is None:
        return
    before = request.status
    request.status, request.installation_id = "installed", installation.id
    if request.decided_by is None:
        request.decided_by, request.decided_at = actor.id, utcnow()
    db.session.flush()
    audit.record(
        actor,
        "install_request.installed",
        request,
        object_label=_label(request),
        before={"status": before},
        after={"status": "installed", "installation_id": installation.id},
    )
    _mail_requester(request, "installed")


# --- mail -------------------------------------------------------------------------------------


def _mail_admins(request: InstallRequest) -> None:
    admins = db.session.scalars(
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == request.workspace_id, Membership.role.in_(MANAGER_ROLES))
        .order_by(User.email)
    ).all()
    for admin in admins:
        if can_view(viewer_for(admin), request.integration):  # a private listing's name stays private
            _send(
                admin.email,
                f"{request.requester.label} asks to install {request.integration.name} in {request.workspace.name}",
                "install_request_created",
                request=request,
                url=mail.link("workspaces.requests", ws=request.workspace.slug),
            )


def _mail_requester(request: InstallRequest, outcome: str) -> None:
    requester = request.requester
    if requester is None or not can_view(viewer_for(requester), request.integration):
        return
    subject = (
        f"{request.integration.name} is installed in {request.workspace.name}"
        if outcome == "installed"
        else f"Your request for {request.integration.name} in {request.workspace.name} was denied"
    )
    _send(
        requester.email,
        subject,
        "install_request_outcome",
        request=request,
        outcome=outcome,
        url=mail.link("workspaces.requests", ws=request.workspace.slug),
    )


def _send(to: str, subject: str, template: str, **context) -> None:
    try:
        mail.send(to, subject, template, **context)
    except mail.MailNotSent:
        # The request itself stands (and shows on the requests page); only the notice is lost.
        log.warning("install request notice to a %s recipient not sent", template)


def _handle(integration: Integration) -> str:
    return f"{integration.publisher}/{integration.slug}"


def _label(request: InstallRequest) -> str:
    return f"{_handle(request.integration)} in {request.workspace.name}"
