"""The demo's reviews (ratings in the code): a dozen, by accounts whose workspaces installed the
listing (the service checks it, as for anyone), a few with the publisher's reply."""

from __future__ import annotations

from ..extensions import db
from ..models import Integration, Rating, User
from ..services import ratings
from ..services.viewer import viewer_for

# reviewer, publisher/slug, stars, text, (replier, reply) or None
REVIEWS = [
    (
        "alice@acme.test",
        "marketplace/webhooks",
        5,
        "Set up in two minutes; **every event** arrived, retries included.",
        None,
    ),
    (
        "carol@acme.test",
        "marketplace/webhooks",
        4,
        "Reliable. I'd like a way to replay a single delivery from the UI.",
        ("staff@demo.test", "Replaying one delivery is on our list for the next minor release."),
    ),
    (
        "bob@globex.test",
        "marketplace/webhooks",
        5,
        "We moved three internal hooks onto it. No misses in a month.",
        None,
    ),
    (
        "dave@initech.test",
        "marketplace/webhooks",
        4,
        "Does what it says. The signing secret rotation is a nice touch.",
        None,
    ),
    (
        "alice@acme.test",
        "marketplace/scheduler",
        3,
        "Works, but 1.0.0 can't skip weekends. Haven't upgraded yet.",
        ("staff@demo.test", "1.1 adds business-day schedules: upgrade from your installations page."),
    ),
    (
        "carol@acme.test",
        "marketplace/scheduler",
        4,
        "Simple and predictable. Time zones are handled properly.",
        None,
    ),
    (
        "alice@acme.test",
        "tinkerers/rss-reader",
        4,
        "Handy for release feeds. Some Atom feeds show raw HTML in titles.",
        ("bob@globex.test", "Thanks! Atom titles are fixed in the next version."),
    ),
    (
        "dave@initech.test",
        "tinkerers/json-tools",
        5,
        "Tiny and useful: *pretty-print* and diff cover what I need.",
        None,
    ),
    (
        "alice@acme.test",
        "pagerduty/oncall",
        5,
        "Our on-call rota finally shows up where people look for it.",
        None,
    ),
    (
        "carol@acme.test",
        "pagerduty/oncall",
        2,
        "The API key needs more access than I expected, and setup was unclear.",
        ("vera@vendors.test", "Fair point: the setup guide now lists exactly which key permissions it uses."),
    ),
    ("bob@globex.test", "marketplace/status-page", 4, "Clean status page; incidents post in seconds.", None),
    (
        "dave@initech.test",
        "slack/notify",
        3,
        "1.0.1 posted some messages twice. Waiting to try 1.1.0.",
        ("vera@vendors.test", "Sorry about that: 1.0.1 was withdrawn, and 1.1.0 fixes threads."),
    ),
]


# flagger, the review's author and listing, reason: one review waits in /admin/ratings.
FLAGS = [
    (
        "bob@globex.test",
        ("carol@acme.test", "pagerduty/oncall"),
        "Reads like a complaint about setup, not about the integration.",
    ),
]


def seed_ratings(users: dict[str, User]) -> int:
    """Write the demo reviews that are not there yet, through the rating service (eligibility applies)."""
    created = 0
    for email, key, stars, body, reply in REVIEWS:
        publisher, slug = key.split("/")
        integration = db.session.scalar(
            db.select(Integration).where(Integration.publisher == publisher, Integration.slug == slug)
        )
        user = users[email]
        if integration is None or ratings.own_rating(user, integration) is not None:
            continue
        rating: Rating = ratings.rate(user, integration, stars, body)
        created += 1
        if reply:
            replier = users[reply[0]]
            ratings.reply(replier, viewer_for(replier), rating, reply[1])
    for flagger, (author, key), reason in FLAGS:
        publisher, slug = key.split("/")
        rating = db.session.scalar(
            db.select(Rating)
            .join(Integration, Integration.id == Rating.integration_id)
            .where(
                Integration.publisher == publisher,
                Integration.slug == slug,
                Rating.user_id == users[author].id,
            )
        )
        if (
            rating is not None
            and not rating.flags
            and not any(f.user_id == users[flagger].id for f in rating.flags)
        ):
            ratings.flag(users[flagger], rating, reason)
    return created
