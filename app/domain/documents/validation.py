"""The three documents together, as a publisher saves them: each parsed, each checked, the
manifest's defaults against the variablesSchema, and every problem in one sorted list."""

from __future__ import annotations

from typing import Any

from .auth_config import auth_config_problems
from .manifest import manifest_problems
from .parsing import (
    AUTH,
    DOCUMENTS,
    MANIFEST,
    VARIABLES,
    DocumentError,
    ParsedDocument,
    from_value,
    parse_document,
)
from .variables import variables_schema_problems


def check_documents(
    manifest: ParsedDocument,
    variables: ParsedDocument,
    auth: ParsedDocument,
    *,
    allow_local_http: bool = True,
) -> list[DocumentError]:
    """Every problem in three parsed documents (those that failed to parse are skipped)."""
    errors: list[DocumentError] = []
    variables_ok = variables.value is not None
    if variables_ok:
        variable_errors = variables_schema_problems(variables)
        errors += variable_errors
        variables_ok = not variable_errors
    if manifest.value is not None:
        errors += manifest_problems(manifest, variables.value if variables_ok else None)
    if auth.value is not None:
        errors += auth_config_problems(auth, allow_local_http=allow_local_http)
    order = {name: i for i, name in enumerate(DOCUMENTS)}
    return sorted(errors, key=lambda e: (order[e.document], e.line or 0, e.path))


def validate_texts(
    texts: dict[str, str | None], *, allow_local_http: bool = True
) -> tuple[dict[str, dict | None], list[DocumentError]]:
    """Parse and check the three documents as typed: ({name: value}, every problem)."""
    return _validate({name: parse_document(name, texts.get(name)) for name in DOCUMENTS}, allow_local_http)


def validate_values_documents(
    values: dict[str, Any], *, allow_local_http: bool = True
) -> tuple[dict[str, dict | None], list[DocumentError]]:
    """The same for already-parsed documents (the JSON API)."""
    return _validate({name: from_value(name, values.get(name)) for name in DOCUMENTS}, allow_local_http)


def _validate(parsed: dict[str, tuple[ParsedDocument, list[DocumentError]]], allow_local_http: bool):
    errors = [e for _, errs in parsed.values() for e in errs]
    errors += check_documents(
        parsed[MANIFEST][0], parsed[VARIABLES][0], parsed[AUTH][0], allow_local_http=allow_local_http
    )
    return {name: doc.value for name, (doc, _) in parsed.items()}, errors
