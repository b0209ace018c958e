"""The charts: each indicator's trend and SPC chart in the highlight reports, and the public summary's
rating chart, each with the alt text a screen reader announces, giving the figures it shows.

The highlight reports' charts are native Word charts (word_chart): chart XML that Word and
LibreOffice draw, written in a fraction of a millisecond. The public summary is a web page, so its
rating chart, twice a year, is a PNG drawn with Pillow (ratings_drawing), cached by content: the
file is named by a hash of its description and of the renderer's version, so a re-run with
unchanged data re-uses it. Pillow is imported inside the drawing function, so `pipeline --help`
stays fast, and the PNG bytes are deterministic: fixed size, no software or date stamp.
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
from pipeline.outputs.chart_scale import NOT_FINAL, axis_label, plotted
from pipeline.outputs.drawing import clip_to_length, font_source, number, package_version
from pipeline.outputs.ratings_drawing import draw_ratings
from pipeline.outputs.word_chart import Marker, Series, WordChart, line_chart
from pipeline.rating.rag import Rag
from pipeline.support.atomic import write_bytes

# Bump when the drawing code changes, so cached charts are redrawn.
CHART_STYLE_VERSION = 6

WIDTH_MM, HEIGHT_MM = 160.0, 65.0  # two charts and their captions to a landscape page
_ACTUAL = "1F4E79"  # dark blue: strong contrast on white, distinct from the target line
_TARGET = "404040"
_PALE = "9DC3E6"  # an estimate's diamond: the actual's blue, lighter
_LINE = "7F7F7F"
_MEAN = "404040"
_LIMIT = "808080"
# How each kind of SPC point is marked, in colour AND shape as "Making Data Count" charts mark them
# (a colour-blind reader, or a black-and-white print, still sees which points are special): (colour,
# symbol, legend words).
MARKS = {
    "common": ("A6A6A6", "circle", "Common cause"),
    "improving": ("1F77B4", "square", "Improving"),
    "concerning": ("ED7D31", "triangle", "Concerning"),
    "neutral": ("7030A0", "diamond", "Higher or lower"),
}


@dataclass(frozen=True)
class Chart:
    """A PNG on disk (the public summary's rating chart) and the text a screen reader announces for it."""

    path: Path
    alt_text: str


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


def trend_chart(result: IndicatorResult) -> WordChart:
    """A line chart of the indicator's reported periods (IndicatorResult.trend) against its target,
    from its first figure: slots before it would only push the figures into a corner. A running total
    restarts each April, so each financial year is a line of its own, with no line from March to April;
    the target is drawn only where one was set; a figure not final is a pale diamond (another shape, not
    only another shade); the latest figure is written by its point."""
    ind = result.indicator
    first = next((n for n, p in enumerate(result.trend) if p.actual is not None), 0)
    shown = result.trend[first:]
    cumulative = ind.cumulative and ind.frequency is not Frequency.ANNUAL
    targets = [p.target if target_existed(ind, p.period) else None for p in shown]
    not_final = [p.actual is not None and p.data_quality in NOT_FINAL for p in shown]
    names = [period_name(ind, p.period) for p in shown]
    actual = [plotted(p.actual) for p in shown]
    target = [plotted(t) for t in targets]
    years = [name.partition(" ")[0] if cumulative else "" for name in names]
    latest = max((k for k, v in enumerate(actual) if v is not None), default=None)
    dot = Marker("circle", 6, _ACTUAL, _ACTUAL)
    set_for = [(year, values) for year, values in _by_year(target, years) if any(v is not None for v in values)]
    series = [
        Series("Target" if n == 0 else f"Target {year}", values, _TARGET, 1.5, dashed=True, in_legend=n == 0)
        for n, (year, values) in enumerate(set_for)
    ]
    for n, (year, values) in enumerate(_by_year(actual, years)):
        label = None
        if latest is not None and values[latest] is not None:
            label = (latest, _in_unit(shown[latest].actual, ind.unit), _ACTUAL)
        bare = [k for k, v in enumerate(values) if v is not None and not_final[k]]
        name = "Actual" if n == 0 else f"Actual {year}"
        series.append(Series(name, values, _ACTUAL, 2.0, marker=dot, bare=bare, label=label, in_legend=n == 0))
    if any(not_final):
        estimates = [v if flag else None for v, flag in zip(actual, not_final)]
        # LibreOffice draws a marker's fill alone, without its edge: a hollow marker would vanish there.
        pale = Marker("diamond", 9, _PALE, _ACTUAL)
        series.append(Series("Estimate or provisional", estimates, None, marker=pale))
    xml = line_chart(
        title=[(clip_to_length(f"{ind.code}: {ind.title}", 150), 10, True), (ind.polarity.value, 8, False)],
        axis_title=axis_label(ind.unit, cumulative),
        periods=names,
        series=series,
        gridlines=True,
    )
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
        + ("; pale diamond: estimate or provisional" if any(not_final) else "")
        + ")."
    )
    return WordChart(xml, alt, WIDTH_MM, HEIGHT_MM, caption)


