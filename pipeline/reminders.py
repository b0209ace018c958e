"""Who gets which e-mail, and when: pure planning, no I/O.

The planners take today's date, what the store knows (accepted returns, messages
already sent) and the register's partnerships, and return PlannedMessage records.
They never send anything and never look at the clock, so the watch loop, `pipeline
chase` and the tests can all ask "what is due today?" and get the same answer.

Rules, in one place:
- Reminders go only to partnerships without an accepted return for the period.
  A rejected return still counts as missing.
- Each (partnership, key) is planned at most once: the caller records what it sent
  and passes it back as `already_sent`, so a restart never sends twice.
- Nothing is planned on a weekend or bank holiday.
- After the loop was down, only the most recent missed reminder is sent, once;
  the older ones are stale ("10 days to go" when 3 are left). The escalation is
  a separate track, to a different person, and is never skipped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, Mapping, Sequence

from pipeline.calendar import (
    ReminderKind,
    ScheduledReminder,
    chase_until,
    deadline,
    is_late,
    is_working_day,
    reminder_schedule,
    templates_out,
    working_days_between,
)
from pipeline.config import CalendarSettings, Config
from pipeline.findings import ERROR, Finding
from pipeline.periods import Period
from pipeline.records import Partnership

log = logging.getLogger(__name__)

# A return with thousands of findings would make an unreadable e-mail; the
# annotated workbook attached to the feedback message carries all of them.
MAX_FINDINGS_LISTED = 30


class MessageKind(str, Enum):
    TEMPLATES_OUT = "templates-out"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    ACKNOWLEDGEMENT = "acknowledgement"
    FEEDBACK = "feedback"


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
    """An e-mail to send: addressing and the template context; `pipeline.mail.compose` renders it.

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


