"""The dashboard's structured editors in Chromium, at 1280 and 390 px: the publish journey (create a
listing, fill it with the structured editors, publish, move to the trash, restore), and the form and
the Advanced JSON following each other, a schema the form cannot show staying intact."""

import json
import os
import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Integration, User, Workspace
from tests import factories
from tests.browser.test_listing_truth_browser import log_in, no_sideways_scrolling, shoot
from tests.browser.test_listing_truth_browser import seed as seed_published

pytestmark = pytest.mark.browser

WIDTHS = [1280, 390]
UNSHOWABLE = {
    "type": "object",
    "properties": {
        "target": {"type": "string", "title": "Target"},
        "mode": {"oneOf": [{"const": "fast"}, {"const": "safe"}]},
    },
}


def seed(app) -> str:
    """The published acme/weather-sync (1.0.0 and 1.1.0) to depend on."""
    integration_id = seed_published(app)
    with app.app_context():
        factories.VersionFactory(integration=db.session.get(Integration, integration_id), version="1.1.0")
        db.session.get(Integration, integration_id).current_version = "1.1.0"
        db.session.commit()
    return integration_id


def shoot_sections(page, name: str) -> None:
    """Each document's editor on its own (SCREENSHOTS=dir), readable where a whole page is not."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        for document in ("authConfig", "variablesSchema", "manifest"):
            page.locator(f"#doc-{document}").screenshot(path=os.path.join(folder, f"{name}-{document}.png"))


def stored(app, name: str) -> Integration:
    with app.app_context():
        row = db.session.scalar(db.select(Integration).where(Integration.name == name))
        db.session.expunge(row)
        return row


def advanced(page, document: str):
    """Open a document's Advanced section; its text area."""
    details = page.locator(f"#doc-{document} details.advanced")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator("textarea")


@pytest.mark.parametrize("width", WIDTHS)
def test_publish_journey_with_the_structured_editors(live_server, page, width):
    seed(live_server.app)
    base, app = live_server.url, live_server.app
    page.set_viewport_size({"width": width, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base)

    page.goto(base + "/dashboard/integrations/new")
    page.fill("#name", "Ticket Router")
    page.fill("#publisher", "acme")
    page.select_option("#visibility", "public")
    page.click("#new-integration button[type=submit]")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator("h1")).to_have_text("Ticket Router")
    assert no_sideways_scrolling(page)

    # sign-in: an API key; the OAuth client secret is not offered
    page.select_option("#auth-type", "api_key")
    expect(page.locator("#client-secret-section")).to_be_hidden()
    page.fill("#auth-api_key-authHeaderName", "X-Api-Key")
    page.fill("#auth-api_key-instructions", "Find the key under Settings → API.")

    # a variable: added, then filled
    page.click("#var-add")
    expect(page.locator("#var-0-key")).to_be_focused()
    page.fill("#var-0-key", "region")
    page.fill("#var-0-title", "Region")
    page.check("#var-0-required")
    page.fill("#var-0-enum", "eu\nus")
    page.fill("#var-0-default", "eu")
    page.click("#var-add")
    page.fill("#var-1-key", "project")
    page.fill("#var-1-pattern", "^[A-Z]{2,10}$")
    page.fill("#var-1-patternHint", "Two to ten capital letters")
    page.fill("#var-1-examples", "OPS")
    page.click("#var-up-1")  # reorder: project first
    expect(page.locator("#var-0-key")).to_have_value("project")

    # a member and a dependency, whose range shows the versions it matches
    page.click("#man-members-add")
    page.fill("#man-members-0-key", "router")
    page.fill("#man-members-0-kind", "workflow")
    page.fill("#man-members-0-name", "Router")
    page.click("#man-dependencies-add")
    page.fill("#man-dependencies-0-integration", "acme/weather-sync")
    page.fill("#man-dependencies-0-version", "^1.0.0")
    matches = page.locator("#man-dependencies-0-matches")
    expect(matches).to_contain_text("installers get 1.1.0")
    expect(matches.locator("li.match")).to_have_text([re.compile(r"^1\.1\.0"), re.compile(r"^1\.0\.0")])
    page.fill("#man-dependencies-0-version", "~1.0.0")
    expect(matches).to_contain_text("installers get 1.0.0")
    expect(matches.locator("li.match")).to_have_text([re.compile(r"^1\.0\.0 ✓ \(matches\)")])
    expect(matches.locator("li.no-match")).to_have_text([re.compile(r"^1\.1\.0 \(does not match\)")])

    # the Advanced JSON followed the form
    expect(advanced(page, "variablesSchema")).to_have_value(_contains('"region"'))
    expect(page.locator("#variables-preview label", has_text="Region")).to_be_visible()
    assert no_sideways_scrolling(page)
    shoot(page, f"editors-filled-{width}")
    shoot_sections(page, f"editors-filled-{width}")
    page.click("#save")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator(".flash-success")).to_contain_text("Saved.")

    row = stored(app, "Ticket Router")
    assert row.auth_config == {
        "type": "api_key",
        "authHeaderName": "X-Api-Key",
        "authValuePrefix": "",
        "instructions": "Find the key under Settings → API.",
    }
    assert list(row.variables_schema["properties"]) == ["project", "region"]
    assert row.variables_schema["required"] == ["region"]
    assert row.variables_schema["properties"]["region"] == {
        "type": "string",
        "title": "Region",
        "default": "eu",
        "enum": ["eu", "us"],
    }
    assert row.variables_schema["properties"]["project"]["patternHint"] == "Two to ten capital letters"
    assert row.manifest == {
        "members": [{"key": "router", "kind": "workflow", "name": "Router"}],
        "dependencies": [{"integration": "acme/weather-sync", "version": "~1.0.0"}],
        "defaults": {},  # a new draft's, carried untouched
    }

    page.click("nav.dash-tabs >> text=Publish")
    expect(page.locator("#version")).to_have_value("1.0.0")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator("#current-version")).to_have_text("1.0.0")

    page.click("nav.dash-tabs >> text=Edit")
    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator(".flash-success")).to_contain_text("moved to the trash")
    assert stored(app, "Ticket Router").deleted_at is not None
    page.locator("li, tr, article", has_text="Ticket Router").get_by_role(
        "button", name="Restore"
    ).first.click()
    expect(page.locator(".flash-success")).to_contain_text("restored")
    assert stored(app, "Ticket Router").deleted_at is None
    assert no_sideways_scrolling(page)


