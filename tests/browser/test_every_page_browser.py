"""Every page template, in Chromium, at a desktop (1280 px) and a phone (390 px) width: nothing
scrolls sideways, tables are stacked rows on the phone, no id is used twice, and axe-core finds
nothing serious or critical. One live server on the demo data for the whole module; each role
signs in once and visits its pages in a loop.

Set A11Y_SCREENSHOTS=<dir> to keep a full-page screenshot of every page at both widths."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app import demo
from app.extensions import db
from app.models import (
    Installation,
    Integration,
    ListingReport,
    ListingReview,
    Takedown,
    WebhookEndpoint,
    Workspace,
)

from ..databases import migrated_app
from .fixtures import LiveServer

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
BLOCKING = ("serious", "critical")
SCREENSHOTS = os.environ.get("A11Y_SCREENSHOTS")
AXE = Axe()

# The elements that stick out past the right edge, to name them when a page overflows.
OVERFLOW_SCRIPT = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) { return null; }
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > root.clientWidth + 1 && box.width > 0) {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, elements: wide.slice(0, 5)};
}"""
# The visits that answer other than 200 on purpose. Every other visit must answer 200 at its own
# address: a 404, or a redirect to the login page, would audit some other template than the one meant.
ANSWERS = {
    "/integrations/tinkerers/dice": 410,  # taken down
    "/reset-password/not-a-token": 410,
    "/verify-email/not-a-token": 410,
    "/invitations/not-a-token": 410,
    "/no-such-page": 404,
    "/logout": 405,
    "/test-only/fault": 500,
    "/test-only/database-gone": 503,
}
# On a phone a table's rows are stacked cards, each cell headed by its column's name (data-label).
UNSTACKED_SCRIPT = """() => {
  const wrong = [];
  for (const row of document.querySelectorAll('table.table tbody tr')) {
    if (getComputedStyle(row).display !== 'block') { wrong.push('a row is not stacked'); break; }
  }
  for (const cell of document.querySelectorAll('table.table td[data-label]')) {
    const shown = getComputedStyle(cell, '::before').content;
    if (cell.textContent.trim() && shown !== JSON.stringify(cell.dataset.label)) {
      wrong.push('a cell without its label ' + cell.dataset.label); break;
    }
  }
  return wrong;
}"""
DUPLICATE_IDS_SCRIPT = """() => {
  const seen = new Set(), twice = new Set();
  for (const el of document.querySelectorAll('[id]')) { (seen.has(el.id) ? twice : seen).add(el.id); }
  return [...twice];
}"""


@pytest.fixture(scope="module")
def demo_site():
    """The demo data behind a live server: every trust tier, visibility, auth type and state."""
    with migrated_app() as app, pytest.MonkeyPatch.context() as patch:
        server = LiveServer(app)
        # The demo's oauth2 listings point at the bundled provider on this very server.
        patch.setenv("DEMO_OAUTH_BASE_URL", f"{server.url}/demo-oauth")
        app.config["DEMO_OAUTH_REDIRECT_URIS"] = [f"{server.url}/install/callback"]
        _add_fault_pages(app)
        with app.app_context():
            demo.seed()
            db.session.commit()
        server.start()
        try:
            yield server
        finally:
            server.stop()


def _add_fault_pages(app) -> None:
    """Two test-only addresses that fail as production can: a bug (the 500 page) and a database
    that cannot answer (the 503 page). Both pages render without the database (app/web/errors.py)."""

    @app.get("/test-only/fault")
    def fault():
        raise RuntimeError("a bug, on purpose")

    @app.get("/test-only/database-gone")
    def database_gone():
        raise sqlite3.OperationalError("database is locked")


