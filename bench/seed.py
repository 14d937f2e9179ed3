"""Bulk seeding for the benchmark: N integrations (and one version each) through Core executemany,
in batches of BATCH rows, with a progress bar. The search triggers and catalog generation stay live."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import click
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import (
    Category,
    Integration,
    IntegrationVersion,
    Membership,
    PublisherNamespace,
    User,
    Workspace,
)
from app.models.base import utcnow

ADJECTIVES = [
    "Simple",
    "Smart",
    "Rapid",
    "Secure",
    "Open",
    "Cloud",
    "Team",
    "Auto",
    "Live",
    "Bright",
    "Quiet",
    "Bold",
    "Clear",
    "Swift",
    "Steady",
    "Prime",
    "Neat",
    "Solid",
    "Keen",
    "Fresh",
]
NOUNS = [
    "Invoices",
    "Tickets",
    "Alerts",
    "Payments",
    "Deploys",
    "Calendars",
    "Contacts",
    "Backups",
    "Reports",
    "Metrics",
    "Chat",
    "Email",
    "Docs",
    "Forms",
    "Tasks",
    "Leads",
    "Orders",
    "Builds",
    "Logs",
    "Files",
    "Surveys",
    "Budgets",
    "Shifts",
    "Assets",
    "Feeds",
    "Maps",
    "Notes",
    "Quotes",
    "Repos",
    "Queues",
    "Signals",
    "Stocks",
    "Tokens",
    "Trips",
    "Votes",
    "Wikis",
    "Badges",
    "Carts",
    "Clips",
    "Deals",
    "Events",
    "Grants",
    "Hooks",
    "Issues",
    "Jobs",
    "Labels",
    "Media",
    "Polls",
    "Rooms",
    "Sprints",
]
TIERS = (
    ["community"] * 60
    + ["verified_publisher"] * 20
    + ["verified_partner"] * 10
    + ["vendor_official"] * 7
    + ["first_party"] * 3
)
PUBLISHERS = 50
SPECIFIC_TERM = "zendesk"  # in exactly 5 names whatever N: a search for one specific service
BROAD_TERM = "payments"  # in about 1 name in 50: a broad search
DETAIL_VERSIONS = 20
# The signed-in member the benchmark logs in as: a member of MEMBER_WORKSPACES of the publishing
# workspaces, so their catalog also lists those workspaces' private integrations.
BENCH_EMAIL = "bench@example.test"
BENCH_PASSWORD = "bench-password"
MEMBER_WORKSPACES = 3
BATCH = 1000  # rows per multi-row INSERT (under both databases' bind-parameter limits)


def _state(i: int) -> dict:
    roll = i % 100
    if roll < 90 or i == 0:
        return {"visibility": "public"}
    if roll < 94:
        return {"visibility": "private"}
    if roll < 97:
        return {"visibility": "unlisted"}
    if roll < 99:
        return {"visibility": "public", "current_version": None}
    return {"visibility": "public", "deleted_at": utcnow()}


def seed(n: int, *, show_progress: bool = True) -> dict:
    """Fill an empty, migrated database. Returns what the benchmark needs to build its URLs."""
    rng = random.Random(1234)
    now = utcnow()
    user_id = str(uuid.uuid4())
    db.session.execute(
        insert(User.__table__),
        [
            {
                "id": user_id,
                "email": BENCH_EMAIL,
                "display_name": "Bench",
                "password_hash": generate_password_hash(BENCH_PASSWORD),
                "is_staff": False,
                "is_active_account": True,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    workspaces = [
        {
            "id": str(uuid.uuid4()),
            "slug": f"bench-{k}",
            "name": f"Bench {k}",
            "created_at": now,
            "updated_at": now,
        }
        for k in range(PUBLISHERS)
    ]
    db.session.execute(insert(Workspace.__table__), workspaces)
    handles = [f"publisher-{k:02d}" for k in range(PUBLISHERS)]
    db.session.execute(
        insert(PublisherNamespace.__table__),
        [
            {"handle": h, "workspace_id": w["id"], "claimed_by": user_id, "claimed_at": now}
            for h, w in zip(handles, workspaces, strict=False)
        ],
    )
    db.session.execute(
        insert(Membership.__table__),
        [
            {
                "id": str(uuid.uuid4()),
                "workspace_id": w["id"],
                "user_id": user_id,
                "role": "member",
                "created_at": now,
                "updated_at": now,
            }
            for w in workspaces[:MEMBER_WORKSPACES]
        ],
    )
    db.session.commit()

    # Every listing in a category (the seeded taxonomy), a third in a second one: cards show the label,
    # the catalog counts both.
    category_ids = list(db.session.scalars(select(Category.id).order_by(Category.position)))
    specific_every = max(1, n // 5)
    detail = None
    with click.progressbar(
        length=n,
        label=f"Seeding {n:,} integrations",
        show_pos=True,
        file=None if show_progress else open("/dev/null", "w"),
    ) as bar:
        for start in range(0, n, BATCH):
            integrations, versions = [], []
            for i in range(start, min(n, start + BATCH)):
                k = i % PUBLISHERS
                noun = (
                    SPECIFIC_TERM.capitalize()
                    if i % specific_every == 0
                    else NOUNS[rng.randrange(len(NOUNS))]
                )
                name = f"{ADJECTIVES[rng.randrange(len(ADJECTIVES))]} {noun} {i}"
                updated = now - timedelta(minutes=rng.randrange(500_000))
                row = {
                    "id": str(uuid.uuid4()),
                    "workspace_id": workspaces[k]["id"],
                    "slug": f"integration-{i}",
                    "name": name,
                    "publisher": handles[k],
                    "trust_tier": TIERS[rng.randrange(len(TIERS))],
                    "description": f"{name} keeps your {noun.lower()} in sync with your workspace. "
                    f"Set up in minutes; works with {NOUNS[rng.randrange(len(NOUNS))].lower()} too.",
                    "icon_url": None,
                    "current_version": "1.0.0",
                    "manifest": {"members": [], "dependencies": [], "defaults": {}},
                    "variables_schema": {"type": "object", "properties": {}},
                    "auth_config": {"type": "none"},
                    "created_by": user_id,
                    "deleted_at": None,
                    "retention_tier": None,
                    "install_count": int(rng.paretovariate(1.2)) - 1,
                    "last_published_at": updated,
                    "oauth_client_secret_encrypted": None,
                    "takedown_note": None,
                    "taken_down_at": None,
                    "primary_category_id": category_ids[i % len(category_ids)],
                    "secondary_category_id": category_ids[(i + 1) % len(category_ids)]
                    if i % 3 == 0
                    else None,
                    "links": {
                        "privacy": "https://example.com/privacy",
                        "support": "https://example.com/support",
                    },
                    "created_at": updated - timedelta(days=30),
                    "updated_at": updated,
                }
                row.update(_state(i))
                integrations.append(row)
                if i == 0:
                    detail = row
                    count = DETAIL_VERSIONS
                else:
                    count = 1 if row["current_version"] else 0
                for v in range(count):
                    versions.append(
                        {
                            "id": str(uuid.uuid4()),
                            "integration_id": row["id"],
                            "version": f"1.{v}.0" if i == 0 else "1.0.0",
                            "manifest": row["manifest"],
                            "variables_schema": row["variables_schema"],
                            "auth_config": row["auth_config"],
                            "changelog": f"Release notes for {v}.",
                            "published_by": user_id,
                            "published_at": updated - timedelta(days=count - v),
                            "yanked_at": None,
                            "yank_reason": None,
                        }
                    )
                if i == 0:
                    detail["current_version"] = f"1.{DETAIL_VERSIONS - 1}.0"
            # executemany of one compiled statement (SQLAlchemy batches it into multi-row INSERTs on
            # PostgreSQL, where statement-level triggers then fire once per batch): a 1,000-row
            # `.values(list)` statement cost more to compile than to run.
            db.session.execute(insert(Integration.__table__), integrations)
            if versions:
                db.session.execute(insert(IntegrationVersion.__table__), versions)
            db.session.commit()
            bar.update(len(integrations))
    # What an operator does after a bulk load: fresh planner statistics (and, on PostgreSQL, a vacuum).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE")
    return {"detail": f"/integrations/{detail['publisher']}/{detail['slug']}"}
