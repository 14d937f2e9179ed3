"""SSRF: every request to a publisher-written URL goes through the guarded outbound client.
Real HTTP servers on loopback addresses stand for the provider (127.0.0.1) and for an internal
service (127.0.0.2) that must never be reached; nothing is mocked."""

from __future__ import annotations

import json
import logging
import re
import socket
import time

import pytest

from app.domain import hosts
from app.extensions import db
from app.models import Installation
from app.services import crypto, outbound, tokens
from app.services.wizard import staged_secret
from tests.conftest import AuthActions, Client
from tests.databases import migrated_app
from tests.install_fixtures import query
from tests.install_support import admin, publish, wizard, wizard_id_from
from tests.web.publishing_helpers import MANIFEST, VARIABLES, edit_data, make_publisher

from .loopback_servers import MARKER, certificate_authority, drip, huge, redirect_to, send_json, slow

PRODUCTION = outbound.Policy()  # the default: no loopback
DEVELOPMENT = outbound.Policy(allow_loopback=True)
TOKEN = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-1"}


# --- the client, address class by address class ------------------------------------------------

REFUSED_EVERYWHERE = [
    ("http://10.0.0.5:6379/", "private"),
    ("https://172.16.0.1/", "private"),
    ("https://192.168.1.1/", "private"),
    ("https://[fd12::1]/", "private"),
    ("https://169.254.1.1/", "link-local"),
    ("https://[fe80::1]/", "link-local"),
    ("https://100.64.0.1/", "shared"),
    ("https://224.0.0.1/", "multicast"),
    ("https://[ff02::1]/", "multicast"),
    ("https://240.0.0.1/", "reserved"),
    ("https://0.0.0.0/", "unspecified"),
    ("https://[::]/", "unspecified"),
    ("https://169.254.169.254/latest/meta-data/", "metadata"),
    ("https://[fd00:ec2::254]/", "metadata"),
    ("https://192.0.0.192/", "metadata"),
    ("https://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("https://[::ffff:10.0.0.5]/", "private"),
    ("https://[::ffff:169.254.169.254]/", "metadata"),
    ("https://[64:ff9b::a9fe:a9fe]/", "metadata"),  # NAT64 of 169.254.169.254
    ("https://[2002:a00:5::]/", "private"),  # 6to4 of 10.0.0.5
    ("https://0x7f000001/", "numeric"),
    ("https://2130706433/", "numeric"),
    ("https://0177.0.0.1/", "numeric"),
    ("https://127.1/", "numeric"),
    ("https://redis/", "internal"),
    ("https://db.svc.cluster.local/", "internal"),
]
LOOPBACK = [
    "https://127.0.0.1:5432/",
    "https://127.0.0.2/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://localhost/",
]


@pytest.mark.parametrize("url,reason", REFUSED_EVERYWHERE)
@pytest.mark.parametrize("policy", [PRODUCTION, DEVELOPMENT], ids=["production", "development"])
def test_non_public_addresses_are_refused_before_any_connection(url, reason, policy):
    with pytest.raises(outbound.DestinationRefused) as refused:
        outbound.post(url, data={"code": "x"}, purpose="test", policy=policy)
    assert refused.value.args == (reason,)
    assert "public internet hosts" in refused.value.message


@pytest.mark.parametrize("url", LOOPBACK)
def test_loopback_is_refused_unless_allowed(url):
    with pytest.raises(outbound.DestinationRefused) as refused:
        outbound.check(url, PRODUCTION)
    assert refused.value.args == ("loopback",)
    assert outbound.check(url, DEVELOPMENT).addresses  # allowed in development: it resolves


@pytest.mark.parametrize("name", ["0x7f000001", "2130706433", "0177.0.0.1", "127.1", "localhost"])
def test_a_name_that_resolves_inward_is_refused_by_its_addresses_too(name):
    """The name rule refuses these as written; the resolver turns each into 127.0.0.1, and the
    address rule refuses that on its own (either check alone would stop the request)."""
    assert hosts.host_problem(name) in ("numeric", "loopback")
    assert {a[4][0] for a in socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)} == {"127.0.0.1"}
    with pytest.raises(outbound.DestinationRefused) as refused:
        outbound.resolve_checked(name, 443, PRODUCTION)
    assert refused.value.args == ("loopback",)


