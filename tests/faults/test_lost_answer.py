"""A CI publisher's write whose answer is lost on the way back (the connection cut after the server
committed) is retried with the same Idempotency-Key: exactly one integration exists, and the retry
gets the first answer. Through a TCP proxy in front of a live server, on the suite's backend."""

from __future__ import annotations

import pytest
import requests

from app.extensions import db
from app.models import Integration
from app.services import tokens
from tests import factories
from tests.browser.fixtures import LiveServer
from tests.databases import migrated_app
from tests.web.publishing_helpers import AUTH, MANIFEST, VARIABLES

from .proxy import FaultProxy
from .support import session

pytestmark = pytest.mark.faults


def test_a_write_retried_after_a_cut_connection_creates_one_row():
    with migrated_app() as app:
        with app.app_context():
            member = factories.member(role="owner")
            handle = factories.namespace_for(member.workspace)
            _, raw = tokens.create_token(member.user, member.workspace.id, "CI", 30)
            db.session.commit()
        server = LiveServer(app).start()
        try:
            with FaultProxy(int(server.url.rsplit(":", 1)[1])) as proxy:
                url = f"http://127.0.0.1:{proxy.port}/api/v1/integrations"
                headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": "build-1234-publish"}
                body = {"name": "Cut Off", "publisher": handle, "manifest": MANIFEST}
                body.update(variablesSchema=VARIABLES, authConfig=AUTH)

                proxy.set_mode("cut_answers")
                with pytest.raises(requests.ConnectionError):
                    session().post(url, json=body, headers=headers, timeout=30)
                with app.app_context():  # the server did the work; the client never heard
                    assert db.session.scalar(db.select(db.func.count()).select_from(Integration)) == 1

                proxy.set_mode("pass")
                retry = session().post(url, json=body, headers=headers, timeout=30)
                assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
                with app.app_context():
                    rows = db.session.scalars(db.select(Integration)).all()
                    assert [row.id for row in rows] == [retry.json()["id"]]
        finally:
            server.stop()
