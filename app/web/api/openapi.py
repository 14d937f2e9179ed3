"""`/api/v1/openapi.json`: the API described as OpenAPI 3.1.

Built from small functions so each feature adds its own paths: `PATH_BUILDERS` lists
functions returning {path: {method: operation}}; `openapi_document()` merges them.
"""

from __future__ import annotations

from ...domain.listing_links import LINK_KINDS
from ...domain.semver_range import VERSION_JSON_PATTERN
from ...models.category import CATEGORY_SLUG_PATTERN
from ...models.integration import (
    DESCRIPTION_MAX,
    HTTPS_URL_PATTERN,
    NAME_MAX,
    PUBLISHER_PATTERN,
    RETENTION_TIERS,
    SLUG_PATTERN,
    TRUST_TIERS,
    URL_MAX,
    VERSION_MAX,
    VISIBILITIES,
)
from ...services.catalog import MAX_LIMIT, SORTS
from ...services.publishing import CHANGELOG_MAX, REASON_MAX
from ..catalog.query import MAX_Q_CHARS
from .openapi_text import NOT_BLANK_PATTERN, TEXT_PATTERN, text, trimmed

OBJECT = {"type": "object", "additionalProperties": True}
TIMESTAMP = {"type": "string", "format": "date-time"}


def _nullable(schema: dict) -> dict:
    return (
        {**schema, "type": [schema["type"], "null"]}
        if "enum" not in schema
        else {**schema, "type": [schema["type"], "null"], "enum": [*schema["enum"], None]}
    )


def integration_schema() -> dict:
    """spec/integration-entity.txt as JSON Schema: all eighteen keys required, nothing else allowed."""
    properties = {
        "id": {"type": "string", "readOnly": True},
        "workspaceId": {"type": "string", "description": "Source workspace where the integration is built."},
        "slug": {"type": "string", "description": "Unique within publisher namespace. Used in install URLs."},
        "name": {"type": "string"},
        "description": _nullable({"type": "string"}),
        "iconUrl": _nullable(
            {
                "type": "string",
                "description": "The uploaded icon (an absolute /media/<sha256>.png URL, uploaded in the "
                "dashboard) or an external https: URL. Sending the uploaded icon's URL back keeps it; "
                "another URL or null replaces it.",
            }
        ),
        "publisher": {"type": "string"},
        "trustTier": {"type": "string", "enum": list(TRUST_TIERS)},
        "currentVersion": _nullable({"type": "string", "description": "NULL means draft: never published."}),
        "manifest": OBJECT,
        "variablesSchema": OBJECT,
        "authConfig": OBJECT,
        "visibility": {"type": "string", "enum": list(VISIBILITIES)},
        "createdBy": {"type": "string"},
        "deletedAt": _nullable(TIMESTAMP),
        "retentionTier": _nullable({"type": "string", "enum": list(RETENTION_TIERS)}),
        "createdAt": {**TIMESTAMP, "readOnly": True},
        "updatedAt": {**TIMESTAMP, "readOnly": True},
    }
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def version_schema() -> dict:
    properties = {
        "id": {"type": "string"},
        "integrationId": {"type": "string"},
        "version": {"type": "string"},
        "manifest": OBJECT,
        "variablesSchema": OBJECT,
        "authConfig": OBJECT,
        "changelog": _nullable({"type": "string"}),
        "publishedBy": {"type": "string"},
        "publishedAt": TIMESTAMP,
        "yanked": {"type": "boolean"},
        "yankedAt": _nullable(TIMESTAMP),
        "yankReason": _nullable({"type": "string"}),
    }
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def published_version_schema() -> dict:
    """The publish answer: the version, whether it waits for staff review, and the checks' warnings."""
    schema = version_schema()
    finding = {
        "type": "object",
        "required": ["check", "severity", "message", "path"],
        "properties": {
            "check": {"type": "string", "pattern": "^MP[0-9]{3}$"},
            "severity": {"enum": ["error", "warning"]},
            "message": {"type": "string"},
            "path": _nullable({"type": "string"}),
        },
    }
    schema["properties"] = {
        **schema["properties"],
        "reviewState": {
            "enum": ["live", "pending"],
            "description": "pending: waits for staff review, current only for the publishing workspace.",
        },
        "warnings": {"type": "array", "items": finding},
    }
    schema["required"] = list(schema["properties"])
    return schema


