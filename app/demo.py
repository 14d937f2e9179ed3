"""The demo data behind `flask --app app seed-demo`: idempotent, keyed by natural keys.

Every trust tier, every auth type and every visibility state is present, with
versions, changelogs, variables and dependencies, so a newcomer sees the whole product.
"""

from __future__ import annotations

import os
from datetime import timedelta

from werkzeug.security import generate_password_hash

from .extensions import db
from .models import (
    Credential,
    Installation,
    InstallationMember,
    Integration,
    IntegrationVersion,
    Membership,
    PublisherNamespace,
    User,
    Workspace,
)
from .models.base import utcnow
from .services import audit, crypto

DEMO_PASSWORD = "demo-password"

ACCOUNTS = [
    # email, name, staff
    ("staff@demo.test", "Sam Staff", True),
    ("alice@acme.test", "Alice (Acme owner)", False),
    ("carol@acme.test", "Carol (Acme member)", False),
    ("bob@globex.test", "Bob (Globex owner)", False),
    ("dave@initech.test", "Dave (Initech owner)", False),
    ("vera@vendors.test", "Vera (vendor publisher)", False),
]

WORKSPACES = [
    # slug, name, [(email, role)], [publisher handles]
    ("marketplace", "Marketplace Team", [("staff@demo.test", "owner")], ["marketplace"]),
    (
        "vendors",
        "Vendor Partners",
        [("vera@vendors.test", "owner")],
        ["stripe", "github", "slack", "pagerduty", "zendesk"],
    ),
    (
        "acme",
        "Acme Corp",
        [("alice@acme.test", "owner"), ("carol@acme.test", "member"), ("dave@initech.test", "member")],
        ["acme"],
    ),
    ("globex", "Globex", [("bob@globex.test", "owner")], ["globex", "tinkerers"]),
    ("initech", "Initech", [("dave@initech.test", "owner"), ("carol@acme.test", "admin")], []),
]


# The secret of the demo provider's `demo-client` (app/web/demo_oauth/server.py); development only.
DEMO_OAUTH_CLIENT_SECRET = "demo-client-secret"


def demo_oauth_base() -> str:
    # The bundled demo OAuth2 provider (development and tests only) lives on the app itself.
    return os.environ.get("DEMO_OAUTH_BASE_URL", "http://127.0.0.1:5000/demo-oauth").rstrip("/")


def _auth(
    kind: str, scopes: list[str] | None = None, header: str = "Authorization", prefix: str = "Bearer "
) -> dict:
    if kind == "oauth2":
        base = demo_oauth_base()
        return {
            "type": "oauth2",
            "authorizeUrl": f"{base}/authorize",
            "tokenUrl": f"{base}/token",
            "scopes": scopes or ["read"],
            "clientId": "demo-client",
        }
    if kind == "api_key":
        return {
            "type": "api_key",
            "authHeaderName": header,
            "authValuePrefix": prefix,
            "instructions": "Create a key under **Settings → API keys** in your account, then paste it here.",
        }
    return {"type": "none"}


def _variables(kind: str) -> tuple[dict, dict]:
    """A variablesSchema and matching manifest defaults, in a few realistic shapes."""
    if kind == "channel":
        return (
            {
                "type": "object",
                "required": ["channel"],
                "properties": {
                    "channel": {
                        "type": "string",
                        "title": "Channel",
                        "description": "Where notifications go.",
                        "pattern": "^#[a-z0-9_-]{1,80}$",
                        "maxLength": 81,
                    },
                    "mentions": {"type": "boolean", "title": "Mention on-call", "default": False},
                },
            },
            {"channel": "#alerts"},
        )
    if kind == "region":
        return (
            {
                "type": "object",
                "required": ["region", "batchSize"],
                "properties": {
                    "region": {"type": "string", "title": "Region", "enum": ["eu", "us", "apac"]},
                    "batchSize": {"type": "integer", "title": "Batch size", "minimum": 1, "maximum": 500},
                    "tags": {"type": "array", "title": "Tags", "items": {"type": "string", "maxLength": 40}},
                },
            },
            {"region": "eu", "batchSize": 50},
        )
    if kind == "email":
        return (
            {
                "type": "object",
                "required": ["notifyEmail"],
                "properties": {
                    "notifyEmail": {"type": "string", "format": "email", "title": "Notification email"},
                    "startDate": {"type": "string", "format": "date", "title": "Sync from"},
                },
            },
            {},
        )
    return ({"type": "object", "properties": {}}, {})


