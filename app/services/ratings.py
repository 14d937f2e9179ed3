"""People's ratings of integrations (the UI's "Reviews"): write or edit one's own, the publisher's
reply, flags, staff hiding; and what pages and the API read of them.

Eligibility (the same as the install count's): a member of a workspace with a live installation of
the integration, when that workspace is not the publisher's and the person is not a member of the
publisher's workspace. A rating is tied to the version that workspace runs (updated on edit).

`integrations.rating_count` / `rating_total` (visible ratings, the sum of their stars) move with one
atomic UPDATE in the transaction of the write that changes them. Every write first locks the
integration's row (FOR NO KEY UPDATE), so writes to one listing's ratings take turns and an edit's
old stars cannot change under it. Each write moves the listing generation: cached pages show ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..domain import ratings as rules
from ..domain.visibility import Viewer, state_of
from ..extensions import db
from ..models import Installation, Integration, IntegrationVersion, Membership, Rating, RatingFlag, Workspace
from ..models.base import utcnow
from ..models.install import LIVE_STATUSES
from . import audit, webhooks
from .catalog.generation import bump_counts, bump_listing_generation
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed

PER_PAGE = 10
QUEUE_PER_PAGE = 50
NOT_ELIGIBLE = (
    "Only members of a workspace that has installed this integration may review it "
    "(not its publisher's own workspace)."
)
ALREADY_FLAGGED = "You flagged this review already; staff will look at it."
ALREADY_REPLIED = "You replied to this review already; edit your reply instead."


@dataclass(frozen=True)
class Eligibility:
    workspace_id: str
    workspace_name: str
    version: str


# --- who may write ------------------------------------------------------------------------------


def eligibility(user, integration: Integration) -> Eligibility | None:
    """The workspace (and the version it runs) that lets `user` review `integration`, or None."""
    if not getattr(user, "is_authenticated", False) or state_of(integration) not in ("public", "unlisted"):
        return None
    of_publisher = aliased(Membership)
    publisher_member = (
        select(of_publisher.id)
        .where(of_publisher.workspace_id == integration.workspace_id, of_publisher.user_id == user.id)
        .correlate(None)
        .exists()
    )
    row = db.session.execute(
        select(Installation.workspace_id, Workspace.name, IntegrationVersion.version)
        .join(Membership, Membership.workspace_id == Installation.workspace_id)
        .join(Workspace, Workspace.id == Installation.workspace_id)
        .join(IntegrationVersion, IntegrationVersion.id == Installation.version_id)
        .where(
            Membership.user_id == user.id,
            Installation.integration_id == integration.id,
            Installation.status.in_(LIVE_STATUSES),
            Installation.workspace_id != integration.workspace_id,
            ~publisher_member,
        )
        .order_by(Installation.installed_at.desc(), Installation.id)
        .limit(1)
    ).first()
    return Eligibility(*row) if row else None


def is_publisher_admin(viewer: Viewer, integration: Integration) -> bool:
    return integration.workspace_id in viewer.admin_of


# --- writing ------------------------------------------------------------------------------------


def _lock(integration: Integration) -> None:
    table = Integration.__table__
    db.session.execute(select(table.c.id).where(table.c.id == integration.id).with_for_update(key_share=True))


def _move_totals(integration: Integration, count_step: int, total_step: int) -> None:
    """One atomic UPDATE of the listing's rating count and total; updated_at stays (not an edit)."""
    table = Integration.__table__
    if count_step or total_step:
        row = db.session.execute(
            update(table)
            .where(table.c.id == integration.id)
            .values(
                rating_count=table.c.rating_count + count_step,
                rating_total=table.c.rating_total + total_step,
                updated_at=table.c.updated_at,
            )
            .returning(table.c.rating_count, table.c.rating_total)
        ).one()
        set_committed_value(integration, "rating_count", row[0])
        set_committed_value(integration, "rating_total", row[1])
    bump_listing_generation()


def _stars(value) -> int:
    try:
        stars = int(value)
    except (TypeError, ValueError):
        stars = 0
    if stars not in rules.STARS:
        raise ValidationFailed("Choose from 1 to 5 stars.", field="stars")
    return stars


def _text(value, field: str, low: int, high: int, what: str) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if not low <= len(value) <= high:
        raise ValidationFailed(f"Write {what} of {low} to {high:,} characters.", field=field)
    return value


