"""A limit is a limit in total, not per process: two gunicorn processes sharing Redis allow the
login limit once between them; on per-process memory they would allow it twice (issue item 5)."""

from __future__ import annotations

import uuid

import pytest
import redis

from tests.databases import TEST_CREDENTIALS_KEY, migrated_app
from tests.processes import Person, free_port, gunicorn_processes

pytestmark = pytest.mark.concurrency

REDIS_URL = "redis://127.0.0.1:6379/0"
LIMIT = 3


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis answers at {REDIS_URL} ({error})")
    return client


def _bad_logins(urls: list[str], rounds: int) -> list[int]:
    """Alternate between the processes, one person, as a password-guesser would."""
    person = Person()
    statuses = []
    try:
        for n in range(rounds):
            url = urls[n % len(urls)]
            response = person.post(f"{url}/login", {"email": "victim@example.test", "password": f"guess-{n}"})
            statuses.append(response.status_code)
    finally:
        person.http.close()  # no kept-alive connection holds gunicorn's graceful shutdown
    return statuses


def _serve(database_url: str, storage: str, prefix: str):
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "processes-test-secret",
        "CREDENTIALS_KEYS": TEST_CREDENTIALS_KEY,
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
        "DEMO_OAUTH_PROVIDER": "0",
        "MARKETPLACE_ENV": "",
    }
    return gunicorn_processes([free_port(), free_port()], env)


def test_two_processes_on_redis_allow_the_login_limit_once_in_total():
    store = _redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex}"  # parallel runs never share counters
    try:
        with migrated_app() as seeded:
            url = seeded.config["SQLALCHEMY_DATABASE_URI"]
            with _serve(url, REDIS_URL, prefix) as urls:
                statuses = _bad_logins(urls, 2 * LIMIT + 2)
            assert statuses.count(422) == LIMIT, statuses
            assert statuses[LIMIT:] == [429] * (LIMIT + 2), statuses
            assert any(store.scan_iter(f"*{prefix}*"))  # the counters really live in Redis

            # The same two processes on per-process memory: each counts alone, so twice the limit.
            with _serve(url, "memory://", prefix) as urls:
                assert _bad_logins(urls, 2 * LIMIT + 2).count(422) == 2 * LIMIT
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
