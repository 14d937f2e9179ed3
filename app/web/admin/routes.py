# Placeholder until the staff tools land: staff only, 404 for everyone else.
from flask import abort, render_template
from flask_login import current_user

from . import bp


@bp.before_request
def _staff_only():
    if not (current_user.is_authenticated and current_user.is_staff):
        abort(404)


@bp.get("")
def index():
    return render_template("generic_placeholder.html", title="Admin")
