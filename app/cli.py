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
