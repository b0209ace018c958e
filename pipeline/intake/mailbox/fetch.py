"""Fetching the returns mailbox into the inbox, exactly once, at the start of every pass.

A message is new when its UID (with the folder's UIDVALIDITY) is not in the store, whatever its read
flag: officers read the shared mailbox too. For each new message, in this order:

1. its body is fetched (BODY.PEEK: the read flag is left as it was) and judged (`judge`);
2. it is recorded in the store with the attachments it will write, in one commit;
3. each attachment is written (beside its place under a hidden name, then linked into place, so a
   reader never sees half a file and nothing is overwritten) and marked written;
4. it is moved to the processed folder, and marked moved.

A kill between any two steps leaves the next pass a message recorded but not finished: it writes
what is not yet written (fetching the message again) and moves it. An attachment already in the
inbox, or taken in from it since, is never written twice; a message never recorded is simply new
again. The same attachment in two messages is two files, and the second a duplicate, as for files.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.domain import mailbox as mb
from pipeline.domain.clock import iso
from pipeline.domain.errors import MailboxError
from pipeline.domain.mailbox import MailRecord
from pipeline.domain.records import Register
from pipeline.domain.settings import Config, MailboxSettings
from pipeline.intake.mailbox.imap import Conversation, Summary
from pipeline.intake.mailbox.parse import Letter, read_letter
from pipeline.intake.mailbox.senders import allowed
from pipeline.intake.screen.safety import Limits
from pipeline.store import Store
from pipeline.support.atomic import inside

log = logging.getLogger(__name__)

INBOX = "inbox/"  # an attachment's location in the store, for the inbox (the others are under state/)
HELD_FOLDER = "quarantine/mail"


@dataclass
class FetchReport:
    """What a pass took from the mailbox."""

    written: list[str] = field(default_factory=list)  # inbox names of the attachments written
    held: list[str] = field(default_factory=list)  # attachments kept in quarantine (sender not allowed)
    messages: list[str] = field(default_factory=list)  # one line a message handled: outcome, sender, subject
    failure: MailboxError | None = None  # the mailbox could not be read (the pass goes on without it)


@dataclass(frozen=True)
class Judgement:
    outcome: str
    reason: str


def mailbox_name(settings: MailboxSettings) -> str:
    return f"{settings.username}@{settings.host}/{settings.folder}"


def judge(letter: Letter, *, may_send: bool, too_large: bool = False) -> Judgement:
    """What becomes of a message. Nobody is answered who is a machine (so replies cannot loop) or is
    not allowed to send returns (so spam with a forged sender brings no reply to a stranger)."""
    answer = may_send and not letter.automatic
    if letter.bounce:
        return Judgement(mb.IGNORED, "a delivery report or a message with no sender: never taken or answered")
    if too_large:
        return Judgement(mb.TOO_LARGE if answer else mb.IGNORED, "larger than mailbox.max_message_mb")
    if letter.problem == mb.UNREADABLE:
        return Judgement(mb.UNREADABLE if answer else mb.IGNORED, f"its MIME structure is broken ({letter.detail})")
    if letter.problem == mb.TOO_MANY:
        return Judgement(mb.TOO_MANY if answer else mb.IGNORED, f"it has {letter.detail}")
    if letter.attachments:
        if may_send:
            return Judgement(mb.TAKEN, f"{len(letter.attachments)} spreadsheet(s) taken into the inbox")
        return Judgement(
            mb.HELD,
            f"{letter.sender or 'an unknown sender'} is not on the register's Partnerships sheet or in "
            "mailbox.allowed_senders",
        )
    if letter.winmail:
        return Judgement(mb.WINMAIL if answer else mb.IGNORED, "only a winmail.dat, which hides the workbook")
    return Judgement(mb.NO_ATTACHMENT if answer else mb.IGNORED, "no spreadsheet attached")


def fetch_mail(
    config: Config,
    store: Store,
    register: Callable[[], Register],
    *,
    now: Callable[[], datetime],
    conversation: Callable[..., Conversation] = Conversation,
    hangup: Any = None,
) -> FetchReport:
    """Take every new message of the mailbox (and finish those a killed pass left); a mailbox that
    cannot be read is reported in FetchReport.failure and the pass goes on with the inbox.

    `hangup` (pipeline.chasing.sending.Hangup, passed down by the runtime) lets a signal handler end
    the conversation in progress, as it ends an SMTP one: once called, no conversation starts."""
    report = FetchReport()
    settings = config.mailbox
    if not settings.enabled or (hangup is not None and hangup.called):
        return report
    name = mailbox_name(settings)
    register = functools.cache(register)  # read once a pass, and only when a new message comes
    for record in store.mail_unfinished(name):  # needs no server: what a killed pass wrote is in place
        _found_written(config, store, record)
    imap = conversation(settings)
    if hangup is not None:
        hangup.conversation = imap
    try:
        with imap:
            for record in store.mail_unfinished(name):
                _finish(config, store, imap, record, report)
            known = store.mail_known(name, imap.uidvalidity)
            new = [uid for uid in imap.uids() if uid not in known]
            if new:
                log.info("%d new message(s) in the returns mailbox %s", len(new), name)
            for summary in imap.summaries(new):
                _take(config, store, imap, summary, register(), now, report)
    except MailboxError as exc:
        log.warning("%s", exc)
        report.failure = exc
    finally:
        if hangup is not None:
            hangup.conversation = None
    return report


@dataclass(frozen=True)
class Preview:
    """What a pass would do with one new message (`pipeline mailbox check`)."""

    uid: int
    sender: str
    subject: str
    date: str
    outcome: str
    reason: str
    names: tuple[str, ...]  # the spreadsheets it would take (or hold)


def check_mailbox(
    config: Config,
    store: Store | None,
    register: Register,
    *,
    conversation: Callable[..., Conversation] = Conversation,
) -> list[Preview]:
    """Log in and say what the next pass would take from each new message, changing nothing: the folder is
    opened read-only (EXAMINE) and bodies fetched with BODY.PEEK, so no read flag is set; nothing is recorded.
    `store` None: there is no store yet (every message is new), and none is made."""
    settings = config.mailbox
    limits = Limits(max_file_bytes=config.ingest.max_file_mb * 1024 * 1024)
    previews = []
    with conversation(settings, readonly=True) as imap:
        known = store.mail_known(mailbox_name(settings), imap.uidvalidity) if store else set()
        for summary in imap.summaries([uid for uid in imap.uids() if uid not in known]):
            too_large = summary.size > settings.max_message_mb * 1024 * 1024
            raw = imap.fetch(summary.uid, headers_only=too_large)
            if raw is None:
                continue
            letter = read_letter(raw, max_attachments=settings.max_attachments, limits=limits)
            verdict = judge(letter, may_send=allowed(letter.sender, settings, register), too_large=too_large)
            names = tuple(a.name for a in letter.attachments) if verdict.outcome in (mb.TAKEN, mb.HELD) else ()
            previews.append(
                Preview(summary.uid, letter.sender, letter.subject, letter.date, verdict.outcome, verdict.reason, names)
            )
    return previews


def _take(
    config: Config,
    store: Store,
    imap: Conversation,
    summary: Summary,
    register: Register,
    now: Callable[[], datetime],
    report: FetchReport,
) -> None:
    settings = config.mailbox
    limits = Limits(max_file_bytes=config.ingest.max_file_mb * 1024 * 1024)
    too_large = summary.size > settings.max_message_mb * 1024 * 1024
    raw = imap.fetch(summary.uid, headers_only=too_large)
    if raw is None:  # moved or deleted by someone else since the folder was listed
        return
    letter = read_letter(raw, max_attachments=settings.max_attachments, limits=limits)
    if too_large:
        letter = Letter(letter.sender, letter.subject, letter.date, letter.automatic, letter.bounce, (), False)
    verdict = judge(letter, may_send=allowed(letter.sender, settings, register), too_large=too_large)
    fetched = now()
    planned = _places(config, store, letter, verdict, summary.uid, fetched) if letter.attachments else []
    if verdict.outcome not in (mb.TAKEN, mb.HELD):
        planned = []
    message_id = store.record_mail(
        mailbox=mailbox_name(settings),
        uidvalidity=imap.uidvalidity,
        uid=summary.uid,
        sender=letter.sender,
        subject=letter.subject,
        date=letter.date,
        fetched_at=iso(fetched),
        arrived_at=_arrived(summary.internal_date),
        outcome=verdict.outcome,
        reason=verdict.reason,
        attachments=[(a.name, place, _sha(a.data)) for a, place in planned],
    )
    line = f"{verdict.outcome}: message {summary.uid} from {letter.sender or 'nobody'} ({letter.subject!r}): {verdict.reason}"
    log.info("Mailbox %s", line)
    report.messages.append(line)
    record = store.mail_message(message_id)
    _write(config, store, record, [a.data for a, _place in planned], report)
    _move(config, store, imap, record)


def _places(config: Config, store: Store, letter: Letter, verdict, uid: int, fetched: datetime) -> list:
    """Where each attachment goes: the inbox under its own name, made unique against the inbox and
    every attachment promised a place but not yet taken in; or, held, the mail quarantine."""
    if verdict.outcome == mb.HELD:
        stamp = f"{fetched:%Y%m%dT%H%M%SZ}"
        return [(a, f"{HELD_FOLDER}/{stamp}-{uid}-{n}-{a.name}") for n, a in enumerate(letter.attachments)]
    inbox = config.paths.inbox
    taken = {p.name.casefold() for p in inbox.iterdir()} if inbox.is_dir() else set()
    taken |= {loc[len(INBOX) :].casefold() for loc in store.mail_names_pending() if loc.startswith(INBOX)}
    places = []
    for attachment in letter.attachments:
        name, copy = attachment.name, 1
        stem, dot, suffix = name.rpartition(".")
        while name.casefold() in taken:
            copy += 1
            name = f"{stem} ({copy}){dot}{suffix}"
        taken.add(name.casefold())
        places.append((attachment, INBOX + name))
    return places


def _path(config: Config, location: str) -> Path:
    if location.startswith(INBOX):
        return inside(config.paths.inbox, location[len(INBOX) :])
    return inside(config.paths.state, location)


def _found_written(config: Config, store: Store, record: MailRecord) -> None:
    """Mark written the attachments a killed pass wrote but did not mark, and remove what it left half-written."""
    for attachment in record.attachments:
        if attachment.written:
            continue
        path = _path(config, attachment.location)
        for partial in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
            partial.unlink(missing_ok=True)
        if path.is_file() and _sha(path.read_bytes()) == attachment.sha256:
            store.mail_written(record.id, attachment.seq)


def _finish(config: Config, store: Store, imap: Conversation, record: MailRecord, report: FetchReport) -> None:
    """Carry a message a killed (or failed) pass recorded to its end: write what is missing, move it."""
    if record.uidvalidity != imap.uidvalidity:
        log.error(
            "Message %d of the returns mailbox was recorded under another UIDVALIDITY (%d, now %d): the server "
            "renumbered the folder, so it cannot be found again. Its attachments not yet written (%s) must be "
            "saved from the mailbox by hand.",
            record.uid,
            record.uidvalidity,
            imap.uidvalidity,
            ", ".join(a.name for a in record.attachments if not a.written) or "none",
        )
        store.mail_stage(record.id, mb.GONE)
        return
    record = store.mail_message(record.id)
    missing = [a for a in record.attachments if not a.written]
    data: list[bytes] = []
    if missing:
        raw = imap.fetch(record.uid)
        if raw is None:
            log.error(
                "Message %d from %s (%r) left the returns mailbox before its attachments %s were written: save them "
                "from the mailbox by hand.",
                record.uid,
                record.sender,
                record.subject,
                ", ".join(a.name for a in missing),
            )
            store.mail_stage(record.id, mb.GONE)
            return
        letter = read_letter(raw, max_attachments=config.mailbox.max_attachments)
        data = [a.data for a in letter.attachments]
    log.info("Finishing message %d from %s, left part-way by an interrupted pass", record.uid, record.sender)
    _write(config, store, record, data, report)
    _move(config, store, imap, record)


def _write(config: Config, store: Store, record: MailRecord, data: list[bytes], report: FetchReport) -> None:
    """Write each attachment not yet written, then mark the message written."""
    for attachment in record.attachments:
        if attachment.written:
            continue
        body = data[attachment.seq] if attachment.seq < len(data) else None
        if body is None or _sha(body) != attachment.sha256:
            raise MailboxError(
                f"Message {record.uid} from {record.sender} no longer holds the attachment {attachment.name} "
                "it held when it was recorded.",
                fix="Save the attachment from the mailbox into the inbox by hand.",
            )
        path = _path(config, attachment.location)
        _place(path, body, settle=config.ingest.settle_seconds)
        store.mail_written(record.id, attachment.seq)
        (report.written if attachment.location.startswith(INBOX) else report.held).append(attachment.name)
    if record.outcome == mb.HELD and record.attachments:
        reason = _path(config, record.attachments[0].location).with_name(
            f"{record.fetched_at[:19].replace(':', '')}-{record.uid}.reason.txt"
        )
        reason.write_text(
            f"From {record.sender}, {record.subject!r}: held, not counted: {record.reason}.\n"
            "If the sender may send returns, add the address (or its domain) to mailbox.allowed_senders in "
            "config.toml, or to the register's Partnerships sheet, and put the attachments in the inbox.\n",
            encoding="utf-8",
        )
    store.mail_stage(record.id, mb.WRITTEN)


def _place(path: Path, body: bytes, *, settle: float) -> None:
    """Write `body` at `path`, never over another file, and dated as settled so this pass takes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")  # hidden: the pass ignores it
    try:
        with open(temp, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        past = time.time() - settle - 1
        os.utime(temp, (past, past))
        try:
            os.link(temp, path)  # fails if a file is there: nothing is ever overwritten
        except FileExistsError:
            if path.read_bytes() != body:
                raise MailboxError(
                    f"{path} appeared in the inbox, with other contents, while an attachment of that name was "
                    "being written.",
                    fix="Rename or move that file; the attachment is written on the next pass.",
                ) from None
    finally:
        temp.unlink(missing_ok=True)


def _move(config: Config, store: Store, imap: Conversation, record: MailRecord) -> None:
    imap.move(record.uid, config.mailbox.processed_folder)
    store.mail_stage(record.id, mb.MOVED)


def _arrived(internal_date: str) -> str:
    """The server's INTERNALDATE ('10-Jul-2025 08:20:00 +0100') as the store keeps times, or ""."""
    import imaplib
    from datetime import UTC

    try:
        parts = imaplib.Internaldate2tuple(f'INTERNALDATE "{internal_date}"'.encode("ascii"))
    except (ValueError, UnicodeEncodeError, OverflowError):
        return ""
    if parts is None:
        return ""
    return iso(datetime.fromtimestamp(time.mktime(parts), UTC))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
