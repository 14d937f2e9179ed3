"""The one place that sends mail. Services call `send`; nothing else talks SMTP.

With MAIL_SERVER set, messages go out through Flask-Mailman's SMTP backend (the MAIL_* settings,
read at send time). Without it (development and tests only: production refuses to start), each
message is stored as an OutboxMessage and shown at /dev/outbox, so every process sees the same mail.
"""

from __future__ import annotations

import logging
import smtplib

from flask import current_app, render_template, url_for
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

from ..extensions import db, mail
from ..models import OutboxMessage
from .errors import ServiceError

log = logging.getLogger(__name__)

OUTBOX_PAGE_SIZE = 50


class MailNotSent(ServiceError):
    code = "mail_unavailable"
    status = 503


NOT_SENT = "We could not send the e-mail just now. Try again in a few minutes."


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
    """Send one plain-text message rendered from templates/mail/<template>.txt. A mail server that
    does not answer is a MailNotSent (503), never a 500; the request's transaction then rolls back."""
    body = render_template(f"mail/{template}.txt", **context)
    message = EmailMessage(
        # A workspace or display name could carry a line break: never let it reach a header.
        subject=" ".join(subject.split()),
        body=body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to],
        connection=_connection(),
    )
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        log.warning(
            "mail to the %s server failed: %s", current_app.config["MAIL_SERVER"], type(error).__name__
        )
        raise MailNotSent(NOT_SENT) from None


def outbox(page_size: int = OUTBOX_PAGE_SIZE) -> list[OutboxMessage]:
    """The development outbox, newest first."""
    return list(
        db.session.scalars(
            db.select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(page_size)
        )
    )


def outbox_message(message_id: str) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, str(message_id)[:36])
