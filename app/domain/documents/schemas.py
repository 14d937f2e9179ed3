"""The JSON Schema machinery behind every check: the validator class, the registry that never
fetches, the formats the marketplace knows, the project's own schemas (app/schemas/), and how a
jsonschema error is explained to a person.

- `Validator` is draft 2020-12 with its `pattern` keyword matched by RE2 (patterns.py), never by
  Python's `re`.
- Every validator uses `REGISTRY`, whose `retrieve` refuses every URI: the draft 2020-12
  meta-schemas ship with jsonschema-specifications (local data); nothing is ever fetched.
- `value_validator` builds the validator for a publisher's schema, refusing the few schema
  shapes under which jsonschema would match a pattern with Python's `re` after all.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from jsonschema_specifications import REGISTRY as SPECIFICATIONS
from referencing import Registry
from referencing.exceptions import NoSuchResource

from .parsing import ParsedDocument, walk
from .patterns import pattern_matches

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
SUPPORTED_FORMATS = ("email", "uri", "date")


# --- the validator -------------------------------------------------------------------------------


def _re2_pattern(validator, pattern, instance, schema):
    """JSON Schema `pattern` (an unanchored search), run by RE2."""
    if validator.is_type(instance, "string") and not pattern_matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = extend(Draft202012Validator, validators={"pattern": _re2_pattern})


def _refuse_every_uri(uri: str):
    raise NoSuchResource(ref=uri)


REGISTRY: Registry = SPECIFICATIONS.combine(Registry(retrieve=_refuse_every_uri))


class UnusableSchema(ValueError):
    """A publisher's schema that cannot be checked safely; the message says why."""


def _unusable_problem(schema: Any) -> str | None:
    # jsonschema switches to its stock class (and so to Python's `re`) wherever a subschema
    # names a `$schema`, including a meta-schema reached through a non-local `$ref`; and it
    # matches `patternProperties` with `re` inside additionalProperties. The save rules
    # (variables.py) never let any of these in; a stored schema is held to them again here.
    for item, where in walk(schema):
        if not isinstance(item, dict):
            continue
        if "$schema" in item and where:
            return "The variables schema changes dialect inside itself; it cannot be used."
        if "patternProperties" in item:
            return "The variables schema uses patternProperties, which the marketplace does not run."
        for keyword in ("$ref", "$dynamicRef"):
            ref = item.get(keyword)
            if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
                return "The variables schema refers to something outside itself; nothing is fetched."
    return None


def value_validator(schema: dict) -> Draft202012Validator:
    """The validator for values against a publisher's (sub)schema; raises UnusableSchema."""
    problem = _unusable_problem(schema)
    if problem:
        raise UnusableSchema(problem)
    if isinstance(schema, dict) and "$schema" in schema:  # we only run draft 2020-12 anyway
        schema = {key: value for key, value in schema.items() if key != "$schema"}
    return Validator(schema, registry=REGISTRY, format_checker=FORMATS)


# --- formats -------------------------------------------------------------------------------------


def _check_uri(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value)


