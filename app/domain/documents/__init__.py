"""The three JSON documents of an integration (manifest, variablesSchema, authConfig): parsing
the text a publisher typed, and checking it, with every problem reported at its JSON path and
the line it sits on. No Flask in here: the dashboard, the API and the install wizard all call
these functions.

    parsing.py      text -> ParsedDocument: size/depth caps before parsing, lines, paths
    patterns.py     publisher regexes: accepted only if RE2 runs them, matched only by RE2
    schemas.py      the validator (RE2 `pattern`), a registry that never fetches, formats,
                    the project's schemas, explaining errors
    variables.py    variablesSchema rules; installers' values against it (validate_values)
    manifest.py     manifest rules
    auth_config.py  authConfig rules
    validation.py   the three together (validate_texts, validate_values_documents)
"""

from .auth_config import auth_config_problems
from .manifest import manifest_problems
from .parsing import (
    AUTH,
    DOCUMENTS,
    MANIFEST,
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    VARIABLES,
    DocumentError,
    DocumentsInvalid,
    ParsedDocument,
    from_value,
    json_path,
    line_map,
    nesting_problem,
    parse_document,
    pretty,
    value_depth,
)
from .patterns import MAX_PATTERN_LENGTH, pattern_matches, pattern_problem
from .schemas import REGISTRY, Validator, project_schema
from .validation import check_documents, validate_texts, validate_values_documents
from .variables import (
    MAX_ARRAY_VALUE,
    MAX_STRING_VALUE,
    SECRET_VARIABLE,
    choices,
    describe_values,
    validate_values,
    variables_schema_problems,
)

__all__ = [
    "SECRET_VARIABLE",
    "choices",
    "describe_values",
    "AUTH",
    "DOCUMENTS",
    "MANIFEST",
    "MAX_ARRAY_VALUE",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_PATTERN_LENGTH",
    "MAX_STRING_VALUE",
    "REGISTRY",
    "VARIABLES",
    "DocumentError",
    "DocumentsInvalid",
    "ParsedDocument",
    "Validator",
    "auth_config_problems",
    "check_documents",
    "from_value",
    "json_path",
    "line_map",
    "manifest_problems",
    "nesting_problem",
    "parse_document",
    "pattern_matches",
    "pattern_problem",
    "pretty",
    "project_schema",
    "validate_texts",
    "validate_values",
    "validate_values_documents",
    "value_depth",
    "variables_schema_problems",
]
