"""What a trend chart shows, read back from the drawing's own layout: a running total drawn year by
year, the chart starting at the first figure, a target only where one was set, estimates marked by
shape and named in the legend, and every figure in its unit."""

from __future__ import annotations

import dataclasses
import io
import itertools
from decimal import Decimal

from PIL import Image
from test_charts import exception
from test_trend_drawing import ACTUAL, spec_of

from pipeline.outputs import trend_drawing
from pipeline.outputs.assemble import TrendPoint
from pipeline.outputs.charts import ChartCache, trend_chart

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
    spec = spec_of(csp_01(register, RUNNING))
    layout = trend_drawing.trend_layout(spec)
    march, april = layout.xs[3], layout.xs[4]
    assert [[x for x, _ in line] for line in layout.actual] == [layout.xs[:4], layout.xs[4:]]
    assert not any(x <= march and april <= x2 for line in layout.actual for (x, _), (x2, _) in itertools.pairwise(line))
    # Each year's target profile is a line of its own too: 13.5 in March, 3.4 in April, no step between.
    assert len(layout.target) == 2
    assert max(x for x, _ in layout.target[0]) <= (march + april) / 2 <= min(x for x, _ in layout.target[1])


def test_a_running_totals_axis_and_alt_text_say_year_to_date_with_the_unit(register, tmp_path):
    result = csp_01(register, RUNNING)
    (unit,) = trend_drawing.trend_layout(spec_of(result)).labels["unit"]
    assert unit.text == "Per 1,000, year to date"
    chart = trend_chart(result, ChartCache(tmp_path))
    assert chart.alt_text.startswith(
        "Line chart of CSP-01 Serious acquisitive crime per 1,000 population (per 1,000, year to date, lower is better) "
        "over the last 6 quarters. Each financial year's running total is drawn as a line of its own, from April."
    ), chart.alt_text
    assert "2024-25 Q4: 15.3 per 1,000 against a target of 13.5 per 1,000; 2025-26 Q1: 2.9 per 1,000" in chart.alt_text
    assert "each year's running total from April" in chart.caption


def test_a_figure_that_is_not_counted_up_keeps_one_line_across_the_year_end(register):
    result = csp_01(register, RUNNING)
    flat = dataclasses.replace(result, indicator=dataclasses.replace(result.indicator, cumulative=False))
    layout = trend_drawing.trend_layout(spec_of(flat))
    assert len(layout.actual) == 1 and len(layout.actual[0]) == 6
    (unit,) = layout.labels["unit"]
    assert unit.text == "Per 1,000"


def test_the_chart_starts_at_the_first_figure_not_with_empty_slots(register, tmp_path):
    result = csp_01(register, [None, None, None, "15.3", "2.9", "7.1"])
    spec = spec_of(result)
    assert spec["periods"] == list(YEARS[3:])
    assert trend_drawing.trend_layout(spec).markers[0][0] == trend_drawing.trend_layout(spec).xs[0]
    chart = trend_chart(result, ChartCache(tmp_path))
    assert "over the last 3 quarters" in chart.alt_text and "2024-25 Q3" not in chart.alt_text
    assert chart.caption.startswith("Figure: CSP-01 Serious acquisitive crime per 1,000 population, last 3 quarters")


def test_the_target_is_drawn_only_for_the_years_it_was_set_for(register, tmp_path):
    result = csp_01(register, RUNNING)
    newer = dataclasses.replace(result, indicator=dataclasses.replace(result.indicator, baseline_period="2024-25"))
    spec = spec_of(newer)
    assert spec["target"] == [None] * 4 + ["3.4", "6.8"], "the baseline year had no target"
    layout = trend_drawing.trend_layout(spec)
    assert len(layout.target) == 1 and min(x for x, _ in layout.target[0]) >= (layout.xs[3] + layout.xs[4]) / 2
    alt = trend_chart(newer, ChartCache(tmp_path)).alt_text
    assert "2024-25 Q4: 15.3 per 1,000;" in alt and "2025-26 Q1: 2.9 per 1,000 against a target of 3.4 per 1,000" in alt
    ended = dataclasses.replace(result, indicator=dataclasses.replace(result.indicator, final_target_year="2024-25"))
    assert spec_of(ended)["target"] == ["3.4", "6.8", "10.1", "13.5", None, None], "none after the final target year"


def test_an_estimate_is_an_open_diamond_named_in_the_legend_and_the_alt_text(register, tmp_path):
    qualities = ["Validated"] * 4 + ["Estimate", "Provisional"]
    result = csp_01(register, RUNNING, qualities)
    spec = spec_of(result)
    assert spec["estimate"] == [False] * 4 + [True, True]
    layout = trend_drawing.trend_layout(spec)
    assert [x for x, _ in layout.estimates] == layout.xs[4:]
    assert [x for x, _ in layout.markers] == layout.xs[:4]
    assert [kind for kind, _ in layout.legend] == ["target", "actual", "estimate"]
    assert [label.text for label in layout.labels["legend"]] == ["Target", "Actual", "Estimate or", "provisional"]
    # Read back from the pixels: an estimate's marker is hollow (white inside), a validated one solid.
    image = Image.open(io.BytesIO(trend_drawing.draw_trend(spec))).convert("RGB")
    estimate_x, estimate_y = layout.estimates[0]
    solid_x, solid_y = layout.markers[0]
    assert image.getpixel((round(estimate_x), round(estimate_y))) == (255, 255, 255)
    assert image.getpixel((round(solid_x), round(solid_y))) == ACTUAL
    chart = trend_chart(result, ChartCache(tmp_path))
    assert "2025-26 Q1: 2.9 per 1,000 (estimate) against a target of 3.4 per 1,000" in chart.alt_text
    assert "2025-26 Q2: 7.1 per 1,000 (provisional)" in chart.alt_text
    assert chart.caption.endswith("(solid line: actual; dashed line: target; open diamond: estimate or provisional).")


def test_a_chart_without_estimates_has_no_estimate_in_its_legend(register):
    layout = trend_drawing.trend_layout(spec_of(csp_01(register, RUNNING)))
    assert [kind for kind, _ in layout.legend] == ["target", "actual"] and layout.estimates == []
