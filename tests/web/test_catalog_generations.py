"""The catalog's two generations (migration 0011): an install moves the counts and leaves the listing
generation, so rankings and facet counts survive it while every page shows the new count; anything
else written to an integration moves the listing generation; `bump_listing_generation` moves it by
hand. And the page cache's front: cookie-less GETs answered before Flask, never anyone else's."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Installation, Integration
from app.services import catalog
from app.services.catalog.generation import MATCH_CACHE, process_cache
from app.services.installs.confirming import count_install
from app.web import page_cache

SEARCH = "/integrations?q=lantern"


def _installs(factories, integration, n: int = 1) -> None:
    """`n` outside accounts install it (real rows); then the count is recounted, as an install does."""
    for _ in range(n):
        membership = factories.member(role="owner")
        factories.InstallationFactory(
            workspace=membership.workspace, integration=integration, installed_by=membership.user.id
        )
    count_install(integration, +1)


def _uninstall(integration) -> None:
    row = db.session.scalar(
        db.select(Installation)
        .where(Installation.integration_id == integration.id, Installation.status == "active")
        .limit(1)
    )
    row.status = "uninstalled"
    db.session.flush()
    count_install(integration, -1)


def _generations() -> tuple[int, tuple[int, int]]:
    return catalog.catalog_generation(), catalog.page_generation_unbound()


def test_an_install_moves_the_counts_and_not_the_listing_generation(factories):
    integration = factories.IntegrationFactory.published(name="Lantern")
    listing, (page_listing, counts) = _generations()
    assert page_listing == listing

    _installs(factories, integration)
    after_install = _generations()
    assert after_install[0] == listing and after_install[1][1] != counts

    _uninstall(integration)
    uninstalled = _generations()
    assert uninstalled[0] == listing and uninstalled[1][1] not in (counts, after_install[1][1])

    integration.name = "Lantern Two"
    db.session.flush()
    renamed = _generations()
    assert renamed[0] != listing and renamed[1] == (renamed[0], uninstalled[1][1])


def test_an_update_of_the_count_and_anything_else_moves_the_listing_generation(factories):
    integration = factories.IntegrationFactory.published(name="Lantern")
    listing = catalog.catalog_generation()
    table = Integration.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == integration.id)
        .values(install_count=table.c.install_count + 1, visibility="private")
    )
    assert catalog.catalog_generation() != listing


@pytest.mark.parametrize("change", ["versions", "bump"])
def test_version_writes_and_the_bump_function_move_the_listing_generation(factories, change):
    integration = factories.IntegrationFactory.published(name="Lantern")
    listing = catalog.catalog_generation()
    if change == "versions":
        factories.VersionFactory(integration=integration, version="1.1.0")
        db.session.flush()
    else:
        catalog.bump_listing_generation()
    assert catalog.catalog_generation() != listing


def test_a_search_after_an_install_keeps_its_ranking_and_shows_the_new_count(
    client, factories, query_counter
):
    integration = factories.IntegrationFactory.published(name="Lantern")
    _installs(factories, integration, 6)
    first = client.get(SEARCH).get_data(as_text=True)
    assert "6 installs" in first
    ranked = process_cache(MATCH_CACHE).peek(catalog.CatalogQuery(q="lantern").matching_key)

    _installs(factories, integration)
    again = client.get(SEARCH).get_data(as_text=True)
    assert "7 installs" in again and "6 installs" not in again
    assert process_cache(MATCH_CACHE).peek(catalog.CatalogQuery(q="lantern").matching_key) == ranked

    integration.trust_tier = "first_party"
    db.session.flush()
    client.get(SEARCH)
    assert process_cache(MATCH_CACHE).peek(catalog.CatalogQuery(q="lantern").matching_key) != ranked


@pytest.mark.parametrize("url", ["/integrations", SEARCH, "/integrations?sort=name", "detail"])
def test_a_page_an_install_does_not_show_on_is_answered_again_unrendered(
    client, factories, query_counter, url
):
    shown = factories.IntegrationFactory.published(name="Lantern")
    _installs(factories, shown, 10)
    elsewhere = factories.IntegrationFactory.published(name="Unrelated")
    _installs(factories, elsewhere, 1)
    for n in range(3):
        _installs(factories, factories.IntegrationFactory.published(name=f"Other {n}"), 3 + n)
    url = f"/integrations/{shown.publisher}/{shown.slug}" if url == "detail" else url
    first = client.get(url)
    assert "Lantern" in first.get_data(as_text=True)

    _installs(factories, elsewhere)  # not on a search for "lantern", nor on Lantern's page
    if url in ("/integrations", "/integrations?sort=name"):
        _uninstall(elsewhere)  # these show it: as it was (the counts sum moved twice)
    with query_counter as counter:
        again = client.get(url)
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    # The page generation, then the page's count fingerprint (one statement with both sums).
    assert counter.count == 2, counter.statements

    _installs(factories, shown)
    assert "11" in client.get(url).get_data(as_text=True)


def test_the_front_answers_a_cookieless_get_with_the_same_bytes_and_headers(
    app, client, factories, query_counter
):
    factories.IntegrationFactory.published(name="Lantern")
    first = client.get(SEARCH)
    assert "Set-Cookie" not in first.headers
    with query_counter as counter:
        again = client.get(SEARCH)
    assert counter.count == 1  # the page generation, nothing else
    assert again.get_data() == first.get_data()
    assert dict(again.headers) == dict(first.headers)  # security headers, ETag, Vary and all
    kept = page_cache.page_cache(page_cache.FRONT_EXTENSION_KEY)
    assert [key[-2:] for key in kept.pages] == [("/integrations", "q=lantern")]


def test_the_front_keeps_nothing_of_a_request_with_a_cookie_or_a_personal_answer(
    app, client, auth, factories
):
    membership = factories.member()
    factories.IntegrationFactory.published(
        workspace=membership.workspace, name="Secret Lantern", visibility="private"
    )
    page_cache.clear()
    auth.login(membership.user)
    assert "Secret Lantern" in client.get(SEARCH).get_data(as_text=True)
    assert "Secret Lantern" in client.get(SEARCH).get_data(as_text=True)
    kept = page_cache.page_cache(page_cache.FRONT_EXTENSION_KEY)
    assert not kept.pages
    anonymous = app.test_client()
    assert anonymous.get("/login").status_code == 200  # sets the session's CSRF token: not kept
    assert not kept.pages
    assert "Secret Lantern" not in app.test_client().get(SEARCH).get_data(as_text=True)
    assert len(kept.pages) == 1


def test_a_change_is_answered_by_the_front_on_the_next_request(app, factories):
    integration = factories.IntegrationFactory.published(name="Lantern")
    _installs(factories, integration, 2)
    anonymous = app.test_client()
    assert "Lantern" in anonymous.get(SEARCH).get_data(as_text=True)
    assert "Lantern" in anonymous.get(SEARCH).get_data(as_text=True)  # from the front now
    _installs(factories, integration)
    assert "3 installs" in anonymous.get(SEARCH).get_data(as_text=True)
    integration.visibility = "private"
    db.session.flush()
    assert "Lantern" not in anonymous.get(SEARCH).get_data(as_text=True)


def test_a_members_catalog_page_costs_one_query_once_its_listing_is_kept(
    client, auth, factories, query_counter
):
    membership = factories.member()
    factories.IntegrationFactory.published(
        workspace=membership.workspace, name="Lantern", visibility="private"
    )
    auth.login(membership.user)
    assert "Lantern" in client.get("/integrations").get_data(as_text=True)
    with query_counter as counter:
        page = client.get("/integrations")
    assert "Lantern" in page.get_data(as_text=True) and "Log out" in page.get_data(as_text=True)
    # The user with their memberships (one outer join) and the page generation, in one statement.
    assert counter.count == 1, counter.statements
    assert "catalog_state" in counter.statements[0] and "memberships" in counter.statements[0]


def test_a_members_kept_page_is_theirs_alone_and_follows_their_memberships(app, client, auth, factories):
    first = factories.member()
    secret = factories.IntegrationFactory.published(
        workspace=first.workspace, name="Secret Lantern", visibility="private"
    )
    twin = factories.member(workspace=first.workspace)  # the same memberships, another person
    twin.user.display_name = "Twin Person"
    db.session.flush()
    auth.login(first.user)
    for _ in range(2):
        page = client.get("/integrations").get_data(as_text=True)
        assert "Secret Lantern" in page and "Twin Person" not in page
    auth.logout()
    auth.login(twin.user)
    page = client.get("/integrations").get_data(as_text=True)
    assert "Twin Person" in page and "Secret Lantern" in page
    auth.logout()

    outsider = factories.UserFactory()
    auth.login(outsider)
    assert "Secret Lantern" not in client.get("/integrations").get_data(as_text=True)
    factories.member(user=outsider, workspace=secret.workspace)  # joins: sees it on the next request
    assert "Secret Lantern" in client.get("/integrations").get_data(as_text=True)


def test_a_members_kept_page_carries_a_working_csrf_token(client, auth, factories):
    membership = factories.member()
    auth.login(membership.user)
    client.get("/integrations")
    page = client.get("/integrations").get_data(as_text=True)  # from the member page cache
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert "\x00" not in page and token
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "Log out" not in client.get("/integrations").get_data(as_text=True)
