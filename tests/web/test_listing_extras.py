"""A listing's links (https only, privacy and support required above community: MP007), its "What it
can access" summary for every auth type (from the published snapshot), and
GET /api/v1/integrations/<id>/listing with the Integration's own visibility."""

from __future__ import annotations

import pytest

from app.domain import checks
from app.domain.access import access_summary
from app.extensions import db
from app.models import Category
from app.services import publishing
from app.services.errors import ValidationFailed
from tests.catalog_helpers import STATES, make_cast, make_integration

from .publishing_helpers import AUTH, MANIFEST, VARIABLES, edit_data, make_publisher, state

LINKS = {
    "link_homepage": "https://example.com",
    "link_docs": "https://example.com/docs",
    "link_support": "https://example.com/help",
    "link_privacy": "https://example.com/privacy",
    "link_terms": "",
    "link_status": "",
}


@pytest.fixture
def publisher(factories, auth):
    p = make_publisher(factories)
    auth.login(p.user)
    return p


def listing(factories, p, **kwargs):
    kwargs = {
        "manifest": MANIFEST,
        "variables_schema": VARIABLES,
        "auth_config": AUTH,
        "links": None,
        **kwargs,
    }
    integration = factories.IntegrationFactory.published(
        workspace=p.workspace, creator=p.user, publisher=p.handle, **kwargs
    )
    db.session.commit()
    return integration


# --- links ---------------------------------------------------------------------------------------------


def test_links_are_saved_and_shown_in_the_sidebar(client, publisher, factories):
    integration = listing(factories, publisher)
    response = client.post_form(f"/dashboard/integrations/{integration.id}", edit_data(integration, **LINKS))
    assert response.status_code == 302
    db.session.expire_all()
    assert integration.links == {
        "homepage": "https://example.com",
        "docs": "https://example.com/docs",
        "support": "https://example.com/help",
        "privacy": "https://example.com/privacy",
    }
    page = client.get(f"/integrations/{integration.publisher}/{integration.slug}").text
    assert '<li data-link="privacy"><a href="https://example.com/privacy"' in page
    assert 'data-link="terms"' not in page
    edit = client.get(f"/dashboard/integrations/{integration.id}").text
    assert 'value="https://example.com/docs"' in edit


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/privacy",
        "javascript:alert(1)",
        "ftp://example.com",
        "https://",
        "example.com",
        "https://a b",
    ],
)
def test_a_link_must_be_https_with_the_error_beside_it(client, publisher, factories, url):
    integration = listing(factories, publisher)
    before = state(integration.id)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, **{**LINKS, "link_privacy": url})
    )
    assert response.status_code == 422
    assert "Enter a full https:// address" in response.text
    assert 'id="link_privacy-errors"' in response.text  # next to its field
    assert f'value="{url}"'.replace("&", "&amp;") in response.text or url == "javascript:alert(1)"
    assert state(integration.id) == before


def test_going_public_above_community_needs_privacy_and_support(client, publisher, factories):
    integration = listing(factories, publisher, visibility="private", trust_tier="verified_publisher")
    before = state(integration.id)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}/visibility", {"quick-visibility": "public"}
    )
    assert response.status_code == 422 and "MP007" in response.text and "privacy policy" in response.text
    assert state(integration.id) == before
    # with both links saved it goes public
    assert (
        client.post_form(
            f"/dashboard/integrations/{integration.id}", edit_data(integration, **LINKS)
        ).status_code
        == 302
    )
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}/visibility", {"quick-visibility": "public"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert integration.visibility == "public"
    # and once public, the full form refuses to drop them, with the errors beside the missing links
    before = state(integration.id)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}",
        edit_data(integration, **{**LINKS, "link_support": "", "link_privacy": ""}),
    )
    assert response.status_code == 422
    assert 'id="link_support-errors"' in response.text and 'id="link_privacy-errors"' in response.text
    assert state(integration.id) == before
    assert integration.visibility == "public"


def test_community_listings_go_public_without_links(client, publisher, factories):
    integration = listing(factories, publisher, visibility="private", trust_tier="community")
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}/visibility", {"quick-visibility": "public"}
    )
    assert response.status_code == 302


