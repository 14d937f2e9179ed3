"""The authConfig: how an installer authenticates (oauth2, api_key or none), its shape
(app/schemas/auth-config.json), and which endpoints are acceptable where the site runs (in
production: https, on public hosts only; domain/hosts.py decides which hosts)."""

from __future__ import annotations

from ..hosts import url_field_problems
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
        flagged = {error.path for error in errors}  # one message per field
        hosts = [doc.error(path, message) for path, message in url_field_problems(config)]
        errors += [error for error in hosts if error.path not in flagged]  # production: public hosts only
    return errors
