"""CLI commands of the install capability: `flask --app app rotate-credentials`.

Put the new key first in CREDENTIALS_KEYS (keep the old ones after it), run this, then the old
keys can be removed: every stored secret is re-encrypted with the newest key (MultiFernet.rotate).
"""

from __future__ import annotations

import click
from cryptography.fernet import InvalidToken
from flask import Flask

from .extensions import db


def rotate_all() -> dict[str, int]:
    """Re-encrypt every stored secret with the newest key. One transaction; the caller commits."""
    from .models import Credential, Integration, WizardSession
    from .services.crypto import rotate

    counts = {}
    for label, model, column in (
        ("credentials", Credential, "secret_encrypted"),
        ("wizard sessions", WizardSession, "secret_encrypted"),
        ("integration client secrets", Integration, "oauth_client_secret_encrypted"),
    ):
        rows = db.session.scalars(db.select(model).where(getattr(model, column).is_not(None)))
        counts[label] = 0
        for row in rows:
            setattr(row, column, rotate(getattr(row, column)))
            counts[label] += 1
        db.session.flush()
    return counts


def register(app: Flask) -> None:
    @app.cli.command("rotate-credentials")
    def rotate_credentials():
        """Re-encrypt every stored secret with the newest CREDENTIALS_KEYS key."""
        from .database import write_intent

        try:
            with write_intent():
                counts = rotate_all()
                db.session.commit()
        except InvalidToken:
            db.session.rollback()
            raise click.ClickException(
                "A stored secret cannot be decrypted with any key in CREDENTIALS_KEYS "
                "(was an old key removed too early?). Nothing changed."
            ) from None
        click.echo(
            "Re-encrypted with the newest key: " + ", ".join(f"{n} {label}" for label, n in counts.items())
        )
