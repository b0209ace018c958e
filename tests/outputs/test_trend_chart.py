"""The trend chart, a native Word chart read back from its XML: what it shows, its text, and its
value axis for any figures."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import pytest
from chart_xml import read_chart
from hypothesis import given, settings
from hypothesis import strategies as st
from test_charts import exception

from pipeline.outputs.assemble import TrendPoint
from pipeline.outputs.chart_scale import nice_ticks
from pipeline.outputs.charts import trend_chart

ACTUAL, TARGET = "1F4E79", "404040"
DEMO_TITLE = "SKL-05: Sickness absence days per employee (partner organisations)"


def with_figures(result, actual, target=None):
    """The exception with these figures (strings or None) for its quarters, and these targets."""
    target = target if target is not None else [p.target for p in result.trend]
    trend = tuple(
        TrendPoint(p.period, None if a is None else Decimal(a), None if t is None else Decimal(t), p.data_quality)
        for p, a, t in zip(result.trend, actual, target)
    )
    return dataclasses.replace(result, trend=trend)


def view(result):
    return read_chart(trend_chart(result).xml)


def test_the_actual_is_a_solid_line_with_markers_and_the_target_dashed_only_when_there_is_one():
    chart = view(exception())
    actual, target = chart.line("Actual"), chart.line("Target")
    assert (actual.colour, actual.dashed, actual.symbol) == (ACTUAL, False, "circle")
    assert (target.colour, target.dashed, target.symbol) == (TARGET, True, "none")
    assert chart.names(legend_only=True) == ["Target", "Actual"]
    assert actual.values == {k: float(p.actual) for k, p in enumerate(exception().trend)}
    no_target = view(with_figures(exception(), [str(p.actual) for p in exception().trend], [None] * 8))
    assert no_target.names() == ["Actual"]


def test_a_quarter_without_a_figure_leaves_a_gap_and_a_lone_figure_keeps_its_marker():
    chart = view(with_figures(exception(), ["15.1", None, "16.2", "17.4", None, None, "16.9", "15.8"]))
    assert set(chart.line("Actual").values) == {0, 2, 3, 6, 7}  # no point at 1, 4 and 5: the line breaks there
    assert chart.line("Actual").symbol == "circle" and not chart.line("Actual").bare


def test_the_target_stops_where_it_is_missing():
    chart = view(
        with_figures(
            exception(), [str(p.actual) for p in exception().trend], ["20", "20", "25", None, None, "30", "30", "30"]
        )
    )
    assert chart.line("Target").values == {0: 20, 1: 20, 2: 25, 5: 30, 6: 30, 7: 30}


def test_the_latest_figure_is_written_by_its_point_in_its_unit():
    result = exception()
    assert view(result).line("Actual").label == (7, "31.5%", ACTUAL, True)
    figures = [str(p.actual) for p in result.trend]
    assert view(with_figures(result, figures[:-1] + [None])).line("Actual").label == (
        6,
        f"{figures[-2]}%",
        ACTUAL,
        True,
    )
    assert view(with_figures(result, [None] * 8)).line("Actual").label is None


def test_the_title_gives_the_code_and_title_then_the_polarity():
    assert view(exception()).title == ["SC01: Repeat victims of domestic abuse", "Lower is better"]
    long = dataclasses.replace(exception(), indicator=dataclasses.replace(exception().indicator, title="W" * 300))
    title = view(long).title[0]
    assert len(title) == 150 and title.endswith("…") and title.startswith("SC01: WWW")


def test_the_categories_are_the_quarters_on_two_short_lines():
    assert view(exception()).categories == [
        f"{p.period.split()[1]}\n{p.period.split()[0][2:]}" for p in exception().trend
    ]


@pytest.mark.parametrize(
    "low, high, ticks",
    [
        (15.1, 17.4, [15, 15.5, 16, 16.5, 17, 17.5]),
        (1160, 1190, [1160, 1170, 1180, 1190]),
        (31.5, 31.5, [28, 30, 32, 34]),  # all the same: a range around the value
        (0, 0, [-1, -0.5, 0, 0.5, 1]),
        (-3, 4, [-4, -2, 0, 2, 4]),
        (-5, -2, [-5, -4, -3, -2]),
        (25, 34.5, [25, 27.5, 30, 32.5, 35]),
        (12.29, 12.4, [12.3, 12.35, 12.4]),  # not 12.275, 12.3, 12.325...: shorter labels
        (0, 1, [0, 0.25, 0.5, 0.75, 1]),
        (125000.5, 1000004, [0, 250000, 500000, 750000, 1000000]),
        (0.0001, 0.000213, [0.0001, 0.00015, 0.0002]),
    ],
)
def test_nice_ticks(low, high, ticks):
    bottom, top, got = nice_ticks(low, high)
    assert got == ticks
    margin = (high - low) * 0.2 if high > low else None
    if margin is not None:
        assert (bottom, top) == (pytest.approx(low - margin), pytest.approx(high + margin))
    assert bottom < min(ticks) and max(ticks) < top and bottom < low <= high < top


def test_the_value_axis_runs_between_round_ticks_around_every_figure():
    chart = view(with_figures(exception(), [str(1160 + 4 * n) for n in range(8)], [None] * 8))
    assert (chart.axis_min, chart.axis_max, chart.major_unit) == (1150, 1200, 10)
    assert chart.number_format == "#,##0"  # thousands separated, no decimal point on whole numbers
    assert chart.gridlines
    finer = view(with_figures(exception(), ["15.1", "17.4"] + [None] * 6, [None] * 8))
    assert (finer.axis_min, finer.axis_max, finer.major_unit, finer.number_format) == (14.5, 18, 0.5, "#,##0.0")


def test_the_axis_of_figures_none_below_zero_stops_at_zero():
    chart = view(with_figures(exception(), ["27", "46", "32", "2", "31", "34", "48", "42"], [None] * 8))
    assert chart.axis_min == 0 and nice_ticks(2, 48)[2][0] == 0 and nice_ticks(2, 48)[0] < 0
    below = view(with_figures(exception(), ["27", "-4", "32", "2", "31", "34", "48", "42"], [None] * 8))
    assert below.axis_min < -4


def test_a_chart_with_only_a_target_or_no_figures_at_all_is_still_made():
    for target in ([str(p.target) for p in exception().trend], [None] * 8):
        chart = view(with_figures(exception(), [None] * 8, target))
        assert chart.axis_min < chart.axis_max and chart.line("Actual").values == {}


@pytest.mark.parametrize(
    "actual, target",
    [
        (["1e-322"] * 8, ["0"] * 8),  # a figure no return means, against a target of 0
        (["0"] * 8, ["0"] * 8),  # flat at zero
        (["5"] * 8, [None] * 8),  # flat, no target
        (["1E+300", "1.0000000000001E+300"] + [None] * 6, ["1E+300"] * 8),  # huge, a hair apart
        (["1E+400", "-1E+400"] + [None] * 6, [None] * 8),  # beyond a float
        (["999999999999999.9", "999999999999999.8"] + [None] * 6, ["0.000000001"] * 8),
    ],
    ids=["tiny-over-zero", "flat-zero", "flat", "huge", "beyond-float", "wide"],
)
def test_the_axis_holds_flat_tiny_and_huge_ranges(actual, target):
    chart = view(with_figures(exception(), actual, target))
    plotted = [v for line in chart.lines for v in line.values.values()]
    assert math.isfinite(chart.axis_min) and math.isfinite(chart.axis_max) and chart.axis_min < chart.axis_max
    assert all(chart.axis_min <= v <= chart.axis_max for v in plotted)


_FIGURES = st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False).map(str))


@settings(max_examples=150, deadline=None)
@given(actual=st.lists(_FIGURES, min_size=8, max_size=8), target=st.lists(_FIGURES, min_size=8, max_size=8))
def test_a_chart_is_made_whatever_the_figures(actual, target):
    chart = view(with_figures(exception(), actual, target))
    assert math.isfinite(chart.axis_min) and math.isfinite(chart.axis_max) and chart.axis_min < chart.axis_max
    assert all(chart.axis_min <= v <= chart.axis_max for line in chart.lines for v in line.values.values())


def test_the_same_result_gives_the_same_chart_and_a_changed_figure_another():
    result = exception()
    assert trend_chart(result).xml == trend_chart(dataclasses.replace(result)).xml
    changed = with_figures(result, [str(p.actual) for p in result.trend[:-1]] + ["29.9"])
    assert trend_chart(changed).xml != trend_chart(result).xml
