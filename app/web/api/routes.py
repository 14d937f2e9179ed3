"""The read side of the JSON API. Same visibility rule as the pages; unseen means 404."""

from __future__ import annotations

import hashlib
import json

from flask import current_app, jsonify, request
from itsdangerous import BadSignature, URLSafeSerializer

from ...services import catalog
from ..catalog.query import BadQuery, parse_limit, parse_query
from . import bp
from .auth import api_caller
from .openapi import openapi_document
from .serializers import integration_to_dict, listing_to_dict, version_to_dict

DEFAULT_LIMIT = 20


def _cursor_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="api-integrations-cursor")


def _filters_fingerprint(query: catalog.CatalogQuery) -> str:
    raw = json.dumps(
        [query.terms, query.tiers, query.publisher, query.sort, *([query.category] if query.category else [])]
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def encode_cursor(query: catalog.CatalogQuery, names: tuple[str, ...], key: tuple) -> str:
    value = key[0].isoformat() if hasattr(key[0], "isoformat") else key[0]
    return _cursor_serializer().dumps({"f": _filters_fingerprint(query), "n": names[0], "k": [value, key[1]]})


def decode_cursor(raw: str | None, query: catalog.CatalogQuery) -> tuple | None:
    """An opaque, signed cursor bound to the filters it was issued for; anything else is a 400."""
    if not raw:
        return None
    try:
        data = _cursor_serializer().loads(raw[:2000])
        if data["f"] != _filters_fingerprint(query):
            raise ValueError
        value, last_id = data["k"]
        return catalog.decode_key_value(data["n"], value), str(last_id)
    except (BadSignature, ValueError, TypeError, KeyError):
        raise BadQuery(
            "The cursor is not valid for these filters. Start again without it.", field="cursor"
        ) from None


def _respond(payload, caller):
    """Anonymous answers are shared-cacheable with an ETag; anything personal is never stored."""
    response = jsonify(payload)
    response.vary.update(("Authorization", "Cookie"))
    if caller.viewer.is_anonymous:
        response.cache_control.public = True
        response.cache_control.max_age = 60
        response.add_etag()
        response.make_conditional(request)
    else:
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response


@bp.get("/integrations")
def list_integrations():
    caller = api_caller()
    query = parse_query(request.args)
    limit = parse_limit(request.args, default=DEFAULT_LIMIT)
    after = decode_cursor(request.args.get("cursor"), query)
    page = catalog.keyset_page_for(caller.viewer, query, after=after, limit=limit)
    next_cursor = encode_cursor(query, page.sort_names, page.next_key) if page.next_key else None
    shown = catalog.shown_to_each(caller.viewer, page.items)
    data = [integration_to_dict(i, shown[i.id]) for i in page.items]
    return _respond({"data": data, "nextCursor": next_cursor}, caller)


@bp.get("/integrations/<integration_id>")
def get_integration(integration_id):
    caller = api_caller()
    integration = catalog.integration_by_id(caller.viewer, integration_id)
    return _respond(integration_to_dict(integration, catalog.shown_to(caller.viewer, integration)), caller)


@bp.get("/integrations/<integration_id>/listing")
def get_listing(integration_id):
    """The listing's extras (categories, links, access, media, rating, publisher): seen exactly when the
    Integration itself is."""
    caller = api_caller()
    integration = catalog.integration_by_id(caller.viewer, integration_id)
    return _respond(listing_to_dict(integration, catalog.shown_to(caller.viewer, integration)), caller)


@bp.get("/integrations/<integration_id>/versions")
def list_versions(integration_id):
    caller = api_caller()
    integration = catalog.integration_by_id(caller.viewer, integration_id, with_versions=True)
    return _respond(
        {"data": [version_to_dict(v) for v in catalog.versions_of(caller.viewer, integration)]}, caller
    )


@bp.get("/openapi.json")
def openapi():
    response = jsonify(openapi_document())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