def _manifest(
    members: list[tuple[str, str, str, bool]], defaults: dict, deps: list[tuple[str, str]] = ()
) -> dict:
    return {
        "members": [
            {"key": k, "kind": kind, "name": n, **({"forkOnInstall": True} if fork else {})}
            for k, kind, n, fork in members
        ],
        "dependencies": [{"integration": i, "version": v} for i, v in deps],
        "defaults": defaults,
    }


# publisher, slug, name, tier, auth, scopes, variables, versions, state, description
CATALOG = [
    (
        "marketplace",
        "webhooks",
        "Webhooks",
        "first_party",
        "none",
        None,
        "none",
        ["1.0.0", "1.1.0", "1.2.0"],
        "public",
        "Send and receive **webhooks** from any workflow. Signed payloads, retries and a delivery log.",
    ),
    (
        "marketplace",
        "scheduler",
        "Scheduler",
        "first_party",
        "none",
        None,
        "region",
        ["1.0.0", "2.0.0"],
        "public",
        "Run workflows on a schedule: cron expressions, time zones, and pause windows.",
    ),
    (
        "marketplace",
        "audit-export",
        "Audit Export",
        "first_party",
        "api_key",
        None,
        "email",
        ["0.9.0", "1.0.0"],
        "public",
        "Export your workspace's audit trail to a SIEM of your choice.",
    ),
    (
        "marketplace",
        "status-page",
        "Status Page",
        "first_party",
        "none",
        None,
        "channel",
        ["1.0.0"],
        "public",
        "Publish incidents and maintenance windows to a hosted status page.",
    ),
    (
        "stripe",
        "payments",
        "Stripe Payments",
        "vendor_official",
        "oauth2",
        ["read_only", "charges:write"],
        "region",
        ["1.0.0", "1.1.0", "1.2.0"],
        "public",
        "Accept card payments, issue refunds and sync payouts with **Stripe**.",
    ),
    (
        "stripe",
        "billing",
        "Stripe Billing",
        "vendor_official",
        "oauth2",
        ["read_only", "subscriptions:write"],
        "none",
        ["2.0.0", "2.1.0"],
        "public",
        "Subscriptions, invoices and dunning from Stripe Billing.",
    ),
    (
        "stripe",
        "radar",
        "Stripe Radar",
        "vendor_official",
        "api_key",
        None,
        "none",
        ["1.0.0"],
        "public",
        "Fraud signals from Stripe Radar on every order.",
    ),
    (
        "github",
        "issues",
        "GitHub Issues",
        "vendor_official",
        "oauth2",
        ["repo", "read:org"],
        "none",
        ["3.0.0", "3.1.0", "3.2.0"],
        "public",
        "Create, label and close GitHub issues from any workflow.",
    ),
    (
        "github",
        "actions",
        "GitHub Actions",
        "vendor_official",
        "oauth2",
        ["repo", "workflow"],
        "none",
        ["1.0.0", "1.1.0"],
        "public",
        "Trigger GitHub Actions workflows and wait for their result.",
    ),
    (
        "github",
        "code-scanning",
        "GitHub Code Scanning",
        "vendor_official",
        "oauth2",
        ["security_events"],
        "email",
        ["1.0.0"],
        "public",
        "Route code-scanning alerts to the right team.",
    ),
    (
        "slack",
        "notify",
        "Slack Notify",
        "vendor_official",
        "oauth2",
        ["chat:write", "channels:read"],
        "channel",
        ["1.0.0", "1.0.1", "1.1.0"],
        "public",
        "Post rich messages to Slack channels and threads.",
    ),
    (
        "slack",
        "workflows",
        "Slack Workflows",
        "vendor_official",
        "oauth2",
        ["workflow.steps:execute"],
        "none",
        ["0.3.0", "1.0.0"],
        "public",
        "Start Slack Workflow Builder flows from outside Slack.",
    ),
    (
        "pagerduty",
        "incidents",
        "PagerDuty Incidents",
        "verified_partner",
        "api_key",
        None,
        "channel",
        ["1.0.0", "1.1.0"],
        "public",
        "Open, acknowledge and resolve PagerDuty incidents.",
    ),
    (
        "pagerduty",
        "oncall",
        "PagerDuty On-call",
        "verified_partner",
        "api_key",
        None,
        "none",
        ["1.0.0"],
        "public",
        "Look up who is on call for any escalation policy.",
    ),
    (
        "zendesk",
        "tickets",
        "Zendesk Tickets",
        "verified_partner",
        "oauth2",
        ["tickets:read", "tickets:write"],
        "none",
        ["2.0.0", "2.1.0"],
        "public",
        "Create and update Zendesk tickets; sync comments both ways.",
    ),
    (
        "zendesk",
        "guide",
        "Zendesk Guide",
        "verified_partner",
        "api_key",
        None,
        "none",
        ["1.0.0"],
        "public",
        "Search help-centre articles and suggest them in replies.",
    ),
    (
        "acme",
        "crm-sync",
        "Acme CRM Sync",
        "verified_publisher",
        "api_key",
        None,
        "region",
        ["1.0.0", "1.1.0", "1.2.0"],
        "public",
        "Two-way sync between Acme CRM contacts and your workspace.",
    ),
    (
        "acme",
        "invoices",
        "Acme Invoices",
        "verified_publisher",
        "api_key",
        None,
        "email",
        ["1.0.0"],
        "public",
        "Generate PDF invoices from templates.",
    ),
    (
        "acme",
        "inventory",
        "Acme Inventory",
        "verified_publisher",
        "oauth2",
        ["inventory:read"],
        "region",
        ["0.1.0", "0.2.0"],
        "public",
        "Stock levels and reorder alerts from Acme Inventory.",
    ),
    (
        "acme",
        "beta-tools",
        "Acme Beta Tools",
        "verified_publisher",
        "none",
        None,
        "none",
        ["0.1.0"],
        "unlisted",
        "Early-access tools shared by link only.",
    ),
    (
        "acme",
        "internal-reports",
        "Acme Internal Reports",
        "verified_publisher",
        "none",
        None,
        "email",
        ["1.0.0"],
        "private",
        "Reports only Acme's own team can install.",
    ),
    (
        "acme",
        "next-gen-sync",
        "Acme Next-gen Sync",
        "community",
        "api_key",
        None,
        "region",
        [],
        "draft",
        "Work in progress: the next CRM sync.",
    ),
    (
        "acme",
        "legacy-connector",
        "Acme Legacy Connector",
        "verified_publisher",
        "api_key",
        None,
        "none",
        ["1.0.0"],
        "deleted",
        "Retired connector, kept in the trash.",
    ),
    (
        "globex",
        "weather",
        "Globex Weather",
        "community",
        "api_key",
        None,
        "region",
        ["1.0.0", "1.0.1"],
        "public",
        "Forecasts and severe-weather alerts for your locations.",
    ),
    (
        "globex",
        "translate",
        "Globex Translate",
        "community",
        "api_key",
        None,
        "none",
        ["0.5.0", "0.6.0"],
        "public",
        "Machine translation for tickets and messages.",
    ),
    (
        "globex",
        "sheets",
        "Globex Sheets",
        "community",
        "oauth2",
        ["sheets:read", "sheets:write"],
        "none",
        ["1.0.0"],
        "public",
        "Read and append rows to spreadsheets.",
    ),
    (
        "globex",
        "sms",
        "Globex SMS",
        "community",
        "api_key",
        None,
        "channel",
        ["1.0.0"],
        "public",
        "Send SMS notifications worldwide.",
    ),
    (
        "globex",
        "pdf-tools",
        "Globex PDF Tools",
        "community",
        "none",
        None,
        "none",
        ["1.0.0", "1.1.0"],
        "public",
        "Merge, split and watermark PDFs.",
    ),
    (
        "globex",
        "geo-lookup",
        "Globex Geo Lookup",
        "community",
        "api_key",
        None,
        "none",
        ["2.0.0"],
        "unlisted",
        "IP and address geolocation. Shared by link.",
    ),
    (
        "globex",
        "payroll-bridge",
        "Globex Payroll Bridge",
        "community",
        "oauth2",
        ["payroll:read"],
        "email",
        ["1.0.0"],
        "private",
        "Payroll exports for Globex's finance team.",
    ),
    (
        "globex",
        "chatops",
        "Globex ChatOps",
        "community",
        "none",
        None,
        "channel",
        [],
        "draft",
        "Draft: run commands from chat.",
    ),
    (
        "globex",
        "old-fax",
        "Globex Fax Gateway",
        "community",
        "api_key",
        None,
        "none",
        ["1.0.0"],
        "deleted",
        "Fax gateway (deleted).",
    ),
    (
        "tinkerers",
        "rss-reader",
        "RSS Reader",
        "community",
        "none",
        None,
        "none",
        ["0.1.0", "0.2.0", "0.3.0"],
        "public",
        "Watch RSS and Atom feeds and start workflows on new items.",
    ),
    (
        "tinkerers",
        "json-tools",
        "JSON Tools",
        "community",
        "none",
        None,
        "none",
        ["1.0.0"],
        "public",
        "Transform, filter and validate JSON in workflows.",
    ),
    (
        "tinkerers",
        "cron-helper",
        "Cron Helper",
        "community",
        "none",
        None,
        "none",
        ["1.0.0"],
        "public",
        "Explain and test cron expressions.",
    ),
    (
        "tinkerers",
        "markdown-render",
        "Markdown Render",
        "community",
        "none",
        None,
        "none",
        ["1.0.0", "1.0.1"],
        "public",
        "Render Markdown to HTML and PDF.",
    ),
    (
        "tinkerers",
        "dice",
        "Dice Roller",
        "community",
        "none",
        None,
        "none",
        ["1.0.0"],
        "public",
        "Roll dice. For fun.",
    ),
    (
        "marketplace",
        "oauth-playground",
        "OAuth Playground",
        "first_party",
        "oauth2",
        ["profile", "files:read"],
        "email",
        ["1.0.0"],
        "public",
        "A demo integration that completes a real OAuth2 flow against the bundled demo provider.",
    ),
    (
        "stripe",
        "terminal",
        "Stripe Terminal",
        "vendor_official",
        "oauth2",
        ["terminal:write"],
        "none",
        ["1.0.0"],
        "unlisted",
        "In-person payments. Preview, shared by link.",
    ),
    (
        "slack",
        "huddles",
        "Slack Huddles",
        "vendor_official",
        "oauth2",
        ["calls:write"],
        "none",
        [],
        "draft",
        "Draft: start huddles from workflows.",
    ),
]

