"""A visitor searches, filters by two tiers, pages forward with the filters kept, opens an
integration and sees its versions and permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models.base import utcnow
from app.services.catalog import PAGE_SIZE

pytestmark = pytest.mark.browser


def _seed(app):
    from tests import factories as f

    with app.app_context():
        workspace = f.WorkspaceFactory()
        auth = {
            "type": "oauth2",
            "scopes": ["messages:read"],
            "authorizeUrl": "https://a.test/auth",
            "tokenUrl": "https://a.test/token",
            "clientId": "x",
        }
        for n in range(PAGE_SIZE + 6):
            integration = f.IntegrationFactory.published(
                workspace=workspace,
                name=f"Relay {n:02d}",
                description="Relays messages",
                auth_config=auth,
                trust_tier="vendor_official" if n % 2 else "verified_partner",
            )
            f.VersionFactory(
                integration=integration,
                version="1.1.0",
                changelog="Faster relays",
                published_at=utcnow() + timedelta(seconds=5),
            )
            integration.current_version = "1.1.0"
        f.IntegrationFactory.published(workspace=workspace, name="Relay community", trust_tier="community")
        db.session.commit()


def test_search_filter_page_and_open(live_server, page):
    _seed(live_server.app)
    page.goto(live_server.url + "/")
    page.get_by_label("Search integrations").fill("relay")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/integrations?q=relay*")

    page.get_by_role("checkbox", name="Vendor official").check()
    page.wait_for_url("**tier=vendor_official*")  # catalog.js applies the change at once
    page.get_by_role("checkbox", name="Verified partner").check()
    page.wait_for_url("**tier=verified_partner*")
    assert page.get_by_role("checkbox", name="Vendor official").is_checked()
    assert page.get_by_text("Relay community").count() == 0

    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**page=2*")
    for part in ("q=relay", "tier=vendor_official", "tier=verified_partner", "page=2"):
        assert part in page.url
    assert page.get_by_role("link", name="← Previous").is_visible()
    assert page.get_by_role("checkbox", name="Verified partner").is_checked()

    card = page.locator(".integration-name a").first
    name = card.inner_text()
    card.click()
    page.wait_for_url("**/integrations/*/*")
    assert page.get_by_role("heading", level=1).inner_text() == name
    assert page.get_by_role("heading", name="Version history").is_visible()
    assert page.get_by_role("heading", name="1.1.0").is_visible()
    assert page.get_by_role("heading", name="1.0.0").is_visible()
    assert page.get_by_text("Faster relays").is_visible()
    assert page.get_by_role("heading", name="Permissions").is_visible()
    assert page.get_by_text("Read messages").is_visible()
    assert page.get_by_role("link", name=f"Install {name}").is_visible()


def test_keyboard_filtering_never_navigates_and_keeps_focus(live_server, page):
    """WCAG 3.2.2 / 2.4.3: from the keyboard, ticking a tier or moving through the sort menu
    changes nothing but the control; Apply submits, and focus comes back to it."""
    _seed(live_server.app)
    page.goto(live_server.url + "/integrations?q=relay")
    start_url = page.url
    page.get_by_label("Search").focus()
    page.keyboard.press("Tab")  # First party
    page.keyboard.press("Tab")  # Vendor official
    vendor = page.get_by_role("checkbox", name="Vendor official")
    expect(vendor).to_be_focused()
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert ring == ["solid", "3px"]  # a visible focus ring
    page.keyboard.press("Space")
    expect(vendor).to_be_checked()
    sort = page.get_by_label("Sort by")
    sort.focus()
    page.keyboard.press("ArrowDown")
    expect(sort).to_be_focused()
    assert page.url == start_url  # nothing applied yet
    expect(page.locator(".results-summary")).to_contain_text(f"{PAGE_SIZE + 7} integrations")

    page.keyboard.press("Tab")
    apply = page.get_by_role("button", name="Apply")
    expect(apply).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**tier=vendor_official*")
    assert "sort=name" in page.url
    expect(page.get_by_role("button", name="Apply")).to_be_focused()
    expect(page.get_by_role("checkbox", name="Vendor official")).to_be_checked()
    expect(page.get_by_text("Relay community")).to_have_count(0)


def test_phone_filters_and_menu_collapse(live_server, page):
    """At 390 px the menu and the catalog filters sit behind "Menu" and "Filters" (the search box
    stays in sight); a tap on a tier applies it and the page comes back with focus on that box."""
    _seed(live_server.app)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url + "/integrations")
    catalog_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog")
    expect(catalog_link).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(catalog_link).to_be_visible()

    partner = page.get_by_role("checkbox", name="Verified partner")
    expect(partner).to_be_hidden()
    search = page.get_by_label("Search", exact=True)
    expect(search).to_be_visible()  # searching needs no disclosure opened
    search.fill("relay")
    search.press("Enter")  # submits the filter form it belongs to, though its Apply is folded away
    page.wait_for_url("**q=relay*")
    expect(page.get_by_label("Search", exact=True)).to_be_focused()
    expect(partner).to_be_hidden()
    filters = page.locator(".filters-toggle")
    filters.focus()
    page.keyboard.press("Enter")  # a disclosure opens from the keyboard too
    expect(partner).to_be_visible()
    partner.check()  # a pointer: applies at once
    page.wait_for_url("**tier=verified_partner*")
    partner = page.get_by_role("checkbox", name="Verified partner")
    expect(partner).to_be_focused()
    expect(partner).to_be_checked()
    expect(page.locator(".filters-toggle")).to_contain_text("1 active")
    page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_whole_card_is_one_link(live_server, page):
    """A click anywhere on a card (here its description, far from the title) opens the listing; the
    card holds one link, so a screen reader hears it once; a typo still finds the listing."""
    from tests import factories as f

    with live_server.app.app_context():
        f.IntegrationFactory.published(
            name="Zendesk",
            slug="zendesk",
            description="**Tickets** from [Zendesk](https://example.com) in your workspace.",
        )
        db.session.commit()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/integrations?q=zendsk")
        card = page.locator(".integration-card").first
        # one link to the listing; the only other is the publisher's profile, above the card's link
        expect(card.locator("a.card-link")).to_have_count(1)
        expect(card.get_by_role("link")).to_have_count(2)
        expect(card.get_by_role("link", name="Zendesk")).to_have_count(1)
        description = card.locator(".integration-description")
        expect(description).to_have_text("Tickets from Zendesk in your workspace.")
        box = card.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 12, box["y"] + box["height"] - 8)  # a bottom corner
        page.wait_for_url("**/integrations/*/zendesk")
        expect(page.get_by_role("heading", level=1)).to_have_text("Zendesk")
