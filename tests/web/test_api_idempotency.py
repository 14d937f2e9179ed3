"""Idempotency-Key on the write API: a retry gets the first answer and writes nothing; the same key
on another request is a 422; a refused request leaves its key free; keys live 24 hours, per
workspace. On SQLite and PostgreSQL; the last test sends two at once on a database of its own."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import IdempotencyKey, Integration, IntegrationVersion
from app.models.base import utcnow
from app.services import tokens

from ..databases import migrated_app
from .publishing_helpers import AUTH, MANIFEST, VARIABLES, make_publisher


@pytest.fixture
def ci(factories):
    p = make_publisher(factories)
    _, raw = tokens.create_token(p.user, p.workspace.id, "CI", 30)
    db.session.commit()
    p.headers = {"Authorization": f"Bearer {raw}"}
    return p


def body(ci, **extra) -> dict:
    return {
        "name": "Acme Sync",
        "publisher": ci.handle,
        "manifest": MANIFEST,
        "variablesSchema": VARIABLES,
        "authConfig": AUTH,
        **extra,
    }


def send(client, ci, key, method="post", url="/api/v1/integrations", **kwargs):
    headers = {**ci.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return getattr(client, method)(url, headers=headers, **kwargs)


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_retried_create_gets_the_first_answer_and_writes_nothing(client, ci, factories):
    key = str(uuid.uuid4())
    first = send(client, ci, key, json=body(ci))
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    audit = factories.audit_count()
    again = send(client, ci, key, json=body(ci))
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count(Integration) == 1 and factories.audit_count() == audit
    # without a key the same body is a new request (and here a taken slug)
    assert send(client, ci, None, json=body(ci)).status_code in (409, 422)


def test_the_same_key_on_a_different_request_is_422(client, ci):
    key = "ci-run-42"
    assert send(client, ci, key, json=body(ci)).status_code == 201
    other = send(client, ci, key, json=body(ci, name="Something Else"))
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert count(Integration) == 1
    assert db.session.scalar(db.select(Integration.name)) == "Acme Sync"
    integration_id = db.session.scalar(db.select(Integration.id))
    elsewhere = send(client, ci, key, "patch", f"/api/v1/integrations/{integration_id}", json={"name": "X"})
    assert elsewhere.status_code == 422  # the same key on another path too


def test_a_refused_request_leaves_its_key_free(client, ci):
    key = "fix-and-retry"
    refused = send(client, ci, key, json=body(ci, visibility="nonsense"))
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "validation_failed"
    assert count(IdempotencyKey) == 0
    assert send(client, ci, key, json=body(ci)).status_code == 201


def test_publish_yank_update_and_delete_replay(client, ci):
    created = send(client, ci, "c", json=body(ci)).get_json()
    base = f"/api/v1/integrations/{created['id']}"
    calls = [
        ("post", f"{base}/versions", {"version": "1.0.0", "changelog": "First"}, 201),
        ("post", f"{base}/versions", {"version": "1.0.1", "changelog": "Fixed"}, 201),
        ("post", f"{base}/versions/1.0.0/yank", {"reason": "broken"}, 200),
        ("patch", base, {"description": "Now described"}, 200),
        ("delete", base, None, 200),
    ]
    for n, (method, url, payload, status) in enumerate(calls):
        kwargs = {"json": payload} if payload is not None else {}
        first = send(client, ci, f"k{n}", method, url, **kwargs)
        assert first.status_code == status, first.get_json()
        again = send(client, ci, f"k{n}", method, url, **kwargs)
        assert (again.status_code, again.get_json()) == (status, first.get_json())
        assert again.headers["Idempotent-Replayed"] == "true"
    assert count(IntegrationVersion) == 2


def test_keys_belong_to_a_workspace(client, ci, factories):
    other = make_publisher(factories)
    _, raw = tokens.create_token(other.user, other.workspace.id, "CI", 30)
    db.session.commit()
    other.headers = {"Authorization": f"Bearer {raw}"}
    assert send(client, ci, "shared", json=body(ci)).status_code == 201
    theirs = send(client, other, "shared", json=body(other))
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert count(Integration) == 2


def test_a_key_lives_24_hours(client, ci, runner):
    created = send(client, ci, "old", json=body(ci)).get_json()
    assert send(client, ci, "fresh", json=body(ci, slug="fresh-one")).status_code == 201
    stored = db.session.scalar(db.select(IdempotencyKey).where(IdempotencyKey.key == "old"))
    stored.created_at = utcnow() - timedelta(hours=24, minutes=1)
    db.session.commit()
    retried = send(client, ci, "old", json=body(ci))
    assert retried.status_code in (409, 422) and "Idempotent-Replayed" not in retried.headers  # run again
    assert count(Integration) == 2 and created["id"]
    stored = db.session.scalar(db.select(IdempotencyKey).where(IdempotencyKey.key == "fresh"))
    stored.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Erased 2 write API answer(s)" in result.output  # "old" is still expired
    assert db.session.scalars(db.select(IdempotencyKey.key)).all() == []


@pytest.mark.parametrize("key", ["", "x" * 256, "café", "two words", '"'])
def test_a_malformed_key_is_422(client, ci, key):
    response = send(client, ci, key, json=body(ci))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == "Idempotency-Key"
    assert count(Integration) == 0


def test_a_quoted_key_is_the_same_key(client, ci):
    assert send(client, ci, "abc-1", json=body(ci)).status_code == 201
    assert send(client, ci, '"abc-1"', json=body(ci)).headers["Idempotent-Replayed"] == "true"


def test_a_key_without_a_token_is_401(client):
    response = client.post("/api/v1/integrations", json={}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 401


@pytest.mark.concurrency
def test_two_identical_requests_at_once_write_once():
    """Both sent together with one key: one writes, the other waits for it and gets its answer."""
    with migrated_app() as app:
        with app.app_context():
            from tests import factories

            p = make_publisher(factories)
            _, raw = tokens.create_token(p.user, p.workspace.id, "CI", 30)
            payload = body(p)
            db.session.commit()
        barrier = threading.Barrier(4)
        answers = []

        def post():
            barrier.wait()
            response = app.test_client().post(
                "/api/v1/integrations",
                json=payload,
                headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "together"},
            )
            answers.append((response.status_code, response.get_json().get("id")))

        threads = [threading.Thread(target=post) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(answers) == 4 and {status for status, _ in answers} == {201}
        assert len({integration_id for _, integration_id in answers}) == 1
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(Integration)) == 1


def test_the_openapi_document_offers_the_key_on_every_write(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    writes = [
        operation
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method in ("post", "patch", "delete")
    ]
    assert len(writes) == 5
    for operation in writes:
        header = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert header and header[0]["in"] == "header" and header[0]["required"] is False
        success = next(r for status, r in operation["responses"].items() if status.startswith("2"))
        assert "Idempotent-Replayed" in success["headers"]
        assert "503" in operation["responses"]