DEPENDENCIES = {
    ("stripe", "billing"): [("stripe/payments", "^1.0.0")],
    ("pagerduty", "incidents"): [("slack/notify", "^1.0.0")],
    ("acme", "invoices"): [("acme/crm-sync", ">=1.0.0 <2.0.0")],
    ("github", "code-scanning"): [("github/issues", "~3.1.0 || ^3.2.0")],
}

WORKSPACE_OF = {
    "marketplace": "marketplace",
    "stripe": "vendors",
    "github": "vendors",
    "slack": "vendors",
    "pagerduty": "vendors",
    "zendesk": "vendors",
    "acme": "acme",
    "globex": "globex",
    "tinkerers": "globex",
}

# Yanked versions, with the reason shown to installers. `currentVersion` skips them.
YANKED = {
    ("slack", "notify", "1.0.1"): "Posted every message twice in threads. Fixed in 1.1.0.",
    ("globex", "weather", "1.0.1"): "Reported temperatures in the wrong unit; 1.0.0 is current again.",
}

# workspace, publisher/slug, pinned version (None: latest), installer, API key (api_key integrations)
INSTALLATIONS = [
    ("acme", "marketplace/webhooks", None, "alice@acme.test", None),
    ("acme", "marketplace/scheduler", "1.0.0", "alice@acme.test", None),  # an upgrade waits for them
    ("acme", "tinkerers/rss-reader", None, "alice@acme.test", None),
    ("acme", "pagerduty/oncall", None, "alice@acme.test", "pd-demo-key-7f3a9c21"),
    ("globex", "marketplace/webhooks", None, "bob@globex.test", None),
    ("globex", "marketplace/status-page", None, "bob@globex.test", None),
    ("initech", "marketplace/webhooks", None, "dave@initech.test", None),
    ("initech", "tinkerers/json-tools", None, "dave@initech.test", None),
    ("vendors", "tinkerers/dice", None, "vera@vendors.test", None),
]


