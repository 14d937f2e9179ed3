"""The publisher docs in a real browser without JavaScript, at a phone's and a desktop's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .fixtures import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_the_publisher_docs_read_without_javascript_at_any_width(live_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_role("contentinfo").get_by_role("link", name="Publisher docs").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Publisher docs")
        expect(page.get_by_role("heading", name='When type is "oauth2"')).to_be_visible()
        page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"/docs/publishing scrolls sideways at {width}px by {overflow}px"
        page.get_by_role("navigation", name="On this page").get_by_role("link", name="Publish checks").click()
        expect(page.locator("#check-MP001")).to_be_in_viewport()
        ARTIFACTS.mkdir(exist_ok=True)
        page.goto(live_server.url + "/docs/publishing")
        page.screenshot(path=str(ARTIFACTS / f"docs-publishing-{width}.png"), full_page=True)
    finally:
        context.close()
