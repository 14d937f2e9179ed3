"""The oauth2 install against a REAL Authlib authorization server (the bundled demo provider)
on a loopback port, over real HTTP: the token call is never mocked."""

from __future__ import annotations

import logging

import requests

from app.extensions import db
from app.models import AuditEvent, Credential, Installation
from app.services import crypto
from app.services.wizard import stage_secret, staged_secret
from tests.install_fixtures import CLIENT_SECRET, local_path, query
from tests.install_support import admin, oauth_auth, publish, wizard, wizard_id_from

SCHEMA = {"type": "object", "properties": {"folder": {"type": "string", "title": "Folder"}}}


def _oauth_integration(provider, secret=CLIENT_SECRET, scopes=("read", "files:write")):
    integration = publish(auth=oauth_auth(provider.url, scopes), schema=SCHEMA, trust_tier="verified_partner")
    integration.oauth_client_secret_encrypted = crypto.encrypt_json(secret)
    db.session.flush()
    return integration


def _to_auth_step(client, auth, provider, **kwargs):
    user, workspace = admin()
    integration = _oauth_integration(provider, **kwargs)
    auth.login(user)
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    client.post_form(f"/install/w/{wid}/dependencies")
    return user, workspace, integration, wid


def _connect(client, wid) -> str:
    response = client.post_form(f"/install/w/{wid}/auth/connect")
    assert response.status_code == 302
    return response.headers["Location"]


def test_full_oauth2_install(client, auth, oauth_provider, resource_owner, caplog):
    caplog.set_level(logging.DEBUG)
    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider)
    authorize = _connect(client, wid)
    params = query(authorize)
    assert authorize.startswith(f"{oauth_provider.url}/demo-oauth/authorize?")
    assert params["client_id"] == "demo-client" and params["response_type"] == "code"
    assert params["redirect_uri"] == "http://localhost/install/callback"
    assert params["scope"] == "read files:write" and params["code_challenge_method"] == "S256"
    stored = wizard(wid)
    assert (
        stored.oauth_state_hash
        and params["state"] not in str(stored.data)
        and stored.oauth_state_hash != params["state"]
    )
    verifier = staged_secret(stored)["code_verifier"]
    assert params["code_challenge"] != verifier and verifier not in authorize

    callback = resource_owner.decide(authorize)
    back = query(callback)
    assert callback.startswith("http://localhost/install/callback?") and back["iss"] == oauth_provider.url
    done = client.get(local_path(callback))
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/install/w/{wid}/variables")

    token = staged_secret(wizard(wid))["credential"]
    assert token["access_token"] and token["refresh_token"] and token["expires_at"]
    assert token["scope"] == ["read", "files:write"] and "code_verifier" not in staged_secret(wizard(wid))
    # The refresh token is real: the provider renews with it (and the client secret).
    renewed = requests.post(
        f"{oauth_provider.url}/demo-oauth/token",
        timeout=10,
        auth=("demo-client", CLIENT_SECRET),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    )
    assert renewed.status_code == 200 and renewed.json()["access_token"]

    client.post_form(f"/install/w/{wid}/variables", {"var-folder": "/reports"})
    review = client.get(f"/install/w/{wid}/review")
    bodies = [review.get_data(as_text=True)]
    assert "Connected with OAuth2 (renewable)" in bodies[0]
    confirmed = client.post_form(f"/install/w/{wid}/review")
    bodies.append(client.get(confirmed.headers["Location"]).get_data(as_text=True))
    installation = db.session.scalar(
        db.select(Installation).where(Installation.integration_id == integration.id)
    )
    assert installation.granted_scopes == ["read", "files:write"]
    credential = installation.credential
    assert credential.kind == "oauth2" and credential.expires_at is not None
    assert credential.secret_encrypted.startswith("gAAAAA")
    assert crypto.decrypt_json(credential.secret_encrypted)["refresh_token"] == token["refresh_token"]

    # The credentials and the verifier; `code` and `state` are one-time values that travel in URLs by
    # design (so they appear in HTTP access logs), but never in a page, an audit row or a column.
    credentials = [token["access_token"], token["refresh_token"], verifier, CLIENT_SECRET]
    secrets = credentials + [back["code"], params["state"]]
    audit_rows = [str((e.diff, e.note, e.object_label)) for e in db.session.scalars(db.select(AuditEvent))]
    logs = caplog.text
    for secret in secrets:
        assert not any(secret in body for body in bodies)
        assert not any(secret in row for row in audit_rows)
        assert secret not in logs or secret in (back["code"], params["state"])
        assert secret not in credential.secret_encrypted and secret not in str(installation.variables)


def test_pkce_is_verified_by_the_server(client, auth, oauth_provider, resource_owner):
    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider)
    authorize = _connect(client, wid)
    stage_secret(wizard(wid), code_verifier="x" * 64)  # not the verifier the challenge was made from
    db.session.commit()
    response = client.get(local_path(resource_owner.decide(authorize)))
    assert response.headers["Location"].endswith(f"/install/w/{wid}/auth")
    page = client.get(f"/install/w/{wid}/auth").get_data(as_text=True)
    assert "refused the connection (invalid_grant)" in page
    assert "credential" not in staged_secret(wizard(wid)) and "auth" not in wizard(wid).completed_steps


def test_tampered_and_replayed_state_are_rejected(client, auth, oauth_provider, resource_owner):
    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider)
    callback = resource_owner.decide(_connect(client, wid))
    params = query(callback)
    tampered = local_path(callback).replace(params["state"], params["state"][:-2] + "xy")
    assert client.get(tampered).status_code == 400
    assert client.get("/install/callback?code=abc").status_code == 400  # missing state
    assert client.get(local_path(callback)).status_code == 302  # the genuine one works once
    replay = client.get(local_path(callback))
    assert replay.status_code == 400 and "already used" in replay.get_data(as_text=True)


