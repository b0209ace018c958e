"""Who gets which e-mail, and when: pure planning, no I/O.

The planners take today's date, what the store knows (accepted returns, messages
already sent) and the register's partnerships, and return PlannedMessage records.
They never send anything and never look at the clock, so the watch loop, `pipeline
chase` and the tests can all ask "what is due today?" and get the same answer.

Rules, in one place:
- Reminders go only to partnerships without an accepted return for the period.
  A rejected return still counts as missing.
- Nobody is reminded, or escalated, for a period until their templates-out message
  for it is recorded as sent; their reminders then count from the day it went out
  (`pipeline.domain.calendar.deadline_for`), so a template sent late never arrives
  with "overdue" behind it.
- Each (partnership, key) is planned at most once: the caller records what it sent
  and passes it back as `already_sent`, so a restart does not send again what was recorded
  as sent (a kill between the server's acceptance and that record does: at least once).
- Nothing is planned on a weekend or bank holiday.
- At most one chasing message per partnership per pass. After the loop was down,
  a missed escalation goes first (it copies the partnership, so it chases too);
  otherwise only the most recent missed reminder is sent, once. Reminders due on
  or before the day of the partnership's last chasing message are stale ("10
  days to go" when 3 are left) and are dropped.

Why one module past 400 lines: one planner a kind of message, over the same rules above; split,
the rules would be stated in one place and applied in several.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from pipeline.domain.calendar import (
    TEMPLATES_OUT as TEMPLATES_OUT_KEY,
)
from pipeline.domain.calendar import (
    ReminderKind,
    ScheduledReminder,
    board_meeting,
    chase_until,
    deadline_for,
    deadlines_in_force,
    is_late,
    is_working_day,
    reminder_schedule,
    templates_out,
    templates_sent,
    working_days_between,
)
from pipeline.domain.findings import ERROR, Finding
from pipeline.domain.periods import Period
from pipeline.domain.records import Partnership
from pipeline.domain.settings import CalendarSettings, Config
from pipeline.domain.wording import letter_date, shown_name

log = logging.getLogger(__name__)

# A return with thousands of findings would make an unreadable e-mail; the
# annotated workbook attached to the feedback message carries all of them.
MAX_FINDINGS_LISTED = 30


class MessageKind(str, Enum):
    TEMPLATES_OUT = TEMPLATES_OUT_KEY
    REMINDER = "reminder"
    ESCALATION = "escalation"
    ACKNOWLEDGEMENT = "acknowledgement"
    FEEDBACK = "feedback"
    INTERNAL_ERROR = "internal-error"  # to the board officer: a file the pipeline failed on
    MAILBOX_REPLY = "mailbox-reply"  # to whoever e-mailed the returns mailbox something that is not a return
    MAILBOX_HELD = "mailbox-held"  # to the board officer: a return e-mailed by a sender not allowed


@dataclass(frozen=True)
class BoardContact:
    """Who the messages come from and who is told when a return is overdue."""

    organisation: str
    board: str
    officer: str  # may be "" (config.toml makes it optional)
    officer_email: str  # may be "": escalations are then not sent, with a warning

    @classmethod
    def from_config(cls, config: Config) -> BoardContact:
        return cls(config.organisation, config.board, config.board_officer, config.board_officer_email)


@dataclass(frozen=True)
class PlannedMessage:
    """An e-mail to send: addressing and the template context; `pipeline.chasing.mail.compose` renders it.

    The subject line lives in the template, so officers can reword it without code.
    """

    kind: MessageKind
    key: str  # unique within (period, partnership): what is recorded as sent
    partnership: str  # short name
    period: Period
    to: tuple[str, ...]
    cc: tuple[str, ...]
    template: str  # file name in templates/mail/
    context: Mapping[str, Any] = field(hash=False)
    attachments: tuple[Path, ...] = ()


def addresses(text: str) -> tuple[str, ...]:
    """The e-mail addresses in a register cell: one, or several split by ';' or ','."""
    return tuple(a for a in (part.strip() for part in re.split(r"[;,]", text or "")) if a)


def _base_context(period: Period, partnership: Partnership, due: date, board: BoardContact) -> dict[str, Any]:
    return {
        "partnership": partnership,
        "period": period,
        "board": board,
        "deadline": letter_date(due),
    }


def chasing(key: str) -> bool:
    """Whether a message key is one of the chasing track (templates-out, reminders, escalation),
    as opposed to an acknowledgement or feedback on a file."""
    return key == MessageKind.TEMPLATES_OUT.value or key.startswith(tuple(k.value for k in ReminderKind))


def _reachable(partnership: Partnership, what: str) -> bool:
    if addresses(partnership.email):
        return True
    log.warning(
        "%s has no e-mail address on the register, so the %s was not planned; add one on the Partnerships sheet",
        partnership.short_name,
        what,
    )
    return False


def plan_templates_out(
    *,
    period: Period,
    today: date,
    settings: CalendarSettings,
    partnerships: Sequence[Partnership],
    workbooks: Mapping[str, Path],
    accepted: set[str],
    already_sent: Iterable[tuple[str, str]],
    board: BoardContact,
) -> list[PlannedMessage]:
    """The templates-out messages due today, each with the partnership's return workbook attached.

    Due from the templates-out day until `chase_until`: if the loop was down on the
    day, the templates go out on the next working day it runs, since nobody can make
    a return without one. The deadline they give is `deadline_for` today.
    """
    already_sent = set(already_sent)
    if not (
        is_working_day(today, settings.days_off)
        and templates_out(period, settings) <= today <= chase_until(period, settings)
    ):
        return []
    planned = []
    for p in partnerships:
        key = MessageKind.TEMPLATES_OUT.value
        if p.short_name in accepted or (p.short_name, key) in already_sent:
            continue
        if not _reachable(p, "templates-out message"):
            continue
        workbook = workbooks.get(p.short_name)
        if workbook is None:
            log.warning(
                "No return template was made for %s for %s, so it was not sent; run `pipeline templates` first",
                p.short_name,
                period,
            )
            continue
        due = deadline_for(period, settings, today)
        context = _base_context(period, p, due, board)
        context["working_days_left"] = working_days_between(today, due, settings.days_off)
        context["attachment"] = workbook.name
        planned.append(
            PlannedMessage(
                kind=MessageKind.TEMPLATES_OUT,
                key=key,
                partnership=p.short_name,
                period=period,
                to=addresses(p.email),
                cc=(),
                template="templates-out.txt",
                context=context,
                attachments=(workbook,),
            )
        )
    return planned


_CHASER_KEYS = tuple(k.value for k in (ReminderKind.BEFORE_DEADLINE, ReminderKind.DEADLINE, ReminderKind.OVERDUE))
_REMINDER_TEMPLATES = {
    ReminderKind.BEFORE_DEADLINE: "reminder-before-deadline.txt",
    ReminderKind.DEADLINE: "reminder-deadline.txt",
    ReminderKind.OVERDUE: "reminder-overdue.txt",
}


def plan_reminders(
    *,
    period: Period,
    today: date,
    settings: CalendarSettings,
    partnerships: Sequence[Partnership],
    accepted: set[str],
    already_sent: Mapping[tuple[str, str], date],
    board: BoardContact,
    refused: Collection[tuple[str, str]] = (),
) -> list[PlannedMessage]:
    """The reminder or escalation due today for each partnership whose return is not yet accepted.

    `accepted` holds short names with an accepted return for the period;
    `already_sent` maps (short name, key) to the day that message for the period
    was recorded as sent. A partnership without a templates-out entry in it is not
    chased at all: it was never asked for the return. `refused` holds the (short name,
    key) of messages the mail server refused for good: an escalation among them is still
    planned (it goes once its address is corrected) but no longer holds back the reminder.
    """
    holidays = settings.days_off
    if not is_working_day(today, holidays) or today > chase_until(period, settings):
        return []
    opened = templates_sent(already_sent)
    planned = []
    for p in partnerships:
        if p.short_name in accepted or p.short_name not in opened:
            continue
        planned += _most_relevant(
            period,
            p,
            today,
            settings,
            opened[p.short_name],
            already_sent,
            board,
            refused,
            meeting=board_meeting(period, settings, deadlines_in_force(period, settings, already_sent)),
        )
    return planned


def _most_relevant(
    period: Period,
    p: Partnership,
    today: date,
    settings: CalendarSettings,
    opened: date,
    already_sent: Mapping[tuple[str, str], date],
    board: BoardContact,
    refused: Collection[tuple[str, str]],
    *,
    meeting: date | None,
) -> list[PlannedMessage]:
    """The one chasing message due today for a partnership, if any (the module docstring has the rules);
    two when the escalation was refused before, since it may not go again. `meeting` is the board meeting
    that takes the period, None when the diary has none."""
    holidays = settings.days_off
    due = deadline_for(period, settings, opened)
    passed = [r for r in reminder_schedule(period, settings, opened) if r.on <= today]
    last_chased = max(
        (day for (who, key), day in already_sent.items() if who == p.short_name and chasing(key)), default=opened
    )
    context = _base_context(period, p, due, board)
    context["working_days_left"] = max(0, working_days_between(today, due, holidays))
    context["working_days_overdue"] = max(0, working_days_between(due, today, holidays))
    context["reminders_sent"] = sum(
        1 for who, key in already_sent if who == p.short_name and key.startswith(_CHASER_KEYS)
    )
    # Once the board has had the quarter's report, "will show as missing" is no longer true. With no
    # meeting in the diary nobody knows that it has: never say so.
    context["reported_on"] = letter_date(meeting) if meeting is not None and today > meeting else ""
    planned = []
    escalation = next((r for r in passed if r.kind is ReminderKind.ESCALATION), None)
    if escalation is not None and (p.short_name, escalation.key) not in already_sent:
        message = _escalation(period, p, escalation, context, board)
        if message is not None:
            planned.append(message)
            if (p.short_name, escalation.key) not in refused:
                return planned
    chasers = [r for r in passed if r.kind is not ReminderKind.ESCALATION]
    latest = chasers[-1] if chasers else None
    if latest is None or latest.on <= last_chased or (p.short_name, latest.key) in already_sent:
        return planned
    if not _reachable(p, f"{latest.key} reminder"):
        return planned
    return planned + [_reminder(period, p, latest, context, today, due)]


def _reminder(
    period: Period, p: Partnership, reminder: ScheduledReminder, context: dict[str, Any], today: date, due: date
) -> PlannedMessage:
    # Worded for the day it is sent: a deadline reminder caught up the day after must not say "due today".
    kind = ReminderKind.OVERDUE if today > due else ReminderKind.DEADLINE if today == due else reminder.kind
    return PlannedMessage(
        kind=MessageKind.REMINDER,
        key=reminder.key,
        partnership=p.short_name,
        period=period,
        to=addresses(p.email),
        cc=(),
        template=_REMINDER_TEMPLATES[kind],
        context=context,
    )


def _escalation(
    period: Period, p: Partnership, reminder: ScheduledReminder, context: dict[str, Any], board: BoardContact
) -> PlannedMessage | None:
    if not addresses(board.officer_email):
        log.warning(
            "The %s return for %s is overdue, but config.toml has no "
            "organisation.board_officer_email to escalate to; add one",
            p.short_name,
            period,
        )
        return None
    return PlannedMessage(
        kind=MessageKind.ESCALATION,
        key=reminder.key,
        partnership=p.short_name,
        period=period,
        to=addresses(board.officer_email),
        cc=addresses(p.email),
        template="escalation.txt",
        context=context,
    )


def plan_acknowledgement(
    *,
    period: Period,
    partnership: Partnership,
    submission: str,
    received: date,
    warnings: Sequence[Finding],
    settings: CalendarSettings,
    board: BoardContact,
    templates_sent: date | None = None,
    first_accepted: date | None = None,
) -> PlannedMessage | None:
    """The thank-you for an accepted return, listing any warnings; None if the partnership has no address.

    `submission` identifies the return (the store's id for it), so a second
    accepted return for the same period gets its own acknowledgement.
    `templates_sent` (when the template went out, if known) gives the deadline it is late against.
    `first_accepted` is when the partnership's first accepted return for the period arrived:
    lateness is judged by it, so a correction sent after the deadline is not called late.
    """
    if not _reachable(partnership, "acknowledgement"):
        return None
    due = deadline_for(period, settings, templates_sent)
    context = _base_context(period, partnership, due, board)
    context.update(_listed(warnings))
    context["received"] = letter_date(received)
    context["late"] = is_late(period, settings, min(received, first_accepted or received), templates_sent)
    return PlannedMessage(
        kind=MessageKind.ACKNOWLEDGEMENT,
        key=f"acknowledgement-{submission}",
        partnership=partnership.short_name,
        period=period,
        to=addresses(partnership.email),
        cc=(),
        template="acknowledgement.txt",
        context=context,
    )


def plan_feedback(
    *,
    period: Period,
    partnership: Partnership,
    submission: str,
    received: date,
    findings: Sequence[Finding],
    annotated: Path,
    settings: CalendarSettings,
    board: BoardContact,
    templates_sent: date | None = None,
) -> PlannedMessage | None:
    """The feedback for a rejected return: findings listed, annotated workbook attached."""
    if not _reachable(partnership, "feedback message"):
        return None
    due = deadline_for(period, settings, templates_sent)
    context = _base_context(period, partnership, due, board)
    # Errors first: they are why the return was rejected.
    ordered = sorted(findings, key=lambda f: f.severity != ERROR)
    context.update(_listed(ordered))
    context["errors"] = sum(1 for f in findings if f.severity == ERROR)
    context["late"] = is_late(period, settings, received, templates_sent)
    context["attachment"] = shown_name(annotated)
    return PlannedMessage(
        kind=MessageKind.FEEDBACK,
        key=f"feedback-{submission}",
        partnership=partnership.short_name,
        period=period,
        to=addresses(partnership.email),
        cc=(),
        template="feedback.txt",
        context=context,
        attachments=(annotated,),
    )


def plan_internal_error(
    *,
    period: Period,
    partnership: Partnership | None,
    submission: str,
    file_name: str,
    received: date,
    kept_at: Path,
    reason: str,
    feedback: Path | None,
    log_file: Path,
    board: BoardContact,
) -> PlannedMessage | None:
    """Tells the board officer that a file could not be checked because of a fault in the pipeline:
    what its sender reads ('the board officer has been told') is then true. None without an address."""
    to = addresses(board.officer_email)
    if not to:
        return None
    context = {
        "file": file_name,
        "partnership": partnership,
        "period": period,
        "received": letter_date(received),
        "kept_at": str(kept_at),
        "reason": reason,
        "feedback": str(feedback or ""),
        "log": str(log_file),
        "board": board,
    }
    return PlannedMessage(
        kind=MessageKind.INTERNAL_ERROR,
        key=f"internal-error-{submission}",
        partnership=partnership.short_name if partnership else "unrecognised",
        period=period,
        to=to,
        cc=(),
        template="internal-error.txt",
        context=context,
    )


def _listed(findings: Sequence[Finding]) -> dict[str, Any]:
    return {
        "findings": [f.line() for f in findings[:MAX_FINDINGS_LISTED]],
        "more_findings": max(0, len(findings) - MAX_FINDINGS_LISTED),
    }
