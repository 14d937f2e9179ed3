"""Encryption at rest for secrets: MultiFernet over CREDENTIALS_KEYS (newest first, so keys rotate)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def _fernet(keys: list[str] | None = None) -> MultiFernet:
    keys = keys if keys is not None else current_app.config["CREDENTIALS_KEYS"]
    if not keys:
        raise RuntimeError("CREDENTIALS_KEYS is empty")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def encrypt_json(value: Any) -> str:
    return _fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str) -> Any:
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:  # a key was removed before rotation finished
        raise RuntimeError("a stored secret cannot be decrypted with CREDENTIALS_KEYS") from exc


def rotate(token: str) -> str:
    """Re-encrypt with the newest key (MultiFernet.rotate)."""
    return _fernet().rotate(token.encode()).decode()


def mask(secret: str | None, visible: int = 4) -> str:
    """`••••abcd`: enough to recognise a secret, never enough to use it."""
    if not secret:
        return ""
    tail = secret[-visible:] if len(secret) > visible * 2 else ""
    return "••••" + tail
