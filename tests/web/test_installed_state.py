"""Installed state: a signed-in person's cards and detail pages say "Installed in <workspace>" for their
workspaces that have it, and Install becomes Manage. It never reaches anyone else through the page
caches (anonymous whole pages, members' listing fragments, members' whole pages), it is fresh after an
install that does not move the install count, and a signed-in page's queries do not grow with cards."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import catalog
from app.web import page_cache
from tests.install_support import admin, publish

PAGES = ("/", "/integrations", "/integrations?q=lantern", "/integrations?sort=rating")


def _detail(integration) -> str:
    return f"/integrations/{integration.publisher}/{integration.slug}"


def test_cards_and_the_detail_page_say_installed_in_and_manage(client, auth, factories):
    integration = publish(name="Lantern Sync")
    other = publish(name="Lantern Other")
    person, workspace = admin()
    workspace.name = "Blue Team"
    factories.InstallationFactory(workspace=workspace, integration=integration, installed_by=person.id)
    auth.login(person)
    for url in PAGES:
        page = client.get(url).get_data(as_text=True)
        assert page.count("Installed</span> in Blue Team") == 1, url
    detail = client.get(_detail(integration)).get_data(as_text=True)
    assert (
        "Installed</span> in Blue Team" in detail and f"/workspaces/{workspace.slug}/installations" in detail
    )
    assert ">Manage<" in detail and "Install in another workspace" in detail
    assert ">Manage<" not in client.get(_detail(other)).get_data(as_text=True)


def test_installed_state_never_leaks_through_the_caches(app, client, auth, factories):
    integration = publish(name="Lantern Sync")
    person, workspace = admin()
    workspace.name = "Blue Team"
    colleague = factories.member(workspace=workspace, role="member").user  # the same memberships
    stranger, _ = admin()
    factories.InstallationFactory(workspace=workspace, integration=integration, installed_by=person.id)
    db.session.commit()
    anonymous = app.test_client()
    for url in (*PAGES, _detail(integration)):
        anonymous.get(url)  # cached whole now
    auth.login(person)
    for url in (*PAGES, _detail(integration)):
        assert "Installed</span> in Blue Team" in client.get(url).get_data(as_text=True), url
    auth.logout()
    for url in (*PAGES, _detail(integration)):
        assert "Blue Team" not in anonymous.get(url).get_data(as_text=True), url
        assert "Blue Team" not in client.get(url).get_data(as_text=True), url
    auth.login(stranger)
    for url in (*PAGES, _detail(integration)):
        page = client.get(url).get_data(as_text=True)
        assert "Blue Team" not in page and "Installed</span>" not in page, url
    auth.logout()
    auth.login(colleague)
    for url in (*PAGES, _detail(integration)):
        assert "Installed</span> in Blue Team" in client.get(url).get_data(as_text=True), url


def test_an_install_that_moves_no_count_still_shows_at_once(client, auth, factories):
    publisher, home = admin()
    integration = publish(workspace=home, name="Lantern Own")
    auth.login(publisher)
    for url in (*PAGES, _detail(integration)):
        assert "Installed</span>" not in client.get(url).get_data(as_text=True)  # and kept
    wid = _wizard(client, integration, home.id)
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    db.session.expire_all()
    assert integration.install_count == 0  # its own workspace: not counted
    for url in (*PAGES, _detail(integration)):
        assert f"Installed</span> in {home.name}" in client.get(url).get_data(as_text=True), url


def _wizard(client, integration, workspace_id):
    from tests.install_support import wizard_id_from

    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace_id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    client.post_form(f"/install/w/{wid}/dependencies")
    client.post_form(f"/install/w/{wid}/variables")
    return wid


def _count(client, query_counter, url) -> int:
    with query_counter as counter:
        assert client.get(url).status_code == 200
    return counter.count


@pytest.mark.parametrize("signed_in", [False, True])
def test_signed_in_pages_with_ratings_and_installed_state_cost_the_same_for_any_number_of_cards(
    client, auth, factories, query_counter, signed_in
):
    person, workspace = admin()
    if signed_in:
        auth.login(person)

    def add(n: int) -> None:
        for i in range(n):
            integration = publish(name=f"Lantern {n}-{i}")
            integration.rating_count, integration.rating_total = 3, 12
            if i % 2:
                factories.InstallationFactory(
                    workspace=workspace, integration=integration, installed_by=person.id
                )
        db.session.flush()

    urls = ("/integrations", "/integrations?q=lantern", "/integrations?sort=rating", "/")

    def cold(url: str) -> int:
        # Every cache emptied first: after a write, which request reads the change log (once per
        # process and move) depends on the order pages are asked for; this is about the number of cards.
        catalog.clear_caches()
        page_cache.clear()
        return _count(client, query_counter, url)

    add(6)  # enough that the search finds them as typed (a search finding under 5 also looks for typos)
    few = [cold(url) for url in urls]
    add(catalog.PAGE_SIZE + 3)  # new listings
    many = [cold(url) for url in urls]
    assert few == many
    if signed_in:
        assert "Installed</span>" in client.get("/integrations").get_data(as_text=True)
