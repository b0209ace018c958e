"""UK financial-year quarters: parsing the forms people type, and the arithmetic the stages need."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.domain.errors import ExitStatus, PeriodError
from pipeline.domain.periods import ACCEPTED_FORMS, Period, last_completed, parse_period, period_containing

Q1_2025 = Period(2025, 1)


@pytest.mark.parametrize(
    "text",
    [
        "2025-26 Q1",
        "2025/26 Q1",
        "Q1 2025-26",
        "2025-26-Q1",
        "q1 2025/26",
        "2025-2026 Q1",
        "2025–26 Q1",  # en dash, as Word and Outlook autocorrect a hyphen
        "  2025-26   Q1 ",
        "2025 - 26 Q1",
        "2025-26Q1",
    ],
)
def test_every_accepted_form_reads_as_the_same_period(text):
    assert parse_period(text) == Q1_2025


@pytest.mark.parametrize("text", ["2025 Q1", "Q5 2025-26", "2025-26", "April 2025", "", "2025-26 Q0", "FY25 Q1"])
def test_text_that_is_not_a_period_is_refused_showing_the_accepted_forms(text):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert "is not a period" in str(caught.value)
    assert ACCEPTED_FORMS in str(caught.value)
    assert "2025-26 Q1, 2025/26 Q1, Q1 2025-26 or 2025-26-Q1" in str(caught.value)


def test_years_that_do_not_follow_each_other_are_not_a_financial_year():
    with pytest.raises(PeriodError) as caught:
        parse_period("2025-27 Q1")
    assert str(caught.value).startswith('"2025-27 Q1" is not a financial year: 2025 must be followed by 2026.')
    assert ACCEPTED_FORMS in str(caught.value)


def test_a_period_error_is_a_bad_input_exit_code():
    assert PeriodError("x").exit_status == ExitStatus.BAD_CONFIG == 2


def test_a_quarter_outside_one_to_four_does_not_exist():
    with pytest.raises(PeriodError, match="Quarter 5 does not exist. Use Q1 to Q4."):
        Period(2025, 5)


@pytest.mark.parametrize(
    "quarter, start, end, label",
    [
        (1, date(2025, 4, 1), date(2025, 6, 30), "April to June 2025"),
        (2, date(2025, 7, 1), date(2025, 9, 30), "July to September 2025"),
        (3, date(2025, 10, 1), date(2025, 12, 31), "October to December 2025"),
        (4, date(2026, 1, 1), date(2026, 3, 31), "January to March 2026"),
    ],
)
def test_each_quarter_of_2025_26_starts_ends_and_reads_as_its_months(quarter, start, end, label):
    period = Period(2025, quarter)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_q4_of_a_leap_year_ends_on_31_march():
    assert Period(2027, 4).end == date(2028, 3, 31)


def test_text_and_slug_name_the_financial_year_and_quarter():
    assert str(Period(2025, 3)) == "2025-26 Q3"
    assert Period(2025, 3).fy == "2025-26"
    assert Period(2025, 3).slug == "2025-26-Q3"
    assert str(Period(1999, 1)) == "1999-00 Q1"


def test_previous_of_q1_is_q4_of_the_year_before():
    assert Period(2025, 1).previous() == Period(2024, 4)


def test_previous_within_a_year_is_the_quarter_before():
    assert Period(2025, 3).previous() == Period(2025, 2)


def test_next_of_q4_is_q1_of_the_year_after():
    assert Period(2025, 4).next() == Period(2026, 1)
    assert Period(2025, 2).next() == Period(2025, 3)


def test_same_period_last_year_keeps_the_quarter():
    assert Period(2025, 2).same_last_year() == Period(2024, 2)


def test_back_gives_this_period_and_those_before_it_oldest_first():
    assert Period(2025, 2).back(4) == [Period(2024, 3), Period(2024, 4), Period(2025, 1), Period(2025, 2)]
    assert Period(2025, 2).back(1) == [Period(2025, 2)]


def test_periods_sort_in_time_order():
    shuffled = [Period(2025, 1), Period(2024, 4), Period(2025, 4), Period(2024, 1), Period(2025, 2)]
    assert sorted(shuffled) == [Period(2024, 1), Period(2024, 4), Period(2025, 1), Period(2025, 2), Period(2025, 4)]
    assert Period(2024, 4) < Period(2025, 1)


@pytest.mark.parametrize(
    "day, period",
    [
        (date(2025, 4, 1), Period(2025, 1)),
        (date(2025, 6, 30), Period(2025, 1)),
        (date(2025, 7, 1), Period(2025, 2)),
        (date(2025, 12, 31), Period(2025, 3)),
        (date(2026, 1, 1), Period(2025, 4)),
        (date(2026, 3, 31), Period(2025, 4)),
    ],
)
def test_period_containing_a_date_follows_the_april_financial_year(day, period):
    assert period_containing(day) == period


@pytest.mark.parametrize(
    "today, period",
    [
        (date(2025, 7, 15), Period(2025, 1)),  # returns for April-June are being collected
        (date(2025, 4, 1), Period(2024, 4)),  # the first day of a year: Q4 of the year before
        (date(2026, 2, 10), Period(2025, 3)),
    ],
)
def test_last_completed_is_the_quarter_before_today(today, period):
    assert last_completed(today) == period


periods = st.builds(Period, st.integers(min_value=1000, max_value=9998), st.integers(min_value=1, max_value=4))


readable_periods = st.builds(Period, st.integers(min_value=1990, max_value=2099), st.integers(min_value=1, max_value=4))


@given(readable_periods)
def test_a_period_reads_back_from_its_own_text(period):
    assert str(parse_period(str(period))) == str(period)
    assert parse_period(str(period)) == period
    assert parse_period(period.slug) == period


@given(periods)
def test_next_and_previous_undo_each_other_and_quarters_tile_the_year(period):
    assert period.next().previous() == period
    assert period.previous() < period < period.next()
    assert (period.next().start - period.end).days == 1
    assert period_containing(period.start) == period == period_containing(period.end)


def test_previous_due_steps_back_to_the_last_quarter_an_indicator_is_reported():
    from pipeline.domain.records import Frequency

    q2 = parse_period("2025-26 Q2")
    assert q2.previous_due(Frequency.QUARTERLY.due_in) == parse_period("2025-26 Q1")
    assert q2.previous_due(Frequency.SIX_MONTHLY.due_in) == parse_period("2024-25 Q4")
    assert parse_period("2025-26 Q4").previous_due(Frequency.ANNUAL.due_in) == parse_period("2024-25 Q4")


@pytest.mark.parametrize("text", ["9999-00 Q4", "1899-00 Q3", "1000-01 Q1"])
def test_a_year_no_partnership_reports_in_is_refused_as_a_slip(text):
    with pytest.raises(PeriodError, match="is out of range"):
        parse_period(text)
