"""Fresh, migrated databases for the test suite: a SQLite file, or a PostgreSQL database
made for the run and dropped after. Nothing depends on data from an earlier run."""

from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet

from .pg_available import PG_ADMIN_URL

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")

TEST_CREDENTIALS_KEY = Fernet.generate_key().decode()


def test_config(database_url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "CREDENTIALS_KEYS": [TEST_CREDENTIALS_KEY],
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


@contextmanager
def fresh_database_url(backend: str = BACKEND):
    """Yield the URL of a new, empty database; drop it afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="marketplace-test-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'test.sqlite3'}"
        return
    import psycopg

    name = f"marketplace_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_to_head(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@contextmanager
def migrated_app(backend: str = BACKEND, **extra):
    """A new app on a new database built by the real migrations. Its engines are disposed after."""
    from app import create_app
    from app.extensions import db

    with fresh_database_url(backend) as url:
        app = create_app(test_config(url, **extra))
        migrate_to_head(app)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
