"""The three JSON documents of an integration (manifest, variablesSchema, authConfig): parsing
the text a publisher typed, and checking it, with every problem reported at its JSON path and
the line it sits on.

Security (DESIGN.md "Security notes"): size and nesting depth are checked by a flat scan
BEFORE the JSON parser recurses; no `$ref` is ever fetched (every validator here uses a
`referencing.Registry` whose `retrieve` refuses every URI, and non-local references are
refused on save); patterns are length-capped and refused when they nest unbounded
quantifiers (Python's `re` backtracks); RecursionError is caught; value lengths are capped.
No Flask in here: the dashboard, the API and the install wizard all call these functions.
"""

from __future__ import annotations

import json
import re
import re._constants as sre_constants
import re._parser as sre_parse
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema_specifications import REGISTRY as SPECIFICATIONS
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from .semver_range import InvalidRange, parse_range

MAX_DOCUMENT_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_PATTERN_LENGTH = 200
MAX_PROPERTIES = 100
MAX_STRING_VALUE = 10_000
MAX_ARRAY_VALUE = 1_000
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"

MANIFEST, VARIABLES, AUTH = "manifest", "variablesSchema", "authConfig"
DOCUMENTS = (MANIFEST, VARIABLES, AUTH)

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
SUPPORTED_FORMATS = ("email", "uri", "date")


@dataclass(frozen=True)
class DocumentError:
    document: str  # manifest | variablesSchema | authConfig
    path: str  # JSONPath-style: $.members[0].kind
    message: str
    line: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.path}: {self.message}"


class DocumentsInvalid(ValueError):
    def __init__(self, errors: list[DocumentError]):
        super().__init__(f"{len(errors)} problem(s) in the JSON documents")
        self.errors = errors


# --- paths and lines ----------------------------------------------------------------------------


def json_path(parts: Iterable[Any]) -> str:
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", str(part)):
            text += f".{part}"
        else:
            text += "[" + json.dumps(str(part)) + "]"
    return text


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at text[i] == '"'."""
    i += 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        i += 1
    return n


def nesting_problem(text: str, limit: int = MAX_DEPTH) -> tuple[int, int] | None:
    """(depth, line) where the text first nests deeper than `limit`, or None. A flat scan:
    it never recurses, so a 100 000-level document is refused as fast as a 33-level one."""
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _skip_string(text, i)
            continue
        if c == "\n":
            line += 1
        elif c in "[{":
            depth += 1
            if depth > limit:
                return depth, line
        elif c in "]}":
            depth -= 1
        i += 1
    return None


def value_depth(value: Any) -> int:
    """Nesting depth of an already-parsed value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
    return deepest


def line_map(text: str) -> dict[tuple, int]:  # noqa: C901 (split pending)
    """The line each value starts on, by path, for text that is known to be valid JSON."""
    lines: dict[tuple, int] = {}
    frames: list[list] = []  # [kind, key_or_index, expecting_key]
    line, i, n = 1, 0, len(text)

    def here() -> tuple:
        return tuple(f[1] for f in frames)

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r:":
            i += 1
        elif c == '"':
            end = _skip_string(text, i)
            if frames and frames[-1][0] == "obj" and frames[-1][2]:
                frames[-1][1] = json.loads(text[i:end])
                frames[-1][2] = False
                lines.setdefault(here(), line)
            else:
                lines.setdefault(here(), line)
            i = end
        elif c in "{[":
            lines.setdefault(here(), line)
            frames.append(["obj", None, True] if c == "{" else ["arr", 0, False])
            i += 1
        elif c in "}]":
            frames.pop()
            i += 1
        elif c == ",":
            if frames and frames[-1][0] == "arr":
                frames[-1][1] += 1
            elif frames:
                frames[-1][2] = True
            i += 1
        else:  # a number, true, false or null
            lines.setdefault(here(), line)
            while i < n and text[i] not in ",]}\n \t\r":
                i += 1
    return lines


@dataclass
class ParsedDocument:
    name: str
    value: dict | None
    lines: dict[tuple, int]

    def line_of(self, parts: Iterable[Any]) -> int | None:
        parts = tuple(parts)
        while True:
            if parts in self.lines:
                return self.lines[parts]
            if not parts:
                return None
            parts = parts[:-1]

    def error(self, parts: Iterable[Any], message: str) -> DocumentError:
        parts = tuple(parts)
        return DocumentError(self.name, json_path(parts), message, self.line_of(parts))


