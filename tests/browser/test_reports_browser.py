"""In Chromium: a signed-in visitor reports a listing; staff take it down from /admin/reports; an
admin of a workspace that installed it sees the notice and its fix on the installations page; the
listing's address answers 410 with the notice. Screenshots of the pages at 390 and 1280 px wide go
to test-artifacts/ (none scrolls sideways)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.browser.fixtures import ARTIFACTS
from tests.install_support import admin, publish

pytestmark = pytest.mark.browser

NOTE = "It sends every workspace's variables to an undisclosed server."


def _seed(app):
    with app.app_context():
        installer, workspace = admin()
        dice = publish(name="Dice Roller", versions=("1.0.0",), trust_tier="community", visibility="public")
        f.InstallationFactory(
            workspace=workspace, integration=dice, installed_by=installer.id, version=dice.versions[0]
        )
        visitor = f.UserFactory()
        staff = f.UserFactory(is_staff=True)
        db.session.commit()
        return {
            "installer": installer.email,
            "visitor": visitor.email,
            "staff": staff.email,
            "workspace": workspace.slug,
            "detail": f"/integrations/{dice.publisher}/{dice.slug}",
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
    """The page at a phone's and a desktop's width: nothing wider than the viewport."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width}px by {overflow}px"
        page.screenshot(path=str(ARTIFACTS / f"reports-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_report_leads_to_a_takedown_whose_notice_reaches_the_installing_workspace(
    live_server, browser, page
):
    seeded = _seed(live_server.app)
    base = live_server.url

    # A signed-in visitor reports the listing, without any JavaScript needed.
    context, visitor = _person(browser, base, seeded["visitor"])
    visitor.goto(base + seeded["detail"])
    visitor.get_by_role("link", name="Report this listing").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Report Dice Roller")
    visitor.get_by_role("button", name="Send the report").click()  # nothing chosen: errors beside the fields
    expect(visitor.get_by_text("Choose what is wrong.")).to_be_visible()
    visitor.get_by_label("Security or malware").check()
    visitor.get_by_label("Details").fill(
        "After installing it, my workspace variables showed up on another site."
    )
    _shots(visitor, "report-form")
    visitor.get_by_role("button", name="Send the report").click()
    expect(visitor.get_by_text("your report reached the marketplace staff")).to_be_visible()
    context.close()

    # Staff take it down from the report.
    context, staff = _person(browser, base, seeded["staff"])
    staff.goto(base + "/admin/reports")
    expect(staff.get_by_role("link", name=re.compile("Open \\(1\\)"))).to_be_visible()
    _shots(staff, "admin-reports")
    staff.get_by_role("link", name=re.compile("Dice Roller")).first.click()
    expect(staff.get_by_text("my workspace variables showed up on another site")).to_be_visible()
    expect(staff.get_by_label("Policy")).to_have_value("security")
    staff.get_by_label("Note to the publisher").fill(NOTE)
    _shots(staff, "admin-report")
    staff.get_by_role("button", name="Take the listing down").click()
    expect(staff.get_by_text("Dice Roller is taken down")).to_be_visible()
    staff.goto(base + "/admin/reports?status=actioned")
    expect(staff.get_by_text(NOTE)).to_be_visible()
    context.close()

    # An admin of the workspace that installed it sees the notice and the fix.
    context, installer = _person(browser, base, seeded["installer"])
    installer.goto(base + f"/workspaces/{seeded['workspace']}/installations")
    notice = installer.locator("tr.installation-notices").filter(has_text="Dice Roller")
    expect(installer.locator("tr.installation").filter(has_text="Dice Roller")).to_contain_text(
        "Listing taken down"
    )
    expect(notice).to_contain_text("Security and malware policy")
    expect(notice).to_contain_text(NOTE)
    expect(notice.get_by_role("link", name="Uninstall Dice Roller")).to_be_visible()
    _shots(installer, "installations")
    notice.get_by_role("link", name="Uninstall Dice Roller").click()
    expect(installer.get_by_role("heading", level=1)).to_contain_text("Uninstall")
    context.close()

    # Anyone at the listing's address gets the notice, with 410.
    response = page.goto(base + seeded["detail"])
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("Dice Roller was taken down")
    expect(page.get_by_text(NOTE)).to_be_visible()
    _shots(page, "gone")


def test_the_publisher_asks_for_one_re_review_and_staff_lift_the_takedown(live_server, browser):
    app, base = live_server.app, live_server.url
    with app.app_context():
        from app.services import takedowns

        publisher, workspace = admin()
        handle = f.namespace_for(workspace)
        listing = publish(workspace=workspace, publisher=handle, name="Brand Bridge", visibility="public")
        staff_user = f.UserFactory(is_staff=True)
        takedowns.take_down(staff_user, listing, "impersonation", "Uses another company's logo.")
        db.session.commit()
        emails, listing_id = (publisher.email, staff_user.email), listing.id

    context, page = _person(browser, base, emails[0])
    page.goto(base + f"/dashboard/integrations/{listing_id}")
    expect(page.get_by_text("Impersonation policy")).to_be_visible()
    page.get_by_role("link", name="Request a re-review").click()
    page.get_by_role("button", name="Request a re-review").click()
    expect(page.get_by_text("Tell staff what changed")).to_be_visible()  # beside the empty field
    page.get_by_label("Why should staff look again?").fill("We are that company: see our trademark filing.")
    _shots(page, "dashboard-takedown")
    page.get_by_role("button", name="Request a re-review").click()
    expect(page.get_by_text("Re-review requested.")).to_be_visible()
    expect(page.get_by_role("button", name="Request a re-review")).to_have_count(0)  # one per decision
    context.close()

    context, page = _person(browser, base, emails[1])
    page.goto(base + "/admin/reports")
    page.get_by_role("link", name=re.compile("Brand Bridge")).click()
    expect(page.get_by_text("We are that company")).to_be_visible()
    page.get_by_label("Lift the takedown").check()
    page.get_by_label("Answer to the publisher").fill("The filing checks out.")
    _shots(page, "admin-takedown")
    page.get_by_role("button", name="Decide the re-review").click()
    expect(page.get_by_text("Takedown lifted.")).to_be_visible()
    context.close()
