"""In Chromium, at 1280 and 390 px: an admin sets the workspace's install policy (a bad entry first,
told beside the field), sees a community listing refused before consent; a member asks for a
partner listing with a note; the admin approves it, installs it through the wizard, and the member
sees it installed. Screenshots go to /tmp/shots-policy/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.install_support import API_KEY_AUTH, admin, publish

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-policy")
WIDTHS = {"desktop": 1280, "phone": 390}


def _seed(app):
    with app.app_context():
        owner, workspace = admin()
        member = f.member(workspace=workspace, role="member").user
        wanted = publish(name="Partner Sync", trust_tier="verified_partner", auth=API_KEY_AUTH)
        risky = publish(name="Community Widget", trust_tier="community")
        db.session.commit()
        return {
            "owner": owner.email,
            "member": member.email,
            "ws": workspace.slug,
            "ws_name": workspace.name,
            "wanted": f"/integrations/{wanted.publisher}/{wanted.slug}",
            "risky": f"/install/{risky.publisher}/{risky.slug}",
        }


def _log_in(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)


def _shot(page, width_name, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{WIDTHS[width_name]}.png"), full_page=True)


def _no_sideways_scroll(page):
    page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_policy_and_an_approved_request(live_server, browser, width_name):
    seeded = _seed(live_server.app)
    base, ws = live_server.url, seeded["ws"]
    viewport = {"width": WIDTHS[width_name], "height": 900}
    admin_context = browser.new_context(viewport=viewport)
    member_context = browser.new_context(viewport=viewport)
    for context in (admin_context, member_context):
        context.set_default_timeout(10_000)
    try:
        admin_page, member_page = admin_context.new_page(), member_context.new_page()

        # --- the admin sets a policy ----------------------------------------------------------
        _log_in(admin_page, base, seeded["owner"])
        admin_page.goto(f"{base}/workspaces/{ws}/policy")
        expect(admin_page.get_by_role("heading", level=1)).to_have_text(
            f"Install policy of {seeded['ws_name']}"
        )
        admin_page.get_by_label("Minimum trust tier").select_option("verified_publisher")
        admin_page.get_by_label("Block list").fill("tinkerers\nNot A Handle!")
        admin_page.get_by_role("button", name="Save policy").click()
        expect(admin_page.locator("#block_list-errors")).to_contain_text(
            "“Not A Handle!” is not a publisher handle (acme) or a listing (acme/crm-sync)."
        )
        expect(admin_page.get_by_label("Block list")).to_have_value("tinkerers\nNot A Handle!")
        _shot(admin_page, width_name, "policy-error")
        admin_page.get_by_label("Block list").fill("tinkerers")
        admin_page.get_by_role("button", name="Save policy").click()
        expect(admin_page.get_by_text("install policy is saved")).to_be_visible()
        summary = admin_page.locator(".policy-summary")
        expect(summary).to_contain_text(
            "Only Verified publisher integrations or more trusted ones may be installed."
        )
        expect(summary).to_contain_text("Blocked: tinkerers.")
        _no_sideways_scroll(admin_page)
        _shot(admin_page, width_name, "policy-saved")

        # A community listing is refused before any consent, with the reason.
        admin_page.goto(base + seeded["risky"])
        expect(admin_page.get_by_text(f"Not allowed in {seeded['ws_name']}.")).to_be_visible()
        expect(
            admin_page.get_by_text(re.compile("allows only Verified publisher integrations"))
        ).to_be_visible()
        expect(admin_page.get_by_label(re.compile("I trust this publisher"))).to_have_count(0)
        _no_sideways_scroll(admin_page)
        _shot(admin_page, width_name, "install-blocked")

        # Members of the workspace see it on the cards and the detail page too.
        admin_page.goto(f"{base}/integrations?q=Community+Widget")
        expect(admin_page.locator(".integration-card").filter(has_text="Community Widget")).to_contain_text(
            f"Blocked by policy in {seeded['ws_name']}"
        )
        _no_sideways_scroll(admin_page)
        _shot(admin_page, width_name, "catalog-note")
        admin_page.locator(".integration-card").filter(has_text="Community Widget").get_by_role(
            "link", name="Community Widget"
        ).click()
        expect(admin_page.locator(".policy-blocked")).to_contain_text(f"Blocked in {seeded['ws_name']}.")
        _shot(admin_page, width_name, "detail-note")

        # --- a member asks for an install -------------------------------------------------------
        _log_in(member_page, base, seeded["member"])
        member_page.goto(base + seeded["wanted"])
        member_page.get_by_role("link", name="Install Partner Sync").click()
        expect(member_page.get_by_role("heading", name="Ask for it")).to_be_visible()
        member_page.get_by_label("Note to the admins (optional)").fill("We need it to sync partner accounts.")
        _shot(member_page, width_name, "request-form")
        member_page.get_by_role("button", name="Send the request").click()
        expect(member_page.get_by_role("heading", level=1)).to_have_text(
            f"Install requests in {seeded['ws_name']}"
        )
        request_card = member_page.locator(".install-request").filter(has_text="Partner Sync")
        expect(request_card).to_contain_text("Waiting")
        expect(request_card).to_contain_text("We need it to sync partner accounts.")
        expect(member_page.get_by_role("button", name="Approve and install")).to_have_count(0)

        # --- the admin approves and installs through the wizard -----------------------------------
        admin_page.goto(f"{base}/workspaces/{ws}/requests")
        card = admin_page.locator(".install-request").filter(has_text="Partner Sync")
        expect(card).to_contain_text("We need it to sync partner accounts.")
        _no_sideways_scroll(admin_page)
        _shot(admin_page, width_name, "requests-admin")
        card.get_by_role("button", name="Approve and install").click()
        expect(admin_page.get_by_role("heading", level=1)).to_have_text("Install Partner Sync")
        expect(admin_page.get_by_label("Install into workspace")).to_have_value(re.compile(".+"))
        admin_page.get_by_label(re.compile("I trust this publisher")).check()
        admin_page.get_by_role("button", name="Continue").click()
        admin_page.wait_for_load_state("load")
        admin_page.get_by_label("API key").fill("sk_partner_secret_9876")
        admin_page.get_by_role("button", name="Save key and continue").click()
        admin_page.get_by_role("button", name="Confirm and install").click()
        expect(admin_page.get_by_role("heading", level=1)).to_have_text(re.compile("Installations in"))

        admin_page.goto(f"{base}/workspaces/{ws}/requests")
        expect(admin_page.locator(".install-request").filter(has_text="Partner Sync")).to_contain_text(
            "Installed"
        )

        member_page.goto(f"{base}/workspaces/{ws}/requests")
        mine = member_page.locator(".install-request").filter(has_text="Partner Sync")
        expect(mine).to_contain_text("Installed")
        _no_sideways_scroll(member_page)
        _shot(member_page, width_name, "requests-member")
    finally:
        admin_context.close()
        member_context.close()
