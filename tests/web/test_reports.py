"""Reports and takedowns (issue 8): a signed-in person reports a listing; staff triage it at
/admin/reports (actioned / dismissed, once, with a note) or take the listing down from it; a
listing taken down while public answers 410 with the notice (page and API), right after the
takedown even from a warm page cache; one re-review per takedown. Bad input changes nothing."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent, Integration, ListingReport, Takedown

from .publishing_helpers import make_publisher


def _detail(integration) -> str:
    return f"/integrations/{integration.publisher}/{integration.slug}"


def _report_url(integration) -> str:
    return _detail(integration) + "/report"


def trust_state() -> dict:
    """Everything a refused request must leave as it was: reports, takedowns, listings, audit log."""
    db.session.commit()
    db.session.expire_all()
    return {
        "reports": sorted(
            db.session.execute(
                db.select(ListingReport.id, ListingReport.status, ListingReport.staff_note)
            ).all()
        ),
        "takedowns": sorted(
            db.session.execute(
                db.select(Takedown.id, Takedown.lifted_at, Takedown.rereview_status, Takedown.rereview_note)
            ).all()
        ),
        "listings": sorted(
            db.session.execute(
                db.select(Integration.id, Integration.visibility, Integration.taken_down_at)
            ).all()
        ),
        "audit": db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)),
    }


@pytest.fixture
def listing(factories):
    p = make_publisher(factories)
    integration = factories.IntegrationFactory.published(workspace=p.workspace, name="Lantern Sync")
    integration.publisher_account = p
    db.session.commit()
    return integration


@pytest.fixture
def staff(factories):
    return factories.UserFactory(is_staff=True)


def _file(client, auth, user, integration, category="security", details="It uploads my files elsewhere."):
    auth.login(user)
    return client.post_form(_report_url(integration), {"category": category, "details": details})


# --- reporting --------------------------------------------------------------------------------------


def test_the_detail_page_offers_report_and_anonymous_visitors_are_sent_to_log_in(client, listing):
    page = client.get(_detail(listing))
    assert f'href="{_report_url(listing)}"' in page.text and "Report this listing" in page.text
    before = trust_state()
    form = client.get(_report_url(listing))
    assert form.status_code == 302 and "/login" in form.headers["Location"]
    posted = client.post_form(_report_url(listing), {"category": "spam", "details": "Spam spam spam spam"})
    assert posted.status_code == 302 and "/login" in posted.headers["Location"]
    api = client.post_form(
        _report_url(listing),
        {"category": "spam", "details": "Spam spam spam spam"},
        headers={"Accept": "application/json"},
    )
    assert api.status_code == 401
    assert trust_state() == before


def test_a_signed_in_person_files_a_report_once_with_one_audit_event(client, auth, factories, listing):
    someone = factories.UserFactory()
    db.session.commit()
    auth.login(someone)
    page = client.get(_report_url(listing))
    assert page.status_code == 200 and "Security or malware" in page.text and "Send the report" in page.text
    before = trust_state()
    response = client.post_form(
        _report_url(listing), {"category": "impersonation", "details": "Pretends to be the official app."}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(_detail(listing))
    report = db.session.scalar(db.select(ListingReport))
    assert (report.category, report.status, report.reporter_id) == ("impersonation", "open", someone.id)
    assert trust_state()["audit"] == before["audit"] + 1
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "report.filed"))
    assert event.object_id == report.id and event.workspace_id == listing.workspace_id
    # A second open report of the same listing by the same person is refused beside the details.
    again_before = trust_state()
    again = client.post_form(_report_url(listing), {"category": "spam", "details": "And it is spam too."})
    assert again.status_code == 422 and "You reported this listing already" in again.text
    assert trust_state() == again_before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"details": "Something is off here."}, "category", "Choose what is wrong."),
        ({"category": "nonsense", "details": "Something is off here."}, "category", "Choose what is wrong."),
        ({"category": "spam", "details": "short"}, "details", "Describe the problem in 10 to 5000"),
        ({"category": "spam", "details": "x" * 5001}, "details", "Describe the problem in 10 to 5000"),
        ({"category": "spam", "details": "          "}, "details", "Describe the problem in 10 to 5000"),
    ],
)
def test_bad_reports_are_refused_beside_the_field_and_keep_what_was_typed(
    client, auth, factories, listing, data, field, message
):
    auth.login(factories.UserFactory())
    before = trust_state()
    response = client.post_form(_report_url(listing), data)
    assert response.status_code == 422 and message in response.text
    assert 'aria-invalid="true"' in response.text or 'id="category-errors"' in response.text
    if data.get("details", "").strip() and len(data["details"]) < 100:
        assert data["details"] in response.text
    assert trust_state() == before


def test_a_listing_the_reporter_cannot_see_is_404_and_a_post_without_csrf_is_refused(
    client, auth, factories, listing
):
    private = factories.IntegrationFactory.published(visibility="private")
    draft = factories.IntegrationFactory()
    auth.login(factories.UserFactory())
    before = trust_state()
    for integration in (private, draft):
        assert client.get(_report_url(integration)).status_code == 404
        assert (
            client.post_form(_report_url(integration), {"category": "spam", "details": "x" * 20}).status_code
            == 404
        )
    assert client.get("/integrations/nobody/nothing/report").status_code == 404
    no_csrf = client.post(_report_url(listing), data={"category": "spam", "details": "x" * 20})
    assert no_csrf.status_code in (400, 422)
    assert trust_state() == before


# --- triage ------------------------------------------------------------------------------------------


def _open_report(factories, listing, category="security") -> ListingReport:
    report = ListingReport(
        integration_id=listing.id,
        reporter_id=factories.UserFactory().id,
        category=category,
        details="It uploads my files elsewhere.",
        status="open",
    )
    db.session.add(report)
    db.session.commit()
    return report


def test_reports_and_their_pages_are_404_for_everyone_but_staff(client, auth, factories, listing):
    report = _open_report(factories, listing)
    someone = factories.UserFactory()
    before = trust_state()
    for who in (None, someone, listing.publisher_account.user):
        if who is not None:
            auth.login(who)
        assert client.get("/admin/reports").status_code == 404
        assert client.get(f"/admin/reports/{report.id}").status_code == 404
        assert (
            client.post_form(
                f"/admin/reports/{report.id}/decision", {"decide-decision": "dismissed", "decide-note": "x"}
            ).status_code
            == 404
        )
        assert (
            client.post_form(
                f"/admin/reports/{report.id}/takedown", {"takedown-policy": "spam", "takedown-note": "x"}
            ).status_code
            == 404
        )
    assert trust_state() == before


def test_staff_triage_open_actioned_dismissed_each_once_with_a_note(client, auth, factories, staff, listing):
    first, second = _open_report(factories, listing), _open_report(factories, listing, "spam")
    auth.login(staff)
    queue = client.get("/admin/reports")
    assert queue.status_code == 200 and "Open (2)" in queue.text and "Lantern Sync" in queue.text
    page = client.get(f"/admin/reports/{first.id}")
    assert page.status_code == 200 and "It uploads my files elsewhere." in page.text

    before = trust_state()
    missing_note = client.post_form(
        f"/admin/reports/{first.id}/decision", {"decide-decision": "dismissed", "decide-note": ""}
    )
    assert missing_note.status_code == 422 and "Write a staff note." in missing_note.text
    no_decision = client.post_form(f"/admin/reports/{first.id}/decision", {"decide-note": "Looked at it"})
    assert no_decision.status_code == 422 and "Choose: actioned or dismissed." in no_decision.text
    assert "Looked at it" in no_decision.text  # what was typed stays
    assert trust_state() == before

    done = client.post_form(
        f"/admin/reports/{first.id}/decision",
        {"decide-decision": "dismissed", "decide-note": "Works as described"},
    )
    assert done.status_code == 302
    assert (
        client.post_form(
            f"/admin/reports/{second.id}/decision",
            {"decide-decision": "actioned", "decide-note": "Asked them to fix"},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert (first.status, first.staff_note, first.decided_by) == ("dismissed", "Works as described", staff.id)
    assert second.status == "actioned"
    assert trust_state()["audit"] == before["audit"] + 2
    assert "Works as described" in client.get("/admin/reports?status=dismissed").text
    assert "Asked them to fix" in client.get("/admin/reports?status=actioned").text
    assert "No open reports." in client.get("/admin/reports").text

    # A decision is made once: a second one (or a takedown from a decided report) changes nothing.
    decided = trust_state()
    again = client.post_form(
        f"/admin/reports/{first.id}/decision",
        {"decide-decision": "actioned", "decide-note": "Changed my mind"},
    )
    assert again.status_code == 422
    late = client.post_form(
        f"/admin/reports/{first.id}/takedown", {"takedown-policy": "spam", "takedown-note": "Too late"}
    )
    assert late.status_code == 422
    assert trust_state() == decided


def test_forged_report_and_takedown_ids_are_404(client, auth, staff):
    auth.login(staff)
    before = trust_state()
    for forged in ("00000000-0000-0000-0000-000000000000", "x" * 500, "%00"):
        assert client.get(f"/admin/reports/{forged}").status_code == 404
        assert (
            client.post_form(
                f"/admin/reports/{forged}/decision", {"decide-decision": "dismissed", "decide-note": "n"}
            ).status_code
            == 404
        )
        assert client.get(f"/admin/takedowns/{forged}").status_code == 404
        assert (
            client.post_form(
                f"/admin/takedowns/{forged}/re-review", {"outcome": "lifted", "note": "n"}
            ).status_code
            == 404
        )
    assert trust_state() == before


# --- takedown from a report: 410 with the notice --------------------------------------------------------


def test_a_takedown_from_a_report_answers_410_with_the_notice_right_after_even_from_a_warm_cache(
    client, auth, factories, staff, listing
):
    report = _open_report(factories, listing)
    url = _detail(listing)
    assert client.get(url).status_code == 200  # the anonymous page is cached now
    assert client.get(url).status_code == 200
    assert client.get(f"/api/v1/integrations/{listing.id}").status_code == 200

    auth.login(staff)
    page = client.get(f"/admin/reports/{report.id}")
    assert '<option selected value="security">' in page.text  # the report's category is proposed
    bad = client.post_form(
        f"/admin/reports/{report.id}/takedown", {"takedown-policy": "bogus", "takedown-note": "x"}
    )
    assert bad.status_code == 422 and "Choose a policy." in bad.text
    done = client.post_form(
        f"/admin/reports/{report.id}/takedown",
        {"takedown-policy": "security", "takedown-note": "Exfiltrates workspace data."},
    )
    assert done.status_code == 302
    db.session.expire_all()
    takedown = db.session.scalar(db.select(Takedown))
    assert (report.status, report.takedown_id) == ("actioned", takedown.id)
    assert takedown.public_notice and takedown.policy == "security"
    assert listing.visibility == "private" and listing.taken_down_at is not None
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"integration.taken_down", "report.actioned"} <= actions
    auth.logout()

    gone = client.get(url)
    assert gone.status_code == 410
    assert "Security and malware policy" in gone.text and "Exfiltrates workspace data." in gone.text
    assert "Lantern Sync was taken down" in gone.text
    assert "public" not in gone.headers.get("Cache-Control", "")
    api = client.get(f"/api/v1/integrations/{listing.id}")
    assert api.status_code == 410
    error = api.get_json()["error"]
    assert error["code"] == "gone" and error["details"][0]["policy"] == "security"
    assert error["details"][0]["note"] == "Exfiltrates workspace data."
    assert client.get(f"/api/v1/integrations/{listing.id}/versions").status_code == 410
    # Gone from every listing too.
    assert "Lantern Sync" not in client.get("/integrations").text
    assert listing.id not in client.get("/api/v1/integrations").text
    # Another member of the public signed in, and the publisher, see the notice as well.
    auth.login(factories.UserFactory())
    assert client.get(url).status_code == 410


def test_a_takedown_of_a_listing_that_was_never_public_stays_404_outside(client, auth, factories, staff):
    p = make_publisher(factories)
    private = factories.IntegrationFactory.published(
        workspace=p.workspace, visibility="private", name="Hidden"
    )
    db.session.commit()
    auth.login(staff)
    response = client.post_form(
        f"/admin/integrations/{private.id}/takedown", {"policy": "legal", "note": "Trademark complaint"}
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(Takedown.public_notice)) is False
    auth.logout()
    assert client.get(_detail(private)).status_code == 404
    assert client.get(f"/api/v1/integrations/{private.id}").status_code == 404
    auth.login(factories.UserFactory())
    assert client.get(_detail(private)).status_code == 404
    auth.login(p.user)  # its own members still see their private page, with the note on the dashboard
    assert client.get(_detail(private)).status_code == 200
    assert "Trademark complaint" in client.get(f"/dashboard/integrations/{private.id}").text


def test_lifting_a_takedown_ends_the_notice(client, auth, staff, listing):
    auth.login(staff)
    client.post_form(f"/admin/integrations/{listing.id}/takedown", {"policy": "spam", "note": "Spam"})
    assert client.get(_detail(listing)).status_code == 410
    assert (
        client.post_form(
            f"/admin/integrations/{listing.id}/takedown/lift", {"lift-note": "Resolved"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.scalar(db.select(Takedown.lifted_at)) is not None
    auth.logout()
    assert client.get(_detail(listing)).status_code == 404  # private now, until the publisher says otherwise


# --- one re-review per takedown ---------------------------------------------------------------------------


def _taken_down(client, auth, staff, listing):
    auth.login(staff)
    assert (
        client.post_form(
            f"/admin/integrations/{listing.id}/takedown",
            {"policy": "impersonation", "note": "Uses another brand."},
        ).status_code
        == 302
    )
    auth.logout()
    return db.session.scalar(db.select(Takedown))


def test_the_publisher_requests_one_re_review_and_staff_decide_it_once(client, auth, staff, listing):
    takedown = _taken_down(client, auth, staff, listing)
    publisher = listing.publisher_account.user
    auth.login(publisher)
    edit = client.get(f"/dashboard/integrations/{listing.id}")
    assert "Impersonation policy" in edit.text and "Uses another brand." in edit.text
    assert "Request a re-review" in edit.text
    page_url = f"/dashboard/integrations/{listing.id}/takedown"
    assert client.get(page_url).status_code == 200
    post_url = f"/dashboard/integrations/{listing.id}/takedown/re-review"
    before = trust_state()
    empty = client.post_form(post_url, {"message": "  "})
    assert empty.status_code == 422 and "Tell staff what changed" in empty.text
    assert trust_state() == before
    assert (
        client.post_form(post_url, {"message": "We own the brand: see our trademark filing."}).status_code
        == 302
    )
    assert trust_state()["audit"] == before["audit"] + 1
    db.session.expire_all()
    assert takedown.rereview_status == "pending"
    second_before = trust_state()
    second = client.post_form(post_url, {"message": "Please look again, again."})
    assert second.status_code == 422 and "already asked for a re-review" in second.text
    assert "Please look again, again." in second.text
    assert trust_state() == second_before
    assert "staff will answer here" in client.get(f"/dashboard/integrations/{listing.id}").text

    auth.login(staff)
    queue = client.get("/admin/reports")
    assert "Takedown re-reviews requested (1)" in queue.text and "We own the brand" in queue.text
    decide = f"/admin/takedowns/{takedown.id}/re-review"
    assert client.get(f"/admin/takedowns/{takedown.id}").status_code == 200
    no_outcome = client.post_form(decide, {"note": "Checked"})
    assert no_outcome.status_code == 422 and "Choose: uphold the takedown, or lift it." in no_outcome.text
    assert (
        client.post_form(decide, {"outcome": "lifted", "note": "The filing checks out."}).status_code == 302
    )
    db.session.expire_all()
    assert takedown.rereview_status == "lifted" and takedown.lifted_at is not None
    assert listing.taken_down_at is None
    decided = trust_state()
    assert client.post_form(decide, {"outcome": "upheld", "note": "Actually no"}).status_code == 422
    assert trust_state() == decided
    auth.login(publisher)
    assert "The filing checks out." in client.get(f"/dashboard/integrations/{listing.id}").text
    assert client.post_form(post_url, {"message": "Once more"}).status_code == 404  # nothing in force


def test_an_upheld_re_review_is_shown_and_the_takedown_stays(client, auth, staff, listing):
    takedown = _taken_down(client, auth, staff, listing)
    auth.login(listing.publisher_account.user)
    client.post_form(f"/dashboard/integrations/{listing.id}/takedown/re-review", {"message": "Please."})
    auth.login(staff)
    assert (
        client.post_form(
            f"/admin/takedowns/{takedown.id}/re-review", {"outcome": "upheld", "note": "The logo is theirs."}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert takedown.rereview_status == "upheld" and takedown.lifted_at is None
    auth.login(listing.publisher_account.user)
    assert "The logo is theirs." in client.get(f"/dashboard/integrations/{listing.id}").text


@pytest.mark.parametrize("who", ["member", "other_admin", "anonymous"])
def test_another_workspace_or_a_plain_member_cannot_request_the_re_review(
    client, auth, factories, staff, listing, who
):
    _taken_down(client, auth, staff, listing)
    if who == "member":
        auth.login(factories.member(workspace=listing.workspace, role="member").user)
    elif who == "other_admin":
        auth.login(make_publisher(factories).user)
    db.session.commit()
    before = trust_state()
    response = client.post_form(
        f"/dashboard/integrations/{listing.id}/takedown/re-review", {"message": "Let me"}
    )
    assert response.status_code in ((302,) if who == "anonymous" else (404,))
    if who != "anonymous":
        assert client.get(f"/dashboard/integrations/{listing.id}/takedown").status_code == 404
    assert trust_state() == before


def test_the_demo_has_an_open_report_and_a_public_takedown_with_its_notice(client, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.expire_all()
    report = db.session.scalar(db.select(ListingReport).where(ListingReport.status == "open"))
    assert report is not None and report.integration.slug == "cron-helper"
    takedown = db.session.scalar(db.select(Takedown))
    assert takedown.public_notice and takedown.integration.slug == "dice"
    gone = client.get("/integrations/tinkerers/dice")
    assert gone.status_code == 410 and "Security and malware policy" in gone.text
