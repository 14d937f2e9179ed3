"""Members' install requests through HTTP: asking (with a note, once per integration and workspace,
only where the policy lets members ask), the requests page (admins see all, members their own,
outsiders 404), approve (the wizard opens prefilled; the install completes the request) and deny
(with a reason), the mail each sends, the audit trail, and listings the viewer may not see."""

from __future__ import annotations

from html import unescape

from app.extensions import db
from app.models import AuditEvent, InstallRequest, OutboxMessage
from app.services import install_policy
from tests import factories as f
from tests.install_support import admin, publish, wizard_id_from


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def _mail_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.recipients == address)))


def _team():
    """A workspace with an owner, an admin and two plain members."""
    owner, workspace = admin()
    second = f.member(workspace=workspace, role="admin").user
    member = f.member(workspace=workspace, role="member").user
    other = f.member(workspace=workspace, role="member").user
    db.session.commit()
    return workspace, owner, second, member, other


def _ask(client, integration, workspace, note="We need it for on-call."):
    return client.post_form(
        f"/install/{integration.publisher}/{integration.slug}/request",
        {"request-workspace": workspace.id, "request-note": note},
    )


def _request_of(workspace, integration) -> InstallRequest:
    db.session.expire_all()
    return db.session.scalar(
        db.select(InstallRequest)
        .where(InstallRequest.workspace_id == workspace.id, InstallRequest.integration_id == integration.id)
        .order_by(InstallRequest.created_at.desc())
        .limit(1)
    )


def test_a_member_asks_and_the_admins_are_mailed(client, auth):
    workspace, owner, second, member, _ = _team()
    integration = publish(name="Pager Bridge")
    auth.login(member)
    page = _text(client.get(f"/install/{integration.publisher}/{integration.slug}"))
    assert "Ask for it" in page and 'name="request-note"' in page and owner.email in page

    response = _ask(client, integration, workspace)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/workspaces/{workspace.slug}/requests"
    )
    request = _request_of(workspace, integration)
    assert (request.status, request.note, request.requested_by) == (
        "open",
        "We need it for on-call.",
        member.id,
    )
    [event] = _events("install_request.created")
    assert (
        event.actor_id == member.id and event.workspace_id == workspace.id and event.object_id == request.id
    )
    for manager in (owner, second):
        [mail] = _mail_to(manager.email)
        assert "Pager Bridge" in mail.subject and "We need it for on-call." in mail.body
        assert f"/workspaces/{workspace.slug}/requests" in mail.body
    assert _mail_to(member.email) == []

    mine = _text(client.get(f"/workspaces/{workspace.slug}/requests"))
    assert "Pager Bridge" in mine and "Waiting" in mine and "Approve" not in mine
    # The start page now says it was asked for, and offers no second request.
    again = _text(client.get(f"/install/{integration.publisher}/{integration.slug}"))
    assert "already requested by you" in again and 'name="request-note"' not in again


def test_one_pending_request_per_integration_and_workspace(client, auth):
    workspace, _, _, member, other = _team()
    integration = publish()
    auth.login(member)
    assert _ask(client, integration, workspace).status_code == 302
    auth.login(other)
    response = _ask(client, integration, workspace, note="me too")
    assert response.status_code == 409
    assert "Someone already asked for this integration" in _text(response)
    assert _count(InstallRequest) == 1


def test_requests_refused_with_a_clear_message(client, auth):
    workspace, owner, _, member, _ = _team()
    integration = publish(trust_tier="community")
    auth.login(member)
    too_long = _ask(client, integration, workspace, note="x" * 1001)
    assert too_long.status_code == 422 and "at most 1000 characters" in _text(too_long)
    assert "x" * 1001 in _text(too_long)  # kept as typed

    outsider_ws = f.WorkspaceFactory()
    db.session.commit()
    assert _ask(client, integration, outsider_ws).status_code == 422

    install_policy.save_policy(
        owner, workspace, min_tier=None, allow_text="", block_text="", members_may_request=False
    )
    db.session.commit()
    off = _ask(client, integration, workspace)
    assert off.status_code == 422 and "do not take install requests" in _text(off)
    page = _text(client.get(f"/install/{integration.publisher}/{integration.slug}"))
    assert "do not take install requests" in page and 'name="request-note"' not in page

    install_policy.save_policy(
        owner, workspace, min_tier="verified_partner", allow_text="", block_text="", members_may_request=True
    )
    db.session.commit()
    blocked = _ask(client, integration, workspace)
    assert blocked.status_code == 422 and "allows only Verified partner" in _text(blocked)
    assert _count(InstallRequest) == 0

    # Admins install; they do not ask.
    auth.login(owner)
    assert _ask(client, publish(), workspace).status_code == 422
    assert _count(InstallRequest) == 0