class _contains:
    """expect(...).to_have_value takes a str or a regular expression."""

    def __new__(cls, text):
        return re.compile(re.escape(text))


def _integration_with(app, **documents) -> str:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "pub@example.test"))
        workspace = db.session.scalar(db.select(Workspace).where(Workspace.slug == "acme"))
        integration = factories.IntegrationFactory(
            workspace=workspace,
            creator=user,
            publisher="acme",
            slug="round-trip",
            name="Round Trip",
            **documents,
        )
        db.session.commit()
        return integration.id


@pytest.mark.parametrize("width", WIDTHS)
def test_the_form_and_the_json_follow_each_other(live_server, page, width):
    seed(live_server.app)
    base, app = live_server.url, live_server.app
    integration_id = _integration_with(
        app,
        manifest={"members": [], "dependencies": [], "defaults": {"target": "x"}},
        variables_schema=UNSHOWABLE,
        auth_config={
            "type": "oauth2",
            "authorizeUrl": "https://id.example/authorize",
            "tokenUrl": "https://id.example/token",
            "scopes": ["read"],
            "clientId": "c1",
        },
    )
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, base)
    page.goto(f"{base}/dashboard/integrations/{integration_id}")

    # a schema the builder cannot show: said so, its JSON open in Advanced, intact
    expect(page.locator("#doc-variablesSchema .editor-unshowable")).to_contain_text("can't show")
    variables = page.locator("#doc-variablesSchema textarea")
    expect(variables).to_be_visible()
    assert json.loads(variables.input_value()) == UNSHOWABLE
    expect(page.locator("#client-secret-section")).to_be_visible()  # oauth2

    # form -> JSON: a scope added in the form shows in Advanced
    page.click("#auth-oauth2-scopes-add")
    expect(page.locator("#auth-oauth2-scopes-1")).to_be_focused()
    page.fill("#auth-oauth2-scopes-1", "write")
    auth = advanced(page, "authConfig")
    expect(auth).to_have_value(_contains('"write"'))
    page.click("#auth-oauth2-scopes-remove-0")
    expect(auth).not_to_have_value(_contains('"read"'))

    # JSON -> form: a member typed in Advanced shows in the form
    manifest = advanced(page, "manifest")
    manifest.fill(
        json.dumps(
            {
                "members": [{"key": "m1", "kind": "dashboard", "name": "Overview", "x-note": "kept"}],
                "dependencies": [],
                "defaults": {"target": "x"},
            },
            indent=2,
        )
    )
    expect(page.locator("#man-members-0-name")).to_have_value("Overview")
    expect(page.locator("#doc-manifest .carried").first).to_contain_text("x-note")
    manifest.fill('{"members": [')  # broken JSON: the form says it can't show it
    expect(page.locator("#doc-manifest .editor-unshowable")).to_be_visible()
    page.locator("#doc-manifest .format-button").click()
    expect(page.locator("#doc-manifest .format-status")).to_contain_text("Not valid JSON")
    manifest.fill(
        '{"members": [{"key": "m1", "kind": "dashboard", "name": "Overview"}], "defaults": {"target": "x"}}'
    )
    gutter = page.locator("#doc-manifest .gutter")  # the raw JSON's line numbers, one per line
    expect(gutter).to_have_text("1")
    page.locator("#doc-manifest .format-button").click()
    expect(manifest).to_have_value(_contains('\n  "members": [\n'))
    lines = manifest.input_value().count("\n") + 1
    expect(gutter).to_have_text(" ".join(str(n) for n in range(1, lines + 1)))
    assert gutter.get_attribute("aria-hidden") == "true"
    expect(page.locator("#man-members-0-name")).to_have_value("Overview")
    assert no_sideways_scrolling(page)
    shoot(page, f"editors-round-trip-{width}")
    shoot_sections(page, f"editors-round-trip-{width}")

    # switching the type hides the client secret; switching back restores what was typed
    page.select_option("#auth-type", "none")
    expect(page.locator("#client-secret-section")).to_be_hidden()
    page.select_option("#auth-type", "oauth2")
    expect(page.locator("#auth-oauth2-scopes-0")).to_have_value("write")
    # the install wizard cannot run oneOf: saving is refused beside the JSON, and nothing typed is lost
    page.click("#save")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator("#variables_schema-errors")).to_contain_text("$.properties.mode.type")
    assert json.loads(page.locator("#variables_schema").input_value()) == UNSHOWABLE
    expect(page.locator("#auth-oauth2-scopes-0")).to_have_value("write")
    expect(page.locator("#man-members-0-name")).to_have_value("Overview")
    assert stored(app, "Round Trip").auth_config["scopes"] == ["read"]

    # fixed in Advanced, the builder shows it again; now it saves
    fixed = {"type": "object", "properties": {"target": {"type": "string", "title": "Target"}}}
    page.locator("#variables_schema").fill(json.dumps(fixed))
    expect(page.locator("#var-0-key")).to_have_value("target")
    page.click("#save")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator(".flash-success")).to_contain_text("Saved.")
    row = stored(app, "Round Trip")
    assert row.variables_schema == fixed
    assert row.auth_config["scopes"] == ["write"]
    assert row.manifest == {
        "members": [{"key": "m1", "kind": "dashboard", "name": "Overview"}],
        "defaults": {"target": "x"},
    }


