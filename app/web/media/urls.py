"""URLs of media files: relative for pages, absolute for the API (on PUBLIC_BASE_URL when set, as
every absolute URL the app hands out, never on a request's Host header in production)."""

from __future__ import annotations

from flask import current_app

from ..urls import cached_url_for

PLACEHOLDER = "_"


def media_root() -> str:
    """The path every media file's URL starts with."""
    return cached_url_for("media.file", name=PLACEHOLDER)[: -len(PLACEHOLDER)]


def media_path(filename: str) -> str:
    return media_root() + filename


def media_url(filename: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + media_path(filename)
    return cached_url_for("media.file", name=PLACEHOLDER, _external=True)[: -len(PLACEHOLDER)] + filename


def icon_filename(icon_media: str) -> str:
    return f"{icon_media}.png"


def icon_url_of(integration) -> str | None:
    """The integration's iconUrl as the API shows it: the uploaded icon's absolute URL, else the
    publisher's external https: URL (or null)."""
    icon_media = getattr(integration, "icon_media", None)
    if icon_media:
        return media_url(icon_filename(icon_media))
    return integration.icon_url


def icon_src(integration, root: str | None = None) -> str | None:
    """What a page's <img> shows: the uploaded icon, else an https: icon URL, else None (the placeholder).
    `root`: media_root() as the caller built it already (then no URL is built here)."""
    from ..catalog.presenters import safe_icon_url

    icon_media = getattr(integration, "icon_media", None)
    if icon_media:
        return (media_root() if root is None else root) + icon_filename(icon_media)
    return safe_icon_url(integration.icon_url)
