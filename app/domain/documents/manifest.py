"""The manifest: its shape (app/schemas/manifest.json), member keys unique, dependency
version ranges that parse, and defaults that are declared variables holding valid values."""

from __future__ import annotations

from ..semver_range import InvalidRange, parse_range
from .parsing import DocumentError, ParsedDocument
from .schemas import project_validator, schema_errors
from .variables import default_errors


def _duplicate_member_keys(doc: ParsedDocument, members: list) -> list[DocumentError]:
    errors, seen = [], set()
    for i, member in enumerate(members):
        key = member.get("key") if isinstance(member, dict) else None
        if not isinstance(key, str):
            continue
        if key in seen:
            errors.append(doc.error(("members", i, "key"), f"Duplicate member key “{key}”."))
        seen.add(key)
    return errors


def _dependency_range_problems(doc: ParsedDocument, dependencies: list) -> list[DocumentError]:
    errors = []
    for i, dependency in enumerate(dependencies):
        version = dependency.get("version") if isinstance(dependency, dict) else None
        if not isinstance(version, str):
            continue
        try:
            parse_range(version)
        except InvalidRange as error:
            errors.append(doc.error(("dependencies", i, "version"), str(error)))
    return errors


def _default_problems(doc: ParsedDocument, defaults: dict, variables_schema: dict) -> list[DocumentError]:
    properties = variables_schema.get("properties") or {}
    errors = []
    for name, value in defaults.items():
        prop = properties.get(name) if isinstance(properties, dict) else None
        if not isinstance(prop, dict):
            errors.append(doc.error(("defaults", name), f"“{name}” is not a variable in variablesSchema."))
            continue
        errors += [doc.error(("defaults", name), message) for message in default_errors(prop, value)]
    return errors


def manifest_problems(doc: ParsedDocument, variables_schema: dict | None) -> list[DocumentError]:
    """Every problem of a manifest; its defaults are checked only against a valid variablesSchema
    (None: the variables schema has problems of its own)."""
    manifest = doc.value
    errors = schema_errors(doc, project_validator("manifest.json"), manifest)
    if isinstance(manifest.get("members"), list):
        errors += _duplicate_member_keys(doc, manifest["members"])
    if isinstance(manifest.get("dependencies"), list):
        errors += _dependency_range_problems(doc, manifest["dependencies"])
    if isinstance(manifest.get("defaults"), dict) and variables_schema is not None:
        errors += _default_problems(doc, manifest["defaults"], variables_schema)
    return errors
