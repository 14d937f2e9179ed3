"""Reports and takedowns: the policies a listing is reported or taken down under, and the states
a report and a takedown's re-review move through. Pure rules, no Flask.

A report is `open` until staff decide it: `actioned` (something was done, a takedown or a word
with the publisher) or `dismissed`. A decision is made once. A takedown is one decision a
publisher may ask staff to look at again, once: its re-review is `pending` until staff either
`upheld` it or `lifted` the takedown.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    code: str
    label: str  # what a reporter picks
    name: str  # the policy a takedown notice names


POLICIES: dict[str, Policy] = {
    p.code: p
    for p in (
        Policy("security", "Security or malware", "Security and malware policy"),
        Policy("impersonation", "Impersonation", "Impersonation policy"),
        Policy("broken", "Broken, does not work", "Working listings policy"),
        Policy("spam", "Spam or misleading", "Spam and misleading content policy"),
        Policy("legal", "Legal (trademark, copyright, privacy)", "Legal policy"),
        Policy("other", "Something else", "Marketplace terms"),
    )
}
CATEGORIES = tuple(POLICIES)

OPEN, ACTIONED, DISMISSED = "open", "actioned", "dismissed"
REPORT_STATUSES = (OPEN, ACTIONED, DISMISSED)
DECISIONS = (ACTIONED, DISMISSED)

PENDING, UPHELD, LIFTED = "pending", "upheld", "lifted"
REREVIEW_STATUSES = (PENDING, UPHELD, LIFTED)
REREVIEW_DECISIONS = (UPHELD, LIFTED)

DETAILS_MIN, DETAILS_MAX = 10, 5_000
NOTE_MAX = 2_000


def policy(code: str | None) -> Policy:
    """The policy for a category code; unknown codes read as the marketplace terms."""
    return POLICIES.get(code or "", POLICIES["other"])


def shows_public_notice(visibility: str, published: bool, deleted: bool) -> bool:
    """A takedown leaves a public notice (410) at the URL of a listing anyone could open when it was
    taken down: published, not in the trash, public or unlisted. Anything else stays a 404 outside."""
    return published and not deleted and visibility in ("public", "unlisted")
