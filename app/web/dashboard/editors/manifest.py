"""The manifest as rows: members (key, kind, name, description, fork on install) and
dependencies (integration, version range). `defaults` and any key the form does not know are
carried untouched (defaults are edited in Advanced; the variables builder sets each variable's
own default)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .common import carried, carry, is_text, move, row_count, text

PREFIX = "man"
MEMBER_KEYS = ("key", "kind", "name", "description")
FORK_CHOICES = (
    ("", "Not set (linked)"),
    ("true", "Yes: an editable copy"),
    ("false", "No: linked, follows upgrades"),
)


@dataclass
class Member:
    key: str = ""
    kind: str = ""
    name: str = ""
    description: str = ""
    fork: str = ""  # "" | "true" | "false"
    extra: dict = field(default_factory=dict)


@dataclass
class Dependency:
    integration: str = ""
    version: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class State:
    members: list[Member] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    focus: str | None = None

    @staticmethod
    def name(kind: str, i: int, part: str) -> str:
        return f"{PREFIX}-{kind}-{i}-{part}"


def _plain(value: Any, *, multiline: bool = False) -> bool:
    return is_text(value, multiline=multiline) and value == value.strip()


def _member(row: Any) -> Member | None:
    if not isinstance(row, dict):
        return None
    member, rest = Member(), {}
    for key, value in row.items():
        if key in MEMBER_KEYS and _plain(value, multiline=key == "description"):
            setattr(member, key, value)
        elif key == "forkOnInstall" and isinstance(value, bool):
            member.fork = "true" if value else "false"
        else:
            rest[key] = value
    member.extra = rest
    return member


def _dependency(row: Any) -> Dependency | None:
    if not isinstance(row, dict):
        return None
    dependency, rest = Dependency(), {}
    for key, value in row.items():
        if key in ("integration", "version") and _plain(value):
            setattr(dependency, key, value)
        else:
            rest[key] = value
    dependency.extra = rest
    return dependency


def view(manifest: Any) -> tuple[State | None, str]:
    if not isinstance(manifest, dict):
        return None, "it is not a JSON object"
    members, dependencies = manifest.get("members", []), manifest.get("dependencies", [])
    if not isinstance(members, list) or not isinstance(dependencies, list):
        return None, "its members or dependencies are not lists"
    member_rows = [_member(row) for row in members]
    dependency_rows = [_dependency(row) for row in dependencies]
    if None in member_rows or None in dependency_rows:
        return None, "a member or dependency is not an object"
    extra = {k: v for k, v in manifest.items() if k not in ("members", "dependencies")}
    return State(members=member_rows, dependencies=dependency_rows, extra=extra), ""


def read(form) -> State:
    members = [
        Member(
            **{key: text(form, State.name("members", i, key)).strip() for key in MEMBER_KEYS},
            fork=form.get(State.name("members", i, "fork")) or "",
            extra=carried(form, State.name("members", i, "extra")),
        )
        for i in range(row_count(form, f"{PREFIX}-members-count"))
    ]
    dependencies = [
        Dependency(
            integration=text(form, State.name("dependencies", i, "integration")).strip(),
            version=text(form, State.name("dependencies", i, "version")).strip(),
            extra=carried(form, State.name("dependencies", i, "extra")),
        )
        for i in range(row_count(form, f"{PREFIX}-dependencies-count"))
    ]
    return State(members=members, dependencies=dependencies, extra=carried(form, f"{PREFIX}-extra"))


def compose(state: State) -> dict:
    """Every key a member needs is written, blank or not: the schema says which are missing."""
    state.errors = {}
    members = []
    for row in state.members:
        member = {key: getattr(row, key) for key in ("key", "kind", "name")}
        if row.description:
            member["description"] = row.description
        if row.fork:
            member["forkOnInstall"] = row.fork == "true"
        members.append(_with_carried(member, row.extra))
    dependencies = [
        _with_carried(
            {"integration": row.integration, "version": row.version}, row.extra, blank={"version": "*"}
        )
        for row in state.dependencies
    ]
    return {"members": members, "dependencies": dependencies, **state.extra}


def _with_carried(shown: dict, extra: dict, blank: dict | None = None) -> dict:
    """A row's carried keys join what the form shows; one the form shows blank keeps its carried value."""
    row = dict(shown)
    for key, value in extra.items():
        if key not in row or row[key] == "":
            row[key] = value
    for key, value in (blank or {}).items():
        if row.get(key) == "" and key not in extra:
            row[key] = value
    return row


def apply(state: State, op: str, index: int, target: str) -> None:
    rows = state.members if target == "members" else state.dependencies
    if op == "add":
        rows.append(Member() if target == "members" else Dependency())
    focus = move(rows, op, index)
    first = "key" if target == "members" else "integration"
    state.focus = State.name(target, focus, first) if focus is not None else f"{PREFIX}-{target}-add"


def place(state: State, parts: tuple, message: str) -> None:
    if len(parts) >= 2 and parts[0] in ("members", "dependencies") and isinstance(parts[1], int):
        rows = state.members if parts[0] == "members" else state.dependencies
        if parts[1] < len(rows):
            known = MEMBER_KEYS if parts[0] == "members" else ("integration", "version")
            part = parts[2] if len(parts) > 2 else known[0]
            part = "fork" if part == "forkOnInstall" else part
            if part in known or part == "fork":
                state.errors.setdefault(State.name(parts[0], parts[1], part), []).append(message)
            else:
                state.errors.setdefault(State.name(parts[0], parts[1], known[0]), []).append(
                    f"{part}: {message}"
                )
            return
    state.general.append(message)


def hidden(state: State) -> dict[str, str]:
    return {
        f"{PREFIX}-members-count": str(len(state.members)),
        f"{PREFIX}-dependencies-count": str(len(state.dependencies)),
        f"{PREFIX}-extra": carry(state.extra),
    }
