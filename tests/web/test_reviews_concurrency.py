"""Two staff decisions on one review at once (approve and reject): exactly one is taken, the other
answers 422, and the listing, the review and the audit log show one decision. Real threads, real
connections, a fresh migrated database, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from app.extensions import db
from app.models import AuditEvent, Integration, IntegrationVersion, ListingReview, User
from app.services import publishing

from ..conftest import Client
from ..databases import migrated_app
from ..factories import PASSWORD, UserFactory, member, namespace_for
from .review_helpers import OAUTH

pytestmark = pytest.mark.concurrency


def seed(app) -> tuple[str, list[str]]:
    with app.app_context():
        owner = member(role="owner")
        integration = Integration(
            workspace_id=owner.workspace.id,
            slug="mail",
            name="Mail",
            publisher=namespace_for(owner.workspace),
            trust_tier="verified_partner",
            created_by=owner.user.id,
            manifest={"members": [], "dependencies": [], "defaults": {}},
            variables_schema={"type": "object", "properties": {}},
            auth_config=OAUTH,
            visibility="public",
            links={"privacy": "https://example.com/privacy", "support": "https://example.com/help"},
        )
        db.session.add(integration)
        db.session.flush()
        publishing.publish(owner.user, integration, "1.0.0", None)
        integration.auth_config = {**OAUTH, "scopes": ["read", "write"]}
        review = publishing.publish(owner.user, integration, "2.0.0", None).review
        staff = [UserFactory(is_staff=True).email for _ in range(2)]
        db.session.commit()
        return review.id, staff


def test_simultaneous_approve_and_reject_take_one_decision():
    with migrated_app() as app:
        app.test_client_class = Client
        review_id, staff = seed(app)
        barrier = threading.Barrier(2)
        results: list[tuple[str, int]] = []

        def decide(email: str, action: str, data: dict):
            client = app.test_client()
            assert client.post_form("/login", {"email": email, "password": PASSWORD}).status_code == 302
            barrier.wait()
            response = client.post_form(f"/admin/reviews/{review_id}/{action}", data)
            results.append((action, response.status_code))

        threads = [
            threading.Thread(target=decide, args=(staff[0], "approve", {"approve-reason": "ok"})),
            threading.Thread(target=decide, args=(staff[1], "reject", {"reject-reason": "no"})),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(code for _, code in results) == [302, 422]
        winner = next(action for action, code in results if code == 302)
        with app.app_context():
            review = db.session.get(ListingReview, review_id)
            version = db.session.get(IntegrationVersion, review.version_id)
            integration = db.session.get(Integration, review.integration_id)
            assert review.status == {"approve": "approved", "reject": "rejected"}[winner]
            assert version.review_state == review.status
            assert integration.current_version == ("2.0.0" if winner == "approve" else "1.0.0")
            decisions = db.session.scalars(
                db.select(AuditEvent.action).where(AuditEvent.action.like("integration.review_%"))
            ).all()
            assert decisions == [f"integration.review_{review.status}"]
            assert db.session.scalar(db.select(User.email).where(User.id == review.decided_by)) in staff
