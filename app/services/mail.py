"""The one place that sends mail. Services call `send`; nothing else talks SMTP.

`send` queues a message in the request's transaction; the job queue sends it after the commit
(`deliver`), and the periodic sweep (`deliver_due`) sends what the queue never got or what failed.
With MAIL_SERVER set, messages go out through Flask-Mailman's SMTP backend (the MAIL_* settings,
read at send time). Without it (development and tests only: production refuses to start), each
message is stored as an OutboxMessage and shown at /dev/outbox, so every process sees the same mail.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from flask import current_app, render_template, url_for
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

from .. import jobs
from ..extensions import db, mail
from ..models import OutboxMessage, QueuedMail
from ..models.base import utcnow
from . import crypto

log = logging.getLogger(__name__)

OUTBOX_PAGE_SIZE = 50


# How long one sender owns a message (longer than MAIL_TIMEOUT and the send itself).
CLAIM = timedelta(minutes=5)


class OutboxBackend(BaseEmailBackend):
    """Flask-Mailman backend for development: keeps each message in the database."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            db.session.add(
                OutboxMessage(
                    sender=message.from_email,
                    recipients=", ".join(message.recipients()),
                    subject=message.subject,
                    body=message.body,
                )
            )
        db.session.flush()
        return len(email_messages)


def link(endpoint: str, **values) -> str:
    """An absolute URL for a mailed link: on PUBLIC_BASE_URL when set (the same from every process;
    production requires it, so a forged Host header can never aim a reset link at another site),
    else, in development, on the address this request came in on."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _connection():
    config = current_app.config
    if config["MAIL_OUTBOX"]:
        return mail.get_connection(backend=OutboxBackend)
    return mail.get_connection(
        backend="smtp",
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config["MAIL_USERNAME"] or "",
        password=config["MAIL_PASSWORD"] or "",
        use_tls=config["MAIL_USE_TLS"],
        use_ssl=config["MAIL_USE_SSL"],
        timeout=config["MAIL_TIMEOUT"],
    )


def send(to: str, subject: str, template: str, **context) -> None:
    """Queue one plain-text message rendered from templates/mail/<template>.txt. It is written in
    the current transaction and handed to the job queue once that commits, so a request that
    rolls back sends nothing and a slow or absent mail server never holds a request up."""
    body = render_template(f"mail/{template}.txt", **context)
    queued = QueuedMail(
        # A workspace or display name could carry a line break: never let it reach a header.
        recipient=to,
        subject=" ".join(subject.split())[:300],
        body_encrypted=crypto.encrypt_json(body),
        attempts=0,
    )
    db.session.add(queued)
    db.session.flush()
    jobs.after_commit("deliver_mail", queued.id)


def _retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failed attempt, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(mail_id: str, now: datetime) -> bool:
    """Take the message for one send. An atomic UPDATE ... WHERE: of several consumers at once,
    exactly one matches the row (PostgreSQL re-checks the WHERE after the first one's commit;
    SQLite runs one writer at a time), and the claim is committed before the mail server is asked."""
    claimed = db.session.execute(
        db.update(QueuedMail)
        .where(
            QueuedMail.id == mail_id,
            QueuedMail.attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
            db.or_(QueuedMail.claimed_until.is_(None), QueuedMail.claimed_until <= now),
        )
        .values(claimed_until=now + CLAIM, attempts=QueuedMail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def deliver(mail_id: str) -> bool:
    """Send one queued message if it is still waiting and no one else is sending it. The row goes
    once the server took it; a failure leaves it for a later attempt (backoff, MAIL_MAX_ATTEMPTS)."""
    now = utcnow()
    if not _claim(mail_id, now):
        return False
    queued = db.session.get(QueuedMail, mail_id)
    message = EmailMessage(
        subject=queued.subject,
        body=crypto.decrypt_json(queued.body_encrypted),
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[queued.recipient],
        connection=_connection(),
    )
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        log.warning(
            "mail to the %s server failed: %s (attempt %d)",
            current_app.config["MAIL_SERVER"],
            type(error).__name__,
            queued.attempts,
        )
        queued.claimed_until = utcnow() + _retry_delay(queued.attempts)
        queued.last_error = type(error).__name__[:100]
        db.session.commit()
        return False
    db.session.delete(queued)
    db.session.commit()
    return True


def deliver_due(limit: int = 100) -> int:
    """The periodic sweep: every message waiting and not claimed (its job never reached the queue,
    or an attempt failed and its backoff is over). Returns how many went out."""
    now = utcnow()
    due = db.session.scalars(
        db.select(QueuedMail.id)
        .where(
            QueuedMail.attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
            db.or_(QueuedMail.claimed_until.is_(None), QueuedMail.claimed_until <= now),
        )
        .order_by(QueuedMail.created_at)
        .limit(limit)
    ).all()
    return sum(1 for mail_id in due if deliver(mail_id))


def outbox(page_size: int = OUTBOX_PAGE_SIZE) -> list[OutboxMessage]:
    """The development outbox, newest first."""
    return list(
        db.session.scalars(
            db.select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(page_size)
        )
    )


def outbox_message(message_id: str) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, str(message_id)[:36])
