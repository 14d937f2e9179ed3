"""Command-line tools: `flask --app app <command>`."""

from __future__ import annotations

import click
from flask import Flask

from .database import write_intent
from .extensions import db


def register_cli(app: Flask) -> None:
    from . import cli_credentials, cli_publishing

    cli_publishing.register(app)
    cli_credentials.register(app)

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--staff", is_flag=True, help="Make the user platform staff.")
    @click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="The password (asked for when not given).",
    )
    @click.option("--name", default=None, help="Display name.")
    def create_user(email: str, staff: bool, password: str, name: str | None):
        """Create a user account."""
        from .services.accounts import register_user
        from .services.errors import ServiceError

        try:
            user = register_user(email, password, name, is_staff=staff, verified=True)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        click.echo(f"Created {'staff ' if staff else ''}user {user.email}")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed when the database has no users yet.")
    def seed_demo(if_empty: bool):
        """Fill the database with a realistic demo. Running it twice adds nothing twice."""
        from . import demo
        from .models import User

        if if_empty and db.session.scalar(db.select(db.func.count()).select_from(User)):
            click.echo("The database already has users; demo data not seeded.")
            demo.print_accounts(click.echo)
            return
        with write_intent():  # reads then writes: take SQLite's write lock up front
            summary = demo.seed()
            db.session.commit()
        click.echo(f"Demo data ready: {summary}")
        demo.print_accounts(click.echo)

    @app.cli.command("demo-oauth-url")
    @click.option(
        "--base-url",
        envvar="DEMO_OAUTH_BASE_URL",
        required=True,
        help="Where the demo provider is served now, e.g. http://127.0.0.1:5050/demo-oauth.",
    )
    def demo_oauth_url(base_url: str):
        """Point the demo's oauth2 integrations at the demo provider on this base URL (only the
        demo provider's own endpoints move). `make run` runs it at every start."""
        from . import demo

        if not app.config.get("DEMO_OAUTH_PROVIDER"):
            click.echo("The demo OAuth provider is off here; nothing re-pointed.")
            return
        with write_intent():
            changed = demo.repoint_demo_oauth(base_url)
            db.session.commit()
        click.echo(f"Demo OAuth endpoints at {base_url.rstrip('/')}: {changed} authConfigs re-pointed.")
