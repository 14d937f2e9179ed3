"""The structured editors of the three documents and their raw JSON ("Advanced"), kept in step.

Which view is saved, per document:
- JavaScript sets `<field>_source` to the view edited last ("structured" or "raw"): that one.
- Without JavaScript, the page carries the JSON it was rendered with (`<field>_base`): if only the
  JSON was changed it is saved, if only the form was changed the form is; if both were, nothing
  is saved and the page asks which to keep (both kept as typed). Unchanged: the JSON, as it was.
- A document the form cannot show (not valid JSON, or keywords the form has no place for) is
  never composed from the form: its JSON is saved exactly as typed.
After every round trip both views show the winner, and `_base` is the JSON shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ....domain import documents
from . import auth, manifest, variables
from .common import Carried, parse_op, path_parts

EDITORS = {documents.MANIFEST: manifest, documents.VARIABLES: variables, documents.AUTH: auth}
FIELDS = {
    documents.MANIFEST: "manifest",
    documents.VARIABLES: "variables_schema",
    documents.AUTH: "auth_config",
}
PREFIXES = {module.PREFIX: name for name, module in EDITORS.items()}
STRUCTURED, RAW = "structured", "raw"


@dataclass
class DocumentView:
    document: str  # manifest | variablesSchema | authConfig
    raw: str  # the JSON in the Advanced textarea
    base: str  # the JSON the page is rendered with (to tell, without JavaScript, what changed)
    state: Any | None  # the editor's rows; None: the form cannot show this document
    reason: str = ""  # why not
    source: str = RAW  # the view that won this round
    conflict: bool = False  # both views changed without JavaScript: the publisher chooses
    invalid: bool = False  # the form has fields that cannot be read (errors beside them)
    messages: list[str] = field(default_factory=list)

    @property
    def field(self) -> str:
        return FIELDS[self.document]

    @property
    def editor(self):
        return EDITORS[self.document]

    @property
    def saveable(self) -> bool:
        return not self.conflict and not self.invalid

    @property
    def open_advanced(self) -> bool:
        return self.state is None or self.conflict or self.source == RAW and self.raw != self.base


def from_document(name: str, value: Any) -> DocumentView:
    text = documents.pretty(value)
    state, reason = EDITORS[name].view(value)
    return DocumentView(name, text, text, state, reason)


def from_documents(values: dict[str, Any]) -> dict[str, DocumentView]:
    return {name: from_document(name, values.get(name)) for name in EDITORS}


def _from_text(name: str, text: str, source: str = RAW) -> DocumentView:
    parsed, errors = documents.parse_document(name, text)
    if errors:
        return DocumentView(name, text, text, None, "the JSON below has a problem to fix first", source)
    state, reason = EDITORS[name].view(parsed.value)
    return DocumentView(name, text, text, state, reason, source)


def _normal(name: str, text: str) -> Any:
    """A JSON text as the form would compose it (to tell whether the form was changed)."""
    parsed, errors = documents.parse_document(name, text)
    if errors:
        return None
    state, _ = EDITORS[name].view(parsed.value)
    return EDITORS[name].compose(state) if state is not None else None


def _composed(view: DocumentView) -> DocumentView:
    value = view.editor.compose(view.state)
    if value is None:
        view.invalid = True
        return view
    view.raw = view.base = documents.pretty(value)
    return view


def resolve(form, name: str, op: tuple[str, str, int] | None = None) -> DocumentView:
    """The document as posted: which view won, and both views shown in step (see the module)."""
    raw = (form.get(FIELDS[name]) or "").replace("\r\n", "\n")
    base = form.get(FIELDS[name] + "_base")
    editor = EDITORS[name]
    if base is None or form.get(f"{editor.PREFIX}-shown") != "1":
        return _from_text(name, raw)
    base = base.replace("\r\n", "\n")
    try:
        state = editor.read(form)
    except Carried:
        view = _from_text(name, raw)
        view.messages.append("The form came back damaged; the JSON below is what is kept. Reload the page.")
        view.invalid = True  # nothing is saved over what the publisher typed in the form
        return view
    chosen = form.get(FIELDS[name] + "_source")
    raw_changed = raw != base
    if op is not None:
        _apply(editor, state, op)
        view = DocumentView(name, raw, base, state, source=STRUCTURED)
        if raw_changed and chosen != STRUCTURED:  # never overwrite JSON typed without JavaScript
            view.conflict = True
            return view
        return _composed(view)
    if chosen == RAW:
        return _from_text(name, raw)
    composed = editor.compose(state)
    if chosen != STRUCTURED:
        form_changed = composed is None or composed != _normal(name, base)
        if not form_changed:
            return _from_text(name, raw)
        if raw_changed:
            return DocumentView(name, raw, base, state, source=STRUCTURED, conflict=True)
    return _composed(DocumentView(name, raw, base, state, source=STRUCTURED))


def _apply(editor, state, op: tuple[str, str, int]) -> None:
    target, action, index = op
    if editor is variables:
        variables.apply(state, action, index)
    else:
        editor.apply(state, action, index, target.removeprefix(editor.PREFIX + "-"))


def op_of(form) -> tuple[str, tuple[str, str, int]] | None:
    """The row operation a no-JavaScript button asked for: (document, (list, op, index))."""
    parsed = parse_op(form.get("op"))
    if parsed is None:
        return None
    prefix = parsed[0].split("-", 1)[0]
    return (PREFIXES[prefix], parsed) if prefix in PREFIXES else None


def resolve_all(form) -> dict[str, DocumentView]:
    asked = op_of(form)
    return {name: resolve(form, name, asked[1] if asked and asked[0] == name else None) for name in EDITORS}


def place_problems(views: dict[str, DocumentView], details: list[dict]) -> None:
    """Each document problem beside the input it is about, where the form shows that document."""
    for problem in details:
        view = views.get(problem.get("document"))
        if view is None or view.state is None:
            continue
        view.editor.place(view.state, path_parts(problem.get("path", "$")), problem["message"])
