"""Categories: the staff taxonomy (seeded, audited CRUD), a listing's primary and secondary category,
/categories/<slug> pages, the category facet's counts, ?category= in the catalog and the API -- and
that nothing of a listing a viewer may not find leaks through any of them."""

from __future__ import annotations

import re

import pytest

from app.domain.categories import STARTING_CATEGORIES
from app.extensions import db
from app.models import AuditEvent, Category
from app.services import catalog
from app.web import page_cache
from tests.catalog_helpers import STATES, make_cast, make_integration

from .publishing_helpers import edit_data, make_publisher, state


def category(slug: str) -> Category:
    return db.session.scalar(db.select(Category).where(Category.slug == slug))


def filed(integration, primary: str, secondary: str | None = None):
    integration.primary_category_id = category(primary).id
    integration.secondary_category_id = category(secondary).id if secondary else None
    db.session.flush()
    return integration


def facet_count(html: str, slug: str) -> int:
    return int(re.search(rf'data-category-count="{slug}">\(?([\d,]+)\)?<', html).group(1).replace(",", ""))


@pytest.fixture
def staff(factories, auth):
    user = factories.UserFactory(is_staff=True)
    auth.login(user)
    return user


# --- the taxonomy ------------------------------------------------------------------------------------


def test_every_install_starts_with_the_seeded_taxonomy(app):
    rows = db.session.scalars(db.select(Category).order_by(Category.position)).all()
    assert [(c.slug, c.name) for c in rows][: len(STARTING_CATEGORIES)] == list(STARTING_CATEGORIES)
    assert len(STARTING_CATEGORIES) == 15


def test_staff_add_rename_reorder_and_delete_with_one_audit_event_each(client, staff):
    page = client.get("/admin/categories")
    assert page.status_code == 200 and "Communication" in page.text

    def events(action):
        return db.session.scalar(
            db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )

    response = client.post_form("/admin/categories", {"new-slug": "legal", "new-name": "Legal"})
    assert response.status_code == 302
    created = category("legal")
    assert created is not None and events("category.created") == 1
    assert created.position == max(c.position for c in db.session.scalars(db.select(Category)))

    response = client.post_form(
        f"/admin/categories/{created.id}/rename", {f"rename-{created.id}-name": "Legal & compliance"}
    )
    assert response.status_code == 302 and category("legal").name == "Legal & compliance"
    assert events("category.renamed") == 1

    before = category("legal").position
    assert client.post_form(f"/admin/categories/{created.id}/move/up").status_code == 302
    db.session.expire_all()
    assert category("legal").position == before - 1 and events("category.moved") == 1

    assert client.post_form(f"/admin/categories/{created.id}/delete").status_code == 302
    assert category("legal") is None and events("category.deleted") == 1


@pytest.mark.parametrize(
    ("slug", "name", "message"),
    [
        ("Not A Slug", "Fine", "lowercase letters"),
        ("communication", "Another", "is taken"),
        ("fresh", "Communication", "already called"),
        ("fresh", "", "Give the category a name"),
    ],
)
def test_bad_categories_are_refused_beside_the_field_and_change_nothing(client, staff, slug, name, message):
    count = db.session.scalar(db.select(db.func.count()).select_from(Category))
    response = client.post_form("/admin/categories", {"new-slug": slug, "new-name": name})
    assert response.status_code in (409, 422)
    assert message in response.text and f'value="{slug}"' in response.text  # kept what was typed
    assert db.session.scalar(db.select(db.func.count()).select_from(Category)) == count


def test_a_category_in_use_cannot_be_deleted(client, staff, factories):
    integration = filed(factories.IntegrationFactory.published(), "communication")
    integration.deleted_at = None
    db.session.commit()
    used = category("communication")
    response = client.post_form(f"/admin/categories/{used.id}/delete")
    assert response.status_code == 409 and "is used by 1 listing" in response.text
    assert category("communication") is not None


def test_only_staff_reach_the_taxonomy(client, auth, factories):
    target = category("communication")
    assert client.get("/admin/categories").status_code == 404
    auth.login(factories.UserFactory())
    assert client.get("/admin/categories").status_code == 404
    assert client.post_form(f"/admin/categories/{target.id}/delete").status_code == 404
    assert category("communication") is not None


def test_a_rename_shows_at_once_on_cached_pages(client, staff, factories):
    filed(factories.IntegrationFactory.published(name="Renamed Category Card"), "analytics")
    db.session.commit()
    auth_cookie_free = client.application.test_client()
    assert "Analytics" in auth_cookie_free.get("/integrations").text
    target = category("analytics")
    client.post_form(f"/admin/categories/{target.id}/rename", {f"rename-{target.id}-name": "Insights"})
    html = auth_cookie_free.get("/integrations").text
    assert "Insights" in html and ">Analytics<" not in html


