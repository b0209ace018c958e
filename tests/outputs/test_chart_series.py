"""What a trend chart shows, read back from the chart's XML: a running total drawn year by year, the
chart starting at the first figure, a target only where one was set, estimates marked by shape and
named in the legend, and every figure in its unit."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from chart_xml import read_chart
from test_charts import exception

from pipeline.outputs.assemble import TrendPoint
from pipeline.outputs.charts import trend_chart

YEARS = ("2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4", "2025-26 Q1", "2025-26 Q2")


def csp_01(register, figures, qualities=None, targets=None):
    """CSP-01 (a rate per 1,000 counted up through the year) with a figure for each of YEARS."""
    qualities = qualities or ["Validated"] * len(YEARS)
    targets = targets or ["3.4", "6.8", "10.1", "13.5", "3.4", "6.8"]
    indicator = dataclasses.replace(register.by_code["CSP-01"], baseline_period="2023-24")
    trend = tuple(
        TrendPoint(period, None if f is None else Decimal(f), Decimal(t), q)
        for period, f, t, q in zip(YEARS, figures, targets, qualities)
    )
    return dataclasses.replace(exception(), indicator=indicator, trend=trend)


RUNNING = ["3.3", "6.9", "10.2", "15.3", "2.9", "7.1"]  # March's 15.3 then April-June's 2.9: not a collapse


def test_a_running_total_is_drawn_as_one_line_per_financial_year_with_none_from_march_to_april(register):
    chart = read_chart(trend_chart(csp_01(register, RUNNING)).xml)
    # Each year a series of its own: no line joins March's 15.3 to April's 2.9; one legend entry.
    assert [(line.name, sorted(line.values)) for line in chart.lines if line.name.startswith("Actual")] == [
        ("Actual", [0, 1, 2, 3]),
        ("Actual 2025-26", [4, 5]),
    ]
    # Each year's target profile too: 13.5 in March, 3.4 in April, no step between.
    assert [(line.name, line.values) for line in chart.lines if line.name.startswith("Target")] == [
        ("Target", {0: 3.4, 1: 6.8, 2: 10.1, 3: 13.5}),
        ("Target 2025-26", {4: 3.4, 5: 6.8}),
    ]
    assert chart.names(legend_only=True) == ["Target", "Actual"]
    assert chart.line("Actual 2025-26").colour == chart.line("Actual").colour  # one look, one legend entry


def test_a_running_totals_axis_and_alt_text_say_year_to_date_with_the_unit(register):
    result = csp_01(register, RUNNING)
    chart = trend_chart(result)
    assert read_chart(chart.xml).axis_title == "Per 1,000, year to date"
    assert chart.alt_text.startswith(
        "Line chart of CSP-01 Serious acquisitive crime per 1,000 population (per 1,000, year to date, lower is better) "
        "over the last 6 quarters. Each financial year's running total is drawn as a line of its own, from April."
    ), chart.alt_text
    assert "2024-25 Q4: 15.3 per 1,000 against a target of 13.5 per 1,000; 2025-26 Q1: 2.9 per 1,000" in chart.alt_text
    assert "each year's running total from April" in chart.caption
    assert read_chart(chart.xml).line("Actual 2025-26").label == (5, "7.1 per 1,000", "1F4E79", True)


def test_a_figure_that_is_not_counted_up_keeps_one_line_across_the_year_end(register):
    result = csp_01(register, RUNNING)
    level = dataclasses.replace(result, indicator=dataclasses.replace(result.indicator, cumulative=False))
    chart = read_chart(trend_chart(level).xml)
    assert [line.name for line in chart.lines] == ["Target", "Actual"]
    assert sorted(chart.line("Actual").values) == [0, 1, 2, 3, 4, 5]
    assert chart.axis_title == "Per 1,000"


def test_the_chart_starts_at_the_first_figure_not_with_empty_slots(register):
    result = csp_01(register, [None, None, "10.2", "15.3", "2.9", "7.1"])
    chart = trend_chart(result)
    assert read_chart(chart.xml).categories == ["Q3\n24-25", "Q4\n24-25", "Q1\n25-26", "Q2\n25-26"]
    assert "over the last 4 quarters" in chart.alt_text and "2024-25 Q1" not in chart.alt_text


def test_the_target_is_drawn_only_for_the_years_it_was_set_for(register):
    result = csp_01(register, RUNNING)
    newer = dataclasses.replace(result, indicator=dataclasses.replace(result.indicator, baseline_period="2024-25"))
    chart = trend_chart(newer)
    # The baseline year had no target: the first target series is 2025-26's.
    assert [(line.name, line.values) for line in read_chart(chart.xml).lines if line.name.startswith("Target")] == [
        ("Target", {4: 3.4, 5: 6.8})
    ]
    alt = chart.alt_text
    assert "2024-25 Q4: 15.3 per 1,000;" in alt and "2025-26 Q1: 2.9 per 1,000 against a target of 3.4 per 1,000" in alt
    ended = dataclasses.replace(result, indicator=dataclasses.replace(result.indicator, final_target_year="2024-25"))
    targets = [line for line in read_chart(trend_chart(ended).xml).lines if line.name.startswith("Target")]
    assert [(line.name, sorted(line.values)) for line in targets] == [("Target", [0, 1, 2, 3])], (
        "none after the final year"
    )


def test_an_estimate_is_a_pale_diamond_named_in_the_legend_and_the_alt_text(register):
    qualities = ["Validated"] * 4 + ["Estimate", "Provisional"]
    chart = trend_chart(csp_01(register, RUNNING, qualities))
    view = read_chart(chart.xml)
    estimate = view.line("Estimate or provisional")
    assert (estimate.values, estimate.symbol, estimate.colour) == ({4: 2.9, 5: 7.1}, "diamond", None)
    # Another shape, and a paler fill than the validated figures' dark blue circles, which it replaces.
    assert estimate.fill != view.line("Actual").fill and view.line("Actual").symbol == "circle"
    assert view.line("Actual 2025-26").bare == {4, 5}
    assert view.names(legend_only=True) == ["Target", "Actual", "Estimate or provisional"]
    assert "2025-26 Q1: 2.9 per 1,000 (estimate) against a target of 3.4 per 1,000" in chart.alt_text
    assert "2025-26 Q2: 7.1 per 1,000 (provisional)" in chart.alt_text
    assert chart.caption.endswith("(solid line: actual; dashed line: target; pale diamond: estimate or provisional).")


def test_a_chart_without_estimates_has_no_estimate_in_its_legend(register):
    view = read_chart(trend_chart(csp_01(register, RUNNING)).xml)
    assert view.names(legend_only=True) == ["Target", "Actual"] and not view.line("Actual").bare
