"""The demo provider's Authlib AuthorizationServer: authorization_code with PKCE S256 required,
refresh_token with rotation (each refresh revokes the refresh token it used), RFC 7009
revocation, one confidential client (`demo-client`), codes and tokens stored hashed in the
database (so it works across processes), and `iss` in every authorization response (RFC 9207)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import rfc7009
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import Flask, current_app, request

from ...demo import DEMO_OAUTH_CLIENT_SECRET as DEFAULT_CLIENT_SECRET  # development and tests only
from ...demo import demo_oauth_base
from ...extensions import db
from ...models import DemoOAuthCode, DemoOAuthToken
from ...models.base import utcnow
from ...models.demo_oauth import token_hash

CLIENT_ID = "demo-client"
CODE_TTL = timedelta(minutes=5)
ACCESS_TOKEN_SECONDS = 3600
LOOPBACK_TWINS = (("127.0.0.1", "localhost"), ("localhost", "127.0.0.1"))


def client_secret() -> str:
    return current_app.config.get("DEMO_OAUTH_CLIENT_SECRET") or DEFAULT_CLIENT_SECRET


def redirect_uris() -> tuple[str, ...]:
    """Exact redirect URIs: DEMO_OAUTH_REDIRECT_URIS when set; otherwise the marketplace's own
    callback on the origin the demo integrations point at (DEMO_OAUTH_BASE_URL) and on the origin
    this provider is being reached at (it is served by the marketplace itself), each also under
    its loopback twin (127.0.0.1 <-> localhost)."""
    configured = current_app.config.get("DEMO_OAUTH_REDIRECT_URIS")
    if configured:
        return tuple(configured)
    uris: list[str] = []
    for origin in (demo_oauth_base(), request.host_url):
        parts = urlsplit(origin)
        hosts = [parts.hostname] + [twin for host, twin in LOOPBACK_TWINS if host == parts.hostname]
        for host in hosts:
            uri = f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}/install/callback"
            if uri not in uris:
                uris.append(uri)
    return tuple(uris)


def issuer() -> str:
    # The demo provider lives on the app's own origin; an integration's expected issuer is the
    # origin of its authorizeUrl, so the two agree without configuration.
    return current_app.config.get("DEMO_OAUTH_ISSUER") or request.host_url.rstrip("/")


@dataclass(frozen=True)
class DemoUser:
    ref: str

    def get_user_id(self) -> str:
        return self.ref


class DemoClient:
    """Authlib's ClientMixin for the one registered confidential client."""

    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> str:
        return redirect_uris()[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in redirect_uris()  # exact match only

    def check_client_secret(self, secret: str) -> bool:
        import hmac

        return hmac.compare_digest(secret.encode(), client_secret().encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


def query_client(client_id: str):
    return DemoClient() if client_id == CLIENT_ID else None


def save_token(token: dict, oauth_request) -> None:
    db.session.add(
        DemoOAuthToken(
            client_id=oauth_request.client.get_client_id(),
            user_ref=oauth_request.user.ref,
            token_type=token.get("token_type", "Bearer"),
            access_token_hash=token_hash(token["access_token"]),
            refresh_token_hash=token_hash(token["refresh_token"]) if token.get("refresh_token") else None,
            scope=token.get("scope", ""),
            expires_in=int(token.get("expires_in", ACCESS_TOKEN_SECONDS)),
        )
    )
    db.session.flush()


class S256Required(CodeChallenge):
    """PKCE is mandatory for every client here, and only S256."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send a S256 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only 'code_challenge_method=S256' is accepted.")
        return super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code):
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code):
        return authorization_code.code_challenge_method


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code, oauth_request):
        data = oauth_request.payload.data
        db.session.add(
            DemoOAuthCode(
                code_hash=token_hash(code),
                client_id=oauth_request.client.get_client_id(),
                redirect_uri=oauth_request.payload.redirect_uri or "",
                scope=oauth_request.scope or "",
                user_ref=oauth_request.user.ref,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                expires_at=utcnow() + CODE_TTL,
            )
        )
        db.session.flush()

    def query_authorization_code(self, code, client):
        item = db.session.scalar(
            db.select(DemoOAuthCode).where(
                DemoOAuthCode.code_hash == token_hash(code), DemoOAuthCode.client_id == client.get_client_id()
            )
        )
        if item is not None and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        db.session.delete(authorization_code)
        db.session.flush()

    def authenticate_user(self, authorization_code):
        return DemoUser(authorization_code.user_ref)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        item = db.session.scalar(
            db.select(DemoOAuthToken).where(DemoOAuthToken.refresh_token_hash == token_hash(refresh_token))
        )
        if item is not None and not item.is_revoked():
            return item
        return None

    def authenticate_user(self, credential):
        return DemoUser(credential.user_ref)

    def revoke_old_credential(self, credential):
        credential.revoked_at = utcnow()
        db.session.flush()


class RevocationEndpoint(rfc7009.RevocationEndpoint):
    """RFC 7009 token revocation: a revoked refresh token is refused afterwards (invalid_grant)."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        digest = token_hash(token_string)
        by_access = DemoOAuthToken.access_token_hash == digest
        by_refresh = DemoOAuthToken.refresh_token_hash == digest
        where = {"access_token": by_access, "refresh_token": by_refresh}.get(
            token_type_hint, db.or_(by_access, by_refresh)
        )
        return db.session.scalar(db.select(DemoOAuthToken).where(where))

    def revoke_token(self, token, request):
        token.revoked_at = utcnow()
        db.session.flush()


class DemoIssuer(IssuerParameter):
    def get_issuer(self) -> str:
        return issuer()


class _NoIssuedTokens(logging.Filter):
    """Authlib logs every issued token at DEBUG ("Issue token {...}"): never let a token into a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Issue token")


_TOKEN_LOGGERS = (
    "authlib.oauth2.rfc6749.grants.authorization_code",
    "authlib.oauth2.rfc6749.grants.refresh_token",
)


def _silence_token_logs() -> None:
    for name in _TOKEN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoIssuedTokens) for f in logger.filters):
            logger.addFilter(_NoIssuedTokens())


def init_app(app: Flask) -> None:
    _silence_token_logs()
    server = AuthorizationServer()
    server.init_app(app, query_client=query_client, save_token=save_token)
    server.register_token_generator(
        "default",
        server.create_bearer_token_generator(
            {
                "OAUTH2_REFRESH_TOKEN_GENERATOR": True,
                "OAUTH2_TOKEN_EXPIRES_IN": {
                    "authorization_code": ACCESS_TOKEN_SECONDS,
                    "refresh_token": ACCESS_TOKEN_SECONDS,
                },
            }
        ),
    )
    server.register_grant(AuthorizationCodeGrant, [S256Required(required=True)])
    server.register_grant(RefreshTokenGrant)
    server.register_extension(DemoIssuer())
    server.register_endpoint(RevocationEndpoint)
    app.extensions["demo_oauth_server"] = server


def accepts(headers) -> bool:
    """Whether the demo service takes these request headers as a working credential."""
    for name, value in headers.items():
        if name.lower() in ("host", "cookie", "user-agent", "accept", "accept-encoding", "connection"):
            continue
        if "demo-key" in value:
            return True
    authorization = headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        found = db.session.scalar(
            db.select(DemoOAuthToken).where(DemoOAuthToken.access_token_hash == token_hash(authorization[7:]))
        )
        return found is not None and not found.is_revoked() and not found.is_expired()
    return False


def server() -> AuthorizationServer:
    return current_app.extensions["demo_oauth_server"]
