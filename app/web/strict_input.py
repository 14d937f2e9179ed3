"""Strict input and output, for every route at once.

One guard runs before every view and refuses what no person typed and no database can store: a NUL
or a lone surrogate anywhere in the request, and NaN/Infinity/numbers too large in a JSON body.

- In the path: 404. Such a URL names nothing anyone could have made, so it is as unseen as any other.
- In a query parameter: 400, naming the parameter (JSON for the API and JSON clients, a page for people).
- In a form field: 400, naming the field. A browser cannot put a NUL or a lone surrogate into a
  typed value (it sends UTF-8 and werkzeug decodes anything malformed to U+FFFD), so this only ever
  answers a forged request; re-rendering the form beside the field would help nobody, and one guard
  protects every form, including those added later. JSON documents typed into a textarea are text
  here (`\\u0000` is six harmless characters); their parser (app/domain/documents) refuses what they
  decode to beside the field.
- In a JSON body: 422 with every problem's JSON path in details, like any other validation failure.

And the app's JSON provider speaks strict JSON both ways: `loads` refuses what the guard refuses,
`dumps` never writes NaN or Infinity (allow_nan=False).
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

from ..domain import strict_json
from ..services.errors import ValidationFailed
from .params import BadParameter


class StrictJSONProvider(DefaultJSONProvider):
    def dumps(self, obj, **kwargs) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)

    def loads(self, s, **kwargs):
        value = strict_json.loads(s)
        for parts, message in strict_json.problems(value):
            raise ValueError(f"{strict_json.path(parts)}: {message}")
        return value


def _first_bad(multidict) -> str | None:
    for key, value in multidict.items(multi=True):
        if strict_json.bad_text(key) or (isinstance(value, str) and strict_json.bad_text(value)):
            return key
    return None


def _printable(name: str) -> str:
    return name.encode("unicode_escape").decode("ascii")[:100]


def _refuse_bad_json() -> None:
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        value = strict_json.loads(data)
    except (ValueError, RecursionError):
        return  # not JSON at all: the view answers that as it always has
    found = [
        {"path": strict_json.path(parts), "message": message}
        for parts, message in strict_json.problems(value)
    ]
    if found:
        raise ValidationFailed(
            "The JSON body holds values that cannot be accepted: " + found[0]["message"], details=found[:50]
        )


def _too_large() -> bool:
    length, limit = request.content_length, request.max_content_length
    return length is not None and limit is not None and length > limit


def refuse_hostile_input() -> None:
    if strict_json.bad_text(request.path):
        abort(404)
    bad = _first_bad(request.args)
    if bad is not None:
        raise BadParameter(
            f"The query parameter '{_printable(bad)}' contains a character that is not allowed "
            "(a NUL or a lone surrogate).",
            field=_printable(bad),
        )
    if _too_large():
        return  # never read: CSRF protection answers 413, or an upload view its own form error
    if request.is_json:
        _refuse_bad_json()
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        bad = _first_bad(request.form)
        if bad is None:
            bad = next(
                (k for k, f in request.files.items(multi=True) if strict_json.bad_text(f.filename or "")),
                None,
            )
        if bad is not None:
            raise BadParameter(
                f"The form field '{_printable(bad)}' contains a character that is not allowed "
                "(a NUL or a lone surrogate).",
                field=_printable(bad),
            )


def register(app: Flask) -> None:
    app.json = StrictJSONProvider(app)
    # First in line, before any view or other hook reads the request into the database.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_hostile_input)
