"""Confidence intervals pinned to PHEindicatormethods' published test values (testdata_Byars_Wilson.xlsx
and testdata_Rate.xlsx in its tests), to 1e-9."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pipeline.analysis.intervals import (
    byar,
    change_significant,
    exact_poisson,
    gap_interval,
    local_interval,
    newcombe,
    poisson,
    rate_difference,
    wilson,
)


@pytest.mark.parametrize(
    "x, n, confidence, lower, upper",
    [
        pytest.param(65, 100, 0.95, 0.5525444329688797, 0.7363575175690247, id="65_of_100"),
        pytest.param(1045, 5000, 0.95, 0.19795549880013297, 0.22049130373189027, id="1045_of_5000"),
        pytest.param(0.445, 1, 0.95, 0.04381744772058822, 0.9334621276979156, id="fraction_of_one"),
        pytest.param(65, 100, 0.998, 0.4954946574070431, 0.7783540614089697, id="65_of_100_at_99_8"),
        pytest.param(1045, 5000, 0.998, 0.19179381799015244, 0.22731562902525818, id="1045_of_5000_at_99_8"),
    ],
)
def test_wilson_score_limits_match_phe(x, n, confidence, lower, upper):
    assert wilson(x, n, confidence) == pytest.approx((lower, upper), abs=1e-9)


@pytest.mark.parametrize(
    "x, confidence, lower, upper",
    [
        pytest.param(65, 0.95, 50.163187710459454, 82.84913854593984, id="65"),
        pytest.param(1045, 0.95, 982.5932018073325, 1110.33121298565, id="1045"),
        pytest.param(1, 0.95, 0.01307213290150435, 5.5637555824752605, id="1_byar_alone"),
        pytest.param(65, 0.998, 42.8802614714802, 94.00029084431802, id="65_at_99_8"),
        pytest.param(10, 0.998, 2.916318374695686, 24.193724927880535, id="10_at_99_8"),
    ],
)
def test_byar_limits_match_phe(x, confidence, lower, upper):
    assert byar(x, confidence) == pytest.approx((lower, upper), abs=1e-9)


@pytest.mark.parametrize(
    "x, confidence, lower, upper",
    [
        pytest.param(1, 0.95, 0.025317807984289897, 5.571643390938898, id="1"),
        pytest.param(5, 0.95, 1.62348639011842, 11.668332079322669, id="5"),
        pytest.param(1, 0.998, 0.0010005003335835344, 9.233413476451585, id="1_at_99_8"),
        pytest.param(5, 0.998, 0.739371731917839, 16.454745203680105, id="5_at_99_8"),
        pytest.param(2, 0.95, 0.24220927855991291, 7.224687667723971, id="2_rate_g"),
    ],
)
def test_exact_poisson_limits_match_phe_below_ten_events(x, confidence, lower, upper):
    assert exact_poisson(x, confidence) == pytest.approx((lower, upper), rel=1e-8)


def test_zero_events_have_a_lower_limit_of_zero_and_the_textbook_upper():
    assert exact_poisson(0) == pytest.approx((0.0, 3.6888794541139363), rel=1e-8)


def test_ten_or_more_events_use_byar_and_fewer_the_exact_limits():
    assert poisson(20) == pytest.approx((12.211428834875937, 30.889880369197066), abs=1e-9)
    assert poisson(9) == exact_poisson(9)


@pytest.mark.parametrize(
    "unit, numerator, denominator, lower, upper, method",
    [
        pytest.param("%", D(65), D(100), D("55.25"), D("73.64"), "Wilson score", id="percent_wilson"),
        # testdata_Rate: 222 in 3,215 per 100 is 6.0266-7.8757, so per 1,000 it is ten times that
        pytest.param("rate per 1,000", D(222), D(3215), D("60.27"), D("78.76"), "Byar", id="rate_byar"),
        pytest.param("rate per 1,000", D(5), D(100), D("16.23"), D("116.68"), "exact Poisson", id="rate_exact"),
        pytest.param("count", D(65), None, D("50.16"), D("82.85"), "Byar", id="count_byar"),
    ],
)
def test_local_interval_in_the_indicators_unit_rounded_to_two_places(
    unit, numerator, denominator, lower, upper, method
):
    interval = local_interval(unit, numerator, denominator)
    assert (interval.lower, interval.upper, interval.method) == (lower, upper, method)


@pytest.mark.parametrize(
    "unit, numerator, denominator",
    [
        pytest.param("£", D(65), D(100), id="money_has_no_interval"),
        pytest.param("days", D(65), D(100), id="days_have_no_interval"),
        pytest.param("%", D(101), D(100), id="more_than_the_whole"),
        pytest.param("%", D(5), D(0), id="no_denominator"),
        pytest.param("%", None, D(100), id="no_numerator"),
    ],
)
def test_no_local_interval_where_one_cannot_be_made(unit, numerator, denominator):
    assert local_interval(unit, numerator, denominator) is None


def test_newcombe_difference_of_proportions_matches_his_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II example (a): 56/70 - 48/80, method 10:
    # 0.0524 to 0.3339.
    low, high = newcombe(56, 70, 48, 80)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_rate_difference_normal_approximation():
    # 30 in 1,000 against 20 in 2,000 per 1,000: 30 - 10 = 20, se = 1000 * sqrt(30/1e6 + 20/4e6) = 5.916
    low, high, se = rate_difference(30, 1000, 20, 2000, 1000)
    assert (round(se, 3), round(low, 2), round(high, 2)) == (5.916, 8.40, 31.60)


def test_a_gap_that_closes_by_more_than_chance_allows_is_significant():
    before = gap_interval("%", (D(400), D(1000)), (D(600), D(1000)))
    now = gap_interval("%", (D(550), D(1000)), (D(600), D(1000)))
    assert (before.difference, now.difference) == (D("-20.00"), D("-5.00"))
    assert change_significant(now, before) is True


def test_a_small_change_in_a_gap_between_small_areas_is_not_significant():
    before = gap_interval("%", (D(40), D(100)), (D(60), D(100)))
    now = gap_interval("%", (D(45), D(100)), (D(60), D(100)))
    assert change_significant(now, before) is False


def test_no_gap_interval_for_a_unit_without_one_or_without_figures():
    assert gap_interval("£", (D(1), D(2)), (D(1), D(2))) is None
    assert gap_interval("%", None, (D(1), D(2))) is None
    assert change_significant(None, gap_interval("%", (D(1), D(2)), (D(1), D(2)))) is None
