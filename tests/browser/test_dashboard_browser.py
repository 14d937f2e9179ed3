"""A publisher, in Chromium: create, fix a manifest with two mistakes, watch the preview,
publish 1.0.0 and 1.1.0, yank 1.1.0, and the catalog follows."""

import json
import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Membership, PublisherNamespace, User, Workspace
from app.models.base import utcnow
from tests.browser.fixtures import show_advanced_json

pytestmark = pytest.mark.browser

BROKEN_MANIFEST = """{
  "members": [
    {"key": "sync", "kind": "workflow"},
    {"key": "report", "kind": "dashboard", "name": "Report", "forkOnInstall": "yes"}
  ],
  "defaults": {"region": "eu"}
}"""
FIXED_MANIFEST = BROKEN_MANIFEST.replace('"kind": "workflow"', '"kind": "workflow", "name": "Sync"').replace(
    '"yes"', "true"
)
SCHEMA = {
    "type": "object",
    "required": ["region"],
    "properties": {"region": {"type": "string", "title": "Region", "enum": ["us", "eu"]}},
}
AUTH = {"type": "api_key", "authHeaderName": "Authorization", "authValuePrefix": "Bearer "}


def seed(app):
    with app.app_context():
        user = User(email="pub@example.test", display_name="Pub", email_verified_at=utcnow())
        user.set_password("password123")
        workspace = Workspace(slug="acme", name="Acme")
        db.session.add_all([user, workspace])
        db.session.flush()
        db.session.add_all(
            [
                Membership(workspace_id=workspace.id, user_id=user.id, role="owner"),
                PublisherNamespace(handle="acme", workspace_id=workspace.id),
            ]
        )
        db.session.commit()


def catalog_version(page, base):
    page.goto(base + "/integrations?q=Weather")
    card = page.locator("article.integration-card", has_text="Weather Sync")
    return card.locator(".integration-meta span").first.inner_text()


def test_publisher_journey(live_server, page):
    seed(live_server.app)
    base = live_server.url
    page.goto(base + "/login")
    page.fill("#email", "pub@example.test")
    page.fill("#password", "password123")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used

    page.goto(base + "/dashboard/integrations/new")
    page.fill("#name", "Weather Sync")
    expect(page.locator("#slug")).to_have_value("weather-sync")  # suggested as you type (JS)
    page.fill("#publisher", "acme")
    page.select_option("#visibility", "public")
    page.click("#new-integration button[type=submit]")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator("h1")).to_have_text("Weather Sync")
    edit_url = page.url

    show_advanced_json(page)
    page.fill("#manifest", BROKEN_MANIFEST)
    page.fill("#variables_schema", json.dumps(SCHEMA, indent=2))
    page.fill("#auth_config", json.dumps(AUTH))
    page.click("#save")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    errors = page.locator("#manifest-errors")
    expect(errors).to_contain_text("line 3, $.members[0]: “name” is required.")
    expect(errors).to_contain_text("line 4, $.members[1].forkOnInstall: Must be of type boolean")
    expect(page.locator("#manifest")).to_have_value(BROKEN_MANIFEST)  # what was typed is kept

    show_advanced_json(page)
    page.fill("#manifest", FIXED_MANIFEST)
    page.fill("#variables_schema", json.dumps(SCHEMA, indent=2))
    page.fill("#auth_config", json.dumps(AUTH))
    page.click("#save")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator(".flash-success")).to_contain_text("Saved.")
    preview = page.locator("#variables-preview")
    expect(preview.locator("label", has_text="Region")).to_be_visible()
    expect(preview.locator("#preview-region")).to_have_value("eu")  # the manifest's default

    schema = dict(
        SCHEMA,
        properties={
            **SCHEMA["properties"],
            "team": {"type": "string", "title": "Team name", "description": "Who owns it"},
        },
    )
    show_advanced_json(page)
    page.fill("#variables_schema", json.dumps(schema, indent=2))  # typing: the preview follows (JS)
    expect(preview.locator("label", has_text="Team name")).to_be_visible()
    expect(preview).to_contain_text("Who owns it")
    page.click("#save")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator(".flash-success")).to_contain_text("Saved.")

    page.click("nav.dash-tabs >> text=Publish")
    expect(page.locator("#version")).to_have_value("1.0.0")
    page.fill("#changelog", "First release.")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator("#current-version")).to_have_text("1.0.0")
    assert catalog_version(page, base) == "v1.0.0"

    page.goto(edit_url + "/publish")
    page.click("button[data-version='1.1.0']")
    expect(page.locator("#version")).to_have_value("1.1.0")
    page.fill("#changelog", "Adds **team** routing.")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("load")  # the new page's scripts run before it is used
    expect(page.locator("#current-version")).to_have_text("1.1.0")
    expect(
        page.locator("article.version", has_text="1.1.0").locator("strong", has_text="team")
    ).to_be_visible()
    assert catalog_version(page, base) == "v1.1.0"

    page.goto(edit_url + "/versions")
    version = page.locator("article.version", has_text="Adds")
    version.locator("summary").click()
    version.locator("textarea").fill("Routing loses messages.")
    version.locator("button[type=submit]").click()
    expect(page.locator("#current-version")).to_have_text("1.0.0")
    expect(page.locator("article.version.yanked")).to_contain_text("Routing loses messages.")
    assert catalog_version(page, base) == "v1.0.0"
    page.goto(base + "/integrations/acme/weather-sync")
    expect(page.locator("body")).to_contain_text(re.compile("1\\.0\\.0"))
