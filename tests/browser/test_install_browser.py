"""An admin, in Chromium: installs an api_key integration with a dependency and a variables form
(bad values first), and an oauth2 integration through the bundled demo provider; then upgrades
the oauth2 one to a version with a new scope (re-consent) and uninstalls it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Installation
from app.services import crypto
from tests.install_support import API_KEY_AUTH, add_version, admin, oauth_auth, publish

pytestmark = pytest.mark.browser

API_KEY = "brwsr_SECRET_key_4242"
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
        "region": {"type": "string", "title": "Region", "enum": ["eu", "us", "apac"]},
        "batch": {"type": "integer", "title": "Batch size", "minimum": 1, "maximum": 100},
    },
}


def _seed(live_server):
    app = live_server.app
    app.config["DEMO_OAUTH_REDIRECT_URIS"] = [f"{live_server.url}/install/callback"]
    with app.app_context():
        user, workspace = admin()
        base = publish(name="Base Toolkit", trust_tier="first_party")
        alerts = publish(
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
        return (
            user.email,
            workspace.slug,
            f"/install/{alerts.publisher}/{alerts.slug}",
            f"/install/{files.publisher}/{files.slug}",
            files.id,
        )


def _continue(page):
    page.get_by_role("button", name=re.compile(r"^(Continue|Confirm and install|Confirm upgrade)$")).click()


def _consent(page):
    page.get_by_label(re.compile("I trust this publisher|I grant the new permissions")).check()
    _continue(page)


def test_admin_installs_upgrades_and_uninstalls(live_server, page):
    email, ws, alerts_url, files_url, files_id = _seed(live_server)
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()

    # --- api_key integration with a dependency -------------------------------------------------
    page.goto(live_server.url + alerts_url)
    expect(page.get_by_text("Caution: community integration.")).to_be_visible()
    _consent(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dependencies of Alerts Hub")
    page.get_by_role("button", name=re.compile("Install Base Toolkit 1.0.0 first")).click()
    expect(page.get_by_text("as a dependency")).to_be_visible()
    _consent(page)
    # Base Toolkit needs no other integration, no sign-in and no settings: straight to review,
    # with those steps shown as skipped in the progress, not as pages.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and install Base Toolkit")
    progress = page.get_by_role("navigation", name="Install steps")
    expect(progress).to_contain_text("skipped: needs no other integration")
    expect(progress).to_contain_text("skipped: no sign-in needed")
    expect(progress).to_contain_text("skipped: no settings")
    _continue(page)  # confirm the dependency
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Dependencies of Alerts Hub"
    )  # back in the flow
    expect(page.get_by_text("Installed 1.0.0")).to_be_visible()
    _continue(page)

    page.wait_for_load_state("load")  # install.js (deferred) listens before the key is typed
    page.get_by_label("API key").fill(API_KEY)
    expect(page.locator("#header-preview")).to_have_text("X-Api-Key: ••••4242")
    page.get_by_role("button", name="Save key and continue").click()

    expect(page.get_by_label("Region")).to_have_value("eu")  # the manifest default
    page.get_by_label("Channel").fill("alerts")  # misses the leading #
    page.get_by_label("Batch size").fill("500")
    page.get_by_label("Region").select_option("apac")
    _continue(page)
    expect(
        page.get_by_text("Does not match the required format: a # and lower-case letters, like #alerts")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("at most 100"))).to_be_visible()
    expect(page.get_by_label("Channel")).to_have_value("alerts")  # what was typed is kept
    expect(page.get_by_label("Region")).to_have_value("apac")
    page.get_by_label("Channel").fill("")
    _continue(page)
    expect(page.locator(".field-errors").first).to_be_visible()  # the required field, beside it
    page.get_by_label("Channel").fill("#alerts")
    page.get_by_label("Batch size").fill("25")
    _continue(page)
    expect(page.get_by_text("copied into your workspace")).to_be_visible()
    expect(page.locator(".settings")).to_contain_text("Batch size25")  # titles, not keys
    expect(page.get_by_text("••••4242").first).to_be_visible()
    assert API_KEY not in page.content()
    _continue(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Installations in"))
    expect(
        page.locator("tr[data-integration$='alerts-hub'], tr.installation").filter(has_text="Alerts Hub")
    ).to_be_visible()

    # --- oauth2 through the bundled provider -------------------------------------------------------
    page.goto(live_server.url + files_url)
    _consent(page)  # no dependencies: straight to Connect
    page.get_by_role("button", name="Connect with the provider").click()
    expect(page.get_by_role("heading", name="Demo OAuth provider")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Connected.")).to_be_visible()  # and on to review: no settings
    expect(page.get_by_text("Connected with OAuth2 (renewable)")).to_be_visible()
    _continue(page)
    files_row = page.locator("tr.installation").filter(has_text="Files Sync")
    expect(files_row).to_contain_text("1.0.0")

    # --- upgrade with a new scope: re-consent and a new authorization -------------------------------
    with live_server.app.app_context():
        from app.models import Integration

        files = db.session.get(Integration, files_id)
        add_version(
            files,
            "1.1.0",
            auth_config=oauth_auth(live_server.url, ["read", "files:write"]),
            changelog="## 1.1.0\n\n- Writes files back",
        )
        db.session.commit()
    page.reload()
    files_row.get_by_role("button", name="Upgrade to 1.1.0").click()
    expect(page.get_by_text("This version asks for new permissions.")).to_be_visible()
    expect(page.get_by_text("Writes files back")).to_be_visible()
    _continue(page)  # without consent: refused
    expect(page.get_by_text("confirm that you grant them")).to_be_visible()
    _consent(page)  # no dependencies: straight to Connect
    page.get_by_role("button", name="Connect with the provider").click()
    page.get_by_role("button", name="Approve").click()
    _continue(page)  # no settings: the connection lands on review; confirm the upgrade
    expect(files_row).to_contain_text("1.1.0")
    with live_server.app.app_context():
        installation = db.session.scalar(
            db.select(Installation).where(Installation.integration_id == files_id)
        )
        assert installation.granted_scopes == ["read", "files:write"]

    # --- a patch that asks nothing new: one confirm from the installations page ------------------
    with live_server.app.app_context():
        files = db.session.get(Integration, files_id)
        add_version(
            files,
            "1.1.1",
            auth_config=oauth_auth(live_server.url, ["read", "files:write"]),
            changelog="## 1.1.1\n\n- Faster sync",
        )
        db.session.commit()
    page.reload()
    files_row.get_by_text("What 1.1.1 changes").click()
    expect(files_row.get_by_text("Faster sync")).to_be_visible()
    files_row.get_by_role("button", name="Upgrade to 1.1.1").click()
    expect(page.get_by_text("Files Sync upgraded to 1.1.1.")).to_be_visible()
    expect(files_row).to_contain_text("1.1.1")
    page.goto(live_server.url + files_url)  # said on the first step, before any consent
    expect(page.get_by_text(re.compile("Already installed in"))).to_be_visible()
    expect(page.get_by_label(re.compile("I trust this publisher"))).to_have_count(0)
    page.goto(live_server.url + f"/workspaces/{ws}/installations")

    # --- uninstall -----------------------------------------------------------------------------------
    files_row.get_by_role("link", name=re.compile("Uninstall")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uninstall Files Sync?")
    page.get_by_role("button", name="Uninstall").click()
    expect(files_row).to_contain_text("Uninstalled")
    with live_server.app.app_context():
        installation = db.session.scalar(
            db.select(Installation).where(Installation.integration_id == files_id)
        )
        assert installation.status == "uninstalled" and installation.credential is None