def _get_or_create(model, defaults: dict | None = None, **keys):
    obj = db.session.scalar(db.select(model).filter_by(**keys))
    if obj is None:
        obj = model(**keys, **(defaults or {}))
        db.session.add(obj)
        db.session.flush()
    return obj


def _seed_people() -> tuple[dict[str, User], dict[str, Workspace]]:
    users, password_hash = {}, None
    for email, name, staff in ACCOUNTS:
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:
            # One salted hash serves every demo account (their password is public anyway): seeding stays quick.
            password_hash = password_hash or generate_password_hash(DEMO_PASSWORD)
            user = User(email=email, display_name=name, is_staff=staff, password_hash=password_hash)
            db.session.add(user)
            db.session.flush()
        users[email] = user
    workspaces = {}
    for slug, name, members, handles in WORKSPACES:
        workspace = _get_or_create(Workspace, {"name": name}, slug=slug)
        workspaces[slug] = workspace
        for email, role in members:
            _get_or_create(Membership, {"role": role}, workspace_id=workspace.id, user_id=users[email].id)
        for handle in handles:
            _get_or_create(
                PublisherNamespace,
                {"workspace_id": workspace.id, "claimed_by": users[members[0][0]].id},
                handle=handle,
            )
    return users, workspaces


def _visibility(state: str) -> str:
    return {"public": "public", "deleted": "public", "unlisted": "unlisted"}.get(state, "private")


