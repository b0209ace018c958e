"""Statistical process control pinned to the rule examples of NHSRplotthedots' tests and to a
hand-worked XmR chart."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pipeline.analysis.spc import Assurance, Rule, Variation, spc, xmr
from pipeline.domain.records import Polarity

HIGHER, LOWER, NONE = Polarity.HIGHER, Polarity.LOWER, Polarity.NONE
STEADY = [10, 12, 11, 13, 12, 11, 10, 12, 13, 11, 12, 11]


def figures(values):
    return [D(str(v)) for v in values]


def chart(values, polarity=HIGHER, target=None):
    values = figures(values)
    return spc([f"p{i}" for i in range(len(values))], values, polarity=polarity, target=target)


def rules(values):
    points, *_ = xmr([str(i) for i in range(len(values))], figures(values))
    return [p.rule for p in points]


def test_limits_are_the_mean_plus_and_minus_2_66_mean_moving_ranges():
    # Sum 138 over 12 points: mean 11.5. Moving ranges 2,1,2,1,1,1,2,1,2,1,1 sum 15 over 11.
    # 2.66 x 15 / 11 = 3.62727...: limits 7.87273 and 15.12727.
    result = chart(STEADY)
    assert result.mean == D("11.5")
    assert (round(result.lower, 5), round(result.upper, 5)) == (D("7.87273"), D("15.12727"))
    assert result.variation is Variation.COMMON


def test_a_moving_range_past_3_267_times_the_mean_is_left_out_of_the_limits():
    # One wild quarter: 40 makes moving ranges 28 and 29 beside nine of 0 or 1 (mean 62 / 11 = 5.636;
    # 3.267 times it is 18.4), so those two are left out and the limits use the other nine's mean, 5 / 9.
    values = [12, 12, 12, 13, 12, 12, 13, 12, 12, 40, 11, 12]
    result = chart(values)
    kept = [0, 0, 1, 1, 0, 1, 1, 0, 1]  # the moving ranges under 18.4; 28 and 29 are screened out
    mean = D(sum(values)) / 12
    assert result.upper == mean + D("2.66") * D(sum(kept)) / len(kept)
    assert result.points[9].rule is Rule.OUTSIDE


def test_fewer_than_twelve_figures_give_not_enough_points():
    result = chart(STEADY[:11])
    assert (result.variation, result.assurance, result.points) == (Variation.NOT_ENOUGH, Assurance.NOT_ENOUGH, ())


@pytest.mark.parametrize(
    "polarity, expected",
    [(HIGHER, Variation.IMPROVING), (LOWER, Variation.CONCERNING), (NONE, Variation.HIGHER)],
)
def test_a_latest_point_above_the_upper_limit_is_read_by_polarity(polarity, expected):
    assert chart([*STEADY, 30], polarity).variation is expected


def test_a_latest_point_below_the_lower_limit_with_no_polarity_is_lower():
    assert chart([*STEADY, 1], NONE).variation is Variation.LOWER


def test_seven_rising_points_in_a_row_are_a_trend_from_the_first_of_them():
    # As ptd_seven_point_trend(c(2, 1:7, 3)): the seven rising form the trend, the points beside do not.
    values = [6, 5, 6, 5, 6, 5, 6, 4, 4.5, 5, 5.5, 6, 6.5, 7, 5]
    marked = rules(values)
    assert marked[7:14] == [Rule.TREND] * 7
    assert marked[6] is None and marked[14] is None


def test_six_rising_points_are_not_a_trend():
    values = [8, 9, 8, 9, 8, 9, 8, 9, 3, 4, 5, 6, 7, 8]
    assert Rule.TREND not in rules(values)


def test_a_repeated_figure_breaks_a_trend():
    # As ptd_seven_point_trend(c(1:3, 3:6)): equal neighbours are not rising.
    values = [9, 8, 9, 8, 9, 8, 1, 2, 3, 3, 4, 5, 6]
    assert Rule.TREND not in rules(values)


def test_seven_points_on_one_side_of_the_mean_are_a_shift():
    # As ptd_seven_point_one_side_mean(c(rep(1, 8), -1)): eight above the mean (168 / 16 = 10.5) all count.
    values = [9, 11, 9, 11, 9, 11, 12, 11, 12, 11, 12, 11, 12, 9, 9, 9]
    points, mean, *_ = xmr([str(i) for i in range(len(values))], figures(values))
    assert mean == D("10.5")
    assert [p.rule for p in points][5:13] == [Rule.SHIFT] * 8
    assert all(p.side == 1 for p in points[5:13])


def test_six_points_on_one_side_are_not_a_shift():
    values = [9, 11, 9, 11, 9, 11, 12, 11, 12, 11, 9, 9, 9, 11]
    assert Rule.SHIFT not in rules(values)


def test_a_point_on_the_mean_breaks_a_run_on_one_side():
    values = [8, 12, 8, 12, 8, 12, 11, 11, 11, 10, 11, 11, 11, 8, 8, 8]  # mean 10: the 10 breaks the run
    assert Rule.SHIFT not in rules(values)


def test_two_of_three_near_the_upper_limit_on_one_side_are_special_cause():
    # Mean 206 / 19 = 10.84, mean moving range 25 / 18 = 1.39: the upper limit is 14.17 and two thirds
    # of the way to it 13.06. Two points at 13.5 with the point between (11) above the mean too: the two
    # near points are marked, not the one between.
    values = [10, 11] * 8 + [13.5, 11, 13.5]
    points, mean, _lower, upper = xmr([str(i) for i in range(len(values))], figures(values))
    assert (round(mean, 2), round(upper, 2), round(mean + (upper - mean) * 2 / 3, 2)) == (
        D("10.84"),
        D("14.17"),
        D("13.06"),
    )
    marked = [p.rule for p in points]
    assert marked[16:] == [Rule.TWO_OF_THREE, None, Rule.TWO_OF_THREE]


def test_two_near_a_limit_with_the_point_between_on_the_other_side_are_not():
    values = [10, 11] * 8 + [13.5, 10, 13.5]
    assert Rule.TWO_OF_THREE not in rules(values)


@pytest.mark.parametrize(
    "polarity, target, expected",
    [
        pytest.param(HIGHER, D(7), Assurance.PASSING, id="higher_target_below_the_limits_passes"),
        pytest.param(HIGHER, D(16), Assurance.FAILING, id="higher_target_above_the_limits_fails"),
        pytest.param(LOWER, D(16), Assurance.PASSING, id="lower_target_above_the_limits_passes"),
        pytest.param(LOWER, D(7), Assurance.FAILING, id="lower_target_below_the_limits_fails"),
        pytest.param(HIGHER, D(12), Assurance.HIT_AND_MISS, id="target_inside_the_limits_is_hit_and_miss"),
        pytest.param(HIGHER, None, Assurance.NO_TARGET, id="no_target"),
        pytest.param(NONE, D(7), Assurance.NOT_RATED, id="no_polarity"),
    ],
)
def test_assurance_against_the_target(polarity, target, expected):
    assert chart(STEADY, polarity, target).assurance is expected
