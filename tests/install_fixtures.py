"""Fixtures of the install-wizard tests: a REAL Authlib authorization server (the bundled demo
provider) on a loopback port, on its own freshly migrated database, reached over real HTTP."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from .browser.fixtures import LiveServer
from .databases import migrated_app

CLIENT_SECRET = "demo-provider-secret-for-tests"


def serve(app) -> LiveServer:
    """The app on 127.0.0.1:<free port>, in a thread (the browser tests' LiveServer)."""
    return LiveServer(app).start()


@pytest.fixture(scope="session")
def oauth_provider():
    """The demo provider on 127.0.0.1:<port>. Its redirect URIs are the test client's callback
    (http://localhost/install/callback); tests may add more through .app.config."""
    with migrated_app(
        DEMO_OAUTH_PROVIDER=True,
        DEMO_OAUTH_CLIENT_SECRET=CLIENT_SECRET,
        DEMO_OAUTH_REDIRECT_URIS=["http://localhost/install/callback"],
    ) as app:
        served = serve(app)
        yield served
        served.stop()


class ResourceOwner:
    """A person at the provider's consent page, through a real HTTP session."""

    def __init__(self):
        self.http = requests.Session()
        self.http.trust_env = False

    def decide(self, authorize_url: str, decision: str = "approve") -> str:
        """Open the consent page, press Approve or Deny; returns the redirect back to the client."""
        page = self.http.get(authorize_url, timeout=10)
        assert page.status_code == 200, page.text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
            r'name="csrf_token" value="([^"]+)"', page.text
        )
        response = self.http.post(
            authorize_url,
            data={"csrf_token": token.group(1), "decision": decision},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@pytest.fixture
def resource_owner():
    owner = ResourceOwner()
    yield owner
    owner.http.close()


def local_path(location: str) -> str:
    """/install/callback?... of an absolute callback URL, for the Flask test client."""
    parts = urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
