"""People's reviews of integrations (ratings in the code): who may write one, one per person (a
second submit edits), the publisher's one reply, flags, staff hiding, the average and distribution,
sort=rating, the reviews API and its paging, and that nothing of an unseen listing leaks."""

from __future__ import annotations

import pytest

from app.domain import ratings as rules
from app.extensions import db
from app.models import AuditEvent, Installation, Integration, Rating, RatingFlag
from app.services import catalog
from tests.install_support import add_version, admin, publish


def _url(integration, tail: str = "") -> str:
    return f"/integrations/{integration.publisher}/{integration.slug}{tail}"


def _listing():
    """A published listing and an owner of its publisher's workspace."""
    publisher, workspace = admin()
    return publish(workspace=workspace), publisher


def _installed_member(factories, integration, role: str = "member"):
    """A person in a workspace (not the publisher's) that has `integration` installed by its owner."""
    owner, workspace = admin()
    factories.InstallationFactory(workspace=workspace, integration=integration, installed_by=owner.id)
    person = owner if role == "owner" else factories.member(workspace=workspace, role=role).user
    return person, workspace


def _review(client, integration, stars="4", body="Works well for our team, no surprises."):
    return client.post_form(_url(integration, "/reviews"), {"rating-stars": stars, "rating-body": body})


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _fresh(integration) -> Integration:
    db.session.expire_all()
    return db.session.get(Integration, integration.id)


# --- who may review ------------------------------------------------------------------------------


def test_an_installed_member_reviews_and_the_review_names_their_version(client, auth, factories):
    integration, _ = _listing()
    person, workspace = _installed_member(factories, integration)
    auth.login(person)
    page = client.get(_url(integration)).get_data(as_text=True)
    assert "Write a review" in page and f"Your workspace {workspace.name} runs version 1.0.0" in page
    events = _count(AuditEvent)
    answer = _review(client, integration, "4", "Works **well** for our team <script>x()</script>.")
    assert answer.status_code == 302
    row = db.session.scalar(db.select(Rating).where(Rating.integration_id == integration.id))
    assert (row.stars, row.version, row.workspace_id) == (4, "1.0.0", workspace.id)
    assert (_fresh(integration).rating_count, _fresh(integration).rating_total) == (1, 4)
    assert _count(AuditEvent) == events + 1
    detail = client.get(_url(integration)).get_data(as_text=True)
    assert "<strong>well</strong>" in detail and "<script>x()" not in detail and "version 1.0.0" in detail
    assert "Edit your review" in detail


def test_a_review_never_shows_its_authors_email(client, auth, factories):
    """Without a display name the review reads "A member", and so does its heading for screen readers
    (it said the author's email address, in the public page's HTML)."""
    integration, _ = _listing()
    person, _ = _installed_member(factories, integration)
    person.display_name = None
    db.session.flush()
    auth.login(person)
    assert _review(client, integration).status_code == 302
    auth.logout()
    for url in (_url(integration), _url(integration, "/reviews")):
        page = client.get(url).get_data(as_text=True)
        assert "Review by A member" in page and "Works well for our team" in page, url
        assert person.email not in page, url


def test_people_without_an_installation_are_refused(client, auth, factories):
    integration, publisher = _listing()
    outsider, _ = admin()
    auth.login(outsider)
    assert "Write a review" not in client.get(_url(integration)).get_data(as_text=True)
    answer = _review(client, integration)
    assert answer.status_code == 422 and "installed this integration" in answer.get_data(as_text=True)
    assert "Works well for our team" in answer.get_data(as_text=True)  # what they typed is kept
    assert _count(Rating) == 0 and _fresh(integration).rating_count == 0
    auth.logout()
    assert client.post_form(_url(integration, "/reviews"), {"rating-stars": "5"}).status_code == 302  # log in