def _by_year(values: list[float | None], years: list[str]) -> list[tuple[str, list[float | None]]]:
    """The values split into a series per financial year (each with gaps outside its year), in order;
    one series of them all when `years` are all "" (a figure that is not counted up)."""
    return [(year, [v if y == year else None for v, y in zip(values, years)]) for year in dict.fromkeys(years)]


def _in_unit(value: Decimal | None, unit: str) -> str:
    """The latest figure in its unit ('31.5%', '22.55 per 1,000'); a figure too long to write out
    (1e-322 in 330 digits) as `number` shortens it, without the unit."""
    if value is None:
        return ""
    text = number(value)
    return figure(value, unit) if len(format(value.normalize(), ",f")) == len(text) else text


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
    return Chart(path, alt)


def _kind(point: SpcPoint, polarity: Polarity) -> str:
    """How an SPC point is marked: common cause, or special cause read by polarity."""
    return {
        Variation.COMMON: "common",
        Variation.IMPROVING: "improving",
        Variation.CONCERNING: "concerning",
    }.get(variation(point, polarity), "neutral")


def spc_chart(result: IndicatorResult) -> WordChart | None:
    """The indicator's XmR chart, or None with fewer than 12 figures: the points joined, the mean solid,
    the process limits dashed, and each kind of special cause a series of markers of its own colour
    and shape, which the legend names."""
    spc = result.judgement.spc if result.judgement else None
    if spc is None or spc.mean is None or spc.lower is None or spc.upper is None:
        return None
    ind = result.indicator
    mean, lower, upper = (figure(v.quantize(Decimal("0.01")), ind.unit) for v in (spc.mean, spc.lower, spc.upper))
    values = [plotted(p.value) for p in spc.points]
    kinds = [_kind(p, ind.polarity) for p in spc.points]
    n = len(values)
    grey = MARKS["common"][0]
    series = [
        Series("Figure", values, _LINE, 1.5, marker=Marker("circle", 6, grey, grey)),
        Series("Mean", [plotted(spc.mean)] * n, _MEAN, 1.75),
        Series("Process limits", [plotted(spc.upper)] * n, _LIMIT, 1.25, dashed=True),
        Series("Lower limit", [plotted(spc.lower)] * n, _LIMIT, 1.25, dashed=True, in_legend=False),
    ]
    for kind in ("improving", "concerning", "neutral"):
        if kind in kinds:
            colour, symbol, words = MARKS[kind]
            marked = [v if k == kind else None for v, k in zip(values, kinds)]
            series.append(Series(words, marked, None, marker=Marker(symbol, 9, colour, colour)))
    xml = line_chart(
        title=[
            (clip_to_length(f"{ind.code}: {ind.title}", 150), 10, True),
            (f"Statistical process control; {ind.polarity.value.lower()}", 8, False),
        ],
        axis_title=axis_label(ind.unit) + (", each quarter's own amount" if ind.cumulative else ""),
        periods=[p.label for p in spc.points],
        series=series,
    )
    special = [f"{p.label} ({p.rule.value})" for p in spc.points if p.rule is not None]
    alt = (
        f"Statistical process control chart of {ind.code} {ind.title} over {len(spc.points)} reports: "
        f"mean {mean}, process limits {lower} to {upper}. "
        + (f"Special cause points: {'; '.join(special)}. " if special else "All points are common cause. ")
        + f"Latest: {spc.variation.value}; {spc.assurance.value}."
    )
    return WordChart(xml, alt, WIDTH_MM, HEIGHT_MM)
