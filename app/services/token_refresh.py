"""OAuth2 token refresh (RFC 6749 section 6) ahead of expiry, by the periodic sweep and on demand.

- One refresh of a credential at a time, over any number of consumers and web processes: the
  credential is claimed first with an atomic UPDATE ... WHERE (exactly one claimer matches the row;
  PostgreSQL re-checks the WHERE after a competing commit, SQLite runs one writer at a time), and
  the claim is committed before the provider is called, so no lock is held across the network.
- Rotation honoured: a new refresh token in the answer replaces the old one (which the provider
  has revoked); an answer without one keeps the old.
- Authlib's OAuth2Session does the exchange, through the guarded outbound client.
- A refusal (invalid_grant: revoked or expired refresh token...) turns the credential to *needs
  re-authorisation* with the OAuth2 error class, never the provider's body; one audit event.
  A provider that cannot be reached is tried again later (the claim becomes a backoff).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import current_app

from ..extensions import db
from ..models import Credential, Installation
from ..models.base import utcnow
from . import audit, crypto, outbound
from .oauth_connect import TOKEN_ERRORS, client_secret

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=2)
RETRY_UNREACHABLE = timedelta(minutes=5)
RECENTLY = timedelta(minutes=1)
NO_REFRESH_TOKEN = "no_refresh_token"
REFUSED = "refused"  # a refusal whose error is not one of RFC 6749's token errors


def ahead() -> timedelta:
    return timedelta(seconds=current_app.config["TOKEN_REFRESH_AHEAD_SECONDS"])


@dataclass
class RefreshJob:
    """What one refresh needs, as plain values: the network call runs with no database access."""

    credential_id: str
    token_url: str
    client_id: str
    client_secret: str | None
    secret: dict

    def __repr__(self) -> str:  # never a secret in a log or traceback
        return f"<RefreshJob credential={self.credential_id}>"


def due(now: datetime | None = None, limit: int = 200) -> list[str]:
    """oauth2 credentials of live installations expiring within TOKEN_REFRESH_AHEAD_SECONDS,
    not waiting for re-authorisation and not claimed by another refresher."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            db.select(Credential.id)
            .join(Installation, Installation.id == Credential.installation_id)
            .where(
                Credential.kind == "oauth2",
                Credential.reauth_reason.is_(None),
                Credential.expires_at.is_not(None),
                Credential.expires_at <= now + ahead(),
                db.or_(Credential.refresh_claimed_until.is_(None), Credential.refresh_claimed_until <= now),
                Installation.status != "uninstalled",
            )
            .order_by(Credential.expires_at)
            .limit(limit)
        )
    )


def refresh_due() -> int:
    """The periodic sweep. Returns how many credentials were refreshed."""
    return sum(1 for credential_id in due() if refresh(credential_id) == "refreshed")


