"""API tokens record when they were last used, at most once a minute (issue item 6)."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import ApiToken
from app.models.base import utcnow
from app.services import tokens
from tests.conftest import AuthActions

from ..web.publishing_helpers import make_publisher


def _token(factories):
    p = make_publisher(factories)
    token, raw = tokens.create_token(p.user, p.workspace.id, "CI", None)
    db.session.commit()
    return p, token.id, {"Authorization": f"Bearer {raw}"}


def _last_used(token_id):
    db.session.expire_all()
    return db.session.get(ApiToken, token_id).last_used_at


def test_a_token_records_its_last_use_at_most_once_a_minute(client, factories, query_counter):
    _, token_id, bearer = _token(factories)
    assert _last_used(token_id) is None

    assert client.get("/api/v1/integrations", headers=bearer).status_code == 200
    first = _last_used(token_id)
    assert first is not None and utcnow() - first < timedelta(minutes=1)

    with query_counter:
        assert client.get("/api/v1/integrations", headers=bearer).status_code == 200
    assert _last_used(token_id) == first  # within the minute: not written again...
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in query_counter.statements)

    db.session.get(ApiToken, token_id).last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    assert client.get("/api/v1/integrations", headers=bearer).status_code == 200
    assert _last_used(token_id) > first - timedelta(minutes=2)  # ...after it, once more


def test_a_failing_write_still_counts_as_a_use_and_a_bad_token_records_nothing(client, factories):
    _, token_id, bearer = _token(factories)
    assert client.post("/api/v1/integrations", json={"name": ""}, headers=bearer).status_code == 422
    assert _last_used(token_id) is not None
    tokens.revoke_token(db.session.get(ApiToken, token_id).user, token_id)
    db.session.get(ApiToken, token_id).last_used_at = None
    db.session.commit()
    assert client.get("/api/v1/integrations", headers=bearer).status_code == 401
    assert _last_used(token_id) is None


def _last_used_cell(page: str) -> str:
    row = page[page.index("<tbody>") : page.index("</tbody>")]
    return row.split('<td data-label="Last used">')[1].split("</td>")[0].strip()


def test_the_tokens_page_shows_the_last_use(app, client, factories):
    p, token_id, bearer = _token(factories)
    AuthActions(client).login(p.user)
    assert _last_used_cell(client.get("/settings/tokens").get_data(as_text=True)) == "—"
    client.get("/api/v1/integrations", headers=bearer)
    shown = _last_used_cell(client.get("/settings/tokens").get_data(as_text=True))
    assert shown == app.jinja_env.filters["date"](_last_used(token_id)) and shown != "—"
