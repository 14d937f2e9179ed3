"""versions move the catalog generation

Revision ID: 0007
Revises: 0006_idempotency
Create Date: 2026-11-29

The catalog generation (migration 0002) moved only on writes to integrations. The detail page also
shows an integration's versions (yanked or not, with their reasons), and yanking a version that is
not the current one writes no integration row, so a page cached against the generation could have
outlived a yank. Now any write to integration_versions moves it too, by the same triggers' rule:
SQLite row triggers bumping slot 0, PostgreSQL a statement trigger calling
bump_catalog_generation() (created by 0002).

NOTE for later migrations: on SQLite, a batch "recreate" of integration_versions drops these
triggers; such a migration must create them again (upgrade() here shows how).
"""
from alembic import op

revision = "0007"
down_revision = "0006_idempotency"
branch_labels = None
depends_on = None

SQLITE_EVENTS = {"ai": "INSERT", "au": "UPDATE", "ad": "DELETE"}


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name, event in SQLITE_EVENTS.items():
            op.execute(
                f"CREATE TRIGGER catalog_generation_versions_{name} AFTER {event} ON integration_versions BEGIN "
                "UPDATE catalog_state SET generation = generation + 1 + (abs(random()) % 1000000007) "
                "WHERE slot = 0; END"
            )
        return
    op.execute(
        "CREATE TRIGGER integration_versions_catalog_generation AFTER INSERT OR UPDATE OR DELETE "
        "ON integration_versions FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation()"
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS catalog_generation_versions_{name}")
        return
    op.execute("DROP TRIGGER IF EXISTS integration_versions_catalog_generation ON integration_versions")