def listing_schema() -> dict:
    """GET /api/v1/integrations/{id}/listing (serializers.listing_to_dict)."""
    category = _nullable(
        {
            "type": "object",
            "required": ["slug", "name"],
            "additionalProperties": False,
            "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
        }
    )
    https_or_null = {"type": ["string", "null"], "pattern": "^https://"}
    return {
        "type": "object",
        "required": ["integrationId", "categories", "links", "access", "media", "rating", "publisher"],
        "additionalProperties": False,
        "properties": {
            "integrationId": {"type": "string"},
            "categories": {
                "type": "object",
                "required": ["primary", "secondary"],
                "additionalProperties": False,
                "properties": {"primary": category, "secondary": category},
            },
            "links": {
                "type": "object",
                "description": "The publisher's links, https: only; null when not given.",
                "required": [kind for kind, _ in LINK_KINDS],
                "additionalProperties": False,
                "properties": {kind: https_or_null for kind, _ in LINK_KINDS},
            },
            "access": {
                "type": "object",
                "description": "What it can access, in plain words, from the authConfig the caller is shown.",
                "required": ["authType", "summary", "scopes"],
                "additionalProperties": False,
                "properties": {
                    "authType": {"enum": ["oauth2", "api_key", "none"]},
                    "summary": {"type": "string"},
                    "scopes": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["scope", "description"],
                            "additionalProperties": False,
                            "properties": {
                                "scope": {"type": "string"},
                                "description": {
                                    "type": ["string", "null"],
                                    "description": "In plain words; null when the scope's meaning is not known.",
                                },
                            },
                        },
                    },
                },
            },
            "media": {
                "type": "object",
                "required": ["iconUrl", "screenshots"],
                "additionalProperties": False,
                "properties": {
                    "iconUrl": {
                        "type": ["string", "null"],
                        "description": "The uploaded icon (/media/<sha256>.png) or the publisher's https: URL.",
                    },
                    "screenshots": {
                        "type": "array",
                        "maxItems": 5,
                        "description": "In the publisher's order; each an absolute /media URL.",
                        "items": {
                            "type": "object",
                            "required": ["url", "caption", "width", "height"],
                            "additionalProperties": False,
                            "properties": {
                                "url": {"type": "string"},
                                "caption": {"type": ["string", "null"]},
                                "width": {"type": "integer", "minimum": 1},
                                "height": {"type": "integer", "minimum": 1},
                            },
                        },
                    },
                },
            },
            "rating": {
                "type": "object",
                "required": ["average", "count", "distribution"],
                "additionalProperties": False,
                "properties": {
                    "average": {"type": ["number", "null"], "minimum": 1, "maximum": 5},
                    "count": {"type": "integer", "minimum": 0},
                    "distribution": {
                        "type": "object",
                        "description": "Visible reviews per number of stars.",
                        "required": ["5", "4", "3", "2", "1"],
                        "additionalProperties": False,
                        "properties": {
                            s: {"type": "integer", "minimum": 0} for s in ("5", "4", "3", "2", "1")
                        },
                    },
                },
            },
            "publisher": {
                "type": "object",
                "required": ["handle", "name", "description", "website", "support", "identityVerified"],
                "additionalProperties": False,
                "properties": {
                    "handle": {"type": "string"},
                    "name": {
                        "type": "string",
                        "description": "The profile's display name, else the workspace's.",
                    },
                    "description": {"type": ["string", "null"]},
                    "website": {"type": ["string", "null"]},
                    "support": {
                        "type": ["string", "null"],
                        "description": "An e-mail address or https: URL.",
                    },
                    "identityVerified": {
                        "type": "boolean",
                        "description": "Staff checked who the publisher is.",
                    },
                },
            },
        },
    }


