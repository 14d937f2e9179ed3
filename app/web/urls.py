"""Helpers about URLs that more than one blueprint needs."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for


def safe_next(target: str | None) -> str | None:
    """Only a relative path on this site: never a scheme, a host, or a protocol-relative URL."""
    if not target or len(target) > 2000:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


_URLS_KEPT = 4096


def cached_url_for(endpoint: str, **values) -> str:
    """`url_for`, remembered per app, request root, host and scheme for arguments that can be keys: a
    page's header and footer build the same dozen URLs on every request (templates call this)."""
    try:
        key = (
            current_app._get_current_object(),
            request.root_url if has_request_context() else None,
            endpoint,
            frozenset(values.items()),
        )
        hash(key)
    except TypeError:  # a list among the values (a multi-valued query argument)
        return url_for(endpoint, **values)
    return _remembered_url(key)


@lru_cache(maxsize=_URLS_KEPT)
def _remembered_url(key) -> str:
    _, _, endpoint, values = key
    return url_for(endpoint, **dict(values))
