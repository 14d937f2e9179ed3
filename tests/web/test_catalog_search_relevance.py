"""Search and sort on fixed data, on both databases, through the pages and the JSON API alike:
exact name/handle matches first, the trust/installs/rating blend, confusable copies after their
originals, one typo tolerated, case-insensitive name sort (served by its index), plain-text
excerpts, and query counts that do not grow with a typo search's candidates."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.domain.namespaces import handle_skeleton
from app.extensions import db
from app.models.base import utcnow
from app.services import catalog
from app.services.catalog import ranking, search
from app.services.catalog.query import C
from app.web import page_cache


def _handle(factories, handle: str):
    """A workspace holding publisher handle `handle`; "s1ack", a look-alike of "slack" claimed before
    the rule, keeps no skeleton (as migration 0008 left such handles)."""
    workspace = factories.WorkspaceFactory()
    db.session.execute(
        text(
            "INSERT INTO publisher_namespaces (handle, workspace_id, skeleton, claimed_at) VALUES (:h, :w, :s, :t)"
        ),
        {
            "h": handle,
            "w": workspace.id,
            "s": None if handle == "s1ack" else handle_skeleton(handle),
            "t": utcnow(),
        },
    )
    return workspace, handle


def _listing(factories, handle_of, name, **kwargs):
    workspace, handle = handle_of
    return factories.IntegrationFactory.published(workspace=workspace, publisher=handle, name=name, **kwargs)


def _api_names(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/integrations?{query}&limit=100")
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["data"]]


def _page_names(client, query: str) -> list[str]:
    html = client.get(f"/integrations?{query}").get_data(as_text=True)
    return re.findall(r'class="card-link">([^<]+)</a>', html)


def _both(client, query: str) -> list[str]:
    page_cache.clear()
    api = _api_names(client, query)
    assert _page_names(client, query) == api[:24]
    return api


def test_an_exact_name_or_handle_match_comes_first(client, factories):
    other = _handle(factories, "bigco")
    slack = _handle(factories, "slack")
    _listing(
        factories,
        other,
        "Slack notifier for slack channels",
        description="Posts to Slack. Slack slack slack.",
        trust_tier="first_party",
        install_count=50_000,
        rating_count=200,
        rating_total=1000,
    )
    _listing(factories, slack, "Slack", description="Team chat.")
    _listing(factories, slack, "Huddles", slug="huddles", description="Calls.")
    names = _both(client, "q=slack")
    assert names[0] == "Slack"
    assert names.index("Huddles") < names.index("Slack notifier for slack channels")  # slack/... by handle
    assert _both(client, "q=SLACK")[0] == "Slack"


def test_trust_installs_and_rating_blend_with_damped_ratings(client, factories):
    pub = _handle(factories, "ledgers")
    # Names that match the word alike: only trust, installs and rating tell them apart.
    _listing(factories, pub, "Ledger one", slug="a", trust_tier="community")
    _listing(factories, pub, "Ledger two", slug="b", trust_tier="first_party")
    _listing(factories, pub, "Ledger six", slug="c", trust_tier="community", install_count=5_000)
    _listing(factories, pub, "Ledger ten", slug="d", trust_tier="community", rating_count=1, rating_total=5)
    _listing(
        factories, pub, "Ledger red", slug="e", trust_tier="community", rating_count=60, rating_total=300
    )
    _listing(factories, pub, "Ledger low", slug="f", trust_tier="community", rating_count=60, rating_total=60)
    names = _both(client, "q=ledger")
    assert names == ["Ledger two", "Ledger six", "Ledger red", "Ledger ten", "Ledger one", "Ledger low"]


def test_a_confusable_copy_never_outranks_its_original(client, factories):
    original_handle = _handle(factories, "slack")
    copy_handle = _handle(factories, "s1ack")
    original = _listing(factories, original_handle, "Slack", slug="slack", trust_tier="verified_publisher")
    original.created_at = utcnow() - timedelta(days=30)
    # The copy: the same name, a look-alike handle, and every signal that would otherwise put it first.
    _listing(
        factories,
        copy_handle,
        "Slack",
        slug="slack",
        description="Slack slack slack slack.",
        trust_tier="community",
        install_count=90_000,
        rating_count=500,
        rating_total=2500,
    )
    homoglyph = _listing(factories, copy_handle, "SIack", slug="siack", install_count=90_000)
    db.session.flush()
    api = client.get("/api/v1/integrations?q=slack&limit=10").get_json()["data"]
    assert [(i["name"], i["publisher"]) for i in api][:2] == [("Slack", "slack"), ("Slack", "s1ack")]
    assert homoglyph.id in [i["id"] for i in api]  # found by the typo rule, after the original
    assert [i["publisher"] for i in api].index("slack") == 0
    assert _page_names(client, "q=slack")[:2] == ["Slack", "Slack"]


@pytest.mark.parametrize(
    ("typed", "found"),
    [("slak", "Slack"), ("zendsk", "Zendesk"), ("Zendeks", "Zendesk"), ("globex shets", "Globex Sheets")],
)
def test_one_typo_is_tolerated(client, factories, typed, found):
    pub = _handle(factories, "vendors")
    for name in ("Slack", "Zendesk", "Globex Sheets", "Slick", "Stack"):
        _listing(factories, pub, name, slug=name.lower().replace(" ", "-"), description="Useful.")
    names = _both(client, f"q={typed}")
    assert names[0] == found
    assert "Slick" not in names  # two edits from "slak"


def test_two_typos_or_a_short_word_find_nothing(client, factories):
    pub = _handle(factories, "vendors")
    _listing(factories, pub, "Zendesk", slug="zendesk")
    assert _both(client, "q=zndsk") == []
    assert _both(client, "q=zex") == []


def test_a_typo_search_finds_nothing_a_visitor_may_not_see(client, factories):
    pub = _handle(factories, "vendors")
    _listing(factories, pub, "Zendesk", slug="zendesk", visibility="private")
    _listing(factories, pub, "Zendesk hidden", slug="zendesk-hidden", visibility="unlisted")
    draft = factories.IntegrationFactory(workspace=pub[0], publisher="vendors", name="Zendesk draft")
    assert draft.current_version is None
    assert _both(client, "q=zendsk") == []


def test_the_typo_index_follows_renames_and_deletes(client, factories):
    pub = _handle(factories, "vendors")
    listing = _listing(factories, pub, "Zendesk", slug="zendesk")
    assert _both(client, "q=zendsk") == ["Zendesk"]
    listing.name = "Freshdesk"
    listing.slug = "freshdesk"
    db.session.flush()
    assert _both(client, "q=zendsk") == []
    assert _both(client, "q=freshdsk") == ["Freshdesk"]
    db.session.execute(text("DELETE FROM integrations WHERE id = :id"), {"id": listing.id})
    assert _both(client, "q=freshdsk") == []


def test_name_sort_ignores_case_in_pages_and_api(client, factories):
    pub = _handle(factories, "globex")
    for name in ("Globex SMS", "Globex Sheets", "globex alpha", "Globex Zeta", "GLOBEX beta"):
        _listing(factories, pub, name, slug=name.lower().replace(" ", "-"))
    expected = ["globex alpha", "GLOBEX beta", "Globex Sheets", "Globex SMS", "Globex Zeta"]
    assert _both(client, "q=globex&sort=name") == expected
    assert _both(client, "publisher=globex&sort=name") == expected
    # Cursor pages of the API follow the same order.
    names, cursor = [], None
    while True:
        url = "/api/v1/integrations?publisher=globex&sort=name&limit=2" + (
            f"&cursor={cursor}" if cursor else ""
        )
        body = client.get(url).get_json()
        names += [item["name"] for item in body["data"]]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert names == expected


def _plan(sql: str) -> str:
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return " ".join(str(row) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_sort = off"))
    return " ".join(row[0] for row in db.session.execute(text(f"EXPLAIN {sql}")))


def test_an_index_serves_the_name_sort(app):
    plan = _plan("SELECT id FROM integrations ORDER BY lower(name), id LIMIT 25")
    assert "ix_integrations_sort_name_ci" in plan


def test_card_excerpts_are_plain_text(client, factories):
    pub = _handle(factories, "docs")
    _listing(
        factories,
        pub,
        "Markdown heavy",
        description="# Heading\n\n**Bold** words, _emphasis_ and [a link](https://example.com/x) "
        "with `code`.\n\n- one\n- two",
    )
    page_cache.clear()
    html = client.get("/integrations?q=markdown").get_data(as_text=True)
    excerpt = re.search(r'<p class="integration-description">([^<]*)</p>', html).group(1)
    assert excerpt == "Heading Bold words, emphasis and a link with code. one two"


def test_typo_search_queries_do_not_grow_with_candidates(client, factories, query_counter):
    pub = _handle(factories, "vendors")
    _listing(factories, pub, "Zendesk", slug="zendesk")

    def count() -> int:
        page_cache.clear()
        catalog.clear_caches()
        with query_counter as counter:
            assert client.get("/integrations?q=zendsk").status_code == 200
        return counter.count

    few = count()
    for n in range(ranking.FEW_MATCHES + 3):
        _listing(factories, pub, f"Zendesk {n}", slug=f"zendesk-{n}")
    assert count() == few


@pytest.mark.parametrize("sort", ["name", "updated", "installs"])
def test_every_sort_lists_what_a_typo_finds_and_counts_it(client, factories, sort):
    pub = _handle(factories, "vendors")
    for name in ("Zendesk", "Zendesk Chat", "Slack"):
        _listing(factories, pub, name, slug=name.lower().replace(" ", "-"))
    assert sorted(_both(client, f"q=zendsk&sort={sort}")) == ["Zendesk", "Zendesk Chat"]
    html = client.get(f"/integrations?q=zendsk&sort={sort}").get_data(as_text=True)
    assert re.search(r"2 integrations\s+matching", html)


def test_private_matches_change_nothing_anyone_else_finds(client, factories):
    """Someone's private listings matching the word as typed neither stop the typo search for
    everyone else nor move the order they see."""
    pub = _handle(factories, "vendors")
    _listing(factories, pub, "Slack", slug="slack")
    _listing(factories, pub, "Slak helper", slug="slak-helper", description="Slak slak.")
    expected = _both(client, "q=slak")
    assert expected == ["Slak helper", "Slack"]
    secret = _handle(factories, "secretive")
    for n in range(ranking.FEW_MATCHES + 1):
        _listing(
            factories, secret, f"Slak {n}", slug=f"slak-{n}", visibility="private", description="Slak " * 9
        )
    assert _both(client, "q=slak") == expected


def test_the_trigram_index_serves_typo_candidates(app):
    dialect = db.session.get_bind().dialect.name
    stmt = search.typo_candidates(select(C.id), ("zendsk",), dialect)
    compiled = stmt.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = _plan(str(compiled))
    assert ("integrations_trgm" if dialect == "sqlite" else "ix_integrations_trgm") in plan


def test_a_search_too_broad_to_rank_still_puts_exact_matches_first(client, factories, monkeypatch):
    monkeypatch.setattr(ranking, "MATCH_CACHE_ROWS", 2)
    catalog.clear_caches()
    pub = _handle(factories, "vendors")
    for n in range(4):
        _listing(factories, pub, f"Sync tool {n}", slug=f"sync-{n}", description="Sync sync sync sync.")
    _listing(factories, pub, "Sync", slug="plain", description="Nothing else.")
    assert catalog.CatalogQuery(q="sync").is_search
    assert ranking.ranking(catalog.CatalogQuery(q="sync"), generation=catalog.catalog_generation()) is None
    names = _both(client, "q=sync")
    assert names[0] == "Sync" and len(names) == 5
    # The API's cursor walks the same order.
    walked, cursor = [], None
    while True:
        url = "/api/v1/integrations?q=sync&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        walked += [item["name"] for item in body["data"]]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert walked == names