# --- a listing's categories in the dashboard -----------------------------------------------------------


@pytest.fixture
def publisher(factories, auth):
    p = make_publisher(factories)
    auth.login(p.user)
    return p


def _draft(factories, p, **kwargs):
    integration = factories.IntegrationFactory(
        workspace=p.workspace, creator=p.user, publisher=p.handle, **kwargs
    )
    db.session.commit()
    return integration


def test_the_publisher_sets_primary_and_secondary_categories(client, publisher, factories):
    integration = _draft(factories, publisher)
    page = client.get(f"/dashboard/integrations/{integration.id}")
    assert 'name="primary_category"' in page.text and "Payments &amp; finance" in page.text
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}",
        edit_data(integration, primary_category="payments-finance", secondary_category="ecommerce"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert integration.primary_category.slug == "payments-finance"
    assert integration.secondary_category.slug == "ecommerce"
    event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(1))
    assert "primary_category_id" in event.diff


@pytest.mark.parametrize(
    ("primary", "secondary", "field", "message"),
    [
        ("analytics", "analytics", "secondary_category", "must differ from the primary"),
        ("", "analytics", "secondary_category", "primary category before a secondary"),
        ("no-such-category", "", "primary_category", "Choose a category from the list"),
    ],
)
def test_bad_category_choices_are_refused_and_change_nothing(
    client, publisher, factories, primary, secondary, field, message
):
    integration = _draft(factories, publisher)
    before = state(integration.id)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}",
        edit_data(integration, primary_category=primary, secondary_category=secondary),
    )
    assert response.status_code == 422 and message in response.text
    assert re.search(
        rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', response.text
    )
    assert state(integration.id) == before


# --- category pages and the facet ------------------------------------------------------------------------


def test_a_category_page_lists_its_listings_as_primary_or_secondary(client, factories):
    primary = filed(factories.IntegrationFactory.published(name="Primary Analytics"), "analytics")
    secondary = filed(
        factories.IntegrationFactory.published(name="Secondary Analytics"), "productivity", "analytics"
    )
    elsewhere = filed(factories.IntegrationFactory.published(name="Elsewhere Tool"), "utilities")
    html = client.get("/categories/analytics").text
    assert "<h1>Analytics</h1>" in html
    assert primary.name in html and secondary.name in html and elsewhere.name not in html
    assert facet_count(html, "analytics") == 2 and facet_count(html, "utilities") == 1
    # the catalog's other filters apply, and survive on the category's own page
    html = client.get(f"/categories/analytics?publisher={primary.publisher}").text
    assert primary.name in html and secondary.name not in html
    assert 'action="/categories/analytics"' in html and f'value="{primary.publisher}"' in html


def test_an_unknown_category_is_a_404(client):
    assert client.get("/categories/no-such-category").status_code == 404
    assert client.get("/categories/Not_A_Slug").status_code == 404


def test_category_pages_paginate_and_keep_their_filters(client, factories):
    for n in range(catalog.PAGE_SIZE + 2):
        filed(
            factories.IntegrationFactory.published(name=f"Paged {n:02d}", trust_tier="community"), "marketing"
        )
    html = client.get("/categories/marketing?tier=community&sort=name").text
    assert 'href="/categories/marketing?tier=community&amp;sort=name&amp;page=2"' in html
    second = client.get("/categories/marketing?tier=community&sort=name&page=2").text
    assert "Paged 25" in second and "Paged 00" not in second


@pytest.mark.parametrize("state_name", [s for s in STATES if s != "public"])
def test_nothing_unlisted_private_draft_or_trashed_leaks_through_categories(
    client, auth, factories, state_name
):
    cast = make_cast()
    hidden = filed(make_integration(state_name, cast.workspace, name=f"Hidden {state_name}"), "hr-people")
    shown = filed(make_integration("public", cast.workspace, name="Shown HR"), "hr-people")
    for url in ("/categories/hr-people", "/integrations?category=hr-people", "/integrations", "/"):
        html = client.get(url).text
        assert hidden.name not in html
        assert facet_count(html, "hr-people") == 1, url
    api = client.get("/api/v1/integrations?category=hr-people").get_json()
    assert [i["id"] for i in api["data"]] == [shown.id]
    auth.login(cast.users["other_member"])
    assert hidden.name not in client.get("/categories/hr-people").text
    assert facet_count(client.get("/categories/hr-people").text, "hr-people") == 1
    if state_name == "private":  # the source workspace's members find their private listing
        auth.logout()
        auth.login(cast.users["member"])
        html = client.get("/categories/hr-people").text
        assert hidden.name in html and facet_count(html, "hr-people") == 2


