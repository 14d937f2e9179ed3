"""A visitor browses a category from the home page, narrows it by tier, and opens a listing: its
categories, links and what it can access are on the page."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Category

pytestmark = pytest.mark.browser


def _seed(app):
    from tests import factories as f

    with app.app_context():
        ids = dict(db.session.execute(db.select(Category.slug, Category.id)).all())
        workspace = f.WorkspaceFactory()
        f.IntegrationFactory.published(
            workspace=workspace,
            name="Ledger Sync",
            description="Keeps your books in step.",
            trust_tier="verified_partner",
            primary_category_id=ids["payments-finance"],
            secondary_category_id=ids["analytics"],
            links={
                "homepage": "https://ledger.example",
                "support": "https://ledger.example/help",
                "privacy": "https://ledger.example/privacy",
            },
            auth_config={
                "type": "api_key",
                "authHeaderName": "Authorization",
                "authValuePrefix": "Bearer ",
                "accessDescription": "Reads invoices and payments; cannot move money.",
            },
        )
        f.IntegrationFactory.published(
            workspace=workspace,
            name="Coin Jar",
            trust_tier="community",
            primary_category_id=ids["payments-finance"],
        )
        f.IntegrationFactory.published(
            workspace=workspace, name="Chatter", primary_category_id=ids["communication"]
        )
        f.IntegrationFactory.published(
            workspace=workspace,
            name="Hidden Vault",
            visibility="private",
            primary_category_id=ids["payments-finance"],
        )
        db.session.commit()


def test_a_visitor_browses_a_category_and_opens_a_listing(live_server, page):
    _seed(live_server.app)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Payments & finance (2)").click()
    page.wait_for_url("**/categories/payments-finance")
    assert page.get_by_role("heading", level=1).inner_text() == "Payments & finance"
    assert page.get_by_text("Ledger Sync").is_visible() and page.get_by_text("Coin Jar").is_visible()
    assert page.get_by_text("Chatter").count() == 0 and page.get_by_text("Hidden Vault").count() == 0

    page.get_by_role("checkbox", name="Verified partner").check()
    page.wait_for_url("**/categories/payments-finance*tier=verified_partner*")  # catalog.js applies it
    assert page.get_by_text("Coin Jar").count() == 0

    page.get_by_role("link", name="Ledger Sync").click()
    page.wait_for_url("**/integrations/*/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Ledger Sync"
    assert page.get_by_role("heading", name="What it can access").is_visible()
    assert page.get_by_text(
        "With the API key you give it: Reads invoices and payments; cannot move money."
    ).is_visible()
    links = page.locator(".listing-links")
    assert (
        links.get_by_role("link", name="Privacy policy").get_attribute("href")
        == "https://ledger.example/privacy"
    )
    page.locator(".listing-categories").get_by_role("link", name="Analytics").click()
    page.wait_for_url("**/categories/analytics")
    assert page.get_by_text("Ledger Sync").is_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_category_pages_look_right(live_server, browser, width):
    """Screenshots for a person to look at (under /tmp/shots-categories/), and no sideways scrolling."""
    _seed(live_server.app)
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for name, path in (
            ("home", "/"),
            ("category", "/categories/payments-finance"),
            ("catalog", "/integrations?category=payments-finance"),
            ("detail", None),
        ):
            if path is None:
                page.goto(live_server.url + "/categories/payments-finance")
                page.get_by_role("link", name="Ledger Sync").click()
                page.wait_for_url("**/integrations/*/*")
            else:
                page.goto(live_server.url + path)
            if width < 800 and page.locator("summary.filters-toggle").count():
                page.locator("summary.filters-toggle").click()
            page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=f"/tmp/shots-categories/{name}-{width}.png", full_page=True)
    finally:
        context.close()
