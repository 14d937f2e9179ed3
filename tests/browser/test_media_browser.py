"""A publisher uploads an icon and screenshots and reorders them; a visitor opens the listing, views
the screenshots full size and follows the publisher's profile; a 50 MB upload over real HTTP is a
clear error. Screenshots of the pages at 390 and 1280 px go to /tmp/shots-media/."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("MEDIA_SHOTS_DIR", "/tmp/shots-media"))


def _image(tmp_path: Path, name: str, size, colour, fmt="PNG") -> Path:
    path = tmp_path / name
    Image.new("RGB", size, colour).save(path, format=fmt)
    return path


def _seed(app):
    from app.services import publisher_profiles
    from tests import factories as f

    with app.app_context():
        workspace = f.WorkspaceFactory(name="Acme Corp")
        admin = f.member(workspace=workspace, role="owner").user
        integration = f.IntegrationFactory.published(
            workspace=workspace, name="Acme Ledger", description="Keeps the books in step."
        )
        f.IntegrationFactory.published(workspace=workspace, name="Acme Hidden", visibility="unlisted")
        publisher_profiles.update_profile(
            admin,
            integration.publisher,
            {
                "display_name": "Acme Software",
                "description": "Tools for finance teams.",
                "website": "https://acme.example.com",
                "support_contact": "support@acme.example.com",
            },
        )
        db.session.commit()
        return admin.email, integration.id, integration.publisher, integration.slug


def _login(page, base: str, email: str):
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/(dashboard|workspaces|)$|.*/$"))


def _shoot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_publisher_uploads_and_visitor_views_gallery_and_profile(live_server, page, tmp_path, browser):
    email, integration_id, handle, slug = _seed(live_server.app)
    base = live_server.url
    _login(page, base, email)
    page.goto(f"{base}/dashboard/integrations/{integration_id}/media")
    page.get_by_label("Icon image").set_input_files(
        str(_image(tmp_path, "icon.png", (256, 256), (220, 60, 60)))
    )
    page.get_by_role("button", name="Upload icon").click()
    expect(page.get_by_text("Icon uploaded.")).to_be_visible()

    colours = [(40, 90, 200), (40, 160, 90), (200, 140, 30)]
    for n, colour in enumerate(colours):
        page.get_by_label("Screenshot image").set_input_files(
            str(_image(tmp_path, f"shot{n}.jpg", (1280, 800), colour, fmt="JPEG"))
        )
        page.get_by_label("Caption", exact=True).last.fill(f"Screen {n + 1}")
        page.get_by_role("button", name="Add screenshot").click()
        expect(page.get_by_text("Screenshot added.")).to_be_visible()

    # A GIF renamed .png is refused beside the field, and nothing is added.
    gif = tmp_path / "sneaky.png"
    Image.new("RGB", (100, 100), (0, 0, 0)).save(gif, format="GIF")
    page.get_by_label("Screenshot image").set_input_files(str(gif))
    page.get_by_role("button", name="Add screenshot").click()
    expect(page.locator("#shot-screenshot-errors")).to_contain_text("not one, whatever its name says")
    expect(page.get_by_role("heading", name="Screenshots (3 of 5)")).to_be_visible()

    # Move the third up, without JavaScript's help (plain forms).
    page.get_by_role("button", name="Move screenshot 3 up").click()
    expect(page.get_by_text("Screenshot moved up.")).to_be_visible()
    captions = page.locator(".shot-row input[type=text]")
    assert [captions.nth(i).input_value() for i in range(3)] == ["Screen 1", "Screen 3", "Screen 2"]
    _shoot(page, "dashboard-media")

    # A visitor (a fresh context: no cookies).
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    visitor = context.new_page()
    try:
        visitor.goto(base + "/integrations")
        card = visitor.locator(".integration-card", has_text="Acme Ledger")
        icon = card.locator("img.integration-icon")
        assert re.match(r"^/media/[0-9a-f]{64}\.png$", icon.get_attribute("src"))
        assert visitor.evaluate("(img) => img.naturalWidth", icon.element_handle()) == 256
        _shoot(visitor, "catalog")
        card.get_by_role("link", name="Acme Ledger").click()
        visitor.wait_for_url(f"**/integrations/{handle}/{slug}")
        gallery = visitor.locator(".gallery figure")
        expect(gallery).to_have_count(3)
        expect(gallery.nth(1).locator("figcaption")).to_have_text("Screen 3")
        expect(
            visitor.get_by_role("link", name=re.compile(r"Screenshot 2 of Acme Ledger: Screen 3"))
        ).to_be_visible()
        _shoot(visitor, "detail")
        full = gallery.nth(0).locator("a").get_attribute("href")
        response = visitor.goto(base + full)
        assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        visitor.go_back()
        visitor.locator(".detail-title").get_by_role("link", name="Acme Software").click()
        visitor.wait_for_url(f"**/publishers/{handle}")
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Acme Software")
        expect(visitor.get_by_text("Tools for finance teams.")).to_be_visible()
        expect(visitor.locator(".integration-card")).to_have_count(1)  # the unlisted one is not listed
        _shoot(visitor, "publisher-profile")
    finally:
        context.close()

    page.goto(f"{base}/dashboard/publishers/{handle}")
    _shoot(page, "publisher-edit")


def test_fifty_megabyte_upload_over_http_is_a_clear_error(live_server):
    email, integration_id, _, _ = _seed(live_server.app)
    base = live_server.url
    session = requests.Session()
    login_page = session.get(base + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert session.post(
        base + "/login", data={"csrf_token": token, "email": email, "password": "password123"}
    ).ok
    media_page = session.get(f"{base}/dashboard/integrations/{integration_id}/media").text
    token = re.search(r'name="shot-csrf_token" type="hidden" value="([^"]+)"', media_page).group(1)
    huge = io.BytesIO(b"\x89PNG\r\n\x1a\n" + os.urandom(1024) * (50 * 1024))
    response = session.post(
        f"{base}/dashboard/integrations/{integration_id}/media/screenshots",
        data={"shot-csrf_token": token},
        files={"shot-screenshot": ("huge.png", huge, "image/png")},
        timeout=60,
    )
    assert response.status_code == 413
    assert "larger than 5 MB" in response.text and 'id="shot-screenshot-errors"' in response.text