def test_the_publishers_own_workspace_and_its_members_may_not_review(client, auth, factories):
    integration, publisher = _listing()
    # Installed into the publisher's own workspace: not eligible.
    factories.InstallationFactory(
        workspace=integration.workspace, integration=integration, installed_by=publisher.id
    )
    auth.login(publisher)
    assert _review(client, integration).status_code == 422
    # The publisher's member installs it into a second workspace of theirs: still the publisher.
    _, second = admin(role="owner")
    factories.member(user=publisher, workspace=second, role="owner")
    factories.InstallationFactory(workspace=second, integration=integration, installed_by=publisher.id)
    db.session.commit()
    assert _review(client, integration).status_code == 422
    assert _count(Rating) == 0


def test_an_uninstalled_or_draft_listing_cannot_be_reviewed(client, auth, factories):
    integration, _ = _listing()
    person, workspace = _installed_member(factories, integration)
    installation = db.session.scalar(db.select(Installation))
    installation.status = "uninstalled"
    db.session.flush()
    auth.login(person)
    assert _review(client, integration).status_code == 422
    draft = factories.IntegrationFactory(workspace=person.memberships[0].workspace)
    assert client.post_form(_url(draft, "/reviews"), {"rating-stars": "5"}).status_code == 404


def test_bad_input_is_refused_beside_its_field_and_changes_nothing(client, auth, factories):
    integration, _ = _listing()
    person, _ = _installed_member(factories, integration)
    auth.login(person)
    for stars, body, message in (
        ("", "A long enough review text.", "Choose from 1 to 5 stars."),
        ("6", "A long enough review text.", "Choose from 1 to 5 stars."),
        ("x", "A long enough review text.", "Choose from 1 to 5 stars."),
        ("3", "short", "Write your review of 10 to 5,000 characters."),
        ("3", "x" * 5001, "Write your review of 10 to 5,000 characters."),
    ):
        answer = _review(client, integration, stars, body)
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), (stars, body)
    assert _count(Rating) == 0
    assert client.post(_url(integration, "/reviews"), data={"rating-stars": "4"}).status_code == 400  # CSRF


# --- one per person, edit --------------------------------------------------------------------------


def test_a_second_submit_edits_the_one_review_and_takes_the_current_version(client, auth, factories):
    integration, _ = _listing()
    person, workspace = _installed_member(factories, integration)
    auth.login(person)
    assert _review(client, integration, "2", "Not great at first, setup was confusing.").status_code == 302
    newer = add_version(integration, "1.1.0")
    installation = db.session.scalar(db.select(Installation).where(Installation.workspace_id == workspace.id))
    installation.version_id = newer.id
    db.session.flush()
    assert _review(client, integration, "5", "After 1.1.0 it is excellent.").status_code == 302
    rows = db.session.scalars(db.select(Rating)).all()
    assert len(rows) == 1 and (rows[0].stars, rows[0].version) == (5, "1.1.0")
    fresh = _fresh(integration)
    assert (fresh.rating_count, fresh.rating_total) == (1, 5)


# --- the publisher's reply --------------------------------------------------------------------------


def test_the_publisher_replies_once_and_may_edit_it(client, auth, factories):
    integration, publisher = _listing()
    person, _ = _installed_member(factories, integration)
    auth.login(person)
    _review(client, integration)
    rating = db.session.scalar(db.select(Rating))
    reply_url = _url(integration, f"/reviews/{rating.id}/reply")
    assert (
        client.post_form(reply_url, {f"reply-{rating.id}-reply": "Thanks!"}).status_code == 422
    )  # not theirs
    auth.logout()
    member_of_publisher = factories.member(workspace=integration.workspace, role="member").user
    auth.login(member_of_publisher)
    assert client.post_form(reply_url, {f"reply-{rating.id}-reply": "Thanks!"}).status_code == 422
    auth.logout()
    auth.login(publisher)
    assert (
        client.post_form(reply_url, {f"reply-{rating.id}-reply": "Thank you for the review."}).status_code
        == 302
    )
    assert (
        client.post_form(reply_url, {f"reply-{rating.id}-reply": "Thanks, fixed in 1.1."}).status_code == 302
    )
    db.session.expire_all()
    rating = db.session.get(Rating, rating.id)
    assert rating.reply_body == "Thanks, fixed in 1.1." and rating.reply_by == publisher.id
    page = client.get(_url(integration)).get_data(as_text=True)
    assert page.count("Reply from") == 1 and "Thanks, fixed in 1.1." in page and "Edit your reply" in page
    actions = [
        e.action for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.object_id == rating.id))
    ]
    assert actions.count("rating.replied") == 1 and actions.count("rating.reply_updated") == 1


