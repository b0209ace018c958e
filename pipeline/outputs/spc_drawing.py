"""The SPC (XmR) chart, drawn with Pillow as the trend charts are: the points joined, the mean as a
solid line, the process limits dashed, and each special-cause point marked in colour AND shape, as
"Making Data Count" charts mark them (a colour-blind reader, or a black-and-white print, still sees
which points are special): grey circles for common cause, blue squares for improvement, orange
triangles for concern, purple diamonds for higher or lower where there is no polarity.
"""

from __future__ import annotations

from pipeline.outputs.drawing import PAD, PT, SCALE, TICK, Label, clip_to_width, png, text_width, write
from pipeline.outputs.trend_drawing import nice_ticks, wrap_title

WIDTH, HEIGHT = 756, 300  # as the trend chart: 6.3 x 2.5 inches at drawing.DPI
_LINE = "#7F7F7F"
_MEAN = "#404040"
_LIMIT = "#808080"
# How each kind of point is drawn: (fill colour, shape, legend words).
MARKS = {
    "common": ("#A6A6A6", "circle", "Common cause"),
    "improving": ("#1F77B4", "square", "Improving"),
    "concerning": ("#ED7D31", "triangle", "Concerning"),
    "neutral": ("#7030A0", "diamond", "Higher or lower"),
}


def _short(period: str) -> str:
    fy, _, quarter = period.partition(" ")
    return f"{quarter} {fy[2:]}" if quarter else period


def _shape(draw, kind: str, cx: float, cy: float, r: float) -> None:
    colour, shape, _ = MARKS[kind]
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    elif shape == "square":
        draw.rectangle([cx - r, cy - r, cx + r, cy + r], fill=colour)
    elif shape == "triangle":
        draw.polygon([(cx, cy - 1.2 * r), (cx + 1.2 * r, cy + r), (cx - 1.2 * r, cy + r)], fill=colour)
    else:
        draw.polygon([(cx, cy - 1.3 * r), (cx + 1.3 * r, cy), (cx, cy + 1.3 * r), (cx - 1.3 * r, cy)], fill=colour)


def draw_spc(spec: dict) -> bytes:
    """The chart described by `spec` (charts.spc_chart: title, unit, periods, values, kinds, mean,
    lower, upper), as PNG bytes."""
    from PIL import Image, ImageDraw

    values = [float(v) for v in spec["values"]]
    mean, lower, upper = float(spec["mean"]), float(spec["lower"]), float(spec["upper"])
    low, high, ticks = nice_ticks(min([*values, lower]), max([*values, upper]))
    tick_text = [f"{t:,.10g}" for t in ticks]
    left = max(round(0.10 * WIDTH), round(max(text_width(t, 9) for t in tick_text) + TICK + 2 * PAD + 4))
    right, top, bottom = round(0.80 * WIDTH), round(0.16 * HEIGHT), round(0.80 * HEIGHT)
    n = len(values)
    step = (right - left) / n
    xs = [left + (i + 0.5) * step for i in range(n)]

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    s = SCALE
    # Lines and markers are drawn three times the size and shrunk, for anti-aliasing: only the plot and
    # the legend's markers, from a little above the axes to their foot, since shrinking is most of the cost.
    origin_x, origin_y = left - 8, top - 8
    fine = Image.new("RGB", ((WIDTH - origin_x) * s, (bottom + 8 - origin_y) * s), "white")
    draw = ImageDraw.Draw(fine)

    def at(x: float, y: float) -> tuple[float, float]:
        return (x - origin_x) * s, (y - origin_y) * s

    def dashed(y: float, colour: str) -> None:
        x, dash, gap = float(left), 5.5 * PT, 2.5 * PT
        while x < right:
            draw.line([at(x, y), at(min(x + dash, right), y)], fill=colour, width=round(1.3 * PT * s))
            x += dash + gap

    dashed(y_of(upper), _LIMIT)
    dashed(y_of(lower), _LIMIT)
    draw.line([at(left, y_of(mean)), at(right, y_of(mean))], fill=_MEAN, width=round(1.5 * PT * s))
    draw.line([at(x, y_of(v)) for x, v in zip(xs, values)], fill=_LINE, width=round(1.2 * PT * s), joint="curve")
    radius = 3 * PT * s
    for x, v, kind in zip(xs, values, spec["kinds"]):
        cx, cy = at(x, y_of(v))
        _shape(draw, kind, cx, cy, radius)
    shown = [k for k in MARKS if k in spec["kinds"]]
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    image.paste(fine.reduce(s), (origin_x, origin_y))
    canvas = ImageDraw.Draw(image)
    canvas.rectangle([left - 1, top, left - 1, bottom], fill="black")
    canvas.rectangle([left - 1, bottom, right - 1, bottom], fill="black")
    labels = [
        Label(line, left, top - round(6 * PT) - round(12 * PT) * (len(title) - 1 - k), "ls", 10, bold=True)
        for title in [wrap_title(spec["title"], WIDTH - 4 - left)]
        for k, line in enumerate(title)
    ]
    for t, text in zip(ticks, tick_text):
        row = round(y_of(t))
        if top <= row <= bottom:
            canvas.rectangle([left - 1 - TICK, row, left - 2, row], fill="black")
            labels.append(Label(text, left - 1 - TICK - PAD, row, "rm", 9))
    every = max(1, round(n / 8))
    for i in range(0, n, every):
        labels.append(Label(_short(spec["periods"][i]), round(xs[i]), bottom + TICK + PAD, "ma", 8))
    for words, value in (("Upper limit", upper), ("Mean", mean), ("Lower limit", lower)):
        labels.append(Label(words, right + 4, round(y_of(value)), "lm", 8, colour=_MEAN))
    # The legend: a row under the axis, each kind of point the chart has, with its shape and words.
    x, legend_y = left + 160, HEIGHT - 14
    for kind in shown:
        _shape(canvas, kind, x, legend_y, 3 * PT)
        labels.append(Label(MARKS[kind][2], x + round(8 * PT), legend_y, "lm", 8))
        x += round(8 * PT + text_width(MARKS[kind][2], 8) + 18)
    labels.append(Label(clip_to_width(spec["unit"], 150, 8, bold=False), left, bottom + TICK + PAD + 18, "la", 8))
    for label in labels:
        write(image, label)
    return png(image)