def test_localhost_names_are_loopback_whether_or_not_they_resolve():
    for name in ("localhost", "LOCALHOST.", "api.localhost", "ip6-localhost"):
        assert (
            hosts.host_problem(name) == "loopback" and hosts.host_problem(name, allow_loopback=True) is None
        )


def test_public_addresses_pass_the_rule():
    for host in ("8.8.8.8", "2606:4700:4700::1111", "api.example.com", "id.example"):
        assert hosts.host_problem(host) is None
    for url in ("https://api.example.com/token", "https://93.184.216.34/x"):
        assert hosts.url_problem(url) is None


def test_bad_urls_are_refused():
    for url in ("ftp://example.com/", "https://user:pw@example.com/", "https:///x", "https://[::1/"):
        with pytest.raises(outbound.BadUrl):
            outbound.get(url, purpose="test", policy=PRODUCTION)


def test_plain_http_only_to_loopback(endpoint):
    server = endpoint(send_json(200, {"ok": True}))
    answer = outbound.get(server.url + "/ping?x=1", purpose="test", policy=DEVELOPMENT)
    assert answer.status == 200 and answer.json() == {"ok": True}
    assert server.hits == [("GET", "/ping?x=1", b"")]
    with pytest.raises(outbound.DestinationRefused):
        outbound.get(server.url, purpose="test", policy=PRODUCTION)
    assert len(server.hits) == 1


def test_the_connection_goes_to_the_checked_address_with_one_lookup(endpoint, monkeypatch):
    """DNS rebinding: the name is resolved once, by the check; the connection is made to the
    address that was checked (a numeric lookup only), while Host still names the host."""
    server = endpoint(send_json(200, {}))
    lookups = []
    real_getaddrinfo = socket.getaddrinfo

    def counting_getaddrinfo(host, *args, **kwargs):  # counts, then asks the real resolver
        lookups.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting_getaddrinfo)
    url = server.url.replace("127.0.0.1", "localhost")
    assert outbound.get(url + "/x", purpose="test", policy=DEVELOPMENT).status == 200
    assert [host for host in lookups if host == "localhost"] == ["localhost"]
    assert set(lookups) <= {"localhost", "127.0.0.1"}
    assert server.host_headers == [url.removeprefix("http://")]


def test_https_pins_the_address_and_verifies_the_name(endpoint, tmp_path):
    """Connected to 127.0.0.1, yet SNI and the certificate check are for the name in the URL."""
    bundle, tls = certificate_authority(tmp_path, "localhost")
    server = endpoint(send_json(200, {"tls": True}), tls=tls)
    trusted = outbound.Policy(allow_loopback=True, ca_certs=bundle)
    by_name = server.url.replace("127.0.0.1", "localhost")
    assert outbound.get(by_name, purpose="test", policy=trusted).json() == {"tls": True}
    assert server.server_names == ["localhost"] and server.host_headers == [by_name.removeprefix("https://")]
    with pytest.raises(outbound.Unreachable):  # the certificate names localhost, not 127.0.0.1
        outbound.get(server.url, purpose="test", policy=trusted)
    with pytest.raises(outbound.Unreachable):  # an unknown CA
        outbound.get(by_name, purpose="test", policy=DEVELOPMENT)
    assert len(server.hits) == 1


def test_the_production_app_never_allows_loopback(monkeypatch, tmp_path, endpoint):
    from app.config import load_config

    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.setenv("OUTBOUND_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("CREDENTIALS_KEYS", "k")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")  # required; never contacted
    monkeypatch.setenv("MAIL_SERVER", "127.0.0.1")  # required in production; no mail is sent here
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://market.example.com")
    config = load_config(str(tmp_path))
    assert config["OUTBOUND_ALLOW_LOOPBACK"] is False
    forced = outbound.Policy.from_config({**config, "OUTBOUND_ALLOW_LOOPBACK": True})
    assert forced.allow_loopback is False and forced.timeout == 5 and forced.max_bytes == 1024 * 1024
    server = endpoint(send_json(200, {}))
    with pytest.raises(outbound.DestinationRefused):
        outbound.post(server.url, data={"a": "b"}, purpose="test", policy=forced)
    assert server.hits == []


