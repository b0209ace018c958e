"""Helpers for the mailbox tests: a Dovecot for the session, a workspace pointed at a fresh mailbox
on it, and messages built as mail programs build them."""

from __future__ import annotations

import dataclasses
import itertools
import os
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import imap_server
import pytest

from pipeline.domain.settings import MailboxSettings

PASSWORD_ENV = "PIPELINE_TEST_IMAP_PASSWORD"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
CYP = "cyp.partnership@brackenford.example.org"  # the CYP partnership's registered address
CSP = "safer.brackenford@brackenford.example.org"
_users = itertools.count(1)


def new_user() -> str:
    """A mailbox nobody has used: Dovecot makes its folder at the first login."""
    return f"returns{os.getpid()}-{next(_users)}"


def settings(server: imap_server.Dovecot, user: str, **changes) -> MailboxSettings:
    base = MailboxSettings(
        host=server.host,
        port=server.port,
        security="none",
        username=user,
        password_env=PASSWORD_ENV,
        deadline_seconds=30,
    )
    return dataclasses.replace(base, **changes)


def point_at(workspace, server: imap_server.Dovecot, user: str, **changes) -> None:
    """Give the workspace's config a [mailbox] on the test server."""
    workspace.config = dataclasses.replace(workspace.config, mailbox=settings(server, user, **changes))


def letter(
    *,
    sender: str = CYP,
    subject: str = "Our Q1 return",
    attachments: list[tuple[str, bytes]] | None = None,
    headers: dict[str, str] | None = None,
    when: datetime = datetime(2025, 7, 10, 8, 15, tzinfo=UTC),
) -> bytes:
    """A message as a mail program sends it: text, then each attachment (name, bytes)."""
    message = EmailMessage()
    message["From"] = f"Daniel Price <{sender}>" if sender else "<>"
    message["To"] = "returns@brackenford.example.org"
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content("Please find our return attached.\n")
    for name, data in attachments or []:
        message.add_attachment(data, maintype=XLSX[0], subtype=XLSX[1], filename=name)
    return message.as_bytes()


def config_text(text: str, server: imap_server.Dovecot, user: str, extra: str = "") -> str:
    """A config.toml's text with its [mailbox] section pointed at the test server."""
    head, _, rest = text.partition("[mailbox]\n")
    section, _, tail = rest.partition("[board_paper]")
    for old, new in (
        ('host = ""', f'host = "{server.host}"'),
        ("port = 993", f"port = {server.port}"),
        ('security = "tls"', 'security = "none"'),
        ('username = ""', f'username = "{user}"'),
        ('password_env = "PIPELINE_IMAP_PASSWORD"', f'password_env = "{PASSWORD_ENV}"'),
    ):
        assert old in section, old
        section = section.replace(old, new, 1)
    return f"{head}[mailbox]\n{section}{extra}\n[board_paper]{tail}"


def inbox_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


@pytest.fixture
def box(workspace, dovecot, monkeypatch):
    """The workspace pointed at a fresh mailbox on the test Dovecot: (workspace, server, user)."""
    monkeypatch.setenv(PASSWORD_ENV, "correct-horse-battery")
    user = new_user()
    point_at(workspace, dovecot, user)
    return workspace, dovecot, user


def fetch(workspace):
    """One fetch from the workspace's mailbox into its inbox, as a pass begins."""
    from pipeline.intake.mailbox.fetch import fetch_mail

    with workspace.store() as store:
        return fetch_mail(workspace.config, store, lambda: workspace.register, now=lambda: workspace.now)
