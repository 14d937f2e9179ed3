"""The demo behind `flask --app app seed-demo`: every trust tier, every auth type and every
visibility state, with versions, changelogs, variables and dependencies, so a newcomer sees the
whole product.

- people.py           accounts, workspaces, publisher handles, installations;
- shapes.py           the auth configs, variables schemas and manifests listings carry;
- catalog*.py         the 40 listings, their dependencies and yanked versions;
- seeding.py          writing all of it, idempotently.
"""

from .oauth_urls import repoint_demo_oauth
from .people import ACCOUNTS, DEMO_PASSWORD
from .seeding import print_accounts, seed
from .shapes import DEMO_OAUTH_CLIENT_SECRET, demo_oauth_base

__all__ = [
    "ACCOUNTS",
    "DEMO_OAUTH_CLIENT_SECRET",
    "DEMO_PASSWORD",
    "demo_oauth_base",
    "print_accounts",
    "repoint_demo_oauth",
    "seed",
]
