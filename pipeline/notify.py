"""Sending what the reminder planner and the ingest outcomes call for, recording
each message in the store so nothing is sent twice and failures are retried.

A message is recorded as queued before it is sent and as sent after; a mail
server that is down marks it failed, and the next pass plans and sends it again
(reminders are planned from what is recorded as sent; acknowledgements and
feedback stay due until their message has gone).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from pipeline.config import Config
from pipeline.errors import MailError
from pipeline.mail import Mailer, compose
from pipeline.periods import Period
from pipeline.records import Register
from pipeline.reminders import (
    BoardContact,
    PlannedMessage,
    plan_acknowledgement,
    plan_feedback,
    plan_reminders,
    plan_templates_out,
)
from pipeline.store import FileRecord, Store

log = logging.getLogger(__name__)


@dataclass
class Sent:
    sent: list[str] = field(default_factory=list)  # message keys
    failed: list[str] = field(default_factory=list)


class Notifier:
    """Plans, renders, records and sends the pipeline's e-mails."""

    def __init__(self, config: Config, store: Store, *, now: Callable[[], datetime], dry_run: bool = False) -> None:
        self.config = config
        self.store = store
        self.now = now
        self.dry_run = dry_run
        self.mailer = Mailer(config.mail, folder=config.paths.outbox / "mail", clock=now, dry_run=dry_run)
        self.board = BoardContact.from_config(config)
        self.result = Sent()

    def send(self, planned: PlannedMessage) -> bool:
        """Send one planned message unless it was sent before; False if it failed."""
        key = f"{planned.period.slug}/{planned.partnership}/{planned.key}"
        if self.dry_run:  # a preview: written to outbox/mail, recorded nowhere, so the real send still happens
            try:
                self.mailer.send(compose(planned, self.config.paths.templates / "mail"))
            except MailError as exc:
                log.warning("Could not write the preview of %s: %s", key, exc)
                self.result.failed.append(key)
                return False
            self.result.sent.append(key)
            return False
        record = self.store.message(key)
        if record is not None and record.status == "sent":
            return True
        message = compose(planned, self.config.paths.templates / "mail")
        self.store.queue_message(key=key, kind=planned.kind.value, partnership=planned.partnership,
                                 period=str(planned.period), recipients=", ".join(message.to + message.cc),
                                 subject=message.subject, created_at=_iso(self.now()))
        try:
            sent = self.mailer.send(message)
        except MailError as exc:
            log.warning("Could not send %s (%s); it will be tried again on the next pass", key, exc)
            self.store.message_failed(key, str(exc))
            self.result.failed.append(key)
            return False
        self.store.message_sent(key, sent_at=_iso(sent.sent_at), location=str(sent.path or ""))
        self.result.sent.append(key)
        return True

    def outcome(self, record: FileRecord, feedback: list[Path], register: Register) -> bool:
        """Acknowledge an accepted return or send feedback on a rejected one; True when done."""
        partnership = register.partnership(record.partnership) if record.partnership else None
        if partnership is None or not record.period:
            return True  # nobody to tell: the sender is unknown (not a return)
        from pipeline.periods import parse_period

        period = parse_period(record.period)
        received = date.fromisoformat(record.received_at[:10])
        findings = self.store.findings_for(record.id)
        settings = self.config.calendar
        if record.verdict == "accepted":
            planned = plan_acknowledgement(
                period=period, partnership=partnership, submission=str(record.id), received=received,
                warnings=[f for f in findings if f.severity == "warning"], settings=settings, board=self.board)
        else:
            workbook = next((p for p in feedback if p.suffix == ".xlsx"), None) or feedback[0]
            planned = plan_feedback(period=period, partnership=partnership, submission=str(record.id),
                                    received=received, findings=findings, annotated=workbook,
                                    settings=settings, board=self.board)
        return planned is None or self.send(planned)

    def chase(self, register: Register, today: date) -> Sent:
        """Send the templates-out messages and reminders due today for the live period."""
        from pipeline.calendar import live_periods

        for period in live_periods(today, self.config.calendar):
            self._chase_period(register, period, today)
        return self.result

    def _chase_period(self, register: Register, period: Period, today: date) -> None:
        accepted = {s.partnership for s in self.store.submissions(period=str(period), counting_only=True)}
        already = {(m.partnership, m.key.rsplit("/", 1)[-1]) for m in self.store.messages(period=str(period))
                   if m.status == "sent"}
        settings = self.config.calendar
        workbooks = self._templates(register, period)
        planned = plan_templates_out(period=period, today=today, settings=settings,
                                     partnerships=register.partnerships, workbooks=workbooks, accepted=accepted,
                                     already_sent=already, board=self.board)
        planned += plan_reminders(period=period, today=today, settings=settings,
                                  partnerships=register.partnerships, accepted=accepted, already_sent=already,
                                  board=self.board)
        for message in planned:
            self.send(message)

    def _templates(self, register: Register, period: Period) -> dict[str, Path]:
        """The period's return workbooks, made now if they have not been."""
        from pipeline.template_layout import template_filename
        from pipeline.templates import template_folder, write_templates

        folder = template_folder(self.config, period)
        paths = {p.short_name: folder / template_filename(p.short_name, period) for p in register.partnerships}
        missing = [short for short, path in paths.items() if not path.exists()]
        if missing:
            write_templates(self.config, register, period, missing, history=self.store.actuals())
        return paths


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
