"""Bounded query parameters: every page number and date a URL carries is parsed here.

A page past what any listing holds, or a date no audit event can carry, is a clear 400 naming the
parameter, never an offset or a datetime that overflows in the database (a 500).
"""

from __future__ import annotations

from datetime import date

from wtforms.validators import ValidationError

from ..services.errors import ServiceError

MAX_PAGE = 10_000
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2999, 12, 31)


class BadParameter(ServiceError):
    """A query parameter we cannot honour: 400, with the parameter named in details."""

    code = "bad_request"
    status = 400

    def __init__(self, message: str, *, field: str):
        super().__init__(message, field=field, details=[{"parameter": field, "message": message}])


def bounded_int(args, name: str, *, default: int, minimum: int = 1, maximum: int) -> int:
    """args[name] as a whole number within [minimum, maximum]; absent or empty: default."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if (
        not raw.isascii()
        or not raw.isdigit()
        or len(raw) > len(str(maximum))
        or not (minimum <= int(raw) <= maximum)
    ):
        raise BadParameter(f"'{name}' must be a whole number from {minimum} to {maximum}.", field=name)
    return int(raw)


def page_number(args, name: str = "page", *, maximum: int = MAX_PAGE) -> int:
    return bounded_int(args, name, default=1, maximum=maximum)


def date_in_range(_form, field) -> None:
    """A WTForms validator for a DateField: the date must lie within [MIN_DATE, MAX_DATE]."""
    if field.data is not None and not MIN_DATE <= field.data <= MAX_DATE:
        raise ValidationError(f"Choose a date from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}.")
