"""The install wizard's step rules, with no Flask and no database: which steps a wizard has,
in which order, which one is next, and whether a step may be entered yet.

Steps are done in order. A step can only be entered once every applicable step before it is
done; going back is always allowed. A step with nothing to do is not a page: it is shown as skipped
in the progress indicator, with why. The dependencies step does not apply when the version depends
on nothing; the auth step not to `authConfig.type == "none"` nor to an upgrade that keeps its
grants; the variables step not when the version has no variables. A reconnect is only the auth step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

WORKSPACE, DEPENDENCIES, AUTH, VARIABLES, REVIEW = "workspace", "dependencies", "auth", "variables", "review"
STEPS: tuple[str, ...] = (WORKSPACE, DEPENDENCIES, AUTH, VARIABLES, REVIEW)

INSTALL, UPGRADE, RECONNECT = "install", "upgrade", "reconnect"

LABELS = {
    WORKSPACE: "Workspace and consent",
    DEPENDENCIES: "Dependencies",
    AUTH: "Connect",
    VARIABLES: "Settings",
    REVIEW: "Review and confirm",
}
UPGRADE_LABELS = {**LABELS, WORKSPACE: "Changes and consent", REVIEW: "Review and upgrade"}

DONE, CURRENT, TODO, SKIPPED = "done", "current", "todo", "skipped"


@dataclass(frozen=True)
class StepState:
    key: str
    number: int
    label: str
    status: str  # done | current | todo | skipped
    reachable: bool
    note: str = ""  # why a skipped step is skipped

    @property
    def skipped(self) -> bool:
        return self.status == SKIPPED


def applicable_steps(
    auth_type: str,
    purpose: str = INSTALL,
    *,
    reauthorize: bool = False,
    has_dependencies: bool = True,
    has_variables: bool = True,
) -> tuple[str, ...]:
    """The steps this wizard goes through, in order: those with something to do."""
    if purpose == RECONNECT:
        return (AUTH,)
    needs_auth = auth_type in ("oauth2", "api_key")
    if purpose == UPGRADE:
        # An upgrade keeps the credential unless the grant grows: only then a new authorization.
        needs_auth = auth_type == "oauth2" and reauthorize
    needed = {DEPENDENCIES: has_dependencies, AUTH: needs_auth, VARIABLES: has_variables}
    return tuple(step for step in STEPS if needed.get(step, True))


def skip_note(step: str, auth_type: str, purpose: str = INSTALL) -> str:
    """Why a step with nothing to do is skipped, in the progress indicator's words."""
    if step == AUTH:
        if purpose == UPGRADE:
            return "keeps the saved API key" if auth_type == "api_key" else "keeps the current connection"
        return "no sign-in needed"
    return {DEPENDENCIES: "needs no other integration", VARIABLES: "no settings"}.get(step, "")


def first_open_step(steps: Sequence[str], completed: Iterable[str]) -> str:
    """The first step not done yet; the last step when all are done."""
    done = set(completed)
    for step in steps:
        if step not in done:
            return step
    return steps[-1]


def may_enter(step: str, steps: Sequence[str], completed: Iterable[str]) -> bool:
    """A step may be entered when it applies and every step before it is done."""
    if step not in steps:
        return False
    done = set(completed)
    return all(earlier in done for earlier in steps[: steps.index(step)])


def next_step(step: str, steps: Sequence[str]) -> str | None:
    index = steps.index(step)
    return steps[index + 1] if index + 1 < len(steps) else None


def previous_step(step: str, steps: Sequence[str]) -> str | None:
    index = steps.index(step)
    return steps[index - 1] if index > 0 else None


def mark_done(
    step: str, steps: Sequence[str], completed: Iterable[str], *, reset_later: bool = False
) -> list[str]:
    """The completed list after finishing `step`. With reset_later (an earlier choice changed
    what later steps mean, e.g. another workspace), the steps after it must be done again."""
    done = [s for s in completed if s in steps]
    if reset_later:
        later = set(steps[steps.index(step) + 1 :])
        done = [s for s in done if s not in later]
    if step not in done:
        done.append(step)
    return [s for s in steps if s in done]


def progress(
    steps: Sequence[str],
    completed: Iterable[str],
    current: str,
    purpose: str = INSTALL,
    auth_type: str = "none",
) -> list[StepState]:
    """Every one of the five steps for the progress indicator, the inapplicable ones as skipped
    (with why)."""
    done = set(completed)
    labels = UPGRADE_LABELS if purpose == UPGRADE else LABELS
    states = []
    for number, step in enumerate(STEPS, start=1):
        if step not in steps:
            status = SKIPPED
        elif step == current:
            status = CURRENT
        elif step in done:
            status = DONE
        else:
            status = TODO
        reachable = status != SKIPPED and step != current and may_enter(step, steps, done)
        note = skip_note(step, auth_type, purpose) if status == SKIPPED else ""
        states.append(StepState(step, number, labels[step], status, reachable, note))
    return states


def find_cycle(root: str, edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A dependency path from `root` back to a node already on the path, or None.
    `edges` maps a node to the nodes it depends on (missing nodes have none)."""
    path: list[str] = []
    on_path: set[str] = set()
    finished: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in on_path:
            return path[path.index(node) :] + [node]
        if node in finished:
            return None
        path.append(node)
        on_path.add(node)
        for child in edges.get(node, ()):
            cycle = visit(child)
            if cycle:
                return cycle
        path.pop()
        on_path.discard(node)
        finished.add(node)
        return None

    return visit(root)


# --- what an upgrade changes -----------------------------------------------------------------


def scope_diff(old: Iterable[str], new: Iterable[str]) -> tuple[list[str], list[str]]:
    """(added, removed) between two scope lists, in the new/old order."""
    old_list, new_list = list(old), list(new)
    return [s for s in new_list if s not in old_list], [s for s in old_list if s not in new_list]


def _dependency_set(manifest: Mapping | None) -> set[tuple[str, str]]:
    deps = (manifest or {}).get("dependencies") or []
    return {
        (str(d.get("integration", "")), str(d.get("version", "*"))) for d in deps if isinstance(d, Mapping)
    }


def asks_nothing_new(
    old: Mapping, new: Mapping, granted_scopes: Iterable[str], values_problems: Mapping
) -> bool:
    """Whether an upgrade is one confirm (no wizard): a patch or minor release (same major; in 0.x
    the same minor, as semver reads it) that asks nothing new — the same kind of sign-in, no scope
    beyond those granted, the same dependencies, and the saved settings still valid (no new required
    variable). `old` and `new` hold "version" (parsed: major, minor), "auth_config" and "manifest";
    `values_problems` is what the new variablesSchema says of the saved settings."""
    (old_major, old_minor), (new_major, new_minor) = old["version"], new["version"]
    if new_major != old_major or (old_major == 0 and new_minor != old_minor):
        return False
    old_auth, new_auth = old["auth_config"] or {}, new["auth_config"] or {}
    if old_auth.get("type", "none") != new_auth.get("type", "none"):
        return False
    added, _ = scope_diff(granted_scopes, new_auth.get("scopes") or [])
    return (
        not added
        and _dependency_set(old["manifest"]) == _dependency_set(new["manifest"])
        and not values_problems
    )