def test_who_sees_which_requests(client, auth):
    workspace, owner, _, member, other = _team()
    first, second = publish(name="First Wanted"), publish(name="Second Wanted")
    auth.login(member)
    _ask(client, first, workspace)
    auth.login(other)
    _ask(client, second, workspace)

    page = _text(client.get(f"/workspaces/{workspace.slug}/requests"))
    assert "Second Wanted" in page and "First Wanted" not in page
    auth.login(owner)
    page = _text(client.get(f"/workspaces/{workspace.slug}/requests"))
    assert "Second Wanted" in page and "First Wanted" in page and page.count("Approve and install") == 2

    outsider, _ = admin()
    auth.login(outsider)
    request = _request_of(workspace, first)
    assert client.get(f"/workspaces/{workspace.slug}/requests").status_code == 404
    assert client.post_form(f"/workspaces/{workspace.slug}/requests/{request.id}/approve").status_code == 404
    deny_field = f"d-{request.id}-reason"
    assert (
        client.post_form(
            f"/workspaces/{workspace.slug}/requests/{request.id}/deny", {deny_field: "no"}
        ).status_code
        == 404
    )
    # A member may not answer requests, not even their own.
    auth.login(member)
    assert client.post_form(f"/workspaces/{workspace.slug}/requests/{request.id}/approve").status_code == 403
    assert (
        client.post_form(
            f"/workspaces/{workspace.slug}/requests/{request.id}/deny", {deny_field: "no"}
        ).status_code
        == 403
    )
    assert _request_of(workspace, first).status == "open"
    # Another workspace's request id through this workspace's address: 404.
    other_ws, other_owner, _, other_member, _ = _team()
    auth.login(other_member)
    _ask(client, first, other_ws)
    foreign = _request_of(other_ws, first)
    auth.login(owner)
    assert client.post_form(f"/workspaces/{workspace.slug}/requests/{foreign.id}/approve").status_code == 404


def test_deny_needs_a_reason_and_tells_the_requester(client, auth):
    workspace, owner, _, member, _ = _team()
    integration = publish(name="Denied Thing")
    auth.login(member)
    _ask(client, integration, workspace)
    request = _request_of(workspace, integration)
    auth.login(owner)
    url = f"/workspaces/{workspace.slug}/requests/{request.id}/deny"
    empty = client.post_form(url, {f"d-{request.id}-reason": "   "})
    assert empty.status_code == 422 and "Say why the request is denied" in _text(empty)
    assert f'id="d-{request.id}-reason-errors"' in _text(empty)
    assert _request_of(workspace, integration).status == "open"

    done = client.post_form(url, {f"d-{request.id}-reason": "We use another pager tool."})
    assert done.status_code == 302
    request = _request_of(workspace, integration)
    assert (request.status, request.reason, request.decided_by) == (
        "denied",
        "We use another pager tool.",
        owner.id,
    )
    [event] = _events("install_request.denied")
    assert event.actor_id == owner.id and event.diff["status"] == {"before": "open", "after": "denied"}
    [mail] = _mail_to(member.email)
    assert "denied" in mail.subject and "We use another pager tool." in mail.body
    assert client.post_form(url, {f"d-{request.id}-reason": "again"}).status_code == 409

    auth.login(member)
    page = _text(client.get(f"/workspaces/{workspace.slug}/requests"))
    assert "Denied" in page and "We use another pager tool." in page
    # Denied is no longer pending: the member may ask again.
    assert _ask(client, integration, workspace, note="Please reconsider").status_code == 302


