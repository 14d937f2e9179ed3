"""Facet counts come from a per-process cache: prove it is never stale and never someone else's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from app.domain.visibility import ANONYMOUS
from app.extensions import db
from app.services import catalog
from tests.catalog_helpers import make_cast, make_integration
from tests.databases import migrated_app


def _count(html: str, tier: str) -> int:
    return int(re.search(rf'data-tier-count="{tier}">([\d,]+)<', html).group(1).replace(",", ""))


def test_counts_follow_every_write(client, factories):
    first = factories.IntegrationFactory.published(trust_tier="verified_partner", name="Counted")
    assert _count(client.get("/integrations").get_data(as_text=True), "verified_partner") == 1
    factories.IntegrationFactory.published(trust_tier="verified_partner")
    assert _count(client.get("/integrations").get_data(as_text=True), "verified_partner") == 2
    first.visibility = "unlisted"
    db.session.flush()
    assert _count(client.get("/integrations").get_data(as_text=True), "verified_partner") == 1
    # A write that bypasses the ORM moves the generation too (the trigger does it).
    db.session.execute(text("UPDATE integrations SET visibility = 'public' WHERE id = :id"), {"id": first.id})
    assert _count(client.get("/integrations").get_data(as_text=True), "verified_partner") == 2
    assert _count(client.get("/integrations?q=counted").get_data(as_text=True), "verified_partner") == 1


def test_a_members_private_counts_never_reach_anyone_else(client, auth, factories):
    cast = make_cast()
    private = make_integration("private", cast.workspace, trust_tier="first_party")
    make_integration("public", cast.workspace, trust_tier="first_party")
    link = f"/integrations/{private.publisher}/{private.slug}"
    auth.login(cast.users["member"])
    html = client.get("/integrations").get_data(as_text=True)
    assert _count(html, "first_party") == 2 and link in html
    auth.logout()
    html = client.get("/integrations").get_data(as_text=True)
    assert _count(html, "first_party") == 1 and link not in html
    auth.login(cast.users["other_member"])
    assert _count(client.get("/integrations").get_data(as_text=True), "first_party") == 1
    auth.logout()
    auth.login(cast.users["member"])
    assert _count(client.get("/integrations").get_data(as_text=True), "first_party") == 2


def test_generation_moves_on_insert_update_and_delete(app, factories):
    before = catalog.catalog_generation()
    integration = factories.IntegrationFactory.published()
    after_insert = catalog.catalog_generation()
    integration.name = "Renamed"
    db.session.flush()
    after_update = catalog.catalog_generation()
    db.session.delete(integration)
    db.session.flush()
    after_delete = catalog.catalog_generation()
    assert len({before, after_insert, after_update, after_delete}) == 4


@pytest.mark.concurrency
def test_two_processes_never_serve_each_other_stale_counts():
    """Two app instances (two processes' caches) on one database: a write through one is seen by the other."""
    from tests import factories as f

    with migrated_app() as reader:
        from app import create_app
        from tests.databases import test_config

        writer = create_app(test_config(reader.config["SQLALCHEMY_DATABASE_URI"]))
        try:
            with reader.app_context():
                assert catalog.tier_counts(ANONYMOUS, catalog.CatalogQuery())["first_party"] == 0
                db.session.commit()
            with writer.app_context():
                f.IntegrationFactory.published(trust_tier="first_party")
                db.session.commit()
            with reader.app_context():
                assert catalog.tier_counts(ANONYMOUS, catalog.CatalogQuery())["first_party"] == 1
                db.session.commit()
        finally:
            with writer.app_context():
                db.session.remove()
                db.engine.dispose()
