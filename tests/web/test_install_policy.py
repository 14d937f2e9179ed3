"""Workspace install policies through HTTP: the settings page (who may see and change it, validation
beside each field, audit), the wizard refusing a blocked install before consent and on every POST,
and the catalog showing signed-in members what their policies block -- without its caches ever
showing one workspace's policy to anyone else."""

from __future__ import annotations

import re
from html import unescape

import pytest

from app.extensions import db
from app.models import AuditEvent, Installation, WizardSession, WorkspacePolicy
from app.services import install_policy
from tests import factories as f
from tests.install_support import API_KEY_AUTH, add_version, admin, publish, wizard, wizard_id_from


def set_policy(actor, workspace, **values):
    install_policy.save_policy(
        actor,
        workspace,
        min_tier=values.get("min_tier"),
        allow_text=values.get("allow", ""),
        block_text=values.get("block", ""),
        members_may_request=values.get("members_may_request", True),
    )
    db.session.commit()  # as the request boundary would (a refused request's rollback keeps it)


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _last_event() -> AuditEvent:
    return db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(1))


# --- the settings page ------------------------------------------------------------------------


def test_admin_sets_a_policy_and_it_is_audited(client, auth):
    owner, workspace = admin(role="admin")
    auth.login(owner)
    page = client.get(f"/workspaces/{workspace.slug}/policy")
    assert page.status_code == 200 and "Integrations of every trust tier may be installed." in _text(page)
    assert 'name="min_trust_tier"' in _text(page)

    events = _count(AuditEvent)
    saved = client.post_form(
        f"/workspaces/{workspace.slug}/policy",
        {
            "min_trust_tier": "verified_publisher",
            "block_list": "Tinkerers\nacme/crm-sync",
            "allow_list": "acme",
            "members_may_request": "y",
        },
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/workspaces/{workspace.slug}/policy")
    row = db.session.get(WorkspacePolicy, workspace.id)
    assert (row.min_trust_tier, row.block_list, row.allow_list, row.members_may_request) == (
        "verified_publisher",
        ["tinkerers", "acme/crm-sync"],
        ["acme"],
        True,
    )
    assert _count(AuditEvent) == events + 1
    event = _last_event()  # the only event since `events`
    assert event.action == "workspace_policy.updated" and event.workspace_id == workspace.id
    assert event.actor_id == owner.id
    assert event.diff["min_trust_tier"] == {"before": None, "after": "verified_publisher"}
    html = _text(client.get(f"/workspaces/{workspace.slug}/policy"))
    assert "Only Verified publisher integrations or more trusted ones may be installed." in html
    assert "Blocked: acme/crm-sync, tinkerers." in html

    # Saving again turns requests off; the diff shows only what changed.
    client.post_form(
        f"/workspaces/{workspace.slug}/policy",
        {
            "min_trust_tier": "verified_publisher",
            "block_list": "tinkerers, acme/crm-sync",
            "allow_list": "acme",
        },
    )
    diffs = [
        e.diff
        for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "workspace_policy.updated")
        )
    ]
    assert len(diffs) == 2 and {"members_may_request": {"before": True, "after": False}} in diffs


def test_bad_policy_input_is_refused_beside_each_field_keeping_what_was_typed(client, auth):
    owner, workspace = admin()
    auth.login(owner)
    events = _count(AuditEvent)
    response = client.post_form(
        f"/workspaces/{workspace.slug}/policy",
        {
            "min_trust_tier": "gold",
            "block_list": "good\nnot a/handle/x\nboth",
            "allow_list": "Bad_Entry\nboth",
        },
    )
    assert response.status_code == 422
    html = _text(response)
    assert "Choose a trust tier from the list, or “Any tier”." in html
    assert "“not a/handle/x” is not a publisher handle" in html
    assert "“Bad_Entry” is not a publisher handle (acme) or a listing (acme/crm-sync)." in html
    assert "Also on the allow list: both. Keep each entry on one list." in html
    # Each message sits in its own field's error list.
    block_errors = re.search(r'id="block_list-errors">(.*?)</ul>', html, re.S).group(1)
    allow_errors = re.search(r'id="allow_list-errors">(.*?)</ul>', html, re.S).group(1)
    assert "both" in block_errors and "Bad_Entry" in allow_errors and "Bad_Entry" not in block_errors
    assert "not a/handle/x" in html and "Bad_Entry\nboth" in html  # kept as typed
    assert db.session.get(WorkspacePolicy, workspace.id) is None and _count(AuditEvent) == events


