"""Reporting is rate-limited per account (REPORT_RATE_LIMIT): only reports filed count, a refused
one is a 429 and files nothing. An app of its own, so the counters start at zero."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import ListingReport
from tests.conftest import AuthActions, Client

from ..databases import migrated_app
from ..factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.concurrency  # own app and database, committing for real


def test_reports_are_limited_per_account_and_only_filed_reports_count():
    with migrated_app(RATELIMIT_ENABLED=True, REPORT_RATE_LIMIT="2 per hour") as app:
        app.test_client_class = Client
        with app.app_context():
            listings = [IntegrationFactory.published(name=f"Listing {n}") for n in range(4)]
            someone, other = UserFactory(), UserFactory()
            db.session.commit()
            urls = [f"/integrations/{i.publisher}/{i.slug}/report" for i in listings]
            client = app.test_client()
            AuthActions(client).login(someone)

            def report(url, details="It does not start at all."):
                return client.post_form(url, {"category": "broken", "details": details})

            assert report(urls[0], details="short").status_code == 422  # a typo costs nothing
            assert report(urls[0]).status_code == 302
            assert report(urls[1]).status_code == 302
            refused = report(urls[2])
            assert refused.status_code == 429 and "Retry-After" in refused.headers
            assert "Too many attempts" in refused.get_data(as_text=True)
            db.session.expire_all()
            assert db.session.scalar(db.select(db.func.count()).select_from(ListingReport)) == 2

            other_client = app.test_client()
            AuthActions(other_client).login(other)
            assert (
                other_client.post_form(
                    urls[3], {"category": "spam", "details": "Nothing but adverts."}
                ).status_code
                == 302
            )
