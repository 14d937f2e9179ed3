"""The job queue with real consumer processes (not the in-process immediate mode): on the SQLite
leg SqliteHuey beside a SQLite database, on the PostgreSQL leg RedisHuey beside PostgreSQL.
Mail leaves after the request commits; the periodic sweeps run on the consumers' schedulers; two
consumers never send one message twice; a queue that cannot be reached costs the page nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import QueuedMail, WizardSession
from app.models.base import utcnow
from app.services import crypto, mail
from tests import factories
from tests.conftest import Client
from tests.mail_fixtures import Mailbox, smtp_settings

from .support import consumer, queue_app, wait_until

pytestmark = pytest.mark.concurrency

REGISTER = {"display_name": "Queued Person", "password": "longpassword", "confirm": "longpassword"}


@pytest.fixture
def box(smtp_server):
    mailbox = Mailbox(smtp_server)
    mailbox.clear()
    return mailbox


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_registration_mail_is_sent_by_the_consumer_after_the_request_commits(smtp_server, box):
    with queue_app(**smtp_settings(smtp_server)) as app:
        app.test_client_class = Client
        client = app.test_client()
        response = client.post_form("/register", {**REGISTER, "email": "queued@example.test"})
        assert response.status_code == 302
        # Nothing runs in the web process: the message waits in the database and the queue.
        assert box.to("queued@example.test") == [] and _count(app, QueuedMail) == 1
        with consumer(app) as running:
            wait_until(lambda: box.to("queued@example.test"), what="the mail", consumers=[running])
            wait_until(lambda: _count(app, QueuedMail) == 0, what="the sent row going", consumers=[running])
        assert "/verify-email/" in Mailbox.link(box.to("queued@example.test")[0])
        assert len(box.to("queued@example.test")) == 1


def test_a_refused_registration_queues_no_mail(smtp_server, box):
    with queue_app(**smtp_settings(smtp_server)) as app:
        app.test_client_class = Client
        response = app.test_client().post_form("/register", {**REGISTER, "email": "not-an-address"})
        assert response.status_code == 422
        assert _count(app, QueuedMail) == 0


def test_two_consumers_never_send_one_message_twice(smtp_server, box):
    """Twenty messages whose jobs never reached the queue, and each queued twice more besides:
    both consumers' sweeps and every job race for them; each message is sent exactly once."""
    with queue_app(**smtp_settings(smtp_server)) as app:
        with app.app_context():
            ids = []
            for number in range(20):
                row = QueuedMail(
                    recipient=f"race{number}@example.test",
                    subject="Race",
                    body_encrypted=crypto.encrypt_json("hello"),
                    attempts=0,
                )
                db.session.add(row)
                db.session.flush()
                ids.append(row.id)
            db.session.commit()
            tasks = app.extensions["huey_tasks"]
            for mail_id in ids * 2:
                tasks["deliver_mail"](mail_id)
        with consumer(app) as first, consumer(app) as second:
            wait_until(
                lambda: _count(app, QueuedMail) == 0, what="every message sent", consumers=[first, second]
            )
        for number in range(20):
            assert len(box.to(f"race{number}@example.test")) == 1


def test_the_periodic_wizard_sweep_removes_expired_wizards_only():
    with queue_app() as app:
        with app.app_context():
            member = factories.member(role="owner")
            integration = factories.IntegrationFactory.published(workspace=member.workspace)
            expired = WizardSession(
                user_id=member.user.id,
                integration_id=integration.id,
                expires_at=utcnow() - timedelta(minutes=1),
            )
            live = WizardSession(
                user_id=member.user.id,
                integration_id=integration.id,
                expires_at=utcnow() + timedelta(hours=1),
            )
            db.session.add_all([expired, live])
            db.session.commit()
            expired_id, live_id = expired.id, live.id

        def gone() -> bool:
            with app.app_context():
                return db.session.get(WizardSession, expired_id) is None

        with consumer(app) as running:
            wait_until(gone, what="the expired wizard going", consumers=[running])
        with app.app_context():
            assert db.session.get(WizardSession, live_id) is not None


