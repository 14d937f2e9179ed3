"""GET /api/v1/integrations/<id>/reviews: an integration's visible reviews (ratings in the code),
newest first, cursor-paged. The same visibility as the integration's get (404 otherwise); hidden
reviews are absent; reviewers appear by display name only."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from ...models.base import isoformat_z
from ...services import catalog, ratings
from ..catalog.query import BadQuery, parse_limit
from . import bp
from .auth import api_caller
from .openapi import (
    ERROR_RESPONSES,
    GONE,
    PATH_BUILDERS,
    SCHEMA_BUILDERS,
    TIMESTAMP,
    _id_parameter,
    _nullable,
    _query,
    _ref,
    json_response,
    text,
)
from .routes import _respond

DEFAULT_LIMIT = 20


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="api-reviews-cursor")


def _decode(raw: str | None, integration_id: str) -> tuple | None:
    if not raw:
        return None
    try:
        data = _serializer().loads(raw[:2000])
        if data["i"] != integration_id:
            raise ValueError
        return datetime.fromisoformat(data["k"][0]), str(data["k"][1])
    except (BadSignature, ValueError, TypeError, KeyError, IndexError):
        raise BadQuery(
            "The cursor is not valid for this integration. Start again without it.", field="cursor"
        ) from None


def rating_to_dict(rating) -> dict:
    return {
        "id": rating.id,
        "integrationId": rating.integration_id,
        "stars": rating.stars,
        "body": rating.body,
        "version": rating.version,
        "author": rating.author.display_name if rating.author else None,
        "createdAt": isoformat_z(rating.created_at),
        "updatedAt": isoformat_z(rating.updated_at),
        "reply": {"body": rating.reply_body, "repliedAt": isoformat_z(rating.replied_at)}
        if rating.reply_body
        else None,
    }


@bp.get("/integrations/<integration_id>/reviews")
def list_reviews(integration_id):
    caller = api_caller()
    # The arguments first: a bad one is a 400 whatever the integration's state.
    limit = parse_limit(request.args, default=DEFAULT_LIMIT)
    key = _decode(request.args.get("cursor"), integration_id)
    integration = catalog.integration_by_id(caller.viewer, integration_id)
    items, next_key = ratings.after(integration, key, limit)
    cursor = (
        _serializer().dumps({"i": integration.id, "k": [next_key[0].isoformat(), next_key[1]]})
        if next_key
        else None
    )
    summary = {
        "count": integration.rating_count,
        "average": ratings.rules.average(integration.rating_count, integration.rating_total),
    }
    return _respond(
        {"data": [rating_to_dict(r) for r in items], "nextCursor": cursor, "rating": summary}, caller
    )


def review_schema() -> dict:
    properties = {
        "id": {"type": "string"},
        "integrationId": {"type": "string"},
        "stars": {"type": "integer", "minimum": 1, "maximum": 5},
        "body": {"type": "string", "description": "Markdown (rendered sanitised on the site)."},
        "version": {"type": "string", "description": "The version the reviewer's workspace ran."},
        "author": _nullable({"type": "string"}),
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
        "reply": _nullable(
            {
                "type": "object",
                "required": ["body", "repliedAt"],
                "additionalProperties": False,
                "properties": {"body": {"type": "string"}, "repliedAt": TIMESTAMP},
            }
        ),
    }
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def review_paths() -> dict:
    page = {
        "type": "object",
        "required": ["data", "nextCursor", "rating"],
        "additionalProperties": False,
        "properties": {
            "data": {"type": "array", "items": _ref("Review")},
            "nextCursor": {"type": ["string", "null"]},
            "rating": {
                "type": "object",
                "required": ["count", "average"],
                "additionalProperties": False,
                "properties": {
                    "count": {"type": "integer", "minimum": 0},
                    "average": {"type": ["number", "null"], "minimum": 1, "maximum": 5},
                },
            },
        },
    }
    return {
        "/api/v1/integrations/{id}/reviews": {
            "get": {
                "operationId": "listIntegrationReviews",
                "summary": "People's reviews of the integration, newest first (hidden ones absent)",
                "parameters": [
                    _id_parameter(),
                    _query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        "Page size.",
                    ),
                    _query(
                        "cursor", text(), "The previous page's nextCursor, opaque; any other value is a 400."
                    ),
                ],
                "responses": {
                    "200": json_response("A page of reviews", page),
                    "410": GONE,
                    **ERROR_RESPONSES,
                },
            }
        }
    }


# The OpenAPI document lists this endpoint and its schema (app/web/api/openapi.py builds from these).
SCHEMA_BUILDERS["Review"] = review_schema
PATH_BUILDERS.append(review_paths)
