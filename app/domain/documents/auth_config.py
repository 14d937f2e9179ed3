"""The authConfig: how an installer authenticates (oauth2, api_key or none), its shape
(app/schemas/auth-config.json), and which endpoints are acceptable where the site runs."""

from __future__ import annotations

from .parsing import DocumentError, ParsedDocument
from .schemas import project_validator, schema_errors

ENDPOINT_KEYS = ("authorizeUrl", "tokenUrl", "callbackUrl")


def auth_config_problems(doc: ParsedDocument, *, allow_local_http: bool = True) -> list[DocumentError]:
    """Every problem of an authConfig: the one place its rules are applied."""
    config = doc.value
    errors = schema_errors(doc, project_validator("auth-config.json"), config)
    if not allow_local_http:  # production: http://localhost endpoints are for development only
        errors += [
            doc.error((key,), "Use an https: URL (http://localhost is for development only).")
            for key in ENDPOINT_KEYS
            if isinstance(config.get(key), str) and config[key].lower().startswith("http://")
        ]
    return errors
