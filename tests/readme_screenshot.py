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


def take(path: Path = README_SCREENSHOT, page_path: str = "/") -> Path:
    from playwright.sync_api import sync_playwright

    with migrated_app() as app:
        server = LiveServer(app)
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
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                page = browser.new_page(viewport={"width": SIZE[0], "height": SIZE[1]})
                page.goto(server.url + page_path)
                page.wait_for_load_state("load")
                page.screenshot(path=str(path))
                browser.close()
        finally:
            server.stop()
    return path


if __name__ == "__main__":
    print(f"wrote {take()}")