def claim(credential_id: str, *, force: bool = False) -> bool:
    """Take the credential for one refresh (committed at once). `force`: refresh now even if it
    is not due yet (on demand); never while another refresh holds it."""
    now = utcnow()
    conditions = [
        Credential.id == credential_id,
        Credential.kind == "oauth2",
        Credential.reauth_reason.is_(None),
        db.or_(Credential.refresh_claimed_until.is_(None), Credential.refresh_claimed_until <= now),
    ]
    if force:  # on demand, but not again right after a refresh (a double click, two jobs queued)
        conditions.append(
            db.or_(Credential.refreshed_at.is_(None), Credential.refreshed_at <= now - RECENTLY)
        )
    else:
        conditions.append(Credential.expires_at <= now + ahead())
    claimed = db.session.execute(
        db.update(Credential)
        .where(*conditions)
        .values(refresh_claimed_until=now + CLAIM)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def refresh(credential_id: str, *, force: bool = False) -> str:
    """Refresh one credential if it is due (or `force`) and no one else is refreshing it.
    Returns "refreshed", "skipped" (claimed elsewhere, not due, gone), "needs_reauthorisation"
    or "unreachable"."""
    if not claim(credential_id, force=force):
        db.session.commit()
        return "skipped"
    job = _job(credential_id)
    if job is None:
        db.session.commit()
        return "skipped"
    if not job.secret.get("refresh_token"):
        _needs_reauthorisation(credential_id, NO_REFRESH_TOKEN)
        db.session.commit()
        return "needs_reauthorisation"
    db.session.commit()  # the claim is visible to every other refresher before the call
    try:
        token = _exchange(job)
    except _Refused as refused:
        _needs_reauthorisation(credential_id, refused.reason)
        db.session.commit()
        return "needs_reauthorisation"
    except _Unreachable:
        credential = db.session.get(Credential, credential_id)
        if credential is not None:
            credential.refresh_claimed_until = utcnow() + RETRY_UNREACHABLE
        db.session.commit()
        return "unreachable"
    _store(credential_id, job.secret, token)
    db.session.commit()
    return "refreshed"


def _job(credential_id: str) -> RefreshJob | None:
    credential = db.session.get(Credential, credential_id)
    if credential is None:
        return None
    installation = credential.installation
    auth_config = installation.version.auth_config or {}
    if auth_config.get("type") != "oauth2" or not auth_config.get("tokenUrl"):
        return None
    return RefreshJob(
        credential_id,
        str(auth_config["tokenUrl"]),
        str(auth_config.get("clientId") or ""),
        client_secret(installation.integration),
        crypto.decrypt_json(credential.secret_encrypted),
    )


class _Refused(Exception):
    def __init__(self, reason: str):
        self.reason = reason


class _Unreachable(Exception):
    pass


def _exchange(job: RefreshJob) -> dict:
    client = outbound.guard(
        OAuth2Session(client_id=job.client_id, client_secret=job.client_secret), purpose="token refresh"
    )
    try:
        token = client.refresh_token(job.token_url, refresh_token=job.secret["refresh_token"])
    except outbound.OutboundError as error:
        log.info("token refresh for credential %s failed: %s", job.credential_id, error.code)
        if isinstance(error, (outbound.DestinationRefused, outbound.BadUrl)):
            raise _Refused(error.code) from None
        raise _Unreachable from None
    except (OAuthError, OAuth2Error) as error:
        code = error.error if isinstance(error.error, str) and error.error in TOKEN_ERRORS else REFUSED
        log.info("token refresh for credential %s refused: %s", job.credential_id, code)
        raise _Refused(code) from None
    except (requests.RequestException, ValueError, TypeError, OverflowError) as error:
        log.info("token refresh for credential %s unusable: %s", job.credential_id, type(error).__name__)
        raise _Refused(REFUSED) from None
    finally:
        client.close()
    if not isinstance(token.get("access_token"), str) or not token["access_token"]:
        raise _Refused(REFUSED)
    return dict(token)


def _store(credential_id: str, secret: dict, token: dict) -> None:
    credential = db.session.get(Credential, credential_id)
    if credential is None:
        return  # uninstalled meanwhile: its secrets are gone, and stay gone
    rotated = token.get("refresh_token") or secret.get("refresh_token")
    expires_at = token.get("expires_at")
    updated = {
        **secret,
        "access_token": token["access_token"],
        "refresh_token": rotated,
        "token_type": token.get("token_type") or secret.get("token_type"),
        "expires_at": expires_at,
    }
    credential.secret_encrypted = crypto.encrypt_json(updated)
    credential.expires_at = datetime.fromtimestamp(int(expires_at), tz=UTC) if expires_at else None
    credential.refreshed_at = utcnow()
    credential.refresh_claimed_until = None
    db.session.flush()


def _needs_reauthorisation(credential_id: str, reason: str) -> None:
    credential = db.session.get(Credential, credential_id)
    if credential is None:
        return
    credential.reauth_reason = reason[:40]
    credential.refresh_claimed_until = None
    installation = credential.installation
    audit.record(
        None,
        "installation.needs_reauthorisation",
        installation,
        object_label=f"{installation.integration.publisher}/{installation.integration.slug}",
        before={"reauth_reason": None},
        after={"reauth_reason": credential.reauth_reason},
    )
    db.session.flush()
