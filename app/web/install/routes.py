# Placeholder until the install wizard issue lands.
from flask import render_template
from flask_login import current_user, login_required

from ...services import workspaces
from . import bp


@bp.get("/workspaces/<ws>/installations")
@login_required
def installations(ws):
    workspace, _ = workspaces.workspace_for_member(current_user, ws)
    return render_template("generic_placeholder.html", title=f"{workspace.name}: installations")


@bp.get("/install/<publisher>/<slug>")
@login_required
def start(publisher, slug):
    return render_template("generic_placeholder.html", title=f"Install {publisher}/{slug}")
