"""The trend chart, drawn with Pillow: a PNG from the chart's description, in a few milliseconds.

About 60 are drawn a quarter. Lines and markers are drawn on a canvas three times the
size and shrunk, for anti-aliasing; text, fonts and the PNG are `drawing`'s. The bytes are deterministic: fixed size, no software or date stamp, and nothing
carried over from the chart drawn before.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.domain.wording import figure
from pipeline.outputs.drawing import (
    PAD,
    PT,
    SCALE,
    TICK,
    Label,
    clip_to_length,
    clip_to_width,
    font_at,
    number,
    png,
    text_width,
    write,
)

WIDTH, HEIGHT = 756, 300  # 6.3 x 2.5 inches at drawing.DPI
_ACTUAL = "#1F4E79"  # dark blue: strong contrast on white, distinct from the target line
_TARGET = "#404040"
_GRID = "#DDDDDD"
# A value axis narrower than this, absolutely or as a share of its figures, is drawn as flat:
# its ticks could not be told apart. Validation refuses figures nearer zero than this.
_NARROWEST = 1e-9
# Figures are drawn no further from zero than this, so the axis's arithmetic stays finite; no
# figure a return or the register can hold comes near it.
_FURTHEST = 1e100


# Data quality of a figure that may still change: drawn as an open diamond, named in the legend.
NOT_FINAL = ("Estimate", "Provisional")
_AXIS_UNITS = {
    "%": "Per cent",
    "rate per 1,000": "Per 1,000",
    "£": "Pounds (£)",
    "days": "Days",
    "count": "Count",
    "number": "Number",
}


def axis_label(unit: str, cumulative: bool = False) -> str:
    """What the value axis measures, in words: 'Rate per 1,000, year to date'."""
    said = _AXIS_UNITS.get(unit, unit)
    return f"{said}, year to date" if cumulative and said else said


_LEGEND = {"target": ["Target"], "actual": ["Actual"], "estimate": ["Estimate or", "provisional"]}
# From the axes' right end to the legend's words: a gap, the line sample, a gap.
_LEGEND_INDENT = round(0.9 * 8 * PT) + round(2 * 8 * PT) + round(0.8 * 8 * PT)

TITLE_SIZE = 10  # points, bold
TITLE_LINES = 2


def wrap_title(text: str, width: float, size: float = TITLE_SIZE, lines: int = TITLE_LINES) -> list[str]:
    """`text` in at most `lines` lines of whole words, each no wider than `width` pixels in bold.

    Only what does not fit in all of them is clipped, with an ellipsis: an indicator's title
    is read from the chart when the chart is copied on its own, so as much of it as possible
    is kept. A first word wider than a line is clipped there.
    """
    words = text.split()
    wrapped: list[str] = []
    while words and len(wrapped) < lines - 1:
        line = words.pop(0)
        if text_width(line, size, True) > width:
            return [clip_to_width(" ".join([line, *words]), width, size)]
        while words and text_width(f"{line} {words[0]}", size, True) <= width:
            line += " " + words.pop(0)
        wrapped.append(line)
    if words:
        wrapped.append(clip_to_width(" ".join(words), width, size))
    return wrapped


def _wrap(text: str, width: float, size: float) -> list[str]:
    """`text` in lines of whole words no wider than `width` pixels (a word too long is clipped)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(clip_to_width(word, width, size, bold=False))
    return lines


def nice_ticks(low: float, high: float) -> tuple[float, float, list[float]]:
    """A value axis for data from `low` to `high`: its limits, the data with a 20% margin
    either side, and the round values inside them to mark: steps of 1, 2, 2.5 or 5 times a
    power of ten, about five of them."""
    low, high = min(low, high), max(low, high)
    if high - low <= max(_NARROWEST, max(abs(low), abs(high)) * _NARROWEST):
        # One value, several the same, or a range too narrow to mark (0 to 1e-322 would divide
        # by zero): a range around their middle.
        middle = (low + high) / 2
        pad = abs(middle) * 0.1 if abs(middle) >= _NARROWEST else 1.0
        low, high = middle - pad, middle + pad
    margin = (high - low) * 0.2
    low, high = low - margin, high + margin
    power = math.floor(math.log10(high - low))
    best: tuple | None = None
    for exponent in range(power - 2, power + 2):
        for mantissa in ("1", "2", "2.5", "5"):
            step = Decimal(mantissa).scaleb(exponent)
            first = math.ceil(low / float(step) - 1e-9)
            last = math.floor(high / float(step) + 1e-9)
            count = last - first + 1
            # Nearest five; but a step of 0.25 or 2.5 puts one more digit in every label than
            # 0.5 or 5 would, which is worth more than a tick. Then 1, 2 or 5; then fewer.
            longer = mantissa == "2.5" and exponent < 1
            score = (abs(count - 5) + 1.5 * longer, mantissa == "2.5", count)
            if best is None or score < best[0]:
                best = (score, step, first, last)
    assert best is not None  # the loops above always run: sixteen candidate steps
    _, step, first, last = best
    return low, high, [float(step * k) for k in range(first, last + 1)]


