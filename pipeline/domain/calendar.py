"""The reporting calendar: working days, when templates go out, when returns are due,
and which reminder falls on which day.

Every date here is pure arithmetic on a Period and the [calendar] settings, so the
watch loop, `pipeline status` and the tests all agree on the same days.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from functools import cache, lru_cache

from pipeline.domain.periods import Period, period_containing
from pipeline.domain.settings import CalendarSettings
from pipeline.domain.wording import uk_day

# The nations of the UK with their own bank holidays, as config.toml names them, and the
# `holidays` package's code for each (Wales keeps England's).
NATIONS = {"England and Wales": "ENG", "Scotland": "SCT", "Northern Ireland": "NIR"}


@dataclass(frozen=True)
class DaysOff:
    """The days besides weekends that are not working days: the nation's bank holidays, for any
    year, and the organisation's own closure days (a council's Christmas closure)."""

    nation: str = "England and Wales"
    closure_days: frozenset[date] = frozenset()
    # Each year's days off, worked out once: working-day arithmetic asks about every day it steps over.
    _years: dict[int, frozenset[date]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.nation not in NATIONS:
            raise ValueError(f"unknown nation {self.nation!r}: one of {', '.join(NATIONS)}")

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        try:
            return day in self._years[day.year]
        except KeyError:
            year = self._years[day.year] = _bank_holidays(NATIONS[self.nation], day.year) | self.closure_days
            return day in year


@cache
def _bank_holidays(subdivision: str, year: int) -> frozenset[date]:
    """One nation's bank holidays in one year, substitute days included."""
    import holidays  # imported on first use, so `pipeline --help` does not pay for it

    return frozenset(holidays.country_holidays("GB", subdiv=subdivision, years=year))


def is_working_day(day: date, holidays: Container[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Container[date] = ()) -> date:
    """The date `days` working days after (or, if negative, before) `start`."""
    step = 1 if days >= 0 else -1
    day = start
    remaining = abs(days)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day, holidays):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, holidays: Container[date] = ()) -> int:
    """Working days after `start` up to and including `end` (negative if end is earlier)."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    low, high = (start, end) if sign > 0 else (end, start)
    count = 0
    day = low
    while day < high:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return sign * count


def deadline(period: Period, settings: CalendarSettings) -> date:
    """The date returns for `period` are due."""
    return add_working_days(period.end, settings.deadline_working_days, settings.days_off)


def templates_out(period: Period, settings: CalendarSettings) -> date:
    """The date return templates for `period` are sent to partnerships."""
    return add_working_days(period.end, -settings.templates_out_working_days, settings.days_off)


def is_late(period: Period, settings: CalendarSettings, received: date, templates_sent: date | None = None) -> bool:
    """Whether a return received on `received` (the UK date) missed its partnership's deadline,
    `deadline_for` the day its template went out; the deadline day itself is on time."""
    return received > deadline_for(period, settings, templates_sent)


def response_working_days(period: Period, settings: CalendarSettings) -> int:
    """The fewest working days a partnership is given between receiving its template and its deadline.

    Normally the whole window from templates-out to the deadline; but no more than
    deadline_working_days, so a template that goes out a day or two late, still
    before the quarter ends, does not move the deadline.
    """
    window = working_days_between(templates_out(period, settings), deadline(period, settings), settings.days_off)
    return max(0, min(window, settings.deadline_working_days))


def deadline_for(period: Period, settings: CalendarSettings, templates_sent: date | None) -> date:
    """The deadline of a partnership whose template went out on `templates_sent` (None: unknown).

    The period's deadline, unless the template went out too late to leave
    `response_working_days` before it: after downtime, or on a first deployment in
    the middle of a quarter. Nobody is told a return is overdue that they were
    never given the time to make.
    """
    due = deadline(period, settings)
    if templates_sent is None:
        return due
    given = add_working_days(templates_sent, response_working_days(period, settings), settings.days_off)
    return max(due, given)


def board_meeting(period: Period, settings: CalendarSettings, deadlines: Iterable[date] = ()) -> date | None:
    """The board meeting that receives `period`'s report: the first of `board_meetings` after the
    returns deadlines in force (the published one, and `deadlines`, those moved for partnerships whose
    templates went out late), or None when the diary has none: a paper, or an e-mail, then says the
    date is to be confirmed rather than give one nobody set."""
    due = max([deadline(period, settings), *deadlines])
    return next((d for d in settings.board_meetings if d > due), None)


def deadlines_in_force(
    period: Period, settings: CalendarSettings, already_sent: Mapping[tuple[str, str], date]
) -> tuple[date, ...]:
    """Each partnership's deadline for `period` whose templates-out message was sent (`sent_days`' mapping)."""
    return tuple(deadline_for(period, settings, day) for day in templates_sent(already_sent).values())


def board_paper_filename(period: Period) -> str:
    """The board paper's file name in the period's outbox folder: that it exists says the paper was made."""
    return f"board-paper-{period.slug}.docx"


# A return's forty figures share its period and received time: the History sheet and the export ask for each.
@lru_cache(maxsize=4096)
def part_quarter(period: Period, received_at: str) -> bool:
    """Whether a return received at `received_at` (a stored UTC time) came before its quarter ended, by
    the UK date: its figures are for part of the quarter, and a full return is still owed."""
    day = uk_day(received_at)
    return day is not None and day <= period.end


def first_full_returns(period: Period, submissions: Iterable) -> dict[str, str]:
    """Short name -> when its first accepted return received after the quarter ended arrived: lateness
    is judged by it, as a part-quarter return is not the quarter's return."""
    first: dict[str, str] = {}
    for s in submissions:
        if not part_quarter(period, s.received_at) and (
            s.partnership not in first or s.received_at < first[s.partnership]
        ):
            first[s.partnership] = s.received_at
    return first


