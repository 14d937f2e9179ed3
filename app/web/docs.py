"""/docs/publishing: the publisher docs, rendered from the JSON Schemas and save rules the editors
and the API validate against (domain/documents/reference.py), with worked examples that the test
suite holds to those rules (domain/documents/examples.py), and the publish checks (domain/checks.py)."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template, url_for

from ..domain import checks, webhooks
from ..domain.documents import examples, reference
from .dashboard.editors import auth as auth_editor
from .dashboard.editors import variables as variables_editor
from .page_cache import anonymous_page

bp = Blueprint("docs", __name__, url_prefix="/docs")

DOCUMENTS = (
    ("manifest", "manifest", "schemas.manifest"),
    ("variablesSchema", "variablesSchema", None),
    ("authConfig", "authConfig", "schemas.auth_config"),
)


def _pretty(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@bp.get("/publishing")
@anonymous_page(key=lambda: ())
def publishing():
    worked = examples.examples()
    return render_template(
        "docs/publishing.html",
        manifest_sections=reference.schema_reference("manifest"),
        variables_sections=reference.variables_reference(),
        auth_sections=reference.schema_reference("authConfig"),
        manifest_example=_pretty(worked["manifest"]),
        variables_example=_pretty(worked["variablesSchema"]),
        auth_examples=[(kind, _pretty(config)) for kind, config in worked["authConfig"].items()],
        checks=sorted(checks.CHECKS.values(), key=lambda check: check.id),
        webhook_events=webhooks.EVENTS,
        webhook_schedule=webhooks.DEFAULT_SCHEDULE,
        outbound_timeout=f"{current_app.config['OUTBOUND_TIMEOUT_SECONDS']:g}",
        editor_auth=auth_editor.types(),
        editor_auth_labels=auth_editor.TYPE_LABELS,
        editor_variables=variables_editor.INPUTS,
        schema_urls={"manifest": url_for("schemas.manifest"), "authConfig": url_for("schemas.auth_config")},
    )