def _tick_label(value: float) -> str:
    return f"{value:,.10g}"  # 1,160 and 32.5: thousands separated, no trailing zeros


@dataclass
class TrendLayout:
    """Where everything on a trend chart goes."""

    left: int  # the axes: pixel columns left to right - 1, rows top to bottom - 1
    right: int
    top: int
    bottom: int
    xs: list[float]  # the middle of each quarter
    x_ticks: list[int]  # pixel columns of the quarters' ticks
    y_ticks: list[int]  # pixel rows of the value ticks (and their gridlines)
    target: list[list[tuple[float, float]]]  # lines, each a list of points
    actual: list[list[tuple[float, float]]]
    markers: list[tuple[float, float]]
    legend: list[tuple[str, int]]  # "target", "actual" or "estimate", and the pixel row through its middle
    sample: tuple[int, int]  # the x span of the legend's line samples
    labels: dict[str, list[Label]] = field(default_factory=dict)  # by role: "title", "polarity", ...
    estimates: list[tuple[float, float]] = field(default_factory=list)  # figures not final: open diamonds


def _short_period(text: str) -> str:
    # "2025-26 Q2" -> "Q2\n2025-26": two short lines fit eight ticks without rotating them.
    fy, _, quarter = text.partition(" ")
    return f"{quarter}\n{fy}" if quarter else text


