"""E-mail: render templates/mail/*.txt with Jinja2 and build RFC 5322 messages (sending.py
sends them by SMTP or writes them as .eml files).

Messages are deterministic: the Date comes from an injected clock, the Message-ID
and MIME boundary from a hash of the message's identity (period, partnership, key).
A message sent again (after a failure, or by a pass killed before it recorded the
server's acceptance) therefore keeps its Message-ID, by which a mail program or a
reader can tell it is a repeat; its Date is that of the pass that sent it.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jinja2

from pipeline.chasing.reminders import MessageKind, PlannedMessage
from pipeline.domain.errors import MailError, TemplateError
from pipeline.domain.periods import Period
from pipeline.domain.wording import one_line, shown_name

log = logging.getLogger(__name__)

MAIL_TEMPLATES = "mail"  # the e-mail templates' folder inside paths.templates

# mimetypes reads the system's tables, which differ between machines; the types
# the pipeline attaches are pinned so every machine sends the same headers.
_MIME_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
}


@dataclass(frozen=True)
class Message:
    """A rendered e-mail, ready to send."""

    kind: MessageKind
    key: str
    partnership: str  # short name
    period: Period
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[Path, ...] = ()

    @property
    def identity(self) -> str:
        """Unique per message the pipeline can send: '2025-26-Q3/CSP/overdue-3'."""
        return f"{self.period.slug}/{self.partnership}/{self.key}"


@dataclass(frozen=True)
class SentRecord:
    """What the store records about a message that went out (or was written to a file)."""

    kind: MessageKind
    key: str
    partnership: str
    period: Period
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    message_id: str
    sent_at: datetime
    transport: str  # "smtp" or "files"
    path: Path | None = None  # the .eml file, in files mode
    refused: tuple[str, ...] = ()  # recipients the server refused while accepting others


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: str) -> jinja2.Environment:
    """One environment per folder, so each template is compiled once per run (it is re-read if edited)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain-text mail: HTML escaping would show as &amp; in the message
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(templates_dir: Path, name: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render templates_dir/name; return (subject, body).

    The template's first line is `Subject: ...`, then the body. Any name the
    template uses that the context lacks is an error (StrictUndefined), so a typo
    never sends an e-mail with a hole in it.
    """
    path = Path(templates_dir) / name
    try:
        text = _environment(str(templates_dir)).get_template(name).render(**context)
    except jinja2.TemplateNotFound:
        raise TemplateError(
            f"The e-mail template {path} does not exist.",
            fix="Restore it from the project's templates/mail/ folder, or correct paths.templates in config.toml.",
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"The e-mail template {path}, line {exc.lineno}, is broken: {exc.message}.",
            fix="Correct that line; compare it with the copy shipped in templates/mail/.",
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"The e-mail template {path}{_line_of(exc, path)} uses something the pipeline "
            f"does not provide: {exc.message}.",
            fix=f"Use only these names: {', '.join(sorted(context))}.",
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        raise TemplateError(
            f"The e-mail template {path}{_line_of(exc, path)} failed: {exc}.",
            fix="Correct the template; compare it with the copy shipped in templates/mail/.",
        ) from None
    first, _, body = text.partition("\n")
    label, colon, subject = first.partition(":")
    # Cleaned and collapsed: a line break or bidi override in a register name stays out of the header.
    subject = " ".join(one_line(subject).split())
    if not colon or label.strip().casefold() != "subject" or not subject:
        raise TemplateError(
            f"The e-mail template {path} must start with the subject line, but its first line is {first!r}.",
            fix="Make the first line `Subject: ...` and start the message on the line after it.",
        )
    return subject, body.strip("\n") + "\n"


def _line_of(exc: BaseException, path: Path) -> str:
    """', line N' from the template's frame in the traceback, which Jinja rewrites to template lines."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename) == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f", line {line}," if line else ""


def compose(planned: PlannedMessage, templates_dir: Path) -> Message:
    """Render a planned message into a Message (templates_dir is templates/mail)."""
    subject, body = render(templates_dir, planned.template, planned.context)
    return Message(
        kind=planned.kind,
        key=planned.key,
        partnership=planned.partnership,
        period=planned.period,
        to=planned.to,
        cc=planned.cc,
        subject=subject,
        body=body,
        attachments=planned.attachments,
    )


def mime_type(path: Path) -> str:
    return _MIME_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _digest(message: Message) -> str:
    return hashlib.sha256(message.identity.encode("utf-8")).hexdigest()


def message_id(message: Message, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{_digest(message)[:32]}@{domain}>"


# Headers are not folded at 78 characters: Python's folding moves a whole long Subject onto a
# continuation line ("Subject:" then " Thank you..."), which some mail programs show with a
# leading space. RFC 5322 allows lines of up to 998 characters; no header here comes near that.
POLICY = policy.default.clone(max_line_length=998)


def build_email(message: Message, *, sender: str, reply_to: str, when: datetime) -> EmailMessage:
    """The RFC 5322 message; the same inputs always give the same bytes."""
    email = EmailMessage(policy=POLICY)
    email["From"] = sender
    email["To"] = ", ".join(message.to)
    if message.cc:
        email["Cc"] = ", ".join(message.cc)
    if reply_to:
        email["Reply-To"] = reply_to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(when if when.tzinfo else when.astimezone())
    email["Message-ID"] = message_id(message, sender)
    # Lets an officer trace a message in the mailbox back to the pipeline's record of it.
    email["X-Pipeline-Message"] = message.identity
    email.set_content(message.body)
    for path in message.attachments:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise MailError(
                f"Could not attach {path} to '{message.subject}': {exc.strerror or exc}.",
                fix="Make the file again (it is an output of an earlier step); the message will be retried.",
            ) from None
        maintype, _, subtype = mime_type(path).partition("/")
        email.add_attachment(data, maintype=maintype, subtype=subtype, filename=shown_name(path))
    if message.attachments:
        # The default boundary is random, which would make the message differ on every build.
        email.set_boundary(f"=_pipeline_{_digest(message)[:40]}")
    return email


def eml_name(message: Message) -> str:
    """'2025-26-Q3_CSP_reminder_overdue-3.eml': stable, so a re-run overwrites rather than duplicates."""
    parts = (message.period.slug, message.partnership, message.kind.value, message.key)
    return "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", part).strip("-") for part in parts) + ".eml"
