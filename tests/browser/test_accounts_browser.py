"""What a newcomer does first, in a real Chromium: sign up, log in and out, create a workspace,
invite a colleague; and a mistake shown beside its field with the text kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services.accounts import register_user

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


@pytest.fixture
def colleague(live_server):
    with live_server.app.app_context():
        register_user("colleague@example.test", PASSWORD, "Col League")
        db.session.commit()
    return "colleague@example.test"


def _log_in(page, url, email):
    page.goto(url + "/")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_sign_up_log_in_log_out_create_a_workspace_and_invite_a_colleague(live_server, page, colleague):
    url = live_server.url
    page.goto(url + "/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("newcomer@example.test")
    page.get_by_label("Display name").fill("New Comer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(url + "/check-email")
    expect(page.get_by_role("status")).to_contain_text("We sent a message to newcomer@example.test")

    _log_in(page, url, "newcomer@example.test")  # an unverified account may sign in
    expect(page.get_by_role("status")).to_contain_text("Welcome back.")
    expect(page.get_by_role("note")).to_contain_text("Confirm newcomer@example.test")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    _log_in(page, url, "newcomer@example.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workspaces").click()
    page.get_by_role("link", name="New workspace").click()
    page.get_by_label("Name").fill("Rocket Team")
    page.get_by_label("Address").fill("rocket-team")
    page.get_by_role("button", name="Create workspace").click()
    expect(page).to_have_url(url + "/workspaces/rocket-team")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rocket Team")

    page.get_by_label("Email").fill(colleague)
    page.get_by_label("Role", exact=True).select_option("admin")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to colleague@example.test (as admin)")
    pending = page.get_by_role("table", name="Pending invitations")
    expect(pending.get_by_role("row", name=re.compile("colleague@example.test"))).to_be_visible()


def test_a_taken_workspace_address_is_shown_beside_the_field_with_the_text_kept(live_server, page, colleague):
    _log_in(page, live_server.url, colleague)
    for _attempt in range(2):
        page.goto(live_server.url + "/workspaces/new")
        page.get_by_label("Name").fill("Shared Name")
        page.get_by_label("Address").fill("taken-address")
        page.get_by_role("button", name="Create workspace").click()
    address = page.get_by_label("Address")
    expect(address).to_have_value("taken-address")
    expect(address).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#slug-errors")).to_have_text("That workspace address is taken. Choose another.")
    expect(page.get_by_label("Name")).to_have_value("Shared Name")
