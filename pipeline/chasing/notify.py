"""Sending what the reminder planner and the ingest outcomes call for, recording
each message in the store so that one sent is not sent again and failures are retried.

A message is recorded as queued before it is sent and as sent after; a mail
server that is down marks it failed, and the next pass plans and sends it again
(reminders are planned from what is recorded as sent; acknowledgements and
feedback stay due until their message has gone).

The guarantee is at least once, not exactly once: a pass killed after the server
accepted a message but before the store recorded it sends it again on the next
pass, under the same Message-ID (mail.message_id), which is how a repeat can be told.

A message the server refuses for good (5xx: no such mailbox, rejected) is marked
refused, with the addresses it was refused for. It is not tried again while it
would go to those same addresses, and is sent on the first pass after the address
is corrected. Feedback refused like that counts as given: the officer is told once
to correct the address and forward the feedback files by hand.

A dry run changes nothing: previews go to outbox/mail/dry-run/ (never beside, or
over, the real messages in outbox/mail/), nothing is recorded in the store, and
return templates not yet made are not made (the preview lacks that attachment).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pipeline.chasing.mail import compose
from pipeline.chasing.reminders import (
    BoardContact,
    MessageKind,
    PlannedMessage,
    plan_acknowledgement,
    plan_feedback,
    plan_internal_error,
    plan_reminders,
    plan_templates_out,
)
from pipeline.chasing.sending import Hangup, Mailer
from pipeline.domain.calendar import part_quarter, sent_days
from pipeline.domain.clock import iso
from pipeline.domain.errors import ExitStatus, Failure, MailError, MailRefused, failure_of
from pipeline.domain.history import FileRecord
from pipeline.domain.periods import Period
from pipeline.domain.records import Register
from pipeline.domain.settings import Config
from pipeline.domain.verdicts import Verdict
from pipeline.domain.wording import clean_name, uk_day
from pipeline.store import STOPS_THE_PASS, Store

log = logging.getLogger(__name__)

DRY_RUN_FOLDER = "dry-run"  # inside outbox/mail/


@dataclass
class Sent:
    """What a pass did with its messages, by message key (in a dry run, `sent` holds what would be sent)."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # not sent this pass: retried, or refused (below)
    refused: list[str] = field(default_factory=list)  # refused for good this pass: the address needs correcting
    held: list[str] = field(default_factory=list)  # refused before and not tried again: addresses unchanged
    # failed for another reason than the mail server (a broken template, a fault in the pipeline): also in `failed`
    problems: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class Attempt:
    """One planned message's fate this pass."""

    key: str
    # sent (now or before), failed, refused (just now), held (refused before), previewed (dry run)
    status: Literal["sent", "failed", "refused", "held", "previewed"]
    refusal: MailRefused | None = None

    @property
    def done(self) -> bool:
        """Nothing more to do: a failure is tried again, and a preview leaves the real send to come."""
        return self.status in ("sent", "refused", "held")