def _ids(app) -> dict:
    with app.app_context():

        def integration(publisher, slug):
            return db.session.scalar(
                db.select(Integration.id).where(Integration.publisher == publisher, Integration.slug == slug)
            )

        acme = db.session.scalar(db.select(Workspace.id).where(Workspace.slug == "acme"))

        def installation(publisher, slug):
            return db.session.scalar(
                db.select(Installation.id).where(
                    Installation.workspace_id == acme,
                    Installation.integration_id == integration(publisher, slug),
                )
            )

        return {
            "crm": integration("acme", "crm-sync"),
            "trashed": integration("acme", "legacy-connector"),
            "private": integration("acme", "next-gen-sync"),
            "weather": integration("globex", "weather"),
            "installation": installation("marketplace", "webhooks"),  # settings to change
            "keyed_installation": installation("pagerduty", "oncall"),  # an API key to replace
            "dice": integration("tinkerers", "dice"),  # taken down in the demo
            "report": db.session.scalar(db.select(ListingReport.id).limit(1)),
            "takedown": db.session.scalar(db.select(Takedown.id).limit(1)),
            "tickets": integration("zendesk", "tickets"),  # an update waits in review in the demo
            "review": db.session.scalar(db.select(ListingReview.id).limit(1)),
            # Acme's webhooks (demo/webhooks.py): one with a delivery log, one disabled for failing
            "webhook": db.session.scalar(
                db.select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True)).limit(1)
            ),
            "failing_webhook": db.session.scalar(
                db.select(WebhookEndpoint.id).where(WebhookEndpoint.disabled_reason == "failing").limit(1)
            ),
        }


def _audit(page, label: str, problems: list[str]) -> None:
    """Check the loaded page at every width; add what is wrong to `problems`."""
    duplicates = page.evaluate(DUPLICATE_IDS_SCRIPT)
    if duplicates:
        problems.append(f"{label}: ids used twice {duplicates}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
        overflow = page.evaluate(OVERFLOW_SCRIPT)
        if width < 1000 and overflow:
            problems.append(f"{label} @{width}: scrolls sideways {overflow}")
        if width < 1000 and (unstacked := page.evaluate(UNSTACKED_SCRIPT)):
            problems.append(f"{label} @{width}: tables not stacked: {unstacked}")
        results = AXE.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [node["target"] for node in violation["nodes"][:3]]
                problems.append(f"{label} @{width}: {violation['id']} ({violation['impact']}) {targets}")
        if SCREENSHOTS:
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:80]
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SCREENSHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _tour(page, base: str, paths: list[str]) -> list[str]:
    problems: list[str] = []
    for path in paths:
        response = page.goto(base + path)
        landed, expected = page.url.removeprefix(base), ANSWERS.get(path, 200)
        if response.status != expected or landed != path:
            problems.append(f"{path}: answered {response.status} at {landed} (meant: {expected} there)")
            continue
        _audit(page, path, problems)
    return problems


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_attached()


