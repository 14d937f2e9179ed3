"""A kept ranking that a listing write touches is patched (ranking._patched), not computed again: the
patched ranking equals a fresh full computation (`_rank`) for writes of every kind, costs one
statement, is a new object (so pages cut from the old one are rendered again), and gives way to a
full computation wherever a patch could not be exact (typos, the yardstick, too many changes, the cap).

On PostgreSQL (ts_rank scores each document alone) the patched ranking must equal the fresh one
exactly, scores included. On SQLite bm25's scores move with the corpus's statistics, so a match the
patch does not re-read keeps a score computed at slightly older ones (the module docstring): there
the ids' order, tiers, visibility and counts are compared, on data whose order is clear-cut -- the
fresh ranking's neighbours are CLEAR_CUT apart or more (asserted), except a demoted copy, which the
copy rule places just after its original whatever the scores."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.domain.visibility import ANONYMOUS, Viewer
from app.extensions import db
from app.models import Category, Integration
from app.models.base import utcnow
from app.services import catalog, integrations, staff
from app.services.catalog import facets, generation, ranking
from app.services.catalog.generation import MATCH_CACHE, process_cache
from tests import factories as f
from tests.install_support import admin

QUERY = catalog.CatalogQuery(q="lantern")
CEDAR_COPY = "Lantern Ced\u0430r"  # a Cyrillic a: it looks like "Lantern Cedar"
SEARCH = "/integrations?q=lantern"
CLEAR_CUT = 0.01

# name -> (trust tier, installs, ratings, total stars). Every name but the yardstick's is "Lantern" and
# one more word, and only the yardstick has the word in its slug too: the yardstick has the best text
# score, the others one and the same, so trust, installs and rating set them well apart.
LISTINGS = {
    "Lantern Beacon": ("first_party", 10_000, 100, 500),  # the yardstick (slug lantern-beacon)
    "Lantern Alpha": ("first_party", 1000, 0, 0),
    "Lantern Bravo": ("vendor_official", 1000, 0, 0),
    "Lantern Kestrel": ("community", 10_000, 100, 500),  # outranks Cedar, though less trusted
    "Lantern Cedar": ("verified_partner", 100, 0, 0),
    "Lantern Delta": ("verified_publisher", 30, 0, 0),
    "Lantern Ember": ("community", 30, 0, 0),
    "Lantern Fjord": ("community", 0, 0, 0),
}


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@pytest.fixture
def owner(app):
    """The admin of the workspace publishing the listings (and its workspace)."""
    return admin()


@pytest.fixture
def shown(owner):
    """The listings by their name's second word, one more private to another workspace, and one that
    does not match ("harbour")."""
    _, workspace = owner
    rows = {}
    for name, (tier, installs, count, total) in LISTINGS.items():
        word = name.split()[1].lower()
        rows[word] = f.IntegrationFactory.published(
            workspace=workspace,
            name=name,
            slug="lantern-beacon" if word == "beacon" else f"{word}-tool",
            trust_tier=tier,
            install_count=installs,
            rating_count=count,
            rating_total=total,
        )
    _, elsewhere = admin()
    rows["grove"] = f.IntegrationFactory.published(
        workspace=elsewhere,
        name="Lantern Grove",
        slug="grove-tool",
        visibility="private",
        install_count=2000,
    )
    rows["harbour"] = f.IntegrationFactory.published(
        workspace=workspace, name="Harbour Zenith", rating_count=10, rating_total=10
    )
    db.session.flush()
    return rows


@pytest.fixture
def computed(monkeypatch) -> list:
    """The queries ranked in full (`ranking._rank`) from here on."""
    queries = []
    rank = ranking._rank
    monkeypatch.setattr(ranking, "_rank", lambda query: queries.append(query) or rank(query))
    return queries


def _edit(row: Integration, **changes) -> None:
    for name, value in changes.items():
        setattr(row, name, value)
    db.session.flush()


def _new_listing(rows) -> None:
    f.IntegrationFactory.published(
        workspace=rows["alpha"].workspace,
        name="Lantern Zenith",
        slug="zenith-tool",
        rating_count=10,
        rating_total=10,  # one star each: at the very end
    )


def _take_down(row: Integration) -> None:
    staff.take_down(f.UserFactory(is_staff=True), row, "Reported as malware.")
    db.session.flush()


# Each write, with what the patch must get right.
CHANGES = {
    "description edited, still matches": lambda rows: _edit(rows["bravo"], description="Now brighter."),
    "renamed so it no longer matches": lambda rows: _edit(rows["cedar"], name="Harbour Cedar"),
    "a new listing matches": _new_listing,
    "renamed so it matches": lambda rows: _edit(rows["harbour"], name="Lantern Zenith"),
    "made private": lambda rows: _edit(rows["delta"], visibility="private"),
    "made unlisted": lambda rows: _edit(rows["ember"], visibility="unlisted"),
    "a private one made public": lambda rows: _edit(rows["grove"], visibility="public"),
    "taken down": lambda rows: _take_down(rows["fjord"]),
    "deleted": lambda rows: _edit(rows["alpha"], deleted_at=utcnow()),
    "tier changed": lambda rows: _edit(rows["ember"], trust_tier="first_party"),
    "installs and rating of a shown one": lambda rows: _edit(
        rows["delta"], install_count=0, rating_count=10, rating_total=10
    ),
    "renamed into a copy of another match": lambda rows: _edit(rows["kestrel"], name=CEDAR_COPY),
    "two changed at once": lambda rows: (
        _edit(rows["bravo"], description="Now brighter."),
        _edit(rows["fjord"], visibility="private"),
    ),
}

# Each starts from Kestrel named as Cedar's look-alike copy (placed just after Cedar).
COPY_CHANGES = {
    "the copy renamed so it is no copy": lambda rows: _edit(rows["kestrel"], name="Lantern Kestrel"),
    "the original renamed (the copy is unchanged)": lambda rows: _edit(rows["cedar"], name="Lantern Cobalt"),
    "the original made private": lambda rows: _edit(rows["cedar"], visibility="private"),
    "the original gone": lambda rows: _edit(rows["cedar"], deleted_at=utcnow()),
    "a more trusted original appears": lambda rows: f.IntegrationFactory.published(
        workspace=rows["alpha"].workspace, name="Lantern Cedar", slug="cedar-two", trust_tier="first_party"
    ),
}


def _kept() -> ranking.Ranking:
    return ranking.ranking(QUERY, generation=catalog.catalog_generation())


def _patched_by(change, rows, query_counter) -> tuple[ranking.Ranking, ranking.Ranking, int]:
    """(the kept ranking, the one after `change`, how many statements getting the latter took)."""
    before = _kept()
    at = catalog.catalog_generation()
    change(rows)
    now = catalog.catalog_generation()
    assert now != at
    assert generation.listings_changed(at, now)  # the change log read here, not counted below
    with query_counter as counter:
        after = ranking.ranking(QUERY, generation=now)
    assert after is not before  # a new object: pages cut from the old one are rendered again
    assert after is ranking.ranking(QUERY, generation=now)  # and it is the one kept
    return before, after, counter.count


def _assert_same(patched: ranking.Ranking, fresh: ranking.Ranking) -> None:
    def described(found):
        return [
            (m.id, m.workspace_id, m.visibility, m.trust_tier, m.primary_category_id, m.secondary_category_id)
            for m in found
        ]

    assert described(patched.matches) == described(fresh.matches)
    assert [m.id for m in patched.public] == [m.id for m in fresh.public]
    assert patched.public_counts == fresh.public_counts
    assert patched.by_id.keys() == fresh.by_id.keys()
    assert (patched.typo_searched, patched.typo_ids) == (fresh.typo_searched, fresh.typo_ids)
    for viewer in (ANONYMOUS, _member_of(fresh.matches)):
        assert described(patched.for_viewer(viewer)[0]) == described(fresh.for_viewer(viewer)[0])
        assert patched.for_viewer(viewer)[1] == fresh.for_viewer(viewer)[1]
    mine, theirs = patched.patching, fresh.patching
    assert mine.yardstick == theirs.yardstick
    assert mine.looks == theirs.looks
    assert _groups(mine.names) == _groups(theirs.names)
    assert _groups(mine.addresses) == _groups(theirs.addresses)
    assert mine.demoted.keys() == theirs.demoted.keys()  # the same copies demoted
    if _dialect() == "postgresql":
        assert patched.matches == fresh.matches  # ts_rank: scores and all, exactly
        assert (mine.best, mine.demoted) == (theirs.best, theirs.demoted)
        return
    # SQLite: the order is clear-cut (neighbours far apart, or a copy just after its original) ...
    for better, worse in zip(fresh.matches, fresh.matches[1:], strict=False):
        assert worse.score - better.score >= CLEAR_CUT or worse.id in theirs.demoted
    # ... and scores the patch did not re-read drift by far less than that.
    for mine_match, fresh_match in zip(patched.matches, fresh.matches, strict=True):
        assert abs(mine_match.score - fresh_match.score) < CLEAR_CUT / 2


def _member_of(matches) -> Viewer:
    return Viewer(user_id="-", member_of=frozenset(m.workspace_id for m in matches))


def _groups(index: dict) -> dict:
    return {key: set(ranking._members(index, key)) for key in index}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_patched_ranking_equals_a_full_computation(app, shown, query_counter, computed, change):
    with app.test_request_context():
        _kept()
        computed.clear()
        _, after, statements = _patched_by(change, shown, query_counter)
        assert statements == 1  # the changed listings' rows, read once
        assert computed == []  # nothing ranked in full
        assert after.patching.patches == 1
        _assert_same(after, ranking._rank(QUERY))


@pytest.mark.parametrize("change", COPY_CHANGES.values(), ids=COPY_CHANGES.keys())
def test_a_patched_ranking_keeps_the_copy_rule(app, shown, query_counter, change):
    """Kestrel outranks Cedar on its own; named as Cedar's copy it is placed just after it. The copy
    rule is re-run on the changed listings' look-alikes, unchanged ones included."""
    _edit(shown["kestrel"], name=CEDAR_COPY)
    with app.test_request_context():
        kept = _kept()
        ids = [m.id for m in kept.matches]
        assert ids.index(shown["kestrel"].id) == ids.index(shown["cedar"].id) + 1
        assert kept.patching.demoted.keys() == {shown["kestrel"].id}
        _, after, statements = _patched_by(change, shown, query_counter)
        assert statements == 1
        assert after.patching.patches == 1
        fresh = ranking._rank(QUERY)
        _assert_same(after, fresh)
    if change is COPY_CHANGES["a more trusted original appears"]:
        assert fresh.patching.demoted.keys() == {shown["kestrel"].id, shown["cedar"].id}
    else:
        assert fresh.patching.demoted == {}


