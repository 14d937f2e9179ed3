"""A real SMTP server on loopback (aiosmtpd, an ephemeral port) that keeps what it receives, and
a `mailbox` fixture that points the app's MAIL_* settings at it: tests read the real messages the
app sent and follow their links."""

from __future__ import annotations

import email
import re
import threading
import time
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

LINK_RE = re.compile(r"https?://\S+")


class _Keep:
    def __init__(self):
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class LoopbackSMTP(Controller):
    """aiosmtpd's Controller on 127.0.0.1 port 0: the port the system chose is read back."""

    def __init__(self):
        self.keep = _Keep()
        super().__init__(self.keep, hostname="127.0.0.1", port=0)

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Mailbox:
    def __init__(self, server: LoopbackSMTP):
        self.server = server

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def messages(self) -> list[Message]:
        with self.server.keep.lock:
            return list(self.server.keep.messages)

    def clear(self) -> None:
        with self.server.keep.lock:
            self.server.keep.messages.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address.lower() in m["X-Envelope-To"].lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> Message:
        """The latest message to `address` once `count` have arrived (SMTP delivery is synchronous
        for the app, so this normally returns at once)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no mail to {address} (have: {[m['To'] for m in self.messages]})")

    @staticmethod
    def body(message: Message) -> str:
        return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")

    @classmethod
    def link(cls, message: Message, contains: str = "") -> str:
        links = [url for url in LINK_RE.findall(cls.body(message)) if contains in url]
        assert links, f"no link containing {contains!r} in: {cls.body(message)}"
        return links[0]


@pytest.fixture(scope="session")
def smtp_server():
    server = LoopbackSMTP()
    server.start()
    yield server
    server.stop()


def smtp_settings(server: LoopbackSMTP) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "MAIL_OUTBOX": False}


@pytest.fixture
def mailbox(app, smtp_server, monkeypatch):
    """The session's app sends real SMTP to the loopback server for this test."""
    for key, value in smtp_settings(smtp_server).items():
        monkeypatch.setitem(app.config, key, value)
    box = Mailbox(smtp_server)
    box.clear()
    return box
