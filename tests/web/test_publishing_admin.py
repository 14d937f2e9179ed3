"""Staff tools: 404 for everyone else; trust tier and takedown need a note; audit filters."""

import pytest

from app.extensions import db
from app.models import AuditEvent

from .publishing_helpers import make_publisher, state


@pytest.fixture
def staff(factories, auth):
    user = factories.UserFactory(is_staff=True)
    auth.login(user)
    return user


@pytest.mark.parametrize("who", ["anonymous", "publisher"])
def test_admin_is_404_for_everyone_but_staff(client, auth, factories, who):
    p = make_publisher(factories)
    integration = factories.IntegrationFactory.published(workspace=p.workspace)
    if who == "publisher":
        auth.login(p.user)
    before = state(integration.id)
    for url in ("/admin", "/admin/audit", f"/admin/integrations/{integration.id}"):
        assert client.get(url).status_code == 404, url
    for url in ("trust-tier", "takedown", "takedown/lift"):
        assert (
            client.post_form(
                f"/admin/integrations/{integration.id}/{url}", {"tier": "first_party", "note": "x"}
            ).status_code
            == 404
        )
    assert state(integration.id) == before


def test_staff_set_trust_tier_with_a_required_note(client, staff, factories):
    integration = factories.IntegrationFactory.published()
    before = state(integration.id)
    url = f"/admin/integrations/{integration.id}/trust-tier"
    response = client.post_form(url, {"tier": "verified_partner", "note": ""})
    assert response.status_code == 422 and "Write a note." in response.text
    assert state(integration.id) == before
    assert client.post_form(url, {"tier": "verified_partner", "note": "Contract signed"}).status_code == 302
    db.session.expire_all()
    assert integration.trust_tier == "verified_partner"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "integration.trust_tier_set"))
    assert event.note == "Contract signed" and event.diff["trust_tier"] == {
        "before": "community",
        "after": "verified_partner",
    }
    assert state(integration.id)["audit"] == before["audit"] + 1


def test_takedown_forces_private_and_shows_the_note_to_the_publisher(client, auth, staff, factories):
    p = make_publisher(factories)
    integration = factories.IntegrationFactory.published(workspace=p.workspace, visibility="public")
    db.session.commit()
    response = client.post_form(
        f"/admin/integrations/{integration.id}/takedown", {"note": "Malware report #12", "policy": "security"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert integration.visibility == "private" and integration.taken_down_at is not None
    auth.logout()
    gone = client.get(f"/integrations/{integration.publisher}/{integration.slug}")
    assert gone.status_code == 410 and "Malware report #12" in gone.text  # it was public: a notice
    auth.login(p.user)
    assert "Malware report #12" in client.get(f"/dashboard/integrations/{integration.id}").text
    assert "Taken down" in client.get("/dashboard").text


def test_audit_log_filters(client, staff, factories):
    a = make_publisher(factories)
    b = make_publisher(factories)
    from app.services import audit

    audit.record(
        a.user,
        "integration.published",
        object_type="integration",
        object_id="i-1",
        object_label="alpha/one",
        workspace_id=a.workspace.id,
        version="1.0.0",
    )
    audit.record(
        b.user,
        "integration.deleted",
        object_type="integration",
        object_id="i-2",
        object_label="beta/two",
        workspace_id=b.workspace.id,
    )
    db.session.commit()

    def labels(**params):
        text = client.get("/admin/audit", query_string=params).text
        return {label for label in ("alpha/one", "beta/two") if label in text}

    assert labels() == {"alpha/one", "beta/two"}
    assert labels(actor=a.user.email) == {"alpha/one"}
    assert labels(action="integration.deleted") == {"beta/two"}
    assert labels(object="i-1") == {"alpha/one"}
    assert labels(workspace=b.workspace.slug) == {"beta/two"}
    assert labels(date_from="2000-01-01", date_to="2000-01-02") == set()
    assert client.get("/admin/audit", query_string={"date_from": "garbage"}).status_code == 200


def test_staff_posts_need_csrf(client, staff, factories):
    integration = factories.IntegrationFactory.published()
    before = state(integration.id)
    for url in ("trust-tier", "takedown", "takedown/lift"):
        response = client.post(
            f"/admin/integrations/{integration.id}/{url}",
            data={"tier": "first_party", "note": "x", "lift-note": "x"},
        )
        assert response.status_code == 400, url
    assert state(integration.id) == before


def test_takedown_and_lift_each_write_one_event(client, staff, factories):
    integration = factories.IntegrationFactory.published(visibility="public")
    before = state(integration.id)
    assert (
        client.post_form(
            f"/admin/integrations/{integration.id}/takedown", {"note": "", "policy": "spam"}
        ).status_code
        == 422
    )
    assert state(integration.id) == before
    assert (
        client.post_form(
            f"/admin/integrations/{integration.id}/takedown", {"note": "Spam", "policy": "spam"}
        ).status_code
        == 302
    )
    assert state(integration.id)["audit"] == before["audit"] + 1
    taken = state(integration.id)
    assert (
        client.post_form(f"/admin/integrations/{integration.id}/takedown/lift", {"lift-note": ""}).status_code
        == 422
    )
    assert state(integration.id) == taken
    assert (
        client.post_form(
            f"/admin/integrations/{integration.id}/takedown/lift", {"lift-note": "Resolved"}
        ).status_code
        == 302
    )
    after = state(integration.id)
    assert after["audit"] == before["audit"] + 2
    assert after["row"]["taken_down_at"] is None and after["row"]["visibility"] == "private"
