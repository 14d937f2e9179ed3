"""The anonymous page cache: only anonymous answers enter it and leave it, it answers conditional
GETs, and nothing in it outlives a change to the catalog (the two-process test runs gunicorn)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import catalog
from tests.conftest import AuthActions

PAGES = ("/", "/integrations", "/integrations?q=lantern")


def _detail(integration) -> str:
    return f"/integrations/{integration.publisher}/{integration.slug}"


@pytest.mark.parametrize("url", [*PAGES, "detail"])
def test_an_anonymous_page_is_served_again_from_the_cache_with_an_etag(client, factories, query_counter, url):
    integration = factories.IntegrationFactory.published(name="Lantern")
    url = _detail(integration) if url == "detail" else url
    first = client.get(url)
    assert first.status_code == 200 and "Lantern" in first.get_data(as_text=True)
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in first.headers["Vary"] and first.headers["ETag"]
    assert "Set-Cookie" not in first.headers
    with query_counter as counter:
        again = client.get(url)
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert counter.count == 1  # the catalog generation, nothing else
    assert again.headers["Content-Security-Policy"]  # every after_request hook still runs
    revalidated = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.get_data() == b""
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_arguments_are_normalised_into_the_key(client, factories):
    factories.IntegrationFactory.published(name="Lantern")
    form_submission = client.get("/integrations?q=lantern&publisher=&sort=relevance&utm=x")
    canonical = client.get("/integrations?q=lantern")
    assert form_submission.get_data() == canonical.get_data()
    assert "utm" not in form_submission.get_data(as_text=True)  # the log-in link's next= is canonical too


def test_a_members_page_is_never_served_from_the_anonymous_cache(app, client, auth, factories):
    membership = factories.member()
    factories.IntegrationFactory.published(
        workspace=membership.workspace, name="Secret Lantern", visibility="private"
    )
    factories.IntegrationFactory.published(name="Public Lantern")
    anonymous = app.test_client()
    for url in PAGES:
        assert "Secret Lantern" not in anonymous.get(url).get_data(as_text=True)  # cached now

    auth.login(membership.user)
    for url in PAGES:
        page = client.get(url)
        assert "Secret Lantern" in page.get_data(as_text=True) and "Log out" in page.get_data(as_text=True)
        assert page.headers["Cache-Control"] == "private, no-store" and "Cookie" in page.headers["Vary"]
        assert "ETag" not in page.headers

    for url in PAGES:  # and what the member saw never reached the anonymous cache
        assert "Secret Lantern" not in anonymous.get(url).get_data(as_text=True)
    assert "Secret Lantern" not in anonymous.get("/integrations?q=secret").get_data(as_text=True)


def test_a_member_seeing_a_page_first_leaves_nothing_for_anonymous(app, client, auth, factories):
    membership = factories.member()
    factories.IntegrationFactory.published(
        workspace=membership.workspace, name="Secret Lantern", visibility="private"
    )
    auth.login(membership.user)
    assert "Secret Lantern" in client.get("/integrations?q=secret+lantern").get_data(as_text=True)
    anonymous = app.test_client()
    page = anonymous.get("/integrations?q=secret+lantern")
    assert "Secret Lantern" not in page.get_data(as_text=True) and "Log out" not in page.get_data(
        as_text=True
    )


def test_requests_with_authorization_or_a_flash_waiting_bypass_the_cache(client, factories):
    factories.IntegrationFactory.published(name="Lantern")
    client.get("/integrations")
    with_header = client.get("/integrations", headers={"Authorization": "Bearer anything"})
    assert with_header.headers["Cache-Control"] == "private, no-store"
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message waiting for you")]
    flashed = client.get("/integrations")
    assert "A message waiting for you" in flashed.get_data(as_text=True)
    assert flashed.headers["Cache-Control"] == "private, no-store"
    assert "A message waiting for you" not in client.get("/integrations").get_data(as_text=True)


def test_an_unseen_page_is_a_404_and_is_not_cached(client, factories):
    draft = factories.IntegrationFactory(name="Unpublished")
    answer = client.get(_detail(draft))
    assert answer.status_code == 404 and "ETag" not in answer.headers
    assert "public" not in answer.headers.get("Cache-Control", "")


def test_a_change_is_on_the_next_request_in_this_process(client, factories):
    integration = factories.IntegrationFactory.published(name="Lantern")
    assert "Lantern" in client.get("/integrations").get_data(as_text=True)
    integration.visibility = "private"
    db.session.flush()
    assert "Lantern" not in client.get("/integrations").get_data(as_text=True)
    assert client.get(_detail(integration)).status_code == 404


def test_clear_forgets_cached_pages(app, client, factories):
    from app.web import page_cache

    factories.IntegrationFactory.published(name="Lantern")
    client.get("/integrations")
    with app.test_request_context():
        cache = page_cache.page_cache()
        assert cache.pages
        page_cache.clear()
        assert not cache.pages and catalog.catalog_generation_unbound() is not None


def test_members_share_a_listing_only_with_the_same_memberships(app, client, auth, factories):
    first, second = factories.member(), factories.member()
    factories.IntegrationFactory.published(
        workspace=first.workspace, name="Secret Lantern", visibility="private"
    )
    factories.IntegrationFactory.published(name="Public Lantern")
    auth.login(first.user)
    for url in ("/", "/integrations", "/integrations?q=lantern"):
        page = client.get(url).get_data(as_text=True)
        assert "Secret Lantern" in page and first.user.label in page
        assert "Secret Lantern" in client.get(url).get_data(as_text=True)  # the member's kept listing

    other = app.test_client()
    AuthActions(other).login(second.user)
    for url in ("/", "/integrations", "/integrations?q=lantern"):
        page = other.get(url).get_data(as_text=True)
        assert "Secret Lantern" not in page and "Public Lantern" in page
        assert second.user.label in page and first.user.label not in page

    db.session.delete(first)  # no longer a member: the next page is built for who they are now
    db.session.flush()
    assert "Secret Lantern" not in client.get("/integrations?q=lantern").get_data(as_text=True)