def _seed_integration(index: int, entry: tuple, workspace: Workspace, owner: User, now) -> None:
    publisher, slug, name, tier, auth, scopes, variables, versions, state, description = entry
    schema, defaults = _variables(variables)
    manifest = _manifest(
        [
            ("main", "workflow", f"{name} workflow", False),
            ("template", "template", f"{name} starter template", True),
        ],
        defaults,
        DEPENDENCIES.get((publisher, slug), []),
    )
    started = now - timedelta(days=200 - index * 4)
    integration = Integration(
        workspace_id=workspace.id,
        slug=slug,
        name=name,
        description=description,
        icon_url=None,
        publisher=publisher,
        trust_tier=tier,
        manifest=manifest,
        variables_schema=schema,
        auth_config=_auth(auth, scopes),
        visibility=_visibility(state),
        created_by=owner.id,
        retention_tier="medium" if state == "deleted" else None,
        created_at=started,
        updated_at=started,
        install_count=0,
    )
    if auth == "oauth2":  # the bundled demo provider's client secret, encrypted like any publisher's
        integration.oauth_client_secret_encrypted = crypto.encrypt_json(DEMO_OAUTH_CLIENT_SECRET)
    db.session.add(integration)
    db.session.flush()
    for n, version in enumerate(versions):
        published = started + timedelta(days=10 * (n + 1))
        yank_reason = YANKED.get((publisher, slug, version))
        db.session.add(
            IntegrationVersion(
                integration_id=integration.id,
                version=version,
                manifest=manifest,
                variables_schema=schema,
                auth_config=integration.auth_config,
                published_by=owner.id,
                published_at=published,
                # The page already heads each changelog with its version number.
                changelog="Initial release."
                if n == 0
                else f"- Faster sync\n- Fixed an edge case in {name.lower()}",
                yanked_at=published + timedelta(days=3) if yank_reason else None,
                yank_reason=yank_reason,
            )
        )
        if not yank_reason:
            integration.current_version = version
        integration.last_published_at = published
        integration.updated_at = published
    if state == "deleted":
        integration.deleted_at = now - timedelta(days=2)