# --- redirects, time and size ------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_never_followed(endpoint, status):
    internal = endpoint(send_json(200, {"access_token": MARKER}), host="127.0.0.2")
    provider = endpoint(redirect_to(status, internal.url + "/steal"))
    with pytest.raises(outbound.RedirectRefused):
        outbound.post(
            provider.url + "/token", data={"client_secret": "s"}, purpose="test", policy=DEVELOPMENT
        )
    assert len(provider.hits) == 1 and internal.hits == []


def test_a_silent_endpoint_is_cut_at_the_timeout(endpoint):
    server = endpoint(slow)
    started = time.monotonic()
    with pytest.raises(outbound.TimedOut):
        outbound.post(server.url, data={}, purpose="test", policy=outbound.Policy(True, timeout=0.5))
    assert time.monotonic() - started < 3 and len(server.hits) == 1


def test_a_dripping_endpoint_is_cut_at_the_deadline(endpoint):
    """Each byte comes well within the read timeout; only the whole-exchange deadline stops it."""
    server = endpoint(drip)
    started = time.monotonic()
    with pytest.raises(outbound.TimedOut):
        outbound.get(server.url, purpose="test", policy=outbound.Policy(True, timeout=0.6))
    assert time.monotonic() - started < 3 and len(server.hits) == 1


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_an_oversize_answer_is_cut(endpoint, declared):
    server = endpoint(huge(declared))
    with pytest.raises(outbound.ResponseTooLarge) as cut:
        outbound.get(server.url, purpose="test", policy=DEVELOPMENT)
    assert MARKER not in str(cut.value) and len(server.hits) == 1
    small = outbound.Policy(True, max_bytes=10 * 1024 * 1024)
    if not declared:  # under a larger cap the same answer is read whole: the cap is what cut it
        assert len(outbound.get(server.url, purpose="test", policy=small).body) >= 2 * 1024 * 1024


def test_requests_sessions_get_the_same_guard(endpoint):
    import requests

    internal = endpoint(send_json(200, {}), host="127.0.0.2")
    provider = endpoint(redirect_to(307, internal.url))
    session = outbound.guard(requests.Session(), "test", DEVELOPMENT)
    with pytest.raises(outbound.RedirectRefused):
        session.post(provider.url, data={"a": "b"})
    with pytest.raises(outbound.DestinationRefused):
        outbound.guard(requests.Session(), "test", PRODUCTION).get(provider.url)
    assert internal.hits == [] and len(provider.hits) == 1


# --- the OAuth2 token exchange in the wizard ------------------------------------------------------


def _wizard_at_callback(client, auth, token_url: str, scopes=("read", "files:write")):
    """An install wizard whose Connect was pressed; returns (wizard id, the callback path)."""
    user, workspace = admin()
    integration = publish(
        auth={
            "type": "oauth2",
            "authorizeUrl": "http://127.0.0.1:9/authorize",
            "tokenUrl": token_url,
            "scopes": list(scopes),
            "clientId": "client-1",
        },
        trust_tier="verified_partner",
    )
    integration.oauth_client_secret_encrypted = crypto.encrypt_json("client-secret-value")
    db.session.flush()
    auth.login(user)
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    client.post_form(f"/install/w/{wid}/dependencies")
    authorize = client.post_form(f"/install/w/{wid}/auth/connect").headers["Location"]
    return wid, f"/install/callback?code=the-code&state={query(authorize)['state']}"


def _connect_fails(client, wid, callback) -> str:
    response = client.get(callback)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/install/w/{wid}/auth")
    assert "credential" not in staged_secret(wizard(wid)) and "auth" not in wizard(wid).completed_steps
    page = client.get(f"/install/w/{wid}/auth")
    assert page.status_code == 200
    return page.get_data(as_text=True)