def test_expired_state_is_rejected(client, auth, oauth_provider, resource_owner):
    from datetime import timedelta

    from app.models.base import utcnow

    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider)
    callback = resource_owner.decide(_connect(client, wid))
    wizard(wid).oauth_state_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(local_path(callback))
    assert response.headers["Location"].endswith(f"/install/w/{wid}/auth")
    assert "expired" in client.get(f"/install/w/{wid}/auth").get_data(as_text=True)
    assert "credential" not in staged_secret(wizard(wid)) and wizard(wid).oauth_state_hash is None


def test_another_users_state_is_rejected(client, auth, oauth_provider, resource_owner):
    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider)
    callback = resource_owner.decide(_connect(client, wid))
    auth.logout()
    intruder, _ = admin()
    db.session.commit()
    auth.login(intruder)
    assert client.get(local_path(callback)).status_code == 400
    assert wizard(wid).oauth_state_hash is not None  # untouched: the rightful user can still finish
    auth.logout()
    auth.login(user)
    assert client.get(local_path(callback)).headers["Location"].endswith("/variables")


def test_issuer_mismatch_is_refused(client, auth, oauth_provider, resource_owner):
    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider)
    callback = resource_owner.decide(_connect(client, wid))
    forged = local_path(callback).replace("iss=", "iss=https%3A%2F%2Fevil.example&was=")
    response = client.get(forged)
    assert response.headers["Location"].endswith(f"/install/w/{wid}/auth")
    assert "different authorization server" in client.get(f"/install/w/{wid}/auth").get_data(as_text=True)
    assert "credential" not in staged_secret(wizard(wid))
    assert client.get(local_path(callback)).status_code == 400  # the state was spent


def test_denied_consent_returns_to_the_step(client, auth, oauth_provider, resource_owner):
    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider)
    callback = resource_owner.decide(_connect(client, wid), decision="deny")
    assert query(callback)["error"] == "access_denied" and query(callback)["iss"] == oauth_provider.url
    response = client.get(local_path(callback))
    assert response.headers["Location"].endswith(f"/install/w/{wid}/auth")
    page = client.get(f"/install/w/{wid}/auth").get_data(as_text=True)
    assert "You declined the authorization" in page and "Connect with the provider" in page


def test_provider_errors_return_to_the_step(client, auth, oauth_provider, resource_owner):
    # The token endpoint refuses a wrong client secret (invalid_client)...
    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider, secret="not-the-secret")
    response = client.get(local_path(resource_owner.decide(_connect(client, wid))))
    assert response.headers["Location"].endswith(f"/install/w/{wid}/auth")
    assert "refused the connection (invalid_client)" in client.get(f"/install/w/{wid}/auth").get_data(
        as_text=True
    )
    # ...and an error in the authorization response itself.
    authorize = _connect(client, wid)
    state = query(authorize)["state"]
    response = client.get(
        f"/install/callback?error=temporarily_unavailable&state={state}&iss={oauth_provider.url}"
    )
    assert response.headers["Location"].endswith(f"/install/w/{wid}/auth")
    assert "provider reported an error (temporarily_unavailable)" in client.get(
        f"/install/w/{wid}/auth"
    ).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Credential)) == 0


def test_demo_provider_codes_are_single_use_and_refresh_tokens_rotate(
    client, auth, oauth_provider, resource_owner
):
    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider)
    authorize = _connect(client, wid)
    verifier = staged_secret(wizard(wid))["code_verifier"]
    code = query(resource_owner.decide(authorize))["code"]
    token_url = f"{oauth_provider.url}/demo-oauth/token"
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": "http://localhost/install/callback",
    }
    without_secret = requests.post(token_url, data={**exchange, "client_id": "demo-client"}, timeout=10)
    assert without_secret.status_code == 401 and without_secret.json()["error"] == "invalid_client"
    first = requests.post(token_url, data=exchange, auth=("demo-client", CLIENT_SECRET), timeout=10)
    assert first.status_code == 200
    again = requests.post(token_url, data=exchange, auth=("demo-client", CLIENT_SECRET), timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    refresh = {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
    renewed = requests.post(token_url, data=refresh, auth=("demo-client", CLIENT_SECRET), timeout=10)
    assert renewed.status_code == 200 and renewed.json()["refresh_token"] != refresh["refresh_token"]
    reused = requests.post(token_url, data=refresh, auth=("demo-client", CLIENT_SECRET), timeout=10)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_no_connection_without_the_publishers_client_secret(client, auth, oauth_provider):
    user, workspace, integration, wid = _to_auth_step(client, auth, oauth_provider)
    integration.oauth_client_secret_encrypted = None
    db.session.commit()
    response = client.post_form(f"/install/w/{wid}/auth/connect")
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 422
        and "client secret is missing" in page
        and "Connect with the provider" in page
    )
    assert wizard(wid).oauth_state_hash is None


def test_demo_provider_redirect_uris_are_exact_and_follow_its_own_origin(app, monkeypatch):
    from app.web.demo_oauth.server import redirect_uris

    monkeypatch.setenv("DEMO_OAUTH_BASE_URL", "http://127.0.0.1:5000/demo-oauth")
    with app.test_request_context("/demo-oauth/authorize", base_url="http://localhost:8000"):
        assert redirect_uris() == (
            "http://127.0.0.1:5000/install/callback",
            "http://localhost:5000/install/callback",
            "http://localhost:8000/install/callback",
            "http://127.0.0.1:8000/install/callback",
        )
    with app.test_request_context("/demo-oauth/authorize", base_url="https://market.example.com"):
        assert "https://market.example.com/install/callback" in redirect_uris()
        assert not any("evil" in uri for uri in redirect_uris())