# One after the other, each touching the ranking as the previous patch left it.
IN_TURN = (
    "description edited, still matches",
    "a new listing matches",
    "renamed so it matches",  # a second "Lantern Zenith": a copy of the first, or its original
    "made private",
    "taken down",
    "tier changed",
    "deleted",
    "renamed into a copy of another match",
)


@pytest.mark.parametrize("threads", [1, 2])
def test_patches_follow_each_other_and_equal_a_full_computation(
    app, shown, query_counter, monkeypatch, threads
):
    """`threads`: how many the process runs. With one (a sync worker), each patch hands the ranking's lists
    on to the patched one (ranking._handed_on); with more, it copies them (another thread might be cutting
    a page from them)."""
    monkeypatch.setattr(ranking.threading, "active_count", lambda: threads)
    with app.test_request_context():
        for number, name in enumerate(IN_TURN, start=1):
            before, after, statements = _patched_by(CHANGES[name], shown, query_counter)
            assert (statements, after.patching.patches) == (1, number), name
            assert (after.matches is before.matches, after.public is before.public) == (threads == 1,) * 2
            _assert_same(after, ranking._rank(QUERY))


def test_a_ranking_is_patched_once_and_a_second_patch_of_it_is_computed_in_full(app, shown, query_counter):
    """A patch takes the kept ranking's look-alike index and changes it in place for the ranking it makes
    (ranking._take): a second patch of the same kept ranking (another thread's, at the same moment) gets
    nothing to patch, and the first patched ranking stays whole."""
    with app.test_request_context():
        before = _kept()
        at = catalog.catalog_generation()
        _edit(shown["bravo"], description="Now brighter.")
        now = catalog.catalog_generation()
        changed = generation.listings_changed(at, now)
        first = ranking._kept_or_patched(QUERY, before, changed)
        assert first is not None and first is not before and first.patching.patches == 1
        assert ranking._kept_or_patched(QUERY, before, changed) is None  # taken: computed in full instead
        _assert_same(first, ranking._rank(QUERY))
        # The first patched ranking patches on as before.
        at = now
        _edit(shown["cedar"], name="Harbour Cedar")
        now = catalog.catalog_generation()
        second = ranking._kept_or_patched(QUERY, first, generation.listings_changed(at, now))
        assert second is not None and second.patching.patches == 2
        _assert_same(second, ranking._rank(QUERY))


