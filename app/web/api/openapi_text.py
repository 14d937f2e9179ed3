"""String constraints of the OpenAPI document: what the server refuses in text, said as patterns."""

from __future__ import annotations

# What the input guard (web/strict_input.py) refuses anywhere: a NUL. (A lone surrogate, refused too,
# is not Unicode text, so no JSON Schema string holds one.)
ALLOWED_CHARS = "[^\\u0000]"
TEXT_PATTERN = f"^{ALLOWED_CHARS}*$"
# Not blank once trimmed: the services strip what Python calls whitespace, \x1c-\x1f and \x85 too.
NOT_BLANK_PATTERN = f"^\\s*[^\\s\\u001c-\\u001f\\u0085\\u0000]{ALLOWED_CHARS}*$"
# Python's whitespace, which the services trim around a value, said so that ECMA-262 agrees.
SPACE = "[\\s\\u001c-\\u001f\\u0085]"


def trimmed(pattern: str, *, blank: bool = False) -> str:
    """`pattern` (anchored ^...$) with the whitespace the services trim around it allowed; with
    `blank`, nothing but whitespace too (the services read it as absent)."""
    core = pattern.removeprefix("^").removesuffix("$")
    return f"^{SPACE}*({core}){'?' if blank else ''}{SPACE}*$"


def text(description: str = "", **constraints) -> dict:
    """A string the guard lets through: no NUL (else 400 in a query, 422 in a body)."""
    schema = {"type": "string", "pattern": TEXT_PATTERN, **constraints}
    return {**schema, "description": description} if description else schema
