"""The page generation's own connection (catalog.generation.GenerationReader) on a PostgreSQL reached
through a FaultProxy: connections reset by the network fail the read with an error the app answers
503 (never a hang, never a bug), and the read works again, on a new connection, once the network
does -- with no pool pre-ping to find the broken connection first."""

from __future__ import annotations

import pytest

from app import create_app
from app.database import database_unavailable
from app.extensions import db
from app.services import catalog
from tests import databases
from tests.pg_available import pg_available

from .proxy import FaultProxy
from .support import FAULT_SETTINGS

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(not pg_available(), reason="no PostgreSQL server answers on 127.0.0.1:5432"),
]


def test_a_reset_connection_fails_the_read_as_unavailable_and_the_next_read_reconnects():
    with databases.migrated_app("postgresql") as seeder, FaultProxy(5432) as proxy:
        url = seeder.config["SQLALCHEMY_DATABASE_URI"].replace(
            "@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/"
        )
        bounds = ("DATABASE_STATEMENT_TIMEOUT_MS", "DATABASE_CONNECT_TIMEOUT")
        app = create_app(databases.test_config(url, **{key: int(FAULT_SETTINGS[key]) for key in bounds}))
        with app.app_context():
            engine = db.engine
        try:
            before = catalog.page_generation_of(engine)  # a kept connection now exists

            proxy.set_mode("reset")
            for _ in range(2):  # the kept connection, then a new one each time
                with pytest.raises(Exception) as failed:
                    catalog.page_generation_of(engine)
                assert database_unavailable(failed.value), repr(failed.value)

            proxy.set_mode("pass")
            assert catalog.page_generation_of(engine) == before
        finally:
            engine.dispose()
