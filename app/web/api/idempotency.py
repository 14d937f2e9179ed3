"""`Idempotency-Key` on the write calls: a retry of a request whose answer was lost gets that
answer back (`Idempotent-Replayed: true`) instead of writing twice."""

from __future__ import annotations

import re
from functools import wraps

from flask import Response, make_response, request

from ...models.idempotency import KEY_MAX
from ...services import idempotency
from ...services.errors import ValidationFailed
from .auth import require_token

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(rf"[\x21\x23-\x7e]{{1,{KEY_MAX}}}")  # visible ASCII but the double quote


def _key() -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip(" \t")  # HTTP's optional whitespace around a field value, nothing else
    if len(key) > 2 and key[0] == key[-1] == '"':
        key = key[1:-1]  # the IETF draft sends the key as a structured-field string: "..."
    if not _KEY.fullmatch(key):
        raise ValidationFailed(
            f"{HEADER} must be 1 to {KEY_MAX} visible ASCII characters (a UUID is a good choice).",
            field=HEADER,
            details=[{"field": HEADER, "path": f"header:{HEADER}", "message": "Not a valid key."}],
        )
    return key


def _path() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def idempotent(view):
    """Wrap a write view. Without the header nothing changes."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        caller = require_token()
        key = _key()
        if key is None:
            return view(*args, **kwargs)
        record = idempotency.claim(
            caller.workspace_id, key, idempotency.fingerprint(request.method, _path(), request.get_data())
        )
        if record.status_code is not None:
            return Response(
                record.response_body,
                status=record.status_code,
                mimetype="application/json",
                headers={REPLAYED: "true"},
            )
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:  # a refusal rolls back, the key with it: it may be sent again
            idempotency.record_answer(record, response.status_code, response.get_data(as_text=True))
        return response

    return wrapper