def error_schema() -> dict:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {
                        "type": "array",
                        "description": "Every problem found, each naming where it is (field or path).",
                        "items": {
                            "type": "object",
                            "properties": {
                                "message": {"type": "string"},
                                "field": {"type": ["string", "null"]},
                                "path": {"type": "string"},
                                "check": {
                                    "type": "string",
                                    "description": "A failed publish check's id (MP001...), see /dashboard/checks.",
                                },
                                "severity": {"enum": ["error", "warning"]},
                            },
                        },
                    },
                },
            }
        },
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_RESPONSES = {
    "400": json_response(
        "Bad parameter: a value its schema refuses, or a cursor this server did not make for these filters",
        _ref("Error"),
    ),
    "401": json_response("Bad or missing bearer token", _ref("Error")),
    "404": json_response(
        "Missing, or not visible to the caller. A deleted integration (in the trash) is visible only "
        "to its source workspace's owners and admins.",
        _ref("Error"),
    ),
    "405": {
        "description": "Method not allowed on this path; the Allow header lists those that are",
        "headers": {"Allow": {"schema": {"type": "string"}}},
        "content": {"application/json": {"schema": _ref("Error")}},
    },
    "429": json_response("Rate limited; retry after Retry-After seconds", _ref("Error")),
    "503": json_response(
        "The database is unavailable or busy; retry after Retry-After seconds", _ref("Error")
    ),
}


GONE = json_response(
    "Taken down by marketplace staff while public: the error's details name the policy "
    "(`policy`, `policyName`), the staff `note` and `takenDownAt`",
    _ref("Error"),
)


def _query(name: str, schema: dict, description: str, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


def _id_parameter() -> dict:
    return {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def read_paths() -> dict:
    list_params = [
        _query(
            "q",
            text(maxLength=MAX_Q_CHARS),
            "Full-text search over name, description, publisher and slug; one typo per word is tolerated "
            "when few listings match the words as typed.",
        ),
        _query(
            "tier",
            {"type": "array", "items": {"type": "string", "enum": list(TRUST_TIERS)}},
            "Trust tiers to include (repeat the parameter).",
            style="form",
            explode=True,
        ),
        _query(
            "publisher",
            {"type": "string", "pattern": trimmed(PUBLISHER_PATTERN, blank=True)},
            "Only this publisher's integrations (surrounding spaces ignored; empty: every publisher).",
        ),
        _query(
            "category",
            {"type": "string", "pattern": trimmed(CATEGORY_SLUG_PATTERN, blank=True)},
            "Only integrations in this category (its slug), as primary or secondary category (surrounding "
            "spaces ignored; empty: every category). An unknown slug finds nothing.",
        ),
        _query(
            "sort",
            {"type": "string", "enum": [*SORTS, ""], "default": "relevance"},
            "Order of results (empty: relevance). relevance (with q): exact name or publisher matches "
            "first, then text match blended with trust tier, installs and a damped rating average; "
            "without q, most installed first. name: case-insensitive, A to Z. `installs`: distinct "
            "installing accounts outside the publisher's workspace, most first. `rating`: a Bayesian "
            "average of people's ratings (five imaginary 3-star ratings added to each listing's), "
            "highest first, so one 5-star rating does not outrank many 4.8s.",
        ),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20}, "Page size."),
        _query(
            "cursor",
            text(),
            "The previous page's nextCursor, opaque, with the same filters; any other value is a 400.",
        ),
    ]
    page = {
        "type": "object",
        "required": ["data", "nextCursor"],
        "additionalProperties": False,
        "properties": {
            "data": {"type": "array", "items": _ref("Integration")},
            "nextCursor": {"type": ["string", "null"]},
        },
    }
    versions = {
        "type": "object",
        "required": ["data"],
        "additionalProperties": False,
        "properties": {"data": {"type": "array", "items": _ref("IntegrationVersion")}},
    }
    return {
        "/api/v1/integrations": {
            "get": {
                "operationId": "listIntegrations",
                "summary": "List integrations the caller can find in the catalog",
                "parameters": list_params,
                "responses": {"200": json_response("A page of integrations", page), **ERROR_RESPONSES},
            }
        },
        "/api/v1/integrations/{id}": {
            "get": {
                "operationId": "getIntegration",
                "summary": "One integration the caller may see",
                "parameters": [_id_parameter()],
                "responses": {
                    "200": json_response("The integration", _ref("Integration")),
                    "410": GONE,
                    **ERROR_RESPONSES,
                },
            }
        },
        "/api/v1/integrations/{id}/listing": {
            "get": {
                "operationId": "getIntegrationListing",
                "summary": "The listing's extras: categories, links, what it can access, media, rating, publisher",
                "description": "Served beside the Integration object (which stays the spec's 18 keys); seen "
                "exactly when the integration is (404 otherwise).",
                "parameters": [_id_parameter()],
                "responses": {
                    "200": json_response("The listing", _ref("Listing")),
                    "410": GONE,
                    **ERROR_RESPONSES,
                },
            }
        },
        "/api/v1/integrations/{id}/versions": {
            "get": {
                "operationId": "listIntegrationVersions",
                "summary": "Published versions, newest first, yanked marked",
                "parameters": [_id_parameter()],
                "responses": {
                    "200": json_response("The versions", versions),
                    "410": GONE,
                    **ERROR_RESPONSES,
                },
            }
        },
    }


