"""What an installation's row on the installations page says about its health: an honest status,
and for every problem its reason and the fix (the action to take). Pure rules, no Flask.

Decides, in this order of weight: a listing taken down by staff (the notice, uninstall); a listing
its publisher deleted (uninstall); a pinned version its publisher withdrew (the yank reason; upgrade
to the current version when there is a newer one, else uninstall and install the current one);
"needs attention" (its reason: the dependencies that are missing; the fix: install them); "needs
re-authorisation" (the provider refused a token refresh: its error class; the fix: reconnect); an
update available. A status never reads "Active" while any of the first four holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UPGRADE, UNINSTALL, INSTALL, SETTINGS, RECONNECT = "upgrade", "uninstall", "install", "settings", "reconnect"
REPLACE_KEY, CHECK = "replace_key", "check"

# Why a refresh was refused, by the OAuth2 error class recorded (never the provider's own words).
REAUTH_REASONS = {
    "invalid_grant": "its access was revoked at the provider or has expired",
    "invalid_client": "the provider no longer accepts this integration's client credentials",
    "unauthorized_client": "the provider no longer lets this integration renew access",
    "invalid_scope": "the provider no longer grants the permissions it was given",
    "no_refresh_token": "the provider gave no way to renew it",
    "destination_refused": "its token URL points at an address the marketplace does not call",
    "bad_url": "its token URL is not a usable address",
}


@dataclass(frozen=True)
class Takedown:
    policy: str  # the policy's name
    note: str


@dataclass(frozen=True)
class InstallFacts:
    status: str  # active | needs_attention | uninstalled
    version: str
    yanked: bool = False
    yank_reason: str | None = None
    latest: str | None = None  # the listing's current (highest non-yanked) version
    newer_available: bool = False  # latest is greater than the pinned version
    takedown: Takedown | None = None
    deleted: bool = False
    missing_dependencies: tuple[tuple[str, str], ...] = ()  # (publisher/slug, range)
    reauth_reason: str | None = None  # the OAuth2 error class of a refused token refresh
    check_ok: bool | None = None  # the last connection test (authConfig.test): passed, failed, none
    check_message: str | None = None  # what it came back with, from a fixed vocabulary
    checked_minutes_ago: int | None = None
    auth_type: str = "none"
    expiring_in_hours: int | None = None  # an oauth2 credential that expires soon and cannot be renewed


@dataclass(frozen=True)
class Notice:
    kind: str  # taken_down | deleted | yanked | needs_attention | needs_reauthorisation | check_failing
    # | expiring | update
    reason: str
    fix: str
    action: str | None = None  # UPGRADE | UNINSTALL | INSTALL | SETTINGS | RECONNECT | REPLACE_KEY | CHECK
    target: str | None = None  # the version to upgrade to, the dependency to install


@dataclass(frozen=True)
class Health:
    label: str
    tone: str  # ok | info | warning | danger | muted
    notices: list[Notice] = field(default_factory=list)
    detail: str | None = None  # e.g. "checked 5 minutes ago"


def _takedown(facts: InstallFacts) -> Notice:
    takedown = facts.takedown
    return Notice(
        "taken_down",
        f"Taken down by marketplace staff under the {takedown.policy}: {takedown.note}",
        "Uninstall it: the listing is no longer offered and gets no updates.",
        UNINSTALL,
    )


def _yanked(facts: InstallFacts) -> Notice:
    reason = (
        f"Version {facts.version} was withdrawn by its publisher: {facts.yank_reason or 'no reason given.'}"
    )
    if facts.newer_available and facts.latest:
        return Notice("yanked", reason, f"Upgrade to version {facts.latest}.", UPGRADE, facts.latest)
    if facts.latest:
        return Notice(
            "yanked",
            reason,
            f"No newer version yet: uninstall it, then install version {facts.latest}, or wait for a fix.",
            UNINSTALL,
            facts.latest,
        )
    return Notice("yanked", reason, "No other version is offered: uninstall it.", UNINSTALL)


def _needs_attention(facts: InstallFacts) -> Notice:
    if facts.missing_dependencies:
        handle, wanted = facts.missing_dependencies[0]
        names = ", ".join(f"{h} ({r})" for h, r in facts.missing_dependencies)
        return Notice(
            "needs_attention",
            f"It depends on {names}, which this workspace no longer has installed.",
            f"Install {handle} ({wanted}) again.",
            INSTALL,
            handle,
        )
    return Notice(
        "needs_attention",
        "Something it relied on changed since it was set up.",
        "Open its settings, check them and save.",
        SETTINGS,
    )


def _needs_reauthorisation(facts: InstallFacts) -> Notice:
    code = facts.reauth_reason or ""
    why = REAUTH_REASONS.get(code, "the provider refused to renew it")
    named = f" ({code})" if code in REAUTH_REASONS else ""
    return Notice(
        "needs_reauthorisation",
        f"The connection could not be renewed{named}: {why}.",
        "Reconnect: sign in at the provider again and approve the access.",
        RECONNECT,
    )


def _check_failing(facts: InstallFacts) -> Notice:
    if facts.auth_type == "api_key":
        return Notice(
            "check_failing",
            f"The connection test failed: {facts.check_message}.",
            "Replace the API key with one that works, or check again once the service is back.",
            REPLACE_KEY,
        )
    if facts.auth_type == "oauth2":
        return Notice(
            "check_failing",
            f"The connection test failed: {facts.check_message}.",
            "Reconnect, or check again once the service is back.",
            RECONNECT,
        )
    return Notice(
        "check_failing", f"The connection test failed: {facts.check_message}.", "Check again later.", CHECK
    )


def _expiring(facts: InstallFacts) -> Notice:
    hours = facts.expiring_in_hours or 0
    when = "within the hour" if hours < 1 else f"in about {hours} hour{'s' if hours != 1 else ''}"
    return Notice(
        "expiring",
        f"The connection expires {when}, and the provider gave no way to renew it automatically.",
        "Reconnect before then.",
        RECONNECT,
    )


def checked(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    if minutes < 1:
        return "checked just now"
    if minutes < 120:
        return f"checked {minutes} minute{'s' if minutes != 1 else ''} ago"
    return f"checked {minutes // 60} hours ago"


def health(facts: InstallFacts) -> Health:
    if facts.status == "uninstalled":
        return Health("Uninstalled", "muted")
    notices = []
    if facts.takedown is not None:
        notices.append(_takedown(facts))
    elif facts.deleted:
        notices.append(
            Notice(
                "deleted",
                "Its publisher deleted this listing.",
                "Uninstall it: it gets no updates.",
                UNINSTALL,
            )
        )
    if facts.yanked:
        notices.append(_yanked(facts))
    if facts.status == "needs_attention":
        notices.append(_needs_attention(facts))
    if facts.reauth_reason is not None:
        notices.append(_needs_reauthorisation(facts))
    elif facts.check_ok is False:
        notices.append(_check_failing(facts))
    elif facts.expiring_in_hours is not None:
        notices.append(_expiring(facts))
    if notices:
        label = {
            "taken_down": "Listing taken down",
            "deleted": "Listing deleted",
            "yanked": "Version withdrawn",
            "needs_attention": "Needs attention",
            "needs_reauthorisation": "Needs re-authorisation",
            "check_failing": "Check failing",
            "expiring": "Expiring",
        }[notices[0].kind]
        tone = "warning" if all(n.kind == "expiring" for n in notices) else "danger"
        return Health(label, tone, notices, checked(facts.checked_minutes_ago))
    if facts.newer_available and facts.latest:
        update = Notice(
            "update",
            f"Version {facts.latest} is out.",
            f"Upgrade to version {facts.latest}.",
            UPGRADE,
            facts.latest,
        )
        return Health("Update available", "info", [update], checked(facts.checked_minutes_ago))
    if facts.check_ok:
        return Health("Connected", "ok", detail=checked(facts.checked_minutes_ago))
    return Health("Active", "ok")
