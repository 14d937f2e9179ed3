"""The shell every page shares: navigation, flashes, accessible markup, error pages,
security headers and /healthz."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app import create_app
from app.extensions import db
from app.models import User

from ..databases import migrated_app
from ..databases import test_config as config_for


class PageAudit(HTMLParser):
    """What an accessibility and CSP reviewer looks at in one page."""

    FIELDS = {"input", "select", "textarea"}

    def __init__(self, html: str):
        super().__init__()
        self.headings: list[int] = []
        self.fields: list[dict] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.inline_scripts = 0
        self.inline_styles = 0
        self.first_link: dict | None = None
        self.ids: set[str] = set()
        self.lang = None
        self._script_has_src = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "style" in attrs or tag == "style":
            self.inline_styles += 1
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a" and self.first_link is None:
            self.first_link = attrs
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(int(tag[1]))
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag == "script":
            self._script_has_src = "src" in attrs
        if tag in self.FIELDS and attrs.get("type") not in ("hidden", "submit", "button"):
            self.fields.append({**attrs, "_wrapped": self.label_depth > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1

    def handle_data(self, data):
        if self.lasttag == "script" and not self._script_has_src and data.strip():
            self.inline_scripts += 1

    def unlabelled(self) -> list[dict]:
        return [
            f
            for f in self.fields
            if not (f["_wrapped"] or f.get("id") in self.label_for or f.get("aria-label"))
        ]


def check_page(html: str) -> PageAudit:
    audit = PageAudit(html)
    assert audit.lang == "en"
    assert audit.headings.count(1) == 1, audit.headings
    for previous, current in zip(audit.headings, audit.headings[1:], strict=False):
        assert current <= previous + 1, f"heading level skipped: {audit.headings}"
    assert audit.unlabelled() == []
    assert audit.inline_scripts == 0 and audit.inline_styles == 0
    assert audit.first_link.get("class") == "skip-link" and audit.first_link["href"] == "#main"
    assert "main" in audit.ids
    return audit


@pytest.mark.parametrize(
    "bad, problem",
    [
        ("<h1>A</h1><h3>B</h3>", "heading level skipped"),
        ("<h1>A</h1><h1>B</h1>", "headings"),
        ('<h1>A</h1><input name="q" id="q">', "unlabelled"),
        ("<h1>A</h1><script>alert(1)</script>", "inline"),
        ('<h1 style="color:red">A</h1>', "inline"),
    ],
)
def test_the_page_audit_catches_what_it_looks_for(bad, problem):
    page = f'<html lang="en"><body><a class="skip-link" href="#main">Skip</a><main id="main">{bad}</main>'
    with pytest.raises(AssertionError):
        check_page(page)
    check_page(
        '<html lang="en"><body><a class="skip-link" href="#main">Skip</a><main id="main"><h1>A</h1>'
        '<h2>B</h2><label for="q">Q</label><input id="q"><label>R <input></label></main>'
    )


@pytest.fixture
def workspace_owner(factories):
    owner = factories.member(workspace=factories.WorkspaceFactory(slug="acme"), role="owner")
    factories.member(workspace=owner.workspace, role="member")
    db.session.commit()
    return owner.user


ANONYMOUS_PAGES = ["/", "/integrations", "/login", "/register", "/no-such-page"]
MEMBER_PAGES = ["/workspaces", "/workspaces/new", "/workspaces/acme", "/workspaces/nope"]


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_public_pages_are_accessible_and_inline_free(client, url):
    check_page(client.get(url).get_data(as_text=True))


@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_workspace_pages_are_accessible_and_inline_free(client, auth, workspace_owner, url):
    auth.login(workspace_owner)
    check_page(client.get(url).get_data(as_text=True))


def test_form_error_pages_stay_accessible(client, auth, workspace_owner):
    check_page(client.post_form("/register", {"email": "bad"}).get_data(as_text=True))
    auth.login(workspace_owner)
    page = client.post_form("/workspaces/acme/invitations", {"email": "", "role": "member"}).get_data(
        as_text=True
    )
    audit = check_page(page)
    assert 'aria-invalid="true"' in page and any(f.get("aria-describedby") for f in audit.fields)


def test_navigation_follows_who_is_looking(client, auth, factories):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/integrations"' in page and 'href="/login' in page and 'href="/register"' in page
    assert 'href="/dashboard"' not in page and "Log out" not in page
    auth.login(factories.UserFactory(display_name="Pat"))
    page = client.get("/").get_data(as_text=True)
    for link in ('href="/integrations"', 'href="/dashboard"', 'href="/workspaces"'):
        assert link in page
    assert 'action="/logout"' in page and "Pat" in page and 'href="/admin"' not in page
    auth.login(factories.UserFactory(is_staff=True))
    assert 'href="/admin"' in client.get("/").get_data(as_text=True)


def test_the_log_in_link_brings_people_back_where_they_were(client):
    assert 'href="/login?next=/"' in client.get("/").get_data(as_text=True)
    assert 'href="/login?next=/integrations?q%3Dslack"' in client.get("/integrations?q=slack").get_data(
        as_text=True
    )
    assert 'href="/login"' in client.get("/login").get_data(as_text=True)


def test_flash_messages_show_once(client, auth, factories):
    auth.login(factories.UserFactory())
    page = client.get("/workspaces").get_data(as_text=True)
    assert 'role="status"' in page and "Welcome back." in page
    assert "Welcome back." not in client.get("/workspaces").get_data(as_text=True)


# --- error pages ----------------------------------------------------------------------------


def test_404_is_html_for_people_and_json_for_api_and_json_clients(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "<h1>Not found</h1>" in page.get_data(as_text=True)
    for response in (
        client.get("/api/v1/no-such-thing"),
        client.get("/no-such-page", headers={"Accept": "application/json"}),
    ):
        assert response.status_code == 404 and response.mimetype == "application/json"
        assert response.get_json()["error"]["code"] == "not_found"
        assert set(response.get_json()["error"]) == {"code", "message", "details"}


def test_a_browser_accept_header_gets_html(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/no-such-page", headers={"Accept": accept}).mimetype == "text/html"


def test_405_answers_in_kind(client):
    assert client.get("/logout").status_code == 405
    response = client.get("/logout", headers={"Accept": "application/json"})
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


@pytest.mark.concurrency  # an app of its own, committing for real
def test_500_rolls_back_what_the_request_wrote_and_answers_in_kind():
    with migrated_app() as app:

        @app.post("/test-only/write-then-fail")
        def write_then_fail():
            user = User(email="half-written@example.test")
            user.set_password("password123")
            db.session.add(user)
            db.session.flush()
            raise RuntimeError("boom after a write")

        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        page = client.post("/test-only/write-then-fail")
        assert page.status_code == 500 and "Something went wrong" in page.get_data(as_text=True)
        assert "boom" not in page.get_data(as_text=True)
        api = client.post("/test-only/write-then-fail", headers={"Accept": "application/json"})
        assert api.status_code == 500 and api.get_json()["error"]["code"] == "internal_error"
        assert page.headers["Content-Security-Policy"]
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


# --- security headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/login", "/healthz", "/no-such-page", "/api/v1/no-such-thing", "/static/css/app.css"]
)
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = {part.split()[0]: part.split()[1:] for part in headers["Content-Security-Policy"].split("; ")}
    assert csp["script-src"] == ["'self'"] and "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"


# --- /healthz -------------------------------------------------------------------------------


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "url",
    ["sqlite:////nonexistent-directory/marketplace.sqlite3", "postgresql://postgres@127.0.0.1:9/marketplace"],
)
def test_healthz_answers_503_when_the_database_does_not(url):
    app = create_app(config_for(url))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
