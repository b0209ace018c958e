"""Charts for the Word documents and the public summary: matplotlib, Agg, cached by content.

Each chart is drawn from a small description of its data. The PNG is named by
a hash of that description, so a re-run with unchanged data re-uses the file
instead of drawing it again. matplotlib is imported inside the drawing
functions (and never pyplot, which keeps global state), so `pipeline --help`
stays fast and drawing is safe in any thread. The PNG bytes are deterministic:
fixed size and dpi, and no software or date stamp in the metadata.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Callable, Sequence

from pipeline.assemble import IndicatorResult
from pipeline.atomic import write_bytes
from pipeline.rate import Rag

log = logging.getLogger(__name__)

# Bump when the drawing code changes, so cached charts are redrawn.
CHART_STYLE_VERSION = 2
DPI = 120  # sharp enough on paper at 150 mm wide; each extra dot costs drawing time
_ACTUAL = "#1F4E79"  # dark blue: strong contrast on white, distinct from the target line
_TARGET = "#404040"


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

    def get(self, kind: str, spec: dict, draw: Callable[[dict], bytes]) -> Path:
        """The PNG for `spec`, drawn only if no file with its content hash exists yet."""
        key = json.dumps({"kind": kind, "spec": spec, "style": CHART_STYLE_VERSION,
                          "matplotlib": _matplotlib_version()}, sort_keys=True, default=str)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
        path = self.folder / f"{kind}-{digest}.png"
        if path.is_file():
            self.reused += 1
        else:
            write_bytes(path, draw(spec))
            self.drawn += 1
        self.used.add(path)
        return path

    def prune(self) -> int:
        """Delete cached charts this run did not use; returns how many."""
        removed = 0
        for path in self.folder.glob("*.png"):
            if path not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


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


def _draw_trend(spec: dict) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    periods = [_short_period(p) for p in spec["periods"]]
    xs = list(range(len(periods)))
    actual = [float(v) if v is not None else None for v in spec["actual"]]
    target = [float(v) if v is not None else None for v in spec["target"]]
    with _style():
        fig = Figure(figsize=(6.3, 2.5), dpi=DPI)
        ax = fig.add_subplot()
        if any(t is not None for t in target):
            ax.plot(xs, [t if t is not None else float("nan") for t in target], color=_TARGET,
                    linestyle="--", linewidth=1.5, drawstyle="steps-mid", label="Target")
        ax.plot(xs, [a if a is not None else float("nan") for a in actual], color=_ACTUAL,
                marker="o", linewidth=2, label="Actual")
        last = next(((x, a) for x, a in zip(reversed(xs), reversed(actual)) if a is not None), None)
        if last is not None:
            ax.annotate(number(Decimal(spec["actual"][last[0]])), last, textcoords="offset points",
                        xytext=(0, 7), ha="center", fontsize=9, color=_ACTUAL, fontweight="bold")
        ax.set_xticks(xs, periods)
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylabel(spec["unit"])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.10g}"))
        ax.margins(y=0.2)
        ax.set_title(_clip(spec["title"], 75), loc="left", fontsize=10, fontweight="bold")
        ax.text(1.0, 1.02, spec["polarity"], transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
                color=_TARGET)
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
        # Fixed margins rather than tight_layout: the layout pass doubles the drawing time.
        fig.subplots_adjust(left=0.12, right=0.86, top=0.86, bottom=0.2)
        return _png(fig)


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
    # No Software/date metadata: the same data gives the same bytes.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
