"""Workspaces: create, see members, add, change roles, leave — and every way to get it wrong."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import AuditEvent, Invitation, Membership, Workspace
from app.services import workspaces

from ..counting import row_counts


@pytest.fixture
def team(factories):
    """A workspace with an owner, an admin and a member, plus an outsider with a workspace of their own.
    Committed (into the test's outer transaction), so a refused request's rollback leaves it in place."""
    ws = factories.WorkspaceFactory(slug="acme", name="Acme")
    owner = factories.member(workspace=ws, role="owner")
    admin = factories.member(workspace=ws, role="admin")
    member = factories.member(workspace=ws, role="member")
    outsider = factories.member(role="owner")
    stranger = factories.UserFactory(email="stranger@example.test")
    db.session.commit()
    return SimpleNamespace(
        ws=ws, owner=owner, admin=admin, member=member, outsider=outsider, stranger=stranger
    )


def _role(membership: Membership) -> str | None:
    return db.session.scalar(db.select(Membership.role).where(Membership.id == membership.id))


def _last_audit() -> AuditEvent:
    return db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.created_at.desc())).first()


# --- create ---------------------------------------------------------------------------------


def test_create_makes_the_creator_owner_and_writes_one_audit_event(client, auth, factories):
    user = factories.UserFactory()
    auth.login(user)
    before = row_counts()
    response = client.post_form("/workspaces/new", {"name": "  Blue Team ", "slug": "Blue-Team"})
    assert response.status_code == 302 and response.headers["Location"] == "/workspaces/blue-team"
    workspace = db.session.scalar(db.select(Workspace).where(Workspace.slug == "blue-team"))
    assert workspace.name == "Blue Team"
    assert [(m.user_id, m.role) for m in workspace.memberships] == [(user.id, "owner")]
    after = row_counts()
    assert after["audit_events"] == before["audit_events"] + 1
    assert _last_audit().action == "workspace.created"
    assert "Blue Team" in client.get("/workspaces").get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "slug": "fine-slug"}, "Give the workspace a name."),
        ({"name": "   ", "slug": "fine-slug"}, "Give the workspace a name."),
        ({"name": "N" * 101, "slug": "fine-slug"}, workspaces.NAME_INVALID),
        ({"name": "Fine", "slug": ""}, "Choose an address."),
        ({"name": "Fine", "slug": "s" * 41}, workspaces.SLUG_INVALID),
        ({"name": "Fine", "slug": "no spaces!"}, workspaces.SLUG_INVALID),
        ({"name": "Fine", "slug": "-leading"}, workspaces.SLUG_INVALID),
        ({"name": "Fine", "slug": "new"}, "That name is reserved."),
        ({"name": "Fine", "slug": "ACME"}, workspaces.SLUG_TAKEN),
    ],
)
def test_create_refuses_bad_input_beside_the_field_keeping_the_text(client, auth, team, data, message):
    auth.login(team.outsider.user)
    before = row_counts()
    response = client.post_form("/workspaces/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "field-errors" in page
    for value in data.values():
        if value.strip():
            assert f'value="{value.strip()}"' in page.replace("&#34;", '"')
    assert row_counts() == before


def test_create_without_a_csrf_token_is_refused(client, auth, team):
    auth.login(team.outsider.user)
    before = row_counts()
    assert client.post("/workspaces/new", data={"name": "X", "slug": "xyz"}).status_code == 400
    assert row_counts() == before


def test_workspace_pages_need_a_login(client, team):
    for url in ("/workspaces", "/workspaces/new", "/workspaces/acme"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


# --- see ------------------------------------------------------------------------------------


def test_index_lists_only_my_workspaces_with_my_role(client, auth, team):
    auth.login(team.admin.user)
    page = client.get("/workspaces").get_data(as_text=True)
    assert "Acme" in page and "Admin" in page
    assert team.outsider.workspace.name not in page


def test_members_see_everyone_but_only_managers_get_the_controls(client, auth, team):
    auth.login(team.member.user)
    page = client.get("/workspaces/acme").get_data(as_text=True)
    for m in (team.owner, team.admin, team.member):
        assert m.user.email in page
    assert "Invite someone" not in page and "Change role" not in page and "Remove" not in page
    auth.login(team.admin.user)
    page = client.get("/workspaces/acme").get_data(as_text=True)
    assert "Invite someone" in page and "Change role" in page and "Pending invitations" in page


def test_member_list_costs_the_same_queries_however_many_members(
    client, auth, team, factories, query_counter
):
    auth.login(team.owner.user)
    with query_counter as few:
        client.get("/workspaces/acme")
    for _ in range(5):
        factories.member(workspace=team.ws)
    db.session.commit()
    with query_counter as many:
        client.get("/workspaces/acme")
    assert many.count == few.count


# --- invite (the invitation flow itself: tests/security/test_membership.py) -------------------


def test_an_admin_invites_by_email_with_a_role_and_nobody_joins_yet(client, auth, team):
    auth.login(team.admin.user)
    before = row_counts()
    response = client.post_form(
        "/workspaces/acme/invitations", {"email": " Stranger@Example.TEST", "role": "admin"}
    )
    assert response.status_code == 302
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.workspace_id == team.ws.id))
    assert invitation.email == "stranger@example.test" and invitation.role == "admin"
    after = row_counts()
    assert after["memberships"] == before["memberships"]
    assert after["audit_events"] == before["audit_events"] + 1
    assert after["outbox_messages"] == before["outbox_messages"] + 1
    assert _last_audit().action == "invitation.created"
    page = client.get("/workspaces/acme").get_data(as_text=True)
    assert "Invitation sent to stranger@example.test" in page
    assert "Revoke the invitation to stranger@example.test" in page


@pytest.mark.parametrize(
    "who, data, status, message",
    [
        ("owner", {"email": "", "role": "member"}, 422, "Enter the person&#39;s email."),
        (
            "owner",
            {"email": "x" * 250 + "@example.test", "role": "member"},
            422,
            "Use at most 254 characters.",
        ),
        ("owner", {"email": "not-an-address", "role": "member"}, 422, "Enter a valid email address"),
        ("owner", {"email": "MEMBER", "role": "member"}, 422, "They are already a member"),
        ("owner", {"email": "stranger@example.test", "role": "superuser"}, 422, workspaces.ROLE_INVALID),
        ("admin", {"email": "stranger@example.test", "role": "owner"}, 422, "Only an owner can grant"),
        (
            "member",
            {"email": "stranger@example.test", "role": "member"},
            403,
            "Only the workspace&#39;s owners",
        ),
    ],
)
def test_inviting_refuses_bad_input_and_changes_nothing(client, auth, team, who, data, status, message):
    if data["email"] == "MEMBER":
        data = {**data, "email": team.member.user.email.upper()}
    auth.login(getattr(team, who).user)
    before = row_counts()
    response = client.post_form("/workspaces/acme/invitations", data)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page
    if status != 403 and data["email"]:
        assert f'value="{data["email"]}"' in page
    assert row_counts() == before


# --- change roles ---------------------------------------------------------------------------


def _change(client, team, target, role):
    return client.post_form(f"/workspaces/acme/members/{target.id}/role", {f"m-{target.id}-role": role})


def test_an_owner_promotes_a_member_with_one_audit_event(client, auth, team):
    auth.login(team.owner.user)
    before = row_counts()
    assert _change(client, team, team.member, "owner").status_code == 302
    assert _role(team.member) == "owner"
    assert row_counts()["audit_events"] == before["audit_events"] + 1
    event = _last_audit()
    assert event.action == "membership.role_changed" and event.diff == {
        "role": {"before": "member", "after": "owner"}
    }


def test_an_admin_changes_member_and_admin_roles(client, auth, team):
    auth.login(team.admin.user)
    assert _change(client, team, team.member, "admin").status_code == 302
    assert _role(team.member) == "admin"


@pytest.mark.parametrize(
    "who, target, role, status, message",
    [
        ("admin", "member", "owner", 403, "Only an owner can grant or change the owner role."),
        ("admin", "owner", "member", 403, "Only an owner can grant or change the owner role."),
        ("member", "admin", "member", 403, "Only the workspace&#39;s owners and admins"),
        ("owner", "owner", "admin", 422, "A workspace needs at least one owner."),
        ("owner", "member", "superuser", 422, workspaces.ROLE_INVALID),
        ("owner", "member", "", 422, workspaces.ROLE_INVALID),
    ],
)
def test_role_changes_that_are_not_allowed_change_nothing(
    client, auth, team, who, target, role, status, message
):
    auth.login(getattr(team, who).user)
    target = getattr(team, target)
    before, old_role = row_counts(), target.role
    response = _change(client, team, target, role)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _role(target) == old_role
    assert row_counts() == before


def test_changing_the_role_of_someone_in_another_workspace_is_404(client, auth, team):
    auth.login(team.owner.user)
    before = row_counts()
    response = client.post_form(
        f"/workspaces/acme/members/{team.outsider.id}/role", {f"m-{team.outsider.id}-role": "member"}
    )
    assert response.status_code == 404
    assert _role(team.outsider) == "owner" and row_counts() == before


# --- leave ----------------------------------------------------------------------------------


def test_a_member_leaves_with_one_audit_event(client, auth, team):
    auth.login(team.member.user)
    before = row_counts()
    response = client.post_form("/workspaces/acme/leave")
    assert response.status_code == 302 and response.headers["Location"] == "/workspaces"
    assert _role(team.member) is None
    after = row_counts()
    assert after["memberships"] == before["memberships"] - 1
    assert after["audit_events"] == before["audit_events"] + 1
    assert client.get("/workspaces/acme").status_code == 404


def test_the_last_owner_cannot_leave(client, auth, team):
    auth.login(team.owner.user)
    before = row_counts()
    response = client.post_form("/workspaces/acme/leave")
    assert response.status_code == 422
    assert "You are the only owner" in response.get_data(as_text=True)
    assert row_counts() == before


def test_an_owner_may_leave_once_someone_else_owns_it(client, auth, team):
    auth.login(team.owner.user)
    assert _change(client, team, team.admin, "owner").status_code == 302
    assert client.post_form("/workspaces/acme/leave").status_code == 302
    assert _role(team.owner) is None and _role(team.admin) == "owner"


# --- someone else's workspace, and CSRF -----------------------------------------------------


def _posts(team):
    target = team.member.id
    return [
        ("/workspaces/acme/invitations", {"email": "stranger@example.test", "role": "member"}),
        (f"/workspaces/acme/members/{target}/remove", {}),
        (f"/workspaces/acme/members/{target}/role", {f"m-{target}-role": "admin"}),
        ("/workspaces/acme/leave", {}),
    ]


@pytest.mark.parametrize("slug", ["acme", "no-such-workspace"])
def test_non_members_get_404_on_every_workspace_url(client, auth, team, slug):
    auth.login(team.outsider.user)
    before = row_counts()
    for url in (f"/workspaces/{slug}", f"/workspaces/{slug}/installations"):
        assert client.get(url).status_code == 404, url
    for url, data in _posts(team):
        response = client.post_form(url.replace("/acme/", f"/{slug}/"), data)
        assert response.status_code == 404, url
        assert "Acme" not in response.get_data(as_text=True)
    assert row_counts() == before


def test_every_workspace_post_without_a_csrf_token_is_refused(client, auth, team):
    auth.login(team.owner.user)
    before = row_counts()
    for url, data in _posts(team) + [("/workspaces/new", {"name": "X", "slug": "xyz"})]:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "security token" in response.get_data(as_text=True)
    assert row_counts() == before and _role(team.member) == "member"
