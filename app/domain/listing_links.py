"""A listing's links (homepage, documentation, support, privacy policy, terms, status) and when they
are required.

Decides: which kinds of link a listing has and their labels, that each is an `https:` URL, and that
privacy and support links must exist before a listing above `community` goes public or is submitted
for staff review (publish check MP007 and the visibility change share `missing_required`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# (kind, label), in the order the listing's sidebar shows them.
LINK_KINDS = (
    ("homepage", "Homepage"),
    ("docs", "Documentation"),
    ("support", "Support"),
    ("privacy", "Privacy policy"),
    ("terms", "Terms of service"),
    ("status", "Status page"),
)
LINK_LABELS = dict(LINK_KINDS)
REQUIRED_KINDS = ("privacy", "support")
LINK_MAX = 2048
_HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\s\u0000]*)?$")


def form_field(kind: str) -> str:
    """The form field (and error field) of a kind of link: `link_privacy`."""
    return f"link_{kind}"


def link_problem(value: str) -> str | None:
    """Why `value` (stripped, non-empty) cannot be a listing link, or None."""
    if len(value) > LINK_MAX:
        return f"Keep the address under {LINK_MAX} characters."
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme != "https" or not parts.netloc or not _HTTPS_URL.fullmatch(value):
        return "Enter a full https:// address (http: and other schemes are not accepted)."
    return None


def shown_links(links: dict | None) -> list[tuple[str, str, str]]:
    """(kind, label, url) of the links a listing has, in sidebar order (only https ones, whatever is stored)."""
    links = links if isinstance(links, dict) else {}
    return [
        (kind, label, links[kind])
        for kind, label in LINK_KINDS
        if isinstance(links.get(kind), str) and link_problem(links[kind]) is None
    ]


def missing_required(links: dict | None) -> list[str]:
    """The required kinds (privacy, support) that `links` lacks."""
    present = {kind for kind, _, _ in shown_links(links)}
    return [kind for kind in REQUIRED_KINDS if kind not in present]


def links_required(trust_tier: str, public: bool, for_review: bool) -> bool:
    """Privacy and support links are required above `community` when the listing is (or goes) public,
    or is submitted for staff review."""
    return trust_tier != "community" and (public or for_review)


def required_message(missing: list[str]) -> str:
    names = " and ".join(LINK_LABELS[kind].lower() for kind in missing)
    return (
        f"Add a {names} link first: a listing above the community tier needs privacy policy and "
        "support links before it goes public or is submitted for review."
    )
