"""Request logs never carry secrets from a URL: an OAuth2 callback's `code` and `state` (and any
other parameter named below) are written as `[redacted]` in werkzeug's and gunicorn's access lines."""

from __future__ import annotations

import logging
import re

REDACTED_PARAMETERS = ("code", "state", "access_token", "refresh_token", "token")
_NAMES = "|".join(REDACTED_PARAMETERS)
# Plain (`?code=...&`) and percent-encoded once, as in a login redirect's `next`
# (`next=/install/callback%3Fcode%3D...%26state%3D...`).
_PARAMETER = re.compile(rf"((?:[?&]|%3F|%26)(?:{_NAMES})(?:=|%3D))(?:(?!%26)[^&\s\"'])*", re.IGNORECASE)
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    return _PARAMETER.sub(r"\1[redacted]", text)


class RedactQueryParameters(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_redaction() -> None:
    """Idempotent: every app built in a process shares these loggers."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQueryParameters) for f in logger.filters):
            logger.addFilter(RedactQueryParameters())
