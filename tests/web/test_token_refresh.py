"""Token refresh against the bundled demo provider, a real Authlib authorization server reached
over real HTTP: ahead of expiry, with rotation, once per claim, and a refusal turns the
installation to needs re-authorisation with the error class only."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, Credential
from app.models.base import utcnow
from app.services import token_refresh

from ..refresh_support import oauth_installation, provider_grant, provider_tokens, secret_of


def test_a_token_near_expiry_is_refreshed_with_rotation(oauth_provider):
    access, refresh = provider_grant(oauth_provider.app)
    _, installation = oauth_installation(oauth_provider.url, access, refresh, expires_in=timedelta(minutes=2))
    credential_id = installation.credential.id

    assert token_refresh.due() == [credential_id]
    assert token_refresh.refresh_due() == 1

    credential = db.session.get(Credential, credential_id)
    secret = secret_of(credential)
    assert secret["access_token"] != access and secret["refresh_token"] != refresh  # rotated
    assert credential.expires_at > utcnow() + timedelta(minutes=50)
    assert credential.refreshed_at is not None and credential.reauth_reason is None
    assert provider_tokens(oauth_provider.app, refresh).revoked_at is not None  # the old one is dead
    assert token_refresh.due() == []  # refreshed: not due again


def test_a_token_far_from_expiry_is_left_alone_unless_asked(oauth_provider):
    access, refresh = provider_grant(oauth_provider.app)
    _, installation = oauth_installation(oauth_provider.url, access, refresh, expires_in=timedelta(hours=1))
    credential_id = installation.credential.id
    assert token_refresh.due() == [] and token_refresh.refresh(credential_id) == "skipped"
    assert token_refresh.refresh(credential_id, force=True) == "refreshed"
    assert secret_of(db.session.get(Credential, credential_id))["access_token"] != access


def test_a_claimed_credential_is_not_refreshed_again(oauth_provider):
    access, refresh = provider_grant(oauth_provider.app)
    _, installation = oauth_installation(oauth_provider.url, access, refresh, expires_in=timedelta(minutes=1))
    credential_id = installation.credential.id
    assert token_refresh.claim(credential_id) is True
    assert token_refresh.claim(credential_id) is False  # another refresher holds it
    assert token_refresh.refresh(credential_id, force=True) == "skipped"
    assert secret_of(db.session.get(Credential, credential_id))["access_token"] == access


def test_a_revoked_refresh_token_turns_the_installation_to_needs_reauthorisation(oauth_provider):
    access, refresh = provider_grant(oauth_provider.app, revoked=True)
    _, installation = oauth_installation(oauth_provider.url, access, refresh, expires_in=timedelta(minutes=1))
    credential_id = installation.credential.id
    events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))

    assert token_refresh.refresh(credential_id) == "needs_reauthorisation"

    credential = db.session.get(Credential, credential_id)
    assert credential.reauth_reason == "invalid_grant" and credential.needs_reauthorisation
    assert secret_of(credential)["refresh_token"] == refresh  # nothing replaced
    event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(1))
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == events + 1
    assert event.action == "installation.needs_reauthorisation"
    assert token_refresh.due() == []  # no retry loop against a refusal: it waits for Reconnect


def test_revocation_at_the_provider_over_rfc_7009_stops_the_next_refresh(oauth_provider):
    import requests

    from ..install_fixtures import CLIENT_SECRET

    access, refresh = provider_grant(oauth_provider.app)
    answer = requests.post(
        f"{oauth_provider.url}/demo-oauth/revoke",
        data={"token": refresh, "token_type_hint": "refresh_token"},
        auth=("demo-client", CLIENT_SECRET),
        timeout=10,
    )
    assert answer.status_code == 200
    _, installation = oauth_installation(oauth_provider.url, access, refresh, expires_in=timedelta(minutes=1))
    assert token_refresh.refresh(installation.credential.id) == "needs_reauthorisation"
    assert db.session.get(Credential, installation.credential.id).reauth_reason == "invalid_grant"


def test_an_unreachable_provider_is_tried_again_later_not_marked(oauth_provider):
    access, refresh = provider_grant(oauth_provider.app)
    _, installation = oauth_installation(
        "http://127.0.0.1:9", access, refresh, expires_in=timedelta(minutes=1)
    )
    credential_id = installation.credential.id
    assert token_refresh.refresh(credential_id) == "unreachable"
    credential = db.session.get(Credential, credential_id)
    assert credential.reauth_reason is None and credential.refresh_claimed_until > utcnow()
    assert token_refresh.due() == []  # backing off


def test_no_refresh_token_means_needs_reauthorisation_when_it_expires(oauth_provider):
    access, _ = provider_grant(oauth_provider.app)
    _, installation = oauth_installation(oauth_provider.url, access, None, expires_in=timedelta(minutes=1))
    assert token_refresh.refresh(installation.credential.id) == "needs_reauthorisation"
    assert db.session.get(Credential, installation.credential.id).reauth_reason == "no_refresh_token"


def test_needs_reauthorisation_shows_its_reason_and_reconnect_fixes_it(
    client, auth, oauth_provider, resource_owner
):
    from ..install_fixtures import local_path

    access, refresh = provider_grant(oauth_provider.app, revoked=True)
    owner, installation = oauth_installation(
        oauth_provider.url, access, refresh, expires_in=timedelta(minutes=1)
    )
    assert token_refresh.refresh(installation.credential.id) == "needs_reauthorisation"
    workspace, name = owner.workspace, installation.integration.name
    auth.login(owner.user)

    page = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    assert "Needs re-authorisation" in page
    assert "The connection could not be renewed (invalid_grant)" in page
    assert f"Reconnect {name}" in page
    base = f"/workspaces/{workspace.slug}/installations/{installation.id}"
    authorize = client.post_form(f"{base}/reconnect").headers["Location"]
    done = client.get(local_path(resource_owner.decide(authorize)))
    assert done.headers["Location"].endswith(f"/workspaces/{workspace.slug}/installations")

    db.session.expire_all()
    credential = db.session.get(Credential, installation.credential.id)
    assert credential.reauth_reason is None and secret_of(credential)["access_token"] != access
    page = client.get(f"/workspaces/{workspace.slug}/installations").get_data(as_text=True)
    assert "Needs re-authorisation" not in page
