"""The variablesSchema: which JSON Schemas the install wizard can render (a subset of draft
2020-12: string, integer, number, boolean and arrays of strings, flat), and checking the values
an installer types against one.

Security: no `$ref` is ever fetched and non-local references are refused on save; patterns are
length-capped and must compile under RE2 (patterns.py), which also matches them; every value is
length-capped before any pattern sees it; RecursionError is caught.
"""

from __future__ import annotations

import re
from typing import Any

from referencing.exceptions import Unresolvable

from .parsing import DocumentError, ParsedDocument, walk
from .patterns import pattern_problem
from .schemas import (
    SUPPORTED_FORMATS,
    UnusableSchema,
    meta_validator,
    schema_errors,
    value_errors,
    value_message,
    value_validator,
)

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
MAX_PROPERTIES = 100
MAX_STRING_VALUE = 10_000
MAX_ARRAY_VALUE = 1_000
MAX_HINT = 200
MAX_EXAMPLES = 10
MAX_CHOICES = 100

SECRET_VARIABLE = (
    "Variables are not secret: they are shown back to installers and kept in the audit log. "
    'Ask for a secret through authConfig ("type": "api_key"): it is stored encrypted and only shown masked.'
)
PROPERTY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
# Names a WTForms form already uses for itself: a variable may not shadow them.
RESERVED_NAMES = frozenset(
    {
        "data",
        "errors",
        "meta",
        "validate",
        "process",
        "populate_obj",
        "form_errors",
        "hidden_tag",
        "is_submitted",
        "validate_on_submit",
        "csrf_token",
        "variable_fields",
        "schema",
        "prefix",
    }
)

