"""The demo's listing media and publisher profiles: a real PNG icon for every listing (a tile in a
colour of its own with its initials), screenshots for most, drawn with Pillow and stored through the
same re-encoding as uploads. Deterministic (the same listing gets the same pixels) and idempotent:
a listing that has an icon or screenshots keeps them."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

from ..domain import images
from ..extensions import db
from ..models import Integration, ListingScreenshot, PublisherNamespace, PublisherProfile
from ..models.base import utcnow
from ..services.media import store_file

PROFILES = {
    # handle: (display name, about, website, support, identity verified by staff)
    "marketplace": (
        "Marketplace Team",
        "The team that runs this marketplace. Our listings are built and maintained in-house.",
        "https://marketplace.example.com",
        "https://marketplace.example.com/support",
        True,
    ),
    "stripe": (
        "Stripe",
        "Payments infrastructure for the internet.",
        "https://stripe.example.com",
        "support@stripe.example.com",
        True,
    ),
    "github": (
        "GitHub",
        "Where the world builds software.",
        "https://github.example.com",
        "https://support.github.example.com",
        True,
    ),
    "slack": ("Slack", "Where work happens.", "https://slack.example.com", "support@slack.example.com", True),
    "pagerduty": (
        "PagerDuty",
        "Incident response for digital operations.",
        "https://pagerduty.example.com",
        "support@pagerduty.example.com",
        True,
    ),
    "zendesk": (
        "Zendesk",
        "Customer service software.",
        "https://zendesk.example.com",
        "support@zendesk.example.com",
        False,
    ),
    "acme": (
        "Acme Corp",
        "Business tools for small finance teams: CRM sync, invoices and reports.",
        "https://acme.example.com",
        "help@acme.example.com",
        True,
    ),
    "globex": (
        "Globex",
        "Weather, maps and logistics data, by the Globex engineering team.",
        "https://globex.example.com",
        "support@globex.example.com",
        False,
    ),
    "tinkerers": (
        "The Tinkerers",
        "Small experiments from Globex's weekend hackers. No support promised.",
        None,
        None,
        False,
    ),
}

SCREENSHOT_CAPTIONS = ("Setting it up in a workspace", "What it adds to your workflows", "The activity log")


def _colour(key: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(key.encode()).digest()
    hue = digest[0] / 255
    # A saturated, mid-dark colour from the hue, so white initials read on it.
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(hue, 0.62, 0.72)
    return int(r * 255), int(g * 255), int(b * 255)


def _initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def icon_png(key: str, name: str) -> bytes:
    side = 256
    picture = Image.new("RGB", (side, side), _colour(key))
    draw = ImageDraw.Draw(picture)
    draw.text((side / 2, side / 2), _initials(name), fill=(255, 255, 255), font=_font(110), anchor="mm")
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def screenshot_png(key: str, name: str, number: int) -> bytes:
    width, height = 800, 500
    colour = _colour(key)
    picture = Image.new("RGB", (width, height), (246, 247, 251))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, width, 64), fill=colour)
    draw.text((24, 32), name, fill=(255, 255, 255), font=_font(30), anchor="lm")
    draw.text((24, 100), SCREENSHOT_CAPTIONS[number % 3], fill=(40, 44, 60), font=_font(26), anchor="lm")
    for row in range(3):
        for column in range(3 - number % 2):
            x, y = 24 + column * 255, 135 + row * 118
            draw.rounded_rectangle(
                (x, y, x + 240, y + 104), radius=12, fill=(255, 255, 255), outline=(215, 220, 230)
            )
            draw.rectangle((x + 16, y + 18, x + 56, y + 58), fill=colour)
            draw.rectangle((x + 72, y + 24, x + 220, y + 36), fill=(200, 205, 216))
            draw.rectangle((x + 72, y + 48, x + 180, y + 58), fill=(225, 228, 236))
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=1)  # re-encoded on the way in anyway
    return out.getvalue()


def seed_media() -> int:
    """Icons for every demo listing, two screenshots for three listings in four. Returns how many
    listings got new media."""
    changed = 0
    shared: dict[str, str] = {}  # the second screenshot: one per trust tier, shared by its listings
    rows = db.session.scalars(db.select(Integration).order_by(Integration.publisher, Integration.slug)).all()
    for index, integration in enumerate(rows):
        key = f"{integration.publisher}/{integration.slug}"
        touched = False
        if integration.icon_media is None and integration.icon_url is None:
            integration.icon_media = store_file(images.icon(icon_png(key, integration.name))).sha256
            touched = True
        has_shots = db.session.scalar(
            db.select(ListingScreenshot.id).where(ListingScreenshot.integration_id == integration.id).limit(1)
        )
        if index % 4 != 3 and not has_shots:
            first = store_file(images.screenshot(screenshot_png(key, integration.name, 0))).sha256
            tier = integration.trust_tier
            if tier not in shared:
                label = tier.replace("_", " ").title()
                shared[tier] = store_file(images.screenshot(screenshot_png(tier, label, 1))).sha256
            for number, sha256 in enumerate((first, shared[tier])):
                db.session.add(
                    ListingScreenshot(
                        integration_id=integration.id,
                        media_sha256=sha256,
                        caption=SCREENSHOT_CAPTIONS[number],
                        position=number,
                    )
                )
            touched = True
        changed += touched
    db.session.flush()
    return changed


def seed_profiles(staff_id: str | None) -> None:
    for handle, (name, about, website, support, verified) in PROFILES.items():
        if db.session.get(PublisherNamespace, handle) is None or db.session.get(PublisherProfile, handle):
            continue
        db.session.add(
            PublisherProfile(
                handle=handle,
                display_name=name,
                description=about,
                website=website,
                support_contact=support,
                verified_at=utcnow() if verified else None,
                verified_by=staff_id if verified else None,
            )
        )
    db.session.flush()
