"""Helpers of the token-refresh tests: an oauth2 installation whose credential the bundled demo
provider (a real Authlib authorization server on a loopback port, its own database) knows."""

from __future__ import annotations

import secrets
from datetime import timedelta

from app.extensions import db
from app.models import Credential, DemoOAuthToken
from app.models.base import utcnow
from app.models.demo_oauth import token_hash
from app.services import crypto

from . import factories as f
from .install_fixtures import CLIENT_SECRET
from .install_support import oauth_auth, publish


def provider_grant(
    provider_app, *, revoked: bool = False, user_ref: str = "someone@example.test"
) -> tuple[str, str]:
    """Tokens the provider issued (as after a completed authorization): (access, refresh)."""
    access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    with provider_app.app_context():
        db.session.add(
            DemoOAuthToken(
                client_id="demo-client",
                user_ref=user_ref,
                access_token_hash=token_hash(access),
                refresh_token_hash=token_hash(refresh),
                scope="read",
                expires_in=3600,
                revoked_at=utcnow() if revoked else None,
            )
        )
        db.session.commit()
    return access, refresh


def provider_tokens(provider_app, refresh: str) -> DemoOAuthToken | None:
    with provider_app.app_context():
        row = db.session.scalar(
            db.select(DemoOAuthToken).where(DemoOAuthToken.refresh_token_hash == token_hash(refresh))
        )
        if row is not None:
            db.session.expunge(row)
        return row


def oauth_installation(provider_url: str, access: str, refresh: str | None, *, expires_in: timedelta):
    """A live installation of an oauth2 integration whose token expires `expires_in` from now."""
    owner = f.member(role="owner")
    integration = publish(workspace=owner.workspace, auth=oauth_auth(provider_url, ["read"]))
    integration.oauth_client_secret_encrypted = crypto.encrypt_json(CLIENT_SECRET)
    installation = f.InstallationFactory(
        workspace=owner.workspace,
        integration=integration,
        installed_by=owner.user.id,
        granted_scopes=["read"],
    )
    expires_at = utcnow() + expires_in
    secret = {
        "kind": "oauth2",
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_at": int(expires_at.timestamp()),
        "scope": ["read"],
    }
    installation.credential = Credential(
        kind="oauth2", secret_encrypted=crypto.encrypt_json(secret), expires_at=expires_at
    )
    db.session.flush()
    return owner, installation


def secret_of(credential: Credential) -> dict:
    return crypto.decrypt_json(credential.secret_encrypted)


def tokens_issued_to(provider_app, user_ref: str) -> int:
    """Every token the provider holds for one resource owner: its grants and each refresh's."""
    with provider_app.app_context():
        return db.session.scalar(
            db.select(db.func.count()).select_from(DemoOAuthToken).where(DemoOAuthToken.user_ref == user_ref)
        )
