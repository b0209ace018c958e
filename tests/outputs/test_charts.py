"""Charts: deterministic PNGs, cached by content, with alt text that carries the figures."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys

import PIL
from chart_xml import read_chart
from PIL import Image
from test_documents import build_report

from pipeline.domain.records import Frequency
from pipeline.outputs import charts
from pipeline.outputs.assemble import TrendPoint
from pipeline.outputs.charts import ChartCache, rag_summary_chart, trend_chart
from pipeline.rating.rag import Rag

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def exception():
    return build_report().partnerships[0].exceptions[0]  # SC01, Red, eight quarters of figures


def test_unchanged_data_reuses_the_cached_file(tmp_path):
    first = ChartCache(tmp_path)
    path = rag_summary_chart(rating_rows(), first).path
    stamp = path.stat().st_mtime_ns
    again = ChartCache(tmp_path)
    assert rag_summary_chart(rating_rows(), again).path == path
    assert (again.drawn, again.reused) == (0, 1)
    assert path.stat().st_mtime_ns == stamp


def test_changed_counts_draw_a_new_chart(tmp_path):
    cache = ChartCache(tmp_path)
    before = rag_summary_chart(rating_rows(), cache).path
    after = rag_summary_chart(rating_rows()[:-1], cache).path
    assert after != before and cache.drawn == 2


def test_prune_removes_charts_this_run_did_not_use(tmp_path):
    stale = tmp_path / "trend-old.png"  # a trend chart from before they were Word's own
    stale.write_bytes(PNG_SIGNATURE)
    cache = ChartCache(tmp_path)
    kept = rag_summary_chart(rating_rows(), cache).path
    assert cache.prune() == 1
    assert kept.is_file() and not stale.exists()


def test_a_new_renderer_version_draws_the_chart_again(tmp_path, monkeypatch):
    before = rag_summary_chart(rating_rows(), ChartCache(tmp_path)).path
    assert charts._renderer("ratings")["pillow"] == PIL.__version__
    monkeypatch.setattr(charts, "_renderer", lambda kind: {"pillow": "0.0"})
    after = rag_summary_chart(rating_rows(), ChartCache(tmp_path)).path
    assert after != before


def test_alt_text_names_the_indicator_and_every_quarter_against_target_with_units(tmp_path):
    result = exception()
    alt = trend_chart(result).alt_text
    assert alt.startswith("Line chart of SC01 Repeat victims of domestic abuse (per cent, lower is better)")
    assert alt.count("against a target of 25%") == 8
    assert "2025-26 Q2: 31.5% against a target of 25%" in alt
    assert all(point.period in alt for point in result.trend)


def test_a_quarter_without_a_figure_after_the_first_is_said_in_the_alt_text_and_still_drawn(tmp_path):
    result = exception()
    trend = result.trend
    gappy = dataclasses.replace(result, trend=trend[:3] + (TrendPoint(trend[3].period, None, None),) + trend[4:])
    chart = trend_chart(gappy)
    assert 3 not in read_chart(chart.xml).line("Actual").values
    assert f"{trend[3].period}: no figure;" in chart.alt_text


def test_pipeline_help_does_not_import_pillow():
    script = (
        "import sys, contextlib, io\n"
        "from pipeline.cli.app import main\n"
        "import pipeline.outputs.charts\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "print(sorted(m for m in ('PIL',) if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.stdout == "[]\n", result.stderr


def test_rating_summary_chart_alt_text_gives_every_count(tmp_path):
    rows = [("Safer Communities", {Rag.RED: 2, Rag.GREEN: 5}), ("Health", {Rag.NO_DATA: 3})]
    chart = rag_summary_chart(rows, ChartCache(tmp_path))
    assert chart.path.read_bytes().startswith(PNG_SIGNATURE)
    assert "Safer Communities: 5 Green, 2 Red" in chart.alt_text
    assert "Health: no rated measures" in chart.alt_text


def rating_rows():
    return [
        ("Safer Communities", {Rag.GREEN: 5, Rag.AMBER: 3, Rag.RED: 2}),
        ("Health", {Rag.GREEN: 9, Rag.AMBER_GREEN: 1, Rag.AMBER_RED: 2}),
        ("Children", {Rag.NO_DATA: 3}),
    ]


def test_rating_chart_is_a_deterministic_png_with_only_the_pixels(tmp_path):
    one = rag_summary_chart(rating_rows(), ChartCache(tmp_path / "one")).path.read_bytes()
    two = rag_summary_chart(rating_rows(), ChartCache(tmp_path / "two")).path.read_bytes()
    assert one == two and one.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(one))
    assert image.size[0] == 900 and image.mode == "RGB"
    assert b"tEXt" not in one and b"tIME" not in one


def test_rating_chart_shows_each_rating_in_its_colour_and_grows_with_the_partnerships(tmp_path):
    rows = rating_rows()
    image = Image.open(rag_summary_chart(rows, ChartCache(tmp_path)).path).convert("RGB")
    colours = {rgb for _, rgb in image.getcolors(1 << 20)}
    for rag in (Rag.GREEN, Rag.AMBER_GREEN, Rag.AMBER, Rag.AMBER_RED, Rag.RED):
        assert tuple(int(rag.colour[i : i + 2], 16) for i in (1, 3, 5)) in colours, rag
    taller = Image.open(rag_summary_chart(rows + [("Economy", {Rag.RED: 1})], ChartCache(tmp_path)).path)
    assert taller.size[1] > image.size[1]


def annual(result):
    """The exception as an annual indicator: one figure a year, each returned in Q4."""
    ind = dataclasses.replace(result.indicator, frequency=Frequency.ANNUAL, cumulative=False)
    years = [f"20{y}-{y + 1} Q4" for y in range(21, 26)]
    trend = tuple(dataclasses.replace(p, period=year) for p, year in zip(result.trend[-5:], years))
    return dataclasses.replace(result, indicator=ind, trend=trend)


def test_an_annual_indicator_is_charted_by_financial_year_not_by_its_fourth_quarter():
    result = annual(exception())
    chart = trend_chart(result)
    assert read_chart(chart.xml).categories == ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]
    assert "Q4" not in chart.alt_text
    assert "over the last 5 years." in chart.alt_text
    assert "2024-25: " in chart.alt_text
    assert "last 5 years" in chart.caption


def test_a_quarterly_indicator_keeps_its_quarter_on_the_chart():
    result = exception()
    assert result.trend[-1].period == "2025-26 Q2"
    assert read_chart(trend_chart(result).xml).categories[-1] == "Q2\n25-26"
