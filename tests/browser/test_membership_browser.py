"""In a real Chromium, with mail going through a real SMTP server on loopback: a newcomer signs up,
opens the verification mail, confirms, and accepts an invitation; then the owner removes them and
their open session gets 404 on the workspace."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Membership, Workspace
from app.services.accounts import register_user

from ..databases import migrated_app
from ..mail_fixtures import Mailbox, smtp_settings
from .fixtures import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


@pytest.fixture
def mail_server(smtp_server):
    with migrated_app(**smtp_settings(smtp_server)) as app:
        with app.app_context():
            owner = register_user("alice@acme.test", PASSWORD, "Alice", verified=True)
            workspace = Workspace(slug="acme", name="Acme")
            db.session.add(workspace)
            db.session.flush()
            db.session.add(Membership(workspace_id=workspace.id, user_id=owner.id, role="owner"))
            db.session.commit()
        server = LiveServer(app).start()
        box = Mailbox(smtp_server)
        box.clear()
        yield server, box
        server.stop()


def _log_in(page, url, email):
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome back.")


def test_sign_up_verify_accept_an_invitation_then_get_removed(mail_server, page, browser):
    server, box = mail_server
    url = server.url

    # Alice invites an address nobody has signed up with yet.
    _log_in(page, url, "alice@acme.test")
    page.goto(url + "/workspaces/acme")
    page.get_by_label("Email").fill("newcomer@example.test")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to newcomer@example.test")
    expect(page.get_by_role("table", name="Pending invitations")).to_contain_text("newcomer@example.test")
    invitation_link = box.link(box.wait_for("newcomer@example.test"), "/invitations/")

    newcomer = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        them = newcomer.new_page()
        them.goto(url + "/")
        them.get_by_text("Menu", exact=True).click()  # a phone: the links sit behind the menu
        them.get_by_role("link", name="Sign up").click()
        them.get_by_label("Email").fill("newcomer@example.test")
        them.get_by_label("Password", exact=True).fill(PASSWORD)
        them.get_by_label("Repeat password").fill(PASSWORD)
        them.get_by_role("button", name="Sign up").click()
        expect(them.get_by_role("heading", level=1)).to_have_text("Check your inbox")

        verification = box.wait_for("newcomer@example.test", count=2)
        assert verification["Subject"] == "Confirm your e-mail address"
        them.goto(box.link(verification, "/verify-email/"))
        them.get_by_role("button", name="Confirm my address").click()
        expect(them.get_by_role("status")).to_contain_text("newcomer@example.test is confirmed.")

        _log_in(them, url, "newcomer@example.test")
        them.goto(invitation_link)
        expect(them.get_by_role("heading", level=1)).to_have_text("Join Acme")
        them.get_by_role("button", name="Accept the invitation").click()
        expect(them).to_have_url(url + "/workspaces/acme")
        expect(them.get_by_role("status")).to_contain_text("You joined Acme as member.")
        them.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
        assert them.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.goto(url + "/workspaces/acme")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Remove newcomer@example.test").click()
        expect(page.get_by_role("status")).to_contain_text("newcomer@example.test is no longer a member")
        members = page.get_by_role("table", name="Members")
        expect(members.get_by_role("row", name=re.compile("newcomer"))).to_have_count(0)

        response = them.reload()
        assert response.status == 404
        expect(them.get_by_role("heading", level=1)).to_have_text(re.compile("Not found|nothing here", re.I))
    finally:
        newcomer.close()