@pytest.fixture
def tour_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _visits(ids: dict) -> dict[str, tuple[str | None, list[str]]]:
    """Who signs in (None: nobody) and the pages they visit."""
    dash = "/dashboard/integrations/"
    installation = f"/workspaces/acme/installations/{ids['installation']}"
    keyed_installation = f"/workspaces/acme/installations/{ids['keyed_installation']}"
    return {
        "visitor": (
            None,
            [
                "/",
                "/integrations",
                "/integrations?q=sync&tier=community&sort=name",
                "/integrations?q=zzzz-nothing",
                "/categories/communication",
                "/categories/payments-finance?tier=vendor_official&sort=name",
                "/integrations?category=developer-tools",
                "/integrations/globex/weather",
                "/integrations/stripe/payments",
                "/integrations/acme/crm-sync",
                "/integrations/marketplace/webhooks",
                "/integrations/marketplace/webhooks/reviews",
                "/integrations?sort=rating",
                "/integrations/tinkerers/dice",  # taken down: the 410 notice
                "/publishers/acme",
                "/publishers/stripe",
                "/about",
                "/terms",
                "/privacy",
                "/docs/publishing",
                "/login",
                "/register",
                "/forgot-password",
                "/check-email",
                "/reset-password/not-a-token",
                "/verify-email/not-a-token",
                "/dev/outbox",
                "/no-such-page",
                "/logout",  # GET on a POST-only address: the generic error page
                "/test-only/fault",  # the 500 page
                "/test-only/database-gone",  # the 503 page
            ],
        ),
        "member": (
            "alice@acme.test",
            [
                "/",
                "/integrations",
                "/integrations/acme/next-gen-sync",
                "/integrations/marketplace/webhooks",  # her review (edit form), others' (flag forms)
                "/integrations/pagerduty/oncall/reviews",
                "/integrations/slack/notify",  # not installed in her workspaces: no form
                "/dashboard",
                "/dashboard/audit",
                "/dashboard/integrations/new",
                dash + ids["crm"],
                dash + ids["crm"] + "/publish",
                dash + ids["crm"] + "/versions",
                dash + ids["crm"] + "/media",
                "/dashboard/publishers/acme",
                dash + ids["private"],
                dash + ids["trashed"],
                "/workspaces",
                "/workspaces/new",
                "/workspaces/acme",
                "/workspaces/acme/installations",
                "/workspaces/acme/policy",
                "/workspaces/acme/requests",  # Carol's open request, with approve and deny
                installation + "/settings",
                keyed_installation + "/credential",
                installation + "/uninstall",
                "/invitations/not-a-token",  # signed in (a visitor is sent to log in first)
                "/settings/account",
                "/settings/tokens",
                "/install/globex/weather",
                "/integrations/globex/weather/report",
                "/dashboard/checks",
                "/dashboard/checks/MP001",
                "/dashboard/webhooks",
                "/dashboard/webhooks/acme",
                f"/dashboard/webhooks/acme/{ids['webhook']}",  # the delivery log, with Redeliver
                f"/dashboard/webhooks/acme/{ids['failing_webhook']}",  # disabled for failing: Re-enable
            ],
        ),
        "plain member": (
            "carol@acme.test",
            [
                "/workspaces/acme/requests",  # her own request
                "/workspaces/acme/policy",  # read only
                "/workspaces/initech/policy",  # she is an admin there: the form
                "/install/globex/weather",  # installable in Initech; Acme's policy blocks it (no request)
                "/install/stripe/payments",  # already requested in Acme
                "/integrations/globex/weather",  # the detail page says why Acme blocks it
                "/integrations",  # cards say what Acme's policy blocks
            ],
        ),
        "staff": (
            "staff@demo.test",
            [
                "/admin",
                "/admin/audit",
                f"/admin/integrations/{ids['weather']}",
                f"/admin/integrations/{ids['trashed']}",
                f"/admin/integrations/{ids['dice']}",  # taken down: the lift form
                "/admin/namespaces",
                "/admin/categories",
                "/admin/reports",
                f"/admin/reports/{ids['report']}",
                f"/admin/takedowns/{ids['takedown']}",
                "/admin/reviews",
                f"/admin/reviews/{ids['review']}",
                "/admin/ratings",
                "/admin/ratings?state=hidden",
                "/integrations/marketplace/webhooks/reviews",  # the publisher's reply forms
                "/dev/outbox",
            ],
        ),
        "publisher of a taken-down listing": (
            "bob@globex.test",
            [
                "/dashboard",
                f"/dashboard/integrations/{ids['dice']}",
                f"/dashboard/integrations/{ids['dice']}/takedown",
            ],
        ),
        "publisher of an update in review": (
            "vera@vendors.test",
            [
                "/dashboard",
                f"/dashboard/integrations/{ids['tickets']}",
                f"/dashboard/integrations/{ids['tickets']}/publish",
                f"/dashboard/integrations/{ids['tickets']}/versions",
            ],
        ),
    }


