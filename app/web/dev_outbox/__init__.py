"""/dev/outbox: the mail the app would have sent, in development (no MAIL_SERVER). Mounted only
when MAIL_OUTBOX is on, which it never is in production (like the demo OAuth provider)."""

from __future__ import annotations

import re

from flask import Blueprint, Flask, abort, render_template

from ...services import mail

bp = Blueprint("dev_outbox", __name__, url_prefix="/dev/outbox")

URL_RE = re.compile(r"(https?://\S+)")


def register(app: Flask) -> None:
    if app.config.get("MAIL_OUTBOX") and not app.config.get("PRODUCTION"):
        app.register_blueprint(bp)


def _parts(body: str) -> list[tuple[str, bool]]:
    """The body as (text, is_link) pieces, so the template makes links clickable and escapes the rest."""
    return [(piece, bool(URL_RE.fullmatch(piece))) for piece in URL_RE.split(body) if piece]


@bp.get("")
def index():
    return render_template("dev/outbox.html", messages=mail.outbox())


@bp.get("/<message_id>")
def message(message_id):
    found = mail.outbox_message(message_id)
    if found is None:
        abort(404)
    return render_template("dev/outbox_message.html", message=found, parts=_parts(found.body))
