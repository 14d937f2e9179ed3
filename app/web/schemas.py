"""The project's own JSON Schemas, served as they are validated against (app/schemas/*.json)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ..domain.documents import project_schema

bp = Blueprint("schemas", __name__, url_prefix="/schemas")


def _serve(name: str):
    response = jsonify(project_schema(name))
    response.mimetype = "application/schema+json"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/manifest.json")
def manifest():
    return _serve("manifest.json")


@bp.get("/auth-config.json")
def auth_config():
    return _serve("auth-config.json")