def write_paths() -> dict:
    """Publishing from CI (issue 4): bearer token of the owning workspace only."""
    url = {
        "type": ["string", "null"],
        "pattern": trimmed(HTTPS_URL_PATTERN, blank=True),
        "maxLength": URL_MAX,
        "description": "https: only, never fetched by the server; blank is null",
    }
    documents = {
        "manifest": {**OBJECT, "description": "See /schemas/manifest.json"},
        "variablesSchema": {**OBJECT, "description": "JSON Schema 2020-12, the wizard-renderable subset"},
        "authConfig": {**OBJECT, "description": "See /schemas/auth-config.json"},
    }
    editable = {
        "name": {"type": "string", "pattern": NOT_BLANK_PATTERN, "maxLength": NAME_MAX},
        "description": {"type": ["string", "null"], "pattern": TEXT_PATTERN, "maxLength": DESCRIPTION_MAX},
        "iconUrl": url,
        "visibility": {"type": "string", "enum": list(VISIBILITIES)},
        "retentionTier": {
            "type": ["string", "null"],
            "enum": [*RETENTION_TIERS, "", None],
            "description": "null or empty: the platform default",
        },
        **documents,
    }
    create = {
        "type": "object",
        "required": ["name", "publisher"],
        "additionalProperties": False,
        "description": "trustTier and other read-only fields are refused (422), never ignored.",
        "properties": {
            **editable,
            "slug": {
                "type": "string",
                "pattern": trimmed(SLUG_PATTERN.replace("a-z", "a-zA-Z")),
                "description": "Made from the name when left out; taken in the publisher namespace: 409",
            },
            "publisher": {
                "type": "string",
                "pattern": trimmed(PUBLISHER_PATTERN.replace("a-z", "a-zA-Z")),
                "description": "Case is ignored. A handle of the token's workspace, claimed if free; another's: 409",
            },
        },
    }
    update = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **editable,
            "clientSecret": {
                **text(),
                "writeOnly": True,
                "description": "oauth2 client secret, stored encrypted",
            },
        },
    }
    publish = {
        "type": "object",
        "required": ["version"],
        "additionalProperties": False,
        "properties": {
            "version": {
                "type": "string",
                "pattern": VERSION_JSON_PATTERN,
                "maxLength": VERSION_MAX,
                "description": "semver, greater than every earlier version (yanked included; else 409)",
            },
            "changelog": {
                "type": ["string", "null"],
                "pattern": TEXT_PATTERN,
                "maxLength": CHANGELOG_MAX,
                "description": "Markdown",
            },
        },
    }
    yank = {
        "type": "object",
        "required": ["reason"],
        "additionalProperties": False,
        "properties": {"reason": text(minLength=1, maxLength=REASON_MAX, pattern=NOT_BLANK_PATTERN)},
    }
    errors = {
        **ERROR_RESPONSES,
        "403": json_response("The token's owner is not an owner/admin of its workspace", _ref("Error")),
        "409": json_response(
            "Conflict with the integration's current state: a version taken or not greater than every "
            "earlier one, already yanked, the last version not yanked, in the trash (restore it first), "
            "taken down by staff (it stays private)",
            _ref("Error"),
        ),
        "422": json_response(
            "Validation failed; details list every problem with its JSON path", _ref("Error")
        ),
    }
    with_body = {
        **errors,
        "413": json_response("The body is larger than the server accepts (2 MiB)", _ref("Error")),
        "415": json_response("The body is not application/json", _ref("Error")),
    }
    created = {
        **with_body,
        "409": json_response(
            "Conflict with the current state: the slug is taken in the publisher namespace, or the "
            "publisher handle cannot be claimed by this workspace now (details[0].code: taken by another "
            "workspace, reserved and not granted to it, look_alike of a held handle, or handle_limit: the "
            "workspace holds as many handles as its limit allows)",
            _ref("Error"),
        ),
    }
    secured = [{"bearerToken": []}]

    def body(schema: dict) -> dict:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    version_param = {"name": "version", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/api/v1/integrations": {
            "post": {
                "operationId": "createIntegration",
                "summary": "Create a draft in the token's workspace",
                "security": secured,
                "requestBody": body(create),
                "responses": {"201": json_response("The new draft", _ref("Integration")), **created},
            }
        },
        "/api/v1/integrations/{id}": {
            "patch": {
                "operationId": "updateIntegration",
                "summary": "Edit metadata and documents",
                "security": secured,
                "parameters": [_id_parameter()],
                "requestBody": body(update),
                "responses": {"200": json_response("The integration", _ref("Integration")), **with_body},
            },
            "delete": {
                "operationId": "deleteIntegration",
                "summary": "Move to the trash (soft delete)",
                "security": secured,
                "parameters": [_id_parameter()],
                "responses": {
                    "200": json_response("The integration, deletedAt set", _ref("Integration")),
                    **errors,
                },
            },
        },
        "/api/v1/integrations/{id}/versions": {
            "post": {
                "operationId": "publishVersion",
                "summary": "Publish an immutable version",
                "security": secured,
                "parameters": [_id_parameter()],
                "requestBody": body(publish),
                "responses": {
                    "201": json_response(
                        "The published version, its review state and the checks' warnings",
                        _ref("PublishedVersion"),
                    ),
                    **with_body,
                },
            }
        },
        "/api/v1/integrations/{id}/versions/{version}/yank": {
            "post": {
                "operationId": "yankVersion",
                "summary": "Yank a version (currentVersion is recomputed)",
                "security": secured,
                "parameters": [_id_parameter(), version_param],
                "requestBody": body(yank),
                "responses": {
                    "200": json_response("The yanked version", _ref("IntegrationVersion")),
                    **with_body,
                },
            }
        },
    }


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {
        "type": "string",
        # Visible ASCII but the double quote, bare or as the IETF draft's quoted string; the
        # spaces or tabs around a field value (HTTP's OWS) are not part of it.
        "pattern": '^[ \\t]*(?:[\\x21\\x23-\\x7e]{1,255}|"[\\x21\\x23-\\x7e]{1,255}")[ \\t]*$',
    },
    "description": "Send a new unique key (a UUID) with each write, the same one with its retries. "
    "The first successful answer is kept 24 hours and given back to a retry of the same request "
    "(method, path and body) with Idempotent-Replayed: true; the key with a different request is a "
    "422 idempotency_key_reused. A refused request keeps nothing.",
}


