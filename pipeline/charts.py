"""Charts for the Word documents and the public summary: matplotlib, Agg, cached by content.

Each chart is drawn from a small description of its data. The PNG is named by
a hash of that description, so a re-run with unchanged data re-uses the file
instead of drawing it again; inside `ChartCache.batch()` the missing charts are
drawn together at the end, in worker processes when there are many. matplotlib
is imported inside the drawing functions (and never pyplot, which keeps global
state), so `pipeline --help` stays fast; each thread draws on its own figure.
The PNG bytes are deterministic: fixed size and dpi, no software or date stamp
in the metadata, and nothing carried over from the chart drawn before.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Callable, Iterator, Sequence

from pipeline.assemble import IndicatorResult
from pipeline.atomic import write_bytes
from pipeline.rate import Rag

log = logging.getLogger(__name__)

# Bump when the drawing code changes, so cached charts are redrawn.
CHART_STYLE_VERSION = 2
DPI = 120  # sharp enough on paper at 150 mm wide; each extra dot costs drawing time
_ACTUAL = "#1F4E79"  # dark blue: strong contrast on white, distinct from the target line
_TARGET = "#404040"
# A batch draws in worker processes from this many missing charts. A chart takes
# ~65 ms, and a forked worker starts in milliseconds with matplotlib already loaded,
# so two workers beat one process from about this many (measured).
POOL_FROM = 6
# A cap: a quarter has ~60 charts, and each worker holds its own copy of matplotlib.
MAX_WORKERS = 4


@dataclass(frozen=True)
class Chart:
    """A PNG on disk, the text a screen reader announces for it, and its width in the document."""

    path: Path
    alt_text: str
    width_mm: float


@dataclass
class ChartCache:
    """A folder of PNGs named by the hash of what they show."""

    folder: Path
    drawn: int = 0
    reused: int = 0
    used: set[Path] = field(default_factory=set)
    pool_from: int = POOL_FROM  # a batch with fewer missing charts draws them here, one by one
    _pending: dict[Path, tuple[Callable[[dict], bytes], dict]] | None = field(default=None, init=False, repr=False)

    def get(self, kind: str, spec: dict, draw: Callable[[dict], bytes]) -> Path:
        """The PNG for `spec`, drawn only if no file with its content hash exists yet.

        Inside batch() the file is drawn when the batch ends, so `draw` must then be a
        module-level function (a worker process receives it by name).
        """
        key = json.dumps({"kind": kind, "spec": spec, "style": CHART_STYLE_VERSION,
                          "matplotlib": _matplotlib_version()}, sort_keys=True, default=str)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
        path = self.folder / f"{kind}-{digest}.png"
        if path.is_file() or (self._pending is not None and path in self._pending):
            self.reused += 1
        elif self._pending is not None:
            self._pending[path] = (draw, spec)
        else:
            write_bytes(path, draw(spec))
            self.drawn += 1
        self.used.add(path)
        return path

    @contextmanager
    def batch(self) -> Iterator[ChartCache]:
        """Charts asked for in the block are drawn when it ends, all together: in parallel if there are many."""
        self._pending = {}
        try:
            yield self
            jobs = self._pending
        finally:
            self._pending = None  # after an error, nothing is drawn
        for path, png in zip(jobs, _draw_all(list(jobs.values()), self.pool_from)):
            write_bytes(path, png)
            self.drawn += 1

    def prune(self) -> int:
        """Delete cached charts this run did not use; returns how many."""
        removed = 0
        for path in self.folder.glob("*.png"):
            if path not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _draw_all(jobs: list[tuple[Callable[[dict], bytes], dict]], pool_from: int) -> list[bytes]:
    """draw(spec) for each job, in order; in a pool of worker processes if there are at least `pool_from`."""
    workers = min(_cpus(), MAX_WORKERS, len(jobs))
    if len(jobs) < pool_from or workers < 2 or not hasattr(os, "fork"):
        return [draw(spec) for draw, spec in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    log.debug("Drawing %d charts in %d worker processes.", len(jobs), workers)
    # The first chart is drawn here: that loads matplotlib and its fonts once, in this
    # process, for every worker to inherit. fork, as in ReaderPool: a worker starts in
    # milliseconds; spawn and forkserver would import matplotlib again in each worker
    # (~0.5 s apiece) and run the __main__ module again.
    first = _call(jobs[0])
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_exit_with_parent, initargs=(os.getpid(),)) as pool:
        return [first, *pool.map(_call, jobs[1:])]


def _call(job: tuple[Callable[[dict], bytes], dict]) -> bytes:
    draw, spec = job
    return draw(spec)


def _exit_with_parent(parent: int) -> None:
    """In a worker: leave once the parent has gone. A parent killed with -9 cannot stop
    its workers, and they would otherwise wait for work for ever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="pipeline-chart-watch").start()


