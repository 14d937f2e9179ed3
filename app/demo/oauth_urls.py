"""Keeping the demo's oauth2 integrations pointed at the bundled demo provider on the port the
app is served on now: `make run PORT=5050` after a first run on :5000 re-points them.

Only the demo provider's own endpoints move: an authConfig whose client is the provider's
`demo-client` and whose authorizeUrl/tokenUrl is `http://127.0.0.1|localhost[:port]/demo-oauth/
authorize|token` (and a connection test at `.../demo-oauth/test`, api_key ones too).
Every other URL, and every other field, is left as it is.
"""

from __future__ import annotations

import re

from ..extensions import db
from ..models import Integration, IntegrationVersion
from .shapes import DEMO_OAUTH_CLIENT_ID

_DEMO_ENDPOINT = re.compile(
    r"^http://(?:127\.0\.0\.1|localhost)(?::[0-9]{1,5})?/demo-oauth/(authorize|token)$"
)
_KEYS = ("authorizeUrl", "tokenUrl")


_DEMO_TEST = re.compile(r"^http://(?:127\.0\.0\.1|localhost)(?::[0-9]{1,5})?/demo-oauth/test$")


def _repointed_test(config: dict, base: str) -> dict:
    test = config.get("test")
    if (
        isinstance(test, dict)
        and _DEMO_TEST.match(str(test.get("url") or ""))
        and test["url"] != f"{base}/test"
    ):
        return {"test": {**test, "url": f"{base}/test"}}
    return {}


def repointed(config: dict, base: str) -> dict | None:
    """The authConfig with the demo provider's endpoints on `base`, or None when nothing moves."""
    if not isinstance(config, dict) or config.get("type") not in ("oauth2", "api_key"):
        return None
    if config.get("type") == "api_key":
        moved = _repointed_test(config, base)
        return {**config, **moved} if moved else None
    if config.get("clientId") != DEMO_OAUTH_CLIENT_ID:
        return None
    moved = _repointed_test(config, base)
    for key in _KEYS:
        found = _DEMO_ENDPOINT.match(config.get(key) or "")
        if found and config[key] != f"{base}/{found.group(1)}":
            moved[key] = f"{base}/{found.group(1)}"
    return {**config, **moved} if moved else None


def repoint_demo_oauth(base: str) -> int:
    """Re-point every listing and version that uses the demo provider at `base` (".../demo-oauth");
    returns how many rows changed. Flushes; the caller commits."""
    base = base.rstrip("/")
    changed = 0
    for model in (Integration, IntegrationVersion):
        for row in db.session.scalars(db.select(model)):
            config = repointed(row.auth_config, base)
            if config is not None:
                row.auth_config = config
                changed += 1
    db.session.flush()
    return changed