# --- flags and staff hiding -------------------------------------------------------------------------


def test_anyone_signed_in_flags_once_with_a_reason(client, auth, factories):
    integration, _ = _listing()
    person, _ = _installed_member(factories, integration)
    auth.login(person)
    _review(client, integration)
    rating = db.session.scalar(db.select(Rating))
    flag_url = _url(integration, f"/reviews/{rating.id}/flag")
    field = f"flag-{rating.id}-reason"
    assert client.post_form(flag_url, {field: "My own review!"}).status_code == 422  # not one's own
    auth.logout()
    stranger, _ = admin()
    auth.login(stranger)
    assert client.post_form(flag_url, {field: "no"}).status_code == 422  # too short
    assert client.post_form(flag_url, {field: "Spam with a link to a shop."}).status_code == 302
    again = client.post_form(flag_url, {field: "Still spam, really."})
    assert again.status_code == 422 and "flagged this review already" in again.get_data(as_text=True)
    assert _count(RatingFlag) == 1 and db.session.get(Rating, rating.id).flag_count == 1
    assert "You flagged this review." in client.get(_url(integration)).get_data(as_text=True)
    auth.logout()
    assert client.post_form(flag_url, {field: "Anonymous flag attempt"}).status_code == 302  # to log in
    assert _count(RatingFlag) == 1


def test_staff_hide_with_a_reason_and_the_review_leaves_the_average(client, auth, factories):
    integration, _ = _listing()
    people = [_installed_member(factories, integration)[0] for _ in range(2)]
    for person, stars in zip(people, ("5", "1"), strict=True):
        auth.login(person)
        _review(client, integration, stars, f"Review with {stars} stars, honest.")
        auth.logout()
    assert (_fresh(integration).rating_count, _fresh(integration).rating_total) == (2, 6)
    bad = db.session.scalar(db.select(Rating).where(Rating.stars == 1))
    stranger, _ = admin()
    auth.login(stranger)
    client.post_form(
        _url(integration, f"/reviews/{bad.id}/flag"), {f"flag-{bad.id}-reason": "Abusive words here."}
    )
    assert client.get("/admin/ratings").status_code == 404  # staff only
    assert (
        client.post_form(f"/admin/ratings/{bad.id}/hide", {f"hide-{bad.id}-reason": "abuse"}).status_code
        == 404
    )
    auth.logout()
    staff = factories.UserFactory(is_staff=True)
    auth.login(staff)
    queue = client.get("/admin/ratings").get_data(as_text=True)
    assert (
        "Review with 1 stars" in queue
        and "Abusive words here." in queue
        and "Review with 5 stars" not in queue
    )
    assert client.post_form(f"/admin/ratings/{bad.id}/hide", {f"hide-{bad.id}-reason": ""}).status_code == 422
    assert (
        client.post_form(
            f"/admin/ratings/{bad.id}/hide", {f"hide-{bad.id}-reason": "Abuse of the reviewer rules"}
        ).status_code
        == 302
    )
    fresh = _fresh(integration)
    assert (fresh.rating_count, fresh.rating_total) == (1, 5)
    auth.logout()
    assert "Review with 1 stars" not in client.get(_url(integration)).get_data(as_text=True)
    api = client.get(f"/api/v1/integrations/{integration.id}/reviews").get_json()
    assert [r["stars"] for r in api["data"]] == [5] and api["rating"] == {"count": 1, "average": 5.0}
    auth.login(db.session.get(Rating, bad.id).author)
    assert "Staff hid your review:</strong> Abuse of the reviewer rules" in client.get(
        _url(integration)
    ).get_data(as_text=True)
    auth.logout()
    auth.login(staff)
    assert "Abuse of the reviewer rules" in client.get("/admin/ratings?state=hidden").get_data(as_text=True)
    assert client.post_form(f"/admin/ratings/{bad.id}/unhide").status_code == 302
    fresh = _fresh(integration)
    assert (fresh.rating_count, fresh.rating_total) == (2, 6)
    actions = [
        e.action for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.object_id == bad.id))
    ]
    assert "rating.hidden" in actions and "rating.unhidden" in actions
    hidden_event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "rating.hidden"))
    assert hidden_event.actor_id == staff.id and hidden_event.note == "Abuse of the reviewer rules"