@pytest.mark.parametrize("status", [302, 307])
def test_token_url_redirect_never_reaches_the_internal_host(client, auth, endpoint, status):
    internal = endpoint(send_json(200, {**TOKEN, "scope": MARKER}), host="127.0.0.2")
    provider = endpoint(redirect_to(status, internal.url + "/admin"))
    wid, callback = _wizard_at_callback(client, auth, provider.url + "/token")
    page = _connect_fails(client, wid, callback)
    assert "The provider answered with an error" in page and MARKER not in page
    method, path, body = provider.hits[0]
    assert (method, path) == ("POST", "/token") and b"code=the-code" in body
    assert internal.hits == []


def test_what_a_person_sees_never_quotes_the_provider(client, auth, endpoint, caplog):
    caplog.set_level(logging.DEBUG)
    answers = [
        send_json(400, {"error": MARKER, "error_description": MARKER}),
        send_json(400, {"error": "invalid_grant", "error_description": MARKER, "error_uri": MARKER}),
        send_json(200, {"error": "invalid_grant " + MARKER}),
        send_json(500, {"detail": MARKER}),
        send_json(200, {"token_type": MARKER}),
        send_json(200, [MARKER]),
        send_json(200, {**TOKEN, "expires_in": MARKER}),
        huge(declared=False),
    ]
    pages = []
    for answer in answers:
        wid, callback = _wizard_at_callback(client, auth, endpoint(answer).url + "/token")
        pages.append(_connect_fails(client, wid, callback))
    assert all(MARKER not in page for page in pages)
    assert MARKER not in caplog.text
    assert "The provider refused the connection (invalid_grant)" in pages[1]
    assert sum("The provider answered with an error" in page for page in pages) == 6
    assert "without an access token" in pages[4]


def test_an_error_in_the_authorization_response_is_named_only_from_the_closed_list(client, auth, endpoint):
    server = endpoint(send_json(200, TOKEN))
    for error, shown in (
        (MARKER, "The provider reported an error. "),
        ("invalid_scope", "error (invalid_scope)."),
    ):
        wid, callback = _wizard_at_callback(client, auth, server.url + "/token")
        page = _connect_fails(client, wid, callback.replace("code=the-code", f"error={error}"))
        assert shown in page and MARKER not in page
    assert server.hits == []


def test_a_slow_token_endpoint_is_cut_at_the_timeout(client, auth, endpoint, monkeypatch, app):
    monkeypatch.setitem(app.config, "OUTBOUND_TIMEOUT_SECONDS", 0.5)
    server = endpoint(slow)
    wid, callback = _wizard_at_callback(client, auth, server.url + "/token")
    started = time.monotonic()
    page = _connect_fails(client, wid, callback)
    assert time.monotonic() - started < 3
    assert "could not be reached" in page and len(server.hits) == 1


def test_a_token_url_inward_is_refused_at_connect_time(client, auth, endpoint, monkeypatch, app):
    """An integration saved before the rule (or pointing at a name that resolves inward)."""
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_LOOPBACK", False)
    server = endpoint(send_json(200, TOKEN))
    wid, callback = _wizard_at_callback(client, auth, server.url + "/token")
    page = _connect_fails(client, wid, callback)
    assert "points at an address the marketplace does not call" in page and server.hits == []


@pytest.mark.parametrize(
    "granted,recorded",
    [
        ("read admin:everything", ["read"]),
        (["files:write", "admin:everything", {"x": 1}], ["files:write"]),
        ("files:write read", ["read", "files:write"]),
        ("", []),
        (None, ["read", "files:write"]),  # omitted: exactly what was asked (RFC 6749 section 5.1)
    ],
)
def test_recorded_scopes_are_within_those_asked(client, auth, endpoint, granted, recorded):
    document = {**TOKEN} if granted is None else {**TOKEN, "scope": granted}
    wid, callback = _wizard_at_callback(client, auth, endpoint(send_json(200, document)).url + "/token")
    # no variables: the settings step is skipped, review comes next
    assert client.get(callback).headers["Location"].endswith(f"/install/w/{wid}/review")
    assert staged_secret(wizard(wid))["credential"]["scope"] == recorded
    assert wizard(wid).data["granted_scopes"] == recorded
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    integration_id = wizard(wid).integration_id
    installation = db.session.scalar(
        db.select(Installation).where(Installation.integration_id == integration_id)
    )
    assert installation.granted_scopes == recorded


