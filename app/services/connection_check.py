"""Connection tests: `authConfig.test` = {"method": "GET", "url": "https://...", "expectStatus": 200},
sent with a credential (the API key in its header, or the OAuth2 access token as a Bearer) through
the guarded outbound client. Run by the wizard's auth step before it moves on, before a replaced
key is saved, after new settings, by "Check now" and by the periodic check; the outcome is the
installation's health.

What a person is told comes from a fixed vocabulary: "Connected", "Invalid key (401)", "Refused
(403)", "Unexpected answer (500)", or the outbound client's own fixed messages. Never the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .. import jobs
from ..extensions import db
from ..models import Installation
from ..models.base import utcnow
from . import crypto, outbound

CLAIM = timedelta(minutes=2)
CHECK_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    detail: str  # the status code answered, or an outbound error code (timeout, unreachable...)

    @property
    def message(self) -> str:
        return describe(self.ok, self.detail)


def describe(ok: bool, detail: str | None) -> str:
    if ok:
        return "Connected"
    if detail in ("401",):
        return "Invalid key (401)"
    if detail == "403":
        return "Refused (403)"
    if detail and detail.isdigit():
        return f"Unexpected answer ({detail})"
    return {
        "timeout": "The service did not answer in time",
        "unreachable": "The service could not be reached",
        "destination_refused": "The test address is not a public internet host",
        "redirect": "The test address redirects",
        "too_large": "The service's answer was too large",
        "bad_url": "The test address is not usable",
        "no_credential": "No credential to test",
    }.get(detail or "", "The test failed")


def test_of(auth_config: dict | None) -> dict | None:
    test = (auth_config or {}).get("test")
    return test if isinstance(test, dict) and test.get("url") else None


def credential_headers(auth_config: dict, secret: dict | None) -> dict[str, str] | None:
    if not secret:
        return None
    if secret.get("kind") == "api_key" and secret.get("api_key"):
        name = auth_config.get("authHeaderName") or "Authorization"
        return {name: f"{auth_config.get('authValuePrefix') or ''}{secret['api_key']}"}
    if secret.get("kind") == "oauth2" and secret.get("access_token"):
        return {"Authorization": f"Bearer {secret['access_token']}"}
    return None


def run(auth_config: dict, secret: dict | None) -> Outcome | None:
    """Send the test (no database access). None when the integration declares no test."""
    test = test_of(auth_config)
    if test is None:
        return None
    headers = credential_headers(auth_config, secret)
    if headers is None:
        return Outcome(False, "no_credential")
    try:
        answer = outbound.request(
            str(test.get("method") or "GET"), str(test["url"]), headers=headers, purpose="connection test"
        )
    except outbound.OutboundError as error:
        return Outcome(False, error.code)
    return Outcome(answer.status == int(test.get("expectStatus") or 200), str(answer.status))


def record(installation: Installation, outcome: Outcome | None) -> None:
    if outcome is None:
        return
    installation.checked_at = utcnow()
    installation.check_ok = outcome.ok
    installation.check_detail = outcome.detail[:40]
    installation.check_claimed_until = None
    db.session.flush()


def check_installation(installation_id: str) -> Outcome | None:
    """Claim, test, record (the periodic check and "Check now"). The claim is committed before
    the request, so no lock is held across the network and no two checks of it run at once."""
    now = utcnow()
    claimed = db.session.execute(
        db.update(Installation)
        .where(
            Installation.id == installation_id,
            Installation.status != "uninstalled",
            db.or_(Installation.check_claimed_until.is_(None), Installation.check_claimed_until <= now),
        )
        .values(check_claimed_until=now + CLAIM)
        .execution_options(synchronize_session=False)
    )
    installation = db.session.get(Installation, installation_id) if claimed.rowcount == 1 else None
    if installation is None:
        db.session.commit()
        return None
    auth_config = dict(installation.version.auth_config or {})
    secret = (
        crypto.decrypt_json(installation.credential.secret_encrypted) if installation.credential else None
    )
    db.session.commit()
    outcome = run(auth_config, secret)
    installation = db.session.get(Installation, installation_id)
    if installation is not None:
        if outcome is None:  # no test declared: nothing to show, not due again for a while
            installation.checked_at, installation.check_ok, installation.check_detail = utcnow(), None, None
            installation.check_claimed_until = None
        record(installation, outcome)
    db.session.commit()
    return outcome


def queue_check(installation: Installation) -> bool:
    """Queue a test of the installation after the commit ("Check now", new settings). False when
    its version declares no test."""
    if test_of(installation.version.auth_config) is None:
        return False
    jobs.after_commit("check_installation", installation.id)
    return True


def due(limit: int = 200) -> list[str]:
    """Live installations not checked within CHECK_EVERY (whether they declare a test is read
    from their version at check time)."""
    now = utcnow()
    return list(
        db.session.scalars(
            db.select(Installation.id)
            .where(
                Installation.status != "uninstalled",
                db.or_(Installation.checked_at.is_(None), Installation.checked_at <= now - CHECK_EVERY),
                db.or_(Installation.check_claimed_until.is_(None), Installation.check_claimed_until <= now),
            )
            .order_by(Installation.checked_at.is_not(None), Installation.checked_at)
            .limit(limit)
        )
    )


def check_due() -> int:
    return sum(1 for installation_id in due() if check_installation(installation_id) is not None)