def _integration(key: str) -> Integration:
    publisher, slug = key.split("/")
    return db.session.scalar(
        db.select(Integration).where(Integration.publisher == publisher, Integration.slug == slug)
    )


def _seed_installations(users: dict[str, User], workspaces: dict[str, Workspace], now) -> int:
    created = 0
    for index, (ws_slug, key, pinned, installer, api_key) in enumerate(INSTALLATIONS):
        integration, workspace = _integration(key), workspaces[ws_slug]
        if db.session.scalar(
            db.select(Installation.id).where(
                Installation.workspace_id == workspace.id, Installation.integration_id == integration.id
            )
        ):
            continue
        version = next(
            v for v in integration.versions if v.version == (pinned or integration.current_version)
        )
        installation = Installation(
            workspace_id=workspace.id,
            integration_id=integration.id,
            version_id=version.id,
            variables=dict(version.manifest.get("defaults") or {}),
            granted_scopes=[],
            status="active",
            installed_by=users[installer].id,
            installed_at=now - timedelta(days=30 - index),
        )
        for member in version.manifest["members"]:
            fork = bool(member.get("forkOnInstall"))
            installation.members.append(
                InstallationMember(
                    member_key=member["key"],
                    kind=member["kind"],
                    name=member["name"],
                    mode="fork" if fork else "linked",
                    definition=dict(member) if fork else None,
                )
            )
        if api_key:
            installation.credential = Credential(
                kind="api_key", secret_encrypted=crypto.encrypt_json({"kind": "api_key", "api_key": api_key})
            )
        db.session.add(installation)
        db.session.flush()
        integration.install_count += 1
        audit.record(
            users[installer],
            "installation.created",
            installation,
            object_label=key,
            after={"version": version.version, "variables": installation.variables},
            version=version.version,
        )
        created += 1
    return created


def seed() -> str:
    users, workspaces = _seed_people()
    owners = {slug: users[members[0][0]] for slug, _, members, _ in WORKSPACES}
    now = utcnow()
    created = 0
    for index, entry in enumerate(CATALOG):
        publisher, slug = entry[0], entry[1]
        if db.session.scalar(
            db.select(Integration.id).where(Integration.publisher == publisher, Integration.slug == slug)
        ):
            continue
        ws_slug = WORKSPACE_OF[publisher]
        _seed_integration(index, entry, workspaces[ws_slug], owners[ws_slug], now)
        created += 1
    db.session.flush()
    installed = _seed_installations(users, workspaces, now)
    db.session.flush()
    return (
        f"{len(users)} accounts, {len(workspaces)} workspaces, {created} new integrations, "
        f"{installed} new installations"
    )


def print_accounts(echo) -> None:
    echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, staff in ACCOUNTS:
        echo(f"  {email:<22} {name}{'  [staff]' if staff else ''}")
