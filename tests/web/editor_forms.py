"""Reading a page's form as a browser without JavaScript would post it: every named input, select
and text area of one form with its current value (checkboxes and radios only when checked)."""

from __future__ import annotations

from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, MultiDict()
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.add(name, a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select, self._select_value, self._select_first = name, None, None
        elif tag == "option" and self._select:
            value = a.get("value")
            self._option = value
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._select_first
            self.fields.add(self._select, value or "")
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            for newline in ("\r\n", "\n"):  # the one newline HTML drops after <textarea>
                if text.startswith(newline):
                    text = text[len(newline) :]
                    break
            self.fields.add(self._textarea, text)
            self._textarea = None


def form_fields(html: str, form_id: str = "integration-form") -> MultiDict:
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.fields


def as_post(fields: MultiDict, changes: dict) -> MultiDict:
    """A copy with some fields replaced (None removes one)."""
    posted = MultiDict(fields)
    for name, value in changes.items():
        posted.poplist(name)
        if value is not None:
            posted.add(name, value)
    return posted
