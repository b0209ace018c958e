"""Reminder planning, driven day by day with an injected `today`: who is told what, and when.

The period is 2025-26 Q3 (October to December 2025): templates out Monday 22
December, deadline Thursday 22 January 2026, escalation Thursday 29 January,
chasing ends Monday 23 March (the day before the Q4 templates go out).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from reporting_calendar import Q3, SETTINGS

from pipeline.chasing.reminders import (
    MAX_FINDINGS_LISTED,
    BoardContact,
    MessageKind,
    PlannedMessage,
    addresses,
    plan_acknowledgement,
    plan_feedback,
    plan_reminders,
    plan_templates_out,
)
from pipeline.domain.calendar import live_periods
from pipeline.domain.findings import ERROR, WARNING, Finding
from pipeline.domain.periods import Period
from pipeline.domain.records import Partnership

BOARD = BoardContact(
    "Brackenford Borough Partnership",
    "Brackenford Partnership Board",
    "Alex Morgan",
    "performance@brackenford.example.org",
)
ON_TIME = Partnership(
    "Safer Brackenford Partnership", "CSP", "Supt. Alan Greaves", "Priya Nair", "safer@brackenford.example.org"
)
LATE = Partnership("Housing Partnership", "HSG", "Cllr Sam Ellery", "Joanne Clarke", "housing@brackenford.example.org")
NEVER = Partnership(
    "Skills and Employability Partnership", "SKL", "Margaret Lowe", "Imran Hussain", "skills@brackenford.example.org"
)
REJECTED_FIRST = Partnership(
    "Health and Wellbeing Partnership", "HWB", "Dr Helen Marsh", "Tom Whitfield", "health@brackenford.example.org"
)
PARTNERSHIPS = (ON_TIME, LATE, NEVER, REJECTED_FIRST)
WORKBOOKS = {p.short_name: Path(f"outbox/templates/{p.short_name}-2025-26-Q3.xlsx") for p in PARTNERSHIPS}

# Returns as they land in the inbox: day -> [(partnership, accepted?)]
RETURNS = {
    date(2026, 1, 14): [(ON_TIME, True)],
    date(2026, 1, 15): [(REJECTED_FIRST, False)],
    date(2026, 1, 20): [(REJECTED_FIRST, True)],
    date(2026, 1, 28): [(LATE, True)],
}


@dataclass
class Loop:
    """What the watch loop and the store do with the planners, minus SQLite and SMTP."""

    accepted: set[str] = field(default_factory=set)  # for Q3; later periods start with none
    # period -> (partnership, key) -> the day it was sent, as the store records it
    sent: defaultdict[Period, dict[tuple[str, str], date]] = field(default_factory=lambda: defaultdict(dict))
    log: list[tuple[date, str, str]] = field(default_factory=list)
    planned: list[PlannedMessage] = field(default_factory=list)
    returns: Counter[str] = field(default_factory=Counter)

    def record(self, today: date, messages: list[PlannedMessage | None]) -> None:
        for m in messages:
            assert m is not None
            sent = self.sent[m.period]
            assert (m.partnership, m.key) not in sent, f"{m.key} planned twice for {m.partnership}"
            sent[(m.partnership, m.key)] = today
            self.log.append((today, m.partnership, m.key))
            self.planned.append(m)

    def receive(self, today: date, partnership: Partnership, ok: bool) -> None:
        self.returns[partnership.short_name] += 1
        n = self.returns[partnership.short_name]  # the store's id for the submission
        if ok:
            self.accepted.add(partnership.short_name)
            message = plan_acknowledgement(
                period=Q3,
                partnership=partnership,
                submission=str(n),
                received=today,
                warnings=(),
                settings=SETTINGS,
                board=BOARD,
            )
        else:
            message = plan_feedback(
                period=Q3,
                partnership=partnership,
                submission=str(n),
                received=today,
                findings=(),
                annotated=Path("annotated.xlsx"),
                settings=SETTINGS,
                board=BOARD,
            )
        self.record(today, [message])

    def reminder_pass(self, today: date) -> None:
        for period in live_periods(today, SETTINGS):
            common = dict(
                period=period,
                today=today,
                settings=SETTINGS,
                partnerships=PARTNERSHIPS,
                accepted=self.accepted if period == Q3 else set(),
                already_sent=self.sent[period],
                board=BOARD,
            )
            self.record(today, plan_templates_out(workbooks=WORKBOOKS, **common))
            self.record(today, plan_reminders(**common))

    def run(self, start: date, end: date, down: tuple[date, ...] = (), returns=RETURNS) -> None:
        """Each day: returns land in the morning, reminders go at 09:00 (unless the loop is down)."""
        day = start
        while day <= end:
            for partnership, ok in returns.get(day, []):
                self.receive(day, partnership, ok)
            if day not in down:
                self.reminder_pass(day)
            day += timedelta(days=1)


def days(start: date, end: date) -> tuple[date, ...]:
    return tuple(start + timedelta(days=n) for n in range((end - start).days + 1))


NEVER_CHASED = [
    (date(2026, 2, 4), "overdue-9"),
    (date(2026, 2, 9), "overdue-12"),
    (date(2026, 2, 12), "overdue-15"),
    (date(2026, 2, 17), "overdue-18"),
    (date(2026, 2, 20), "overdue-21"),
    (date(2026, 2, 25), "overdue-24"),
    (date(2026, 3, 2), "overdue-27"),
    (date(2026, 3, 5), "overdue-30"),
    (date(2026, 3, 10), "overdue-33"),
    (date(2026, 3, 13), "overdue-36"),
    (date(2026, 3, 18), "overdue-39"),
    (date(2026, 3, 23), "overdue-42"),
]


def test_a_whole_quarter_day_by_day_gives_exactly_the_expected_messages():
    loop = Loop()
    loop.run(date(2025, 12, 22), date(2026, 3, 31))
    assert [entry for entry in loop.log if entry[0] < date(2026, 3, 24)] == [
        (date(2025, 12, 22), "CSP", "templates-out"),
        (date(2025, 12, 22), "HSG", "templates-out"),
        (date(2025, 12, 22), "SKL", "templates-out"),
        (date(2025, 12, 22), "HWB", "templates-out"),
        (date(2026, 1, 8), "CSP", "before-deadline-10"),
        (date(2026, 1, 8), "HSG", "before-deadline-10"),
        (date(2026, 1, 8), "SKL", "before-deadline-10"),
        (date(2026, 1, 8), "HWB", "before-deadline-10"),
        (date(2026, 1, 14), "CSP", "acknowledgement-1"),
        (date(2026, 1, 15), "HWB", "feedback-1"),
        # A rejected return is still missing, so HWB is reminded with the others.
        (date(2026, 1, 19), "HSG", "before-deadline-3"),
        (date(2026, 1, 19), "SKL", "before-deadline-3"),
        (date(2026, 1, 19), "HWB", "before-deadline-3"),
        (date(2026, 1, 20), "HWB", "acknowledgement-2"),
        (date(2026, 1, 22), "HSG", "deadline"),
        (date(2026, 1, 22), "SKL", "deadline"),
        (date(2026, 1, 27), "HSG", "overdue-3"),
        (date(2026, 1, 27), "SKL", "overdue-3"),
        (date(2026, 1, 28), "HSG", "acknowledgement-1"),
        (date(2026, 1, 29), "SKL", "escalation"),
        (date(2026, 1, 30), "SKL", "overdue-6"),
        *[(day, "SKL", key) for day, key in NEVER_CHASED],
    ]
    # From 24 March the Q4 templates go out and Q3 is no longer chased.
    assert [entry for entry in loop.log if entry[0] >= date(2026, 3, 24)] == [
        (date(2026, 3, 24), p.short_name, "templates-out") for p in PARTNERSHIPS
    ]


def test_late_acknowledgement_says_it_was_late_and_on_time_one_does_not():
    loop = Loop()
    loop.run(date(2025, 12, 22), date(2026, 1, 31))
    acks = {m.partnership: m for m in loop.planned if m.kind is MessageKind.ACKNOWLEDGEMENT}
    assert acks["CSP"].context["late"] is False
    assert acks["HSG"].context["late"] is True


def test_restarting_the_loop_on_the_same_day_plans_nothing_more():
    loop = Loop()
    loop.run(date(2025, 12, 22), date(2026, 1, 27))
    before = list(loop.log)
    loop.reminder_pass(date(2026, 1, 27))
    loop.reminder_pass(date(2026, 1, 27))
    assert loop.log == before


def test_after_missed_days_only_the_latest_reminder_is_sent_once():
    loop = Loop()
    # Down from Wed 7 to Tue 20 January: both before-deadline days are missed.
    loop.run(date(2025, 12, 22), date(2026, 1, 23), down=days(date(2026, 1, 7), date(2026, 1, 20)))
    reminders = [e for e in loop.log if e[2].startswith(("before", "deadline"))]
    assert reminders == [
        (date(2026, 1, 21), "HSG", "before-deadline-3"),
        (date(2026, 1, 21), "SKL", "before-deadline-3"),
        (date(2026, 1, 22), "HSG", "deadline"),
        (date(2026, 1, 22), "SKL", "deadline"),
    ]
    late_one = next(m for m in loop.planned if m.key == "before-deadline-3")
    assert late_one.context["working_days_left"] == 1  # said as it is on the day it goes, not as planned


def test_a_missed_escalation_goes_alone_and_the_missed_chasers_are_not_sent_after_it():
    loop = Loop()
    loop.run(date(2025, 12, 22), date(2026, 1, 25))
    # Down from Mon 26 January to Sun 1 February: overdue-3, the escalation and overdue-6 are missed.
    loop.run(date(2026, 2, 2), date(2026, 2, 9))
    assert [e for e in loop.log if e[0] >= date(2026, 1, 26) and e[1] == "SKL"] == [
        (date(2026, 2, 2), "SKL", "escalation"),  # it copies the partnership, so it chases them too
        (date(2026, 2, 4), "SKL", "overdue-9"),  # overdue-6 (30 January) is stale: not sent on the 3rd
        (date(2026, 2, 9), "SKL", "overdue-12"),
    ]


# --- catching up: a first deployment, or a restart after a long stop ----------------------


def test_nobody_is_reminded_or_escalated_for_a_period_whose_templates_never_went_out():
    escalation_day = date(2026, 1, 29)
    assert (
        plan_reminders(
            period=Q3,
            today=escalation_day,
            settings=SETTINGS,
            partnerships=PARTNERSHIPS,
            accepted=set(),
            already_sent={},
            board=BOARD,
        )
        == []
    )
    # Messages of other kinds (feedback on a file sent in unasked) do not count as the templates going out.
    assert (
        plan_reminders(
            period=Q3,
            today=escalation_day,
            settings=SETTINGS,
            partnerships=[NEVER],
            accepted=set(),
            already_sent={("SKL", "feedback-1"): date(2026, 1, 15)},
            board=BOARD,
        )
        == []
    )


def test_first_run_after_the_deadline_sends_only_the_templates_and_chases_from_the_day_they_went():
    loop = Loop()
    # Started on Mon 2 March 2026, long after the 22 January deadline, with nothing sent before.
    loop.run(date(2026, 3, 2), date(2026, 3, 23), returns={})
    assert loop.log == [
        *[(date(2026, 3, 2), p.short_name, "templates-out") for p in PARTNERSHIPS],
        # 15 working days from 2 March, as a template sent as the quarter ends would have: due 23 March.
        *[(date(2026, 3, 9), p.short_name, "before-deadline-10") for p in PARTNERSHIPS],
        *[(date(2026, 3, 18), p.short_name, "before-deadline-3") for p in PARTNERSHIPS],
        *[(date(2026, 3, 23), p.short_name, "deadline") for p in PARTNERSHIPS],
    ]
    first = next(m for m in loop.planned if m.key == "templates-out")
    assert first.context["deadline"] == "Monday 23 March 2026"  # not the 22 January long gone
    assert first.context["working_days_left"] == 15
    last = loop.planned[-1]
    assert (last.key, last.context["deadline"], last.context["working_days_overdue"]) == (
        "deadline",
        "Monday 23 March 2026",
        0,
    )


def test_a_restart_the_same_day_the_late_templates_went_sends_nothing_more_that_day():
    loop = Loop()
    loop.run(date(2026, 2, 2), date(2026, 2, 2), returns={})
    loop.reminder_pass(date(2026, 2, 2))
    loop.reminder_pass(date(2026, 2, 3))
    assert {key for _day, _who, key in loop.log} == {"templates-out"}


def test_templates_a_day_late_keep_the_published_deadline_and_the_whole_quarter_runs_as_usual():
    loop = Loop()
    loop.run(date(2025, 12, 23), date(2026, 1, 23))  # down on Mon 22 December, the templates-out day
    assert loop.log[:4] == [(date(2025, 12, 23), p.short_name, "templates-out") for p in PARTNERSHIPS]
    assert (date(2026, 1, 22), "SKL", "deadline") in loop.log
    assert loop.planned[0].context["deadline"] == "Thursday 22 January 2026"


def test_an_escalation_due_the_same_day_as_a_chaser_is_the_one_message_sent():
    # Escalating after 6 working days puts it on the day of overdue-6 (Friday 30 January).
    settings = replace(SETTINGS, escalate_after_working_days=6)
    sent = {("SKL", "templates-out"): date(2025, 12, 22), ("SKL", "overdue-3"): date(2026, 1, 27)}
    [message] = plan_reminders(
        period=Q3,
        today=date(2026, 1, 30),
        settings=settings,
        partnerships=[NEVER],
        accepted=set(),
        already_sent=sent,
        board=BOARD,
    )
    assert (message.kind, message.cc) == (MessageKind.ESCALATION, ("skills@brackenford.example.org",))


def test_acknowledgement_is_late_only_against_the_deadline_the_partnership_was_given():
    common = dict(
        period=Q3,
        partnership=NEVER,
        submission="1",
        received=date(2026, 3, 20),
        warnings=(),
        settings=SETTINGS,
        board=BOARD,
    )
    given_late = plan_acknowledgement(templates_sent=date(2026, 3, 2), **common)
    assert (given_late.context["late"], given_late.context["deadline"]) == (False, "Monday 23 March 2026")
    assert plan_acknowledgement(templates_sent=date(2025, 12, 22), **common).context["late"] is True


def test_nothing_is_sent_at_the_weekend_even_after_missed_days():
    sent = {(p.short_name, "templates-out"): date(2025, 12, 22) for p in PARTNERSHIPS}
    common = dict(
        period=Q3, settings=SETTINGS, partnerships=PARTNERSHIPS, accepted=set(), already_sent=sent, board=BOARD
    )
    assert plan_reminders(today=date(2026, 1, 10), **common) == []  # Saturday
    assert plan_reminders(today=date(2026, 1, 1), **common) == []  # New Year's Day
    monday = plan_reminders(today=date(2026, 1, 12), **common)
    assert [(m.partnership, m.key) for m in monday] == [(p.short_name, "before-deadline-10") for p in PARTNERSHIPS]


OPENED = date(2025, 12, 22)  # the Q3 templates went out on the day


def test_reminder_is_addressed_to_the_partnership_only():
    [message] = plan_reminders(
        period=Q3,
        today=date(2026, 1, 8),
        settings=SETTINGS,
        partnerships=[LATE],
        accepted=set(),
        already_sent={("HSG", "templates-out"): OPENED},
        board=BOARD,
    )
    assert message.kind is MessageKind.REMINDER
    assert (message.to, message.cc) == (("housing@brackenford.example.org",), ())
    assert message.template == "reminder-before-deadline.txt"
    assert message.context["working_days_left"] == 10
    assert message.context["deadline"] == "Thursday 22 January 2026"


def test_escalation_goes_to_the_board_officer_copying_the_partnership():
    planned = plan_reminders(
        period=Q3,
        today=date(2026, 1, 29),
        settings=SETTINGS,
        partnerships=[NEVER],
        accepted=set(),
        already_sent={("SKL", "templates-out"): OPENED, ("SKL", "overdue-3"): date(2026, 1, 27)},
        board=BOARD,
    )
    [escalation] = [m for m in planned if m.kind is MessageKind.ESCALATION]
    assert escalation.to == ("performance@brackenford.example.org",)
    assert escalation.cc == ("skills@brackenford.example.org",)
    assert escalation.template == "escalation.txt"
    assert escalation.context["working_days_overdue"] == 5


def test_escalation_without_a_board_officer_address_is_skipped_with_a_warning(caplog):
    no_officer = replace(BOARD, officer_email="")
    with caplog.at_level(logging.WARNING):
        planned = plan_reminders(
            period=Q3,
            today=date(2026, 1, 29),
            settings=SETTINGS,
            partnerships=[NEVER],
            accepted=set(),
            already_sent={("SKL", "templates-out"): OPENED, ("SKL", "overdue-3"): date(2026, 1, 27)},
            board=no_officer,
        )
    assert planned == []
    assert "board_officer_email" in caplog.text


def test_partnership_without_an_email_address_is_skipped_with_a_warning(caplog):
    nowhere = replace(NEVER, email="")
    with caplog.at_level(logging.WARNING):
        planned = plan_reminders(
            period=Q3,
            today=date(2026, 1, 8),
            settings=SETTINGS,
            partnerships=[nowhere],
            accepted=set(),
            already_sent={("SKL", "templates-out"): OPENED},
            board=BOARD,
        )
    assert planned == []
    assert "SKL has no e-mail address" in caplog.text


def test_several_addresses_in_one_register_cell_are_all_used():
    assert addresses("a@x.org; b@x.org, c@x.org ;") == ("a@x.org", "b@x.org", "c@x.org")


def test_templates_out_missed_on_the_day_goes_on_the_next_working_day_with_the_workbook():
    # Mon 22 December missed; 23 December is the next working day.
    planned = plan_templates_out(
        period=Q3,
        today=date(2025, 12, 23),
        settings=SETTINGS,
        partnerships=[ON_TIME],
        workbooks=WORKBOOKS,
        accepted=set(),
        already_sent=set(),
        board=BOARD,
    )
    [message] = planned
    assert message.attachments == (WORKBOOKS["CSP"],)
    assert message.context["attachment"] == "CSP-2025-26-Q3.xlsx"
    assert (
        plan_templates_out(
            period=Q3,
            today=date(2025, 12, 19),
            settings=SETTINGS,
            partnerships=[ON_TIME],
            workbooks=WORKBOOKS,
            accepted=set(),
            already_sent=set(),
            board=BOARD,
        )
        == []
    )


def test_templates_out_without_a_workbook_is_skipped_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        planned = plan_templates_out(
            period=Q3,
            today=date(2025, 12, 22),
            settings=SETTINGS,
            partnerships=[ON_TIME],
            workbooks={},
            accepted=set(),
            already_sent=set(),
            board=BOARD,
        )
    assert planned == []
    assert "pipeline templates" in caplog.text


def test_feedback_lists_errors_first_and_attaches_the_annotated_workbook():
    findings = [Finding("outlier", WARNING, "The value is unusual.", sheet="Indicators", cell="J9")] + [
        Finding("not-a-number", ERROR, f"Actual {n} is not a number.", sheet="Indicators", cell=f"J{n}")
        for n in range(10, 10 + MAX_FINDINGS_LISTED + 5)
    ]
    message = plan_feedback(
        period=Q3,
        partnership=REJECTED_FIRST,
        submission="7",
        received=date(2026, 1, 15),
        findings=findings,
        annotated=Path("HWB-annotated.xlsx"),
        settings=SETTINGS,
        board=BOARD,
    )
    assert message.key == "feedback-7"
    assert message.attachments == (Path("HWB-annotated.xlsx"),)
    assert message.context["errors"] == MAX_FINDINGS_LISTED + 5
    assert message.context["findings"][0] == "Indicators!J10: Actual 10 is not a number."
    assert len(message.context["findings"]) == MAX_FINDINGS_LISTED
    assert message.context["more_findings"] == 6


def test_an_escalation_refused_for_good_does_not_hold_back_the_partnership_s_later_reminders():
    from pipeline.domain.calendar import reminder_schedule

    opened = date(2025, 12, 22)
    schedule = reminder_schedule(Q3, SETTINGS, opened)
    escalation = next(r for r in schedule if r.key == "escalation")
    later = next(r for r in schedule if r.on > escalation.on and r.kind.value == "overdue")

    planned = plan_reminders(
        period=Q3,
        today=later.on,
        settings=SETTINGS,
        partnerships=[LATE],
        accepted=set(),
        already_sent={("HSG", "templates-out"): opened},
        board=BOARD,
        refused={("HSG", "escalation")},
    )

    # The escalation is still planned, so it goes once the board officer's address is corrected.
    assert [m.key for m in planned] == ["escalation", later.key]


def test_a_deadline_reminder_caught_up_the_day_after_is_worded_as_overdue():
    loop = Loop()
    loop.run(date(2025, 12, 22), date(2026, 1, 23), down=(date(2026, 1, 22),))  # down on the deadline day
    [caught_up] = [m for m in loop.planned if m.partnership == "SKL" and m.key == "deadline"]
    assert caught_up.template == "reminder-overdue.txt", "never 'due today' the day after"
    assert caught_up.context["working_days_overdue"] == 1


def test_an_escalation_says_how_many_reminders_were_really_sent():
    from test_mail import TEMPLATES

    from pipeline.chasing.mail import render

    def escalation(already_sent):
        planned = plan_reminders(
            period=Q3,
            today=date(2026, 1, 29),
            settings=SETTINGS,
            partnerships=[NEVER],
            accepted=set(),
            already_sent=already_sent,
            board=BOARD,
        )
        [message] = [m for m in planned if m.kind is MessageKind.ESCALATION]
        return render(TEMPLATES, message.template, message.context)[1]

    none = escalation({("SKL", "templates-out"): OPENED})
    assert "no reminder has been sent since" in none and "Reminders have been sent" not in none
    two = escalation(
        {
            ("SKL", "templates-out"): OPENED,
            ("SKL", "deadline"): date(2026, 1, 22),
            ("SKL", "overdue-3"): date(2026, 1, 27),
        }
    )
    assert "2 reminders have been sent to the partnership's lead officer" in two


def test_an_overdue_reminder_after_the_board_meeting_does_not_say_the_figures_will_show_as_missing():
    from test_mail import TEMPLATES

    from pipeline.chasing.mail import render
    from pipeline.domain.calendar import board_meeting

    diary = replace(SETTINGS, board_meetings=(date(2026, 2, 5),))
    day, planned = board_meeting(Q3, diary), []
    assert day == date(2026, 2, 5)
    sent = {("SKL", "templates-out"): OPENED, ("SKL", "escalation"): date(2026, 1, 29)}
    while not planned and day < date(2026, 3, 24):  # the next chaser after the meeting, before chasing ends
        day += timedelta(days=1)
        planned = plan_reminders(
            period=Q3,
            today=day,
            settings=diary,
            partnerships=[NEVER],
            accepted=set(),
            already_sent=sent,
            board=BOARD,
        )
    [reminder] = planned
    assert reminder.kind is MessageKind.REMINDER
    body = render(TEMPLATES, reminder.template, reminder.context)[1]
    assert "without the partnership's figures" in body
    assert "will show as missing" not in body


def test_without_a_meeting_in_the_diary_no_reminder_says_the_quarter_went_to_the_board():
    from pipeline.domain.calendar import board_meeting

    assert board_meeting(Q3, SETTINGS) is None, "no board_meetings: no date is invented from the deadline"
    sent = {("SKL", "templates-out"): OPENED, ("SKL", "escalation"): date(2026, 1, 29)}
    contexts = [
        m.context
        for day in (date(2026, 2, 20), date(2026, 3, 13))
        for m in plan_reminders(
            period=Q3,
            today=day,
            settings=SETTINGS,
            partnerships=[NEVER],
            accepted=set(),
            already_sent=sent,
            board=BOARD,
        )
    ]
    assert contexts and all(c["reported_on"] == "" for c in contexts)