def rate(user, integration: Integration, stars, body) -> Rating:
    """Write `user`'s rating of `integration`, or edit it if they wrote one (one per person)."""
    problems, checked = [], {}
    for name, check in (
        ("stars", lambda: _stars(stars)),
        ("body", lambda: _text(body, "body", rules.BODY_MIN, rules.BODY_MAX, "your review")),
    ):
        try:
            checked[name] = check()
        except ValidationFailed as error:
            problems.append({"field": name, "message": error.message})
    if problems:  # every field's problem at once, each beside its field
        raise ValidationFailed(problems[0]["message"], field=problems[0]["field"], details=problems)
    stars, body = checked["stars"], checked["body"]
    eligible = eligibility(user, integration)
    if eligible is None:
        raise PermissionDenied(NOT_ELIGIBLE, field="stars")
    _lock(integration)
    rating = db.session.scalar(  # read afresh under the lock: its stars are what the total holds
        select(Rating)
        .where(Rating.integration_id == integration.id, Rating.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    label = f"{integration.publisher}/{integration.slug}"
    if rating is None:
        rating = Rating(
            integration_id=integration.id,
            user_id=user.id,
            workspace_id=eligible.workspace_id,
            version=eligible.version,
            stars=stars,
            body=body,
        )
        db.session.add(rating)
        db.session.flush()
        _move_totals(integration, 1, stars)
        audit.record(
            user, "rating.created", rating, object_label=label, after=_view(rating), version=rating.version
        )
        webhooks.review_created(rating)
        return rating
    before = _view(rating)
    old = rating.stars
    rating.stars, rating.body = stars, body
    rating.workspace_id, rating.version = eligible.workspace_id, eligible.version
    db.session.flush()
    _move_totals(integration, 0, 0 if rating.is_hidden else stars - old)
    audit.record(
        user,
        "rating.updated",
        rating,
        object_label=label,
        before=before,
        after=_view(rating),
        version=rating.version,
    )
    return rating


def reply(user, viewer: Viewer, rating: Rating, body) -> Rating:
    """The publisher's one reply to a rating (a second submit edits it). Admins of the listing's workspace."""
    integration = rating.integration
    if not is_publisher_admin(viewer, integration):
        raise PermissionDenied("Only the publisher's workspace admins may reply.", field="reply")
    body = _text(body, "reply", rules.REPLY_MIN, rules.REPLY_MAX, "a reply")
    before = {"reply": rating.reply_body}
    rating.reply_body, rating.reply_by, rating.replied_at = body, user.id, utcnow()
    db.session.flush()
    bump_listing_generation()
    audit.record(
        user,
        "rating.replied" if before["reply"] is None else "rating.reply_updated",
        rating,
        object_label=f"{integration.publisher}/{integration.slug}",
        workspace_id=integration.workspace_id,
        before=before,
        after={"reply": body},
    )
    return rating


def flag(user, rating: Rating, reason) -> RatingFlag:
    """A signed-in person's flag of a visible rating, with a reason; once per person."""
    if rating.user_id == user.id:
        raise ValidationFailed("You cannot flag your own review.", field="reason")
    reason = _text(reason, "reason", rules.FLAG_REASON_MIN, rules.FLAG_REASON_MAX, "a reason")
    if db.session.scalar(
        select(RatingFlag.id).where(RatingFlag.rating_id == rating.id, RatingFlag.user_id == user.id)
    ):
        raise Conflict(ALREADY_FLAGGED, field="reason")
    flagged = RatingFlag(rating_id=rating.id, user_id=user.id, reason=reason, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(flagged)
            db.session.flush()
    except IntegrityError:  # the unique constraint: a concurrent second flag by the same person
        raise Conflict(ALREADY_FLAGGED, field="reason") from None
    table = Rating.__table__
    db.session.execute(update(table).where(table.c.id == rating.id).values(flag_count=table.c.flag_count + 1))
    db.session.expire(rating, ["flag_count"])
    bump_counts()  # the flagger's own pages show it flagged
    audit.record(
        user,
        "rating.flagged",
        rating,
        object_label=f"{rating.integration.publisher}/{rating.integration.slug}",
        after={"reason": reason},
    )
    return flagged


def hide(staff, rating: Rating, reason) -> Rating:
    """Staff hide a rating with a reason: it leaves the listing's average, pages and the API."""
    _require_staff(staff)
    reason = _text(reason, "reason", rules.HIDE_REASON_MIN, rules.HIDE_REASON_MAX, "a reason")
    _lock(rating.integration)
    db.session.refresh(rating)  # under the lock: another staff member may have hidden it meanwhile
    if rating.is_hidden:
        raise Conflict("This review is hidden already.", field="reason")
    rating.hidden_at, rating.hidden_by, rating.hidden_reason = utcnow(), staff.id, reason
    db.session.flush()
    _move_totals(rating.integration, -1, -rating.stars)
    audit.record(
        staff, "rating.hidden", rating, object_label=_label(rating), after={"reason": reason}, note=reason
    )
    return rating


def unhide(staff, rating: Rating) -> Rating:
    _require_staff(staff)
    _lock(rating.integration)
    db.session.refresh(rating)
    if not rating.is_hidden:
        raise Conflict("This review is not hidden.")
    before = {"reason": rating.hidden_reason}
    rating.hidden_at, rating.hidden_by, rating.hidden_reason = None, None, None
    db.session.flush()
    _move_totals(rating.integration, 1, rating.stars)
    audit.record(
        staff, "rating.unhidden", rating, object_label=_label(rating), before=before, after={"reason": None}
    )
    return rating


def _require_staff(user) -> None:
    if not getattr(user, "is_staff", False):
        raise NotFound("No such review.")


def _label(rating: Rating) -> str:
    return f"{rating.integration.publisher}/{rating.integration.slug}"


def _view(rating: Rating) -> dict:
    return {"stars": rating.stars, "body": rating.body, "version": rating.version}


# --- reading ------------------------------------------------------------------------------------


def visible_rating(integration: Integration, rating_id: str) -> Rating:
    """A visible rating of this (already visibility-checked) integration, else NotFound."""
    rating = (
        db.session.get(Rating, rating_id) if isinstance(rating_id, str) and len(rating_id) <= 36 else None
    )
    if rating is None or rating.integration_id != integration.id or rating.is_hidden:
        raise NotFound("No such review.")
    return rating


def _visible(integration_id: str):
    return (
        select(Rating)
        .where(Rating.integration_id == integration_id, Rating.hidden_at.is_(None))
        .options(joinedload(Rating.author), joinedload(Rating.replier))
        .order_by(Rating.created_at.desc(), Rating.id.desc())
    )


def page_of(integration: Integration, page: int, per_page: int = PER_PAGE) -> tuple[list[Rating], bool]:
    """Visible ratings newest first: (page `page`, whether another follows)."""
    rows = list(
        db.session.scalars(
            _visible(integration.id).offset((page - 1) * per_page).limit(per_page + 1)
        ).unique()
    )
    return rows[:per_page], len(rows) > per_page


def after(integration: Integration, key: tuple | None, limit: int) -> tuple[list[Rating], tuple | None]:
    """Keyset page for the API: visible ratings strictly older than `key` (created_at, id)."""
    stmt = _visible(integration.id)
    if key is not None:
        stmt = stmt.where(tuple_(Rating.created_at, Rating.id) < tuple_(*key))
    rows = list(db.session.scalars(stmt.limit(limit + 1)).unique())
    next_key = (rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_key


def distribution_of(integration: Integration) -> list[rules.Bar]:
    counts = dict(
        db.session.execute(
            select(Rating.stars, func.count())
            .where(Rating.integration_id == integration.id, Rating.hidden_at.is_(None))
            .group_by(Rating.stars)
        ).all()
    )
    return rules.distribution(counts)


def own_rating(user, integration: Integration) -> Rating | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Rating).where(Rating.integration_id == integration.id, Rating.user_id == user.id)
    )


def flagged_by(user, ratings: list[Rating]) -> set[str]:
    """Which of `ratings` this user flagged (one query)."""
    if not getattr(user, "is_authenticated", False) or not ratings:
        return set()
    return set(
        db.session.scalars(
            select(RatingFlag.rating_id).where(
                RatingFlag.user_id == user.id, RatingFlag.rating_id.in_([r.id for r in ratings])
            )
        )
    )


def staff_queue(staff, *, hidden: bool, page: int) -> tuple[list[Rating], bool]:
    """Staff's queue: flagged visible ratings (most flagged first), or hidden ones (newest hidden first)."""
    _require_staff(staff)
    stmt = select(Rating).options(
        joinedload(Rating.author), joinedload(Rating.integration), selectinload(Rating.flags)
    )
    if hidden:
        stmt = stmt.where(Rating.hidden_at.is_not(None)).order_by(Rating.hidden_at.desc(), Rating.id)
    else:
        stmt = stmt.where(Rating.hidden_at.is_(None), Rating.flag_count > 0).order_by(
            Rating.flag_count.desc(), Rating.created_at.desc(), Rating.id
        )
    rows = list(
        db.session.scalars(stmt.offset((page - 1) * QUEUE_PER_PAGE).limit(QUEUE_PER_PAGE + 1)).unique()
    )
    return rows[:QUEUE_PER_PAGE], len(rows) > QUEUE_PER_PAGE


def rating_for_staff(staff, rating_id: str) -> Rating:
    _require_staff(staff)
    rating = (
        db.session.get(Rating, rating_id) if isinstance(rating_id, str) and len(rating_id) <= 36 else None
    )
    if rating is None:
        raise NotFound("No such review.")
    return rating


# --- installed state ----------------------------------------------------------------------------


def installed_in(viewer: Viewer, integration_ids) -> dict[str, tuple[tuple[str, str], ...]]:
    """For a signed-in viewer: integration id -> ((workspace slug, name), ...) of their workspaces that
    have it installed (live). One query, whatever the number of ids."""
    ids = [i for i in integration_ids]
    if viewer.is_anonymous or not viewer.member_of or not ids:
        return {}
    rows = db.session.execute(
        select(Installation.integration_id, Workspace.slug, Workspace.name)
        .join(Workspace, Workspace.id == Installation.workspace_id)
        .where(
            Installation.workspace_id.in_(sorted(viewer.member_of)),
            Installation.integration_id.in_(ids),
            Installation.status.in_(LIVE_STATUSES),
        )
        .order_by(Workspace.name, Workspace.slug)
    ).all()
    found: dict[str, list] = {}
    for integration_id, slug, name in rows:
        found.setdefault(integration_id, []).append((slug, name))
    return {k: tuple(v) for k, v in found.items()}
