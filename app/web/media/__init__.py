"""Uploaded media: the files themselves (/media/<sha256>.<ext>) and the dashboard page where a
publisher uploads a listing's icon and screenshots."""

from flask import Blueprint

bp = Blueprint("media", __name__)

from . import routes, uploads  # noqa: E402,F401
from .urls import icon_src, media_path  # noqa: E402

bp.add_app_template_global(icon_src, "icon_src")
bp.add_app_template_global(media_path, "media_path")


@bp.context_processor
def _dashboard_helpers():
    """The media page is one of the dashboard's integration pages (its _nav.html shows takedowns)."""
    from ..dashboard.takedowns import _takedown_notice

    return _takedown_notice()