def test_approve_opens_the_wizard_prefilled_and_the_install_completes_the_request(client, auth):
    workspace, owner, _, member, _ = _team()
    _, elsewhere = admin()
    f.member(user=owner, workspace=elsewhere, role="owner")
    db.session.commit()
    integration = publish(name="Approved Thing")
    auth.login(member)
    _ask(client, integration, workspace)
    request = _request_of(workspace, integration)

    auth.login(owner)
    approved = client.post_form(f"/workspaces/{workspace.slug}/requests/{request.id}/approve")
    assert approved.status_code == 302
    location = approved.headers["Location"]
    assert f"/install/{integration.publisher}/{integration.slug}?" in location
    assert f"workspace={workspace.id}" in location and "new=1" in location
    assert _request_of(workspace, integration).status == "approved"
    [event] = _events("install_request.approved")
    assert event.actor_id == owner.id
    start = _text(client.get(location))
    assert (
        f'<option selected value="{workspace.id}"' in start
        or f'<option value="{workspace.id}" selected' in start
    )

    # The admin consents and installs; the request is then installed, and the requester told.
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    request = _request_of(workspace, integration)
    assert request.status == "installed" and request.installation_id is not None
    [event] = _events("install_request.installed")
    assert event.diff["status"] == {"before": "approved", "after": "installed"}
    [mail] = _mail_to(member.email)
    assert "is installed in" in mail.subject

    auth.login(member)
    page = _text(client.get(f"/workspaces/{workspace.slug}/requests"))
    assert "Installed" in page and "Approved Thing" in page


def test_approve_refuses_what_the_policy_now_blocks(client, auth):
    workspace, owner, _, member, _ = _team()
    integration = publish(trust_tier="community")
    auth.login(member)
    _ask(client, integration, workspace)
    request = _request_of(workspace, integration)
    install_policy.save_policy(
        owner, workspace, min_tier="first_party", allow_text="", block_text="", members_may_request=True
    )
    db.session.commit()
    auth.login(owner)
    refused = client.post_form(f"/workspaces/{workspace.slug}/requests/{request.id}/approve")
    assert refused.status_code == 403 and "allows only First party" in _text(refused)
    assert _request_of(workspace, integration).status == "open"


def test_a_request_for_a_listing_the_viewer_cannot_see_does_not_leak(client, auth):
    """A private listing of a source workspace the requester belongs to: the requesting workspace's
    admin (no member of the source) never sees it; the requester stops seeing it on leaving."""
    workspace, owner, _, member, _ = _team()
    source = f.WorkspaceFactory()
    f.member(user=member, workspace=source, role="member")
    db.session.commit()
    secret = publish(workspace=source, visibility="private", name="Secret Internal Tool")
    auth.login(member)
    assert _ask(client, secret, workspace).status_code == 302
    request = _request_of(workspace, secret)
    assert _mail_to(owner.email) == []  # the admins cannot see it: no mail naming it

    auth.login(owner)
    page = _text(client.get(f"/workspaces/{workspace.slug}/requests"))
    assert "Secret Internal Tool" not in page and secret.slug not in page
    assert client.post_form(f"/workspaces/{workspace.slug}/requests/{request.id}/approve").status_code == 404
    deny = client.post_form(
        f"/workspaces/{workspace.slug}/requests/{request.id}/deny", {f"d-{request.id}-reason": "no"}
    )
    assert deny.status_code == 404

    auth.login(member)
    assert "Secret Internal Tool" in _text(client.get(f"/workspaces/{workspace.slug}/requests"))
    db.session.execute(
        db.delete(f.Membership).where(
            f.Membership.user_id == member.id, f.Membership.workspace_id == source.id
        )
    )
    db.session.commit()
    page = _text(client.get(f"/workspaces/{workspace.slug}/requests"))
    assert "Secret Internal Tool" not in page and secret.slug not in page


def test_the_workspace_pages_link_to_policy_and_requests(client, auth):
    workspace, owner, _, member, _ = _team()
    for user in (owner, member):
        auth.login(user)
        for url in (f"/workspaces/{workspace.slug}", f"/workspaces/{workspace.slug}/installations"):
            html = _text(client.get(url))
            assert f'href="/workspaces/{workspace.slug}/requests"' in html
            assert f'href="/workspaces/{workspace.slug}/policy"' in html