def parse_document(name: str, text: str | None) -> tuple[ParsedDocument, list[DocumentError]]:
    """Parse what a publisher typed. Size and depth are checked before json parses anything."""
    text = text if text is not None else ""
    empty = ParsedDocument(name, None, {})
    if not text.strip():
        return empty, [DocumentError(name, "$", "Enter a JSON object, e.g. {}.", 1)]
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        return empty, [
            DocumentError(name, "$", f"The document is larger than {MAX_DOCUMENT_BYTES // 1024} KiB.")
        ]
    problem = nesting_problem(text)
    if problem:
        return empty, [
            DocumentError(name, "$", f"The document nests deeper than {MAX_DEPTH} levels.", problem[1])
        ]
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return empty, [
            DocumentError(name, "$", f"Not valid JSON: {error.msg} (column {error.colno}).", error.lineno)
        ]
    except RecursionError:
        return empty, [DocumentError(name, "$", f"The document nests deeper than {MAX_DEPTH} levels.")]
    if not isinstance(value, dict):
        return empty, [DocumentError(name, "$", "The document must be a JSON object ({...}).", 1)]
    return ParsedDocument(name, value, line_map(text)), []


def from_value(name: str, value: Any) -> tuple[ParsedDocument, list[DocumentError]]:
    """An already-parsed document (the JSON API): the same caps, paths without lines."""
    empty = ParsedDocument(name, None, {})
    if not isinstance(value, dict):
        return empty, [DocumentError(name, "$", "The document must be a JSON object ({...}).")]
    if value_depth(value) > MAX_DEPTH:
        return empty, [DocumentError(name, "$", f"The document nests deeper than {MAX_DEPTH} levels.")]
    if len(json.dumps(value).encode()) > MAX_DOCUMENT_BYTES:
        return empty, [
            DocumentError(name, "$", f"The document is larger than {MAX_DOCUMENT_BYTES // 1024} KiB.")
        ]
    return ParsedDocument(name, value, {}), []


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


# --- validators that never fetch ---------------------------------------------------------------


def _refuse_every_uri(uri: str):
    raise NoSuchResource(ref=uri)


# The draft 2020-12 meta-schemas ship with jsonschema-specifications (local data); anything
# else a schema names is refused instead of fetched.
REGISTRY: Registry = SPECIFICATIONS.combine(Registry(retrieve=_refuse_every_uri))


def _check_uri(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value)


def _check_email(value: Any) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+", value) is not None


