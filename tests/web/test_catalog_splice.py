"""A kept anonymous search page after a write to a listing it shows (app/web/catalog/splice.py): when
only that listing's card changed, the kept page gets the new card in place of the old, with no page
render, and is byte for byte the page a fresh render gives; when more changed (the listing moved,
left, or a count changed), the page is rendered afresh."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import template_rendered
from sqlalchemy import text

from app.extensions import db
from app.services import catalog
from app.web import page_cache

SEARCH = "/integrations?q=lantern"
TIERS = ("first_party", "vendor_official", "verified_partner", "verified_publisher", "community")


@contextmanager
def renders(app):
    """The templates rendered within the block."""
    seen = []

    def note(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(note, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(note, app)


def _lanterns(factories) -> list:
    """Five matches far apart in the ranking (one tier each), so an edit of one's words moves none."""
    return [
        factories.IntegrationFactory.published(
            name=f"Lantern {tier}", trust_tier=tier, description="Shines a steady light on busy queues."
        )
        for tier in TIERS
    ]


def _fresh(app) -> bytes:
    """The search page as a request finds it with every cache emptied: rendered from scratch."""
    catalog.clear_caches()
    page_cache.clear()
    answer = app.test_client().get(SEARCH)
    assert answer.status_code == 200
    return answer


@pytest.fixture(params=["front", "flask"])
def visitor(request, app):
    """An anonymous visitor whose requests the front answers (no cookie), or one with a session cookie
    (a CSRF token from the log-in page), whose requests reach Flask's page cache."""
    client = app.test_client()
    if request.param == "flask":
        assert client.get("/login").status_code == 200
        assert client.get_cookie("session") is not None
    return client


def test_an_edit_of_a_shown_listings_words_splices_its_card(app, visitor, factories):
    shown = _lanterns(factories)
    assert visitor.get(SEARCH).status_code == 200
    assert visitor.get(SEARCH).status_code == 200  # kept
    shown[2].description = "Glows a gentle light on quiet queues."  # as many words: the order holds
    db.session.flush()
    with renders(app) as rendered:
        after = visitor.get(SEARCH)
    assert rendered == []  # no template: the kept page with its one card swapped
    body = after.get_data(as_text=True)
    assert "Glows a gentle light" in body and body.count("Shines a steady light") == 4
    fresh = _fresh(app)
    assert after.get_data() == fresh.get_data()
    assert after.headers["ETag"] == fresh.headers["ETag"]
    assert int(after.headers["Content-Length"]) == len(after.get_data())


def test_a_write_that_moves_a_listing_or_changes_a_count_renders_the_page(app, visitor, factories):
    shown = _lanterns(factories)
    visitor.get(SEARCH)
    visitor.get(SEARCH)
    shown[4].trust_tier = "first_party"  # from last to among the first: the order and tier counts move
    db.session.flush()
    with renders(app) as rendered:
        after = visitor.get(SEARCH)
    assert "catalog/catalog_content.html" in rendered
    assert after.get_data() == _fresh(app).get_data()

    visitor.get(SEARCH)
    shown[0].visibility = "unlisted"  # leaves the search
    db.session.flush()
    after = visitor.get(SEARCH).get_data(as_text=True)
    assert "Lantern first_party" not in after
    assert after.encode() == _fresh(app).get_data()


def test_splices_follow_one_another_and_the_page_stays_whole(app, visitor, factories):
    shown = _lanterns(factories)
    visitor.get(SEARCH)
    visitor.get(SEARCH)
    for number, index in enumerate((1, 3, 1)):
        shown[index].description = f"Edit number {number} lights queues well."
        db.session.flush()
        with renders(app) as rendered:
            after = visitor.get(SEARCH)
        assert rendered == []
        assert after.get_data() == _fresh(app).get_data()
        visitor.get(SEARCH)  # kept again from the fresh render's caches emptied: keep it warm