def _check_email(value: Any) -> bool:
    """What `[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+` would fullmatch, in linear time (that regex
    backtracks quadratically on a long run of dots)."""
    if not isinstance(value, str):
        return True
    local, at, domain = value.partition("@")
    return (
        bool(at)
        and 0 < len(local) <= 64
        and "@" not in domain
        and "." in domain[1:-1]
        and not any(c.isspace() for c in value)
    )


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_date(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


FORMATS = FormatChecker(formats=())
FORMATS.checks("uri")(_check_uri)
FORMATS.checks("email")(_check_email)
FORMATS.checks("date")(_check_date)


# --- the project's own schemas -------------------------------------------------------------------


@cache
def project_schema(name: str) -> dict:
    """The project's own schema (app/schemas/<name>), as served under /schemas/."""
    return json.loads((SCHEMAS_DIR / name).read_text())


@cache
def project_validator(name: str) -> Draft202012Validator:
    return Validator(project_schema(name), registry=REGISTRY, format_checker=FORMATS)


def meta_validator() -> Draft202012Validator:
    """Checks a publisher's schema against draft 2020-12 (the publisher's text is the instance)."""
    return Validator(Validator.META_SCHEMA, registry=REGISTRY)


# --- explaining errors ---------------------------------------------------------------------------


def schema_errors(
    doc: ParsedDocument, validator: Draft202012Validator, instance: Any, base: tuple = ()
) -> list:
    """Every error of `instance` as DocumentErrors at their paths, each said once."""
    found = []
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    except RecursionError:
        return [doc.error(base, "The document is too deeply self-referencing to check.")]
    for error in errors:
        found.extend(_explain(doc, error, base))
    # "required" yields one error per missing key, and if/then repeats its subschema's errors.
    return list(dict.fromkeys(found))


def _explain(doc: ParsedDocument, error: ValidationError, base: tuple) -> list:
    path = base + tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set((error.schema or {}).get("properties", {}))
        extra = [key for key in error.instance if key not in allowed]
        return [doc.error(path + (key,), f"Unknown property “{key}”.") for key in extra]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [key for key in error.validator_value if key not in error.instance]
        return [doc.error(path, f"“{key}” is required.") for key in missing]
    if error.validator in ("oneOf", "anyOf") and error.context:
        # The meta-schema's "type" is anyOf(simpleTypes, array): say what is wrong, simply.
        return [doc.error(path, _message(error.context[0]) if len(error.context) == 1 else error.message)]
    return [doc.error(path, _message(error))]


def _json_type(value: Any) -> str:
    for kind, name in (
        (bool, "boolean"),
        (int, "integer"),
        (float, "number"),
        (str, "string"),
        (list, "array"),
        (dict, "object"),
    ):
        if isinstance(value, kind):
            return name
    return "null"


def _message(error: ValidationError) -> str:
    if error.validator == "pattern":
        hint = (error.schema or {}).get("description")
        return f"{json.dumps(error.instance)[:80]} does not match the expected form" + (
            f": {hint}" if hint else "."
        )
    if error.validator == "const":
        return f"Must be {json.dumps(error.validator_value)}."
    if error.validator == "enum":
        return "Must be one of: " + ", ".join(json.dumps(v) for v in error.validator_value) + "."
    if error.validator == "type":
        return f"Must be of type {error.validator_value}, not {_json_type(error.instance)}."
    return error.message


# --- explaining a value's errors to an installer -------------------------------------------------

_FORMAT_MESSAGES = {
    "email": "Enter a valid email address.",
    "uri": "Enter a valid http(s) URL.",
    "date": "Enter a date as YYYY-MM-DD.",
}
_TYPE_MESSAGES = {
    "integer": "Enter a whole number.",
    "number": "Enter a number.",
    "boolean": "Must be true or false.",
    "string": "Enter text.",
    "array": "Enter a list.",
}


def _plural(count: Any, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _pattern_message(subschema: Any) -> str:
    """A value that does not match a pattern: the publisher's hint, else an example, quoted."""
    subschema = subschema if isinstance(subschema, dict) else {}
    hint, examples = subschema.get("patternHint"), subschema.get("examples")
    if isinstance(hint, str) and hint.strip():
        return f"Does not match the required format: {hint.strip()}"
    if isinstance(examples, list) and examples and isinstance(examples[0], str):
        return f"Does not match the required format, for example “{examples[0]}”."
    return "Does not match the required format."


def _choice_titles(options: Any) -> list[str]:
    """The titles of labelled choices (`oneOf` of `{"const", "title"}`), as the installer saw them."""
    options = options if isinstance(options, list) else []
    return [
        str(option.get("title") or option.get("const"))
        for option in options
        if isinstance(option, dict) and "const" in option
    ]


def value_message(error: ValidationError) -> str:
    """What an installer is told about one error in a value they typed."""
    v, value = error.validator, error.validator_value
    messages = {
        "format": lambda: _FORMAT_MESSAGES.get(value, "Not in the expected format."),
        "pattern": lambda: _pattern_message(error.schema),
        "enum": lambda: "Choose one of: " + ", ".join(str(x) for x in value) + ".",
        "oneOf": lambda: "Choose one of: " + ", ".join(_choice_titles(value)) + ".",
        "minLength": lambda: f"Enter at least {_plural(value, 'character')}.",
        "maxLength": lambda: f"Enter at most {value} characters.",
        "minimum": lambda: f"Must be at least {value}.",
        "exclusiveMinimum": lambda: f"Must be more than {value}.",
        "maximum": lambda: f"Must be at most {value}.",
        "exclusiveMaximum": lambda: f"Must be less than {value}.",
        "type": lambda: _TYPE_MESSAGES.get(value, f"Must be of type {value}."),
        "minItems": lambda: f"Enter at least {_plural(value, 'value')}.",
        "maxItems": lambda: f"Enter at most {value} values.",
        "uniqueItems": lambda: "Each value may appear only once.",
    }
    say = messages.get(v)
    return say() if say else error.message


def value_errors(subschema: dict, value: Any) -> list[str]:
    """An installer's messages for one value against one property's schema (e.g. a default)."""
    try:
        return [value_message(e) for e in value_validator(subschema).iter_errors(value)]
    except UnusableSchema as error:
        return [str(error)]
    except RecursionError:
        return ["This value cannot be checked."]
