"""The demo's people: accounts (one password for all), workspaces with their members and
publisher handles, which workspace publishes each handle, and what each workspace has installed."""

from __future__ import annotations

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

# Brand handles are reserved (app/domain/reserved_handles.txt): staff granted them, and raised the
# vendor workspace's limit of handles, as an operator would. handle, workspace, reason
HANDLE_GRANTS = [
    ("marketplace", "marketplace", "The marketplace team's own listings."),
    ("stripe", "vendors", "Vendor-official listings, publisher identity checked."),
    ("github", "vendors", "Vendor-official listings, publisher identity checked."),
    ("slack", "vendors", "Vendor-official listings, publisher identity checked."),
    ("pagerduty", "vendors", "Vendor-official listings, publisher identity checked."),
    ("zendesk", "vendors", "Vendor-official listings, publisher identity checked."),
]
HANDLE_LIMITS = [("vendors", 5, "Publishes for five vendors.")]
# A handle staff keep back on top of the built-in list.
RESERVED_HANDLES = [("umbrella", "Trademark claim by Umbrella Corp. pending; hold until they verify.")]

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
    ("vendors", "tinkerers/dice", None, "vera@vendors.test", None),  # taken down later (demo/trust.py)
    ("initech", "slack/notify", "1.0.1", "dave@initech.test", None),  # a withdrawn version: upgrade to 1.1.0
]
