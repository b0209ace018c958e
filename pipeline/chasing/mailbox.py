"""Answers to the returns mailbox: a short reply to a sender whose message brought no return they
could count (nothing attached, only a winmail.dat, too large, too many attachments, unreadable),
and a message to the board officer about a return held because its sender may not send returns.

The fetch decided who is owed what (pipeline.intake.mailbox.fetch.judge: never a machine, never a
stranger); each message is recorded as sent under its own key, so it goes once, and at least once.
"""

from __future__ import annotations

import logging
from datetime import date

from pipeline.chasing.reminders import BoardContact, MessageKind, PlannedMessage, addresses
from pipeline.domain import mailbox as mb
from pipeline.domain.mailbox import MailRecord
from pipeline.domain.periods import last_completed
from pipeline.domain.records import Register
from pipeline.domain.wording import letter_date, uk_day

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
