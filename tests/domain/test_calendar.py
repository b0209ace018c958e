"""The reporting calendar: deadlines, templates-out days and reminder days, pinned on real dates.

2025-26 Q3 ends on Wednesday 31 December 2025, between Christmas and New Year, so
it exercises weekends and bank holidays at both ends.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from registers import DEMO_REGISTER, run_cli, write_config
from reporting_calendar import HOLIDAYS, Q3, SETTINGS

from pipeline.domain.calendar import (
    DaysOff,
    ReminderKind,
    ScheduledReminder,
    add_working_days,
    chase_until,
    deadline,
    deadline_for,
    is_late,
    is_working_day,
    live_periods,
    reminder_schedule,
    response_working_days,
    templates_out,
    working_days_between,
)
from pipeline.domain.periods import Period

Q4 = Period(2025, 4)  # January to March 2026


def test_weekends_and_bank_holidays_are_not_working_days():
    assert is_working_day(date(2025, 12, 24), HOLIDAYS)  # Wednesday
    assert not is_working_day(date(2025, 12, 25), HOLIDAYS)  # Christmas Day
    assert not is_working_day(date(2025, 12, 27), HOLIDAYS)  # Saturday
    assert not is_working_day(date(2025, 12, 28), HOLIDAYS)  # Sunday


def test_deadline_skips_new_year_bank_holiday_and_weekends():
    # 15 working days after Wed 31 Dec 2025, with 1 January a holiday.
    assert deadline(Q3, SETTINGS) == date(2026, 1, 22)


def test_a_bank_holiday_moves_the_deadline_one_working_day():
    assert deadline(Q3, replace(SETTINGS, days_off=())) == date(2026, 1, 21)


def test_deadline_skips_good_friday_and_easter_monday():
    # 15 working days after Tue 31 Mar 2026, with 3 and 6 April holidays.
    assert deadline(Q4, SETTINGS) == date(2026, 4, 23)


def test_templates_go_out_before_quarter_end_skipping_christmas():
    # 5 working days before Wed 31 Dec: 30, 29, (28-25 off), 24, 23, 22.
    assert templates_out(Q3, SETTINGS) == date(2025, 12, 22)


def test_negative_templates_out_means_after_quarter_end():
    assert templates_out(Q3, replace(SETTINGS, templates_out_working_days=-2)) == date(2026, 1, 5)


def test_working_days_between_counts_only_working_days():
    assert working_days_between(date(2025, 12, 31), date(2026, 1, 22), HOLIDAYS) == 15
    assert working_days_between(date(2026, 1, 22), date(2025, 12, 31), HOLIDAYS) == -15
    assert add_working_days(date(2026, 1, 22), -15, HOLIDAYS) == date(2025, 12, 31)


@pytest.mark.parametrize(
    "received, late",
    [
        pytest.param(date(2026, 1, 14), False, id="a_week_early_is_on_time"),
        pytest.param(date(2026, 1, 22), False, id="on_the_deadline_day_is_on_time"),
        pytest.param(date(2026, 1, 23), True, id="the_day_after_is_late"),
        pytest.param(date(2026, 1, 24), True, id="the_saturday_after_is_late"),
    ],
)
def test_is_late(received, late):
    assert is_late(Q3, SETTINGS, received) is late


def test_reminder_days_for_the_quarter():
    schedule = reminder_schedule(Q3, SETTINGS)
    assert [(r.on, r.key) for r in schedule[:7]] == [
        (date(2026, 1, 8), "before-deadline-10"),
        (date(2026, 1, 19), "before-deadline-3"),
        (date(2026, 1, 22), "deadline"),
        (date(2026, 1, 27), "overdue-3"),
        (date(2026, 1, 29), "escalation"),
        (date(2026, 1, 30), "overdue-6"),
        (date(2026, 2, 4), "overdue-9"),
    ]
    assert schedule[4] == ScheduledReminder(date(2026, 1, 29), ReminderKind.ESCALATION, 5)


def test_overdue_chasers_stop_the_day_before_the_next_templates_go_out():
    assert templates_out(Q4, SETTINGS) == date(2026, 3, 24)
    assert chase_until(Q3, SETTINGS) == date(2026, 3, 23)
    last = reminder_schedule(Q3, SETTINGS)[-1]
    assert (last.on, last.key) == (date(2026, 3, 23), "overdue-42")


@pytest.mark.parametrize("period", [Period(2025, q) for q in (1, 2, 3, 4)] + [Period(2026, 1)])
def test_no_reminder_falls_on_a_weekend_or_bank_holiday(period):
    schedule = reminder_schedule(period, SETTINGS)
    assert schedule
    assert all(is_working_day(r.on, HOLIDAYS) for r in schedule)
    assert len({r.key for r in schedule}) == len(schedule)


def test_a_new_bank_holiday_moves_a_reminder_day_but_keeps_its_key():
    # 8 January off pushes the deadline to Friday 23rd, and the reminder 10 working days before it to the 9th.
    moved = replace(SETTINGS, days_off=HOLIDAYS + (date(2026, 1, 8),))
    assert deadline(Q3, moved) == date(2026, 1, 23)
    first = reminder_schedule(Q3, moved)[0]
    assert (first.on, first.key) == (date(2026, 1, 9), "before-deadline-10")


def test_chaser_and_escalation_on_the_same_day_list_the_chaser_first():
    both = replace(SETTINGS, escalate_after_working_days=6)
    assert [r.key for r in reminder_schedule(Q3, both) if r.on == date(2026, 1, 30)] == ["overdue-6", "escalation"]


def test_no_reminder_on_the_deadline_day_when_turned_off():
    keys = [r.key for r in reminder_schedule(Q3, replace(SETTINGS, remind_on_deadline=False))]
    assert "deadline" not in keys
    assert keys[:3] == ["before-deadline-10", "before-deadline-3", "overdue-3"]


def test_a_reminder_before_the_templates_go_out_is_dropped():
    # 20 working days before the deadline is the templates-out day itself.
    early = replace(SETTINGS, reminder_working_days=(20, 3))
    assert add_working_days(deadline(Q3, early), -20, HOLIDAYS) == templates_out(Q3, early)
    assert [r.key for r in reminder_schedule(Q3, early)][:2] == ["before-deadline-3", "deadline"]


@pytest.mark.parametrize(
    "today, keys",
    [
        pytest.param(date(2026, 1, 8), ["before-deadline-10"], id="ten_days_before"),
        pytest.param(date(2026, 1, 9), [], id="a_day_with_nothing_due"),
        pytest.param(date(2026, 1, 22), ["deadline"], id="deadline_day"),
        pytest.param(date(2026, 1, 29), ["escalation"], id="escalation_day"),
        pytest.param(date(2026, 1, 31), [], id="saturday"),
    ],
)
def test_the_reminders_scheduled_for_a_day(today, keys):
    assert [r.key for r in reminder_schedule(Q3, SETTINGS) if r.on == today] == keys


def test_exactly_one_period_is_live_on_every_day():
    day = date(2025, 4, 1)
    while day < date(2027, 4, 1):
        assert len(live_periods(day, SETTINGS)) == 1, day
        day += timedelta(days=1)
    assert live_periods(date(2026, 3, 23), SETTINGS) == (Q3,)
    assert live_periods(date(2026, 3, 24), SETTINGS) == (Q4,)


# --- templates that went out late ------------------------------------------------------


@pytest.mark.parametrize(
    "sent, due",
    [
        pytest.param(None, date(2026, 1, 22), id="not_known_keeps_the_published_deadline"),
        pytest.param(date(2025, 12, 22), date(2026, 1, 22), id="on_the_day"),
        pytest.param(date(2025, 12, 30), date(2026, 1, 22), id="late_but_before_quarter_end_keeps_it"),
        pytest.param(date(2026, 1, 5), date(2026, 1, 26), id="after_quarter_end_gives_15_working_days"),
        pytest.param(date(2026, 3, 2), date(2026, 3, 23), id="weeks_after_the_deadline"),
    ],
)
def test_deadline_for_a_template_sent_late(sent, due):
    assert response_working_days(Q3, SETTINGS) == 15
    assert deadline_for(Q3, SETTINGS, sent) == due


def test_templates_sent_after_quarter_end_by_the_calendar_keep_the_published_deadline():
    # Sent 2 working days after the quarter ends, as configured: 13 working days to the deadline.
    after = replace(SETTINGS, templates_out_working_days=-2)
    assert response_working_days(Q3, after) == 13
    assert deadline_for(Q3, after, templates_out(Q3, after)) == deadline(Q3, after)


def test_a_late_templates_schedule_counts_from_the_day_they_went_and_starts_after_it():
    schedule = reminder_schedule(Q3, SETTINGS, templates_sent=date(2026, 3, 2))
    assert [(r.on, r.key) for r in schedule] == [
        (date(2026, 3, 9), "before-deadline-10"),
        (date(2026, 3, 18), "before-deadline-3"),
        (date(2026, 3, 23), "deadline"),  # chasing for Q3 ends that day: no overdue, no escalation
    ]


def test_the_schedule_of_templates_sent_on_the_day_is_the_periods_own():
    assert reminder_schedule(Q3, SETTINGS, templates_sent=templates_out(Q3, SETTINGS)) == reminder_schedule(
        Q3, SETTINGS
    )


# --- bank holidays for any year, by nation ----------------------------------------------


def test_2027_good_friday_and_easter_monday_are_not_working_days_in_england_and_wales():
    days_off = DaysOff("England and Wales")
    assert not is_working_day(date(2027, 3, 26), days_off)  # Good Friday
    assert not is_working_day(date(2027, 3, 29), days_off)  # Easter Monday
    assert is_working_day(date(2027, 3, 30), days_off)


def test_scotland_keeps_2_january_and_england_works_it():
    assert not is_working_day(date(2026, 1, 2), DaysOff("Scotland"))  # a Friday
    assert is_working_day(date(2026, 1, 2), DaysOff("England and Wales"))
    assert not is_working_day(date(2027, 1, 4), DaysOff("Scotland"))  # 2 January 2027 is a Saturday: moved to Monday


def test_northern_ireland_keeps_st_patricks_day():
    assert not is_working_day(date(2027, 3, 17), DaysOff("Northern Ireland"))
    assert is_working_day(date(2027, 3, 17), DaysOff("England and Wales"))


def test_a_closure_day_is_not_a_working_day():
    closed = DaysOff("England and Wales", closure_days=frozenset({date(2027, 12, 29)}))
    assert not is_working_day(date(2027, 12, 29), closed)
    assert is_working_day(date(2027, 12, 29), DaysOff("England and Wales"))


def test_the_deadline_across_the_2027_new_year_depends_on_the_nation():
    # Q3 2026-27 ends on Thursday 31 December 2026; 1 January 2027 is a Friday.
    q3 = Period(2026, 3)
    assert deadline(q3, replace(SETTINGS, days_off=DaysOff("England and Wales"))) == date(2027, 1, 22)
    assert deadline(q3, replace(SETTINGS, days_off=DaysOff("Scotland"))) == date(2027, 1, 25)


def test_templates_go_out_before_easter_2027_and_returns_are_due_after_easter_2028():
    settings = replace(SETTINGS, days_off=DaysOff("England and Wales"))
    # 5 working days before Wednesday 31 March 2027, skipping Easter Monday and Good Friday.
    assert templates_out(Period(2026, 4), settings) == date(2027, 3, 22)
    # 15 working days after Friday 31 March 2028, skipping Good Friday 14 and Easter Monday 17 April.
    assert deadline(Period(2027, 4), settings) == date(2028, 4, 25)
    # 5 working days before Friday 31 December 2027: 30, 29, (Christmas and Boxing Day observed on
    # Monday 27 and Tuesday 28), 24, 23, 22.
    assert templates_out(Period(2027, 3), settings) == date(2027, 12, 22)


def test_the_shipped_calendar_does_not_run_out(tmp_path):
    config = write_config(tmp_path, DEMO_REGISTER)
    code, out, _err = run_cli(["--config", str(config), "status", "--period", "2027-28 Q4"])
    assert code == 0
    assert out.startswith("Returns for 2027-28 Q4, due by 25/04/2028\n")
    code, out, _err = run_cli(["--config", str(config), "chase", "--dry-run", "--date", "2027-03-22"])
    assert code == 0
    assert "would send 2026-27-Q4/CYP/templates-out\n" in out
