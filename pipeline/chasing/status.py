"""Return tracking: who has and has not returned for a period, and what was sent to them."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date

from pipeline.domain.actions import is_closed
from pipeline.domain.calendar import deadline_for, first_full_returns, is_late, part_quarter, sent_days, templates_sent
from pipeline.domain.errors import PipelineError
from pipeline.domain.history import MessageRecord
from pipeline.domain.mailbox import MailOrigin
from pipeline.domain.periods import Period, parse_period
from pipeline.domain.records import Register
from pipeline.domain.settings import Config
from pipeline.domain.text import safe_for_sheet
from pipeline.domain.verdicts import Verdict
from pipeline.domain.wording import parse_stamp, percent, uk_day, uk_today, uk_zone
from pipeline.store import Store


@dataclass(frozen=True)
class StatusRow:
    partnership: str
    name: str
    indicators_due: int
    state: str  # accepted, provisional, rejected, missing
    received_at: str
    completed_by: str
    on_time: str  # "on time" or "late" once a return is accepted; "overdue" or "" before
    completeness: int  # % of due indicators with data
    outstanding_actions: int  # not complete, not cancelled
    rejected_attempts: int
    messages: int  # e-mails recorded for this partnership and period
    last_message: str
    deadline: str = ""  # ISO date: the published one, or later when the partnership's template went out late
    emailed_by: str = ""  # the sender, when the return that counts came to the returns mailbox
    email_subject: str = ""
    email_sent: str = ""  # the message's Date (UTC, ISO)
    part_quarter: bool = False  # the counting return came before the quarter ended: a full return is still owed


# Which of two messages recorded in the same second is shown as the last: the later step
# of the cycle, so an escalation sent in the same pass as a reminder shows as the escalation.
_STEP = {"templates-out": 0, "reminder": 1, "escalation": 2, "feedback": 3, "acknowledgement": 4}


def _described(m: MessageRecord) -> str:
    return f"{m.kind} ({m.status}) {_day(m.sent_at or m.created_at)}"


def last_message(messages: list[MessageRecord], returned: bool) -> str:
    """The Last message column: the latest message to the partnership, of its real kind.

    Once a return is in (`returned`), what matters is its acknowledgement: feedback
    on a later, rejected file does not undo the accepted return, so it is shown
    after the acknowledgement rather than instead of it.
    """
    ordered = sorted(messages, key=lambda m: (m.sent_at or m.created_at, _STEP.get(m.kind, 0), m.key))
    if not ordered:
        return ""
    last = ordered[-1]
    thanked = next((m for m in reversed(ordered) if m.kind == "acknowledgement"), None)
    if not returned or thanked is None or thanked is last:
        return _described(last)
    later = "feedback on a later file" if last.kind == "feedback" else last.kind
    return f"{_described(thanked)}; then {later} ({last.status}) {_day(last.sent_at or last.created_at)}"


def periods_with_returns(store: Store, *, accepted_only: bool = False) -> list[Period]:
    """The periods returns were received for (any verdict, or only those with an accepted one), oldest first."""
    texts = {s.period for s in store.submissions(counting_only=True)} if accepted_only else set(store.periods())
    periods = set()
    for text in texts:
        try:
            periods.add(parse_period(text))
        except PipelineError:  # a period as written in a file that was then rejected for it
            continue
    return sorted(periods)


def period_status(
    config: Config, register: Register, store: Store, period: Period, today: date | None = None
) -> list[StatusRow]:
    """One row a partnership, read from the store and the register as they are (nothing is rated);
    `today` (the UK date) tells a missing return that is overdue."""
    key = str(period)
    submissions = store.submissions(period=key)
    counting = {s.partnership: s for s in submissions if s.counts}
    first_accepted = store.first_received(key) | first_full_returns(period, submissions)
    rejected = Counter(f.partnership for f in store.files(period=key) if f.verdict == Verdict.REJECTED)
    with_figures = {code for code, of in store.actuals(returns_only=True) if of == key}
    messages = store.messages(period=key)
    opened = templates_sent(sent_days(m for m in messages if m.status == "sent"))
    today = today or uk_today()
    origins = store.mail_origins()
    rows = []
    for partnership in register.partnerships:
        short = partnership.short_name
        submission = counting.get(short)
        due_codes = [i.code for i in register.indicators_of(short) if i.frequency.due_in(period.quarter)]
        actions = register.actions_of(short)
        mine = [m for m in messages if m.partnership == short]
        due = deadline_for(period, config.calendar, opened.get(short))
        early = submission is not None and part_quarter(period, submission.received_at)
        if submission is None:
            state = "rejected" if rejected[short] else "missing"
            # Before its templates went out nobody can be overdue: the reminders wait for them too.
            on_time = ("overdue" if short in opened else "templates not yet sent") if today > due else ""
            outstanding = len(actions)
        else:
            state = "accepted" if submission.signed_off else "provisional"
            first = first_accepted.get(short, "")
            received = uk_day(first) or date.fromisoformat(first[:10])  # lateness is judged by the first
            on_time = "late" if is_late(period, config.calendar, received, opened.get(short)) else "on time"
            if early:
                on_time = "full return overdue" if today > due else f"full return due {due:%d/%m/%Y}"
            elif first and _day(first) != _day(submission.received_at):
                on_time += f" (first return {_day(first)})"  # a correction came later
            updates = {u.ref: u for u in store.action_updates(submission.id)}
            # An action of the register with no update is open; one the partnership added counts too.
            outstanding = sum(a.ref not in updates for a in actions) + sum(
                not is_closed(u.status, u.percent_complete) for u in updates.values()
            )
        rows.append(
            StatusRow(
                partnership=short,
                name=partnership.name,
                indicators_due=len(due_codes),
                state=state,
                received_at=submission.received_at if submission else "",
                completed_by=submission.completed_by if submission else "",
                on_time=on_time,
                completeness=int(percent(sum(c in with_figures for c in due_codes), len(due_codes))),
                outstanding_actions=outstanding,
                rejected_attempts=rejected[short],
                messages=len(mine),
                last_message=last_message(mine, returned=submission is not None),
                deadline=due.isoformat(),
                **_emailed(origins.get(submission.file_id) if submission else None),
                part_quarter=early,
            )
        )
    return rows


def _emailed(origin: MailOrigin | None) -> dict[str, str]:
    if origin is None:
        return {}
    return {"emailed_by": origin.sender, "email_subject": origin.subject, "email_sent": origin.date}


def _day(stamp: str) -> str:
    """The UK date of a stored time, as the deadline is written: the day people there saw it happen."""
    day = uk_day(stamp)
    return f"{day:%d/%m/%Y}" if day else stamp[:10]


def _local(stamp: str) -> str:
    """A stored UTC time as UK local time for the table (json and csv keep the stored form)."""
    moment = parse_stamp(stamp) if stamp else None
    return f"{moment.astimezone(uk_zone()):%d/%m/%Y %H:%M}" if moment else stamp


def render(rows: list[StatusRow], fmt: str, period: Period, due: date, note: str = "") -> str:
    """The status as a table for people (with `note` under it), or json or csv for machines."""
    if fmt == "json":
        return (
            json.dumps(
                {"period": str(period), "deadline": due.isoformat(), "partnerships": [asdict(r) for r in rows]},
                indent=2,
            )
            + "\n"
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(asdict(rows[0]).keys()) if rows else [])
        for r in rows:  # text a spreadsheet would take for a formula (a name typed as =HYPERLINK(...)) stays text
            writer.writerow([safe_for_sheet(v) if isinstance(v, str) else v for v in asdict(r).values()])
        return buffer.getvalue()
    headers = (
        "Partnership",
        "Indicators due",
        "Return",
        "Received",
        "By",
        "On time",
        "Complete",
        "Open actions",
        "Rejected",
        "Last message",
    )
    table = [headers] + [
        (
            r.partnership,
            str(r.indicators_due),
            f"{r.state}, part quarter" if r.part_quarter else r.state,
            _local(r.received_at),
            f"{r.completed_by} (e-mail from {r.emailed_by})" if r.emailed_by else r.completed_by,
            r.on_time,
            f"{r.completeness}%",
            str(r.outstanding_actions),
            str(r.rejected_attempts),
            r.last_message,
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    later = sorted((r.partnership, r.deadline) for r in rows if r.deadline and r.deadline > due.isoformat())
    dates = ", ".join(f"{short} by {date.fromisoformat(day):%d/%m/%Y}" for short, day in later)
    moved = f" ({dates}: {'its template' if len(later) == 1 else 'their templates'} went out late)" if later else ""
    lines = [f"Returns for {period}, due by {due:%d/%m/%Y}{moved}", ""]
    for n, row in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    accepted = sum(r.state in ("accepted", "provisional") for r in rows)
    rejected = sum(r.state == "rejected" for r in rows)
    lines += [
        "",
        f"{accepted} of {len(rows)} returns accepted"
        + (f"; {rejected} partnership{'s' if rejected != 1 else ''} sent only a rejected return." if rejected else "."),
    ]
    if note:
        lines.append(note)
    return "\n".join(lines) + "\n"
