"""CLI commands of the publishing capability: `flask --app app purge [--dry-run]`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from .extensions import db


def register(app: Flask) -> None:
    @app.cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="List what is due without erasing anything.")
    def purge_command(dry_run: bool):
        """Erase for good the soft-deleted integrations (and their installation history) whose
        retention has run out: short 7 days, medium 30, long 365, none at once, unset the default."""
        from .database import write_intent
        from .services import catalog, idempotency
        from .services.publishing import purge

        default_days = current_app.config["RETENTION_DEFAULT_DAYS"]
        label = "Checking" if dry_run else "Purging"

        def each(items):
            with click.progressbar(
                items, label=label, show_pos=True, item_show_func=lambda item: item.label if item else ""
            ) as bar:
                yield from bar

        with write_intent():
            summary = purge(dry_run=dry_run, default_days=default_days, each=each, commit=db.session.commit)
            keys = 0 if dry_run else idempotency.purge_expired()
            if not dry_run:
                catalog.prune_changes()
            db.session.commit()
        verb = "Would purge" if dry_run else "Purged"
        for item in summary.items:
            click.echo(
                f"  {item.label}  (tier {item.retention_tier or 'default'}, deleted "
                f"{item.deleted_at:%Y-%m-%d}, {item.installations} installation(s), {item.versions} version(s))"
            )
        click.echo(
            f"{verb} {summary.integrations} integration(s), {summary.installations} installation(s) and "
            f"{summary.versions} version(s); {summary.kept} in the trash are kept until their retention "
            f"runs out (default {default_days} days)."
        )
        if keys:
            click.echo(f"Erased {keys} write API answer(s) kept by Idempotency-Key past their 24 hours.")
