"""`make screenshot`: renew docs/screenshot.png, the README's picture of the demo, from the code as
it is now: the demo data on a fresh migrated database, served live, photographed by Debian's
Chromium at 1280 x 860 (the home page as a visitor first sees it). Run it after a change that
shows on the home page, so the README never shows an older site."""

from __future__ import annotations

import os
from pathlib import Path

from app import demo
from app.extensions import db

from .browser.fixtures import CHROMIUM, CHROMIUM_ARGS, LiveServer
from .databases import migrated_app

README_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshot.png"
SIZE = (1280, 860)
IMAGES_IN_VIEW_LOADED = """() => [...document.images]
  .filter(image => { const box = image.getBoundingClientRect(); return box.bottom > 0 && box.top < innerHeight; })
  .every(image => image.complete && image.naturalWidth > 0)"""


def take(path: Path = README_SCREENSHOT, page_path: str = "/", browser=None) -> Path:
    """Photograph `page_path` of the demo into `path`; with `browser` (a Playwright browser already
    running, as the browser tests have) or else a Chromium of its own."""
    with migrated_app() as app:
        server = LiveServer(app)
        _seed_demo(app, server)
        server.start()
        try:
            if browser is not None:
                _photograph(browser, server.url + page_path, path)
            else:
                from playwright.sync_api import sync_playwright

                with sync_playwright() as playwright:
                    own = playwright.chromium.launch(
                        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                    )
                    _photograph(own, server.url + page_path, path)
                    own.close()
        finally:
            server.stop()
    return path


def _seed_demo(app, server: LiveServer) -> None:
    # The demo's oauth2 listings point at the bundled provider on this very server.
    previous = os.environ.get("DEMO_OAUTH_BASE_URL")
    os.environ["DEMO_OAUTH_BASE_URL"] = f"{server.url}/demo-oauth"
    try:
        with app.app_context():
            demo.seed()
            db.session.commit()
    finally:
        if previous is None:
            os.environ.pop("DEMO_OAUTH_BASE_URL", None)
        else:
            os.environ["DEMO_OAUTH_BASE_URL"] = previous


def _photograph(browser, url: str, path: Path) -> None:
    context = browser.new_context(viewport={"width": SIZE[0], "height": SIZE[1]})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("load")
        # Cards' icons load lazily: "load" does not wait for them, and a shot taken then showed blank tiles.
        page.wait_for_function(IMAGES_IN_VIEW_LOADED)
        page.screenshot(path=str(path))
    finally:
        context.close()


if __name__ == "__main__":
    print(f"wrote {take()}")