def _cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))  # the CPUs this process may use, not all the machine has
    return os.cpu_count() or 1


@functools.lru_cache(maxsize=1)
def _matplotlib_version() -> str:
    return version("matplotlib")  # reading package metadata is slow: once per run, not per chart


def number(value: Decimal | None) -> str:
    """A figure as people write it: 1,234.5 (no trailing zeros), or 'no figure'."""
    if value is None:
        return "no figure"
    text = format(value.normalize(), ",f")
    return "0" if text in ("-0", "") else text


def trend_chart(result: IndicatorResult, cache: ChartCache) -> Chart:
    """A line chart of the indicator's last quarters (IndicatorResult.trend) against its target."""
    ind = result.indicator
    spec = {
        "title": f"{ind.code}: {ind.title}",
        "unit": ind.unit,
        "polarity": ind.polarity.value,
        "periods": [p.period for p in result.trend],
        "actual": [None if p.actual is None else str(p.actual) for p in result.trend],
        "target": [None if p.target is None else str(p.target) for p in result.trend],
    }
    path = cache.get("trend", spec, _draw_trend)
    points = "; ".join(f"{p.period}: {number(p.actual)}"
                       + ("" if p.target is None else f" against a target of {number(p.target)}")
                       for p in result.trend)
    alt = (f"Line chart of {ind.code} {ind.title} ({ind.unit}, {ind.polarity.value.lower()}) "
           f"over the last {len(result.trend)} quarters. {points}.")
    return Chart(path, alt, 150.0)


def _short_period(text: str) -> str:
    # "2025-26 Q2" -> "Q2\n2025-26": two short lines fit eight ticks without rotating them.
    fy, _, quarter = text.partition(" ")
    return f"{quarter}\n{fy}" if quarter else text


_canvases = threading.local()


def _draw_trend(spec: dict) -> bytes:
    with _style():
        canvas = getattr(_canvases, "trend", None)
        if canvas is None:
            canvas = _canvases.trend = _TrendCanvas()
        return canvas.draw(spec)


