"""Answers to the returns mailbox: a short reply to a sender whose message brought no return they
could count (nothing attached, only a winmail.dat, too large, too many attachments, unreadable),
and a message to the board officer about a return held because its sender may not send returns.

The fetch decided who is owed what (pipeline.intake.mailbox.fetch.judge: never a machine, never a
stranger); each message is recorded as sent under its own key, so it goes once, and at least once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from pipeline.chasing.reminders import MAX_FINDINGS_LISTED, BoardContact, MessageKind, PlannedMessage, addresses
from pipeline.domain import mailbox as mb
from pipeline.domain.findings import ERROR, Finding
from pipeline.domain.history import FileRecord
from pipeline.domain.mailbox import MailOrigin, MailRecord
from pipeline.domain.periods import last_completed
from pipeline.domain.records import Register
from pipeline.domain.wording import clean_name, letter_date, uk_day

log = logging.getLogger(__name__)

PARTNERSHIP = "mailbox"  # the partnership part of these messages' keys: they are about no one return


def plan_mail_answer(
    record: MailRecord, register: Register, board: BoardContact, *, max_message_mb: int, max_attachments: int, kept: str
) -> PlannedMessage | None:
    """The reply a message owes its sender, or the board officer's message about a held return; None
    when there is nobody to write to."""
    fetched = uk_day(record.fetched_at) or date.fromisoformat(record.fetched_at[:10])
    context = {
        "board": board,
        "sender": record.sender,
        "subject": record.subject or "(no subject)",
        "received": letter_date(fetched),
        "problem": record.outcome,
        "reason": record.reason,
        "max_message_mb": max_message_mb,
        "max_attachments": max_attachments,
        "kept": kept,
        "files": [a.name for a in record.attachments],
        "partnerships": [p.name for p in register.partnerships],
    }
    if record.outcome == mb.HELD:
        to, kind, template = addresses(board.officer_email), MessageKind.MAILBOX_HELD, "mailbox-held.txt"
        if not to:
            log.error(
                "A return e-mailed by %s (%r) is held in %s, as the sender may not send returns, and nobody can be "
                "told: set organisation.board_officer_email in config.toml.",
                record.sender,
                record.subject,
                kept,
            )
            return None
    else:
        to, kind, template = (record.sender,), MessageKind.MAILBOX_REPLY, "mailbox-reply.txt"
    return PlannedMessage(
        kind=kind,
        key=f"{kind.value}-{record.id}",
        partnership=PARTNERSHIP,
        period=last_completed(fetched),
        to=to,
        cc=(),
        template=template,
        context=context,
    )


def plan_unrecognised(
    record: FileRecord, origin: MailOrigin, findings: Sequence[Finding], board: BoardContact
) -> PlannedMessage:
    """The feedback on an e-mailed file that was rejected before it said whose return it is (not a return,
    damaged, another partnership's name not in the register): its sender is the one person to tell."""
    received = uk_day(record.received_at) or date.fromisoformat(record.received_at[:10])
    context = {
        "board": board,
        "sender": origin.sender,
        "subject": origin.subject or "(no subject)",
        "received": letter_date(received),
        "problem": "not-a-return",
        "reason": record.reason,
        "file": clean_name(record.name),
        "findings": [f.line() for f in findings if f.severity == ERROR][:MAX_FINDINGS_LISTED],
        "max_message_mb": 0,
        "max_attachments": 0,
        "kept": "",
        "files": [clean_name(record.name)],
        "partnerships": [],
    }
    return PlannedMessage(
        kind=MessageKind.MAILBOX_REPLY,
        key=f"mailbox-feedback-{record.id}",
        partnership=PARTNERSHIP,
        period=last_completed(received),
        to=(origin.sender,),
        cc=(),
        template="mailbox-reply.txt",
        context=context,
    )


def tell_sender(notifier, record: FileRecord, findings: Sequence[Finding]) -> bool:
    """Feedback to whoever e-mailed a file rejected before it said whose return it is (a Notifier sends
    and records it); True when done, or when there is nobody to tell (it was not e-mailed in)."""
    from pipeline.domain.verdicts import Verdict

    origin = notifier.store.mail_origin(record.id)
    if origin is None or not origin.sender or record.verdict != Verdict.REJECTED:
        return True
    return notifier.send(plan_unrecognised(record, origin, findings, notifier.board))


def answer_mail(notifier, register: Register) -> None:
    """Send every answer the mailbox's messages owe (a Notifier records each and retries a failure)."""
    config = notifier.config
    for record in notifier.store.mail_replies_due():
        kept = str(config.paths.state / "quarantine" / "mail")
        planned = plan_mail_answer(
            record,
            register,
            notifier.board,
            max_message_mb=config.mailbox.max_message_mb,
            max_attachments=config.mailbox.max_attachments,
            kept=kept,
        )
        if (planned is None or notifier.send(planned)) and not notifier.dry_run:
            notifier.store.mail_replied(record.id)
