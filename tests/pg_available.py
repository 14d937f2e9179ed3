"""`python -m tests.pg_available`: exit 0 when the test PostgreSQL server answers."""

from __future__ import annotations

import os
import sys

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


if __name__ == "__main__":
    sys.exit(0 if pg_available() else 1)