class Notifier:
    """Plans, renders, records and sends the pipeline's e-mails."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        now: Callable[[], datetime],
        dry_run: bool = False,
        hangup: Hangup | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.now = now
        self.dry_run = dry_run
        folder = config.paths.outbox / "mail"
        self.mailer = Mailer(
            config.mail,
            folder=folder / DRY_RUN_FOLDER if dry_run else folder,
            clock=now,
            dry_run=dry_run,
            hangup=hangup,
        )
        self.board = BoardContact.from_config(config)
        self.result = Sent()

    def send(self, planned: PlannedMessage) -> bool:
        """Send one planned message unless it was sent (or refused for the same addresses) before;
        False if it failed and will be tried again."""
        attempt = self._attempt(planned)
        if attempt.refusal is not None:
            log.error("The mail server refused %s: %s", attempt.key, attempt.refusal)
        return attempt.done

    def _attempt(self, planned: PlannedMessage) -> Attempt:
        """Send and record one planned message; the caller tells the officer about a refusal."""
        key = f"{planned.period.slug}/{planned.partnership}/{planned.key}"
        if self.dry_run:  # a preview: written to outbox/mail/dry-run, recorded nowhere, so the real send still happens
            missing = [path for path in planned.attachments if not path.exists()]
            for path in missing:
                log.info("%s: %s is not made in a dry run, so the preview lacks it", key, path)
            try:
                preview = replace(planned, attachments=tuple(p for p in planned.attachments if p not in missing))
                self.mailer.send(compose(preview, self.config.paths.templates / "mail"))
            except MailError as exc:
                log.warning("Could not write the preview of %s: %s", key, exc)
                self.result.failed.append(key)
                return Attempt(key, "failed")
            except Exception as exc:
                return self._broken(key, exc, queued=False)
            self.result.sent.append(key)
            return Attempt(key, "previewed")
        record = self.store.message(key)
        if record is not None and record.status == "sent":
            return Attempt(key, "sent")
        recipients = _recipients(planned.to + planned.cc)
        if record is not None and record.status == "refused" and record.recipients == recipients:
            # Told as an error when it was refused; once a pass is enough, so this is only info.
            log.info(
                "Not sending %s: the mail server refused it for %s before. It is sent on the first pass "
                "after the address is corrected on the register's Partnerships sheet or in config.toml.",
                key,
                recipients,
            )
            self.result.held.append(key)
            return Attempt(key, "held")
        try:
            message = compose(planned, self.config.paths.templates / "mail")
        except Exception as exc:
            return self._broken(key, exc, queued=False)
        self.store.queue_message(
            key=key,
            kind=planned.kind.value,
            partnership=planned.partnership,
            period=str(planned.period),
            recipients=recipients,
            subject=message.subject,
            created_at=iso(self.now()),
        )
        try:
            sent = self.mailer.send(message)
        except MailRefused as exc:
            self.store.message_refused(key, str(exc), recipients=_recipients(exc.recipients))
            self.result.failed.append(key)
            self.result.refused.append(key)
            return Attempt(key, "refused", exc)
        except MailError as exc:
            log.warning("Could not send %s (%s); it will be tried again on the next pass", key, exc)
            self.store.message_failed(key, str(exc))
            self.result.failed.append(key)
            return Attempt(key, "failed")
        except Exception as exc:
            return self._broken(key, exc, queued=True)
        self.store.message_sent(key, sent_at=iso(sent.sent_at), location=str(sent.path or ""))
        self.result.sent.append(key)
        return Attempt(key, "sent")

    def _broken(self, key: str, exc: Exception, *, queued: bool) -> Attempt:
        """One message that could not be made (a broken template, a fault in the pipeline): said, recorded
        as failed, and tried again next pass, while the pass's other messages go on. The store failing
        is not one message's problem: that stops the pass."""
        if isinstance(exc, STOPS_THE_PASS):
            raise exc
        failure = failure_of(key, exc)
        again = "the other messages go on, and it is tried again on the next pass"
        if failure.status == ExitStatus.BUG:
            log.error(
                "Could not send %s because of a fault in the pipeline (%s); %s. Please report it: the "
                "log file has the details.",
                key,
                failure.reason,
                again,
                exc_info=exc,
            )
        else:
            log.error("Could not send %s: %s (%s)", key, failure.reason, again)
        if queued:
            self.store.message_failed(key, failure.reason)
        self.result.failed.append(key)
        self.result.problems.append(failure)
        return Attempt(key, "failed")

    def outcome(self, record: FileRecord, feedback: list[Path], register: Register) -> bool:
        """Acknowledge an accepted return or send feedback on a rejected one, and tell the board officer
        about a file the pipeline failed on; True when done."""
        partnership = register.partnership(record.partnership) if record.partnership else None
        received = uk_day(record.received_at) or date.fromisoformat(record.received_at[:10])
        findings = self.store.findings_for(record.id)
        officer_told = True
        if any(f.code == "internal-error" for f in findings):
            officer_told = self._tell_officer(record, partnership, received, feedback)
        if partnership is None or not record.period:
            from pipeline.chasing.mailbox import tell_sender  # nobody to tell, unless it was e-mailed in

            return tell_sender(self, record, findings) and officer_told
        from pipeline.domain.periods import parse_period

        period = parse_period(record.period)
        settings = self.config.calendar
        # Late against the deadline the partnership was given, which is later if its template went out late.
        opened = self._sent_on(period).get((partnership.short_name, MessageKind.TEMPLATES_OUT.value))
        if record.verdict == Verdict.ACCEPTED and self._superseded(record):
            # A later return replaced it before anyone was told: that one is acknowledged, not this.
            log.info(
                "%s was replaced by a later return for %s %s before it was acknowledged",
                clean_name(record.name),
                record.partnership,
                record.period,
            )
            # An acknowledgement tried before (the mail server was down) will not go: it is not owed.
            self.store.message_withdrawn(f"{period.slug}/{record.partnership}/acknowledgement-{record.id}")
            return True
        if record.verdict == Verdict.ACCEPTED:
            first = self.store.first_received(record.period).get(record.partnership)
            planned = plan_acknowledgement(
                period=period,
                partnership=partnership,
                submission=str(record.id),
                received=received,
                warnings=[f for f in findings if f.severity == "warning"],
                settings=settings,
                board=self.board,
                templates_sent=opened,
                first_accepted=uk_day(first) if first else None,
            )
        else:
            workbook = next((p for p in feedback if p.suffix == ".xlsx"), None) or feedback[0]
            planned = plan_feedback(
                period=period,
                partnership=partnership,
                submission=str(record.id),
                received=received,
                findings=findings,
                annotated=workbook,
                settings=settings,
                board=self.board,
                templates_sent=opened,
            )
        if planned is None:
            return officer_told
        origin = self.store.mail_origin(record.id)
        if origin is not None and origin.sender and origin.sender not in (a.lower() for a in planned.to):
            planned = replace(planned, to=(*planned.to, origin.sender))  # e-mailed in: its sender hears too
        attempt = self._attempt(planned)
        if attempt.refusal is not None:
            # Counted as done, so later passes do not redo this file's feedback: the officer
            # passes it on instead, and later messages go to the corrected address by themselves.
            what = "acknowledgement" if record.verdict == Verdict.ACCEPTED else "feedback"
            files = " and ".join(p.name for p in feedback) or "the feedback"
            folder = feedback[0].parent if feedback else self.config.paths.outbox / "feedback"
            log.error(
                "The %s on the return %s (%s, %s) was refused by the mail server and will not be "
                "e-mailed again. %s Forward %s from %s to the partnership by hand, and correct the "
                "address on the register's Partnerships sheet if it is wrong, so that later messages "
                "reach them.",
                what,
                record.name,
                partnership.short_name,
                period,
                attempt.refusal.message,
                files,
                folder,
            )
        return attempt.done and officer_told

    def _tell_officer(self, record: FileRecord, partnership, received: date, feedback: list[Path]) -> bool:
        """E-mail the board officer about a file a fault in the pipeline stopped being checked (its sender
        reads that the officer has been told); once per file, as the store records it as sent. True when done."""
        from pipeline.domain.periods import last_completed, parse_period

        period = parse_period(record.period) if record.period else last_completed(received)
        kept = self.config.paths.state / (record.destination or record.location)
        planned = plan_internal_error(
            period=period,
            partnership=partnership,
            submission=str(record.id),
            file_name=clean_name(record.name),
            received=received,
            kept_at=kept,
            reason=record.reason,
            board=self.board,
            log_file=self.config.paths.logs / "pipeline.log",
            feedback=next((p for p in feedback if p.suffix == ".txt"), None),
        )
        if planned is None:
            log.error(
                "%s could not be checked because of a fault in the pipeline, and nobody can be e-mailed about "
                "it: set organisation.board_officer_email in config.toml. The file is in %s.",
                clean_name(record.name),
                kept,
            )
            return True
        return self.send(planned)

    def chase(self, register: Register, today: date) -> Sent:
        """Send the templates-out messages and reminders due today for the live period."""
        from pipeline.domain.calendar import live_periods

        for period in live_periods(today, self.config.calendar):
            self._chase_period(register, period, today)
        return self.result

    def _superseded(self, record: FileRecord) -> bool:
        return any(s.file_id == record.id and not s.counts for s in self.store.submissions(period=record.period))

    def _sent_on(self, period: Period) -> dict[tuple[str, str], date]:
        """(partnership, key) -> the day each message for the period was recorded as sent."""
        return sent_days(self.store.messages(period=str(period)))

    def _chase_period(self, register: Register, period: Period, today: date) -> None:
        # A return sent before the quarter ended is part of it: its partnership is still chased for the full one.
        accepted = {
            s.partnership
            for s in self.store.submissions(period=str(period), counting_only=True)
            if not part_quarter(period, s.received_at)
        }
        # Read before anything is sent: a partnership whose templates go out in this pass
        # gets no reminder in it too (reminders wait for a recorded templates-out).
        already = self._sent_on(period)
        settings = self.config.calendar
        workbooks = self._templates(register, period, today, already)
        planned = plan_templates_out(
            period=period,
            today=today,
            settings=settings,
            partnerships=register.partnerships,
            workbooks=workbooks,
            accepted=accepted,
            already_sent=already,
            board=self.board,
        )
        refused = {
            (m.partnership, m.key.rsplit("/", 1)[-1]) for m in self.store.messages(period=str(period), status="refused")
        }
        planned += plan_reminders(
            period=period,
            today=today,
            settings=settings,
            partnerships=register.partnerships,
            accepted=accepted,
            already_sent=already,
            board=self.board,
            refused=refused,
        )
        for message in planned:
            self.send(message)

    def _templates(
        self, register: Register, period: Period, today: date, already: dict[tuple[str, str], date]
    ) -> dict[str, Path]:
        """The period's return workbooks; those not yet sent are made now (not in a dry run), dated today."""
        from pipeline.returns.generate import template_folder, write_templates
        from pipeline.returns.layout import template_filename
        from pipeline.support.atomic import inside

        folder = template_folder(self.config, period)
        paths = {p.short_name: inside(folder, template_filename(p.short_name, period)) for p in register.partnerships}
        # Those not sent yet are made again as they go: `pipeline templates` may have made them on
        # another day, and their Guidance must give the deadline that holds for the day they go out
        # (later, when that day is late), as the e-mail bringing them does.
        unsent = [short for short in paths if (short, MessageKind.TEMPLATES_OUT.value) not in already]
        if self.dry_run:
            return paths
        if unsent:
            write_templates(self.config, register, period, unsent, history=self.store.actuals(), issued=today)
        return paths


def _recipients(addresses: tuple[str, ...]) -> str:
    """The addresses as the store keeps them: compared with the next pass's to see if one was corrected."""
    return ", ".join(addresses)
