"""The category taxonomy's starting set and the rules for a listing's categories.

Decides: which categories every install starts with (migration 0014 seeds them; staff then add,
rename, reorder and delete), and that a listing's secondary category, when set, differs from its
primary one and needs a primary one.
"""

from __future__ import annotations

# (slug, name), in their starting order. Slugs are URLs (/categories/<slug>) and never change.
STARTING_CATEGORIES = (
    ("communication", "Communication"),
    ("developer-tools", "Developer tools"),
    ("project-management", "Project management"),
    ("customer-support", "Customer support"),
    ("sales-crm", "Sales & CRM"),
    ("marketing", "Marketing"),
    ("payments-finance", "Payments & finance"),
    ("analytics", "Analytics"),
    ("productivity", "Productivity"),
    ("files-documents", "Files & documents"),
    ("security-identity", "Security & identity"),
    ("monitoring-incidents", "Monitoring & incidents"),
    ("hr-people", "HR & people"),
    ("ecommerce", "E-commerce"),
    ("utilities", "Utilities"),
)


def category_problems(primary: str | None, secondary: str | None) -> list[tuple[str, str]]:
    """(field, message) for a primary/secondary pair that cannot stand (ids or slugs, None = unset)."""
    if secondary and not primary:
        return [("secondary_category", "Choose a primary category before a secondary one.")]
    if secondary and secondary == primary:
        return [("secondary_category", "The secondary category must differ from the primary one.")]
    return []
