"""Catalog, home and detail pages: filters, facets, pagination, detail content, hostile content,
bad parameters, and a constant number of SQL statements per page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models.base import utcnow
from app.services import catalog
from app.services.catalog import listing, ranking
from app.web import page_cache
from tests.catalog_helpers import make_cast, make_integration


def _links(html: str) -> list[str]:
    return re.findall(r'class="integration-name"><a href="([^"]+)"', html)


def _rel(html: str, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}"[^>]*href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_filters_facets_and_pagination_keep_every_filter(client, factories):
    workspace = factories.WorkspaceFactory()
    for n in range(catalog.PAGE_SIZE + 5):
        factories.IntegrationFactory.published(
            workspace=workspace,
            name=f"Ledger {n:02d}",
            trust_tier="vendor_official" if n % 2 else "verified_partner",
        )
    factories.IntegrationFactory.published(
        workspace=workspace, name="Ledger community", trust_tier="community"
    )
    factories.IntegrationFactory.published(name="Ledger elsewhere", trust_tier="vendor_official")
    publisher = workspace.id and factories.namespace_for(workspace)

    url = f"/integrations?q=ledger&tier=vendor_official&tier=verified_partner&publisher={publisher}&sort=name"
    html = client.get(url).get_data(as_text=True)
    first = _links(html)
    assert len(first) == catalog.PAGE_SIZE
    assert f"{catalog.PAGE_SIZE + 5} integrations" in html
    assert 'data-tier-count="community">1<' in html  # facets count every tier, so one can widen
    next_url = _rel(html, "next")
    assert _rel(html, "prev") is None
    for part in (
        "q=ledger",
        "tier=vendor_official",
        "tier=verified_partner",
        f"publisher={publisher}",
        "sort=name",
        "page=2",
    ):
        assert part in next_url
    html2 = client.get(next_url).get_data(as_text=True)
    second = _links(html2)
    assert len(second) == 5 and not set(first) & set(second)
    assert _rel(html2, "next") is None and "page=" not in _rel(html2, "prev")
    assert all("community" not in link and "elsewhere" not in link for link in first + second)
    names = [re.search(r"Ledger (\d+)", h) for h in re.findall(r'integration-name"><a [^>]+>([^<]+)<', html)]
    assert [m.group(1) for m in names] == sorted(m.group(1) for m in names)


def test_sorts(client, factories):
    old = factories.IntegrationFactory.published(name="Alpha", install_count=5)
    new = factories.IntegrationFactory.published(name="Beta", install_count=50)
    old.updated_at = utcnow() - timedelta(days=3)
    db.session.flush()
    assert _links(client.get("/integrations?sort=name").get_data(as_text=True))[0].endswith(old.slug)
    assert _links(client.get("/integrations?sort=installs").get_data(as_text=True))[0].endswith(new.slug)
    assert _links(client.get("/integrations?sort=updated").get_data(as_text=True))[0].endswith(new.slug)


def test_search_ranks_name_above_description_and_stays_in_step(client, factories):
    in_description = factories.IntegrationFactory.published(
        name="Tool one", description="Sends invoices daily"
    )
    in_name = factories.IntegrationFactory.published(name="Invoices", description="Something else")
    links = _links(client.get("/integrations?q=invoices").get_data(as_text=True))
    assert links[0].endswith(in_name.slug) and links[1].endswith(in_description.slug)
    # Renamed through the ORM: the trigger-maintained index follows at once.
    in_name.name = "Receipts"
    db.session.flush()
    assert not any(
        link.endswith(in_name.slug)
        for link in _links(client.get("/integrations?q=invoices").get_data(as_text=True))
    )
    assert _links(client.get("/integrations?q=receip").get_data(as_text=True))[0].endswith(in_name.slug)
    # Publisher and slug are searched too.
    assert _links(client.get(f"/integrations?q={in_name.publisher}").get_data(as_text=True))
    db.session.delete(in_description)
    db.session.flush()
    assert _links(client.get("/integrations?q=invoices").get_data(as_text=True)) == []


@pytest.mark.parametrize(
    "query",
    [
        "tier=bogus",
        "page=-1",
        "page=abc",
        "page=0",
        "page=99999999999999",
        "page=%C2%B2",  # superscript two: a digit to str.isdigit, not to int()
        "page=" + "9" * 5000,  # more digits than int() converts
        "sort=sideways",
        "q=" + "x" * 10_000,
        "publisher=%3Cscript%3E",
    ],
)
def test_bad_parameters_answer_a_clear_400_page(client, query):
    response = client.get(f"/integrations?{query}")
    assert response.status_code == 400
    assert "text/html" in response.content_type and "<h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("q", ['"', "*", "-", "NEAR(a b)", "a AND", ")))(", "🙂🙂", "\\", "%", "x" * 499])
def test_search_syntax_characters_never_500(client, factories, q):
    factories.IntegrationFactory.published(name="Quoted thing")
    response = client.get("/integrations", query_string={"q": q})
    assert response.status_code == 200


def test_page_past_the_end_is_a_clean_empty_page(client, factories):
    factories.IntegrationFactory.published()
    response = client.get("/integrations?page=7")
    assert response.status_code == 200
    assert "no more results" in response.get_data(as_text=True)


def test_empty_state_says_what_to_try(client):
    html = client.get("/integrations?q=nothingmatches&tier=first_party").get_data(as_text=True)
    assert "No integrations match" in html and "search every tier" in html and "fewer or more general" in html


def test_hostile_content_renders_inert(client, factories):
    script = "<script>alert(1)</script>"
    integration = factories.IntegrationFactory.published(
        name=script[:100],
        description=f"{script}\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)>" + "A" * 19_000,
        icon_url="javascript:alert(1)",
        manifest={
            "members": [
                {"key": script, "kind": script, "name": script, "description": script, "forkOnInstall": True}
            ],
            "dependencies": [{"integration": f"{script}/x", "version": script}],
            "defaults": {},
        },
        variables_schema={
            "type": "object",
            "properties": {script: {"type": "string", "title": script, "description": script}},
        },
        auth_config={"type": "oauth2", "scopes": [script, "repo:read"]},
    )
    integration.manifest = {
        **integration.manifest,
        "members": [*integration.manifest["members"], {"key": "big", "kind": "x", "name": "C" * 50_000}],
    }
    factories.VersionFactory(  # the page shows the current version's snapshot: 1.1.0, with the big member
        integration=integration,
        version="1.1.0",
        changelog=f"{script} [x](javascript:void(0))" + "B" * 150_000,
        published_at=utcnow() + timedelta(seconds=1),
    )
    integration.current_version = "1.1.0"
    db.session.flush()
    for url in ("/", "/integrations", f"/integrations/{integration.publisher}/{integration.slug}"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html
        assert 'href="javascript' not in html and 'src="javascript' not in html
        assert "<img src=x" not in html
    detail = client.get(f"/integrations/{integration.publisher}/{integration.slug}").get_data(as_text=True)
    assert "&lt;script&gt;" in detail and "Read repo" in detail and "C" * 50_000 in detail


def test_only_https_icons_are_rendered(client, factories):
    factories.IntegrationFactory.published(name="Good icon", icon_url="https://cdn.example.test/icon.png")
    factories.IntegrationFactory.published(name="Bad icon", icon_url="http://cdn.example.test/icon.png")
    html = client.get("/integrations").get_data(as_text=True)
    assert 'src="https://cdn.example.test/icon.png"' in html
    assert "http://cdn.example.test" not in html and "placeholder-icon.svg" in html


def test_detail_page_shows_everything(client, factories):
    dependency = factories.IntegrationFactory.published(name="Base ledger")
    hidden = make_integration("private", factories.WorkspaceFactory(), name="Hidden dep")
    integration = factories.IntegrationFactory.published(
        name="Payroll sync",
        description="# Title\n\nSyncs **payroll**.",
        trust_tier="community",
        install_count=1234,
        manifest={
            "members": [
                {"key": "flow", "kind": "workflow", "name": "Pay run", "forkOnInstall": True},
                {"key": "tbl", "kind": "table", "name": "Employees"},
            ],
            "dependencies": [
                {"integration": f"{dependency.publisher}/{dependency.slug}", "version": "^1.0.0"},
                {"integration": f"{hidden.publisher}/{hidden.slug}", "version": "~2.1.0"},
            ],
            "defaults": {},
        },
        variables_schema={
            "type": "object",
            "required": ["region"],
            "properties": {
                "region": {"type": "string", "title": "Region", "description": "Where payroll runs."},
                "dry_run": {"type": "boolean", "title": "Dry run"},
            },
        },
        auth_config={"type": "oauth2", "scopes": ["payroll:read", "payroll:write"]},
    )
    factories.VersionFactory(
        integration=integration,
        version="1.1.0",
        changelog="Adds *bonuses*.",
        published_at=utcnow() + timedelta(seconds=5),
        yanked_at=utcnow(),
        yank_reason="Double-paid bonuses",
    )
    html = client.get(f"/integrations/{integration.publisher}/{integration.slug}").get_data(as_text=True)
    for text in (
        "<h1>Payroll sync</h1>",
        "<strong>payroll</strong>",
        "Read payroll",
        "Change payroll",
        "OAuth 2.0",
        "Region",
        "Required",
        "Where payroll runs.",
        "Dry run",
        "Optional",
        "boolean",
        "Base ledger",
        "^1.0.0",
        "~2.1.0",
        "not available to you",
        "Pay run",
        "Forked on install",
        "Employees",
        "Linked",
        "1.1.0",
        "Withdrawn",  # the installer's word for a yanked version, as on the installations page
        "Double-paid bonuses",
        "<em>bonuses</em>",
        "1,234",
        "Created",
        "Updated",
        "Community integration:",
        f"/install/{integration.publisher}/{integration.slug}",
    ):
        assert text in html, text
    assert "Hidden dep" not in html
    assert html.count("<h1") == 1


def test_home_page(client, factories):
    factories.IntegrationFactory.published(name="Official one", trust_tier="vendor_official")
    factories.IntegrationFactory.published(name="Community one", trust_tier="community")
    html = client.get("/").get_data(as_text=True)
    featured = html.split('id="featured-title"')[1].split('id="recent-title"')[0]
    assert "Official one" in featured and "Community one" not in featured
    assert 'id="home-q"' in html and 'for="home-q"' in html
    assert "/integrations?tier=vendor_official" in html
    assert "What the trust badges mean" in html and "not reviewed by marketplace staff" in html


def url_for_detail(client, integration) -> str:
    from flask import url_for

    with client.application.test_request_context():
        return url_for(
            "catalog.detail", publisher=integration.publisher, slug=integration.slug, _external=True
        )


def test_sitemap_and_robots(client, factories):
    integration = factories.IntegrationFactory.published()
    sitemap = client.get("/sitemap.xml")
    assert sitemap.content_type.startswith("application/xml")
    expected = url_for_detail(client, integration)
    assert f"<loc>{expected}</loc>" in sitemap.get_data(as_text=True)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots and "Disallow: /admin" in robots


def _count(client, query_counter, url) -> int:
    with query_counter as counter:
        assert client.get(url).status_code == 200
    return counter.count


@pytest.mark.parametrize("signed_in", [False, True])
def test_catalog_queries_do_not_grow_with_page_size(client, auth, factories, query_counter, signed_in):
    cast = make_cast()
    if signed_in:
        auth.login(cast.users["member"])
    # As many as a search needs to find before it stops looking for typos (one query more below it:
    # tests/web/test_catalog_search_relevance.py counts that case).
    for _ in range(ranking.FEW_MATCHES):
        factories.IntegrationFactory.published(workspace=cast.workspace)
    urls = ("/integrations", "/integrations?q=integration", "/", "/api/v1/integrations?limit=100")

    def cold(url: str) -> int:
        # Every cache emptied first: after a write, which request reads the change log (once per
        # process and move) depends on the order pages are asked for; this is about page size.
        catalog.clear_caches()
        page_cache.clear()
        return _count(client, query_counter, url)

    few = [cold(url) for url in urls]
    for _ in range(catalog.PAGE_SIZE + 3):
        factories.IntegrationFactory.published(workspace=cast.workspace)
    many = [cold(url) for url in urls]
    assert few == many


def test_detail_queries_do_not_grow_with_versions(client, factories, query_counter):
    integration = factories.IntegrationFactory.published(
        manifest={"members": [], "defaults": {}, "dependencies": [{"integration": "a/b", "version": "*"}]}
    )
    url = f"/integrations/{integration.publisher}/{integration.slug}"
    api = f"/api/v1/integrations/{integration.id}/versions"
    few = (_count(client, query_counter, url), _count(client, query_counter, api))
    for n in range(1, 15):
        factories.VersionFactory(
            integration=integration, version=f"1.{n}.0", published_at=utcnow() + timedelta(seconds=n)
        )
    db.session.expire_all()
    many = (_count(client, query_counter, url), _count(client, query_counter, api))
    assert few == many
    assert few[0] <= 8  # 4, the current version's documents (the snapshot the page shows), the
    # page's count fingerprint read as it enters the page cache, the screenshots and the publisher's profile


def test_populated_pages_are_accessible_and_inline_free(client, factories):
    from tests.web.test_shell_web import check_page

    integration = factories.IntegrationFactory.published(
        name="Audited",
        trust_tier="vendor_official",
        description="# Overview\n\nText.",
        variables_schema={"type": "object", "properties": {"a": {"type": "string"}}},
        auth_config={"type": "oauth2", "scopes": ["read"]},
    )
    for _n in range(catalog.PAGE_SIZE + 1):
        factories.IntegrationFactory.published(trust_tier="community")
    for url in (
        "/",
        "/integrations",
        "/integrations?page=2&tier=community",
        "/integrations?q=nothing",
        f"/integrations/{integration.publisher}/{integration.slug}",
    ):
        check_page(client.get(url).get_data(as_text=True))


def test_the_last_allowed_page_offers_no_next_link(client, factories, monkeypatch):
    # The listing stops at its last page; the request parser reads the limit through the package.
    monkeypatch.setattr(listing, "MAX_PAGE", 2)
    monkeypatch.setattr(catalog, "MAX_PAGE", 2)
    for _n in range(2 * catalog.PAGE_SIZE + 1):
        factories.IntegrationFactory.published()
    assert _rel(client.get("/integrations?page=1").get_data(as_text=True), "next")
    assert _rel(client.get("/integrations?page=2").get_data(as_text=True), "next") is None
    assert client.get("/integrations?page=3").status_code == 400


@pytest.mark.parametrize("prefix", ["", "/market"])
def test_a_cards_links_are_the_apps_own_urls_under_a_mount_prefix_too(app, client, factories, prefix):
    """Cards build no URL themselves (cards.CardLinks): what they link to is what url_for gives, also
    where the app is mounted under a path."""
    from flask import url_for

    integration = factories.IntegrationFactory.published(name="Lantern")
    html = client.get("/integrations", environ_overrides={"SCRIPT_NAME": prefix}).get_data(as_text=True)
    with app.test_request_context(environ_overrides={"SCRIPT_NAME": prefix}):
        detail = url_for("catalog.detail", publisher=integration.publisher, slug=integration.slug)
        profile = url_for("publishers.profile", handle=integration.publisher)
        placeholder = url_for("static", filename="img/placeholder-icon.svg")
    assert detail.startswith(prefix + "/") and profile.startswith(prefix + "/")
    assert f'<a href="{detail}" class="card-link">Lantern</a>' in html
    assert f'by <a href="{profile}">{integration.publisher}</a>' in html
    assert f'src="{placeholder}"' in html