def test_facet_counts_follow_the_other_filters_and_search(client, factories):
    filed(
        factories.IntegrationFactory.published(name="Zebra Ledger", trust_tier="first_party"),
        "payments-finance",
    )
    filed(factories.IntegrationFactory.published(name="Zebra Chat", trust_tier="community"), "communication")
    html = client.get("/integrations?q=zebra").text
    assert facet_count(html, "payments-finance") == 1 and facet_count(html, "communication") == 1
    html = client.get("/integrations?q=zebra&tier=first_party").text
    assert facet_count(html, "payments-finance") == 1 and facet_count(html, "communication") == 0
    # the category narrows the tier counts (and the results), not its own facet
    html = client.get("/integrations?q=zebra&category=communication").text
    assert "Zebra Chat" in html and "Zebra Ledger" not in html
    assert facet_count(html, "payments-finance") == 1
    assert re.search(r'data-tier-count="first_party">0<', html)
    assert re.search(r'data-tier-count="community">1<', html)


def test_category_filter_in_the_catalog_and_the_api(client, factories):
    a = filed(factories.IntegrationFactory.published(name="Filtered In"), "security-identity")
    b = filed(factories.IntegrationFactory.published(name="Filtered Out"), "marketing")
    html = client.get("/integrations?category=security-identity").text
    assert a.name in html and b.name not in html
    data = client.get("/api/v1/integrations?category=security-identity").get_json()["data"]
    assert [i["id"] for i in data] == [a.id]
    assert set(data[0]) == {
        "id", "workspaceId", "slug", "name", "description", "iconUrl", "publisher", "trustTier",
        "currentVersion", "manifest", "variablesSchema", "authConfig", "visibility", "createdBy",
        "deletedAt", "retentionTier", "createdAt", "updatedAt",
    }  # fmt: skip
    assert client.get("/api/v1/integrations?category=no-such-one").get_json()["data"] == []
    bad = client.get("/api/v1/integrations?category=Bad%20Slug")
    assert bad.status_code == 400 and bad.get_json()["error"]["details"] == [{"parameter": "category"}]
    assert client.get("/integrations?category=Bad%20Slug").status_code == 400


def test_api_cursor_keeps_the_category(client, factories):
    for n in range(3):
        filed(factories.IntegrationFactory.published(name=f"Cursor {n}"), "ecommerce")
    filed(factories.IntegrationFactory.published(name="Cursor other"), "utilities")
    first = client.get("/api/v1/integrations?category=ecommerce&limit=2&sort=name").get_json()
    cursor = first["nextCursor"]
    second = client.get(
        f"/api/v1/integrations?category=ecommerce&limit=2&sort=name&cursor={cursor}"
    ).get_json()
    assert [i["name"] for i in first["data"] + second["data"]] == ["Cursor 0", "Cursor 1", "Cursor 2"]
    other = client.get(f"/api/v1/integrations?category=utilities&limit=2&sort=name&cursor={cursor}")
    assert other.status_code == 400  # a cursor is bound to its filters


def test_home_page_lists_categories_with_public_counts(client, factories):
    filed(factories.IntegrationFactory.published(name="Home Cat"), "project-management")
    cast = make_cast()
    filed(make_integration("private", cast.workspace), "project-management")
    html = client.get("/").text
    assert 'href="/categories/project-management"' in html and facet_count(html, "project-management") == 1


def test_cards_carry_a_category_label_and_queries_do_not_grow(client, factories, query_counter):
    def count(url):
        page_cache.clear()  # whole pages would be answered from it: this counts what renders them
        catalog.clear_caches()  # and cold facet counts and rankings on both sides
        with query_counter as counter:
            assert client.get(url).status_code == 200
        return counter.count

    filed(factories.IntegrationFactory.published(name="Labelled"), "analytics", "utilities")
    html = client.get("/integrations").text
    assert 'data-category="analytics">Analytics<' in html
    urls = ("/integrations", "/categories/analytics", "/", "/integrations?q=labelled")
    few = [count(url) for url in urls]
    for n in range(catalog.PAGE_SIZE + 3):
        filed(factories.IntegrationFactory.published(name=f"Labelled {n}"), "analytics", "marketing")
    many = [count(url) for url in urls]
    assert few == many


def test_the_sitemap_lists_category_pages(client):
    body = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://localhost/categories/communication</loc>" in body
