"""Charts: deterministic PNGs, cached by content, with alt text that carries the figures."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import PIL
import pytest
from PIL import Image
from test_documents import build_report

from pipeline import charts
from pipeline.assemble import TrendPoint
from pipeline.charts import ChartCache, rag_summary_chart, trend_chart
from pipeline.rate import Rag

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def exception():
    return build_report().partnerships[0].exceptions[0]  # SC01, Red, eight quarters of figures


def test_trend_chart_is_a_png_with_no_software_or_date_stamp(tmp_path):
    chart = trend_chart(exception(), ChartCache(tmp_path))
    data = chart.path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert b"matplotlib" not in data.lower() and b"tIME" not in data


def test_same_data_gives_the_same_bytes_in_a_fresh_cache(tmp_path):
    one = trend_chart(exception(), ChartCache(tmp_path / "one"))
    two = trend_chart(exception(), ChartCache(tmp_path / "two"))
    assert one.path.name == two.path.name
    assert one.path.read_bytes() == two.path.read_bytes()


def test_unchanged_data_reuses_the_cached_file(tmp_path):
    first = ChartCache(tmp_path)
    path = trend_chart(exception(), first).path
    stamp = path.stat().st_mtime_ns
    again = ChartCache(tmp_path)
    assert trend_chart(exception(), again).path == path
    assert (again.drawn, again.reused) == (0, 1)
    assert path.stat().st_mtime_ns == stamp


def test_changed_figure_draws_a_new_chart(tmp_path):
    cache = ChartCache(tmp_path)
    result = exception()
    before = trend_chart(result, cache).path
    changed = dataclasses.replace(result, trend=result.trend[:-1] + (
        TrendPoint(result.trend[-1].period, Decimal("29.9"), result.trend[-1].target),))
    after = trend_chart(changed, cache).path
    assert after != before and cache.drawn == 2


def test_prune_removes_charts_this_run_did_not_use(tmp_path):
    stale = tmp_path / "trend-old.png"
    stale.write_bytes(PNG_SIGNATURE)
    cache = ChartCache(tmp_path)
    kept = trend_chart(exception(), cache).path
    assert cache.prune() == 1
    assert kept.is_file() and not stale.exists()


def test_alt_text_names_the_indicator_and_every_quarter_against_target(tmp_path):
    result = exception()
    alt = trend_chart(result, ChartCache(tmp_path)).alt_text
    assert alt.startswith("Line chart of SC01 Repeat victims of domestic abuse (%, lower is better)")
    assert alt.count("against a target of 25") == 8
    assert "2025-26 Q2: 31.5 against a target of 25" in alt
    assert all(point.period in alt for point in result.trend)


def test_quarters_without_a_figure_are_said_in_the_alt_text_and_still_drawn(tmp_path):
    result = exception()
    gappy = dataclasses.replace(result, trend=(TrendPoint(result.trend[0].period, None, None),) + result.trend[1:])
    chart = trend_chart(gappy, ChartCache(tmp_path))
    assert chart.path.read_bytes().startswith(PNG_SIGNATURE)
    assert f"{result.trend[0].period}: no figure;" in chart.alt_text


def unlike_charts():
    """The exception, then charts that differ from it in everything the drawing depends on."""
    result = exception()
    trend = result.trend
    return [
        result,
        dataclasses.replace(result, trend=trend[-3:]),  # fewer quarters
        dataclasses.replace(result, trend=tuple(TrendPoint(p.period, p.actual, None) for p in trend)),  # no target
        dataclasses.replace(result, trend=trend[:-1] + (TrendPoint(trend[-1].period, None, trend[-1].target),)),
        dataclasses.replace(result, trend=tuple(TrendPoint(p.period, p.actual * 1000, p.target) for p in trend)),
    ]


def test_a_chart_is_the_same_whichever_chart_was_drawn_before_it(tmp_path):
    results = unlike_charts()
    forwards = [trend_chart(r, ChartCache(tmp_path / f"f{n}")).path.read_bytes() for n, r in enumerate(results)]
    backwards = [trend_chart(r, ChartCache(tmp_path / f"b{n}")).path.read_bytes()
                 for n, r in reversed(list(enumerate(results)))]
    assert forwards == backwards[::-1]
    assert len(set(forwards)) == len(results)


def test_a_new_renderer_version_draws_the_chart_again(tmp_path, monkeypatch):
    before = trend_chart(exception(), ChartCache(tmp_path)).path
    assert charts._renderer("trend")["pillow"] == PIL.__version__
    monkeypatch.setattr(charts, "_renderer", lambda kind: {"pillow": "0.0"})
    after = trend_chart(exception(), ChartCache(tmp_path)).path
    assert after != before


# -- what the trend chart shows ----------------------------------------------

ACTUAL = (0x1F, 0x4E, 0x79)
TARGET = (0x40, 0x40, 0x40)
LONG_TITLE = "P02-15: P02 indicator 15: rate per 1,000 measure of something long"


def spec_of(result) -> dict:
    """The description trend_chart draws from, as the cache records it."""
    captured = {}
    cache = ChartCache(Path("/nonexistent"))
    cache.get = lambda kind, spec, draw: captured.setdefault("spec", spec) and Path("/nonexistent/x.png")
    trend_chart(result, cache)
    return captured["spec"]


def picture(spec: dict) -> Image.Image:
    return Image.open(io.BytesIO(charts._draw_trend(spec))).convert("RGB")


def pixels_in_plot(spec: dict, colour: tuple[int, int, int]) -> int:
    layout = charts._trend_layout(spec)
    plot = picture(spec).crop((layout.left, layout.top, layout.right, layout.bottom))
    return sum(count for count, rgb in plot.getcolors(1 << 20) if rgb == colour)


def varied_specs() -> list[dict]:
    """Charts with long and short text, wide and negative figures, gaps, and no target."""
    base = spec_of(exception())
    periods = base["periods"]
    return [
        base,
        {**base, "title": LONG_TITLE, "unit": "rate per 1,000", "polarity": "Higher is better",
         "actual": ["15.1", None, "16.2", "17.4", None, None, "16.9", "15.8"], "target": [None] * 8},
        {**base, "title": "W" * 90, "unit": "per 100,000 population aged sixteen and over in the area " * 2,
         "polarity": "No polarity", "actual": [str(10 ** 9 + n * 12345678.9) for n in range(8)]},
        {**base, "actual": ["-3", "-1.5", "0", "2", "1", "-0.5", "0.25", "4"], "target": ["0"] * 8},
        {**base, "periods": [f"20{y}-{y + 1} Q{q}" for y in range(20, 23) for q in range(1, 5)],
         "actual": [str(n) for n in range(12)], "target": ["5"] * 12},
        {**base, "periods": periods[-1:], "actual": ["31.5"], "target": ["25"]},
        {**base, "actual": [None] * 8},
        {**base, "title": "", "unit": "", "polarity": "", "actual": [None] * 8, "target": [None] * 8},
    ]


def test_trend_chart_is_756_by_300_rgb_with_only_the_pixels_in_the_png(tmp_path):
    data = trend_chart(exception(), ChartCache(tmp_path)).path.read_bytes()
    image = Image.open(io.BytesIO(data))
    assert image.size == (756, 300) and image.mode == "RGB"
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        chunks.append(data[at + 4:at + 8])
        at += 12 + length
    assert chunks == [b"IHDR", b"IDAT", b"IEND"]  # no text, time or software chunk


def test_the_same_spec_draws_the_same_bytes_twice():
    spec = varied_specs()[1]
    assert charts._draw_trend(spec) == charts._draw_trend(dict(spec))


def test_the_actual_line_is_drawn_in_its_colour_and_the_target_only_when_there_is_one():
    spec = spec_of(exception())
    assert pixels_in_plot(spec, ACTUAL) > 500  # a line across eight quarters and its markers
    assert pixels_in_plot(spec, TARGET) > 300
    no_target = {**spec, "target": [None] * len(spec["target"])}
    assert pixels_in_plot(no_target, ACTUAL) > 500
    assert pixels_in_plot(no_target, TARGET) == 0
    assert [label.text for label in charts._trend_layout(no_target).labels["legend"]] == ["Actual"]


def test_a_quarter_without_a_figure_leaves_a_gap_in_the_line_but_a_lone_figure_keeps_its_marker():
    spec = {**spec_of(exception()), "actual": ["15.1", None, "16.2", "17.4", None, None, "16.9", "15.8"]}
    layout = charts._trend_layout(spec)
    assert len(layout.markers) == 5
    assert [len(line) for line in layout.actual] == [2, 2]  # Q1-Q2 2024-25 and Q1-Q2 2025-26


def test_the_target_steps_halfway_between_quarters_and_stops_where_it_is_missing():
    spec = {**spec_of(exception()), "target": ["20", "20", "25", None, None, "30", "30", "30"]}
    layout = charts._trend_layout(spec)
    first, second = layout.target
    xs = layout.xs
    assert first[0][0] == xs[0] and first[-1][0] == pytest.approx(xs[2] + (xs[1] - xs[0]) / 2)
    assert (xs[1] + xs[2]) / 2 in [x for x, _ in first]  # the jump from 20 to 25
    assert second[0][0] == pytest.approx(xs[5] - (xs[1] - xs[0]) / 2) and second[-1][0] == xs[7]


def test_the_latest_figure_is_written_over_its_marker():
    spec = spec_of(exception())
    latest, = charts._trend_layout(spec).labels["latest"]
    assert latest.text == "31.5" and latest.bold and latest.colour == "#1F4E79"
    gappy = {**spec, "actual": spec["actual"][:-1] + [None]}
    latest, = charts._trend_layout(gappy).labels["latest"]
    assert latest.text == charts.number(Decimal(spec["actual"][-2]))
    assert "latest" not in charts._trend_layout({**spec, "actual": [None] * 8}).labels


@pytest.mark.parametrize("spec", varied_specs(), ids=lambda spec: spec["title"][:8])
def test_no_text_on_the_chart_overlaps_other_text_or_leaves_the_image(spec):
    layout = charts._trend_layout(spec)
    labels = [(role, label) for role, labels in layout.labels.items() for label in labels]
    for role, label in labels:
        left, top, right, bottom = label.box()
        assert 0 <= left and 0 <= top and right <= charts.WIDTH and bottom <= charts.HEIGHT, (role, label.text)
    for n, (role, label) in enumerate(labels):
        for other_role, other in labels[n + 1:]:
            assert not overlap(label.box(), other.box()), (role, label.text, other_role, other.text)


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("spec", varied_specs(), ids=lambda spec: spec["title"][:8])
def test_polarity_is_in_the_right_margin_under_the_legend_and_the_latest_figure_is_over_the_axes(spec):
    layout = charts._trend_layout(spec)
    legend_bottom = max(label.box()[3] for label in layout.labels["legend"])
    polarity = layout.labels["polarity"]
    assert " ".join(label.text for label in polarity) == spec["polarity"]
    assert all(label.box()[0] >= layout.right and label.box()[1] > legend_bottom for label in polarity)
    title, = layout.labels["title"]
    assert title.box()[3] < layout.top
    for label in layout.labels.get("latest", []):
        left, top, right, bottom = label.box()
        assert layout.left <= left and right <= layout.right and layout.top <= top and bottom <= layout.bottom


def test_y_tick_labels_clear_the_unit_label_even_when_they_are_wide():
    for spec in varied_specs():
        layout = charts._trend_layout(spec)
        unit, = layout.labels["unit"]
        assert all(unit.box()[2] < tick.box()[0] for tick in layout.labels["y_ticks"])


def test_a_long_title_is_clipped_to_the_width_it_has():
    assert charts.clip_to_width("SC01: Repeat victims", 600) == "SC01: Repeat victims"
    clipped = charts.clip_to_width(LONG_TITLE, 400)
    assert clipped.endswith("…") and LONG_TITLE.startswith(clipped[:-1])
    one_more = LONG_TITLE[:len(clipped)] + "…"
    assert charts._text_width(clipped, 10, True) <= 400 < charts._text_width(one_more, 10, True)
    assert charts.clip_to_width("W" * 80, 660).count("W") < 60  # wide letters: fewer fit than 75 characters
    assert charts.clip_to_width(LONG_TITLE, 5) == ""


def test_the_chart_title_fits_beside_the_y_axis_whatever_its_length():
    for title in (LONG_TITLE, "W" * 90, LONG_TITLE * 2):
        spec = {**spec_of(exception()), "title": title}
        label, = charts._trend_layout(spec).labels["title"]
        assert label.box()[2] <= charts.WIDTH - 4
        assert label.text == title or label.text.endswith("…")


@pytest.mark.parametrize("low, high, ticks", [
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
])
def test_nice_ticks(low, high, ticks):
    bottom, top, got = charts.nice_ticks(low, high)
    assert got == ticks
    margin = (high - low) * 0.2 if high > low else None
    if margin is not None:
        assert (bottom, top) == (pytest.approx(low - margin), pytest.approx(high + margin))
    assert bottom < min(ticks) and max(ticks) < top and bottom < low <= high < top


def test_tick_labels_have_thousands_separators_and_no_trailing_zeros():
    spec = {**spec_of(exception()), "actual": [str(1160 + 4 * n) for n in range(8)], "target": [None] * 8}
    assert [label.text for label in charts._trend_layout(spec).labels["y_ticks"]] == ["1,160", "1,170", "1,180",
                                                                                         "1,190"]
    assert [label.text for label in charts._trend_layout({**spec, "actual": ["15.1", "17.4"] + [None] * 6})
            .labels["y_ticks"]] == ["15", "15.5", "16", "16.5", "17", "17.5"]


def test_a_chart_with_only_a_target_or_no_figures_at_all_is_still_drawn():
    spec = spec_of(exception())
    for actual, target in (([None] * 8, spec["target"]), ([None] * 8, [None] * 8)):
        assert picture({**spec, "actual": actual, "target": target}).size == (756, 300)


def test_pipeline_help_imports_neither_pillow_nor_matplotlib():
    script = ("import sys, contextlib, io\n"
              "from pipeline.cli import main\n"
              "import pipeline.charts\n"
              "with contextlib.redirect_stdout(io.StringIO()):\n"
              "    main(['--help'])\n"
              "print(sorted(m for m in ('PIL', 'matplotlib') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.stdout == "[]\n", result.stderr


def test_rating_summary_chart_alt_text_gives_every_count(tmp_path):
    rows = [("Safer Communities", {Rag.RED: 2, Rag.GREEN: 5}), ("Health", {Rag.NO_DATA: 3})]
    chart = rag_summary_chart(rows, ChartCache(tmp_path))
    assert chart.path.read_bytes().startswith(PNG_SIGNATURE)
    assert "Safer Communities: 5 Green, 2 Red" in chart.alt_text
    assert "Health: no rated measures" in chart.alt_text
