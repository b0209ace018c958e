"""Charts for the Word documents and the public summary, cached by content.

Each chart is drawn from a small description of its data. The PNG is named by a hash of
that description (and of the renderer's version), so a re-run with unchanged data re-uses
the file instead of drawing it again. Each chart also gets the alt text a screen reader
announces, with the figures it shows.

Both kinds are drawn with Pillow: the trend charts, about 60 a quarter, by `trend_drawing`,
and the public summary's rating chart, twice a year, by `ratings_drawing`. Pillow is
imported inside the drawing functions, so `pipeline --help` stays fast. The PNG bytes are
deterministic: fixed size, no software or date stamp.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pipeline.analysis.spc import SpcPoint, Variation, variation
from pipeline.domain.periods import PeriodError, parse_period
from pipeline.domain.records import Frequency, Indicator, Polarity
from pipeline.domain.wording import figure
from pipeline.outputs.assemble import FREQUENCY_STEPS, IndicatorResult
from pipeline.outputs.drawing import font_source, package_version
from pipeline.outputs.ratings_drawing import draw_ratings
from pipeline.outputs.trend_drawing import NOT_FINAL, axis_label, draw_trend
from pipeline.outputs.word_chart import WordChart, spc_chart_xml
from pipeline.rating.rag import Rag
from pipeline.support.atomic import write_bytes

# Bump when the drawing code changes, so cached charts are redrawn.
CHART_STYLE_VERSION = 5


@dataclass(frozen=True)
class Chart:
    """A PNG on disk, the text a screen reader announces for it, and its width in the document."""

    path: Path
    alt_text: str
    width_mm: float
    caption: str = ""  # what the document prints under it: the span shown and a key to its lines


@dataclass
class ChartCache:
    """A folder of PNGs named by the hash of what they show."""

    folder: Path
    drawn: int = 0
    reused: int = 0
    used: set[Path] = field(default_factory=set)

    def get(self, kind: str, spec: dict, draw: Callable[[dict], bytes]) -> Path:
        """The PNG for `spec`, drawn only if no file with its content hash exists yet."""
        key = json.dumps(
            {"kind": kind, "spec": spec, "style": CHART_STYLE_VERSION, "renderer": _renderer(kind)},
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
        path = self.folder / f"{kind}-{digest}.png"
        if path.is_file():
            self.reused += 1
        else:
            write_bytes(path, draw(spec))
            self.drawn += 1
        self.used.add(path)
        return path

    def merge(self, other: ChartCache) -> None:
        """Count in the charts another process drew or re-used in the same folder."""
        self.drawn += other.drawn
        self.reused += other.reused
        self.used |= other.used

    def prune(self) -> int:
        """Delete cached charts this run did not use; returns how many."""
        removed = 0
        for path in self.folder.glob("*.png"):
            if path not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


@functools.cache  # reading package metadata is slow: once per run
def _renderer(kind: str) -> dict[str, str]:
    """What draws a chart of this kind, with versions: a new version may draw other pixels."""
    return {"pillow": package_version("pillow"), "fonts": font_source(), "zlib": zlib.ZLIB_RUNTIME_VERSION}


def trend_chart(result: IndicatorResult, cache: ChartCache) -> Chart:
    """A line chart of the indicator's reported periods (IndicatorResult.trend) against its target,
    from its first figure: slots before it would only push the figures into a corner."""
    ind = result.indicator
    first = next((n for n, p in enumerate(result.trend) if p.actual is not None), 0)
    shown = result.trend[first:]
    # A running total restarts each April: each financial year is its own series (see trend_layout).
    cumulative = ind.cumulative and ind.frequency is not Frequency.ANNUAL
    targets = [p.target if target_existed(ind, p.period) else None for p in shown]
    not_final = [p.actual is not None and p.data_quality in NOT_FINAL for p in shown]
    names = [period_name(ind, p.period) for p in shown]
    spec = {
        "title": f"{ind.code}: {ind.title}",
        "unit": ind.unit,
        "polarity": ind.polarity.value,
        "cumulative": cumulative,
        "periods": names,
        "actual": [None if p.actual is None else str(p.actual) for p in shown],
        "target": [None if t is None else str(t) for t in targets],
        "estimate": not_final,
    }
    path = cache.get("trend", spec, draw_trend)
    points = "; ".join(
        f"{name}: {figure(p.actual, ind.unit, 'no figure')}"
        + (f" ({p.data_quality.lower()})" if p.actual is not None and p.data_quality in NOT_FINAL else "")
        + ("" if t is None else f" against a target of {figure(t, ind.unit)}")
        for p, t, name in zip(shown, targets, names)
    )
    steps = FREQUENCY_STEPS[ind.frequency]
    how = axis_label(ind.unit, cumulative)
    alt = (
        f"Line chart of {ind.code} {ind.title} ({how.lower()}, {ind.polarity.value.lower()}) "
        f"over the last {len(shown)} {steps if len(shown) != 1 else steps[:-1]}."
        + (" Each financial year's running total is drawn as a line of its own, from April." if cumulative else "")
        + f" {points}."
    )
    caption = (
        f"Figure: {ind.code} {ind.title}, last {len(shown)} {steps if len(shown) != 1 else steps[:-1]}"
        + (", each year's running total from April" if cumulative else "")
        + " (solid line: actual"
        + ("; dashed line: target" if any(t is not None for t in targets) else "")
        + ("; open diamond: estimate or provisional" if any(not_final) else "")
        + ")."
    )
    return Chart(path, alt, 150.0, caption)


def period_name(ind: Indicator, period: str) -> str:
    """How the chart names a period: an annual indicator's figure is the financial year's ('2024-25'),
    though it is returned in Q4; a quarterly or six-monthly one's keeps its quarter ('2024-25 Q2')."""
    if ind.frequency is not Frequency.ANNUAL:
        return period
    try:
        return parse_period(period).fy
    except PeriodError:
        return period


