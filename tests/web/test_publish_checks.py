"""The publish checks through the real paths: warnings in the write API's answer and on the publish
page, errors as the write API's 422 (each detail with its check id) that publish nothing."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import publishing, tokens
from app.services.errors import ValidationFailed

from .publishing_helpers import MANIFEST, VARIABLES
from .review_helpers import OAUTH, full_state, verified_listing


@pytest.fixture
def listing(factories):
    listing = verified_listing(
        factories, tier="community", manifest=dict(MANIFEST), variables_schema=dict(VARIABLES), name="Notes"
    )
    _, raw = tokens.create_token(listing.publisher.user, listing.publisher.workspace.id, "CI", 30)
    db.session.commit()
    listing.headers = {"Authorization": f"Bearer {raw}"}
    return listing


def publish(client, listing, version="1.0.1"):
    return client.post(
        f"/api/v1/integrations/{listing.integration.id}/versions",
        json={"version": version},
        headers=listing.headers,
    )


def edit(listing, **columns):
    for key, value in columns.items():
        setattr(listing.integration, key, value)
    db.session.commit()


def warnings_of(response) -> list[str]:
    assert response.status_code == 201, response.json
    return [w["check"] for w in response.json["warnings"]]


def test_a_clean_publish_answers_no_warnings_and_live(client, listing):
    response = publish(client, listing)
    assert warnings_of(response) == [] and response.json["reviewState"] == "live"


def test_mp001_warning_in_the_api_answer(client, listing):
    edit(listing, auth_config={**OAUTH, "scopes": ["read", "write"]})
    response = publish(client, listing, "1.1.0")
    assert warnings_of(response) == ["MP001"]
    assert response.json["warnings"][0] == {
        "check": "MP001",
        "severity": "warning",
        "message": "New scope write in 1.1.0, not a major version after 1.0.0.",
        "path": "$.authConfig.scopes",
    }


def test_mp002_warning_for_split_registrable_domains(client, listing):
    edit(listing, auth_config={**OAUTH, "tokenUrl": "https://tokens.example.net/token"})
    assert warnings_of(publish(client, listing)) == ["MP002"]


def test_mp003_error_blocks_in_production(app, listing, monkeypatch):
    edit(listing, auth_config={**OAUTH, "tokenUrl": "http://localhost:8000/token"})
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    before = full_state(listing.integration.id)
    with pytest.raises(ValidationFailed) as refused:
        publishing.publish(listing.publisher.user, listing.integration, "1.0.1", None)
    assert [d["check"] for d in refused.value.details] == ["MP003"]
    db.session.rollback()
    assert full_state(listing.integration.id) == before


def test_mp004_warning_for_a_confusable_name(client, listing, factories):
    factories.IntegrationFactory.published(name="N0tes")  # another publisher's listing
    db.session.commit()
    assert warnings_of(publish(client, listing)) == ["MP004"]


def test_mp004_never_names_another_workspaces_private_listing(client, listing, factories):
    factories.IntegrationFactory.published(name="N0tes", visibility="private")
    factories.IntegrationFactory.published(name="Note-s", visibility="unlisted")
    db.session.commit()
    assert warnings_of(publish(client, listing)) == []


def test_mp004_warning_for_a_confusable_handle(client, listing, factories):
    # claimed before look-alikes were refused (migration 0008 left such handles without a skeleton)
    look_alike = factories.NamespaceFactory(handle="placeholder-handle")
    look_alike.skeleton = None
    db.session.flush()
    look_alike.handle = listing.integration.publisher.replace("pub-", "pub--")
    db.session.commit()
    assert warnings_of(publish(client, listing)) == ["MP004"]


def test_mp005_warning_for_a_lower_trust_dependency(client, listing, factories):
    dependency = factories.IntegrationFactory.published(trust_tier="community")
    edit(
        listing,
        trust_tier="verified_publisher",
        manifest={
            **MANIFEST,
            "dependencies": [
                {"integration": f"{dependency.publisher}/{dependency.slug}", "version": "^1.0.0"}
            ],
        },
    )
    assert warnings_of(publish(client, listing)) == ["MP005"]


def test_mp006_error_is_the_write_apis_422_and_publishes_nothing(client, listing, factories):
    factories.InstallationFactory(integration=listing.integration, variables={"region": "eu"})
    edit(
        listing, variables_schema={"type": "object", "properties": {}}, manifest={**MANIFEST, "defaults": {}}
    )
    before = full_state(listing.integration.id)
    response = publish(client, listing, "1.0.1")
    assert response.status_code == 422
    [detail] = response.json["error"]["details"]
    assert detail["check"] == "MP006" and detail["severity"] == "error"
    assert detail["path"] == "$.variablesSchema.properties.region"
    assert full_state(listing.integration.id) == before
    assert warnings_of(publish(client, listing, "2.0.0")) == []  # a major version may drop it


def test_the_publish_page_shows_the_findings_and_the_review_it_will_wait_for(client, auth, factories):
    listing = verified_listing(factories)
    edit(listing, auth_config={**OAUTH, "scopes": ["read", "write"]})
    auth.login(listing.publisher.user)
    page = client.get(f"/dashboard/integrations/{listing.integration.id}/publish")
    assert page.status_code == 200
    assert "MP001" in page.text and "New scopes: write." in page.text and "wait for staff review" in page.text


def test_a_blocked_publish_shows_the_error_on_the_page(client, auth, factories):
    listing = verified_listing(factories, tier="community", variables_schema=dict(VARIABLES))
    factories.InstallationFactory(integration=listing.integration, variables={"region": "eu"})
    edit(listing, variables_schema={"type": "object", "properties": {}})
    auth.login(listing.publisher.user)
    before = full_state(listing.integration.id)
    response = client.post_form(
        f"/dashboard/integrations/{listing.integration.id}/publish", {"version": "1.0.1", "changelog": ""}
    )
    assert response.status_code == 422 and "MP006" in response.text
    assert full_state(listing.integration.id) == before


def test_check_pages_and_unknown_check_ids(client, auth, factories):
    listing = verified_listing(factories)
    db.session.commit()
    auth.login(listing.publisher.user)
    index = client.get("/dashboard/checks").text
    assert "MP006" in index
    # stacked on a phone, each cell says its column (app.css shows data-label before the value)
    assert index.count('<td data-label="Check">') == index.count('<td data-label="Severity">') > 1
    page = client.get("/dashboard/checks/MP002")
    assert page.status_code == 200 and "registrable" in page.text
    for unknown in ("MP999", "mp001", "MP0011", "x" * 300):
        assert client.get(f"/dashboard/checks/{unknown}").status_code == 404
