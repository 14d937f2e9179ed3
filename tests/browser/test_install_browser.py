"""The install journey, as an admin does it in Chromium at a desktop (1280 px) and a phone (390 px)
width, reaching every page through the site's own navigation (on the phone, behind "Menu"):
find an api_key integration in the catalog, install its dependency first, fill its settings (bad
values first) and review them in human words with the key masked; install an oauth2 integration
through the bundled demo provider; upgrade it to a patch with one confirm from the installations
page (its old version withdrawn, the reason shown); upgrade to a version with a new scope
(re-consent and a new authorization); see "already installed" before any consent; uninstall.
Then the api_key install again on a phone with JavaScript off.

Set JOURNEY_SCREENSHOTS=<dir> to keep a screenshot of each page on the way, at both widths."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Installation, Integration
from app.services import crypto, publishing
from tests.install_support import API_KEY_AUTH, add_version, admin, oauth_auth, publish

pytestmark = pytest.mark.browser

API_KEY = "brwsr_SECRET_key_4242"
SCREENSHOTS = os.environ.get("JOURNEY_SCREENSHOTS")
SCHEMA = {
    "type": "object",
    "required": ["channel", "region", "batch"],
    "properties": {
        "channel": {
            "type": "string",
            "title": "Channel",
            "pattern": "^#[a-z]+$",
            "patternHint": "a # and lower-case letters, like #alerts",
        },
        "region": {
            "type": "string",
            "title": "Data region",
            "oneOf": [
                {"const": "eu", "title": "Europe (Frankfurt)"},
                {"const": "us", "title": "United States"},
                {"const": "apac", "title": "Asia Pacific (Sydney)"},
            ],
        },
        "batch": {"type": "integer", "title": "Batch size", "minimum": 1, "maximum": 100},
        "digest": {"type": "boolean", "title": "Send a daily digest"},
        "weekends": {"type": "boolean", "title": "Alert on weekends"},
    },
}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _seed(live_server):
    app = live_server.app
    app.config["DEMO_OAUTH_REDIRECT_URIS"] = [f"{live_server.url}/install/callback"]
    with app.app_context():
        user, workspace = admin()
        base = publish(name="Base Toolkit", trust_tier="first_party")
        publish(
            name="Alerts Hub",
            auth=API_KEY_AUTH,
            schema=SCHEMA,
            trust_tier="community",
            manifest={
                "members": [
                    {"key": "flow", "kind": "workflow", "name": "Alert flow"},
                    {"key": "tpl", "kind": "template", "name": "Alert template", "forkOnInstall": True},
                ],
                "dependencies": [{"integration": f"{base.publisher}/{base.slug}", "version": "^1.0.0"}],
                "defaults": {"region": "eu"},
            },
        )
        files = publish(
            name="Files Sync", auth=oauth_auth(live_server.url, ["read"]), trust_tier="verified_partner"
        )
        from app.demo import DEMO_OAUTH_CLIENT_SECRET

        files.oauth_client_secret_encrypted = crypto.encrypt_json(DEMO_OAUTH_CLIENT_SECRET)
        db.session.commit()
        return user.id, user.email, workspace.name, files.id


class Journey:
    """The page, at one width, with the steps every part of the journey repeats."""

    def __init__(self, page, base: str, width: int):
        self.page, self.base, self.width = page, base, width
        page.set_viewport_size({"width": width, "height": 900})

    @property
    def phone(self) -> bool:
        return self.width < 700

    def look(self, name: str) -> None:
        """Nothing scrolls sideways; keep a screenshot when asked to."""
        self.page.wait_for_load_state("load")  # its CSS applied (after a click, the DOM can come first)
        assert self.page.evaluate(NO_SIDEWAYS_SCROLL), f"{name} scrolls sideways at {self.width} px"
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=f"{SCREENSHOTS}/install-{name}-{self.width}.png", full_page=True)

    def menu(self, link: str) -> None:
        """Follow a link of the main navigation; on a phone the links wait behind "Menu"."""
        target = self.page.get_by_role("navigation", name="Main").get_by_role("link", name=link)
        if self.phone:
            expect(target).to_be_hidden()
            self.page.get_by_text("Menu", exact=True).click()
        target.click()

    def find_and_install(self, query: str, name: str, installed_in: str | None = None) -> None:
        """From the catalog: search, open the listing, start its install (when the workspace
        `installed_in` has it already, the listing says so and offers Manage and another workspace)."""
        self.menu("Catalog")
        self.page.get_by_label("Search", exact=True).fill(query)
        self.page.get_by_label("Search", exact=True).press("Enter")
        self.page.wait_for_url(f"**q={query}*")
        self.page.locator(".integration-name").get_by_role("link", name=name).click()
        if installed_in:
            expect(self.page.locator(".detail-actions")).to_contain_text(f"Installed in {installed_in}")
            expect(self.page.get_by_role("link", name="Manage")).to_be_visible()
            self.page.get_by_role("link", name="Install in another workspace").click()
            return
        self.page.get_by_role("link", name=f"Install {name}").click()

    def installations(self, workspace: str) -> None:
        self.menu("Workspaces")
        self.page.get_by_role("row").filter(has_text=workspace).get_by_role(
            "link", name="Installations"
        ).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(f"Installations in {workspace}")

    def proceed(self) -> None:
        self.page.get_by_role(
            "button", name=re.compile(r"^(Continue|Confirm and install|Confirm upgrade)$")
        ).click()

    def consent(self) -> None:
        self.page.get_by_label(re.compile("I trust this publisher|I grant the new permissions")).check()
        self.proceed()

    def heading(self):
        return self.page.get_by_role("heading", level=1)


def _log_in(journey: Journey, email: str) -> None:
    page = journey.page
    page.goto(journey.base + "/")
    if journey.phone:
        page.get_by_text("Menu", exact=True).click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".nav-account button", has_text="Log out")).to_be_attached()  # hidden on a phone


def _install_api_key_integration(journey: Journey, workspace: str) -> None:
    page = journey.page
    journey.find_and_install("alerts", "Alerts Hub")
    expect(page.get_by_text("Caution: community integration.")).to_be_visible()
    journey.look("start")
    journey.consent()
    expect(journey.heading()).to_have_text("Dependencies of Alerts Hub")
    journey.look("dependencies")
    page.get_by_role("button", name=re.compile("Install Base Toolkit 1.0.0 first")).click()
    expect(page.get_by_text("as a dependency")).to_be_visible()
    journey.consent()
    # Base Toolkit needs no other integration, no sign-in and no settings: straight to review,
    # with those steps shown as skipped in the progress, not as pages.
    expect(journey.heading()).to_have_text("Review and install Base Toolkit")
    progress = page.get_by_role("navigation", name="Install steps")
    expect(progress).to_contain_text("skipped: needs no other integration")
    expect(progress).to_contain_text("skipped: no sign-in needed")
    expect(progress).to_contain_text("skipped: no settings")
    journey.look("review-skipped-steps")
    journey.proceed()  # confirm the dependency: back in the flow of Alerts Hub
    expect(journey.heading()).to_have_text("Dependencies of Alerts Hub")
    expect(page.get_by_text("Installed 1.0.0")).to_be_visible()
    journey.proceed()

    page.wait_for_load_state("load")  # install.js (deferred) listens before the key is typed
    page.get_by_label("API key").fill(API_KEY)
    expect(page.locator("#header-preview")).to_have_text("X-Api-Key: ••••4242")
    journey.look("api-key")
    page.get_by_role("button", name="Save key and continue").click()

    region = page.get_by_label("Data region")
    expect(region).to_have_value("eu")  # the manifest's default, shown by its label
    expect(region.locator("option:checked")).to_have_text("Europe (Frankfurt)")
    page.get_by_label("Channel").fill("alerts")  # misses the leading #
    page.get_by_label("Batch size").fill("500")
    region.select_option(label="Asia Pacific (Sydney)")
    journey.proceed()
    expect(
        page.get_by_text("Does not match the required format: a # and lower-case letters, like #alerts")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("at most 100"))).to_be_visible()
    expect(page.get_by_label("Channel")).to_have_value("alerts")  # what was typed is kept
    expect(page.get_by_label("Data region")).to_have_value("apac")
    journey.look("settings-errors")
    page.get_by_label("Channel").fill("#alerts")
    page.get_by_label("Batch size").fill("25")
    page.get_by_label("Send a daily digest").check()
    journey.proceed()

    expect(journey.heading()).to_have_text("Review and install Alerts Hub")
    settings = page.locator(".settings")
    for title, value in (
        ("Channel", "#alerts"),
        ("Data region", "Asia Pacific (Sydney)"),  # the label, not "apac"
        ("Batch size", "25"),
        ("Send a daily digest", "Yes"),
        ("Alert on weekends", "No"),  # an unticked box, not Python's False
    ):
        expect(settings.locator("div").filter(has=page.get_by_text(title, exact=True))).to_contain_text(value)
    expect(settings).not_to_contain_text("apac")
    expect(settings).not_to_contain_text("True")
    expect(page.get_by_text("copied into your workspace")).to_be_visible()
    expect(page.locator(".summary .credential-mask")).to_have_text("••••4242")
    assert API_KEY not in page.content() and API_KEY[:-4] not in page.content()
    journey.look("review")
    journey.proceed()
    expect(journey.heading()).to_have_text(f"Installations in {workspace}")
    row = page.locator("tr.installation").filter(has_text="Alerts Hub")
    expect(row).to_contain_text("••••4242")
    assert API_KEY not in page.content()


def _install_oauth2_integration(journey: Journey) -> None:
    page = journey.page
    journey.find_and_install("files", "Files Sync")
    journey.consent()  # no dependencies: straight to Connect
    expect(journey.heading()).to_have_text("Connect Files Sync")
    journey.look("connect")
    page.get_by_role("button", name="Connect with the provider").click()
    expect(page.get_by_role("heading", name="Demo OAuth provider")).to_be_visible()
    journey.look("demo-provider")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Connected.")).to_be_visible()  # and on to review: no settings
    expect(page.get_by_text("Connected with OAuth2 (renewable)")).to_be_visible()
    journey.proceed()
    expect(page.locator("tr.installation").filter(has_text="Files Sync")).to_contain_text("1.0.0")


def _publish(live_server, files_id, version, scopes, changelog, yank=None, actor_id=None):
    with live_server.app.app_context():
        from app.models import User

        files = db.session.get(Integration, files_id)
        add_version(files, version, auth_config=oauth_auth(live_server.url, scopes), changelog=changelog)
        if yank:
            publishing.yank_version(db.session.get(User, actor_id), files, yank[0], yank[1])
        db.session.commit()


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_install_journey(live_server, page, width):
    user_id, email, workspace, files_id = _seed(live_server)
    journey = Journey(page, live_server.url, width)
    _log_in(journey, email)
    _install_api_key_integration(journey, workspace)
    _install_oauth2_integration(journey)
    files_row = page.locator("tr.installation").filter(has_text="Files Sync")

    # --- a patch that asks nothing new, its old version withdrawn: one confirm ---------------------
    _publish(
        live_server,
        files_id,
        "1.0.1",
        ["read"],
        "## 1.0.1\n\n- No more duplicate files",
        yank=("1.0.0", "Sends some files twice."),
        actor_id=user_id,
    )
    journey.installations(workspace)
    notice = page.locator("tr.installation-notices").filter(has_text="Files Sync")
    expect(notice).to_contain_text("Version 1.0.0 was withdrawn by its publisher: Sends some files twice.")
    expect(files_row).to_contain_text("Withdrawn")
    reason = notice.locator(".install-notice-reason")
    assert reason.evaluate("e => getComputedStyle(e).fontWeight") == "400"  # read as text, not shouted
    files_row.get_by_text("What 1.0.1 changes").click()
    expect(files_row.get_by_text("No more duplicate files")).to_be_visible()
    journey.look("installations-patch")
    files_row.get_by_role("button", name="Upgrade to 1.0.1").click()  # the one confirm
    expect(page.get_by_text("Files Sync upgraded to 1.0.1.")).to_be_visible()
    expect(files_row).to_contain_text("1.0.1")
    expect(notice).to_have_count(0)

    # --- a minor version with a new scope: re-consent and a new authorization --------------------
    _publish(live_server, files_id, "1.1.0", ["read", "files:write"], "## 1.1.0\n\n- Writes files back")
    page.reload()
    files_row.get_by_role("button", name="Upgrade to 1.1.0").click()
    expect(page.get_by_text("This version asks for new permissions.")).to_be_visible()
    expect(page.get_by_text("Writes files back")).to_be_visible()
    journey.look("upgrade-consent")
    journey.proceed()  # without consent: refused
    expect(page.get_by_text("confirm that you grant them")).to_be_visible()
    journey.consent()  # no dependencies: straight to Connect
    page.get_by_role("button", name="Connect with the provider").click()
    page.get_by_role("button", name="Approve").click()
    journey.proceed()  # no settings: the connection lands on review; confirm the upgrade
    expect(files_row).to_contain_text("1.1.0")
    with live_server.app.app_context():
        installation = db.session.scalar(
            db.select(Installation).where(Installation.integration_id == files_id)
        )
        assert installation.granted_scopes == ["read", "files:write"]

    # --- "already installed" is said on the first step, before any consent ----------------------
    journey.find_and_install("files", "Files Sync", installed_in=workspace)
    expect(page.get_by_text(re.compile(f"Already installed in {workspace}"))).to_be_visible()
    expect(page.get_by_label(re.compile("I trust this publisher"))).to_have_count(0)
    journey.look("already-installed")

    # --- uninstall ---------------------------------------------------------------------------------
    page.get_by_role("link", name=re.compile("Manage it in")).click()
    files_row.get_by_role("link", name=re.compile("Uninstall")).click()
    expect(journey.heading()).to_have_text("Uninstall Files Sync?")
    journey.look("uninstall")
    page.get_by_role("button", name="Uninstall").click()
    expect(files_row).to_contain_text("Uninstalled")
    expect(files_row.locator('td[data-label="Actions"]')).to_be_empty()  # no bare "Actions" label
    journey.look("installations-after")
    with live_server.app.app_context():
        installation = db.session.scalar(
            db.select(Installation).where(Installation.integration_id == files_id)
        )
        assert installation.status == "uninstalled" and installation.credential is None


def test_install_on_a_phone_without_javascript(live_server, browser):
    """The same pages with JavaScript off, at 390 px: the menu and the search (Enter submits the
    filter form though its Apply is folded away) work, the wizard takes the key and the settings,
    and the review shows the key only masked."""
    _, email, workspace, _ = _seed(live_server)
    context = browser.new_context(viewport={"width": 390, "height": 900}, java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        journey = Journey(context.new_page(), live_server.url, 390)
        page = journey.page
        _log_in(journey, email)
        journey.find_and_install("base", "Base Toolkit")
        journey.consent()
        journey.proceed()  # nothing else to do: review, then confirm
        expect(journey.heading()).to_have_text(f"Installations in {workspace}")

        journey.find_and_install("alerts", "Alerts Hub")
        journey.consent()
        expect(page.get_by_text("Installed 1.0.0")).to_be_visible()  # the dependency, installed above
        journey.proceed()
        page.get_by_label("API key").fill(API_KEY)
        page.get_by_role("button", name="Save key and continue").click()
        page.get_by_label("Channel").fill("#ops")
        page.get_by_label("Batch size").fill("5")
        page.get_by_label("Data region").select_option(label="United States")
        journey.proceed()
        expect(page.locator(".settings")).to_contain_text("United States")
        assert API_KEY not in page.content()
        journey.look("review-no-js")
        journey.proceed()
        expect(page.locator("tr.installation").filter(has_text="Alerts Hub")).to_contain_text("••••4242")
    finally:
        context.close()
