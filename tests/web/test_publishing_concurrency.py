"""Simultaneous publishes of one version: exactly one wins, the others get 409, nothing half-written.
Real threads, real connections, a real (fresh, migrated) database, on SQLite and PostgreSQL."""

import threading

import pytest

from app.extensions import db
from app.models import (
    AuditEvent,
    Integration,
    IntegrationVersion,
    Membership,
    PublisherNamespace,
    User,
    Workspace,
)
from app.models.base import utcnow
from app.services import tokens

from ..databases import migrated_app
from .publishing_helpers import AUTH, MANIFEST, VARIABLES

pytestmark = pytest.mark.concurrency
WORKERS = 4


def seed(app) -> tuple[str, str]:
    with app.app_context():
        user = User(email="ci@example.test", password_hash="x", email_verified_at=utcnow())
        workspace = Workspace(slug="race", name="Race")
        db.session.add_all([user, workspace])
        db.session.flush()
        db.session.add_all(
            [
                Membership(workspace_id=workspace.id, user_id=user.id, role="owner"),
                PublisherNamespace(handle="race", workspace_id=workspace.id),
            ]
        )
        db.session.flush()
        integration = Integration(
            workspace_id=workspace.id,
            slug="car",
            name="Car",
            publisher="race",
            created_by=user.id,
            manifest=MANIFEST,
            variables_schema=VARIABLES,
            auth_config=AUTH,
        )
        db.session.add(integration)
        _, raw = tokens.create_token(user, workspace.id, "ci", None)
        db.session.commit()
        return integration.id, raw


def test_concurrent_publish_of_the_same_version():
    with migrated_app() as app:
        integration_id, raw = seed(app)
        barrier = threading.Barrier(WORKERS)
        results: list[tuple[int, str]] = []

        def publish():
            client = app.test_client()
            barrier.wait()
            response = client.post(
                f"/api/v1/integrations/{integration_id}/versions",
                json={"version": "1.0.0"},
                headers={"Authorization": f"Bearer {raw}"},
            )
            body = response.get_json()
            results.append((response.status_code, body.get("error", {}).get("code", "") if body else ""))

        threads = [threading.Thread(target=publish) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(results) == [(201, "")] + [(409, "conflict")] * (WORKERS - 1)
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(IntegrationVersion)) == 1
            assert db.session.get(Integration, integration_id).current_version == "1.0.0"
            published = db.session.scalar(
                db.select(db.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "integration.published")
            )
            assert published == 1


@pytest.mark.parametrize("handles", [("raced", "raced"), ("raced", "rac-ed"), ("slick", "s1ick")])
def test_concurrent_namespace_claims(handles):
    """Two workspaces claiming one handle, or two look-alikes, at once: one owns it, the other is
    told it is taken (409) or, when the winner committed first, that it looks alike (422)."""
    with migrated_app() as app:
        raws = []
        with app.app_context():
            for n in range(2):
                user = User(email=f"p{n}@example.test", password_hash="x", email_verified_at=utcnow())
                workspace = Workspace(slug=f"ws-{n}", name=f"WS {n}")
                db.session.add_all([user, workspace])
                db.session.flush()
                db.session.add(Membership(workspace_id=workspace.id, user_id=user.id, role="owner"))
                raws.append(tokens.create_token(user, workspace.id, "ci", None)[1])
            db.session.commit()
        barrier = threading.Barrier(2)
        results = []

        def claim(raw, slug, handle):
            client = app.test_client()
            barrier.wait()
            response = client.post(
                "/api/v1/integrations",
                json={"name": slug, "slug": slug, "publisher": handle},
                headers={"Authorization": f"Bearer {raw}"},
            )
            results.append(response.status_code)

        threads = [
            threading.Thread(target=claim, args=(raw, f"s{n}", handles[n])) for n, raw in enumerate(raws)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        first, second = sorted(results)
        assert first == 201 and second in ((409,) if handles[0] == handles[1] else (409, 422))
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(Integration)) == 1
            assert db.session.scalar(db.select(db.func.count()).select_from(PublisherNamespace)) == 1
