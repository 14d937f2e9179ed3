"""Issue 11's journey in one go, in Chromium at 1280 and at 390 px, on a live server whose demo
service (/demo-oauth/test) is the integrations' connection test:

1. an admin installs an api_key integration with a wrong key: told at once, beside the field, on
   the same step (the key not rendered back); fixes it and sees "Connected" there, then installs;
2. sets the workspace's install policy (a minimum trust tier);
3. a member asks for another integration with a note;
4. the admin approves it (the wizard opens on that workspace), is refused a wrong key again, gives
   the right one, sees "Connected", installs;
5. the member sees the outcome on their requests page.

Screenshots of the key screens go to /tmp/shots-connected/ (looked at by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.install_support import admin, publish

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-connected")
WIDTHS = {"desktop": 1280, "phone": 390}
WRONG, RIGHT, RIGHT_TOO = "wrong-key-0000", "demo-key-5678", "demo-key-4321"


def _tested(live_server) -> dict:
    return {
        "type": "api_key",
        "authHeaderName": "Authorization",
        "authValuePrefix": "Bearer ",
        "instructions": "Find it under **Settings → API**.",
        "test": {"method": "GET", "url": f"{live_server.url}/demo-oauth/test", "expectStatus": 200},
    }


def _seed(live_server) -> dict:
    with live_server.app.app_context():
        owner, workspace = admin()
        member = f.member(workspace=workspace, role="member").user
        pager = publish(name="Pager Alerts", trust_tier="verified_publisher", auth=_tested(live_server))
        wanted = publish(name="Partner Sync", trust_tier="verified_partner", auth=_tested(live_server))
        db.session.commit()
        return {
            "owner": owner.email,
            "member": member.email,
            "ws": workspace.slug,
            "ws_name": workspace.name,
            "pager": f"/install/{pager.publisher}/{pager.slug}",
            "wanted": f"/integrations/{wanted.publisher}/{wanted.slug}",
        }


def _log_in(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)


def _look(page, width_name, name):
    """A screenshot for a person to look at, and no page that scrolls sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{WIDTHS[width_name]}.png"), full_page=True)
    page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def _key_step(page, width_name, shot_prefix, name):
    """The auth step: a wrong key refused beside the field, then the right one "Connected"."""
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Connect {name}")
    page.get_by_label("API key").fill(WRONG)
    page.get_by_role("button", name="Test and save key").click()
    expect(page.locator("#api_key-errors")).to_have_text("Invalid key (401)")
    expect(page.get_by_label("API key")).to_have_value("")  # never rendered back
    expect(page.get_by_label("API key")).to_have_attribute("aria-invalid", "true")
    assert WRONG not in page.content()
    _look(page, width_name, f"{shot_prefix}-invalid-key")

    page.get_by_label("API key").fill(RIGHT if shot_prefix == "install" else RIGHT_TOO)
    page.get_by_role("button", name="Test and save key").click()
    expect(page.locator("#api_key-status")).to_have_text(
        re.compile(r"^Connected: the service accepted the key")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Connect {name}")  # still this step
    expect(page.locator("#api_key-errors")).to_have_count(0)
    _look(page, width_name, f"{shot_prefix}-connected")
    page.get_by_role("link", name="Continue").click()
    page.get_by_role("button", name="Confirm and install").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Installations in"))
    row = page.locator("tr.installation").filter(has_text=name)
    expect(row.locator(".installation-status")).to_have_text("Connected")
    expect(row).to_contain_text("checked just now")


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_install_with_a_tested_key_set_a_policy_and_approve_a_request(live_server, browser, width_name):
    seeded = _seed(live_server)
    base, ws = live_server.url, seeded["ws"]
    viewport = {"width": WIDTHS[width_name], "height": 900}
    admin_context = browser.new_context(viewport=viewport)
    member_context = browser.new_context(viewport=viewport)
    for context in (admin_context, member_context):
        context.set_default_timeout(10_000)
    try:
        admin_page, member_page = admin_context.new_page(), member_context.new_page()

        # 1. the admin installs with a wrong key first --------------------------------------------
        _log_in(admin_page, base, seeded["owner"])
        admin_page.goto(base + seeded["pager"])
        admin_page.get_by_label(re.compile("I trust this publisher")).check()
        admin_page.get_by_role("button", name="Continue").click()
        _key_step(admin_page, width_name, "install", "Pager Alerts")
        _look(admin_page, width_name, "installations")

        # 2. ... sets a policy -----------------------------------------------------------------------
        admin_page.goto(f"{base}/workspaces/{ws}/policy")
        admin_page.get_by_label("Minimum trust tier").select_option("verified_publisher")
        admin_page.get_by_role("button", name="Save policy").click()
        expect(admin_page.get_by_text("install policy is saved")).to_be_visible()
        expect(admin_page.locator(".policy-summary")).to_contain_text(
            "Only Verified publisher integrations or more trusted ones may be installed."
        )

        # 3. a member asks for an install, with a note ---------------------------------------------
        _log_in(member_page, base, seeded["member"])
        member_page.goto(base + seeded["wanted"])
        member_page.get_by_role("link", name="Install Partner Sync").click()
        expect(member_page.get_by_role("heading", name="Ask for it")).to_be_visible()
        member_page.get_by_label("Note to the admins (optional)").fill("For the partner accounts, please.")
        member_page.get_by_role("button", name="Send the request").click()
        mine = member_page.locator(".install-request").filter(has_text="Partner Sync")
        expect(mine).to_contain_text("Waiting")

        # 4. the admin approves: the wizard opens on the workspace; the key is tested again --------
        admin_page.goto(f"{base}/workspaces/{ws}/requests")
        card = admin_page.locator(".install-request").filter(has_text="Partner Sync")
        expect(card).to_contain_text("For the partner accounts, please.")
        card.get_by_role("button", name="Approve and install").click()
        expect(admin_page.get_by_role("heading", level=1)).to_have_text("Install Partner Sync")
        expect(admin_page.get_by_label("Install into workspace")).to_have_value(re.compile(".+"))
        expect(admin_page.get_by_label("Install into workspace").locator("option:checked")).to_have_text(
            seeded["ws_name"]
        )
        admin_page.get_by_label(re.compile("I trust this publisher")).check()
        admin_page.get_by_role("button", name="Continue").click()
        _key_step(admin_page, width_name, "approved", "Partner Sync")

        # 5. the member sees the outcome -----------------------------------------------------------
        member_page.goto(f"{base}/workspaces/{ws}/requests")
        mine = member_page.locator(".install-request").filter(has_text="Partner Sync")
        expect(mine).to_contain_text("Installed")
        _look(member_page, width_name, "requests-member")
    finally:
        admin_context.close()
        member_context.close()
