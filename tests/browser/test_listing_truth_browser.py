"""Listing truth in Chromium: a publisher edits the scopes of a published listing; its public page is
unchanged; the dashboard marks the unpublished changes; the publish page shows the diff by JSON path
(at 390 px too, with no sideways scrolling); publishing makes the public page show the new scopes."""

import json
import os

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import User, Workspace
from tests import factories
from tests.browser.fixtures import show_advanced_json
from tests.browser.test_dashboard_browser import seed as seed_publisher

pytestmark = pytest.mark.browser

AUTH = {
    "type": "oauth2",
    "authorizeUrl": "https://auth.example.com/authorize",
    "tokenUrl": "https://auth.example.com/token",
    "scopes": ["read"],
    "clientId": "weather",
}
MANIFEST = {
    "members": [{"key": "sync", "kind": "workflow", "name": "Sync"}],
    "dependencies": [],
    "defaults": {},
}
VARIABLES = {"type": "object", "properties": {}}


def seed(app) -> str:
    """test_dashboard_browser's publisher (pub@example.test, owner of Acme, handle `acme`) and its
    public oauth2 integration, published at 1.0.0 (scope `read`)."""
    seed_publisher(app)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "pub@example.test"))
        workspace = db.session.scalar(db.select(Workspace).where(Workspace.slug == "acme"))
        integration = factories.IntegrationFactory.published(
            workspace=workspace,
            creator=user,
            publisher="acme",
            slug="weather-sync",
            name="Weather Sync",
            description="Forecasts in your workspace.",
            trust_tier="community",  # a new scope is current at once (above community it waits for review)
            manifest=MANIFEST,
            variables_schema=VARIABLES,
            auth_config=AUTH,
        )
        db.session.commit()
        return integration.id


def no_sideways_scrolling(page) -> bool:
    # Measured once the page has loaded: its stylesheets applied and its scripts run (on a busy machine
    # an assertion on the DOM can pass before the CSS that lays the page out for a phone arrives).
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def fits_both_widths(page, name: str) -> None:
    """No sideways scrolling at 390 and 1280 px (left at 1280)."""
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert no_sideways_scrolling(page), width
        shoot(page, f"{name}-{width}")


def log_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", "pub@example.test")
    page.fill("#password", "password123")
    page.click("form.form button[type=submit]")


def shoot(page, name: str) -> None:
    """Screenshots for a person to look at, when asked for (SCREENSHOTS=dir)."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_edits_show_only_once_published(live_server, page, browser):
    integration_id = seed(live_server.app)
    base = live_server.url
    public_url = base + "/integrations/acme/weather-sync"
    visitor = browser.new_context(viewport={"width": 390, "height": 844}).new_page()

    log_in(page, base)
    page.goto(f"{base}/dashboard/integrations/{integration_id}")
    show_advanced_json(page)
    page.fill("#auth_config", json.dumps({**AUTH, "scopes": ["read", "admin:everything"]}, indent=2))
    page.click("#save")
    expect(page.locator(".flash-success")).to_contain_text("Saved.")
    expect(page.locator("#unpublished-notice")).to_contain_text("Unpublished changes.")
    fits_both_widths(page, "edit-unpublished")

    visitor.goto(public_url)
    expect(visitor.locator(".scope-list")).to_contain_text("read")
    expect(visitor.locator("body")).not_to_contain_text("admin:everything")

    page.goto(base + "/dashboard")
    expect(page.locator(".unpublished-badge")).to_have_count(1)
    fits_both_widths(page, "dashboard")
    page.locator(".unpublished-badge").click()
    expect(page.locator("h1")).to_have_text("Publish Weather Sync")
    changes = page.locator("#changes-authConfig")
    expect(changes).to_contain_text("$.scopes[1]")
    expect(changes).to_contain_text('"admin:everything"')
    expect(page.locator("#changes-manifest")).to_contain_text("No changes since 1.0.0.")
    expect(page.locator("#publish-effect")).to_contain_text("it appears in the catalog")
    fits_both_widths(page, "publish")

    page.fill("#version", "1.1.0")
    page.fill("#changelog", "Admin access.")
    page.click("form.form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Published Weather Sync 1.1.0.")

    visitor.goto(public_url)
    expect(visitor.locator(".scope-list")).to_contain_text("admin:everything")
    visitor.context.close()


def test_a_trashed_listing_reads_as_read_only(live_server, page):
    integration_id = seed(live_server.app)
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/dashboard/integrations/{integration_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Move to trash").click()
    page.goto(f"{base}/dashboard/integrations/{integration_id}")
    expect(page.locator("#trash-notice")).to_contain_text("In the trash: read-only.")
    expect(page.locator("#auth_config")).to_be_disabled()
    expect(page.locator("#save")).to_be_disabled()
    shoot(page, "edit-trashed-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scrolling(page)
    shoot(page, "edit-trashed-390")
    page.goto(f"{base}/dashboard/integrations/{integration_id}/publish")
    expect(page.locator("#trash-notice")).to_be_visible()
    expect(page.locator("#version")).to_have_count(0)
    assert no_sideways_scrolling(page)
    page.get_by_role("button", name="Restore from trash").click()
    page.goto(f"{base}/dashboard/integrations/{integration_id}")
    expect(page.locator("#auth_config")).to_be_enabled()
