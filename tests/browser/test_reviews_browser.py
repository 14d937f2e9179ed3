"""Review before trust, in Chromium: a publisher adds a scope to a verified listing and publishes;
the version waits; staff approve it in the queue; then the public page and the install wizard show
the new scope. The pages added for it are looked at 390 and 1280 px wide (no sideways scrolling)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Membership, PublisherNamespace, User, Workspace
from app.models.base import utcnow
from tests.browser.fixtures import show_advanced_json

from .. import factories
from .fixtures import ARTIFACTS

pytestmark = pytest.mark.browser

OAUTH = {
    "type": "oauth2",
    "authorizeUrl": "https://mail.example.com/oauth/authorize",
    "tokenUrl": "https://mail.example.com/oauth/token",
    "scopes": ["mail.read"],
    "clientId": "acme-mail",
}
MANIFEST = {
    "members": [{"key": "inbox", "kind": "workflow", "name": "Inbox"}],
    "dependencies": [],
    "defaults": {},
}
VARIABLES = {"type": "object", "properties": {}}


def _user(email: str, *, staff: bool = False) -> User:
    user = User(email=email, display_name=email.split("@")[0], email_verified_at=utcnow(), is_staff=staff)
    user.set_password("password123")
    return user


def seed(app) -> None:
    with app.app_context():
        publisher, staff = _user("pub@example.test"), _user("staff@example.test", staff=True)
        acme, ops = Workspace(slug="acme", name="Acme"), Workspace(slug="ops", name="Ops")
        db.session.add_all([publisher, staff, acme, ops])
        db.session.flush()
        db.session.add_all(
            [
                Membership(workspace_id=acme.id, user_id=publisher.id, role="owner"),
                Membership(workspace_id=ops.id, user_id=staff.id, role="owner"),
                PublisherNamespace(handle="acme", workspace_id=acme.id),
            ]
        )
        db.session.flush()
        factories.IntegrationFactory.published(
            workspace=acme,
            creator=publisher,
            publisher="acme",
            slug="mail",
            name="Acme Mail",
            description="Reads your mail.",
            trust_tier="verified_partner",
            manifest=MANIFEST,
            variables_schema=VARIABLES,
            auth_config=OAUTH,
        )
        db.session.commit()


def log_in(page, base, email):
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", "password123")
    page.click("form.form button[type=submit]")
    expect(page.locator(".flash-success, .flash-info").first).to_be_visible()


def log_out(page):
    page.locator("form[action$='/logout'] button").first.click()


def look_at(page, name: str) -> None:
    """Both widths: a screenshot to look at, and no horizontal scrolling."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"reviews-{name}-{width}.png"), full_page=True)
        page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_new_scope_waits_for_staff_then_reaches_the_page_and_the_wizard(live_server, page):
    seed(live_server.app)
    base = live_server.url
    public_page = base + "/integrations/acme/mail"
    page.goto(public_page)
    expect(page.locator("body")).to_contain_text("mail.read")
    expect(page.locator("body")).not_to_contain_text("mail.send")

    log_in(page, base, "pub@example.test")
    page.goto(base + "/dashboard")
    page.click("text=Acme Mail")
    show_advanced_json(page)
    page.fill("#auth_config", json.dumps({**OAUTH, "scopes": ["mail.read", "mail.send"]}, indent=2))
    page.click("#save")
    expect(page.locator(".flash-success")).to_contain_text("Saved.")
    # A visitor (a context of its own, signed out) still reads the published snapshot.
    visitor = page.context.browser.new_page()
    visitor.goto(public_page)
    expect(visitor.locator("body")).to_contain_text("mail.read")
    expect(visitor.locator("body")).not_to_contain_text("mail.send")

    page.click("nav.dash-tabs >> text=Publish")
    checks = page.locator(".checks-panel")
    expect(checks).to_contain_text("This version will wait for staff review")
    expect(checks).to_contain_text("New scopes: mail.send.")
    expect(checks).to_contain_text("MP001")  # a new scope in a patch version
    look_at(page, "publish")
    checks.locator("a", has_text="MP001").click()
    expect(page.locator("h1")).to_have_text("MP001: New scope in a patch or minor version")
    look_at(page, "check")
    page.go_back()
    page.fill("#version", "2.0.0")
    page.fill("#changelog", "Sends mail too.")
    page.click("form.form button[type=submit]")
    expect(page.locator(".flash-info")).to_contain_text("waits for staff review")
    expect(page.locator("#current-version")).to_have_text("1.0.0")
    expect(page.locator("article.version", has_text="2.0.0")).to_contain_text("pending review")
    look_at(page, "versions")
    visitor.goto(public_page)  # pending: current only for its own workspace
    expect(visitor.locator("body")).not_to_contain_text("mail.send")
    expect(visitor.locator("body")).not_to_contain_text("2.0.0")
    visitor.close()
    log_out(page)

    log_in(page, base, "staff@example.test")
    page.goto(base + "/admin/reviews")
    look_at(page, "queue")
    page.click("table.queue >> text=Acme Mail")
    expect(page.locator("h1")).to_contain_text("Acme Mail 2.0.0")
    expect(page.locator("table.diff")).to_contain_text("$.scopes[1]")
    expect(page.locator("table.diff")).to_contain_text('"mail.send"')
    look_at(page, "review")
    page.fill("#approve-reason", "Sending is what the product does.")
    page.click("button:has-text('Approve')")
    expect(page.locator(".flash-success")).to_contain_text("Approved")
    expect(page.locator("main")).to_contain_text("Nothing waits for review.")

    page.goto(public_page)
    expect(page.locator("body")).to_contain_text("mail.send")
    expect(page.locator("body")).to_contain_text("2.0.0")
    page.goto(base + "/install/acme/mail")
    expect(page.locator("main")).to_contain_text("mail.send")
    expect(page.locator("main")).to_contain_text("mail.read")