@pytest.mark.parametrize(
    ("change", "alike"),
    [
        ("description edited, still matches", True),
        ("installs and rating of a shown one", True),
        ("tier changed", False),
        ("made private", False),
        ("renamed so it no longer matches", False),
        ("a new listing matches", False),
    ],
)
def test_a_patch_that_changed_scores_alone_counts_as_the_ranking_before(
    app, shown, query_counter, change, alike
):
    """Ranking.counts_as: a splice compares a patched page's counts only when a patch changed more than
    scores (a match came or left, or its visibility, tier or categories changed)."""
    with app.test_request_context():
        before, after, _ = _patched_by(CHANGES[change], shown, query_counter)
        assert after.counts_as(before) is alike
        assert after.counts_as(after) and not before.counts_as(after)
        if alike:
            assert facets.tier_counts(ANONYMOUS, QUERY, generation=catalog.catalog_generation()) == dict(
                before.public_counts
            )


def test_a_write_that_leaves_a_ranking_alone_keeps_the_very_object(app, shown, query_counter):
    other = f.IntegrationFactory.published(workspace=shown["alpha"].workspace, name="Harbour Relay")
    with app.test_request_context():
        before = _kept()
        at = catalog.catalog_generation()
        _edit(other, description="Still no match.")
        now = catalog.catalog_generation()
        generation.listings_changed(at, now)
        with query_counter as counter:
            assert ranking.ranking(QUERY, generation=now) is before
        assert counter.count == 1