def target_existed(ind: Indicator, period: str) -> bool:
    """Whether the register's target applies to `period`: after the baseline it is measured from, and
    no later than its final target year. Before, the indicator had no target, and a line there would
    rate the past against a target set since."""
    try:
        year = parse_period(period).year
    except PeriodError:
        return True
    baseline, final = _fy_start(ind.baseline_period), _fy_start(ind.final_target_year)
    return (baseline is None or year > baseline) and (final is None or year <= final)


def _fy_start(text: str) -> int | None:
    """The year a financial year ('2023-24', or a quarter of it) starts in; None when it names none."""
    found = re.match(r"\s*(\d{4})\s*[-/]\s*\d{2}", text or "")
    return int(found.group(1)) if found else None


def rag_summary_chart(rows: Sequence[tuple[str, dict[Rag, int]]], cache: ChartCache) -> Chart:
    """A horizontal stacked bar per partnership: how many indicators are in each rating."""
    order = [Rag.GREEN, Rag.AMBER_GREEN, Rag.AMBER, Rag.AMBER_RED, Rag.RED]
    shown = [r for r in order if any(counts.get(r, 0) for _, counts in rows)]
    spec = {
        "names": [name for name, _ in rows],
        "series": [{"rag": r.value, "colour": r.colour, "counts": [c.get(r, 0) for _, c in rows]} for r in shown],
    }
    path = cache.get("ratings", spec, draw_ratings)
    parts = []
    for name, counts in rows:
        said = ", ".join(f"{counts.get(r, 0)} {r.value}" for r in shown if counts.get(r, 0))
        parts.append(f"{name}: {said or 'no rated measures'}")
    alt = "Bar chart of how many measures each partnership has in each rating. " + "; ".join(parts) + "."
    return Chart(path, alt, 160.0)


def _kind(point: SpcPoint, polarity: Polarity) -> str:
    """How an SPC point is marked: common cause, or special cause read by polarity."""
    return {
        Variation.COMMON: "common",
        Variation.IMPROVING: "improving",
        Variation.CONCERNING: "concerning",
    }.get(variation(point, polarity), "neutral")


def spc_chart(result: IndicatorResult) -> WordChart | None:
    """The indicator's XmR chart (points, mean, limits, special causes marked) as a chart Word draws,
    or None with fewer than 12 figures."""
    spc = result.judgement.spc if result.judgement else None
    if spc is None or spc.mean is None or spc.lower is None or spc.upper is None:
        return None
    ind = result.indicator
    mean, lower, upper = (figure(v.quantize(Decimal("0.01")), ind.unit) for v in (spc.mean, spc.lower, spc.upper))
    xml = spc_chart_xml(
        title=f"{ind.code}: {ind.title} (statistical process control)",
        unit=ind.unit + (", each quarter's own amount" if ind.cumulative else ""),
        periods=[p.label for p in spc.points],
        values=[p.value for p in spc.points],
        kinds=[_kind(p, ind.polarity) for p in spc.points],
        mean=spc.mean,
        lower=spc.lower,
        upper=spc.upper,
    )
    special = [f"{p.label} ({p.rule.value})" for p in spc.points if p.rule is not None]
    alt = (
        f"Statistical process control chart of {ind.code} {ind.title} over {len(spc.points)} reports: "
        f"mean {mean}, process limits {lower} to {upper}. "
        + (f"Special cause points: {'; '.join(special)}. " if special else "All points are common cause. ")
        + f"Latest: {spc.variation.value}; {spc.assurance.value}."
    )
    return WordChart(xml, alt, 170.0, 62.0)
