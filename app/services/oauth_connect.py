"""The OAuth2 client side of the wizard (RFC 6749 code flow, hardened per RFC 9700):

- a one-time `state` (only its SHA-256 stored) bound to one wizard and its user, expiring;
- PKCE S256 (RFC 7636) with a fresh verifier per attempt, kept encrypted in the wizard;
- the exact registered redirect URI (`/install/callback`);
- mix-up defence (RFC 9207): the issuer a state was issued for is remembered, and an `iss`
  in the response that differs is refused;
- the code is exchanged server-side with the publisher's client secret, by Authlib's client
  sending through the guarded outbound client (services/outbound.py: public hosts only, no
  redirects, bounded time and size);
- what a person is told comes from a fixed vocabulary (RFC 6749 error codes from a closed list),
  never from the provider's body; the scopes recorded are those asked for that were granted.

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
from . import crypto, outbound
from .errors import ServiceError, ValidationFailed
from .wizard import stage_secret, staged_secret

log = logging.getLogger(__name__)

STATE_TTL = timedelta(minutes=10)
# The error codes a person may be shown, quoted: RFC 6749 section 4.1.2.1 (authorization
# response) and section 5.2 (token response). Anything else is "an error", unquoted.
AUTHORIZATION_ERRORS = frozenset(
    {
        "invalid_request",
        "unauthorized_client",
        "access_denied",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
    }
)
TOKEN_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)
UNREACHABLE = "The provider could not be reached to finish the connection. Try again."
ANSWERED_WITH_ERROR = "The provider answered with an error, so nothing was connected. Try again."
DESTINATION_REFUSED = (
    "This integration's token URL points at an address the marketplace does not call "
    "(only public internet hosts), so it cannot be connected. Tell its publisher."
)


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
        error = args.get("error")
        named = f" ({error})" if error in AUTHORIZATION_ERRORS else ""
        return wizard, _failed(wizard, f"The provider reported an error{named}. Try connecting again.")
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
    """The server-side code exchange at tokenUrl, by Authlib's client over the guarded outbound
    client. Touches no database. Raises ValidationFailed with a message from a fixed vocabulary."""
    client = outbound.guard(
        _client(pending.client_id, pending.client_secret, pending.scopes, pending.redirect_uri),
        purpose="oauth token exchange",
    )
    try:
        token = client.fetch_token(
            pending.token_url,
            code=pending.code,
            code_verifier=pending.code_verifier,
            grant_type="authorization_code",
        )
    except outbound.OutboundError as error:
        log.info("oauth token exchange failed for wizard %s: %s", pending.wizard_id, error.code)
        raise ValidationFailed(_outbound_message(error)) from None
    except (OAuthError, OAuth2Error) as error:
        code = error.error if isinstance(error.error, str) and error.error in TOKEN_ERRORS else None
        log.info("oauth token exchange refused for wizard %s: %s", pending.wizard_id, code or "other")
        if code is None:
            raise ValidationFailed(ANSWERED_WITH_ERROR) from None
        raise ValidationFailed(f"The provider refused the connection ({code}). Connect again.") from None
    except (requests.RequestException, ValueError, TypeError, OverflowError) as error:
        log.info("oauth token exchange unusable for wizard %s: %s", pending.wizard_id, type(error).__name__)
        raise ValidationFailed(ANSWERED_WITH_ERROR) from None
    finally:
        client.close()
    if not isinstance(token.get("access_token"), str) or not token["access_token"]:
        raise ValidationFailed("The provider answered without an access token. Connect again.")
    return _within_asked_scopes(dict(token), pending.scopes)


def _outbound_message(error: outbound.OutboundError) -> str:
    if isinstance(error, (outbound.DestinationRefused, outbound.BadUrl)):
        return DESTINATION_REFUSED
    if isinstance(error, outbound.Unreachable):
        return UNREACHABLE
    return ANSWERED_WITH_ERROR  # a redirect, an oversize answer


def _within_asked_scopes(token: dict, asked: list) -> dict:
    """The granted scopes, never more than were asked for (RFC 6749 section 5.1: an omitted
    `scope` means exactly those asked for, so it stays omitted)."""
    granted = token.get("scope")
    if granted is None:
        token.pop("scope", None)
        return token
    names = granted.split() if isinstance(granted, str) else granted if isinstance(granted, list) else []
    names = {name for name in names if isinstance(name, str)}
    token["scope"] = " ".join(scope for scope in asked if scope in names)
    return token


def oauth_error(wizard: WizardSession, message: str) -> None:
    wizard.data = {**wizard.data, "oauth_error": message}
    db.session.flush()


def is_reconnect(wizard: WizardSession) -> bool:
    return wizard.purpose == steps_rule.RECONNECT
