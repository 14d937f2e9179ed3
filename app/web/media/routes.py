"""GET /media/<sha256>.<ext>: a stored image, to a viewer who may see a listing that names it.

Files are immutable (their name is the hash of their bytes): a file some public or unlisted listing
names is sent `public, max-age=31536000, immutable`; one only its own workspace may see is `private,
no-cache` (kept by the browser, asked again each time, so the visibility rule is asked too). Both
carry the hash as ETag (304 on If-None-Match), their own Content-Type, `nosniff` and a sandboxing CSP,
so even a browser sent straight to the file renders it as nothing but an image."""

from __future__ import annotations

import re

from flask import Response, abort, request
from flask_login import current_user

from ...services import media
from ...services.errors import NotFound
from ...services.viewer import viewer_for
from . import bp

_NAME = re.compile(r"^([0-9a-f]{64})\.(png|jpg|webp)$")
IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE = "private, no-cache"


@bp.get("/media/<name>")
def file(name):
    match = _NAME.match(name)
    if match is None:
        abort(404)
    try:
        served = media.file_for(viewer_for(current_user), match.group(1), match.group(2))
    except NotFound:
        abort(404)
    etag = f'"{served.file.sha256}"'
    if served.file.sha256 in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(served.file.data, mimetype=served.file.content_type)
        response.headers["Content-Disposition"] = f'inline; filename="{served.file.filename}"'
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = IMMUTABLE if served.public else PRIVATE
    if not served.public:
        response.vary.add("Cookie")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