# --- authConfig at save time, in production ------------------------------------------------------

SAVE_TIME_TARGETS = [
    "https://169.254.169.254/latest/meta-data/iam/",
    "https://10.0.0.5:6379/",
    "https://127.0.0.1:5432/",
    "https://localhost/",
    "https://api.localhost/token",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://0x7f000001/",
    "https://2130706433/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://100.64.0.1/",
    "https://[fd00:ec2::254]/",
    "https://redis:6379/",
]


@pytest.fixture(scope="module")
def production_app():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARKETPLACE_ENV", "production")
        # Required in production; rate limits are off in the test config, so never counted there.
        patch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
        patch.setenv("MAIL_SERVER", "127.0.0.1")  # required in production; no mail is sent here
        patch.setenv("PUBLIC_BASE_URL", "https://market.example.com")
        with migrated_app() as app:
            patch.delenv("MARKETPLACE_ENV")
            assert app.config["PRODUCTION"] and not app.config["OUTBOUND_ALLOW_LOOPBACK"]
            yield app


@pytest.fixture
def production_publisher(production_app):
    with production_app.app_context():
        from tests import factories

        p = make_publisher(factories)
        integration = factories.IntegrationFactory(
            workspace=p.workspace,
            creator=p.user,
            publisher=p.handle,
            manifest=MANIFEST,
            variables_schema=VARIABLES,
            auth_config={"type": "none"},
        )
        _, raw = tokens.create_token(p.user, p.workspace.id, "CI", 30)
        db.session.commit()
        production_app.test_client_class = Client
        client = production_app.test_client()
        # Secure cookies travel over https only, where CSRF also checks the referrer.
        client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/"})
        AuthActions(client).login(p.user)
        yield p, integration, client, {"Authorization": f"Bearer {raw}"}


def _oauth(**urls) -> dict:
    return {
        "type": "oauth2",
        "authorizeUrl": "https://id.example/authorize",
        "tokenUrl": "https://id.example/token",
        "scopes": ["read"],
        "clientId": "client-1",
        **urls,
    }


def _field_errors(html: str) -> str:
    match = re.search(r'<ul class="field-errors" id="auth_config-errors">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize("target", SAVE_TIME_TARGETS)
def test_production_refuses_internal_token_urls_at_save_time(production_publisher, target):
    p, integration, client, _ = production_publisher
    document = json.dumps(_oauth(tokenUrl=target))
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, auth_config=document)
    )
    assert response.status_code == 422
    errors = _field_errors(response.get_data(as_text=True))
    assert "$.tokenUrl" in errors and "only public internet hosts are allowed" in errors
    db.session.expire_all()
    assert db.session.get(type(integration), integration.id).auth_config == {"type": "none"}


def test_production_refuses_every_url_field_and_accepts_public_ones(production_publisher):
    p, integration, client, headers = production_publisher
    inward = _oauth(authorizeUrl="https://[::1]/a", callbackUrl="https://metadata.google.internal/cb")
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, auth_config=json.dumps(inward))
    )
    errors = _field_errors(response.get_data(as_text=True))
    assert response.status_code == 422 and "$.authorizeUrl" in errors and "$.callbackUrl" in errors
    api = client.post(
        "/api/v1/integrations",
        headers=headers,
        json={
            "name": "Inward",
            "publisher": p.handle,
            "manifest": MANIFEST,
            "variablesSchema": VARIABLES,
            "authConfig": _oauth(tokenUrl="https://169.254.169.254/"),
        },
    )
    assert api.status_code == 422 and "only public internet hosts" in json.dumps(api.json["error"]["details"])
    fine = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, auth_config=json.dumps(_oauth()))
    )
    assert fine.status_code == 302


def test_development_still_accepts_the_demo_provider_on_localhost():
    from app.domain import documents

    local = _oauth(
        authorizeUrl="http://127.0.0.1:5000/demo-oauth/authorize", tokenUrl="http://localhost:5000/t"
    )
    _, errors = documents.validate_values_documents(
        {"manifest": MANIFEST, "variablesSchema": VARIABLES, "authConfig": local}
    )
    assert errors == []
