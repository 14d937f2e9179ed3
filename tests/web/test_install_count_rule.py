"""Install counts that can't be bought: the count shown and ranked by is of distinct installing accounts
outside the publisher's workspace. One account's eight workspaces move it by nothing when the account
is the publisher's, and by one otherwise; installs into the publisher's workspace never count; exact
under simultaneous installs (real threads, real commits)."""

from __future__ import annotations

import threading

import pytest

from app.extensions import db
from app.models import Installation, Integration
from tests.conftest import Client
from tests.databases import migrated_app
from tests.install_support import admin, publish, wizard_id_from


def _install(client, integration, workspace_id: str) -> None:
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


def _count(integration) -> int:
    db.session.expire_all()
    return db.session.get(Integration, integration.id).install_count


def test_eight_workspaces_of_the_publisher_do_not_move_the_ranking(client, auth, factories):
    attacker, home = admin()
    bought = publish(workspace=home, name="Bought Widget")
    honest = publish(name="Honest Widget")
    fans = [admin() for _ in range(1)]
    extra = [factories.member(user=attacker, role="owner").workspace for _ in range(7)]
    db.session.commit()
    auth.login(attacker)
    for workspace in (home, *extra):  # eight workspaces, one account
        _install(client, bought, workspace.id)
    auth.logout()
    for user, workspace in fans:
        auth.login(user)
        _install(client, honest, workspace.id)
        auth.logout()
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(Installation)
            .where(Installation.integration_id == bought.id)
        )
        == 8
    )
    assert (_count(bought), _count(honest)) == (0, 1)
    for url in ("/integrations", "/integrations?sort=installs"):
        page = client.get(url).get_data(as_text=True)
        assert page.index("Honest Widget") < page.index("Bought Widget"), url
    names = [i["name"] for i in client.get("/api/v1/integrations?sort=installs").get_json()["data"]]
    assert names.index("Honest Widget") < names.index("Bought Widget")


def test_one_outside_account_counts_once_however_many_workspaces(client, auth, factories):
    _, home = admin()
    integration = publish(workspace=home)
    user, first = admin()
    second = factories.member(user=user, role="owner").workspace
    other, elsewhere = admin()
    db.session.commit()
    auth.login(user)
    _install(client, integration, first.id)
    _install(client, integration, second.id)
    assert _count(integration) == 1
    auth.logout()
    auth.login(other)
    _install(client, integration, elsewhere.id)
    assert _count(integration) == 2
    auth.logout()
    auth.login(user)
    row = db.session.scalar(db.select(Installation).where(Installation.workspace_id == first.id))
    assert client.post_form(f"/workspaces/{first.slug}/installations/{row.id}/uninstall").status_code == 302
    assert _count(integration) == 2  # still installed in their second workspace
    row = db.session.scalar(db.select(Installation).where(Installation.workspace_id == second.id))
    assert client.post_form(f"/workspaces/{second.slug}/installations/{row.id}/uninstall").status_code == 302
    assert _count(integration) == 1


@pytest.mark.concurrency
def test_simultaneous_installs_count_distinct_accounts_exactly():
    """Two outside accounts (one of them in four workspaces) and the publisher in its own workspace:
    six installs at once, counted as two."""
    with migrated_app() as app:
        app.test_client_class = Client
        with app.app_context():
            publisher, home = admin()
            integration = publish(workspace=home)
            busy, first = admin()
            from tests import factories as f

            targets = [(busy, first)] + [
                (busy, f.member(user=busy, role="owner").workspace) for _ in range(3)
            ]
            targets += [admin(), (publisher, home)]
            db.session.commit()
            plan = [(user.email, workspace.id) for user, workspace in targets]
            integration_id = integration.id
        clients, wizards = [], []
        with app.app_context():
            integration = db.session.get(Integration, integration_id)
            for email, workspace_id in plan:
                client = app.test_client()
                assert (
                    client.post_form("/login", {"email": email, "password": "password123"}).status_code == 302
                )
                wid = _start(client, integration, workspace_id)
                client.post_form(f"/install/w/{wid}/dependencies")
                client.post_form(f"/install/w/{wid}/variables")
                clients.append(client)
                wizards.append(wid)
        barrier = threading.Barrier(len(plan))
        statuses = []

        def confirm(client, wid):
            barrier.wait()
            statuses.append(client.post_form(f"/install/w/{wid}/review").status_code)

        threads = [threading.Thread(target=confirm, args=pair) for pair in zip(clients, wizards, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert statuses == [302] * len(plan)
        with app.app_context():
            assert db.session.get(Integration, integration_id).install_count == 2  # busy and the other one


@pytest.mark.concurrency
def test_an_install_waiting_on_another_counts_it_once_that_commits():
    """Deterministic interleaving: A installs and recounts but has not committed; B installs and recounts
    (it waits for A's lock on PostgreSQL); A commits, then B. B's recount must see A's install: two."""
    import time

    from sqlalchemy import text

    from app.models.base import utcnow
    from app.services.installs.confirming import count_install

    with migrated_app() as app:
        with app.app_context():
            integration = publish()
            installs = [admin() for _ in range(2)]
            db.session.commit()
            integration_id, version_id = integration.id, integration.versions[0].id
            plan = [(user.id, workspace.id) for user, workspace in installs]
        a_counted, a_commit, results = threading.Event(), threading.Event(), {}

        def install(name, user_id, workspace_id, counted=None, commit=None):
            with app.app_context():
                db.session.add(
                    Installation(
                        workspace_id=workspace_id,
                        integration_id=integration_id,
                        version_id=version_id,
                        installed_by=user_id,
                        status="active",
                        installed_at=utcnow(),
                    )
                )
                db.session.flush()
                row = db.session.get(Integration, integration_id)
                count_install(row, +1)
                if counted:
                    counted.set()
                if commit:
                    commit.wait(60)
                results[name] = row.install_count
                db.session.commit()

        first = threading.Thread(target=install, args=("a", *plan[0], a_counted, a_commit))
        first.start()
        assert a_counted.wait(60)
        second = threading.Thread(target=install, args=("b", *plan[1]))
        second.start()
        with app.app_context():
            if db.engine.dialect.name == "postgresql":  # B is blocked on A's row lock before A commits
                for _ in range(600):
                    waiting = db.session.execute(
                        text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                    ).scalar()
                    db.session.rollback()
                    if waiting:
                        break
                    time.sleep(0.05)
                assert waiting
        a_commit.set()
        first.join(60)
        second.join(60)
        assert results == {"a": 1, "b": 2}
        with app.app_context():
            assert db.session.get(Integration, integration_id).install_count == 2