def test_a_page_that_queues_mail_answers_while_the_queue_is_unreachable_and_the_sweep_sends_it_later(
    smtp_server, box, caplog
):
    """Redis (or the queue's file) gone: the request still commits and answers; the message waits
    in the database, and the periodic mail sweep sends it once a consumer runs again."""
    dead = {"HUEY_REDIS_URL": "redis://127.0.0.1:9/0", "HUEY_REDIS_TIMEOUT_SECONDS": 0.5}
    with queue_app(**smtp_settings(smtp_server), **dead) as app:
        # The migrations' logging setup (alembic.ini) replaced the root handlers, caplog's too.
        logging.getLogger().addHandler(caplog.handler)
        app.test_client_class = Client
        response = app.test_client().post_form("/register", {**REGISTER, "email": "later@example.test"})
        assert response.status_code == 302 and response.headers["Location"] == "/check-email"
        assert "job deliver_mail not queued now (ConnectionError)" in caplog.text
        assert _count(app, QueuedMail) == 1 and box.to("later@example.test") == []
        with app.app_context():
            assert mail.deliver_due() == 1
        assert len(box.to("later@example.test")) == 1 and _count(app, QueuedMail) == 0


def test_an_install_and_check_now_answer_while_redis_is_down_and_the_check_sweep_does_the_check_later(
    caplog,
):
    """Redis gone: a whole install (its key tested in the request itself) completes and the
    installations page answers; "Check now" answers too, its job not queued (one warning). Nothing
    is lost: the installation keeps its last check, and the periodic check sweep tests it again
    once it is due (hourly), as it does every installation."""
    from app.database import write_intent
    from app.models import Installation
    from app.services import connection_check
    from tests.conftest import AuthActions
    from tests.install_support import admin, publish, wizard_id_from
    from tests.security.loopback_servers import Endpoint

    def accepts_demo_keys(handler, endpoint):
        handler.send_response(200 if "demo-key" in handler.headers.get("X-Api-Key", "") else 401)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    service = Endpoint("127.0.0.1", accepts_demo_keys)
    dead = {"HUEY_REDIS_URL": "redis://127.0.0.1:9/0", "HUEY_REDIS_TIMEOUT_SECONDS": 0.5}
    try:
        with queue_app(**dead) as app:
            logging.getLogger().addHandler(caplog.handler)  # see the registration test above
            with app.app_context():
                owner, workspace = admin()
                integration = publish(
                    auth={
                        "type": "api_key",
                        "authHeaderName": "X-Api-Key",
                        "authValuePrefix": "",
                        "test": {"method": "GET", "url": f"{service.url}/test", "expectStatus": 200},
                    }
                )
                db.session.commit()
                email, ws, path = owner.email, workspace.slug, f"{integration.publisher}/{integration.slug}"
                workspace_id = workspace.id
            app.test_client_class = Client
            client = app.test_client()
            AuthActions(client).login(email)
            started = client.post_form(f"/install/{path}", {"workspace": workspace_id, "consent": "y"})
            wid = wizard_id_from(started.headers["Location"])
            assert client.post_form(f"/install/w/{wid}/auth", {"api_key": "demo-key-1"}).status_code == 302
            installed = client.post_form(f"/install/w/{wid}/review")
            assert installed.status_code == 302 and installed.headers["Location"].endswith(
                f"/{ws}/installations"
            )
            page = client.get(f"/workspaces/{ws}/installations")
            assert page.status_code == 200 and "Connected" in page.get_data(as_text=True)

            with app.app_context():
                installation = db.session.scalar(db.select(Installation))
                installation_id, first_check = installation.id, installation.checked_at
            assert len(service.hits) == 1  # the wizard's test, in the request
            checked = client.post_form(f"/workspaces/{ws}/installations/{installation_id}/check")
            assert checked.status_code == 302
            assert "job check_installation not queued now (ConnectionError)" in caplog.text
            assert client.get(f"/workspaces/{ws}/installations").status_code == 200
            with app.app_context():
                kept = db.session.get(Installation, installation_id)
                assert kept.checked_at == first_check and kept.check_ok is True and len(service.hits) == 1

                # An hour on, the periodic sweep (run here as a consumer would) tests it again.
                kept.checked_at = utcnow() - timedelta(hours=1, minutes=1)
                db.session.commit()
                with write_intent():
                    assert connection_check.check_due() == 1
                db.session.expire_all()
                again = db.session.get(Installation, installation_id)
                assert again.checked_at > first_check and again.check_ok is True
            assert len(service.hits) == 2
    finally:
        service.stop()
