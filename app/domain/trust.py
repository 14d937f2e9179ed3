"""The one trust vocabulary: what each tier is called and what it says about a listing.

A trust tier is set by staff on each listing, so every word here describes the listing's
verification (who checked what about this listing), never the publisher as a whole: a verified
publisher's new community listing is an unreviewed listing, not an unverified publisher.
Catalog, detail page, install wizard, dashboard and staff tools all show these labels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrustTier:
    key: str
    label: str
    meaning: str
    caution: bool = False


TIERS: dict[str, TrustTier] = {
    tier.key: tier
    for tier in (
        TrustTier(
            "first_party",
            "First party",
            "This listing is built and maintained by the marketplace team.",
        ),
        TrustTier(
            "vendor_official",
            "Vendor official",
            "This listing is published by the vendor of the connected service; staff verified the vendor.",
        ),
        TrustTier(
            "verified_partner",
            "Verified partner",
            "This listing comes from a partner under agreement with the marketplace, and staff reviewed it.",
        ),
        TrustTier(
            "verified_publisher",
            "Verified publisher",
            "Staff verified who publishes this listing; the listing itself was not reviewed.",
        ),
        TrustTier(
            "community",
            "Community",
            "This listing was not reviewed by marketplace staff. "
            "Check who publishes it and the permissions it asks for before installing.",
            caution=True,
        ),
    )
}


def tier_info(key: str) -> TrustTier:
    """The tier's words; an unknown key reads as the most cautious tier."""
    return TIERS.get(key) or TIERS["community"]
