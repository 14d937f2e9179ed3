from flask import Blueprint

bp = Blueprint("workspaces", __name__, url_prefix="/workspaces")

from . import policy, routes  # noqa: E402,F401