def trend_layout(spec: dict) -> TrendLayout:
    """Where every line, marker and label of the chart described by `spec` goes."""
    n = len(spec["periods"])
    actual, target = _values(spec["actual"]), _values(spec["target"])
    known = [v for v in actual + target if v is not None]
    low, high, ticks = nice_ticks(min(known, default=0.0), max(known, default=1.0))
    tick_text = [_tick_label(t) for t in ticks]
    widest = max((text_width(t, 9) for t in tick_text), default=0.0)
    unit_depth = sum(font_at(9).getmetrics())  # the y label's width, turned upright
    # Tick labels wider than usual push the axes right, rather than into the y label.
    left = max(round(0.12 * WIDTH), math.ceil(3 + unit_depth + 4 * PT + widest + PAD + TICK))
    # A title too long for one line goes onto two, and the axes start one line lower.
    title = wrap_title(clip_to_length(spec["title"], 150), WIDTH - 4 - left)
    title_height = round(1.2 * TITLE_SIZE * PT)
    flags = spec.get("estimate") or []
    not_final = [n < len(flags) and bool(flags[n]) for n in range(len(actual))]
    has_estimate = any(v is not None and flag for v, flag in zip(actual, not_final))
    # The legend's words, in the right margin: the axes end where the widest still fits in the image.
    legend_words = _LEGEND["estimate"] if has_estimate else _LEGEND["actual"]
    legend_text = max(text_width(line, 8) for line in legend_words)
    right = min(round(0.86 * WIDTH), math.floor(WIDTH - 4 - legend_text - _LEGEND_INDENT))
    bottom = round(0.80 * HEIGHT)
    top = round(0.14 * HEIGHT) + title_height * max(0, len(title) - 1)
    step = (right - left) / max(n, 1)
    xs = [left + (i + 0.5) * step for i in range(n)]

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    labels: dict[str, list[Label]] = {}
    y_ticks = [min(bottom, max(top, math.floor(y_of(t)))) for t in ticks]
    labels["y_ticks"] = [Label(text, left - 1 - TICK - PAD, row, "rm", 9) for text, row in zip(tick_text, y_ticks)]
    unit = axis_label(spec["unit"], spec.get("cumulative", False))
    if text_width(unit, 9) > bottom - top:  # under a title of two lines: the unit alone, rather than cut
        unit = axis_label(spec["unit"])
    unit = clip_to_width(unit, bottom - top, 9, bold=False)
    labels["unit"] = [
        Label(unit, left - 1 - TICK - PAD - math.ceil(widest) - round(4 * PT), (top + bottom) // 2, "", 9, upright=True)
    ]

    periods = [_short_period(p).split("\n") for p in spec["periods"]]
    period_width = max((text_width(line, 8) for lines in periods for line in lines), default=0.0)
    every = max(1, math.ceil((period_width + 6) / step))  # many quarters: label every other one, or fewer
    line_height = round(1.2 * 8 * PT)
    labels["x_ticks"] = [
        Label(line, round(xs[i]), bottom + 1 + TICK + PAD + k * line_height, "ma", 8)
        for i in range(0, n, every)
        for k, line in enumerate(periods[i])
    ]
    labels["title"] = [
        Label(line, left, top - round(6 * PT) - title_height * (len(title) - 1 - k), "ls", TITLE_SIZE, bold=True)
        for k, line in enumerate(title)
    ]

    # Target: a step per quarter, jumping halfway between quarters (matplotlib's steps-mid).
    target_lines = []
    years = _years(spec)
    for run in _runs(target, years):
        (first, first_value), (last, last_value) = run[0], run[-1]
        start = xs[first] - step / 2 if first or n == 1 else xs[first]
        end = xs[last] + step / 2 if last < n - 1 or n == 1 else xs[last]
        points = [(start, y_of(first_value))]
        for (before, before_value), (i, value) in itertools.pairwise(run):
            middle = (xs[before] + xs[i]) / 2
            points += [(middle, y_of(before_value)), (middle, y_of(value))]
        target_lines.append(points + [(end, y_of(last_value))])
    actual_runs = _runs(actual, years)
    actual_lines = [[(xs[i], y_of(v)) for i, v in run] for run in actual_runs if len(run) > 1]
    markers = [(xs[i], y_of(v)) for i, v in enumerate(actual) if v is not None and not not_final[i]]
    estimates = [(xs[i], y_of(v)) for i, v in enumerate(actual) if v is not None and not_final[i]]

    # The latest figure, above its marker; below it if there is no room above, or if the target
    # line would run through it above and not below; moved sideways to stay over the axes (clear
    # of the legend).
    if actual_runs:
        latest, latest_value = actual_runs[-1][-1]
        x, y = round(xs[latest]), y_of(latest_value)
        text = _in_unit(Decimal(spec["actual"][latest]), spec["unit"])
        above = Label(text, x, round(y - 7 * PT), "ms", 9, bold=True, colour=_ACTUAL)
        below = Label(text, x, round(y + 5 * PT), "ma", 9, bold=True, colour=_ACTUAL)
        latest_target = target[latest]
        line_y = None if latest_target is None else y_of(latest_target)

        def struck(label: Label) -> bool:
            return line_y is not None and label.box()[1] - 2 <= line_y <= label.box()[3] + 2

        label = above
        if above.box()[1] < top + 2 or (struck(above) and not struck(below) and below.box()[3] < bottom - 2):
            label = below
        box = label.box()
        shift = max(0.0, left + 2 - box[0]) + min(0.0, right - 2 - box[2])
        labels["latest"] = [Label(text, x + round(shift), label.y, label.anchor, 9, bold=True, colour=_ACTUAL, halo=2)]

    # The legend, in the right margin at the top, and the polarity under it.
    legend_left = right + round(0.9 * 8 * PT)
    sample = (legend_left, legend_left + round(2 * 8 * PT))
    kinds = ["target"] * any(v is not None for v in target) + ["actual"] + ["estimate"] * bool(estimates)
    legend = [(kind, top + 19 + 20 * row) for row, kind in enumerate(kinds)]
    words = _LEGEND
    labels["legend"] = [
        Label(line, sample[1] + round(0.8 * 8 * PT), round(y) + k * line_height, "lm", 8)
        for kind, y in legend
        for k, line in enumerate(words[kind])
    ]
    polarity_top = round(legend[-1][1]) + 17 + line_height * (len(words[legend[-1][0]]) - 1)
    labels["polarity"] = [
        Label(line, legend_left, polarity_top + k * line_height, "la", 8, colour=_TARGET)
        for k, line in enumerate(_wrap(spec["polarity"], WIDTH - 4 - legend_left, 8))
    ]
    return TrendLayout(
        left,
        right,
        top,
        bottom,
        xs,
        [round(x - 0.5) for x in xs],
        y_ticks,
        target_lines,
        actual_lines,
        markers,
        legend,
        sample,
        labels,
        estimates,
    )


def _in_unit(value: Decimal, unit: str) -> str:
    """The latest figure in its unit ('31.5%', '22.55 per 1,000'); a figure too long to write out
    (1e-322 in 330 digits) as `number` shortens it, without the unit."""
    text = number(value)
    return figure(value, unit) if len(format(value.normalize(), ",f")) == len(text) else text


def _values(values: list[str | None]) -> list[float | None]:
    """The figures as floats, any beyond ±_FURTHEST drawn at it (1e400 would be infinite)."""
    return [None if v is None else max(-_FURTHEST, min(_FURTHEST, float(v))) for v in values]


def _years(spec: dict) -> list[str]:
    """The series each point belongs to: its financial year for a running total, which starts again
    each April (no line joins March's total to April's), else one series."""
    if not spec.get("cumulative"):
        return [""] * len(spec["periods"])
    return [period.partition(" ")[0] for period in spec["periods"]]


def _runs(values: list[float | None], series: list[str] | None = None) -> list[list[tuple[int, float]]]:
    """Each stretch of values without a gap or a change of `series`, as (index, value) pairs."""
    series = series or [""] * len(values)
    runs: list[list[tuple[int, float]]] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if runs and runs[-1][-1][0] == i - 1 and series[i] == series[i - 1]:
            runs[-1].append((i, value))
        else:
            runs.append([(i, value)])
    return runs


def _dashes(points: list[tuple[float, float]], on: float, off: float) -> list[list[tuple[float, float]]]:
    """The dashes of a dashed line through `points`: lines `on` long, `off` apart, the
    pattern carrying on round corners."""
    dashes: list[list[tuple[float, float]]] = []
    current, drawing, remaining = [points[0]], True, on
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        length = math.hypot(bx - ax, by - ay)
        done = 0.0
        while length - done > remaining:
            done += remaining
            point = (ax + (bx - ax) * done / length, ay + (by - ay) * done / length)
            if drawing:
                dashes.append(current + [point])
            current = [point]
            drawing = not drawing
            remaining = on if drawing else off
        remaining -= length - done
        if drawing:
            current.append((bx, by))
    if drawing and len(current) > 1:
        dashes.append(current)
    return dashes


def draw_trend(spec: dict) -> bytes:
    """The trend chart described by `spec` (see charts.trend_chart), as PNG bytes."""
    from PIL import Image, ImageDraw

    layout = trend_layout(spec)
    s = SCALE
    # Lines, markers and the legend's samples: drawn large, then shrunk.
    origin_x, origin_y = layout.left, layout.top
    fine = Image.new("RGB", ((layout.sample[1] + 8 - origin_x) * s, (layout.bottom - origin_y) * s), "white")
    draw = ImageDraw.Draw(fine)

    def at(x: float, y: float) -> tuple[float, float]:
        return (x - origin_x) * s, (y - origin_y) * s

    for row in layout.y_ticks:
        if row < layout.bottom:  # whole pixels once shrunk: a crisp gridline
            draw.rectangle(
                [0, (row - origin_y) * s, (layout.right - origin_x) * s - 1, (row - origin_y + 1) * s - 1], fill=_GRID
            )
    target_width, actual_width = round(1.5 * PT * s), round(2 * PT * s)
    radius = 3.5 * PT * s  # 6 pt across, as matplotlib's default marker, plus its edge

    def target_line(points: list[tuple[float, float]]) -> None:
        for dash in _dashes([at(x, y) for x, y in points], 5.55 * PT * s, 2.4 * PT * s):
            draw.line(dash, fill=_TARGET, width=target_width, joint="curve")

    def marker(x: float, y: float) -> None:
        cx, cy = at(x, y)
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=_ACTUAL)

    def open_diamond(x: float, y: float) -> None:
        # Another shape, not only another shade: told apart in grey print and by colour-blind readers.
        cx, cy, r = *at(x, y), radius * 1.35
        draw.polygon(
            [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)],
            fill="white",
            outline=_ACTUAL,
            width=actual_width // 2 + 1,
        )

    for line in layout.target:
        target_line(line)
    for line in layout.actual:
        draw.line([at(x, y) for x, y in line], fill=_ACTUAL, width=actual_width, joint="curve")
    for x, y in layout.markers:
        marker(x, y)
    for x, y in layout.estimates:
        open_diamond(x, y)
    x0, x1 = layout.sample
    for kind, y in layout.legend:
        if kind == "target":
            target_line([(x0, y), (x1, y)])
        elif kind == "estimate":
            open_diamond((x0 + x1) / 2, y)
        else:
            draw.line([at(x0, y), at(x1, y)], fill=_ACTUAL, width=actual_width)
            marker((x0 + x1) / 2, y)

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    image.paste(fine.reduce(s), (origin_x, origin_y))
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = layout.left, layout.right, layout.top, layout.bottom
    draw.rectangle([left - 1, top, left - 1, bottom], fill="black")  # spines: left and bottom only
    draw.rectangle([left - 1, bottom, right - 1, bottom], fill="black")
    for row in layout.y_ticks:
        draw.rectangle([left - 1 - TICK, row, left - 2, row], fill="black")
    for column in layout.x_ticks:
        draw.rectangle([column, bottom + 1, column, bottom + TICK], fill="black")
    for labels in layout.labels.values():
        for label in labels:
            write(image, label)
    return png(image)
