"""Publisher profiles: /publishers/<handle> for everyone, and the profile form for the admins of
the workspace holding the handle."""

from flask import Blueprint

bp = Blueprint("publishers", __name__)

from . import routes  # noqa: E402,F401