_COMMON = {"type", "title", "description", "default", "$comment"}
_NUMBER = _COMMON | {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
# `examples` (standard) and `patternHint` (the marketplace's) explain a pattern to an installer: a
# value that does not match is told the hint, else the first example.
_EXPLAIN = {"examples", "patternHint"}
# Choices with labels, the JSON Schema way: `oneOf: [{"const": "eu", "title": "Europe"}, ...]`.
# The wizard shows the titles (select options, review), stores the const.
_CHOICES = {"enum", "oneOf"}
_KEYWORDS = {
    "string": _COMMON | _EXPLAIN | _CHOICES | {"format", "pattern", "minLength", "maxLength"},
    "integer": _NUMBER,
    "number": _NUMBER,
    "boolean": _COMMON,
    "array": _COMMON | {"items", "minItems", "maxItems", "uniqueItems"},
}
_ITEM_KEYWORDS = {"type", "pattern", "minLength", "maxLength", "format"} | _EXPLAIN | _CHOICES
_ROOT_KEYWORDS = {
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "type",
    "properties",
    "required",
    "additionalProperties",
}


def wizard_vocabulary() -> dict:
    """What a variablesSchema may say, exactly as the save rules below apply it (the publisher
    docs at /docs/publishing are rendered from this)."""
    return {
        "root": sorted(_ROOT_KEYWORDS),
        "common": sorted(_COMMON),
        "types": {kind: sorted(keywords - _COMMON) for kind, keywords in _KEYWORDS.items()},
        "items": sorted(_ITEM_KEYWORDS),
        "formats": SUPPORTED_FORMATS,
        "max_properties": MAX_PROPERTIES,
        "max_string_value": MAX_STRING_VALUE,
        "max_array_value": MAX_ARRAY_VALUE,
        "max_choices": MAX_CHOICES,
        "max_hint": MAX_HINT,
        "name_pattern": PROPERTY_NAME.pattern,
        "reserved_names": sorted(RESERVED_NAMES),
        "dialect": DRAFT_2020_12,
    }


# --- the schema, on save -------------------------------------------------------------------------


def reference_problems(doc: ParsedDocument) -> list[DocumentError]:
    """Every `$ref`/`$dynamicRef` must stay inside the document ("#..."); nested `$id`s
    would move the base URI, so they are refused too."""
    errors = []
    for item, where in walk(doc.value):
        if not isinstance(item, dict):
            continue
        for keyword in ("$ref", "$dynamicRef"):
            ref = item.get(keyword)
            if isinstance(ref, str) and not ref.startswith("#"):
                errors.append(
                    doc.error(
                        where + (keyword,),
                        f"Remote references are not allowed ({keyword} "
                        f"must start with “#”); nothing is ever fetched.",
                    )
                )
        if "$id" in item and where:
            errors.append(doc.error(where + ("$id",), "Embedded “$id” is not allowed."))
    return errors


def _property_shape_problem(doc: ParsedDocument, name: str, prop: Any) -> DocumentError | None:
    where = ("properties", name)
    if not PROPERTY_NAME.match(name):
        return doc.error(
            where, "Variable names use letters, digits and _ (up to 64, starting with a letter)."
        )
    if name in RESERVED_NAMES:
        return doc.error(where, f"“{name}” is reserved by the install form; choose another name.")
    if not isinstance(prop, dict):
        return doc.error(where, "Each variable must be described by an object.")
    if prop.get("type") not in _KEYWORDS:
        return doc.error(
            where + ("type",),
            "The install wizard renders only string, integer, number, boolean and array (of strings) variables.",
        )
    return None


def _check_property(doc: ParsedDocument, name: str, prop: Any) -> list[DocumentError]:
    problem = _property_shape_problem(doc, name, prop)
    if problem:
        return [problem]
    where, kind = ("properties", name), prop["type"]
    errors = [
        doc.error(where + (key,), f"“{key}” is not supported by the install wizard for {kind} variables.")
        for key in prop
        if key not in _KEYWORDS[kind] and key != "writeOnly"
    ]
    if "writeOnly" in prop or prop.get("format") == "password":
        # Variables are shown back (review, settings, audit log) and stored as they are: a secret is
        # asked for through authConfig (an API key, encrypted and only ever shown masked).
        keyword = "writeOnly" if "writeOnly" in prop else "format"
        return [doc.error(where + (keyword,), SECRET_VARIABLE)]
    if kind == "string":
        errors += _check_string_keywords(doc, where, prop)
    if kind == "array":
        errors += _check_items(doc, where, prop.get("items"))
    return errors


def _check_items(doc: ParsedDocument, where: tuple, items: Any) -> list[DocumentError]:
    if not isinstance(items, dict) or items.get("type") != "string":
        return [doc.error(where + ("items",), "Arrays must declare items of type string.")]
    errors = [
        doc.error(where + ("items", key), f"“{key}” is not supported for array items.")
        for key in items
        if key not in _ITEM_KEYWORDS
    ]
    return errors + _check_string_keywords(doc, where + ("items",), items)


def _check_string_keywords(doc: ParsedDocument, where: tuple, prop: dict) -> list[DocumentError]:
    errors = []
    if "pattern" in prop:
        problem = pattern_problem(prop["pattern"])
        if problem:
            errors.append(doc.error(where + ("pattern",), problem))
    if "format" in prop and prop["format"] not in SUPPORTED_FORMATS:
        errors.append(
            doc.error(where + ("format",), "Supported formats: " + ", ".join(SUPPORTED_FORMATS) + ".")
        )
    if isinstance(prop.get("maxLength"), int) and prop["maxLength"] > MAX_STRING_VALUE:
        errors.append(doc.error(where + ("maxLength",), f"At most {MAX_STRING_VALUE}."))
    enum = prop.get("enum")
    if enum is not None and (not isinstance(enum, list) or not all(isinstance(v, str) for v in enum)):
        errors.append(doc.error(where + ("enum",), "Choices (enum) must be a list of strings."))
    if "oneOf" in prop:
        errors += _labelled_choice_problems(doc, where, prop)
    return errors + _explain_problems(doc, where, prop)


def _labelled_choice_problems(doc: ParsedDocument, where: tuple, prop: dict) -> list[DocumentError]:
    """`oneOf` is accepted only as labelled choices: `[{"const": "eu", "title": "Europe"}, ...]`."""
    options, here = prop["oneOf"], where + ("oneOf",)
    if "enum" in prop:
        return [doc.error(here, "Give the choices once: either enum or oneOf (with titles), not both.")]
    if not isinstance(options, list) or not 0 < len(options) <= MAX_CHOICES:
        return [doc.error(here, f"Labelled choices (oneOf) are a list of 1 to {MAX_CHOICES} options.")]
    errors, seen = [], set()
    for i, option in enumerate(options):
        if not (isinstance(option, dict) and set(option) <= {"const", "title"} and "const" in option):
            errors.append(
                doc.error(
                    here + (i,), 'Each choice is {"const": "value", "title": "What the installer reads"}.'
                )
            )
            continue
        value, title = option["const"], option.get("title", "")
        if not isinstance(value, str) or value in seen:
            errors.append(doc.error(here + (i, "const"), "Each choice's value is a string, given once."))
        if not (
            isinstance(title, str) and len(title) <= MAX_HINT and (title.strip() or "title" not in option)
        ):
            errors.append(
                doc.error(here + (i, "title"), f"A title is text of at most {MAX_HINT} characters.")
            )
        seen.add(value)
    return errors


def choices(prop: Any) -> list[tuple[str, str]] | None:
    """(value, label) of each choice a variable (or an array's items) offers, or None for free
    text: `oneOf` labelled choices show their title, `enum` values themselves."""
    prop = prop if isinstance(prop, dict) else {}
    if isinstance(prop.get("oneOf"), list):
        return [
            (str(option["const"]), str(option.get("title") or option["const"]))
            for option in prop["oneOf"]
            if isinstance(option, dict) and "const" in option
        ]
    if isinstance(prop.get("enum"), list):
        return [(str(value), str(value)) for value in prop["enum"]]
    return None


def _explain_problems(doc: ParsedDocument, where: tuple, prop: dict) -> list[DocumentError]:
    errors = []
    hint = prop.get("patternHint")
    if hint is not None and not (isinstance(hint, str) and len(hint.strip()) > 0 and len(hint) <= MAX_HINT):
        errors.append(
            doc.error(where + ("patternHint",), f"A hint is text of at most {MAX_HINT} characters.")
        )
    examples = prop.get("examples")
    if examples is not None and not (
        isinstance(examples, list)
        and 0 < len(examples) <= MAX_EXAMPLES
        and all(isinstance(v, str) and len(v) <= MAX_HINT for v in examples)
    ):
        errors.append(
            doc.error(
                where + ("examples",),
                f"Examples are a list of 1 to {MAX_EXAMPLES} strings of at most {MAX_HINT} characters.",
            )
        )
    return errors


def _root_problems(doc: ParsedDocument) -> list[DocumentError]:
    schema = doc.value
    errors = []
    if schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
        errors.append(doc.error(("$schema",), f"Use the draft 2020-12 dialect ({DRAFT_2020_12})."))
    errors += [
        doc.error((key,), f"“{key}” is not supported by the install wizard at the top level.")
        for key in schema
        if key not in _ROOT_KEYWORDS
    ]
    if schema.get("type") != "object":
        errors.append(doc.error(("type",), 'The variables schema must have "type": "object".'))
    return errors


def variables_schema_problems(doc: ParsedDocument) -> list[DocumentError]:
    schema = doc.value
    errors = schema_errors(doc, meta_validator(), schema)
    errors += reference_problems(doc)
    errors += _root_problems(doc)
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        return errors
    if len(properties) > MAX_PROPERTIES:
        errors.append(doc.error(("properties",), f"At most {MAX_PROPERTIES} variables."))
    for name, prop in properties.items():
        errors += _check_property(doc, name, prop)
    required = schema.get("required", [])
    if isinstance(required, list):
        errors += [
            doc.error(("required", i), f"“{name}” is not a declared variable.")
            for i, name in enumerate(required)
            if isinstance(name, str) and name not in properties
        ]
    if not errors:
        errors += _default_problems(doc, properties)
    return errors


def _default_problems(doc: ParsedDocument, properties: dict) -> list[DocumentError]:
    """Defaults, and examples, must be values an installer could type."""
    errors = []
    for name, prop in properties.items():
        if "default" in prop:
            for message in default_errors(prop, prop["default"]):
                errors.append(doc.error(("properties", name, "default"), message))
        errors += _example_problems(doc, ("properties", name), prop)
        items = prop.get("items")
        if prop.get("type") == "array" and isinstance(items, dict):
            errors += _example_problems(doc, ("properties", name, "items"), items)
    return errors


def _example_problems(doc: ParsedDocument, where: tuple, prop: dict) -> list[DocumentError]:
    if prop.get("type") != "string" or not isinstance(prop.get("examples"), list):
        return []
    return [
        doc.error(where + ("examples", i), f"The example {example!r} is not valid here: {message}")
        for i, example in enumerate(prop["examples"])
        for message in default_errors(prop, example)[:1]
    ]


# --- values, at install (and defaults, on save) --------------------------------------------------


def _length_problem(value: Any) -> str | None:
    if isinstance(value, str) and len(value) > MAX_STRING_VALUE:
        return f"Enter at most {MAX_STRING_VALUE} characters."
    if isinstance(value, list) and (
        len(value) > MAX_ARRAY_VALUE or any(isinstance(v, str) and len(v) > MAX_STRING_VALUE for v in value)
    ):
        return "Too many or too long values."
    return None


def default_errors(prop: dict, value: Any) -> list[str]:
    """A publisher's default for one variable, held to what an installer could type."""
    too_long = _length_problem(value)
    return [too_long] if too_long else value_errors(prop, value)


def _schema_trouble(schema: Any, values: dict) -> tuple[list, str | None]:
    """(jsonschema's errors, None), or ([], why the schema cannot be used)."""
    try:
        return list(value_validator(schema).iter_errors(values)), None
    except UnusableSchema as error:
        return [], str(error)
    except RecursionError:
        return [], "The variables schema is too deeply self-referencing to check."
    except Unresolvable:
        return [], "The variables schema refers to something outside itself; nothing is fetched."
    except Exception:  # a broken stored schema is refused, never a 500
        return [], "The variables schema cannot be used."


def _by_property(found: list) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in found:
        path = list(error.absolute_path)
        if path:
            errors.setdefault(str(path[0]), []).append(value_message(error))
        elif error.validator == "required" and isinstance(error.instance, dict):
            for key in error.validator_value:
                if key not in error.instance:
                    errors.setdefault(key, []).append("This value is required.")
        else:
            errors.setdefault("", []).append(value_message(error))
    return errors


def validate_values(schema: dict, values: dict) -> dict[str, list[str]]:
    """Install-time values against a variablesSchema: errors by property name ("" for the whole).
    Never fetches, never hangs on a long value, never raises on a strange schema."""
    if not isinstance(values, dict):
        return {"": ["The values must be an object."]}
    too_long = {name: [problem] for name, value in values.items() if (problem := _length_problem(value))}
    if too_long:
        return too_long
    found, unusable = _schema_trouble(schema, values)
    if unusable:
        return {"": [unusable]}
    return _by_property(found)


# --- values, as a person reads them ---------------------------------------------------------------


def _human(prop: dict, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        return ", ".join(_human(items, item) for item in value) or "None"
    if value is None or value == "":
        return "None"
    labels = dict(choices(prop) or ())
    return labels.get(str(value), str(value))


def describe_values(schema: dict, values: dict) -> list[tuple[str, str]]:
    """(title, value) of every setting, in the schema's order, as a person reads them: the
    property's title (its name only when it has none), a choice by its label, Yes/No for booleans,
    lists joined; a boolean left unset reads No. Values the schema does not declare come last, by name."""
    schema = schema if isinstance(schema, dict) else {}
    values = values if isinstance(values, dict) else {}
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    rows = []
    for name, prop in properties.items():
        prop = prop if isinstance(prop, dict) else {}
        if name in values or prop.get("type") == "boolean":
            title = (
                prop.get("title") if isinstance(prop.get("title"), str) and prop["title"].strip() else name
            )
            rows.append((title, _human(prop, values.get(name, False))))
    rows += [(name, _human({}, values[name])) for name in sorted(values) if name not in properties]
    return rows
