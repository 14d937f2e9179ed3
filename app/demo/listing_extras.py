"""The demo listings' categories, links and API-key access descriptions (listing metadata)."""

from __future__ import annotations

from ..extensions import db
from ..models import Category

# publisher/slug -> (primary category, secondary category or None). Every demo listing has one.
CATEGORIES = {
    "marketplace/webhooks": ("developer-tools", "utilities"),
    "marketplace/scheduler": ("productivity", "utilities"),
    "marketplace/audit-export": ("security-identity", "analytics"),
    "marketplace/status-page": ("monitoring-incidents", "communication"),
    "marketplace/oauth-playground": ("developer-tools", "security-identity"),
    "stripe/payments": ("payments-finance", "ecommerce"),
    "stripe/billing": ("payments-finance", None),
    "stripe/radar": ("payments-finance", "security-identity"),
    "stripe/terminal": ("payments-finance", "ecommerce"),
    "github/issues": ("developer-tools", "project-management"),
    "github/actions": ("developer-tools", None),
    "github/code-scanning": ("developer-tools", "security-identity"),
    "slack/notify": ("communication", None),
    "slack/workflows": ("communication", "productivity"),
    "slack/huddles": ("communication", None),
    "pagerduty/incidents": ("monitoring-incidents", None),
    "pagerduty/oncall": ("monitoring-incidents", "hr-people"),
    "zendesk/tickets": ("customer-support", None),
    "zendesk/guide": ("customer-support", "files-documents"),
    "acme/crm-sync": ("sales-crm", None),
    "acme/invoices": ("payments-finance", "sales-crm"),
    "acme/inventory": ("ecommerce", None),
    "acme/beta-tools": ("utilities", None),
    "acme/internal-reports": ("analytics", None),
    "acme/next-gen-sync": ("sales-crm", None),
    "acme/legacy-connector": ("sales-crm", None),
    "globex/weather": ("utilities", None),
    "globex/translate": ("productivity", "communication"),
    "globex/sheets": ("files-documents", "productivity"),
    "globex/sms": ("communication", "marketing"),
    "globex/pdf-tools": ("files-documents", None),
    "globex/geo-lookup": ("utilities", None),
    "globex/payroll-bridge": ("hr-people", "payments-finance"),
    "globex/chatops": ("communication", "developer-tools"),
    "globex/old-fax": ("communication", None),
    "tinkerers/rss-reader": ("productivity", None),
    "tinkerers/json-tools": ("developer-tools", None),
    "tinkerers/cron-helper": ("developer-tools", "utilities"),
    "tinkerers/markdown-render": ("files-documents", None),
    "tinkerers/dice": ("utilities", None),
}

# Publishers' sites (demo domains under .example, never fetched). The tinkerers are a hobby: no links.
SITES = {
    "marketplace": "https://marketplace.example",
    "stripe": "https://stripe.example",
    "github": "https://github.example",
    "slack": "https://slack.example",
    "pagerduty": "https://pagerduty.example",
    "zendesk": "https://zendesk.example",
    "acme": "https://acme.example",
    "globex": "https://globex.example",
}

# What each api_key listing's key lets it do, in the publisher's words.
ACCESS_DESCRIPTIONS = {
    "marketplace/audit-export": "Reads your workspace's audit log; it cannot change anything.",
    "stripe/radar": "Reads payments and fraud signals, and updates fraud rules on your Stripe account.",
    "pagerduty/incidents": "Creates, acknowledges and resolves incidents in your PagerDuty account.",
    "pagerduty/oncall": "Reads schedules and on-call shifts; it cannot change them.",
    "zendesk/guide": "Reads and publishes help-center articles.",
    "acme/crm-sync": "Reads and updates contacts and deals in your Acme CRM.",
    "acme/invoices": "Creates invoices and reads payment status.",
    "acme/next-gen-sync": "Reads and updates contacts in your Acme CRM.",
    "acme/legacy-connector": "Reads contacts from the legacy Acme CRM.",
    "globex/weather": "Reads forecasts for the locations you choose; no account data.",
    "globex/translate": "Sends the text you choose for translation; keeps nothing.",
    "globex/sms": "Sends SMS messages from your Globex number and reads delivery reports.",
    "globex/geo-lookup": "Looks up addresses; no account data.",
    "globex/old-fax": "Sends faxes from your Globex line.",
}


def links_for(publisher: str, slug: str) -> dict | None:
    site = SITES.get(publisher)
    if site is None:
        return None
    links = {
        "homepage": f"{site}/integrations/{slug}",
        "docs": f"{site}/docs/{slug}",
        "support": f"{site}/support",
        "privacy": f"{site}/privacy",
        "terms": f"{site}/terms",
    }
    if publisher in ("stripe", "github", "slack", "pagerduty", "zendesk", "marketplace"):
        links["status"] = f"{site}/status"
    return links


def apply(integration) -> None:
    """Set a just-built demo integration's categories and links (and its key's access description)."""
    key = f"{integration.publisher}/{integration.slug}"
    primary, secondary = CATEGORIES.get(key, ("utilities", None))
    ids = dict(db.session.execute(db.select(Category.slug, Category.id)).all())
    integration.primary_category_id = ids.get(primary)
    integration.secondary_category_id = ids.get(secondary) if secondary else None
    integration.links = links_for(integration.publisher, integration.slug)
    if key in ACCESS_DESCRIPTIONS and integration.auth_config.get("type") == "api_key":
        integration.auth_config = {**integration.auth_config, "accessDescription": ACCESS_DESCRIPTIONS[key]}
