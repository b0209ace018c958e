"""Charts: deterministic PNGs, cached by content, with alt text that carries the figures."""

from __future__ import annotations

import dataclasses
import threading
from decimal import Decimal

import pytest
from test_documents import build_report

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


def drawn_on_a_fresh_figure(result, folder):
    """Each thread draws on a figure of its own, so a new thread starts from a new figure."""
    drawn = []
    thread = threading.Thread(target=lambda: drawn.append(trend_chart(result, ChartCache(folder)).path.read_bytes()))
    thread.start()
    thread.join()
    return drawn[0]


def test_a_chart_is_the_same_whichever_chart_was_drawn_before_it(tmp_path):
    results = unlike_charts()
    forwards = [trend_chart(r, ChartCache(tmp_path / f"f{n}")).path.read_bytes() for n, r in enumerate(results)]
    backwards = [trend_chart(r, ChartCache(tmp_path / f"b{n}")).path.read_bytes()
                 for n, r in reversed(list(enumerate(results)))]
    fresh = [drawn_on_a_fresh_figure(r, tmp_path / f"n{n}") for n, r in enumerate(results)]
    assert forwards == backwards[::-1] == fresh
    assert len(set(forwards)) == len(results)


def test_a_batch_draws_its_missing_charts_at_the_end_in_worker_processes_with_the_same_bytes(tmp_path):
    results = unlike_charts()
    one_by_one = [trend_chart(r, ChartCache(tmp_path / "one")).path.read_bytes() for r in results]
    cache = ChartCache(tmp_path / "batch", pool_from=2)
    with cache.batch():
        paths = [trend_chart(r, cache).path for r in results + [results[0]]]
        assert not any(path.exists() for path in paths)
    assert [path.read_bytes() for path in paths] == one_by_one + one_by_one[:1]
    assert (cache.drawn, cache.reused) == (len(results), 1)


def test_a_batch_ended_by_an_error_draws_nothing(tmp_path):
    cache = ChartCache(tmp_path)
    with pytest.raises(RuntimeError), cache.batch():
        trend_chart(exception(), cache)
        raise RuntimeError("the report failed")
    assert cache.drawn == 0 and not list(tmp_path.glob("*.png"))


def test_rating_summary_chart_alt_text_gives_every_count(tmp_path):
    rows = [("Safer Communities", {Rag.RED: 2, Rag.GREEN: 5}), ("Health", {Rag.NO_DATA: 3})]
    chart = rag_summary_chart(rows, ChartCache(tmp_path))
    assert chart.path.read_bytes().startswith(PNG_SIGNATURE)
    assert "Safer Communities: 5 Green, 2 Red" in chart.alt_text
    assert "Health: no rated measures" in chart.alt_text
