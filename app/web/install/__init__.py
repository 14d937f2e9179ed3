from flask import Blueprint

bp = Blueprint("install", __name__)

from . import manage, routes  # noqa: E402,F401
