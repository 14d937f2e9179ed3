"""In Chromium: an admin whose workspace installed a listing writes a review (an error first, then
stars and text); the publisher replies; the average on the catalog card follows the review and its
edit. Screenshots at 390 and 1280 px go to test-artifacts/ (and RATINGS_SHOTS=<dir> if set); nothing
scrolls sideways."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.browser.fixtures import ARTIFACTS
from tests.install_support import admin, publish

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("RATINGS_SHOTS") or ARTIFACTS)


def _seed(app):
    with app.app_context():
        publisher, home = admin()
        lantern = publish(workspace=home, name="Lantern Sync", description="Keeps lanterns in sync.")
        reviewer, workspace = admin()
        workspace.name = "Harbour Ops"
        f.InstallationFactory(
            workspace=workspace, integration=lantern, installed_by=reviewer.id, version=lantern.versions[0]
        )
        db.session.commit()
        return {
            "publisher": publisher.email,
            "reviewer": reviewer.email,
            "detail": f"/integrations/{lantern.publisher}/{lantern.slug}",
        }


def _person(browser, base_url: str, email: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_be_attached()
    return context, page


def _shots(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width}px by {overflow}px"
        page.screenshot(path=str(SHOTS / f"ratings-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _card(page, name: str):
    return page.locator("article.integration-card", has=page.get_by_role("link", name=name))


def test_a_review_a_reply_and_the_cards_average(live_server, browser, page):
    seeded = _seed(live_server.app)
    base = live_server.url

    page.goto(base + "/integrations")
    expect(_card(page, "Lantern Sync")).not_to_contain_text("out of 5")

    context, reviewer = _person(browser, base, seeded["reviewer"])
    reviewer.goto(base + "/integrations")
    expect(_card(reviewer, "Lantern Sync")).to_contain_text("Installed in Harbour Ops")
    reviewer.goto(base + seeded["detail"])
    expect(reviewer.get_by_role("link", name="Manage")).to_be_visible()
    expect(reviewer.get_by_text("Your workspace Harbour Ops runs version 1.0.0")).to_be_visible()
    reviewer.get_by_label("Your review").fill("Too short")
    reviewer.get_by_role("button", name="Publish your review").click()
    expect(reviewer.get_by_text("Choose from 1 to 5 stars.")).to_be_visible()
    expect(reviewer.get_by_label("Your review")).to_have_value("Too short")  # kept
    _shots(reviewer, "errors")
    reviewer.get_by_label("4 stars").check()
    reviewer.get_by_label("Your review").fill("Keeps our **harbour lights** in step. Setup took minutes.")
    reviewer.get_by_role("button", name="Publish your review").click()
    expect(reviewer.get_by_text("Thank you: your review is published.")).to_be_visible()
    expect(reviewer.locator(".rating-item")).to_contain_text("harbour lights")
    expect(reviewer.locator(".rating-item")).to_contain_text("version 1.0.0")
    context.close()

    page.goto(base + "/integrations")
    card = _card(page, "Lantern Sync")
    expect(card.get_by_role("img", name="Rated 4.0 out of 5 by 1 person")).to_be_visible()
    expect(card).to_contain_text("4.0 (1)")

    context, publisher = _person(browser, base, seeded["publisher"])
    publisher.goto(base + seeded["detail"])
    expect(
        publisher.get_by_text("Members of a workspace that has installed it can review it.")
    ).to_have_count(0)
    publisher.get_by_text("Reply", exact=True).click()  # the <details> summary
    publisher.get_by_label("Reply as the publisher").fill("Thank you! Dimming schedules come next month.")
    publisher.get_by_role("button", name="Publish the reply").click()
    expect(publisher.get_by_text("Your reply is published.")).to_be_visible()
    expect(publisher.locator(".rating-reply")).to_contain_text("Dimming schedules come next month.")
    _shots(publisher, "publisher-detail")
    context.close()

    context, reviewer = _person(browser, base, seeded["reviewer"])
    reviewer.goto(base + seeded["detail"])
    expect(reviewer.get_by_role("heading", name="Edit your review")).to_be_visible()
    reviewer.get_by_label("5 stars").check()
    reviewer.get_by_role("button", name="Update your review").click()
    expect(reviewer.get_by_text("Your review was updated.")).to_be_visible()
    _shots(reviewer, "reviews-page")
    reviewer.goto(base + "/integrations")
    _shots(reviewer, "catalog-member")
    context.close()

    page.goto(base + "/integrations?sort=rating")
    card = _card(page, "Lantern Sync")
    expect(card.get_by_role("img", name="Rated 5.0 out of 5 by 1 person")).to_be_visible()
    expect(card).not_to_contain_text("Installed in")  # a visitor's card
    _shots(page, "catalog-visitor")
    page.goto(base + seeded["detail"])
    expect(page.locator(".rating-reply")).to_contain_text("Dimming schedules")
    _shots(page, "detail-visitor")
