# Placeholder until API tokens land (publisher dashboard issue).
from flask import render_template
from flask_login import login_required

from . import bp


@bp.get("/settings/tokens")
@login_required
def tokens():
    return render_template("generic_placeholder.html", title="API tokens")
