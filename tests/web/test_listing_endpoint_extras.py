"""GET /api/v1/integrations/<id>/listing carries what the other discovery parts add: the uploaded
screenshots (absolute /media URLs, in the publisher's order, with captions), the reviews'
distribution, and the publisher's profile with its identity-verified mark."""

from __future__ import annotations

from app.extensions import db
from app.models import Integration
from app.services import media, publisher_profiles, ratings
from tests.install_support import admin, publish
from tests.media_helpers import png, webp


def _installed_person(factories, integration):
    owner, workspace = admin()
    factories.InstallationFactory(workspace=workspace, integration=integration, installed_by=owner.id)
    return owner


def test_the_listing_endpoint_has_screenshots_distribution_and_the_publishers_profile(client, factories):
    publisher_owner, workspace = admin()
    integration = publish(workspace=workspace)
    media.add_screenshot(publisher_owner, integration, png((640, 400)), "The board")
    media.add_screenshot(publisher_owner, integration, webp((300, 200)), None)
    handle = integration.publisher
    publisher_profiles.update_profile(
        publisher_owner,
        handle,
        {"display_name": "Acme Tools", "description": "We make tools.", "website": "https://acme.example",
         "support_contact": "help@acme.example"},
    )  # fmt: skip
    staff = factories.UserFactory(is_staff=True)
    publisher_profiles.set_verified(staff, handle, True, "Checked the company register.")
    for stars in (5, 4, 4):
        ratings.rate(
            _installed_person(factories, integration), integration, stars, "Does what it says, reliably."
        )
    db.session.commit()

    body = client.get(f"/api/v1/integrations/{integration.id}/listing").get_json()

    shots = body["media"]["screenshots"]
    assert [s["caption"] for s in shots] == ["The board", None]
    assert [(s["width"], s["height"]) for s in shots] == [(640, 400), (300, 200)]
    for shot in shots:
        assert shot["url"].startswith("http://localhost/media/")
        served = client.get(shot["url"].removeprefix("http://localhost"))
        assert served.status_code == 200 and served.mimetype.startswith("image/")
    assert body["rating"] == {
        "average": 4.33,
        "count": 3,
        "distribution": {"5": 1, "4": 2, "3": 0, "2": 0, "1": 0},
    }
    assert body["publisher"] == {
        "handle": handle,
        "name": "Acme Tools",
        "description": "We make tools.",
        "website": "https://acme.example",
        "support": "help@acme.example",
        "identityVerified": True,
    }


def test_a_listing_without_media_ratings_or_profile_answers_empty_values(client):
    _owner, workspace = admin()
    integration = publish(workspace=workspace)
    db.session.commit()
    body = client.get(f"/api/v1/integrations/{integration.id}/listing").get_json()
    assert body["media"] == {
        "iconUrl": db.session.get(Integration, integration.id).icon_url,
        "screenshots": [],
    }
    assert body["rating"] == {"average": None, "count": 0, "distribution": dict.fromkeys("54321", 0)}
    assert body["publisher"]["identityVerified"] is False
    assert body["publisher"]["name"] == workspace.name
