"""The demo catalog: 40 listings over every trust tier, auth type and state, in the order they
are seeded (each is dated a few days after the one before), their dependencies and yanked versions."""

from __future__ import annotations

from .catalog_official import LATE_ADDITIONS, OFFICIAL
from .catalog_publishers import FROM_PUBLISHERS

# publisher, slug, name, tier, auth, scopes, variables, versions, state, description
CATALOG = [*OFFICIAL, *FROM_PUBLISHERS, *LATE_ADDITIONS]

DEPENDENCIES = {
    ("stripe", "billing"): [("stripe/payments", "^1.0.0")],
    ("pagerduty", "incidents"): [("slack/notify", "^1.0.0")],
    ("acme", "invoices"): [("acme/crm-sync", ">=1.0.0 <2.0.0")],
    ("github", "code-scanning"): [("github/issues", "~3.1.0 || ^3.2.0")],
}

# Yanked versions, with the reason shown to installers. `currentVersion` skips them.
YANKED = {
    ("slack", "notify", "1.0.1"): "Posted every message twice in threads. Fixed in 1.1.0.",
    ("globex", "weather", "1.0.1"): "Reported temperatures in the wrong unit; 1.0.0 is current again.",
}