def test_category_counts_follow_a_patch_from_its_changes_alone(app, shown, monkeypatch):
    payments, shop = (
        db.session.scalar(select(Category.id).where(Category.slug == slug))
        for slug in ("payments-finance", "ecommerce")
    )
    _edit(shown["alpha"], primary_category_id=payments)
    _edit(shown["bravo"], primary_category_id=payments, secondary_category_id=shop)

    def counts() -> dict[str, int]:
        found = facets.category_counts(ANONYMOUS, QUERY, generation=catalog.catalog_generation())
        return {each.slug: each.count for each in found if each.slug in ("payments-finance", "ecommerce")}

    with app.test_request_context():
        assert counts() == {"payments-finance": 2, "ecommerce": 1}
        counted = []
        count = facets._count_ranked
        monkeypatch.setattr(
            facets,
            "_count_ranked",
            lambda matches, tiers: counted.append(len(matches)) or count(matches, tiers),
        )
        _edit(shown["bravo"], primary_category_id=shop, secondary_category_id=None)
        _edit(shown["alpha"], visibility="private")
        assert counts() == {"payments-finance": 0, "ecommerce": 1}
        assert _kept().patching.patches == 1
        assert counted and max(counted) <= 2  # the changed matches counted, not all of them
        process_cache(generation.FACET_CACHE).clear()
        counted.clear()
        assert counts() == {"payments-finance": 0, "ecommerce": 1}  # as counted in full
        assert counted == [len(_kept().public)]


# -- SQLite: a patch matches the terms as words where the index holds no longer word beginning with one --