@pytest.mark.parametrize(
    "who",
    [
        "visitor",
        "member",
        "plain member",
        "staff",
        "publisher of a taken-down listing",
        "publisher of an update in review",
    ],
)
def test_every_page_of(demo_site, tour_page, who):
    email, paths = _visits(_ids(demo_site.app))[who]
    if email:
        _log_in(tour_page, demo_site.url, email)
    problems = _tour(tour_page, demo_site.url, paths)
    assert not problems, "\n".join(problems)


def _submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _follow_newest_mail(page, base: str, problems: list[str]) -> None:
    """Open the newest message of the development outbox, then the link it carries."""
    page.goto(base + "/dev/outbox")
    with page.expect_navigation():
        page.locator("main a[href*='/dev/outbox/']").first.click()
    _audit(page, "/dev/outbox/<message>", problems)
    link = urlsplit(page.locator(".outbox-body a").first.get_attribute("href"))
    page.goto(base + link.path)


def test_mailed_links_and_account_forms(demo_site, tour_page):
    """Sign up (with errors first), check your mail, confirm the address; forgot password, then
    the new-password form behind the mailed link."""
    base, page = demo_site.url, tour_page
    problems: list[str] = []
    page.goto(base + "/forgot-password")
    page.get_by_label("Email").fill("carol@acme.test")
    _submit(page, "Send the link")
    _follow_newest_mail(page, base, problems)
    expect(page.get_by_role("button", name="Save the new password")).to_be_visible()
    _audit(page, "reset password: new password form", problems)

    page.goto(base + "/register")
    _submit(page, "Sign up")
    expect(page.locator(".field-errors").first).to_be_visible()
    _audit(page, "sign up with errors", problems)
    page.get_by_label("Email").fill("newcomer@example.test")
    for field in page.locator("input[type=password]").all():
        field.fill("a-long-enough-password")
    _submit(page, "Sign up")
    _audit(page, "after sign-up", problems)
    _follow_newest_mail(page, base, problems)
    _audit(page, "confirm the address", problems)
    assert not problems, "\n".join(problems)


def _continue(page):
    with page.expect_navigation():
        page.get_by_role(
            "button", name=re.compile(r"^(Continue|Confirm and install|Confirm upgrade)$")
        ).click()


def _walk_wizard(page, problems: list[str]) -> None:
    """Continue through whatever steps the wizard shows, checking each (and a form with errors)."""
    tried_bad_value = tried_wrong_key = False
    for _ in range(10):
        if "/install/w/" not in page.url:
            return
        _audit(page, f"wizard: {page.url.rsplit('/', 1)[-1]}", problems)
        connect = page.get_by_role("button", name="Connect with the provider")
        if connect.count():
            with page.expect_navigation():
                connect.click()
            _audit(page, "demo provider: consent", problems)
            with page.expect_navigation():
                page.get_by_role("button", name="Approve").click()
        elif page.get_by_label("API key").count():
            if not tried_wrong_key:  # the demo service's connection test refuses it beside the field
                tried_wrong_key = True
                page.get_by_label("API key").fill("tour_SECRET_wrong_0000")
                with page.expect_navigation():
                    page.get_by_role(
                        "button", name=re.compile("^(Test and save key|Save key and continue)$")
                    ).click()
                _audit(page, "wizard: auth with an invalid key", problems)
            page.get_by_label("API key").fill("tour_SECRET_demo-key_0001")  # the demo service takes it
            with page.expect_navigation():
                page.get_by_role(
                    "button", name=re.compile("^(Test and save key|Save key and continue)$")
                ).click()
            if page.locator("#api_key-status").count():  # "Connected" beside the field, then on
                _audit(page, "wizard: auth connected", problems)
                with page.expect_navigation():
                    page.get_by_role("link", name="Continue").click()
        elif page.get_by_label("Batch size").count() and not tried_bad_value:
            tried_bad_value = True
            page.get_by_label("Batch size").fill("99999")
            _continue(page)
            _audit(page, "wizard: settings with an error", problems)
            page.get_by_label("Batch size").fill("50")
            _continue(page)
        else:
            _continue(page)