def long_date(day: date) -> str:
    """'Thursday 22 January 2026': the form used in letters (strftime's %-d is not portable)."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _base_context(period: Period, partnership: Partnership, settings: CalendarSettings,
                  board: BoardContact) -> dict[str, Any]:
    return {
        "partnership": partnership,
        "period": period,
        "board": board,
        "deadline": long_date(deadline(period, settings)),
    }


def _reachable(partnership: Partnership, what: str) -> bool:
    if addresses(partnership.email):
        return True
    log.warning("%s has no e-mail address on the register, so the %s was not planned; "
                "add one on the Partnerships sheet", partnership.short_name, what)
    return False


def plan_templates_out(*, period: Period, today: date, settings: CalendarSettings,
                       partnerships: Sequence[Partnership], workbooks: Mapping[str, Path],
                       accepted: set[str], already_sent: set[tuple[str, str]],
                       board: BoardContact) -> list[PlannedMessage]:
    """The templates-out messages due today, each with the partnership's return workbook attached.

    Due from the templates-out day until `chase_until`: if the loop was down on the
    day, the templates go out on the next working day it runs, since nobody can make
    a return without one.
    """
    if not (is_working_day(today, settings.bank_holidays)
            and templates_out(period, settings) <= today <= chase_until(period, settings)):
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
            log.warning("No return template was made for %s for %s, so it was not sent; "
                        "run `pipeline templates` first", p.short_name, period)
            continue
        context = _base_context(period, p, settings, board)
        context["working_days_left"] = working_days_between(today, deadline(period, settings),
                                                            settings.bank_holidays)
        context["attachment"] = workbook.name
        planned.append(PlannedMessage(
            kind=MessageKind.TEMPLATES_OUT, key=key, partnership=p.short_name, period=period,
            to=addresses(p.email), cc=(), template="templates-out.txt", context=context,
            attachments=(workbook,),
        ))
    return planned


_REMINDER_TEMPLATES = {
    ReminderKind.BEFORE_DEADLINE: "reminder-before-deadline.txt",
    ReminderKind.DEADLINE: "reminder-deadline.txt",
    ReminderKind.OVERDUE: "reminder-overdue.txt",
}


def plan_reminders(*, period: Period, today: date, settings: CalendarSettings,
                   partnerships: Sequence[Partnership], accepted: set[str],
                   already_sent: set[tuple[str, str]], board: BoardContact) -> list[PlannedMessage]:
    """The reminders and escalations due today for partnerships whose return is not yet accepted.

    `accepted` holds short names with an accepted return for the period;
    `already_sent` holds (short name, key) pairs recorded as sent for the period.
    """
    holidays = settings.bank_holidays
    if not is_working_day(today, holidays) or today > chase_until(period, settings):
        return []
    passed = [r for r in reminder_schedule(period, settings) if r.on <= today]
    chasers = [r for r in passed if r.kind is not ReminderKind.ESCALATION]
    latest = chasers[-1] if chasers else None
    escalation = next((r for r in passed if r.kind is ReminderKind.ESCALATION), None)
    due = deadline(period, settings)
    planned = []
    for p in partnerships:
        if p.short_name in accepted:
            continue
        context = _base_context(period, p, settings, board)
        context["working_days_left"] = max(0, working_days_between(today, due, holidays))
        context["working_days_overdue"] = max(0, working_days_between(due, today, holidays))
        if latest is not None and (p.short_name, latest.key) not in already_sent:
            if _reachable(p, f"{latest.key} reminder"):
                planned.append(_reminder(period, p, latest, context))
        if escalation is not None and (p.short_name, escalation.key) not in already_sent:
            message = _escalation(period, p, escalation, dict(context), board)
            if message is not None:
                planned.append(message)
    return planned


def _reminder(period: Period, p: Partnership, reminder: ScheduledReminder,
              context: dict[str, Any]) -> PlannedMessage:
    return PlannedMessage(
        kind=MessageKind.REMINDER, key=reminder.key, partnership=p.short_name, period=period,
        to=addresses(p.email), cc=(), template=_REMINDER_TEMPLATES[reminder.kind],
        context=context,
    )


def _escalation(period: Period, p: Partnership, reminder: ScheduledReminder,
                context: dict[str, Any], board: BoardContact) -> PlannedMessage | None:
    if not addresses(board.officer_email):
        log.warning("The %s return for %s is overdue, but config.toml has no "
                    "organisation.board_officer_email to escalate to; add one", p.short_name, period)
        return None
    return PlannedMessage(
        kind=MessageKind.ESCALATION, key=reminder.key, partnership=p.short_name, period=period,
        to=addresses(board.officer_email), cc=addresses(p.email), template="escalation.txt",
        context=context,
    )


def plan_acknowledgement(*, period: Period, partnership: Partnership, submission: str,
                         received: date, warnings: Sequence[Finding], settings: CalendarSettings,
                         board: BoardContact) -> PlannedMessage | None:
    """The thank-you for an accepted return, listing any warnings; None if the partnership has no address.

    `submission` identifies the return (the store's id for it), so a second
    accepted return for the same period gets its own acknowledgement.
    """
    if not _reachable(partnership, "acknowledgement"):
        return None
    context = _base_context(period, partnership, settings, board)
    context.update(_listed(warnings))
    context["received"] = long_date(received)
    context["late"] = is_late(period, settings, received)
    return PlannedMessage(
        kind=MessageKind.ACKNOWLEDGEMENT, key=f"acknowledgement-{submission}",
        partnership=partnership.short_name, period=period, to=addresses(partnership.email), cc=(),
        template="acknowledgement.txt", context=context,
    )


def plan_feedback(*, period: Period, partnership: Partnership, submission: str, received: date,
                  findings: Sequence[Finding], annotated: Path, settings: CalendarSettings,
                  board: BoardContact) -> PlannedMessage | None:
    """The feedback for a rejected return: findings listed, annotated workbook attached."""
    if not _reachable(partnership, "feedback message"):
        return None
    context = _base_context(period, partnership, settings, board)
    # Errors first: they are why the return was rejected.
    ordered = sorted(findings, key=lambda f: f.severity != ERROR)
    context.update(_listed(ordered))
    context["errors"] = sum(1 for f in findings if f.severity == ERROR)
    context["late"] = is_late(period, settings, received)
    context["attachment"] = annotated.name
    return PlannedMessage(
        kind=MessageKind.FEEDBACK, key=f"feedback-{submission}", partnership=partnership.short_name,
        period=period, to=addresses(partnership.email), cc=(), template="feedback.txt",
        context=context, attachments=(annotated,),
    )


def _listed(findings: Sequence[Finding]) -> dict[str, Any]:
    return {
        "findings": [f.line() for f in findings[:MAX_FINDINGS_LISTED]],
        "more_findings": max(0, len(findings) - MAX_FINDINGS_LISTED),
    }
