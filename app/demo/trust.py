"""The demo's trust cases: an open report waiting in /admin/reports, and a listing that was public
until staff took it down (its address shows the notice; Vendor Partners, which installed it, sees
what to do on its installations page). Idempotent, like the rest of the demo."""

from __future__ import annotations

from ..extensions import db
from ..models import Integration, ListingReport, Takedown, User
from ..services import reports, takedowns

OPEN_REPORT = (
    "carol@acme.test",
    "tinkerers/cron-helper",
    "broken",
    "The next-run preview is one hour off for Europe/Berlin since the daylight saving change.",
)
TAKEDOWN = (
    "tinkerers/dice",
    "security",
    "It sent every workspace's variables to an undisclosed server (reported by a security researcher). "
    "Uninstall it; tokens given to it should be revoked.",
)


def _user(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


def _integration(key: str) -> Integration:
    publisher, slug = key.split("/")
    return db.session.scalar(
        db.select(Integration).where(Integration.publisher == publisher, Integration.slug == slug)
    )


def seed_trust_cases() -> None:
    email, key, category, details = OPEN_REPORT
    reporter, reported = _user(email), _integration(key)
    if not db.session.scalar(
        db.select(ListingReport.id).where(
            ListingReport.reporter_id == reporter.id, ListingReport.integration_id == reported.id
        )
    ):
        reports.file_report(reporter, reported, category, details)

    key, policy, note = TAKEDOWN
    listing = _integration(key)
    if not db.session.scalar(db.select(Takedown.id).where(Takedown.integration_id == listing.id)):
        takedowns.take_down(_user("staff@demo.test"), listing, policy, note)
    db.session.flush()
