"""Year-end forecasts, hand-worked: a cumulative indicator with a profile, with earlier years' shares
and with a straight line, and a level indicator. Results are rounded to 2 places, half up."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pipeline.analysis.forecast import (
    LEVEL_LATEST,
    LEVEL_SEASONAL,
    NOT_ENOUGH_HISTORY,
    PROFILE,
    SEASONAL,
    STRAIGHT_LINE,
    Forecast,
    forecast,
)


def year(*figures):
    return tuple(None if f is None else D(str(f)) for f in figures)


def test_cumulative_with_a_profile_divides_the_running_total_by_the_profiles_share():
    # Q2 target 150 of 400 is a share of 0.375: 180 / 0.375 = 480. Earlier years at Q2: 120 / 0.375 = 320
    # against an outturn of 300 (error -20), 150 / 0.375 = 400 against 420 (error +20).
    result = forecast(
        cumulative=True,
        quarter=2,
        latest=D(180),
        earlier=[year(60, 120, 200, 300), year(70, 150, 300, 420)],
        quarter_target=D(150),
        annual_target=D(400),
    )
    assert result == Forecast(D("480.00"), D("460.00"), D("500.00"), PROFILE)


def test_cumulative_without_a_profile_uses_earlier_years_average_share():
    # Shares at Q1: 30 / 100 = 0.3 and 50 / 200 = 0.25, average 0.275: 33 / 0.275 = 120.
    # Errors: 100 - 30 / 0.275 = -9.0909..., 200 - 50 / 0.275 = +18.1818...
    result = forecast(
        cumulative=True,
        quarter=1,
        latest=D(33),
        earlier=[year(30, 55, 80, 100), year(50, 100, 150, 200)],
        annual_target=D(130),
    )
    assert result == Forecast(D("120.00"), D("110.91"), D("138.18"), SEASONAL)


def test_cumulative_with_one_earlier_year_is_a_straight_line_with_no_interval():
    # Q3 is three quarters of the year: 90 / 0.75 = 120.
    result = forecast(cumulative=True, quarter=3, latest=D(90), earlier=[year(30, 55, 80, 100)], annual_target=D(100))
    assert result == Forecast(D("120.00"), None, None, STRAIGHT_LINE, NOT_ENOUGH_HISTORY)


def test_a_profile_of_zero_this_quarter_falls_back_to_the_straight_line():
    result = forecast(cumulative=True, quarter=1, latest=D(10), earlier=[], quarter_target=D(0), annual_target=D(100))
    assert (result.outturn, result.method) == (D("40.00"), STRAIGHT_LINE)


def test_an_earlier_year_with_nothing_by_this_quarter_keeps_the_straight_line():
    # A share of zero in one year says nothing about the share to expect: the straight line is used.
    result = forecast(cumulative=True, quarter=1, latest=D(10), earlier=[year(0, 20, 40, 80), year(20, 40, 60, 80)])
    assert (result.outturn, result.method) == (D("40.00"), STRAIGHT_LINE)


def test_a_level_adds_earlier_years_average_change_to_q4():
    # Q2 to Q4 changes: 75 - 71 = 4 and 70 - 67 = 3, average 3.5: 72.5 + 3.5 = 76.
    # Errors: 75 - (71 + 3.5) = +0.5 and 70 - (67 + 3.5) = -0.5.
    result = forecast(
        cumulative=False, quarter=2, latest=D("72.5"), earlier=[year(70, 71, 73, 75), year(68, 67, 69, 70)]
    )
    assert result == Forecast(D("76.00"), D("75.50"), D("76.50"), LEVEL_SEASONAL)


def test_a_level_with_one_earlier_year_is_its_latest_figure():
    result = forecast(cumulative=False, quarter=2, latest=D("72.5"), earlier=[year(70, 71, 73, 75)])
    assert result == Forecast(D("72.50"), None, None, LEVEL_LATEST, NOT_ENOUGH_HISTORY)


def test_an_earlier_year_without_an_outturn_is_not_complete():
    result = forecast(cumulative=False, quarter=2, latest=D(50), earlier=[year(1, 2, 3, None), year(1, 2, 3, 4)])
    assert (result.method, result.interval_note) == (LEVEL_LATEST, NOT_ENOUGH_HISTORY)


def test_at_q4_a_cumulative_forecast_is_the_outturn_itself():
    result = forecast(cumulative=True, quarter=4, latest=D(97), earlier=[], quarter_target=D(100), annual_target=D(100))
    assert result.outturn == D("97.00")


def test_no_figure_no_forecast():
    assert forecast(cumulative=False, quarter=1, latest=None, earlier=[]) is None


@pytest.mark.parametrize(
    "latest, expected", [(D("0.005"), D("0.01")), (D("0.015"), D("0.02")), (D("-0.005"), D("-0.01"))]
)
def test_forecasts_round_half_up_to_two_places(latest, expected):
    assert forecast(cumulative=False, quarter=4, latest=latest, earlier=[]).outturn == expected