# --- the average, the distribution, sort=rating -------------------------------------------------------


def test_the_average_distribution_and_ranking_score():
    assert rules.average(0, 0) is None and rules.average(3, 13) == 4.3
    bars = rules.distribution({5: 3, 4: 1, 1: 1})
    assert [(b.stars, b.count, b.percent) for b in bars] == [
        (5, 3, 60),
        (4, 1, 20),
        (3, 0, 0),
        (2, 0, 0),
        (1, 1, 20),
    ]
    assert rules.ranking_score(1, 5) < rules.ranking_score(10, 48)  # one 5-star does not top ten 4.8s
    assert rules.ranking_score(0, 0) == rules.PRIOR_MEAN
    assert rules.stars_label(12, 54) == "Rated 4.5 out of 5 by 12 people"


def test_the_detail_page_shows_the_distribution_in_words(client, auth, factories):
    integration, _ = _listing()
    for stars in ("5", "5", "3"):
        person, _ = _installed_member(factories, integration)
        auth.login(person)
        _review(client, integration, stars, "A review of reasonable length.")
        auth.logout()
    page = client.get(_url(integration)).get_data(as_text=True)
    assert "Rated 4.3 out of 5 by 3 people" in page
    assert "5 stars</span>" in page and '2<span class="visually-hidden"> reviews (67%)' in page
    assert '1<span class="visually-hidden"> review (33%)' in page


def _rated(name: str, ratings: list[int]) -> Integration:
    integration = publish(name=name)
    integration.rating_count, integration.rating_total = len(ratings), sum(ratings)
    db.session.flush()
    return integration


def test_sort_by_rating_is_a_bayesian_average_in_the_catalog_and_the_api(client):
    one_five = _rated("Ranked One Five", [5])
    many = _rated("Ranked Many", [5, 5, 5, 5, 5, 5, 5, 5, 4, 4])  # 4.8 from ten
    unrated = _rated("Ranked None", [])
    poor = _rated("Ranked Poor", [2, 1, 2])
    page = client.get("/integrations?sort=rating&q=ranked").get_data(as_text=True)
    order = [page.index(i.name) for i in (many, one_five, unrated, poor)]
    assert order == sorted(order)
    seen, cursor = [], None
    while True:
        answer = client.get(
            "/api/v1/integrations",
            query_string={"sort": "rating", "limit": 1, **({"cursor": cursor} if cursor else {})},
        )
        assert answer.status_code == 200
        body = answer.get_json()
        seen += [item["name"] for item in body["data"] if item["name"].startswith("Ranked")]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert seen == ["Ranked Many", "Ranked One Five", "Ranked None", "Ranked Poor"]
    assert "4.8 (10)" in page and "Rated 4.8 out of 5 by 10 people" in page  # the card


# --- the API --------------------------------------------------------------------------------------------


