# Placeholder until the publisher dashboard issue lands.
from flask import render_template
from flask_login import login_required

from . import bp


@bp.get("")
@login_required
def index():
    return render_template("generic_placeholder.html", title="Dashboard")