def test_the_api_refuses_making_it_public_without_links(client, factories):
    from app.services import tokens

    p = make_publisher(factories)
    integration = listing(factories, p, visibility="unlisted", trust_tier="verified_partner")
    _, raw = tokens.create_token(p.user, p.workspace.id, "CI", 30)
    db.session.commit()
    response = client.patch(
        f"/api/v1/integrations/{integration.id}",
        json={"visibility": "public"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "MP007" in error["message"] and {d["field"] for d in error["details"]} >= {
        "link_privacy",
        "link_support",
    }


def test_publish_check_mp007_blocks_a_public_listing_above_community(factories):
    p = make_publisher(factories)
    integration = listing(factories, p, trust_tier="verified_publisher")
    with pytest.raises(ValidationFailed) as refused:
        publishing.publish(p.user, integration, "1.0.1", None)
    assert [d["check"] for d in refused.value.details] == ["MP007"]
    integration.links = {"privacy": "https://example.com/p", "support": "https://example.com/s"}
    db.session.flush()
    assert publishing.publish(p.user, integration, "1.0.1", None).version.version == "1.0.1"


def test_mp007_applies_to_review_submissions_and_not_to_community_or_private():
    base = {"version": "1.0.1", "links": None}
    run = lambda **kw: [f.check for f in checks.run_checks(checks.PublishContext(**{**base, **kw}))]  # noqa: E731
    assert run(trust_tier="community", visibility="public") == []
    assert run(trust_tier="verified_partner", visibility="private") == []
    assert run(trust_tier="verified_partner", visibility="private", for_review=True) == ["MP007"]
    assert run(trust_tier="first_party", visibility="public") == ["MP007"]
    links = {"privacy": "https://x.example/p", "support": "https://x.example/s"}
    assert run(trust_tier="first_party", visibility="public", links=links) == []
    assert run(trust_tier="first_party", visibility="public", links={"privacy": "http://x.example/p"}) == [
        "MP007"
    ]
    assert checks.check_by_id("MP007").severity == checks.ERROR


# --- what it can access --------------------------------------------------------------------------------


def test_access_summary_for_every_auth_type():
    oauth = access_summary({"type": "oauth2", "scopes": ["chat:write", "email", "repo"]})
    assert oauth.auth_type == "oauth2" and "3 permissions" in oauth.summary
    assert [(s.name, s.words) for s in oauth.scopes] == [
        ("chat:write", "Change chat"),
        ("email", "See your email address"),
        ("repo", None),  # not known: shown by its raw name
    ]
    described = access_summary({"type": "api_key", "accessDescription": "Sends SMS  from your number."})
    assert described.summary == "With the API key you give it: Sends SMS from your number."
    assert "has not described" in access_summary({"type": "api_key"}).summary
    assert access_summary({"type": "none"}).summary.startswith("No account access")
    assert access_summary(None).auth_type == "none"


def test_the_detail_page_says_what_it_can_access_from_the_published_snapshot(client, publisher, factories):
    key_auth = {**AUTH, "accessDescription": "Reads your invoices."}
    integration = listing(factories, publisher, auth_config=key_auth)
    url = f"/integrations/{integration.publisher}/{integration.slug}"
    html = client.get(url).text
    assert "What it can access" in html and "With the API key you give it: Reads your invoices." in html
    # an unpublished edit of the working copy is not what anyone outside the dashboard sees
    integration.auth_config = {**key_auth, "accessDescription": "Deletes everything."}
    db.session.commit()
    client.post_form("/logout")
    html = client.get(url).text
    assert "Reads your invoices." in html and "Deletes everything." not in html
    listing_json = client.get(f"/api/v1/integrations/{integration.id}/listing").get_json()
    assert listing_json["access"]["summary"] == "With the API key you give it: Reads your invoices."


def test_access_description_is_part_of_the_auth_config_schema(client, publisher, factories):
    integration = listing(factories, publisher)
    import json

    too_long = {**AUTH, "accessDescription": "x" * 501}
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, auth_config=json.dumps(too_long))
    )
    assert response.status_code == 422 and "accessDescription" in response.text
    fine = {**AUTH, "accessDescription": "Reads tickets."}
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, auth_config=json.dumps(fine))
    )
    assert response.status_code == 302
    schema = client.get("/schemas/auth-config.json").get_json()
    assert schema["$defs"]["api_key"]["properties"]["accessDescription"]["maxLength"] == 500


