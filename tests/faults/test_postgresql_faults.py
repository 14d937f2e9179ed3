"""PostgreSQL that stops answering or drops connections: gunicorn (two workers) reaches it through
a TCP proxy the test controls. /healthz answers 503 within 2 s, pages 503 with Retry-After within
the bounded waits, workers live through it, and the app recovers without a restart. Runs on a
PostgreSQL database of its own whichever leg of the suite runs it."""

from __future__ import annotations

import time

import pytest

from app.extensions import db
from tests import factories
from tests.databases import migrated_app
from tests.pg_available import pg_available

from .proxy import FaultProxy
from .support import FAULT_SETTINGS, csrf_from, gunicorn, session, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(not pg_available(), reason="no PostgreSQL server answers on 127.0.0.1:5432"),
]

# The worst a page may wait on a silent database: one bounded wait on a pooled connection
# (statement timeout + 1 s) then one bounded connect; generous, and far from gunicorn's 30 s.
STATEMENT_S = int(FAULT_SETTINGS["DATABASE_STATEMENT_TIMEOUT_MS"]) / 1000
PAGE_BOUND_S = (STATEMENT_S + 1) + int(FAULT_SETTINGS["DATABASE_CONNECT_TIMEOUT"]) + 3


@pytest.fixture(scope="module")
def served():
    """A fresh PostgreSQL database with one user; gunicorn reaching it through a FaultProxy. Shared
    by this module's tests (starting gunicorn is the slow part); each leaves the proxy passing and
    the app recovered."""
    with migrated_app("postgresql") as seeder:
        with seeder.app_context():
            email = factories.member(role="owner").user.email
            db.session.commit()
        url = seeder.config["SQLALCHEMY_DATABASE_URI"]
        with FaultProxy(5432) as proxy:
            proxied = url.replace("postgresql+psycopg://", "postgresql://").replace(
                "@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/"
            )
            env = {
                "DATABASE_URL": proxied,
                "SECRET_KEY": seeder.config["SECRET_KEY"],
                "CREDENTIALS_KEYS": ",".join(seeder.config["CREDENTIALS_KEYS"]),
            }
            with gunicorn(env) as server:
                yield server, proxy, email


@pytest.fixture
def behind_proxy(served):
    server, proxy, _ = served
    yield served
    proxy.set_mode("pass")  # whatever happened, the next test starts on a database that answers
    wait_for(lambda: session().get(f"{server.url}/healthz", timeout=5).status_code == 200, what="recovery")


def timed_get(http, url: str, **kwargs):
    started = time.monotonic()
    response = http.get(url, timeout=30, allow_redirects=False, **kwargs)
    return response, time.monotonic() - started


def test_a_black_holed_database_answers_503_fast_and_recovers_without_a_restart(behind_proxy):
    server, proxy, _email = behind_proxy
    http = session()
    for _ in range(6):  # both workers hold pooled connections that will go silent
        assert http.get(f"{server.url}/integrations", timeout=10).status_code == 200
    workers = server.workers()
    assert len(workers) == 2

    proxy.set_mode("blackhole")
    health, elapsed = timed_get(http, f"{server.url}/healthz")
    assert health.status_code == 503 and elapsed < 2.0, elapsed
    answers = [timed_get(session(), f"{server.url}/integrations") for _ in range(3)]
    for page, took in answers:
        assert page.status_code == 503 and took < PAGE_BOUND_S, (page.status_code, took)
        assert page.headers["Retry-After"] == FAULT_SETTINGS["RETRY_AFTER_SECONDS"]
        assert "Temporarily unavailable" in page.text
    api, took = timed_get(http, f"{server.url}/api/v1/integrations")
    assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"
    assert api.headers["Retry-After"] == FAULT_SETTINGS["RETRY_AFTER_SECONDS"]
    health, elapsed = timed_get(http, f"{server.url}/healthz")
    assert health.status_code == 503 and elapsed < 2.0, elapsed

    proxy.set_mode("pass")
    wait_for(lambda: http.get(f"{server.url}/healthz", timeout=5).status_code == 200, what="recovery")
    wait_for(lambda: http.get(f"{server.url}/integrations", timeout=5).status_code == 200, what="pages back")
    assert server.workers() == workers  # the same processes: none killed, none restarted
    assert "WORKER TIMEOUT" not in server.log()


def test_reset_connections_answer_503_pages_for_everyone_with_one_log_line_each(behind_proxy):
    server, proxy, email = behind_proxy
    visitor, member = session(), session()
    login_page = member.get(f"{server.url}/login", timeout=10)
    signed_in = member.post(
        f"{server.url}/login",
        data={"email": email, "password": "password123", "csrf_token": csrf_from(login_page)},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302
    assert member.get(f"{server.url}/dashboard", timeout=10).status_code == 200
    log_before = len(server.log().splitlines())

    proxy.set_mode("reset")
    failed = [
        visitor.get(f"{server.url}/", timeout=30),
        member.get(f"{server.url}/", timeout=30),
        member.get(f"{server.url}/dashboard", timeout=30, allow_redirects=False),
        member.get(f"{server.url}/api/v1/integrations", timeout=30),
    ]
    for page in failed:
        assert page.status_code == 503
    # The API's too, though its rate limiter writes its own window's end there on other answers.
    assert [page.headers["Retry-After"] for page in failed] == ["3", "3", "3", "3"]
    assert "RateLimit-Limit" in failed[3].headers
    for page in failed[:3]:  # the site's own page, not a bare server error
        assert 'class="site-header"' in page.text and "Temporarily unavailable" in page.text
        assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert failed[3].json()["error"]["code"] == "unavailable"

    lines = server.log().splitlines()[log_before:]
    assert len([line for line in lines if "answered 503" in line]) == len(failed), lines
    assert not [line for line in lines if "Traceback" in line or "ERROR" in line], lines

    proxy.set_mode("pass")
    wait_for(
        lambda: member.get(f"{server.url}/dashboard", timeout=5, allow_redirects=False).status_code == 200,
        what="the member's dashboard coming back",
    )
