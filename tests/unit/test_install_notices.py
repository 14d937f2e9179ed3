"""domain/install_notices.py: an installation's status is honest, and every problem carries its
reason and its fix."""

from __future__ import annotations

import pytest

from app.domain.install_notices import (
    INSTALL,
    SETTINGS,
    UNINSTALL,
    UPGRADE,
    InstallFacts,
    Takedown,
    health,
)


def test_a_current_installation_is_active_with_nothing_to_do():
    shown = health(InstallFacts(status="active", version="1.0.0", latest="1.0.0"))
    assert (shown.label, shown.tone, shown.notices) == ("Active", "ok", [])


def test_a_newer_version_is_an_update_not_a_problem():
    shown = health(InstallFacts(status="active", version="1.0.0", latest="1.1.0", newer_available=True))
    assert (shown.label, shown.tone) == ("Update available", "info")
    assert (shown.notices[0].action, shown.notices[0].target) == (UPGRADE, "1.1.0")


def test_a_withdrawn_version_never_reads_active_and_says_why_and_which_version_to_take():
    shown = health(
        InstallFacts(
            status="active",
            version="1.0.1",
            yanked=True,
            yank_reason="Posted every message twice.",
            latest="1.1.0",
            newer_available=True,
        )
    )
    assert shown.label == "Version withdrawn" and shown.tone == "danger"
    (notice,) = shown.notices
    assert "Posted every message twice." in notice.reason and "1.0.1" in notice.reason
    assert (notice.action, notice.target, notice.fix) == (UPGRADE, "1.1.0", "Upgrade to version 1.1.0.")


def test_a_withdrawn_version_with_nothing_newer_says_uninstall_and_install_the_current_one():
    (notice,) = health(
        InstallFacts(status="active", version="1.0.1", yanked=True, yank_reason="Wrong unit.", latest="1.0.0")
    ).notices
    assert notice.action == UNINSTALL and "install version 1.0.0" in notice.fix
    (alone,) = health(InstallFacts(status="active", version="1.0.0", yanked=True, yank_reason=None)).notices
    assert alone.action == UNINSTALL and "no reason given" in alone.reason


def test_a_takedown_comes_first_names_the_policy_and_its_fix_is_uninstall():
    shown = health(
        InstallFacts(
            status="active",
            version="1.0.0",
            yanked=True,
            yank_reason="Broken.",
            latest="2.0.0",
            newer_available=True,
            takedown=Takedown("Security and malware policy", "Sends data away."),
        )
    )
    assert shown.label == "Listing taken down"
    kinds = [n.kind for n in shown.notices]
    assert kinds == ["taken_down", "yanked"]
    assert (
        "Security and malware policy" in shown.notices[0].reason
        and "Sends data away." in shown.notices[0].reason
    )
    assert shown.notices[0].action == UNINSTALL


def test_a_deleted_listing_says_so():
    shown = health(InstallFacts(status="active", version="1.0.0", latest="1.0.0", deleted=True))
    assert shown.label == "Listing deleted" and shown.notices[0].action == UNINSTALL


@pytest.mark.parametrize(
    ("missing", "action", "target"),
    [((("acme/base", "^1.0.0"),), INSTALL, "acme/base"), ((), SETTINGS, None)],
)
def test_needs_attention_always_carries_its_reason_and_fix(missing, action, target):
    shown = health(InstallFacts(status="needs_attention", version="1.0.0", missing_dependencies=missing))
    assert shown.label == "Needs attention"
    (notice,) = shown.notices
    assert notice.reason and notice.fix and (notice.action, notice.target) == (action, target)
    if missing:
        assert "acme/base (^1.0.0)" in notice.reason


def test_an_uninstalled_one_has_nothing_to_fix():
    shown = health(InstallFacts(status="uninstalled", version="1.0.0", yanked=True, yank_reason="x"))
    assert (shown.label, shown.notices) == ("Uninstalled", [])


def test_a_refused_refresh_needs_reauthorisation_with_its_error_class_and_reconnect():
    shown = health(InstallFacts(status="active", version="1.0.0", reauth_reason="invalid_grant"))
    assert shown.label == "Needs re-authorisation" and shown.tone == "danger"
    [notice] = shown.notices
    assert "(invalid_grant)" in notice.reason and notice.action == "reconnect"
    unknown = health(InstallFacts(status="active", version="1.0.0", reauth_reason="<b>weird</b>"))
    assert "weird" not in unknown.notices[0].reason  # only known classes are named


def test_connection_health_connected_failing_and_expiring():
    connected = health(InstallFacts(status="active", version="1.0.0", check_ok=True, checked_minutes_ago=5))
    assert (connected.label, connected.tone, connected.detail) == ("Connected", "ok", "checked 5 minutes ago")
    failing = health(
        InstallFacts(
            status="active",
            version="1.0.0",
            check_ok=False,
            check_message="Invalid key (401)",
            checked_minutes_ago=0,
            auth_type="api_key",
        )
    )
    assert failing.label == "Check failing" and failing.tone == "danger"
    assert failing.notices[0].action == "replace_key" and "Invalid key (401)" in failing.notices[0].reason
    expiring = health(InstallFacts(status="active", version="1.0.0", expiring_in_hours=5, auth_type="oauth2"))
    assert expiring.label == "Expiring" and expiring.tone == "warning"
    assert expiring.notices[0].action == "reconnect" and "about 5 hours" in expiring.notices[0].reason
