from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.record_once
def _register_editor_kit(state) -> None:
    from .editors import kit

    state.app.jinja_env.globals["editor_kit"] = kit


from . import routes, takedowns, webhooks  # noqa: E402,F401