class _TrendCanvas:
    """A trend chart's figure, made once per thread and redrawn for each chart.

    Making a Figure with its axes, ticks and legend is about 30% of the cost of a
    chart. draw() sets everything that depends on the data, so the pixels are those of
    a fresh figure whichever chart came before (tests draw in both orders to check).
    """

    def __init__(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter

        self.fig = Figure(figsize=(6.3, 2.5), dpi=DPI)
        # Its own Agg canvas, so savefig re-uses one renderer and the text sizes it has
        # measured, instead of making a new canvas each time.
        FigureCanvasAgg(self.fig)
        ax = self.ax = self.fig.add_subplot()
        self.target, = ax.plot([], [], color=_TARGET, linestyle="--", linewidth=1.5, drawstyle="steps-mid",
                               label="Target")
        self.actual, = ax.plot([], [], color=_ACTUAL, marker="o", linewidth=2, label="Actual")
        self.last = ax.annotate("", (0, 0), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=9,
                                color=_ACTUAL, fontweight="bold")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.10g}"))
        ax.margins(y=0.2)
        # y=1.0 is where matplotlib puts it anyway; saying so spares it measuring every
        # tick label on each draw to check the title clears them.
        self.title = ax.set_title("", loc="left", fontsize=10, fontweight="bold", y=1.0)
        self.polarity = ax.text(1.0, 1.02, "", transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
                                color=_TARGET)
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
        ax.spines[["top", "right"]].set_visible(False)
        # Fixed margins rather than tight_layout: the layout pass doubles the drawing time.
        self.fig.subplots_adjust(left=0.12, right=0.86, top=0.86, bottom=0.2)

    def draw(self, spec: dict) -> bytes:
        ax = self.ax
        periods = [_short_period(p) for p in spec["periods"]]
        xs = list(range(len(periods)))
        has_target = any(t is not None for t in spec["target"])
        self.target.set_data(xs, _floats(spec["target"]))
        self.target.set_visible(has_target)
        self.actual.set_data(xs, _floats(spec["actual"]))
        last = next((x for x in reversed(xs) if spec["actual"][x] is not None), None)
        self.last.set_visible(last is not None)
        if last is not None:
            self.last.set_text(number(Decimal(spec["actual"][last])))
            self.last.xy = (last, float(spec["actual"][last]))
        ax.set_xticks(xs, periods)
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylabel(spec["unit"])
        ax.relim(visible_only=True)  # the y range of this chart's lines, not the previous chart's
        ax.autoscale_view(scalex=False)
        self.title.set_text(_clip(spec["title"], 75))
        self.polarity.set_text(spec["polarity"])
        ax.legend(handles=[self.target, self.actual] if has_target else [self.actual], loc="upper left",
                  bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
        return _png(self.fig)


def _floats(values: list[str | None]) -> list[float]:
    return [float("nan") if v is None else float(v) for v in values]  # NaN leaves a gap in the line


def rag_summary_chart(rows: Sequence[tuple[str, dict[Rag, int]]], cache: ChartCache) -> Chart:
    """A horizontal stacked bar per partnership: how many indicators are in each rating."""
    order = [Rag.GREEN, Rag.AMBER_GREEN, Rag.AMBER, Rag.AMBER_RED, Rag.RED]
    shown = [r for r in order if any(counts.get(r, 0) for _, counts in rows)]
    spec = {
        "names": [name for name, _ in rows],
        "series": [{"rag": r.value, "colour": r.colour, "counts": [c.get(r, 0) for _, c in rows]} for r in shown],
    }
    path = cache.get("ratings", spec, _draw_ratings)
    parts = []
    for name, counts in rows:
        said = ", ".join(f"{counts.get(r, 0)} {r.value}" for r in shown if counts.get(r, 0))
        parts.append(f"{name}: {said or 'no rated measures'}")
    alt = "Bar chart of how many measures each partnership has in each rating. " + "; ".join(parts) + "."
    return Chart(path, alt, 160.0)


def _draw_ratings(spec: dict) -> bytes:
    from matplotlib.figure import Figure

    names = [_clip(n, 40) for n in spec["names"]]
    with _style():
        fig = Figure(figsize=(7.5, 0.45 * len(names) + 1.3), dpi=DPI)
        ax = fig.add_subplot()
        ys = list(range(len(names)))[::-1]
        left = [0] * len(names)
        hatches = {"Green": "", "Amber/Green": "..", "Amber": "//", "Amber/Red": "xx", "Red": "\\\\"}
        for series in spec["series"]:
            counts = series["counts"]
            bars = ax.barh(ys, counts, left=left, color=series["colour"], edgecolor="#333333",
                           linewidth=0.6, hatch=hatches.get(series["rag"], ""), label=series["rag"])
            ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], label_type="center", fontsize=9,
                         bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
            left = [a + b for a, b in zip(left, counts)]
        for y, total in zip(ys, left):
            if not total:
                ax.text(0.05, y, "no rated measures yet", va="center", fontsize=9, color="#404040")
        ax.set_yticks(ys, names)
        ax.set_xlabel("Number of measures")
        ax.set_xlim(0, max(left + [1]))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(3, max(1, len(spec["series"]))),
                  frameon=False, fontsize=9)
        fig.tight_layout()
        return _png(fig)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _style():
    import matplotlib

    return matplotlib.rc_context({
        "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
        "xtick.labelsize": 8, "ytick.labelsize": 9, "hatch.linewidth": 0.5, "svg.hashsalt": "pipeline",
    })


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    # No Software/date metadata: the same data gives the same bytes. zlib level 3, not
    # Pillow's 6: it encodes in half the time, for files about 2% larger.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    return buffer.getvalue()