def test_members_read_the_policy_outsiders_get_404_and_only_managers_change_it(client, auth):
    owner, workspace = admin()
    set_policy(owner, workspace, min_tier="verified_partner")
    member = f.member(workspace=workspace, role="member").user
    db.session.commit()
    auth.login(member)
    page = client.get(f"/workspaces/{workspace.slug}/policy")
    assert page.status_code == 200 and "Only Verified partner integrations" in _text(page)
    assert 'name="min_trust_tier"' not in _text(page)
    refused = client.post_form(f"/workspaces/{workspace.slug}/policy", {"min_trust_tier": ""})
    assert refused.status_code == 403
    assert db.session.get(WorkspacePolicy, workspace.id).min_trust_tier == "verified_partner"

    outsider, _ = admin()
    auth.login(outsider)
    assert client.get(f"/workspaces/{workspace.slug}/policy").status_code == 404
    assert client.post_form(f"/workspaces/{workspace.slug}/policy", {"min_trust_tier": ""}).status_code == 404
    assert client.get("/workspaces/no-such-ws/policy").status_code == 404


# --- the wizard ---------------------------------------------------------------------------------


def _start_url(integration) -> str:
    return f"/install/{integration.publisher}/{integration.slug}"


def test_a_blocked_install_says_why_before_consent(client, auth):
    owner, workspace = admin()
    set_policy(owner, workspace, min_tier="verified_publisher")
    integration = publish(trust_tier="community")
    auth.login(owner)
    page = client.get(_start_url(integration))
    html = _text(page)
    assert page.status_code == 200
    assert f"Not allowed in {workspace.name}." in html
    assert (
        f"{workspace.name}'s install policy allows only Verified publisher integrations or more trusted ones; "
        "this one is Community." in html
    )
    assert 'name="consent"' not in html  # nothing to consent to
    # The reason comes before the consent section.
    assert html.index("Not allowed in") < html.index("What you are installing")

    response = client.post_form(_start_url(integration), {"workspace": workspace.id, "consent": "y"})
    assert response.status_code == 403 and "allows only Verified publisher" in _text(response)
    assert _count(WizardSession) == 0


def test_blocked_in_one_workspace_installable_in_another(client, auth):
    owner, blocking = admin()
    _, open_ws = admin()
    f.member(user=owner, workspace=open_ws, role="owner")
    integration = publish()
    set_policy(owner, blocking, block=integration.publisher)
    auth.login(owner)
    html = _text(client.get(_start_url(integration)))
    assert f"Not allowed in {blocking.name}." in html
    assert f"blocks every integration by {integration.publisher}" in html
    assert f'<option value="{open_ws.id}"' in html and f'<option value="{blocking.id}"' not in html
    started = client.post_form(_start_url(integration), {"workspace": open_ws.id, "consent": "y"})
    assert started.status_code == 302
    # Moving the wizard to the blocking workspace on step 1 is refused too.
    wid = wizard_id_from(started.headers["Location"])
    moved = client.post_form(f"/install/w/{wid}/workspace", {"workspace": blocking.id, "consent": "y"})
    assert moved.status_code == 403 and wizard(wid).workspace_id == open_ws.id


def test_a_policy_saved_mid_wizard_stops_every_step_and_the_confirm(client, auth):
    owner, workspace = admin()
    integration = publish(auth=API_KEY_AUTH)
    auth.login(owner)
    started = client.post_form(_start_url(integration), {"workspace": workspace.id, "consent": "y"})
    wid = wizard_id_from(started.headers["Location"])
    client.post_form(f"/install/w/{wid}/auth", {"api_key": "sk_test_1234567890"})
    assert client.get(f"/install/w/{wid}/review").status_code == 200

    set_policy(owner, workspace, block=f"{integration.publisher}/{integration.slug}")
    reason = f"{workspace.name}'s install policy blocks {integration.publisher}/{integration.slug}."
    for step in ("workspace", "auth", "review"):
        page = client.get(f"/install/w/{wid}/{step}")
        assert page.status_code == 403 and reason in _text(page), step
    for step, data in (
        ("workspace", {"workspace": workspace.id, "consent": "y"}),
        ("auth", {"api_key": "sk_test_other"}),
        ("review", {}),
    ):
        assert client.post_form(f"/install/w/{wid}/{step}", data).status_code == 403, step
    assert client.post_form(f"/install/w/{wid}/auth/connect").status_code == 403
    assert _count(Installation) == 0
    # Leaving is never refused: the wizard goes, with the key it staged.
    assert client.post_form(f"/install/w/{wid}/cancel").status_code == 302
    assert wizard(wid) is None


def test_confirm_install_refuses_a_blocked_install_even_past_the_step_checks(client, auth):
    """The service itself refuses (defence in depth under the wizard's checks)."""
    from app.services import installs

    owner, workspace = admin()
    integration = publish()
    auth.login(owner)
    started = client.post_form(_start_url(integration), {"workspace": workspace.id, "consent": "y"})
    wid = wizard_id_from(started.headers["Location"])
    set_policy(owner, workspace, min_tier="first_party")
    with pytest.raises(install_policy.PolicyBlocked, match="allows only First party integrations"):
        installs.confirm_install(owner, wizard(wid))
    assert _count(Installation) == 0


