"""Publisher profiles (/publishers/<handle>): what a publisher says about itself, edited by the owners
and admins of the workspace holding the handle, and the identity-verified mark only staff set
(distinct from trust tiers, which staff give each listing). The profile's listings are the
catalog's, filtered by publisher: the visibility rule is the catalog's, so nothing unlisted, private
to another workspace, draft or trashed appears.

Each action takes the acting user, flushes, writes one audit event, moves the listing generation
(public pages show profiles) and raises typed errors; nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from ..domain.visibility import Viewer
from ..extensions import db
from ..models import PublisherNamespace, PublisherProfile
from ..models.base import utcnow
from ..models.integration import URL_MAX
from ..models.publisher_profile import DISPLAY_NAME_MAX, PROFILE_DESCRIPTION_MAX
from . import audit, catalog
from .errors import NotFound, PermissionDenied, ValidationFailed
from .integration_metadata import HTTPS_URL_RE
from .workspaces import membership_of

FIELDS = ("display_name", "description", "website", "support_contact")
REASON_MAX = 500


@dataclass(frozen=True)
class Publisher:
    handle: str
    workspace_id: str
    profile: PublisherProfile | None

    @property
    def name(self) -> str:
        return (self.profile and self.profile.display_name) or self.handle

    @property
    def verified(self) -> bool:
        return bool(self.profile and self.profile.is_verified)


def publisher(handle: str) -> Publisher:
    """The publisher holding `handle` (NotFound for a handle nobody holds)."""
    handle = (handle or "")[:39]
    namespace = db.session.get(PublisherNamespace, handle)
    if namespace is None:
        raise NotFound("No such publisher.")
    return Publisher(handle, namespace.workspace_id, db.session.get(PublisherProfile, handle))


def profile_of(handle: str) -> PublisherProfile | None:
    return db.session.get(PublisherProfile, handle)


def listings_of(viewer: Viewer, handle: str, page: int = 1) -> catalog.CatalogPage:
    """The publisher's listings this viewer finds in the catalog (the catalog's visibility rule)."""
    return catalog.page_for(viewer, catalog.CatalogQuery(publisher=handle, sort="name"), page=page)


def verified_handles(handles) -> set[str]:
    """Which of these handles staff verified (one query)."""
    wanted = sorted(set(handles))
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            db.select(PublisherProfile.handle).where(
                PublisherProfile.handle.in_(wanted), PublisherProfile.verified_at.is_not(None)
            )
        )
    )


def for_editing(actor, handle: str) -> Publisher:
    """A publisher whose workspace the actor administers: NotFound for a non-member, PermissionDenied
    for a plain member (they can see the workspace, they may not change it)."""
    found = publisher(handle)
    membership = membership_of(actor, found.workspace_id)
    if membership is None:
        raise NotFound("No such publisher.")
    if not membership.can_manage:
        raise PermissionDenied("Only the workspace's owners and admins can edit its publisher profile.")
    return found


def update_profile(actor, handle: str, data: dict) -> PublisherProfile:
    found = for_editing(actor, handle)
    clean = _cleaned(data)
    profile = found.profile or PublisherProfile(handle=found.handle)
    before = audit.snapshot(profile, FIELDS) if found.profile else {}
    for key, value in clean.items():
        setattr(profile, key, value)
    after = audit.snapshot(profile, FIELDS)
    if before == after:
        return profile
    profile.updated_at = utcnow()
    db.session.add(profile)
    db.session.flush()
    catalog.bump_listing_generation()
    audit.record(
        actor,
        "publisher.profile_updated",
        object_type="publisher",
        object_id=found.handle,
        object_label=found.handle,
        workspace_id=found.workspace_id,
        before=before,
        after=after,
    )
    return profile


def set_verified(actor, handle: str, verified: bool, reason: str | None) -> PublisherProfile:
    """Staff only (NotFound for anyone else): mark or unmark the publisher's identity as verified."""
    if not getattr(actor, "is_staff", False):
        raise NotFound("No such page.")
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailed(
            f"Give a reason (up to {REASON_MAX} characters): it is kept in the audit log.", field="reason"
        )
    try:
        found = publisher((handle or "").strip().lower())
    except NotFound:
        raise ValidationFailed("No publisher holds that handle.", field="handle") from None
    profile = found.profile or PublisherProfile(handle=found.handle)
    before = {"verified": profile.is_verified}
    if profile.is_verified == verified:
        raise ValidationFailed(
            f"“{found.handle}” is already {'verified' if verified else 'not verified'}.", field="verified"
        )
    profile.verified_at = utcnow() if verified else None
    profile.verified_by = actor.id if verified else None
    db.session.add(profile)
    db.session.flush()
    catalog.bump_listing_generation()
    audit.record(
        actor,
        "publisher.verified" if verified else "publisher.unverified",
        object_type="publisher",
        object_id=found.handle,
        object_label=found.handle,
        workspace_id=found.workspace_id,
        before=before,
        after={"verified": verified},
        note=reason,
    )
    return profile


def _cleaned(data: dict) -> dict:
    problems: list[dict] = []
    clean = {
        "display_name": _text(data.get("display_name"), DISPLAY_NAME_MAX, "display_name", problems),
        "description": _text(data.get("description"), PROFILE_DESCRIPTION_MAX, "description", problems),
        "website": _https(data.get("website"), "website", problems),
        "support_contact": _contact(data.get("support_contact"), problems),
    }
    if problems:
        raise ValidationFailed(
            problems[0]["message"] if len(problems) == 1 else "Some fields need attention.",
            field=problems[0]["field"],
            details=problems,
        )
    return clean


def _problem(problems: list, field: str, message: str) -> None:
    problems.append({"field": field, "path": f"$.{field}", "message": message})


def _text(value, limit: int, field: str, problems: list) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else ""
    if len(value) > limit:
        _problem(problems, field, f"Keep it under {limit} characters.")
    return value or None


def _is_https(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.netloc) and bool(HTTPS_URL_RE.fullmatch(value))


def _https(value, field: str, problems: list) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else ""
    if value and (len(value) > URL_MAX or not _is_https(value)):
        _problem(problems, field, "Enter an address starting with https://.")
    return value or None


def _contact(value, problems: list) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        return None
    if value.startswith("https://"):
        return _https(value, "support_contact", problems)
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError:
        _problem(problems, "support_contact", "Enter an e-mail address or an address starting with https://.")
        return value
