"""The development outbox: mail that would have been sent, kept in the database (so every process
of `make run` shows the same messages) when no MAIL_SERVER is configured. Never used in production."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, id_column, utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[str] = id_column()
    sender: Mapped[str] = mapped_column(String(320), nullable=False)
    recipients: Mapped[str] = mapped_column(Text, nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)


class QueuedMail(db.Model):
    """A message waiting for the job queue to send it. Written in the transaction of the request
    that sends it (so a rolled-back request sends nothing), sent by a job queued after the commit,
    and by the periodic sweep when that job was lost (the queue was down, a consumer died). The
    body (it may hold a one-time link) is kept encrypted, and the row goes once the message is out."""

    __tablename__ = "mail_queue"

    id: Mapped[str] = id_column()
    recipient: Mapped[str] = mapped_column(String(320), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # A sender owns the row until then (an atomic UPDATE ... WHERE claims it); after a failure it
    # is the earliest time the next attempt may start.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_error: Mapped[str | None] = mapped_column(String(100))
