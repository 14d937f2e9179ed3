"""The dashboard's media page of one listing: upload or remove its icon; add (up to five), caption,
reorder and delete its screenshots. Load (someone else's listing is a 404) → check → act.

Uploads are multipart forms with their CSRF token. Their requests may be larger than the site's
2 MiB limit (an image may be MAX_UPLOAD_BYTES); a larger one is answered with the form and an
error beside the file field (413), after reading (up to DRAIN_MAX) what the client sends, so it sees
that answer instead of a connection reset."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from ...domain import images
from ...extensions import csrf
from ...models.media import CAPTION_MAX, MAX_SCREENSHOTS
from ...services import integrations, media
from ...services.errors import ServiceError
from ...services.viewer import viewer_for
from ..forms import ButtonForm, apply_service_error, flash_service_error
from . import bp
from .urls import icon_filename, media_path

UPLOAD_REQUEST_MAX = images.MAX_UPLOAD_BYTES + 256 * 1024  # the image and the form around it
DRAIN_MAX = 64 * 1024 * 1024
TOO_LARGE = f"That file is larger than {images.MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Choose a smaller image."
ACCEPT = "image/png,image/jpeg,image/webp"


class IconForm(FlaskForm):
    icon = FileField("Icon image", validators=[FileRequired("Choose an image file.")])


class ScreenshotForm(FlaskForm):
    screenshot = FileField("Screenshot image", validators=[FileRequired("Choose an image file.")])
    caption = StringField("Caption", validators=[Optional(), Length(max=CAPTION_MAX)])


class CaptionForm(FlaskForm):
    caption = StringField("Caption", validators=[Optional(), Length(max=CAPTION_MAX)])


class MoveForm(FlaskForm):
    direction = SelectField("Direction", choices=[("up", "Up"), ("down", "Down")])


def _load(integration_id: str, *, lock: bool = False):
    return integrations.for_publisher(viewer_for(current_user), integration_id, lock=lock)


def _render(integration, status: int = 200, **forms):
    shots = media.screenshots_of(integration.id)
    forms.setdefault("icon_form", IconForm(formdata=None, prefix="icon"))
    forms.setdefault("screenshot_form", ScreenshotForm(formdata=None, prefix="shot"))
    given = forms.pop("caption_forms", {})
    caption_forms = {}
    for number, shot in enumerate(shots, start=1):
        form = given.get(shot.id) or CaptionForm(
            formdata=None, prefix=f"caption-{shot.id}", caption=shot.caption
        )
        form.caption.label.text = f"Caption of screenshot {number}"
        caption_forms[shot.id] = form
    return render_template(
        "media/dashboard.html",
        integration=integration,
        screenshots=shots,
        caption_forms=caption_forms,
        icon_src=media_path(icon_filename(integration.icon_media)) if integration.icon_media else None,
        media_path=media_path,
        max_screenshots=MAX_SCREENSHOTS,
        max_megabytes=images.MAX_UPLOAD_BYTES // (1024 * 1024),
        accept=ACCEPT,
        **forms,
    ), status


@bp.get("/dashboard/integrations/<integration_id>/media")
@login_required
def manage(integration_id):
    return _render(_load(integration_id))


@bp.url_value_preprocessor
def _upload_limit(endpoint, _values) -> None:
    """Uploads may exceed the site's request limit; set before any hook reads the body."""
    if endpoint in ("media.upload_icon", "media.upload_screenshot"):
        request.max_content_length = UPLOAD_REQUEST_MAX


def _oversized() -> bool:
    """Whether this upload's body is over the limit; if so, read and drop it (bounded)."""
    length = request.content_length
    if length is None or length <= UPLOAD_REQUEST_MAX:
        return False
    stream, left = request.environ["wsgi.input"], min(length, DRAIN_MAX)
    while left > 0:
        chunk = stream.read(min(left, 1024 * 1024))
        if not chunk:
            break
        left -= len(chunk)
    return True


def _upload(integration_id: str, form_class, prefix: str, field: str, action, done: str):
    integration = _load(integration_id, lock=True)
    name = "icon_form" if prefix == "icon" else "screenshot_form"
    too_large = _oversized()
    if not too_large:
        try:
            csrf.protect()
            form = form_class(prefix=prefix)
        except RequestEntityTooLarge:  # a body without Content-Length that ran past the limit
            too_large = True
    if too_large:
        form = form_class(formdata=None, prefix=prefix)
        getattr(form, field).errors = [TOO_LARGE]
        return _render(integration, 413, **{name: form})
    if form.validate_on_submit():
        try:
            action(integration, form)
        except ServiceError as error:
            apply_service_error(form, error)
            return _render(integration, error.status, **{name: form})
        flash(done, "success")
        return redirect(url_for("media.manage", integration_id=integration.id))
    return _render(integration, 422, **{name: form})


@csrf.exempt  # checked in the view, once the body is known to fit (see _upload)
@bp.post("/dashboard/integrations/<integration_id>/media/icon")
@login_required
def upload_icon(integration_id):
    return _upload(
        integration_id,
        IconForm,
        "icon",
        "icon",
        lambda integration, form: media.set_icon(current_user, integration, form.icon.data.read()),
        "Icon uploaded. Cards and the listing's page show it now.",
    )


@csrf.exempt  # checked in the view, once the body is known to fit (see _upload)
@bp.post("/dashboard/integrations/<integration_id>/media/screenshots")
@login_required
def upload_screenshot(integration_id):
    return _upload(
        integration_id,
        ScreenshotForm,
        "shot",
        "screenshot",
        lambda integration, form: media.add_screenshot(
            current_user, integration, form.screenshot.data.read(), form.caption.data
        ),
        "Screenshot added.",
    )


def _button(integration_id: str, action, done: str):
    integration = _load(integration_id, lock=True)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        action(integration)
    except ServiceError as error:
        flash_service_error(error)
        return _render(integration, error.status)
    flash(done, "success")
    return redirect(url_for("media.manage", integration_id=integration.id))


@bp.post("/dashboard/integrations/<integration_id>/media/icon/remove")
@login_required
def remove_icon(integration_id):
    return _button(
        integration_id, lambda i: media.remove_icon(current_user, i), "Icon removed: the placeholder shows."
    )


@bp.post("/dashboard/integrations/<integration_id>/media/screenshots/<screenshot_id>/caption")
@login_required
def caption(integration_id, screenshot_id):
    integration = _load(integration_id, lock=True)
    form = CaptionForm(prefix=f"caption-{screenshot_id[:36]}")
    if form.validate_on_submit():
        try:
            media.set_caption(current_user, integration, screenshot_id, form.caption.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash("Caption saved.", "success")
            return redirect(url_for("media.manage", integration_id=integration.id))
    return _render(integration, 422, caption_forms={screenshot_id: form})


@bp.post("/dashboard/integrations/<integration_id>/media/screenshots/<screenshot_id>/move")
@login_required
def move(integration_id, screenshot_id):
    direction = request.form.get("direction", "")
    return _button(
        integration_id,
        lambda i: media.move_screenshot(current_user, i, screenshot_id, direction),
        f"Screenshot moved {direction}." if direction in ("up", "down") else "",
    )


@bp.post("/dashboard/integrations/<integration_id>/media/screenshots/<screenshot_id>/delete")
@login_required
def delete(integration_id, screenshot_id):
    return _button(
        integration_id,
        lambda i: media.delete_screenshot(current_user, i, screenshot_id),
        "Screenshot deleted.",
    )