# --- the listing endpoint ----------------------------------------------------------------------------


def test_the_listing_endpoint_answers_categories_links_access_media_rating_publisher(client, factories):
    p = make_publisher(factories)
    cats = {c.slug: c for c in db.session.scalars(db.select(Category))}
    integration = listing(
        factories,
        p,
        auth_config={"type": "oauth2", "authorizeUrl": "https://a.example/auth", "tokenUrl": "https://a.example/t",
                     "scopes": ["files:read"], "clientId": "x"},
        links={"homepage": "https://h.example", "privacy": "https://h.example/p"},
        icon_url="https://cdn.example/icon.png",
        primary_category_id=cats["files-documents"].id,
        secondary_category_id=cats["productivity"].id,
        rating_count=4,
        rating_total=17,
    )  # fmt: skip
    body = client.get(f"/api/v1/integrations/{integration.id}/listing").get_json()
    assert body == {
        "integrationId": integration.id,
        "categories": {
            "primary": {"slug": "files-documents", "name": "Files & documents"},
            "secondary": {"slug": "productivity", "name": "Productivity"},
        },
        "links": {
            "homepage": "https://h.example",
            "docs": None,
            "support": None,
            "privacy": "https://h.example/p",
            "terms": None,
            "status": None,
        },
        "access": {
            "authType": "oauth2",
            "summary": "Your account on the service, through the 1 permission you approve:",
            "scopes": [{"scope": "files:read", "description": "Read files"}],
        },
        "media": {"iconUrl": "https://cdn.example/icon.png", "screenshots": []},
        "rating": {"average": 4.25, "count": 4, "distribution": dict.fromkeys("54321", 0)},
        "publisher": {
            "handle": p.handle,
            "name": p.workspace.name,
            "description": None,
            "website": None,
            "support": None,
            "identityVerified": False,
        },
    }
    # the Integration object itself stays the spec's 18 keys
    assert len(client.get(f"/api/v1/integrations/{integration.id}").get_json()) == 18


@pytest.mark.parametrize("state_name", STATES)
def test_the_listing_endpoint_has_the_integrations_visibility(client, auth, factories, state_name):
    cast = make_cast()
    integration = make_integration(state_name, cast.workspace)
    db.session.commit()
    urls = (f"/api/v1/integrations/{integration.id}", f"/api/v1/integrations/{integration.id}/listing")
    anonymous = {client.get(url).status_code for url in urls}
    assert len(anonymous) == 1  # the same answer for both, whatever it is
    assert anonymous == ({200} if state_name in ("public", "unlisted") else {404})
    auth.login(cast.users["other_member"])
    assert len({client.get(url).status_code for url in urls}) == 1
    auth.logout()
    auth.login(cast.users["member"])
    member = {client.get(url).status_code for url in urls}
    assert len(member) == 1
    assert member == ({404} if state_name == "deleted" else {200})


def test_the_listing_endpoint_404s_for_unknown_ids(client):
    assert client.get("/api/v1/integrations/no-such-id/listing").status_code == 404
    assert client.get("/api/v1/integrations/" + "x" * 100 + "/listing").status_code == 404


def test_a_rename_submitted_for_review_needs_the_links_too(client, publisher, factories):
    integration = listing(factories, publisher, trust_tier="verified_partner", visibility="private")
    before = state(integration.id)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, name="A New Name")
    )
    assert response.status_code == 422 and "MP007" in response.text
    assert state(integration.id) == before
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, name="A New Name", **LINKS)
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert integration.name != "A New Name"  # it waits for review, with the links now set
    assert integration.links["privacy"] == "https://example.com/privacy"