def test_a_blocked_dependency_is_refused_with_the_reason(client, auth):
    owner, workspace = admin()
    dependency = publish(trust_tier="community")
    parent = publish(
        trust_tier="verified_partner",
        manifest={
            "members": [],
            "dependencies": [
                {"integration": f"{dependency.publisher}/{dependency.slug}", "version": "^1.0.0"}
            ],
            "defaults": {},
        },
    )
    set_policy(owner, workspace, min_tier="verified_partner")
    auth.login(owner)
    started = client.post_form(_start_url(parent), {"workspace": workspace.id, "consent": "y"})
    wid = wizard_id_from(started.headers["Location"])
    page = _text(client.get(f"/install/w/{wid}/dependencies"))
    assert "Not installed; blocked by policy" in page and "allows only Verified partner" in page
    assert f"Install {dependency.name} 1.0.0 first" not in page
    sessions = _count(WizardSession)
    response = client.post_form(
        f"/install/w/{wid}/dependencies/install", {"dependency": f"{dependency.publisher}/{dependency.slug}"}
    )
    assert response.status_code == 403 and "allows only Verified partner" in _text(response)
    assert _count(WizardSession) == sessions and _count(Installation) == 0


def test_what_is_installed_stays_manageable_under_a_new_policy(client, auth):
    """A policy decides new installs; an installed integration keeps its page and its upgrades."""
    owner, workspace = admin()
    integration = publish()
    auth.login(owner)
    started = client.post_form(_start_url(integration), {"workspace": workspace.id, "consent": "y"})
    wid = wizard_id_from(started.headers["Location"])
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    set_policy(owner, workspace, block=integration.publisher)
    add_version(integration, "1.1.0")
    db.session.commit()
    page = client.get(f"/workspaces/{workspace.slug}/installations")
    assert page.status_code == 200 and integration.name in _text(page)


# --- the catalog --------------------------------------------------------------------------------


def test_members_see_what_their_policy_blocks_and_nobody_else_does(client, auth):
    owner, workspace = admin()
    member = f.member(workspace=workspace, role="member").user
    twin = f.member(workspace=workspace, role="member").user  # the same membership set as `member`
    stranger, _ = admin()
    integration = publish(trust_tier="community", name="Zebra Policy Probe")
    set_policy(owner, workspace, min_tier="verified_partner")
    note = f"Blocked by policy in {workspace.name}"
    catalog_url = "/integrations?q=Zebra+Policy+Probe"
    detail_url = f"/integrations/{integration.publisher}/{integration.slug}"

    # Anonymous first (its whole page is kept), then members (their fragments are kept).
    for url in (catalog_url, detail_url):
        assert "Blocked" not in _text(client.get(url))
    for user in (member, twin, owner):
        auth.login(user)
        assert note in _text(client.get(catalog_url)), user.email
        detail = _text(client.get(detail_url))
        assert f"Blocked in {workspace.name}." in detail and "allows only Verified partner" in detail
        auth.logout()
    # Another workspace's member, and then an anonymous visitor, right after: nothing of it.
    auth.login(stranger)
    stranger_catalog = _text(client.get(catalog_url))
    assert note not in stranger_catalog and "Zebra Policy Probe" in stranger_catalog
    assert "Blocked in" not in _text(client.get(detail_url))
    auth.logout()
    for url in (catalog_url, detail_url, "/"):
        html = _text(client.get(url))
        assert workspace.name not in html and "Blocked" not in html, url

    # A policy changed since: the kept fragments and pages are not answered again.
    set_policy(owner, workspace)
    auth.login(member)
    assert note not in _text(client.get(catalog_url))
    assert "Blocked in" not in _text(client.get(detail_url))


def test_the_catalog_reads_policies_in_one_query(client, auth, query_counter):
    owner, workspace = admin()
    for _ in range(4):
        publish(trust_tier="community", name="Quokka Count Probe")
    set_policy(owner, workspace, min_tier="verified_partner")
    auth.login(owner)
    url = "/integrations?q=Quokka+Count+Probe&sort=name"
    assert _text(client.get(url)).count(f"Blocked by policy in {workspace.name}") == 4
    set_policy(owner, workspace, min_tier="first_party")  # a new generation: rendered afresh
    with query_counter as counted:
        html = _text(client.get(url))
    assert html.count(f"Blocked by policy in {workspace.name}") == 4
    policy_reads = [s for s in counted.statements if "workspace_policies" in s]
    assert len(policy_reads) == 1


def test_an_unfinished_wizard_is_not_resumed_into_a_workspace_that_now_blocks_it(client, auth):
    owner, workspace = admin()
    integration = publish(auth=API_KEY_AUTH)
    auth.login(owner)
    started = client.post_form(_start_url(integration), {"workspace": workspace.id, "consent": "y"})
    wid = wizard_id_from(started.headers["Location"])
    assert client.get(_start_url(integration)).headers["Location"].endswith(f"/install/w/{wid}/auth")
    set_policy(owner, workspace, block=integration.publisher)
    page = client.get(_start_url(integration))
    assert page.status_code == 200 and f"Not allowed in {workspace.name}." in _text(page)
