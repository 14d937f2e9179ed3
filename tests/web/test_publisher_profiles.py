"""Publisher profiles: /publishers/<handle> shows the profile and only what the viewer finds listed;
the workspace's owners and admins edit it; staff alone set the identity-verified mark (audited)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent, PublisherProfile
from app.services import publisher_profiles
from tests.catalog_helpers import STATES, make_cast, make_integration


def _cast_with_listings():
    cast = make_cast()
    rows = {state: make_integration(state, cast.workspace, name=f"Listing {state}") for state in STATES}
    handle = rows["public"].publisher
    db.session.commit()
    return cast, rows, handle


def test_profile_shows_fields_and_public_listings_only(client, auth, factories):
    cast, rows, handle = _cast_with_listings()
    publisher_profiles.update_profile(
        cast.users["admin"],
        handle,
        {
            "display_name": "Acme Tools",
            "description": "We build <b>things</b>.",
            "website": "https://acme.example.com",
            "support_contact": "help@acme.example.com",
        },
    )
    db.session.commit()
    html = client.get(f"/publishers/{handle}").get_data(as_text=True)
    assert "<h1>Acme Tools</h1>" in html
    assert "We build &lt;b&gt;things&lt;/b&gt;." in html
    assert 'href="https://acme.example.com"' in html and 'href="mailto:help@acme.example.com"' in html
    assert "Listing public" in html
    for state in ("unlisted", "private", "draft", "deleted"):
        assert f"Listing {state}" not in html
    assert "Identity not verified" in html and "Edit profile" not in html


def test_members_see_their_private_listing_and_admins_the_edit_link(client, auth, factories):
    cast, rows, handle = _cast_with_listings()
    auth.login(cast.users["member"])
    html = client.get(f"/publishers/{handle}").get_data(as_text=True)
    assert "Listing private" in html and "Listing draft" not in html and "Listing deleted" not in html
    assert "Edit profile" not in html
    auth.logout()
    auth.login(cast.users["other_member"])
    assert "Listing private" not in client.get(f"/publishers/{handle}").get_data(as_text=True)
    auth.logout()
    auth.login(cast.users["admin"])
    assert "Edit profile" in client.get(f"/publishers/{handle}").get_data(as_text=True)


def test_unknown_handle_is_404(client):
    assert client.get("/publishers/nobody-has-this").status_code == 404
    assert client.get("/publishers/" + "x" * 300).status_code == 404


def test_cards_and_listing_page_link_to_the_profile(client, factories):
    cast, rows, handle = _cast_with_listings()
    link = f'href="/publishers/{handle}"'
    assert link in client.get("/integrations").get_data(as_text=True)
    detail = client.get(f"/integrations/{handle}/{rows['public'].slug}").get_data(as_text=True)
    assert link in detail
    assert link in client.get(f"/integrations/{handle}/{rows['unlisted'].slug}").get_data(as_text=True)


def test_admin_edits_profile_with_errors_beside_fields(client, auth, factories):
    cast, rows, handle = _cast_with_listings()
    auth.login(cast.users["admin"])
    url = f"/dashboard/publishers/{handle}"
    assert client.get(url).status_code == 200
    response = client.post_form(
        url,
        {
            "display_name": "Kept name",
            "website": "http://insecure.example.com",
            "support_contact": "not mail",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "starting with https://" in html and 'value="Kept name"' in html
    assert "e-mail address" in html
    assert db.session.get(PublisherProfile, handle) is None
    response = client.post_form(
        url, {"display_name": "Acme", "website": "https://acme.example.com", "support_contact": ""}
    )
    assert response.status_code == 302
    profile = db.session.get(PublisherProfile, handle)
    assert profile.display_name == "Acme" and profile.website == "https://acme.example.com"
    event = db.session.scalar(
        db.select(AuditEvent).where(
            AuditEvent.action == "publisher.profile_updated", AuditEvent.object_id == handle
        )
    )
    assert event is not None and event.diff["display_name"]["after"] == "Acme"


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("other_member", 404), ("staff", 404)])
def test_only_the_workspaces_admins_edit(client, auth, factories, who, status):
    cast, rows, handle = _cast_with_listings()
    auth.login(cast.users[who])
    url = f"/dashboard/publishers/{handle}"
    assert client.get(url).status_code == status
    assert client.post_form(url, {"display_name": "Hijacked"}).status_code == status
    assert db.session.get(PublisherProfile, handle) is None


def test_anonymous_edit_goes_to_login(client, factories):
    cast, rows, handle = _cast_with_listings()
    assert client.get(f"/dashboard/publishers/{handle}").status_code == 302


def test_staff_set_the_verified_mark_with_a_reason(client, auth, factories):
    cast, rows, handle = _cast_with_listings()
    auth.login(cast.users["admin"])
    assert client.post_form("/admin/namespaces/verified", {"verify-handle": handle}).status_code == 404
    auth.logout()
    auth.login(cast.users["staff"])
    form = {"verify-handle": handle, "verify-verified": "yes", "verify-reason": ""}
    assert client.post_form("/admin/namespaces/verified", form).status_code == 422
    form["verify-reason"] = "Checked the company registry and a call to the CTO."
    assert client.post_form("/admin/namespaces/verified", form).status_code == 302
    profile = db.session.get(PublisherProfile, handle)
    assert profile.is_verified and profile.verified_by == cast.users["staff"].id
    auth.logout()
    assert "✓ Identity verified" in client.get(f"/publishers/{handle}").get_data(as_text=True)
    detail = client.get(f"/integrations/{handle}/{rows['public'].slug}").get_data(as_text=True)
    assert "✓ Identity verified" in detail
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "publisher.verified"))
    assert event.note.startswith("Checked the company registry")
    auth.login(cast.users["staff"])
    form["verify-verified"] = "no"
    assert client.post_form("/admin/namespaces/verified", form).status_code == 302
    assert not db.session.get(PublisherProfile, handle).is_verified


def test_staff_verify_unknown_handle_is_a_form_error(client, auth, factories):
    staff = factories.UserFactory(is_staff=True)
    db.session.commit()
    auth.login(staff)
    form = {"verify-handle": "no-such-handle", "verify-verified": "yes", "verify-reason": "x"}
    response = client.post_form("/admin/namespaces/verified", form)
    assert response.status_code == 422 and "No publisher holds that handle." in response.get_data(
        as_text=True
    )


def test_profile_page_is_cached_and_refreshed_after_an_edit(client, factories):
    cast, rows, handle = _cast_with_listings()
    first = client.get(f"/publishers/{handle}")
    assert first.headers["Cache-Control"] == "public, no-cache"
    publisher_profiles.update_profile(cast.users["admin"], handle, {"display_name": "Renamed Publisher"})
    db.session.commit()
    assert "Renamed Publisher" in client.get(f"/publishers/{handle}").get_data(as_text=True)
