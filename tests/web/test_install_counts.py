"""Install counts and the listing's timestamps: an install moves install_count by one atomic UPDATE
and never touches updatedAt; the wizard's dependency step costs the same queries for 2 or 8
dependencies; simultaneous installs (real threads, real commits) are all counted."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Installation, Integration
from app.models.base import utcnow
from tests.conftest import Client
from tests.databases import migrated_app
from tests.install_support import admin, publish, wizard_id_from


def _install(client, integration, workspace_id: str) -> None:
    """Through every step of the wizard of an integration without auth or variables."""
    wid = _start(client, integration, workspace_id)
    assert client.post_form(f"/install/w/{wid}/dependencies").status_code == 302
    assert client.post_form(f"/install/w/{wid}/variables").status_code == 302
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302


def _start(client, integration, workspace_id: str) -> str:
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace_id, "consent": "y"}
    )
    assert started.status_code == 302, started.get_data(as_text=True)
    return wizard_id_from(started.headers["Location"])


def test_installs_and_uninstalls_count_without_touching_updated_at(client, auth):
    user, workspace = admin()
    integration = publish()
    last_edit = utcnow() - timedelta(days=3)
    integration.updated_at = last_edit
    db.session.flush()
    api = f"/api/v1/integrations/{integration.id}"
    updated_before = client.get(api).get_json()["updatedAt"]
    auth.login(user)

    _install(client, integration, workspace.id)
    db.session.expire_all()
    assert db.session.get(Integration, integration.id).install_count == 1
    assert db.session.get(Integration, integration.id).updated_at == last_edit
    assert client.get(api).get_json()["updatedAt"] == updated_before

    row = db.session.scalar(db.select(Installation).where(Installation.integration_id == integration.id))
    answer = client.post_form(f"/workspaces/{workspace.slug}/installations/{row.id}/uninstall")
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Integration, integration.id).install_count == 0
    assert db.session.get(Integration, integration.id).updated_at == last_edit
    assert client.get(api).get_json()["updatedAt"] == updated_before


def _with_dependencies(factories, workspace, count: int):
    """An integration needing `count` others: half already installed in `workspace`, half missing."""
    needed = [publish() for _ in range(count)]
    for dependency in needed[: count // 2]:
        factories.InstallationFactory(workspace=workspace, integration=dependency)
    manifest = {
        "members": [],
        "defaults": {},
        "dependencies": [{"integration": f"{d.publisher}/{d.slug}", "version": "^1.0.0"} for d in needed],
    }
    return publish(manifest=manifest)


def test_the_dependency_step_costs_the_same_for_any_number_of_dependencies(
    client, auth, factories, query_counter
):
    user, workspace = admin()
    few, many = _with_dependencies(factories, workspace, 2), _with_dependencies(factories, workspace, 8)
    auth.login(user)
    costs = []
    for integration in (few, many):
        wid = _start(client, integration, workspace.id)
        with query_counter as counter:
            page = client.get(f"/install/w/{wid}/dependencies")
        assert page.status_code == 200 and "Install these first" not in page.get_data(as_text=True)
        shown = counter.count
        with query_counter as counter:
            assert client.post_form(f"/install/w/{wid}/dependencies").status_code == 422  # half are missing
        costs.append((shown, counter.count))
    assert costs[0] == costs[1]


@pytest.mark.concurrency
def test_simultaneous_installs_are_all_counted():
    workers = 6
    with migrated_app() as app:
        app.test_client_class = Client
        with app.app_context():
            people = [admin() for _ in range(workers)]
            integration = publish()
            db.session.commit()
            emails = [(user.email, workspace.id) for user, workspace in people]
            integration_id = integration.id
        clients, wizards = [], []
        with app.app_context():
            integration = db.session.get(Integration, integration_id)
            for email, workspace_id in emails:
                client = app.test_client()
                assert (
                    client.post_form("/login", {"email": email, "password": "password123"}).status_code == 302
                )
                wid = _start(client, integration, workspace_id)
                client.post_form(f"/install/w/{wid}/dependencies")
                client.post_form(f"/install/w/{wid}/variables")
                clients.append(client)
                wizards.append(wid)
        barrier = threading.Barrier(workers)
        statuses = []

        def confirm(client, wid):
            barrier.wait()
            statuses.append(client.post_form(f"/install/w/{wid}/review").status_code)

        threads = [threading.Thread(target=confirm, args=pair) for pair in zip(clients, wizards, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert statuses == [302] * workers
        with app.app_context():
            assert db.session.get(Integration, integration_id).install_count == workers
