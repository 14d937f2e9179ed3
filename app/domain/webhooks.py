"""Publisher webhooks, the rules without a database: which events exist, when a failed delivery is
tried again (and when it is given up), what a delivery's error may say, and the shape of each
event's payload (Standard Webhooks' `{"type", "timestamp", "data"}`, camelCase keys).

Payloads carry ids, versions, times and what the publisher already owns (its listing's reviews,
staff decisions on it); never a credential, a secret or an installing workspace's own data.
"""

from __future__ import annotations

from datetime import timedelta

# The events, in the order the dashboard lists them, each with the sentence shown beside its box.
EVENTS = {
    "installation.created": "A workspace installed one of your integrations.",
    "installation.upgraded": "A workspace upgraded an installation to a newer version.",
    "installation.uninstalled": "A workspace uninstalled: a request to delete the data you hold for it.",
    "version.approved": "Staff approved a version that waited for review.",
    "version.rejected": "Staff rejected a version that waited for review (with the reason).",
    "listing.taken_down": "Staff took one of your listings down (with the policy and note).",
    "review.created": "Someone rated and reviewed one of your integrations.",
}
TEST_EVENT = "webhook.test"  # "Send test event": goes to the one endpoint, whatever it subscribed to

# Seconds to wait before each attempt: the first at once, then 1 min, 5 min, 30 min, 2 h, 5 h, 10 h
# and 6 h; eight attempts over 23 h 36 min. WEBHOOK_RETRY_SCHEDULE overrides it (the tests use
# seconds).
DEFAULT_SCHEDULE = (0, 60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 6 * 3600)

# What a failed attempt may record: a fixed vocabulary, never the remote body.
ERRORS = {
    "http_status": "The endpoint answered with a status other than 2xx",
    "timeout": "The endpoint did not answer in time",
    "unreachable": "The endpoint could not be reached",
    "destination_refused": "The URL points at a host the marketplace does not call",
    "redirect": "The endpoint answered with a redirect (not followed)",
    "too_large": "The endpoint's answer was too large",
    "bad_url": "The URL is not usable",
    "endpoint_disabled": "The endpoint was disabled before this delivery went out",
}
# Statuses of a delivery: waiting for its next attempt, delivered, or given up.
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
# Why an endpoint is disabled.
DISABLED_FAILING, DISABLED_MANUAL = "failing", "manual"

URL_MAX = 2048
SECRET_PREFIX = "whsec_"


def parse_schedule(text: str | None) -> tuple[int, ...]:
    """WEBHOOK_RETRY_SCHEDULE: comma-separated seconds, one per attempt; empty means the default."""
    if not text or not str(text).strip():
        return DEFAULT_SCHEDULE
    delays = tuple(int(part) for part in str(text).split(",") if part.strip())
    if not delays or any(delay < 0 for delay in delays):
        raise ValueError("WEBHOOK_RETRY_SCHEDULE: comma-separated seconds, none negative")
    return delays


def delay_before(attempt: int, schedule: tuple[int, ...] = DEFAULT_SCHEDULE) -> timedelta | None:
    """How long after attempt `attempt - 1` failed attempt number `attempt` (1-based) starts; None
    when the schedule has no such attempt (the delivery is given up)."""
    if attempt < 1 or attempt > len(schedule):
        return None
    return timedelta(seconds=schedule[attempt - 1])


def total_span(schedule: tuple[int, ...] = DEFAULT_SCHEDULE) -> timedelta:
    """From the event to the last attempt, when every attempt fails."""
    return timedelta(seconds=sum(schedule))


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def error_message(code: str | None, response_code: int | None = None) -> str:
    if code == "http_status" and response_code:
        return f"The endpoint answered {response_code}"
    return ERRORS.get(code or "", "")


# --- payloads --------------------------------------------------------------------------------------


def envelope(event_type: str, timestamp: str, data: dict) -> dict:
    return {"type": event_type, "timestamp": timestamp, "data": data}


def listing_data(integration_id: str, publisher: str, slug: str) -> dict:
    return {"integrationId": integration_id, "integration": f"{publisher}/{slug}"}


def deletion_request(workspace_id: str, installation_id: str) -> dict:
    """What `installation.uninstalled` asks of the publisher, said in words as well as ids."""
    return {
        "required": True,
        "workspaceId": workspace_id,
        "installationId": installation_id,
        "message": (
            f"Workspace {workspace_id} uninstalled installation {installation_id}. Delete all data you "
            "hold for this workspace from this installation, and keep nothing of it."
        ),
    }
