"""Notices reach installs (issue 8): /workspaces/<ws>/installations shows for each installation the
yank reason or takedown notice and what to do, "needs attention" always with its reason and fix,
never a green "Active" beside a withdrawn version; the upgrade wizard repeats the yank reason."""

from __future__ import annotations

import re

from app.extensions import db
from app.models.base import utcnow
from app.services import takedowns
from tests.install_support import add_version, admin, publish, wizard_id_from


def _installed(factories, workspace, user, integration, version):
    row = next(v for v in integration.versions if v.version == version)
    installation = factories.InstallationFactory(
        workspace=workspace, integration=integration, installed_by=user.id, version=row
    )
    db.session.flush()
    return installation


def _yank(integration, version: str, reason: str) -> None:
    row = next(v for v in integration.versions if v.version == version)
    row.yanked_at, row.yank_reason = utcnow(), reason
    db.session.flush()


def _row(page: str, integration) -> str:
    """The installation's row and its notices row, as one piece of HTML."""
    key = f'data-integration="{integration.publisher}/{integration.slug}"'
    start = page.index(key)
    end = page.find('<tr class="installation ', start + 1)
    return page[start : end if end != -1 else len(page)]


def _page(client, workspace) -> str:
    response = client.get(f"/workspaces/{workspace.slug}/installations")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_withdrawn_version_shows_its_reason_and_the_upgrade_and_never_active(client, auth, factories):
    owner, workspace = admin()
    integration = publish(name="Notify", versions=("1.0.0", "1.0.1"))
    _installed(factories, workspace, owner, integration, "1.0.1")
    _yank(integration, "1.0.1", "Posted every message twice in threads.")
    add_version(integration, "1.1.0")
    auth.login(owner)
    row = _row(_page(client, workspace), integration)
    assert "Version withdrawn" in row and ">Active<" not in row
    assert "Posted every message twice in threads." in row
    assert "Upgrade to version 1.1.0." in row and "Upgrade to 1.1.0" in row


def test_the_upgrade_wizard_repeats_the_yank_reason(client, auth, factories):
    owner, workspace = admin()
    integration = publish(name="Notify", versions=("1.0.0", "1.0.1"))
    installation = _installed(factories, workspace, owner, integration, "1.0.1")
    _yank(integration, "1.0.1", "Posted every message twice in threads.")
    add_version(integration, "1.1.0")
    auth.login(owner)
    started = client.post_form(f"/workspaces/{workspace.slug}/installations/{installation.id}/upgrade")
    wizard = wizard_id_from(started.headers["Location"])
    page = client.get(f"/install/w/{wizard}/workspace").get_data(as_text=True)
    assert "was withdrawn by its publisher" in page and "Posted every message twice in threads." in page


def test_a_withdrawn_version_with_nothing_newer_says_to_uninstall(client, auth, factories):
    owner, workspace = admin()
    integration = publish(name="Weather", versions=("1.0.0", "1.0.1"))
    _installed(factories, workspace, owner, integration, "1.0.1")
    _yank(integration, "1.0.1", "Reported temperatures in the wrong unit.")
    integration.current_version = "1.0.0"
    db.session.flush()
    auth.login(owner)
    row = _row(_page(client, workspace), integration)
    assert "Version withdrawn" in row and "wrong unit" in row
    assert "uninstall it, then install version 1.0.0" in row and "Uninstall Weather" in row
    assert "Upgrade to" not in row


def test_a_takedown_reaches_the_workspaces_that_installed_it(client, auth, factories):
    owner, workspace = admin()
    staff = factories.UserFactory(is_staff=True)
    integration = publish(name="Dice", versions=("1.0.0", "1.1.0"))
    installation = _installed(factories, workspace, owner, integration, "1.0.0")
    takedowns.take_down(staff, integration, "security", "Sends every variable to a foreign server.")
    member = factories.member(workspace=workspace, role="member").user
    db.session.commit()
    auth.login(owner)
    row = _row(_page(client, workspace), integration)
    assert "Listing taken down" in row and ">Active<" not in row
    assert "Security and malware policy" in row and "Sends every variable to a foreign server." in row
    assert f"/installations/{installation.id}/uninstall" in row and "Uninstall Dice" in row
    assert "Upgrade to" not in row  # a taken-down listing offers no upgrade
    auth.login(member)
    row = _row(_page(client, workspace), integration)
    assert "Sends every variable to a foreign server." in row and "Ask an owner or admin" in row
    assert "/uninstall" not in row


def test_needs_attention_names_the_missing_dependency_and_links_its_install(client, auth, factories):
    owner, workspace = admin()
    base = publish(name="Base Kit")
    handle = f"{base.publisher}/{base.slug}"
    app = publish(
        name="Alerts",
        manifest={
            "members": [],
            "dependencies": [{"integration": handle, "version": "^1.0.0"}],
            "defaults": {},
        },
    )
    base_installation = _installed(factories, workspace, owner, base, "1.0.0")
    _installed(factories, workspace, owner, app, "1.0.0")
    db.session.commit()
    auth.login(owner)
    assert (
        client.post_form(
            f"/workspaces/{workspace.slug}/installations/{base_installation.id}/uninstall"
        ).status_code
        == 302
    )
    row = _row(_page(client, workspace), app)
    assert "Needs attention" in row
    assert f"It depends on {handle} (^1.0.0)" in row
    assert re.search(rf'href="/install/{base.publisher}/{base.slug}"', row) and f"Install {handle}" in row


def test_an_up_to_date_installation_is_simply_active(client, auth, factories):
    owner, workspace = admin()
    integration = publish(name="Plain")
    _installed(factories, workspace, owner, integration, "1.0.0")
    auth.login(owner)
    row = _row(_page(client, workspace), integration)
    assert ">Active<" in row and "What to do" not in row
