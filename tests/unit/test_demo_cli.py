"""`flask seed-demo` and `flask create-user`: the demo is complete and idempotent; accounts are
created with clear errors for bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from app import demo
from app.extensions import db
from app.models import (
    AuditEvent,
    Credential,
    Installation,
    Integration,
    IntegrationVersion,
    Membership,
    PublisherNamespace,
    User,
    Workspace,
)
from app.models.install import LIVE_STATUSES
from app.models.integration import AUTH_TYPES, TRUST_TIERS

from ..counting import row_count
from ..databases import fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
SEEDED = (
    User,
    Workspace,
    Membership,
    PublisherNamespace,
    Integration,
    IntegrationVersion,
    Installation,
    Credential,
    AuditEvent,
)


def _counts() -> dict[str, int]:
    return {model.__name__: row_count(model) for model in SEEDED}


def _state(integration: Integration) -> str:
    if integration.deleted_at:
        return "deleted"
    if integration.current_version is None:
        return "draft"
    return integration.visibility


def test_seed_demo_fills_every_state_tier_and_auth_type_and_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for email, _, _ in demo.ACCOUNTS:
        assert email in first.output
    assert demo.DEMO_PASSWORD in first.output
    counts = _counts()

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "0 new integrations, 0 new installations" in second.output
    assert _counts() == counts

    integrations = db.session.scalars(db.select(Integration)).all()
    assert 36 <= len(integrations) <= 50
    assert counts["Workspace"] >= 4 and counts["PublisherNamespace"] >= 5
    assert {i.trust_tier for i in integrations} == set(TRUST_TIERS)
    assert {i.auth_type for i in integrations} == set(AUTH_TYPES)
    states = Counter(_state(i) for i in integrations)
    assert set(states) == {"public", "unlisted", "private", "draft", "deleted"}
    assert all(i.versions and i.versions[0].changelog for i in integrations if _state(i) != "draft")
    assert sum(len(i.versions) > 1 for i in integrations) >= 10


def test_seed_demo_has_yanked_versions_that_current_version_skips(runner):
    runner.invoke(args=["seed-demo"])
    yanked = db.session.scalars(
        db.select(IntegrationVersion).where(IntegrationVersion.yanked_at.is_not(None))
    ).all()
    assert yanked and all(v.yank_reason for v in yanked)
    for version in yanked:
        assert version.integration.current_version != version.version
        assert version.integration.current_version in {
            v.version for v in version.integration.versions if not v.is_yanked
        }


def test_seed_demo_install_counts_are_real_installations(runner):
    runner.invoke(args=["seed-demo"])
    installations = db.session.scalars(db.select(Installation)).all()
    assert len(installations) >= 5
    live = Counter(i.integration_id for i in installations if i.status in LIVE_STATUSES)
    for integration in db.session.scalars(db.select(Integration)):
        assert integration.install_count == live.get(integration.id, 0), integration
    for installation in installations:
        assert installation.version.integration_id == installation.integration_id
        assert {m.mode for m in installation.members} == {"linked", "fork"}
        role = db.session.scalar(
            db.select(Membership.role).where(
                Membership.workspace_id == installation.workspace_id,
                Membership.user_id == installation.installed_by,
            )
        )
        assert role in ("owner", "admin")
    credential = db.session.scalars(db.select(Credential)).one()
    assert "pd-demo-key" not in credential.secret_encrypted  # encrypted at rest


def test_seed_demo_if_empty_leaves_a_used_database_alone(runner, factories):
    factories.UserFactory()
    before = _counts()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "not seeded" in result.output
    assert "alice@acme.test" in result.output  # still tells a newcomer how to log in
    assert _counts() == before


# --- create-user ----------------------------------------------------------------------------


def _user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


def test_create_user_with_a_password_option(runner):
    result = runner.invoke(args=["create-user", "Ops@Example.test", "--staff", "--password", "longpassword"])
    assert result.exit_code == 0, result.output
    assert "Created staff user ops@example.test" in result.output
    user = _user("ops@example.test")
    assert user.is_staff and user.check_password("longpassword")


def test_create_user_prompts_for_the_password_twice(runner):
    result = runner.invoke(args=["create-user", "plain@example.test"], input="longpassword\nlongpassword\n")
    assert result.exit_code == 0, result.output
    user = _user("plain@example.test")
    assert not user.is_staff and user.check_password("longpassword")
    assert "longpassword" not in result.output


@pytest.mark.parametrize(
    "email, password, message",
    [
        ("TAKEN@example.test", "longpassword", "already exists"),
        ("not-an-email", "longpassword", "valid email address"),
        ("x@example.test", "short", "8 to 128 characters"),
    ],
)
def test_create_user_refuses_bad_input_clearly(runner, factories, email, password, message):
    factories.UserFactory(email="taken@example.test")
    db.session.commit()
    before = row_count(User)
    result = runner.invoke(args=["create-user", email, "--password", password])
    assert result.exit_code == 1
    assert "Error:" in result.output and message in result.output
    assert row_count(User) == before


# --- the real command line, on a brand-new database -----------------------------------------


@pytest.mark.concurrency  # its own database, written by other processes
def test_upgrade_then_seed_twice_from_the_command_line():
    with fresh_database_url() as url:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "cli-test", "FLASK_APP": "app"}
        env.pop("MARKETPLACE_ENV", None)

        def flask(*args):
            return subprocess.run(
                [sys.executable, "-m", "flask", "--app", "app", *args],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )

        assert flask("db", "upgrade").returncode == 0
        first = flask("seed-demo", "--if-empty")
        assert first.returncode == 0, first.stderr
        assert "40 new integrations" in first.stdout and "staff@demo.test" in first.stdout
        again = flask("seed-demo")
        assert again.returncode == 0 and "0 new integrations, 0 new installations" in again.stdout
        assert "not seeded" in flask("seed-demo", "--if-empty").stdout


def test_seed_demo_has_one_pending_review_that_demo_staff_may_decide(runner):
    from app.models import ListingReview, User
    from app.services import reviews

    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["seed-demo"])  # still one
    [pending] = db.session.scalars(db.select(ListingReview).where(ListingReview.status == "pending")).all()
    assert pending.kind == "version" and pending.version.version == "2.2.0"
    assert pending.integration.current_version == "2.1.0"  # the public keeps the approved version
    assert [t["code"] for t in pending.triggers] == ["scopes_grown"]
    staff = db.session.scalar(db.select(User).where(User.email == "staff@demo.test"))
    assert not reviews.is_own_submission(staff, pending)


def test_seed_demo_files_every_listing_in_a_category_and_most_have_links(runner):
    from app.domain.listing_links import missing_required

    runner.invoke(args=["seed-demo"])
    integrations = db.session.scalars(db.select(Integration)).all()
    assert integrations and all(i.primary_category_id for i in integrations)
    assert all(i.secondary_category_id != i.primary_category_id for i in integrations)
    with_links = [i for i in integrations if i.links]
    assert len(with_links) > len(integrations) / 2
    # above community, every public listing has the links MP007 asks for
    assert not [i for i in integrations if i.trust_tier != "community" and missing_required(i.links)]
    described = [i for i in integrations if (i.auth_config or {}).get("accessDescription")]
    assert described and all(i.auth_config["type"] == "api_key" for i in described)
