"""Purge respects every retention tier at a frozen `now`, erases installation history, and the CLI
shows a progress bar and a summary."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, Credential, Installation, Integration, IntegrationVersion
from app.models.base import utcnow
from app.services.publishing import purge


@pytest.fixture
def now():
    return utcnow()


def binned(factories, tier, days_ago, now):
    integration = factories.IntegrationFactory.published(retention_tier=tier)
    integration.deleted_at = now - timedelta(days=days_ago)
    installation = factories.InstallationFactory(integration=integration)
    db.session.add(Credential(installation_id=installation.id, kind="api_key", secret_encrypted="x"))
    db.session.flush()
    return integration


@pytest.mark.parametrize(
    ("tier", "kept_at", "purged_at"),
    [
        ("short", 6.9, 7),
        ("medium", 29.9, 30),
        ("long", 364.9, 365),
        ("none", None, 0),
        (None, 29.9, 30),
    ],
)
def test_each_tier(factories, now, tier, kept_at, purged_at):
    if kept_at is not None:
        kept = binned(factories, tier, kept_at, now)
    gone = binned(factories, tier, purged_at, now)
    live = factories.IntegrationFactory.published(retention_tier=tier)  # not in the trash: never purged
    summary = purge(now, default_days=30)
    assert [item.integration_id for item in summary.items] == [gone.id]
    assert summary.installations == 1 and summary.versions == 1
    db.session.expire_all()
    assert db.session.get(Integration, gone.id) is None
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Installation).where(Installation.integration_id == gone.id)
        )
        == 0
    )
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(IntegrationVersion)
            .where(IntegrationVersion.integration_id == gone.id)
        )
        == 0
    )
    assert db.session.get(Integration, live.id) is not None
    if kept_at is not None:
        assert db.session.get(Integration, kept.id) is not None and summary.kept == 1
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "integration.purged")).all()
    assert [e.object_id for e in events] == [gone.id]


def test_platform_default_is_configurable(factories, now):
    integration = binned(factories, None, 10, now)
    assert purge(now, default_days=30).integrations == 0
    assert [i.integration_id for i in purge(now, default_days=7).items] == [integration.id]


def test_dry_run_changes_nothing(factories, now):
    integration = binned(factories, "none", 0, now)
    before = factories.audit_count()
    summary = purge(now, dry_run=True)
    assert summary.integrations == 1 and summary.dry_run
    db.session.expire_all()
    assert db.session.get(Integration, integration.id) is not None
    assert factories.audit_count() == before


def test_restored_before_the_run_is_kept(factories, now):
    integration = binned(factories, "short", 100, now)
    integration.deleted_at = None
    db.session.flush()
    assert purge(now).integrations == 0


def test_cli_progress_and_summary(runner, factories, now):
    binned(factories, "none", 1, now)
    binned(factories, "long", 1, now)
    db.session.commit()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        "Would purge 1 integration(s), 1 installation(s) and 1 version(s); 1 in the trash are kept"
        in dry.output
    )
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Purging" in result.output and "Purged 1 integration(s)" in result.output
    again = runner.invoke(args=["purge"])
    assert "Purged 0 integration(s)" in again.output
