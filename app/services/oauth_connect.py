"""The OAuth2 client side of the wizard (RFC 6749 code flow, hardened per RFC 9700):

- a one-time `state` (only its SHA-256 stored) bound to one wizard and its user, expiring;
- PKCE S256 (RFC 7636) with a fresh verifier per attempt, kept encrypted in the wizard;
- the exact registered redirect URI (`/install/callback`);
- mix-up defence (RFC 9207): the issuer a state was issued for is remembered, and an `iss`
  in the response that differs is refused;
- the code is exchanged server-side with the publisher's client secret, by Authlib's client.

The exchange is a network call: callers spend the state and end the database transaction
before making it (see `spend_state` and the callback view), so no lock is held across it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error

from ..domain import wizard as steps_rule
from ..extensions import db
from ..models import WizardSession
from ..models.base import utcnow
from . import crypto
from .errors import ServiceError, ValidationFailed
from .wizard import stage_secret, staged_secret

log = logging.getLogger(__name__)

STATE_TTL = timedelta(minutes=10)
TOKEN_TIMEOUT_SECONDS = 10


class CallbackRejected(ServiceError):
    """The authorization response cannot be trusted or matched: nothing is stored."""

    code = "oauth_rejected"
    status = 400


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def expected_issuer(auth_config: dict) -> str:
    """The authorization server a state is issued for: authConfig's `issuer` when given,
    otherwise the origin of its authorizeUrl."""
    if auth_config.get("issuer"):
        return str(auth_config["issuer"]).rstrip("/")
    parts = urlsplit(str(auth_config.get("authorizeUrl", "")))
    return f"{parts.scheme}://{parts.netloc}"


def client_secret(integration) -> str | None:
    if not integration.oauth_client_secret_encrypted:
        return None
    value = crypto.decrypt_json(integration.oauth_client_secret_encrypted)
    if isinstance(value, dict):
        value = value.get("client_secret")
    return value if isinstance(value, str) else None


def _client(client_id: str | None, secret: str | None, scopes: list[str], redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=client_id,
        client_secret=secret,
        scope=" ".join(scopes) or None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def begin_authorization(wizard: WizardSession, redirect_uri: str) -> str:
    """A fresh state and PKCE verifier for this attempt; returns the authorizeUrl to redirect to."""
    auth_config = wizard.version.auth_config or {}
    if auth_config.get("type") != "oauth2" or not auth_config.get("authorizeUrl"):
        raise ValidationFailed("This integration does not connect with OAuth2.")
    if not wizard.integration.oauth_client_secret_encrypted:
        raise ValidationFailed(
            "The publisher has not finished setting up this integration's OAuth2 connection "
            "(its client secret is missing), so it cannot be connected yet."
        )
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43..128
    client = _client(auth_config.get("clientId"), None, auth_config.get("scopes") or [], redirect_uri)
    url, _ = client.create_authorization_url(auth_config["authorizeUrl"], state=state, code_verifier=verifier)
    wizard.oauth_state_hash = state_hash(state)
    wizard.oauth_state_expires_at = utcnow() + STATE_TTL
    wizard.oauth_issuer = expected_issuer(auth_config)
    stage_secret(wizard, code_verifier=verifier)
    wizard.data = {**wizard.data, "oauth_error": None}
    db.session.flush()
    return url


@dataclass
class PendingExchange:
    """Everything the code exchange needs, as plain values: it runs with no database access."""

    wizard_id: str
    token_url: str
    client_id: str
    client_secret: str | None
    scopes: list
    code: str
    code_verifier: str
    redirect_uri: str

    def __repr__(self) -> str:  # never a secret in a log or traceback
        return f"<PendingExchange wizard={self.wizard_id}>"


def spend_state(user, args, redirect_uri: str) -> tuple[WizardSession, PendingExchange | str]:
    """Check an authorization response and spend its state (one time, whatever follows).
    Returns the wizard and either what to exchange, or the provider's error message."""
    state = args.get("state") or ""
    if not state or len(state) > 200:
        raise CallbackRejected("This sign-in response has no valid state. Start the connection again.")
    wizard = db.session.scalar(
        db.select(WizardSession).where(WizardSession.oauth_state_hash == state_hash(state))
    )
    if wizard is None or wizard.user_id != getattr(user, "id", None):
        # Unknown, already used, or someone else's: the same answer, and nothing is touched.
        raise CallbackRejected(
            "This sign-in response is unknown or was already used. Start the connection again."
        )
    expired = (
        wizard.oauth_state_expires_at is None
        or wizard.oauth_state_expires_at <= utcnow()
        or wizard.expires_at <= utcnow()
        or wizard.completed_at is not None
    )
    issuer = args.get("iss")
    verifier = staged_secret(wizard).get("code_verifier")
    wizard.oauth_state_hash = None
    wizard.oauth_state_expires_at = None
    stage_secret(wizard, code_verifier=None)
    db.session.flush()
    if expired:
        return wizard, _failed(wizard, "The connection took too long and expired. Connect again.")
    if issuer is not None and issuer.rstrip("/") != (wizard.oauth_issuer or ""):
        log.warning("oauth callback: issuer mismatch for wizard %s", wizard.id)
        return wizard, _failed(
            wizard,
            "The response came from a different authorization server than the one "
            "we sent you to, so it was refused. Connect again.",
        )
    if args.get("error"):
        if args.get("error") == "access_denied":
            return wizard, _failed(wizard, "You declined the authorization, so nothing was connected.")
        return wizard, _failed(
            wizard,
            "The provider reported an error (" + str(args.get("error"))[:60] + "). Try connecting again.",
        )
    code = args.get("code")
    if not code or not verifier:
        return wizard, _failed(wizard, "The provider's response had no authorization code. Connect again.")
    auth_config = wizard.version.auth_config
    return wizard, PendingExchange(
        wizard.id,
        auth_config.get("tokenUrl", ""),
        auth_config.get("clientId", ""),
        client_secret(wizard.integration),
        list(auth_config.get("scopes") or []),
        code,
        verifier,
        redirect_uri,
    )


def _failed(wizard: WizardSession, message: str) -> str:
    wizard.data = {**wizard.data, "oauth_error": message}
    db.session.flush()
    return message


def exchange_code(pending: PendingExchange) -> dict:
    """The server-side code exchange at tokenUrl, by Authlib's client. Touches no database.
    Raises ValidationFailed with a message to show."""
    client = _client(pending.client_id, pending.client_secret, pending.scopes, pending.redirect_uri)
    try:
        token = client.fetch_token(
            pending.token_url,
            code=pending.code,
            code_verifier=pending.code_verifier,
            grant_type="authorization_code",
            timeout=TOKEN_TIMEOUT_SECONDS,
        )
    except (OAuthError, OAuth2Error) as error:
        log.info("oauth token exchange refused for wizard %s: %s", pending.wizard_id, error.error)
        raise ValidationFailed(
            f"The provider refused the connection ({error.error}). Connect again."
        ) from None
    except (requests.RequestException, ValueError) as error:
        log.info("oauth token exchange failed for wizard %s: %s", pending.wizard_id, type(error).__name__)
        raise ValidationFailed(
            "The provider could not be reached to finish the connection. Try again."
        ) from None
    finally:
        client.close()
    if not token.get("access_token"):
        raise ValidationFailed("The provider answered without an access token. Connect again.")
    return dict(token)


def oauth_error(wizard: WizardSession, message: str) -> None:
    wizard.data = {**wizard.data, "oauth_error": message}
    db.session.flush()


def is_reconnect(wizard: WizardSession) -> bool:
    return wizard.purpose == steps_rule.RECONNECT