def test_the_structured_editors_without_javascript(live_server, browser):
    """At 390 px with JavaScript off: row buttons post the form and keep what was typed; the
    type's inputs follow the chosen type after "Show its fields"; the form's JSON is saved."""
    seed(live_server.app)
    base, app = live_server.url, live_server.app
    integration_id = _integration_with(app, auth_config={"type": "none"}, manifest={}, variables_schema={})
    context = browser.new_context(viewport={"width": 390, "height": 900}, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, base)
        page.goto(f"{base}/dashboard/integrations/{integration_id}")
        expect(page.locator("#doc-authConfig details.advanced")).not_to_have_attribute("open", "")
        page.select_option("#auth-type", "api_key")
        page.get_by_role("button", name="Show its fields").click()
        expect(page.locator("#auth-api_key-authHeaderName")).to_be_visible()
        page.fill("#auth-api_key-authHeaderName", "X-Key")
        page.click("#var-add")
        expect(page.locator("#auth-api_key-authHeaderName")).to_have_value("X-Key")  # kept
        page.fill("#var-0-key", "team")
        page.fill("#var-0-title", "Team")
        page.click("#man-members-add")
        page.fill("#man-members-0-key", "sync")
        page.fill("#man-members-0-kind", "workflow")
        page.fill("#man-members-0-name", "Sync")
        assert no_sideways_scrolling(page)
        shoot(page, "editors-no-js-390")
        page.click("#save")
        page.wait_for_load_state("load")  # the new page's scripts run before it is used
        expect(page.locator(".flash-success")).to_contain_text("Saved.")
        row = stored(app, "Round Trip")
        assert row.auth_config == {"type": "api_key", "authHeaderName": "X-Key", "authValuePrefix": ""}
        assert row.variables_schema == {
            "type": "object",
            "properties": {"team": {"type": "string", "title": "Team"}},
        }
        assert row.manifest == {
            "members": [{"key": "sync", "kind": "workflow", "name": "Sync"}],
            "dependencies": [],
        }
    finally:
        context.close()