def test_a_search_of_whole_words_is_patched_matching_them_as_words(app, shown, query_counter):
    """search.whole_words: the index holds "lantern" and no longer word beginning with it, so a patch
    matches the word (one statement, which reads the changed listings' words too). PostgreSQL's
    prefix match costs what a word's does: there a patch matches the prefix."""
    sqlite = _dialect() == "sqlite"
    with app.test_request_context():
        assert _kept().patching.whole_words is sqlite
        _, after, statements = _patched_by(CHANGES["description edited, still matches"], shown, query_counter)
        assert statements == 1
        assert after.patching.whole_words is sqlite
        _assert_same(after, ranking._rank(QUERY))


# A write giving a listing a longer word that begins with "lantern": listed (it matches now, by that word
# alone), or private to another workspace (it matched already; its new word counts in bm25's statistics).
LONGER_WORDS = {
    "a listed one": lambda rows: _edit(rows["harbour"], description="Keeps lanternfish."),
    "a private one": lambda rows: _edit(rows["grove"], description="Lanterns everywhere."),
}


@pytest.mark.parametrize("change", LONGER_WORDS.values(), ids=LONGER_WORDS.keys())
def test_a_longer_word_beginning_with_a_term_is_patched_by_the_prefix(app, shown, query_counter, change):
    """The patch's read of the changed listings' words finds one that might put a longer word beginning
    with "lantern" into the index: it reads them again matching the prefix (a second statement), and the
    patched ranking, which equals a full computation, matches the prefix from then on."""
    sqlite = _dialect() == "sqlite"
    with app.test_request_context():
        _kept()
        _, after, statements = _patched_by(change, shown, query_counter)
        assert statements == (2 if sqlite else 1)
        assert after.patching.whole_words is False
        if change is LONGER_WORDS["a listed one"]:
            assert shown["harbour"].id in after.by_id  # found by "lanternfish" alone
        fresh = ranking._rank(QUERY)
        _assert_same(after, fresh)
        assert fresh.patching.whole_words is False  # the index holds a longer word now
        _, later, statements = _patched_by(CHANGES["tier changed"], shown, query_counter)
        assert (statements, later.patching.whole_words) == (1, False)
        _assert_same(later, ranking._rank(QUERY))


# -- the fall-backs: computed in full -----------------------------------------------------------------


def _computed_in_full(app, rows, change, query_counter, computed) -> ranking.Ranking:
    with app.test_request_context():
        _kept()
        computed.clear()
        _, after, _ = _patched_by(change, rows, query_counter)
        assert computed == [QUERY]  # ranked again
        assert after.patching is None or after.patching.patches == 0
        _assert_same_order(after, ranking._rank(QUERY))
        return after


def _assert_same_order(found: ranking.Ranking, fresh: ranking.Ranking) -> None:
    assert [(m.id, m.visibility, m.trust_tier) for m in found.matches] == [
        (m.id, m.visibility, m.trust_tier) for m in fresh.matches
    ]
    assert found.typo_ids == fresh.typo_ids


def test_the_yardstick_changed_is_computed_in_full(app, shown, query_counter, computed):
    with app.test_request_context():
        assert _kept().patching.yardstick == shown["beacon"].id
    _computed_in_full(
        app, shown, lambda rows: _edit(rows["beacon"], description="Brighter."), query_counter, computed
    )


def test_a_changed_listing_beating_the_yardstick_is_computed_in_full(app, shown, query_counter, computed):
    def better(rows):
        _edit(rows["fjord"], name="Lantern Lantern Fjord", slug="lantern-fjord")

    after = _computed_in_full(app, shown, better, query_counter, computed)
    assert after.patching.yardstick == shown["fjord"].id


def test_a_search_that_looked_for_typos_is_computed_in_full(app, factories, query_counter, computed):
    _, workspace = admin()
    rows = {"one": factories.IntegrationFactory.published(workspace=workspace, name="Lantern One")}
    factories.IntegrationFactory.published(workspace=workspace, name="Lanter Two")  # one typo away
    with app.test_request_context():
        kept = _kept()
        assert kept.typo_searched and kept.patching is None and len(kept.typo_ids) == 1
    after = _computed_in_full(
        app, rows, lambda rows: _edit(rows["one"], description="Brighter."), query_counter, computed
    )
    assert after.typo_searched


