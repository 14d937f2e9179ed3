"""An admin, in Chromium: installs an api_key integration whose authConfig declares a connection
test (the demo service's /demo-oauth/test on the live server). A wrong key is refused at once,
beside the field (never rendered back); the right one answers "Connected" beside the field on the
same step, then Continue moves on, and the installations page says "Connected". A replacement key
is tested first: a wrong one is refused beside the field and the old key keeps working.
Screenshots at 390 and 1280 px go to /tmp/shots-queue/ (looked at by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.install_support import admin, publish

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-queue")
WRONG, RIGHT = "wrong-key-0000", "demo-key-5678"


def _seed(live_server):
    with live_server.app.app_context():
        user, workspace = admin()
        integration = publish(
            name="Pager Alerts",
            trust_tier="verified_publisher",
            auth={
                "type": "api_key",
                "authHeaderName": "Authorization",
                "authValuePrefix": "Bearer ",
                "test": {"method": "GET", "url": f"{live_server.url}/demo-oauth/test", "expectStatus": 200},
            },
        )
        db.session.commit()
        return user.email, workspace.slug, f"/install/{integration.publisher}/{integration.slug}"


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_wrong_key_is_refused_at_once_and_the_fixed_one_shows_connected(live_server, page):
    email, ws, install_url = _seed(live_server)
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + install_url)
    page.get_by_label(re.compile("I trust this publisher")).check()
    page.get_by_role("button", name="Continue").click()

    page.wait_for_load_state("load")
    page.get_by_label("API key").fill(WRONG)
    page.get_by_role("button", name="Test and save key").click()
    expect(page.locator("#api_key-errors")).to_have_text("Invalid key (401)")  # at once, beside the field
    expect(page.get_by_label("API key")).to_have_value("")  # a secret is never rendered back
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pager Alerts")
    _shoot(page, "wizard-auth-invalid-key")

    page.get_by_label("API key").fill(RIGHT)
    page.get_by_role("button", name="Test and save key").click()
    expect(page.locator("#api_key-status")).to_have_text(re.compile(r"^Connected: .*5678\.$"))
    assert "/auth" in page.url and RIGHT not in page.content()  # still the auth step
    _shoot(page, "wizard-auth-connected")
    page.get_by_role("link", name="Continue").click()
    page.get_by_role("button", name="Confirm and install").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Installations in"))
    row = page.locator("tr.installation").filter(has_text="Pager Alerts")
    expect(row.locator(".installation-status")).to_have_text("Connected")
    expect(row).to_contain_text("checked just now")
    _shoot(page, "installations-connected")

    # A replacement key is tested before it is saved: a wrong one is refused beside the field.
    row.get_by_role("link", name=re.compile("Replace key")).click()
    page.get_by_label("API key").fill(WRONG)
    page.get_by_role("button", name="Test and replace key").click()
    expect(page.locator("#api_key-errors")).to_have_text("Invalid key (401)")
    expect(page.get_by_label("API key")).to_have_value("")
    _shoot(page, "replace-key-invalid")
    page.get_by_role("link", name="Back").click()
    row = page.locator("tr.installation").filter(has_text="Pager Alerts")
    expect(row.locator(".installation-status")).to_have_text("Connected")  # the old key stays
    expect(row).to_contain_text("••••5678")
    row.get_by_role("button", name="Check now").click()
    expect(page.get_by_text("A connection check of Pager Alerts is queued")).to_be_visible()
    expect(
        page.locator("tr.installation").filter(has_text="Pager Alerts").locator(".installation-status")
    ).to_have_text("Connected")
