"""Token refresh by real consumer processes (SQLite queue + SQLite, or Redis + PostgreSQL) against
the bundled demo provider over real HTTP. The provider rotates refresh tokens and revokes the one
used, so a second refresh of one credential would be refused: a double refresh would show."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Credential
from app.models.base import utcnow

from ..refresh_support import (
    oauth_installation,
    provider_grant,
    provider_tokens,
    secret_of,
    tokens_issued_to,
)
from .support import consumer, queue_app, wait_until

pytestmark = pytest.mark.concurrency


def _install(
    app, provider, *, count=1, revoked=False, expires_in=timedelta(minutes=2), user_ref="x@example.test"
):
    """`count` oauth2 installations expiring soon; returns [(credential id, access, refresh)]."""
    made = []
    with app.app_context():
        for _ in range(count):
            access, refresh = provider_grant(provider.app, revoked=revoked, user_ref=user_ref)
            _, installation = oauth_installation(provider.url, access, refresh, expires_in=expires_in)
            made.append((installation.credential.id, access, refresh))
        db.session.commit()
    return made


def _credential(app, credential_id) -> tuple[Credential, dict]:
    with app.app_context():
        credential = db.session.get(Credential, credential_id)
        secret = secret_of(credential)
        db.session.expunge(credential)
        return credential, secret


def test_a_token_near_expiry_is_refreshed_by_the_periodic_task(oauth_provider):
    with queue_app() as app:
        [(credential_id, access, refresh)] = _install(app, oauth_provider)
        with consumer(app) as running:
            wait_until(
                lambda: _credential(app, credential_id)[0].refreshed_at is not None,
                what="the refresh",
                consumers=[running],
            )
        credential, secret = _credential(app, credential_id)
        assert secret["access_token"] != access and secret["refresh_token"] != refresh
        assert credential.expires_at > utcnow() + timedelta(minutes=50) and credential.reauth_reason is None
        assert provider_tokens(oauth_provider.app, refresh).revoked_at is not None


def test_two_consumers_never_refresh_the_same_credential_twice(oauth_provider):
    """Both consumers' sweeps, and two on-demand jobs per credential besides, race for ten
    credentials: each is refreshed exactly once (a second refresh would use a revoked refresh
    token and end in needs re-authorisation)."""
    with queue_app() as app:
        owner = f"race-{uuid.uuid4().hex[:8]}@example.test"
        made = _install(app, oauth_provider, count=10, user_ref=owner)
        with app.app_context():
            for credential_id, _, _ in made * 2:
                app.extensions["huey_tasks"]["refresh_credential"](credential_id)

        def all_refreshed() -> bool:
            return all(_credential(app, cid)[0].refreshed_at is not None for cid, _, _ in made)

        with consumer(app, workers=3) as first, consumer(app, workers=3) as second:
            wait_until(all_refreshed, what="every refresh", consumers=[first, second])
        for credential_id, _access, refresh in made:
            credential, secret = _credential(app, credential_id)
            assert credential.reauth_reason is None, credential.reauth_reason
            assert secret["refresh_token"] != refresh
            old = provider_tokens(oauth_provider.app, refresh)
            assert old.revoked_at is not None
            # exactly one live successor of this grant: the token the credential now holds
            assert provider_tokens(oauth_provider.app, secret["refresh_token"]).revoked_at is None
        # ten grants and exactly ten refreshes issued: never a second refresh of one credential
        assert tokens_issued_to(oauth_provider.app, owner) == 20


def test_a_revoked_refresh_token_turns_the_installation_to_needs_reauthorisation(oauth_provider):
    with queue_app() as app:
        [(credential_id, _, refresh)] = _install(app, oauth_provider, revoked=True)
        with consumer(app) as running:
            wait_until(
                lambda: _credential(app, credential_id)[0].reauth_reason is not None,
                what="needs re-authorisation",
                consumers=[running],
            )
        credential, secret = _credential(app, credential_id)
        assert credential.reauth_reason == "invalid_grant" and secret["refresh_token"] == refresh


def test_the_periodic_connection_check_records_each_installations_health(oauth_provider):
    from app.models import Installation
    from app.services import crypto
    from tests import factories
    from tests.install_support import publish

    with queue_app() as app:
        with app.app_context():
            ids = {}
            for key in ("demo-key-1111", "wrong-key-2222"):
                owner = factories.member(role="owner")
                auth = {
                    "type": "api_key",
                    "authHeaderName": "X-Api-Key",
                    "authValuePrefix": "",
                    "test": {"url": f"{oauth_provider.url}/demo-oauth/test"},
                }
                integration = publish(workspace=owner.workspace, auth=auth)
                installation = factories.InstallationFactory(
                    workspace=owner.workspace, integration=integration
                )
                installation.credential = Credential(
                    kind="api_key", secret_encrypted=crypto.encrypt_json({"kind": "api_key", "api_key": key})
                )
                db.session.flush()
                ids[key] = installation.id
            db.session.commit()

        def checked() -> dict:
            with app.app_context():
                return {key: db.session.get(Installation, iid).check_detail for key, iid in ids.items()}

        with consumer(app) as running:
            wait_until(lambda: None not in checked().values(), what="both checks", consumers=[running])
        assert checked() == {"demo-key-1111": "200", "wrong-key-2222": "401"}
