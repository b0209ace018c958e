"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the tests: it keeps what it receives, so tests
assert on what actually crossed the wire, and can refuse as a real server would."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it receives, and can refuse chosen recipients, the
    sender or the message itself with the reply a real server would give."""

    received: list = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    refusal: str = "550 5.1.1 No such mailbox"  # the reply to a refused recipient; 4xx means "try later"
    refuse_sender: str = ""  # a reply to MAIL FROM instead of 250, e.g. "553 5.7.1 Sender not allowed"
    reject_message: str = ""  # a reply to the message data instead of 250, e.g. "554 5.7.1 Spam"
    asked: list[str] = field(default_factory=list)  # every recipient a client tried, accepted or not

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.asked.append(address)
        if address in self.refuse:
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reject_message:
            return self.reject_message
        self.received.append(
            (
                envelope.mail_from,
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=policy.default),
            )
        )
        return "250 Message accepted for delivery"


@dataclass
class Server:
    inbox: Inbox
    port: int


def start(inbox: Inbox, **kwargs) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller
