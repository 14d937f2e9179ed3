"""A listing's uploaded icon and screenshots, and which viewer may fetch which media file.

Publisher actions take the acting user and a listing they administer (integrations.for_publisher),
flush, write one audit event and raise typed errors; nothing here commits. Images are decoded and
re-encoded by app/domain/images.py and stored once per content (the SHA-256 of the re-encoded bytes).
Icons and screenshots are listing metadata, not versioned. A file is served only while something a
viewer may see names it (`file_for`); a file nothing names any more is deleted with the last reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ..domain import images
from ..domain.visibility import PUBLIC, UNLISTED, Viewer, can_view, state_of
from ..extensions import db
from ..models import Integration, ListingScreenshot, MediaFile
from ..models.media import CAPTION_MAX, MAX_SCREENSHOTS
from . import audit
from .catalog import bump_listing_generation
from .errors import NotFound, ValidationFailed
from .integrations import require_not_in_trash

ICON_EXTENSION = "png"


@dataclass(frozen=True)
class Served:
    """A media file a viewer may fetch, and whether anyone at all may (then caches may keep it)."""

    file: MediaFile
    public: bool


# --- reading ------------------------------------------------------------------------------------


def screenshots_of(integration_id: str) -> list[ListingScreenshot]:
    return list(
        db.session.scalars(
            select(ListingScreenshot)
            .where(ListingScreenshot.integration_id == integration_id)
            .order_by(ListingScreenshot.position, ListingScreenshot.created_at, ListingScreenshot.id)
        )
    )


def file_for(viewer: Viewer, sha256: str, extension: str) -> Served:
    """The media file `<sha256>.<extension>` if a listing this viewer may see names it (NotFound otherwise,
    the same answer as for a file that does not exist). Public when a public or unlisted listing
    not taken down names it."""
    if len(sha256) != 64 or extension not in ("png", "jpg", "webp"):
        raise NotFound("No such file.")
    file = db.session.get(MediaFile, sha256)
    if file is None or file.extension != extension:
        raise NotFound("No such file.")
    named_by = select(ListingScreenshot.integration_id).where(ListingScreenshot.media_sha256 == sha256)
    owners = db.session.execute(
        select(
            Integration.workspace_id,
            Integration.visibility,
            Integration.current_version,
            Integration.deleted_at,
            Integration.taken_down_at,
        ).where(or_(Integration.icon_media == sha256, Integration.id.in_(named_by)))
    ).all()
    seen = [i for i in owners if can_view(viewer, i) and not _hidden_by_takedown(viewer, i)]
    if not seen:
        raise NotFound("No such file.")
    public = any(state_of(i) in (PUBLIC, UNLISTED) and i.taken_down_at is None for i in owners)
    return Served(file, public)


def _hidden_by_takedown(viewer: Viewer, integration) -> bool:
    """A listing staff took down shows its media to its own workspace only (its dashboard)."""
    return integration.taken_down_at is not None and integration.workspace_id not in viewer.member_of


# --- publisher actions --------------------------------------------------------------------------------


def set_icon(actor, integration: Integration, data: bytes) -> MediaFile:
    require_not_in_trash(integration)
    encoded = _checked(images.icon, data, "icon")
    file = store_file(encoded)
    before = {"icon_media": integration.icon_media, "icon_url": integration.icon_url}
    old = integration.icon_media
    integration.icon_media = file.sha256
    integration.icon_url = None  # iconUrl is one value: now the uploaded icon's URL
    db.session.flush()
    _forget_if_unused(old)
    _record(actor, integration, "integration.icon_uploaded", before, integration)
    return file


def remove_icon(actor, integration: Integration) -> None:
    require_not_in_trash(integration)
    if integration.icon_media is None:
        raise ValidationFailed("There is no uploaded icon to remove.", field="icon")
    old = integration.icon_media
    before = {"icon_media": old, "icon_url": integration.icon_url}
    integration.icon_media = None
    db.session.flush()
    _forget_if_unused(old)
    _record(actor, integration, "integration.icon_removed", before, integration)


def add_screenshot(actor, integration: Integration, data: bytes, caption: str | None) -> ListingScreenshot:
    require_not_in_trash(integration)
    caption = _caption(caption)
    shots = screenshots_of(integration.id)
    if len(shots) >= MAX_SCREENSHOTS:
        raise ValidationFailed(
            f"A listing has at most {MAX_SCREENSHOTS} screenshots. Delete one before adding another.",
            field="screenshot",
        )
    encoded = _checked(images.screenshot, data, "screenshot")
    file = store_file(encoded)
    shot = ListingScreenshot(
        integration_id=integration.id,
        media_sha256=file.sha256,
        caption=caption,
        position=(shots[-1].position + 1) if shots else 0,
    )
    db.session.add(shot)
    db.session.flush()
    bump_listing_generation()
    audit.record(
        actor,
        "integration.screenshot_added",
        integration,
        object_label=_label(integration),
        after={"screenshot": file.filename, "caption": caption},
    )
    return shot


def set_caption(actor, integration: Integration, screenshot_id: str, caption: str | None) -> None:
    require_not_in_trash(integration)
    shot = _screenshot(integration, screenshot_id)
    caption = _caption(caption)
    if caption == shot.caption:
        return
    before = {"caption": shot.caption}
    shot.caption = caption
    db.session.flush()
    bump_listing_generation()
    audit.record(
        actor,
        "integration.screenshot_captioned",
        integration,
        object_label=_label(integration),
        before=before,
        after={"caption": caption},
        note=shot.media.filename,
    )


def move_screenshot(actor, integration: Integration, screenshot_id: str, direction: str) -> None:
    """One place up or down; the first cannot go up, nor the last down (nothing changes)."""
    require_not_in_trash(integration)
    if direction not in ("up", "down"):
        raise ValidationFailed("Move a screenshot up or down.", field="direction")
    shots = screenshots_of(integration.id)
    shot = _screenshot(integration, screenshot_id)
    index = shots.index(shot)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(shots):
        return
    before = [s.media.filename for s in shots]
    shots[index], shots[other] = shots[other], shots[index]
    for position, each in enumerate(shots):
        each.position = position
    db.session.flush()
    bump_listing_generation()
    audit.record(
        actor,
        "integration.screenshots_reordered",
        integration,
        object_label=_label(integration),
        before={"order": before},
        after={"order": [s.media.filename for s in shots]},
    )


def delete_screenshot(actor, integration: Integration, screenshot_id: str) -> None:
    require_not_in_trash(integration)
    shot = _screenshot(integration, screenshot_id)
    sha256, filename, caption = shot.media_sha256, shot.media.filename, shot.caption
    db.session.delete(shot)
    db.session.flush()
    for position, each in enumerate(screenshots_of(integration.id)):
        each.position = position
    db.session.flush()
    _forget_if_unused(sha256)
    bump_listing_generation()
    audit.record(
        actor,
        "integration.screenshot_deleted",
        integration,
        object_label=_label(integration),
        before={"screenshot": filename, "caption": caption},
    )


# --- helpers ----------------------------------------------------------------------------------------


def _checked(encode, data: bytes, field: str) -> images.EncodedImage:
    try:
        return encode(data)
    except images.ImageRejected as error:
        raise ValidationFailed(str(error), field=field) from None


def store_file(encoded: images.EncodedImage) -> MediaFile:
    """The stored file with these bytes: the one already kept, or a new one."""
    sha256 = encoded.sha256
    file = db.session.get(MediaFile, sha256)
    if file is None:
        file = MediaFile(
            sha256=sha256,
            extension=encoded.extension,
            content_type=encoded.content_type,
            width=encoded.width,
            height=encoded.height,
            byte_size=len(encoded.data),
            data=encoded.data,
        )
        try:
            with db.session.begin_nested():  # the same bytes uploaded at the same moment elsewhere
                db.session.add(file)
        except IntegrityError:
            file = db.session.get(MediaFile, sha256)
    return file


def files_named_by(integration: Integration) -> list[str]:
    """The media files this listing names (its icon, its screenshots)."""
    shots = [s.media_sha256 for s in screenshots_of(integration.id)]
    return ([integration.icon_media] if integration.icon_media else []) + shots


def forget_unused(sha256s) -> None:
    for sha256 in dict.fromkeys(sha256s):
        _forget_if_unused(sha256)


def _forget_if_unused(sha256: str | None) -> None:
    """Delete a file nothing names any more (no listing's icon, no screenshot)."""
    if sha256 is None:
        return
    used = db.session.scalar(
        select(Integration.id).where(Integration.icon_media == sha256).limit(1)
    ) or db.session.scalar(
        select(ListingScreenshot.id).where(ListingScreenshot.media_sha256 == sha256).limit(1)
    )
    if not used:
        file = db.session.get(MediaFile, sha256)
        if file is not None:
            db.session.delete(file)
            db.session.flush()


def _caption(caption: str | None) -> str | None:
    caption = " ".join((caption or "").split())
    if len(caption) > CAPTION_MAX:
        raise ValidationFailed(f"Keep the caption under {CAPTION_MAX} characters.", field="caption")
    return caption or None


def _screenshot(integration: Integration, screenshot_id: str) -> ListingScreenshot:
    shot = db.session.get(ListingScreenshot, str(screenshot_id)[:36])
    if shot is None or shot.integration_id != integration.id:
        raise NotFound("No such screenshot.")
    return shot


def _record(actor, integration: Integration, action: str, before: dict, after_of: Integration) -> None:
    audit.record(
        actor,
        action,
        integration,
        object_label=_label(integration),
        before=before,
        after={"icon_media": after_of.icon_media, "icon_url": after_of.icon_url},
    )


def _label(integration: Integration) -> str:
    return f"{integration.publisher}/{integration.slug}"