def document_idempotency(paths: dict) -> None:
    """Every write call honours Idempotency-Key (web/api/idempotency.py)."""
    replayed = {
        "Idempotent-Replayed": {
            "description": "true: the stored answer of an earlier request",
            "schema": {"type": "string", "enum": ["true"]},
        }
    }
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method not in ("post", "patch", "delete") or not path.startswith("/api/v1/"):
                continue
            operation["parameters"] = [*operation.get("parameters", []), IDEMPOTENCY_KEY]
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    response["headers"] = {**response.get("headers", {}), **replayed}


SCHEMA_BUILDERS = {
    "Integration": integration_schema,
    "IntegrationVersion": version_schema,
    "PublishedVersion": published_version_schema,
    "Listing": listing_schema,
    "Error": error_schema,
}
PATH_BUILDERS = [read_paths, write_paths]


def openapi_document() -> dict:
    paths: dict = {}
    for build in PATH_BUILDERS:
        for path, operations in build().items():
            paths.setdefault(path, {}).update(operations)
    document_idempotency(paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Integration Marketplace API", "version": "1.0.0"},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{"url": "/"}],
        "components": {
            "schemas": {name: build() for name, build in SCHEMA_BUILDERS.items()},
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "security": [{}, {"bearerToken": []}, {"session": []}],
        "paths": paths,
    }