@pytest.mark.parametrize("listing", ["github/issues", "globex/weather", "pagerduty/incidents"])
def test_wizard_steps(demo_site, tour_page, listing):
    """An admin walks the install wizard (oauth2 through the demo provider; an API key with
    settings, one wrong at first; a listing with a dependency); every step is checked on the way,
    the first one again as a page of the wizard (back from the second)."""
    base = demo_site.url
    page = tour_page
    problems: list[str] = []
    _log_in(page, base, "dave@initech.test")
    page.goto(f"{base}/install/{listing}")
    _audit(page, "wizard: start", problems)
    page.get_by_label(re.compile("I trust this publisher")).check()
    _continue(page)
    with page.expect_navigation():
        page.get_by_role("navigation", name="Install steps").get_by_role(
            "link", name="Workspace and consent"
        ).click()
    expect(page.get_by_label(re.compile("I trust this publisher"))).to_be_checked()
    _audit(page, "wizard: workspace, back from the next step", problems)
    _continue(page)
    _walk_wizard(page, problems)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Installations in"))
    _audit(page, "installations after install", problems)
    assert not problems, "\n".join(problems)


def test_an_invitation_page(demo_site, tour_page):
    """Alice invites Bob into Acme; signed in, Bob opens the mailed link: the page with Accept."""
    base, page = demo_site.url, tour_page
    problems: list[str] = []
    _log_in(page, base, "alice@acme.test")
    page.goto(base + "/workspaces/acme")
    page.get_by_label("Email").fill("bob@globex.test")
    _submit(page, "Send invitation")
    _submit(page, "Log out")
    _log_in(page, base, "bob@globex.test")
    _follow_newest_mail(page, base, problems)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Acme Corp")
    expect(page.get_by_role("button", name="Accept the invitation")).to_be_visible()
    _audit(page, "invitation", problems)
    assert not problems, "\n".join(problems)


def test_webhook_forms_and_the_secret_page(demo_site, tour_page):
    """A publisher adds a webhook endpoint: the form with errors, then the page that shows its
    secret once; and the page of a rotated secret."""
    base, page = demo_site.url, tour_page
    problems: list[str] = []
    _log_in(page, base, "alice@acme.test")
    page.goto(base + "/dashboard/webhooks/acme")
    page.get_by_label("Endpoint URL").fill("http://hooks.example.com/in")
    _submit(page, "Add endpoint")
    expect(page.locator(".field-errors").first).to_be_visible()
    _audit(page, "webhook endpoint with errors", problems)
    page.get_by_label("Endpoint URL").fill("https://hooks.example.com/in")
    page.get_by_role("checkbox", name=re.compile(r"installation\.created")).check()
    _submit(page, "Add endpoint")
    expect(page.get_by_role("textbox", name="Secret")).to_have_value(re.compile("^whsec_"))
    _audit(page, "webhook secret, shown once", problems)
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Done")).click()
    page.once("dialog", lambda dialog: dialog.accept())
    _submit(page, "Rotate secret")
    expect(page.get_by_role("textbox", name="Secret")).to_have_value(re.compile("^whsec_"))
    _audit(page, "webhook secret, rotated", problems)
    assert not problems, "\n".join(problems)


def test_upgrade_and_form_errors(demo_site, tour_page):
    """The upgrade consent page, and a publisher's form sent empty (errors beside the fields)."""
    base, page = demo_site.url, tour_page
    problems: list[str] = []
    _log_in(page, base, "alice@acme.test")
    page.goto(base + "/workspaces/acme/installations")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Upgrade to")).first.click()
    _audit(page, "upgrade consent", problems)
    page.goto(base + "/dashboard/integrations/new")
    with page.expect_navigation():
        page.get_by_role("button", name="Create draft").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    _audit(page, "new integration with errors", problems)
    assert not problems, "\n".join(problems)