def chase_until(period: Period, settings: CalendarSettings) -> date:
    """The last day templates or reminders for `period` can go out: the day before the
    next quarter's templates go out.

    Without an end, a partnership that never returns would be chased for ever; and
    a hand-over date means a partnership is never chased for two quarters at once.
    A return still missing then is the board officer's, who has had the escalation.
    """
    return templates_out(period.next(), settings) - timedelta(days=1)


# The key a partnership's templates-out message is recorded under: its deadline counts from the day it went.
TEMPLATES_OUT = "templates-out"


def sent_days(messages: Iterable) -> dict[tuple[str, str], date]:
    """(partnership, message key) -> the UK date each message recorded as sent went out."""
    days = {}
    for m in messages:
        day = uk_day(m.sent_at) if m.status == "sent" and m.sent_at else None
        if day is not None:
            days[(m.partnership, m.key.rsplit("/", 1)[-1])] = day
    return days


def templates_sent(already_sent: Mapping[tuple[str, str], date]) -> dict[str, date]:
    """Short name -> the day its templates-out message for the period was sent (deadline_for's `templates_sent`)."""
    return {who: day for (who, key), day in already_sent.items() if key == TEMPLATES_OUT}


class ReminderKind(str, Enum):
    BEFORE_DEADLINE = "before-deadline"
    DEADLINE = "deadline"
    OVERDUE = "overdue"
    ESCALATION = "escalation"  # to the board officer, not the partnership


@dataclass(frozen=True)
class ScheduledReminder:
    """One reminder on the calendar of a period."""

    on: date  # always a working day
    kind: ReminderKind
    working_days: int  # before the deadline (BEFORE_DEADLINE) or after it (OVERDUE, ESCALATION); 0 on the day

    @property
    def key(self) -> str:
        """Names the reminder within its period, e.g. 'before-deadline-10', 'deadline', 'overdue-3'.

        The key is what is recorded as sent, so it must not depend on the date:
        a closure day added to config.toml later moves the day, not the key.
        """
        if self.kind in (ReminderKind.DEADLINE, ReminderKind.ESCALATION):
            return self.kind.value
        return f"{self.kind.value}-{self.working_days}"


def reminder_schedule(
    period: Period, settings: CalendarSettings, templates_sent: date | None = None
) -> tuple[ScheduledReminder, ...]:
    """Every reminder for `period`, in date order (escalation after a chaser on the same day).

    Each date is counted in working days from the deadline, so none falls on a
    weekend or bank holiday. Reminders that would fall on or before the day the
    templates go out are dropped: the templates-out message already says when the
    return is due. Nothing is scheduled after `chase_until`.

    `templates_sent` is the day a partnership's template actually went out: its
    schedule then counts from `deadline_for` that day, and starts after it.
    """
    holidays = settings.days_off
    due = deadline_for(period, settings, templates_sent)
    opens = max(templates_out(period, settings), templates_sent or date.min)
    last = chase_until(period, settings)
    reminders = [
        ScheduledReminder(add_working_days(due, -n, holidays), ReminderKind.BEFORE_DEADLINE, n)
        for n in sorted(set(settings.reminder_working_days), reverse=True)
    ]
    if settings.remind_on_deadline:
        reminders.append(ScheduledReminder(due, ReminderKind.DEADLINE, 0))
    n = settings.overdue_every_working_days
    while (day := add_working_days(due, n, holidays)) <= last:
        reminders.append(ScheduledReminder(day, ReminderKind.OVERDUE, n))
        n += settings.overdue_every_working_days
    escalation = add_working_days(due, settings.escalate_after_working_days, holidays)
    if escalation <= last:
        reminders.append(ScheduledReminder(escalation, ReminderKind.ESCALATION, settings.escalate_after_working_days))
    kept = [r for r in reminders if opens < r.on <= last]
    return tuple(sorted(kept, key=lambda r: (r.on, r.kind is ReminderKind.ESCALATION)))


def live_periods(today: date, settings: CalendarSettings) -> tuple[Period, ...]:
    """The period whose templates or reminders may be due on `today` (none or one).

    A period is live from the day its templates go out until `chase_until`, the
    day before the next period's templates go out, so the windows never overlap.
    """
    here = period_containing(today)
    # templates_out_working_days can put the opening before the quarter starts (a
    # large value) or after it ends (a negative one), so look one period either side.
    candidates = (here.previous().previous(), here.previous(), here, here.next())
    return tuple(p for p in candidates if templates_out(p, settings) <= today <= chase_until(p, settings))