def test_the_reviews_api_pages_newest_first_with_cursors(client, auth, factories):
    integration, _ = _listing()
    for n in range(5):
        person, _ = _installed_member(factories, integration)
        auth.login(person)
        _review(client, integration, str(n % 5 + 1), f"Review number {n} of five.")
        auth.logout()
    api = f"/api/v1/integrations/{integration.id}/reviews"
    bodies, cursor = [], None
    for _ in range(4):
        answer = client.get(api, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200
        body = answer.get_json()
        bodies += [r["body"] for r in body["data"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert bodies == [f"Review number {n} of five." for n in reversed(range(5))]
    first = client.get(api, query_string={"limit": 2}).get_json()
    assert set(first["data"][0]) == {
        "id",
        "integrationId",
        "stars",
        "body",
        "version",
        "author",
        "createdAt",
        "updatedAt",
        "reply",
    }
    assert "@" not in str(first["data"])  # no email addresses
    other, _ = _listing()
    foreign = client.get(
        f"/api/v1/integrations/{other.id}/reviews", query_string={"cursor": first["nextCursor"]}
    )
    assert foreign.status_code == 400
    assert client.get(api, query_string={"cursor": "nonsense"}).status_code == 400
    assert client.get(api, query_string={"limit": 0}).status_code == 400


@pytest.mark.parametrize("state", ["private", "unlisted", "draft", "trashed"])
def test_reviews_of_an_unseen_listing_never_leak(client, auth, factories, state):
    integration, publisher = _listing()
    person, _ = _installed_member(factories, integration)
    auth.login(person)
    assert _review(client, integration, "5", "Secret words about it.").status_code == 302
    auth.logout()
    if state == "private":
        integration.visibility = "private"
    elif state == "unlisted":
        integration.visibility = "unlisted"
    elif state == "draft":
        integration.current_version = None
    else:
        from app.models.base import utcnow

        integration.deleted_at = utcnow()
    stranger, _ = admin()
    db.session.commit()  # (a request's error rollback would otherwise undo the change)
    catalog.clear_caches()
    for viewer in (None, stranger):
        if viewer:
            auth.login(viewer)
        api = client.get(f"/api/v1/integrations/{integration.id}/reviews")
        page = client.get(_url(integration, "/reviews"))
        listing = client.get("/integrations?sort=rating").get_data(as_text=True)
        if state == "unlisted":  # everyone with the URL sees it: its reviews too
            assert api.status_code == 200 and page.status_code == 200
        else:
            assert api.status_code == 404 and page.status_code == 404
            assert "Secret words" not in page.get_data(as_text=True)
        assert integration.name not in listing
        if viewer:
            auth.logout()


@pytest.mark.concurrency
def test_simultaneous_reviews_keep_the_count_and_total_exact():
    """Six eligible people publish at once (real threads, real commits): count 6, total the sum."""
    import threading

    from tests import factories as f
    from tests.conftest import Client
    from tests.databases import migrated_app

    workers = 6
    with migrated_app() as app:
        app.test_client_class = Client
        with app.app_context():
            integration, _ = _listing()
            people = []
            for _ in range(workers):
                owner, workspace = admin()
                f.InstallationFactory(workspace=workspace, integration=integration, installed_by=owner.id)
                people.append(owner.email)
            db.session.commit()
            url = _url(integration, "/reviews")
            integration_id = integration.id
        clients = []
        for email in people:
            client = app.test_client()
            assert client.post_form("/login", {"email": email, "password": "password123"}).status_code == 302
            clients.append(client)
        barrier = threading.Barrier(workers)
        statuses = []

        def write(client, stars):
            barrier.wait()
            answer = client.post_form(
                url, {"rating-stars": str(stars), "rating-body": "Written at the same time."}
            )
            statuses.append(answer.status_code)

        threads = [threading.Thread(target=write, args=(c, n % 5 + 1)) for n, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert statuses == [302] * workers
        with app.app_context():
            row = db.session.get(Integration, integration_id)
            assert (row.rating_count, row.rating_total) == (workers, sum(n % 5 + 1 for n in range(workers)))
