"""Every page of the install capability: one h1, headings in order, a label on every input,
no inline script or style (the shell's page audit)."""

from __future__ import annotations

from urllib.parse import urlencode

from app.extensions import db
from app.models import Credential
from app.services import crypto
from tests.install_support import (
    API_KEY_AUTH,
    VARIABLES,
    add_version,
    admin,
    oauth_auth,
    publish,
    wizard_id_from,
)
from tests.web.test_shell_web import check_page


def test_wizard_and_installation_pages_are_accessible(client, auth, factories):
    user, workspace = admin()
    base = publish(trust_tier="first_party")
    integration = publish(
        auth=API_KEY_AUTH,
        schema=VARIABLES,
        manifest={
            "members": [{"key": "m", "kind": "workflow", "name": "M", "forkOnInstall": True}],
            "defaults": {},
            "dependencies": [{"integration": f"{base.publisher}/{base.slug}", "version": "*"}],
        },
    )
    plain_member = factories.member(role="member").user
    auth.login(user)
    start = f"/install/{integration.publisher}/{integration.slug}"
    check_page(client.get(start).get_data(as_text=True))
    wid = wizard_id_from(
        client.post_form(start, {"workspace": workspace.id, "consent": "y"}).headers["Location"]
    )
    pages = [f"/install/w/{wid}/workspace", f"/install/w/{wid}/dependencies"]
    check_page(
        client.post_form(f"/install/w/{wid}/dependencies").get_data(as_text=True)
    )  # blocked, with errors
    factories.InstallationFactory(workspace=workspace, integration=base)
    db.session.commit()
    client.post_form(f"/install/w/{wid}/dependencies")
    pages.append(f"/install/w/{wid}/auth")
    check_page(client.post_form(f"/install/w/{wid}/auth", {"api_key": ""}).get_data(as_text=True))
    client.post_form(f"/install/w/{wid}/auth", {"api_key": "k" * 20})
    pages.append(f"/install/w/{wid}/variables")
    check_page(client.post_form(f"/install/w/{wid}/variables", {"var-channel": "x"}).get_data(as_text=True))
    client.post_form(f"/install/w/{wid}/variables", {"var-channel": "#a", "var-region": "eu"})
    pages.append(f"/install/w/{wid}/review")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(response.get_data(as_text=True))
    client.post_form(f"/install/w/{wid}/review")

    installation = db.session.scalar(db.select(Credential)).installation
    add_version(integration, "1.1.0")
    ws_pages = f"/workspaces/{workspace.slug}/installations"
    for url in (
        ws_pages,
        f"{ws_pages}/{installation.id}/settings",
        f"{ws_pages}/{installation.id}/credential",
        f"{ws_pages}/{installation.id}/uninstall",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(response.get_data(as_text=True))
    upgrade = wizard_id_from(client.post_form(f"{ws_pages}/{installation.id}/upgrade").headers["Location"])
    check_page(client.get(f"/install/w/{upgrade}/workspace").get_data(as_text=True))
    auth.logout()
    auth.login(plain_member)
    check_page(client.get(start).get_data(as_text=True))  # "who can install"


def test_demo_provider_consent_page_is_accessible(client, auth):
    user, workspace = admin()
    integration = publish(auth=oauth_auth("http://localhost", ["read"]))
    integration.oauth_client_secret_encrypted = crypto.encrypt_json("demo-client-secret")
    auth.login(user)
    params = {
        "response_type": "code",
        "client_id": "demo-client",
        "scope": "read",
        "state": "s" * 20,
        "redirect_uri": "http://localhost/install/callback",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
    }
    client.application.config["DEMO_OAUTH_REDIRECT_URIS"] = ["http://localhost/install/callback"]
    try:
        page = client.get("/demo-oauth/authorize?" + urlencode(params))
        assert page.status_code == 200 and user.email in page.get_data(as_text=True)
        check_page(page.get_data(as_text=True))
        refused = client.get(
            "/demo-oauth/authorize?" + urlencode({**params, "code_challenge_method": "plain"})
        )
        assert refused.status_code == 302 and "error=invalid_request" in refused.headers["Location"]
        unknown = client.get(
            "/demo-oauth/authorize?" + urlencode({**params, "redirect_uri": "https://evil.example/cb"})
        )
        assert unknown.status_code == 400  # never redirects to an unregistered URI
    finally:
        client.application.config.pop("DEMO_OAUTH_REDIRECT_URIS")