def _check_date(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
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


@cache
def project_schema(name: str) -> dict:
    """The project's own schema (app/schemas/<name>), as served under /schemas/."""
    return json.loads((SCHEMAS_DIR / name).read_text())


@cache
def _project_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(project_schema(name), registry=REGISTRY, format_checker=FORMATS)


def _meta_validator() -> Draft202012Validator:
    return Draft202012Validator(Draft202012Validator.META_SCHEMA, registry=REGISTRY)


def _schema_errors(
    doc: ParsedDocument, validator: Draft202012Validator, instance: Any, base: tuple = ()
) -> list[DocumentError]:
    found = []
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    except RecursionError:
        return [doc.error(base, "The document is too deeply self-referencing to check.")]
    for error in errors:
        found.extend(_explain(doc, error, base))
    # "required" yields one error per missing key, and if/then repeats its subschema's errors.
    return list(dict.fromkeys(found))


def _explain(doc: ParsedDocument, error: ValidationError, base: tuple) -> list[DocumentError]:
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


# --- catastrophic regular expressions -----------------------------------------------------------

_REPEATS = {
    sre_constants.MAX_REPEAT,
    sre_constants.MIN_REPEAT,
    getattr(sre_constants, "POSSESSIVE_REPEAT", None),
}


def pattern_problem(pattern: Any) -> str | None:
    """Why a publisher's pattern may not be used, or None. Nested quantifiers where either is
    unbounded (`(a+)+`, `(\\w*)*`, `(.*a){20}`) can take exponential time in Python's `re`."""
    if not isinstance(pattern, str):
        return "A pattern must be a string."
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"A pattern may be at most {MAX_PATTERN_LENGTH} characters long."
    try:
        parsed = sre_parse.parse(pattern)
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        return f"Not a valid regular expression: {error}."
    return _repeat_problem(parsed)


def _repeat_problem(parsed) -> str | None:
    # (items, the enclosing repeats' (max) bounds) walked without recursion
    stack = [(list(parsed), ())]
    while stack:
        items, outer = stack.pop()
        for op, av in items:
            if op in _REPEATS:
                low, high, body = av
                if high > 1 and outer:
                    unbounded = high == sre_constants.MAXREPEAT or any(
                        o == sre_constants.MAXREPEAT for o in outer
                    )
                    if unbounded:
                        return (
                            "Nested quantifiers such as (a+)+ can make matching take forever; "
                            "rewrite the pattern without a repeat inside a repeat."
                        )
                stack.append((list(body), outer + ((high,) if high > 1 else ())))
            elif op == sre_constants.SUBPATTERN:
                stack.append((list(av[3]), outer))
            elif op == sre_constants.BRANCH:
                stack.extend((list(branch), outer) for branch in av[1])
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                stack.append((list(av[1]), outer))
            elif op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
                return "Back-references are not supported in patterns."
    return None


# --- variablesSchema: what the install wizard can render ---------------------------------------

_COMMON = {"type", "title", "description", "default", "$comment"}
_KEYWORDS = {
    "string": _COMMON | {"enum", "format", "pattern", "minLength", "maxLength"},
    "integer": _COMMON | {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "number": _COMMON | {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "boolean": _COMMON,
    "array": _COMMON | {"items", "minItems", "maxItems", "uniqueItems"},
}
_ITEM_KEYWORDS = {"type", "enum", "pattern", "minLength", "maxLength", "format"}
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


def _walk(value: Any, path: tuple = ()):
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        yield item, where
        if isinstance(item, dict):
            stack.extend((v, where + (k,)) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, where + (i,)) for i, v in enumerate(item))


def reference_problems(doc: ParsedDocument) -> list[DocumentError]:
    """Every `$ref`/`$dynamicRef` must stay inside the document ("#..."); nested `$id`s
    would move the base URI, so they are refused too."""
    errors = []
    for item, where in _walk(doc.value):
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


def _check_property(doc: ParsedDocument, name: str, prop: Any) -> list[DocumentError]:
    where = ("properties", name)
    if not PROPERTY_NAME.match(name):
        return [
            doc.error(where, "Variable names use letters, digits and _ (up to 64, starting with a letter).")
        ]
    if name in RESERVED_NAMES:
        return [doc.error(where, f"“{name}” is a reserved name; choose another.")]
    if not isinstance(prop, dict):
        return [doc.error(where, "Each variable must be described by an object.")]
    kind = prop.get("type")
    if kind not in _KEYWORDS:
        return [
            doc.error(
                where + ("type",),
                "The install wizard renders only string, integer, number, "
                "boolean and array (of strings) variables.",
            )
        ]
    errors = [
        doc.error(where + (key,), f"“{key}” is not supported by the install wizard for {kind} variables.")
        for key in prop
        if key not in _KEYWORDS[kind]
    ]
    if kind == "string":
        errors += _check_string_keywords(doc, where, prop)
    if kind == "array":
        items = prop.get("items")
        if not isinstance(items, dict) or items.get("type") != "string":
            errors.append(doc.error(where + ("items",), "Arrays must declare items of type string."))
        else:
            errors += [
                doc.error(where + ("items", key), f"“{key}” is not supported for array items.")
                for key in items
                if key not in _ITEM_KEYWORDS
            ]
            errors += _check_string_keywords(doc, where + ("items",), items)
    return errors


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
    return errors


def variables_schema_problems(doc: ParsedDocument) -> list[DocumentError]:
    schema = doc.value
    errors = _schema_errors(doc, _meta_validator(), schema)
    errors += reference_problems(doc)
    if schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
        errors.append(doc.error(("$schema",), f"Use the draft 2020-12 dialect ({DRAFT_2020_12})."))
    errors += [
        doc.error((key,), f"“{key}” is not supported by the install wizard at the top level.")
        for key in schema
        if key not in _ROOT_KEYWORDS
    ]
    if schema.get("type") != "object":
        errors.append(doc.error(("type",), 'The variables schema must have "type": "object".'))
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
    errors = []
    for name, prop in properties.items():
        if "default" in prop:
            for message in _value_errors(prop, prop["default"]):
                errors.append(doc.error(("properties", name, "default"), message))
    return errors


def _value_errors(subschema: dict, value: Any) -> list[str]:
    try:
        validator = Draft202012Validator(subschema, registry=REGISTRY, format_checker=FORMATS)
        return [_value_message(e) for e in validator.iter_errors(value)]
    except RecursionError:
        return ["This value cannot be checked."]


# --- manifest and authConfig --------------------------------------------------------------------


def manifest_problems(doc: ParsedDocument, variables_schema: dict | None) -> list[DocumentError]:  # noqa: C901 (split pending)
    manifest = doc.value
    errors = _schema_errors(doc, _project_validator("manifest.json"), manifest)
    members = manifest.get("members")
    if isinstance(members, list):
        seen: dict[str, int] = {}
        for i, member in enumerate(members):
            key = member.get("key") if isinstance(member, dict) else None
            if isinstance(key, str):
                if key in seen:
                    errors.append(doc.error(("members", i, "key"), f"Duplicate member key “{key}”."))
                seen.setdefault(key, i)
    dependencies = manifest.get("dependencies")
    if isinstance(dependencies, list):
        for i, dependency in enumerate(dependencies):
            version = dependency.get("version") if isinstance(dependency, dict) else None
            if isinstance(version, str):
                try:
                    parse_range(version)
                except InvalidRange as error:
                    errors.append(doc.error(("dependencies", i, "version"), str(error)))
    defaults = manifest.get("defaults")
    if isinstance(defaults, dict) and variables_schema is not None:
        properties = variables_schema.get("properties") or {}
        for name, value in defaults.items():
            prop = properties.get(name) if isinstance(properties, dict) else None
            if not isinstance(prop, dict):
                errors.append(
                    doc.error(("defaults", name), f"“{name}” is not a variable in variablesSchema.")
                )
                continue
            for message in _value_errors(prop, value):
                errors.append(doc.error(("defaults", name), message))
    return errors


def auth_config_problems(doc: ParsedDocument, *, allow_local_http: bool = True) -> list[DocumentError]:
    errors = _schema_errors(doc, _project_validator("auth-config.json"), doc.value)
    if not allow_local_http:  # production: http://localhost endpoints are for development only
        errors += [
            doc.error((key,), "Use an https: URL (http://localhost is for development only).")
            for key in ("authorizeUrl", "tokenUrl", "callbackUrl")
            if isinstance(doc.value.get(key), str) and doc.value[key].lower().startswith("http://")
        ]
    return errors


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


# --- install-time values -------------------------------------------------------------------------

_FORMAT_MESSAGES = {
    "email": "Enter a valid email address.",
    "uri": "Enter a valid http(s) URL.",
    "date": "Enter a date as YYYY-MM-DD.",
}


def _value_message(error: ValidationError) -> str:
    v, value = error.validator, error.validator_value
    if v == "format":
        return _FORMAT_MESSAGES.get(value, "Not in the expected format.")
    if v == "pattern":
        return "Does not match the required format."
    if v == "enum":
        return "Choose one of: " + ", ".join(str(x) for x in value) + "."
    if v == "minLength":
        return f"Enter at least {value} character{'s' if value != 1 else ''}."
    if v == "maxLength":
        return f"Enter at most {value} characters."
    if v in ("minimum", "exclusiveMinimum"):
        return f"Must be {'at least' if v == 'minimum' else 'more than'} {value}."
    if v in ("maximum", "exclusiveMaximum"):
        return f"Must be {'at most' if v == 'maximum' else 'less than'} {value}."
    if v == "type":
        return {
            "integer": "Enter a whole number.",
            "number": "Enter a number.",
            "boolean": "Must be true or false.",
            "string": "Enter text.",
            "array": "Enter a list.",
        }.get(value, f"Must be of type {value}.")
    if v == "minItems":
        return f"Enter at least {value} value{'s' if value != 1 else ''}."
    if v == "maxItems":
        return f"Enter at most {value} values."
    if v == "uniqueItems":
        return "Each value may appear only once."
    return error.message


def validate_values(schema: dict, values: dict) -> dict[str, list[str]]:  # noqa: C901 (split pending)
    """Install-time values against a variablesSchema: errors by property name ("" for the whole).
    Never fetches, never hangs on a long value, never raises on a strange schema."""
    errors: dict[str, list[str]] = {}
    if not isinstance(values, dict):
        return {"": ["The values must be an object."]}
    for name, value in values.items():
        if isinstance(value, str) and len(value) > MAX_STRING_VALUE:
            errors.setdefault(name, []).append(f"Enter at most {MAX_STRING_VALUE} characters.")
        elif isinstance(value, list) and (
            len(value) > MAX_ARRAY_VALUE
            or any(isinstance(v, str) and len(v) > MAX_STRING_VALUE for v in value)
        ):
            errors.setdefault(name, []).append("Too many or too long values.")
    if errors:
        return errors
    try:
        validator = Draft202012Validator(schema, registry=REGISTRY, format_checker=FORMATS)
        found = list(validator.iter_errors(values))
    except RecursionError:
        return {"": ["The variables schema is too deeply self-referencing to check."]}
    except Unresolvable:
        return {"": ["The variables schema refers to something outside itself; nothing is fetched."]}
    except Exception:  # a broken stored schema is refused, never a 500
        return {"": ["The variables schema cannot be used."]}
    for error in found:
        path = list(error.absolute_path)
        if path:
            errors.setdefault(str(path[0]), []).append(_value_message(error))
        elif error.validator == "required" and isinstance(error.instance, dict):
            for key in error.validator_value:
                if key not in error.instance:
                    errors.setdefault(key, []).append("This value is required.")
        else:
            errors.setdefault("", []).append(_value_message(error))
    return errors
