"""The jobs. Thin: each calls a service; app/jobs/__init__.py runs it in an app context and one
transaction. Every job is idempotent and safe when several consumers run it at once: the row it
acts on is claimed first (an atomic UPDATE ... WHERE, or a row lock with SKIP LOCKED), and a
second run finds nothing left to do. Periodic ones also run on every consumer's scheduler."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app


@dataclass(frozen=True)
class TaskSpec:
    name: str
    function: object
    every_minutes: int | None = None  # periodic: run every N minutes (by each consumer's scheduler)
    options: dict = field(default_factory=dict)


def deliver_mail(mail_id: str) -> None:
    from ..services import mail

    mail.deliver(mail_id)


def mail_sweep() -> None:
    """Mail whose job was never queued (the queue was down) or failed and is due again."""
    from ..services import mail

    mail.deliver_due()


def wizard_sweep() -> None:
    from ..services import wizard

    wizard.forget_all_expired()


def purge() -> None:
    """`flask purge`, on a schedule: what the retention tiers say is due, old write answers, and the
    catalog's change log (older than an hour)."""
    from ..extensions import db
    from ..services import catalog, idempotency
    from ..services.publishing import purge as purge_due

    purge_due(default_days=current_app.config["RETENTION_DEFAULT_DAYS"], commit=db.session.commit)
    idempotency.purge_expired()
    catalog.prune_changes()


def refresh_sweep() -> None:
    """OAuth2 credentials expiring within TOKEN_REFRESH_AHEAD_SECONDS, each refreshed once."""
    from ..services import token_refresh

    token_refresh.refresh_due()


def refresh_credential(credential_id: str) -> None:
    """On demand: refresh now, unless another refresh of it is running."""
    from ..services import token_refresh

    token_refresh.refresh(credential_id, force=True)


def check_sweep() -> None:
    """Connection tests of live installations not checked within the hour."""
    from ..services import connection_check

    connection_check.check_due()


def check_installation(installation_id: str) -> None:
    """One connection test ("Check now", new settings), unless one of it is running."""
    from ..services import connection_check

    connection_check.check_installation(installation_id)


def deliver_webhook(delivery_id: str) -> None:
    """One attempt of one webhook delivery, unless it is not due or another consumer sends it."""
    from ..services.webhooks import delivery

    delivery.deliver(delivery_id)


def webhook_sweep() -> None:
    """Webhook deliveries due whose job never came (the queue was down, a consumer died)."""
    from ..services.webhooks import delivery

    delivery.queue_due()


TASKS = (
    TaskSpec("deliver_mail", deliver_mail),
    TaskSpec("mail_sweep", mail_sweep, every_minutes=1),
    TaskSpec("wizard_sweep", wizard_sweep, every_minutes=1),
    TaskSpec("purge", purge, every_minutes=60),
    TaskSpec("refresh_sweep", refresh_sweep, every_minutes=1),
    TaskSpec("refresh_credential", refresh_credential),
    TaskSpec("check_sweep", check_sweep, every_minutes=1),
    TaskSpec("check_installation", check_installation),
    TaskSpec("deliver_webhook", deliver_webhook),
    TaskSpec("webhook_sweep", webhook_sweep, every_minutes=1),
)