def test_a_conditional_request_after_a_splice_gets_304_for_the_new_etag(app, factories):
    shown = _lanterns(factories)
    client = app.test_client()
    client.get(SEARCH)
    old = client.get(SEARCH).headers["ETag"]
    shown[1].description = "Glows a gentle light on quiet queues."
    db.session.flush()
    answer = client.get(SEARCH, headers={"If-None-Match": old})
    assert answer.status_code == 200 and answer.headers["ETag"] != old
    assert client.get(SEARCH, headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304


def test_a_respliced_page_is_kept_over_an_install_it_does_not_show(app, visitor, factories):
    shown = _lanterns(factories)
    other = factories.IntegrationFactory.published(name="Other")
    visitor.get(SEARCH)
    visitor.get(SEARCH)
    shown[1].description = "Glows a gentle light on quiet queues."
    db.session.flush()
    visitor.get(SEARCH)  # respliced
    db.session.execute(  # an install of a listing the page does not show: only the counts move
        text("UPDATE integrations SET install_count = install_count + 1 WHERE id = :id"), {"id": other.id}
    )
    with renders(app) as rendered:
        after = visitor.get(SEARCH)
    assert rendered == []  # what it shows of the counts read the same: answered again unrendered
    assert after.get_data() == _fresh(app).get_data()


def _patchable(app, shown: list):
    """One of `shown` whose edit patches the search's ranking, once the page is kept: not the yardstick
    (the best text score, whose edit ranks the search again in full)."""
    client = app.test_client()
    client.get(SEARCH)
    client.get(SEARCH)
    yardstick = catalog.cached_ranking(catalog.CatalogQuery(q="lantern"))[1].patching.yardstick
    return next(each for each in shown if each.id != yardstick)


def test_the_changed_card_comes_with_the_rankings_patch(app, factories, query_counter):
    """The row the ranking's patch re-reads carries the card's columns: the splice reads nothing more --
    the page generation, the change log, the patch: three statements. On PostgreSQL the change log's
    read brings the patch's rows (catalog.riding: one round trip less): two."""
    edited = _patchable(app, _lanterns(factories))
    edited.description = "Glows a gentle light on quiet queues."
    db.session.flush()
    with query_counter as counter, renders(app) as rendered:
        after = app.test_client().get(SEARCH)
    assert rendered == [] and b"Glows a gentle light" in after.get_data()
    reads = counter.statements
    assert "catalog_state" in reads[0] and "catalog_changes" in reads[1] and "description" in reads[-1]
    assert len(reads) == (2 if db.session.get_bind().dialect.name == "postgresql" else 3), reads
    assert after.get_data() == _fresh(app).get_data()


def test_a_card_the_patch_read_at_an_older_generation_is_read_again(app, factories):
    """A ranking patched by another page of the search keeps the rows it re-read; when the catalog moved
    on since (a write the search does not see), the page's changed card is read afresh, not taken from
    that older read."""
    unrelated = factories.IntegrationFactory.published(name="Unrelated")
    edited = _patchable(app, _lanterns(factories))
    edited.description = "Glows a gentle light on quiet queues."
    db.session.flush()
    # The second page of the search patches the ranking first (it shows nothing: five matches).
    assert app.test_client().get(SEARCH + "&page=2").status_code == 200
    read_at, rows = catalog.cached_ranking(catalog.CatalogQuery(q="lantern"))[1].reread
    assert list(rows) == [edited.id]
    unrelated.description = "Moves the catalog on."
    db.session.flush()
    assert catalog.catalog_generation() != read_at
    with renders(app) as rendered:
        after = app.test_client().get(SEARCH)
    assert rendered == [] and b"Glows a gentle light" in after.get_data()
    assert after.get_data() == _fresh(app).get_data()


def _install(listing) -> None:
    """An install as the wizard makes it: only install_count (and so the counts) moves."""
    db.session.execute(
        text("UPDATE integrations SET install_count = install_count + 1 WHERE id = :id"), {"id": listing.id}
    )


@pytest.mark.parametrize("installed", ["elsewhere", "the edited card", "another shown card"])
def test_a_page_kept_before_an_install_and_an_edit_is_respliced_then_recounted(
    app, visitor, factories, installed
):
    """A kept page a process has not seen since an install (another process answered the requests after
    it) and then an edit of one of its cards: the card is swapped, and the page is answered once what it
    shows of the counts reads as it does -- not rendered again -- unless the install changed a card
    the edit did not (its count shows on the page)."""
    shown = _lanterns(factories)
    other = factories.IntegrationFactory.published(name="Other")
    visitor.get(SEARCH)
    visitor.get(SEARCH)
    _install({"elsewhere": other, "the edited card": shown[1], "another shown card": shown[3]}[installed])
    shown[1].description = "Glows a gentle light on quiet queues."
    db.session.flush()
    with renders(app) as rendered:
        after = visitor.get(SEARCH)
    if installed == "another shown card":
        assert "catalog/catalog_content.html" in rendered  # its count changed: rendered afresh
    else:
        assert rendered == []
    assert b"Glows a gentle light" in after.get_data()
    assert after.get_data() == _fresh(app).get_data()
    with renders(app) as rendered:
        again = visitor.get(SEARCH)  # kept at the counts now
    assert rendered == [] and again.get_data() == after.get_data()