def test_a_search_that_would_now_look_for_typos_is_computed_in_full(app, factories, query_counter, computed):
    _, workspace = admin()
    rows = [
        factories.IntegrationFactory.published(workspace=workspace, name=f"Lantern {n}")
        for n in range(ranking.FEW_MATCHES)
    ]
    factories.IntegrationFactory.published(workspace=workspace, name="Lanter Typo")
    with app.test_request_context():
        kept = _kept()
        assert not kept.typo_searched
        hidden = next(row for row in rows if row.id != kept.patching.yardstick)  # not the yardstick
    after = _computed_in_full(
        app, rows, lambda _: _edit(hidden, visibility="private"), query_counter, computed
    )
    assert after.typo_searched and len(after.typo_ids) == 1


def test_too_many_changed_matches_are_computed_in_full(app, shown, query_counter, computed, monkeypatch):
    monkeypatch.setattr(ranking, "PATCH_CHANGES", 1)
    _computed_in_full(app, shown, CHANGES["two changed at once"], query_counter, computed)


def test_a_ranking_patched_as_often_as_allowed_is_computed_in_full(
    app, shown, query_counter, computed, monkeypatch
):
    monkeypatch.setattr(ranking, "PATCH_LIMIT", 2)
    edits = iter(range(3))
    with app.test_request_context():
        for patches in (1, 2, 0):
            _, after, _ = _patched_by(
                lambda rows: _edit(rows["bravo"], description=f"Edit {next(edits)}."), shown, query_counter
            )
            assert after.patching.patches == patches
            _assert_same(after, ranking._rank(QUERY))


# -- through the web -----------------------------------------------------------------------------------


def _kept_ranking() -> ranking.Ranking | None:
    return process_cache(MATCH_CACHE).peek(QUERY.matching_key)[1]


def _warm(client) -> str:
    first = client.get(SEARCH)
    assert first.status_code == 200
    assert client.get(SEARCH).get_data() == first.get_data()  # kept
    return first.get_data(as_text=True)


def test_an_edit_of_a_shown_listing_shows_on_the_next_request(app, client, owner, shown):
    front = app.test_client()
    for each in (client, front):
        assert "Lantern Bravo" in _warm(each)
    _edit(shown["bravo"], description="Now with a brighter beam.")
    for each in (client, front):
        assert "Now with a brighter beam." in each.get(SEARCH).get_data(as_text=True)
    with app.test_request_context():
        assert _kept_ranking().patching.patches == 1  # patched, not computed again

    _warm(client)
    integrations.set_visibility(owner[0], shown["alpha"], "private")
    db.session.flush()
    page = client.get(SEARCH).get_data(as_text=True)
    assert "Lantern Alpha" not in page and "Lantern Bravo" in page
    with app.test_request_context():
        assert _kept_ranking().patching.patches == 2


def test_the_counts_of_a_patched_page_follow_installs(app, client, shown):
    """A page rendered from a patched ranking is kept against it: an install (which moves no listing
    generation) of a listing it shows is read again in one statement (counts.page_counts)."""
    _warm(client)
    _edit(shown["bravo"], description="Now with a brighter beam.")
    page = client.get(SEARCH).get_data(as_text=True)
    assert "Now with a brighter beam." in page and "1,000 installs" in page
    assert client.get(SEARCH).get_data(as_text=True) == page
    db.session.execute(
        text("UPDATE integrations SET install_count = 1234 WHERE id = :id"), {"id": shown["bravo"].id}
    )
    assert "1,234 installs" in client.get(SEARCH).get_data(as_text=True)
    with app.test_request_context():
        assert _kept_ranking().patching.patches == 1  # the install moved no ranking


def test_a_patched_ranking_keeps_its_order_on_the_page(app, client, shown):
    _warm(client)
    _edit(shown["ember"], trust_tier="first_party")
    page = client.get(SEARCH).get_data(as_text=True)
    with app.test_request_context():
        kept = _kept_ranking()
        assert kept.patching.patches == 1
        expected = [m.id for m in ranking._rank(QUERY).public]
    assert [m.id for m in kept.public] == expected
    names = {row.id: row.name for row in shown.values()}
    assert sorted((name for name in names.values() if name in page), key=page.index) == [
        names[i] for i in expected
    ]
