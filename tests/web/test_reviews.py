"""Review before trust: what waits for staff, what the public sees meanwhile, staff decisions,
self-approval refused, the reject reason on the dashboard, one re-review per decision, bad input."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent, Integration, IntegrationVersion
from app.services import integrations as integration_service
from app.services import publishing, reviews

from .review_helpers import OAUTH, full_state, reviews_of, verified_listing


@pytest.fixture
def staff(factories):
    return factories.UserFactory(is_staff=True)


def publish_on_dashboard(client, integration, version="1.1.0"):
    return client.post_form(
        f"/dashboard/integrations/{integration.id}/publish", {"version": version, "changelog": "Update"}
    )


def api_versions(client, integration) -> list[str]:
    return [v["version"] for v in client.get(f"/api/v1/integrations/{integration.id}/versions").json["data"]]


TRIGGERS = {
    "scopes_grown": {**OAUTH, "scopes": ["read", "write"]},
    "auth_type_changed": {"type": "api_key", "authHeaderName": "Authorization", "authValuePrefix": "Bearer "},
    "host_moved": {**OAUTH, "authorizeUrl": "https://login.example.org/authorize"},
    "token_host_moved": {**OAUTH, "tokenUrl": "https://tokens.example.com/token"},
}


@pytest.mark.parametrize("trigger", sorted(TRIGGERS))
def test_a_version_that_widens_trust_waits_for_review(client, auth, factories, trigger):
    listing = verified_listing(factories)
    integration = listing.integration
    integration.auth_config = TRIGGERS[trigger]
    db.session.commit()
    auth.login(listing.publisher.user)
    audit_before = factories.audit_count()

    response = publish_on_dashboard(client, integration)

    assert response.status_code == 302
    db.session.expire_all()
    assert integration.current_version == "1.0.0"  # everyone else keeps the approved version
    [row] = reviews_of(integration)
    assert row.status == "pending" and row.kind == "version" and row.version.version == "1.1.0"
    assert row.triggers[0]["code"] == trigger.removeprefix("token_")
    assert row.version.review_state == "pending"
    assert factories.audit_count() == audit_before + 1
    assert db.session.scalar(db.select(AuditEvent.action).order_by(AuditEvent.created_at.desc())) == (
        "integration.published_for_review"
    )
    auth.logout()
    assert api_versions(client, integration) == ["1.0.0"]
    assert client.get(f"/api/v1/integrations/{integration.id}").json["currentVersion"] == "1.0.0"
    # The publisher's own dashboard says it waits and is current only for them.
    auth.login(listing.publisher.user)
    page = client.get(f"/dashboard/integrations/{integration.id}/versions").text
    assert "pending review" in page and "Current for your workspace only" in page


@pytest.mark.parametrize(
    "tier, auth_config",
    [
        ("community", {**OAUTH, "scopes": ["read", "write"]}),  # community listings never wait
        ("verified_partner", {**OAUTH, "scopes": []}),  # fewer scopes widen nothing
        ("vendor_official", {**OAUTH, "clientId": "client-2"}),  # same hosts, same scopes
    ],
)
def test_a_version_that_widens_nothing_goes_live_at_once(client, auth, factories, tier, auth_config):
    listing = verified_listing(factories, tier=tier)
    listing.integration.auth_config = auth_config
    db.session.commit()
    auth.login(listing.publisher.user)
    assert publish_on_dashboard(client, listing.integration).status_code == 302
    db.session.expire_all()
    assert listing.integration.current_version == "1.1.0"
    assert reviews_of(listing.integration) == []


def test_the_first_publish_of_a_verified_draft_goes_live(client, auth, factories):
    listing = verified_listing(factories)
    draft = factories.IntegrationFactory(
        workspace=listing.publisher.workspace, trust_tier="verified_partner", auth_config=OAUTH
    )
    db.session.commit()
    auth.login(listing.publisher.user)
    assert publish_on_dashboard(client, draft, "1.0.0").status_code == 302
    db.session.expire_all()
    assert draft.current_version == "1.0.0" and reviews_of(draft) == []


def test_a_newer_publish_replaces_the_one_still_waiting(factories):
    listing = verified_listing(factories)
    integration, user = listing.integration, listing.publisher.user
    integration.auth_config = {**OAUTH, "scopes": ["read", "write"]}
    first = publishing.publish(user, integration, "1.1.0", None)
    integration.auth_config = {**OAUTH, "scopes": ["read", "admin"]}
    second = publishing.publish(user, integration, "1.2.0", None)
    assert first.pending_review and second.pending_review
    statuses = [(r.version.version, r.status, r.version.review_state) for r in reviews_of(integration)]
    assert statuses == [("1.1.0", "superseded", "superseded"), ("1.2.0", "pending", "pending")]


def approve(client, review_id, note=""):
    return client.post_form(f"/admin/reviews/{review_id}/approve", {"approve-reason": note})


def reject(client, review_id, reason):
    return client.post_form(f"/admin/reviews/{review_id}/reject", {"reject-reason": reason})


def pending_version(factories, **kwargs):
    listing = verified_listing(factories, **kwargs)
    listing.integration.auth_config = {**OAUTH, "scopes": ["read", "write"]}
    result = publishing.publish(listing.publisher.user, listing.integration, "2.0.0", "More access")
    db.session.commit()
    return listing, result.review


def test_staff_approve_in_the_queue_and_it_is_current_for_everyone(client, auth, factories, staff):
    listing, review = pending_version(factories)
    auth.login(staff)
    queue = client.get("/admin/reviews")
    assert queue.status_code == 200 and listing.integration.name in queue.text
    page = client.get(f"/admin/reviews/{review.id}")
    assert page.status_code == 200
    assert "$.scopes[1]" in page.text and "write" in page.text  # the snapshot diff, by JSON path
    audit_before = factories.audit_count()

    assert approve(client, review.id, "Checked the provider").status_code == 302

    db.session.expire_all()
    assert listing.integration.current_version == "2.0.0"
    assert review.status == "approved" and review.decided_by == staff.id
    assert review.version.review_state == "approved"
    event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.created_at.desc()))
    assert event.action == "integration.review_approved" and event.actor_id == staff.id
    assert event.diff["current_version"] == {"before": "1.0.0", "after": "2.0.0"}
    assert factories.audit_count() == audit_before + 1
    auth.logout()
    assert api_versions(client, listing.integration) == ["2.0.0", "1.0.0"]


def test_staff_may_not_decide_their_own_workspace_submission(client, auth, factories, staff):
    listing, review = pending_version(factories)
    factories.member(user=staff, workspace=listing.publisher.workspace, role="member")
    db.session.commit()
    auth.login(staff)
    assert "your own workspace" in client.get(f"/admin/reviews/{review.id}").text
    before = full_state(listing.integration.id)
    assert approve(client, review.id).status_code == 403
    assert reject(client, review.id, "No").status_code == 403
    assert full_state(listing.integration.id) == before


def test_reject_needs_a_reason_the_publisher_then_sees(client, auth, factories, staff):
    listing, review = pending_version(factories)
    auth.login(staff)
    before = full_state(listing.integration.id)
    response = reject(client, review.id, "   ")
    assert response.status_code == 422 and "Give a reason" in response.text
    assert full_state(listing.integration.id) == before

    assert reject(client, review.id, "The write scope is not explained in the changelog.").status_code == 302
    db.session.expire_all()
    assert review.status == "rejected" and review.version.review_state == "rejected"
    assert listing.integration.current_version == "1.0.0"
    assert db.session.scalar(
        db.select(AuditEvent.note).where(AuditEvent.action == "integration.review_rejected")
    ) == ("The write scope is not explained in the changelog.")
    auth.logout()
    assert api_versions(client, listing.integration) == ["1.0.0"]
    auth.login(listing.publisher.user)
    for url in ("/dashboard", f"/dashboard/integrations/{listing.integration.id}/versions"):
        assert "The write scope is not explained in the changelog." in client.get(url).text


def test_one_rereview_per_rejection_decision(client, auth, factories, staff):
    listing, review = pending_version(factories)
    reviews.reject(staff, review.id, "Explain the write scope.")
    db.session.commit()
    auth.login(listing.publisher.user)
    url = f"/dashboard/integrations/{listing.integration.id}/reviews/{review.id}/rereview"
    response = client.post_form(url, {f"rereview-{review.id}-note": ""})
    assert response.status_code == 422 and "Tell the reviewer why." in response.text

    assert client.post_form(url, {f"rereview-{review.id}-note": "Documented it."}).status_code == 302
    rows = reviews_of(listing.integration)
    assert [(r.status, r.rereview_of) for r in rows] == [("rejected", None), ("pending", review.id)]
    assert rows[1].version.review_state == "pending" and rows[1].rereview_note == "Documented it."

    before = full_state(listing.integration.id)
    again = client.post_form(url, {f"rereview-{review.id}-note": "Please?"})
    assert again.status_code == 422 and "already requested" in again.text
    assert full_state(listing.integration.id) == before

    auth.logout()
    auth.login(staff)
    assert "re-review" in client.get("/admin/reviews").text
    detail = client.get(f"/admin/reviews/{rows[1].id}").text
    assert "Explain the write scope." in detail and "Documented it." in detail
    auth.logout()
    auth.login(listing.publisher.user)
    # The re-review's own rejection is a new decision: one more request is allowed for it.
    reviews.reject(staff, rows[1].id, "Still unclear.")
    db.session.commit()
    second = f"/dashboard/integrations/{listing.integration.id}/reviews/{rows[1].id}/rereview"
    assert client.post_form(second, {f"rereview-{rows[1].id}-note": "Rewrote the docs."}).status_code == 302


def test_a_rename_of_a_verified_listing_waits_and_the_old_name_shows(client, auth, factories, staff):
    listing = verified_listing(factories, name="Acme Sync")
    integration = listing.integration
    db.session.commit()
    integration_service.update_integration(listing.publisher.user, integration, {"name": "Acme Sync Pro"})
    db.session.commit()
    db.session.expire_all()
    assert integration.name == "Acme Sync"
    [row] = reviews_of(integration)
    assert (row.kind, row.proposed_name, row.triggers[0]["code"]) == ("rename", "Acme Sync Pro", "renamed")
    assert client.get(f"/api/v1/integrations/{integration.id}").json["name"] == "Acme Sync"
    assert "Acme Sync Pro" not in client.get(f"/integrations/{integration.publisher}/{integration.slug}").text
    auth.login(listing.publisher.user)
    edit = client.get(f"/dashboard/integrations/{integration.id}").text
    assert "waits for staff review" in edit and 'value="Acme Sync Pro"' in edit
    auth.logout()

    auth.login(staff)
    page = client.get(f"/admin/reviews/{row.id}")
    assert page.status_code == 200 and "Acme Sync Pro" in page.text and "Renamed from" in page.text
    assert approve(client, row.id).status_code == 302
    db.session.expire_all()
    assert integration.name == "Acme Sync Pro"
    approved = client.get("/admin/reviews?status=approved")
    assert approved.status_code == 200 and "Rename to “Acme Sync Pro”" in approved.text
    assert "Nothing waits for review." in client.get("/admin/reviews").text


def test_a_community_rename_is_immediate_and_setting_the_old_name_withdraws_a_pending_one(factories):
    community = verified_listing(factories, tier="community", name="Plain")
    integration_service.update_integration(
        community.publisher.user, community.integration, {"name": "Plainer"}
    )
    assert community.integration.name == "Plainer" and reviews_of(community.integration) == []

    listing = verified_listing(factories, name="Acme Sync")
    user, integration = listing.publisher.user, listing.integration
    integration_service.update_integration(user, integration, {"name": "Acme Sync Pro"})
    integration_service.update_integration(user, integration, {"name": "Acme Sync"})
    assert [r.status for r in reviews_of(integration)] == ["superseded"]
    assert integration.name == "Acme Sync"


# --- bad input -------------------------------------------------------------------------------------


def test_forged_unknown_and_decided_reviews_change_nothing(client, auth, factories, staff):
    listing, review = pending_version(factories)
    auth.login(staff)
    before = full_state(listing.integration.id)
    for url in ("/admin/reviews/nope", "/admin/reviews/" + "x" * 400, "/admin/reviews?status=everything"):
        assert client.get(url).status_code == 404, url
    assert approve(client, "00000000-0000-0000-0000-000000000000").status_code == 404
    assert reject(client, "nope", "Reason").status_code == 404
    assert full_state(listing.integration.id) == before

    assert approve(client, review.id).status_code == 302
    decided = full_state(listing.integration.id)
    for response in (approve(client, review.id), reject(client, review.id, "Changed my mind")):
        assert response.status_code == 422 and "already decided" in response.text
    assert full_state(listing.integration.id) == decided


def test_the_queue_and_decisions_are_404_to_everyone_but_staff(client, auth, factories):
    listing, review = pending_version(factories)
    before = full_state(listing.integration.id)
    for who in (None, listing.publisher.user):
        if who is not None:
            auth.login(who)
        for url in ("/admin/reviews", f"/admin/reviews/{review.id}"):
            assert client.get(url).status_code == 404
        assert approve(client, review.id).status_code == 404
        assert reject(client, review.id, "No").status_code == 404
    assert full_state(listing.integration.id) == before


def test_a_rereview_of_someone_elses_or_a_forged_review_is_404(client, auth, factories, staff):
    listing, review = pending_version(factories)
    reviews.reject(staff, review.id, "No.")
    other = verified_listing(factories)
    db.session.commit()
    before = full_state(listing.integration.id)
    auth.login(other.publisher.user)  # another workspace's admin
    url = f"/dashboard/integrations/{listing.integration.id}/reviews/{review.id}/rereview"
    assert client.post_form(url, {f"rereview-{review.id}-note": "x"}).status_code == 404
    # their own integration's URL with a review id of someone else's integration
    forged = f"/dashboard/integrations/{other.integration.id}/reviews/{review.id}/rereview"
    assert client.post_form(forged, {f"rereview-{review.id}-note": "x"}).status_code == 404
    auth.logout()
    auth.login(listing.publisher.user)
    missing = f"/dashboard/integrations/{listing.integration.id}/reviews/nope/rereview"
    assert client.post_form(missing, {"rereview-nope-note": "x"}).status_code == 404
    assert full_state(listing.integration.id) == before


def test_a_pending_review_cannot_be_rereviewed(client, auth, factories):
    listing, review = pending_version(factories)
    auth.login(listing.publisher.user)
    before = full_state(listing.integration.id)
    url = f"/dashboard/integrations/{listing.integration.id}/reviews/{review.id}/rereview"
    response = client.post_form(url, {f"rereview-{review.id}-note": "Hurry"})
    assert response.status_code == 422
    assert full_state(listing.integration.id) == before


def test_pending_versions_are_not_installable_nor_dependable(factories):
    listing, review = pending_version(factories)
    assert (
        db.session.scalar(
            db.select(Integration.current_version).where(Integration.id == listing.integration.id)
        )
        == "1.0.0"
    )
    live = db.session.scalars(
        db.select(IntegrationVersion.version).where(
            IntegrationVersion.integration_id == listing.integration.id,
            IntegrationVersion.review_state.is_(None),
        )
    ).all()
    assert live == ["1.0.0"]


def test_a_pending_version_is_current_for_its_own_workspace_only(factories):
    from app.domain.visibility import Viewer
    from app.services.snapshots import current_version_for

    listing, review = pending_version(factories)
    integration = listing.integration
    own = Viewer(member_of=frozenset({integration.workspace_id}))
    other = Viewer(member_of=frozenset({"another-workspace"}))
    assert (
        current_version_for(own, integration).version,
        current_version_for(other, integration).version,
    ) == (
        "2.0.0",
        "1.0.0",
    )
    reviews.reject(factories.UserFactory(is_staff=True), review.id, "No.")
    assert current_version_for(own, integration).version == "1.0.0"


def test_yanking_a_version_that_waits_takes_it_out_of_the_queue(client, auth, factories, staff):
    listing, review = pending_version(factories)
    auth.login(listing.publisher.user)
    response = client.post_form(
        f"/dashboard/integrations/{listing.integration.id}/versions/2.0.0/yank",
        {f"yank-{review.version_id}-reason": "Asked for too much."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert review.status == "superseded" and listing.integration.current_version == "1.0.0"
    assert reviews.queue(staff) == []


def test_the_listings_own_workspace_installs_the_version_that_waits(client, auth, factories):
    from app.services import wizard as wizards

    listing, review = pending_version(factories)
    user, integration = listing.publisher.user, listing.integration
    elsewhere = factories.member(user=user, role="owner").workspace
    db.session.commit()
    auth.login(user)
    page = client.get(f"/install/{integration.publisher}/{integration.slug}")
    assert page.status_code == 200 and "installs version <strong>2.0.0</strong>, which waits" in page.text

    own = wizards.start_install(user, integration, listing.publisher.workspace.id, True)
    assert own.version.version == "2.0.0"
    other = wizards.start_install(user, integration, elsewhere.id, True)
    assert other.version.version == "1.0.0"
    wizards.save_workspace_step(user, own, elsewhere.id, True)  # moving the wizard re-pins it
    assert own.version.version == "1.0.0" and own.version_id == other.version_id


def test_nobody_else_sees_the_note_or_installs_the_version_that_waits(client, auth, factories):
    from app.services import wizard as wizards

    listing, review = pending_version(factories)
    outsider = factories.member(role="owner")
    db.session.commit()
    auth.login(outsider.user)
    page = client.get(f"/install/{listing.integration.publisher}/{listing.integration.slug}")
    assert page.status_code == 200 and "waits for staff review" not in page.text
    wizard = wizards.start_install(outsider.user, listing.integration, outsider.workspace.id, True)
    assert wizard.version.version == "1.0.0"
