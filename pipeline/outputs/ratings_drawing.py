"""The public summary's rating chart, drawn with Pillow: a stacked bar per partnership.

Each bar is split into the number of measures in each rating, left to right from Green to
Red, with the count written on each part. The ratings differ by hatching as well as by
colour, and the legend above names them, so the chart reads in greyscale and to a
colour-blind reader. Shapes are drawn at drawing.SCALE times the size and shrunk; text,
fonts and the PNG are `drawing`'s, as for the trend charts.
"""

from __future__ import annotations

import math

from pipeline.outputs.drawing import DPI, PAD, PT, SCALE, TICK, Label, clip_to_length, png, text_width, write

WIDTH = round(7.5 * DPI)
_ROW = round(0.45 * DPI)  # each partnership's share of the height
_EDGE = "#333333"  # bar outlines and hatching
_GREY = "#404040"
_HATCHES = {"Green": "", "Amber/Green": "..", "Amber": "//", "Amber/Red": "xx", "Red": "\\\\"}
_SWATCH = (round(2 * 9 * PT), round(0.7 * 9 * PT))  # a legend entry's sample of the bar
_LEGEND_ROW = round(1.6 * 9 * PT)


def _ticks(most: int) -> tuple[int, list[int]]:
    """The axis's end and its ticks for counts up to `most`: whole numbers in steps of 1, 2 or
    5 times a power of ten, no more than eight of them, the axis ending on one."""
    most = max(most, 1)
    step = next(
        m * 10**e for e in range(10) for m in (1, 2, 5) if math.ceil(most / (m * 10**e)) <= 7
    )  # a count above 10**9 is no partnership's
    end = math.ceil(most / step) * step
    return end, list(range(0, end + 1, step))


def _hatch(draw, box: tuple[int, int, int, int], pattern: str, spacing: int, width: int) -> None:
    """Hatching inside `box` (left, top, right, bottom, in the large canvas's pixels)."""
    left, top, right, bottom = box
    height = bottom - top
    if "." in pattern:
        radius = width
        for y in range(top + spacing // 2, bottom - radius, spacing):
            shift = spacing // 2 if (y - top) // spacing % 2 else 0
            for x in range(left + spacing // 2 + shift, right - radius, spacing):
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=_EDGE)
        return
    for direction in {"/": (1,), "\\": (-1,), "x": (1, -1)}[pattern[0]]:
        for start in range(left - height, right + height, spacing):
            # A line at 45 degrees, clipped to the box by hand: Pillow draws no clip region.
            # Floats: clipping moves an end along the slope, off whole pixels.
            ay, by = (float(bottom), float(top)) if direction == 1 else (float(top), float(bottom))
            ax, bx = float(start), float(start + height)
            slope = (by - ay) / (bx - ax)
            if ax < left:
                ay, ax = ay + slope * (left - ax), left
            if bx > right:
                by, bx = by - slope * (bx - right), right
            if bx > ax:
                draw.line([(ax, ay), (bx, by)], fill=_EDGE, width=width)


def draw_ratings(spec: dict) -> bytes:
    """The rating chart described by `spec` (see charts.rag_summary_chart), as PNG bytes."""
    from PIL import Image, ImageDraw

    names = [clip_to_length(n, 40) for n in spec["names"]]
    series = spec["series"]
    totals = [sum(s["counts"][i] for s in series) for i in range(len(names))]
    end, ticks = _ticks(max(totals, default=0))

    # The legend: up to three entries a row, centred over the plot.
    columns = min(3, max(1, len(series)))
    entry = _SWATCH[0] + round(0.8 * 9 * PT) + max((text_width(s["rag"], 9) for s in series), default=0)
    column_width = math.ceil(entry) + round(2 * 9 * PT)
    legend_rows = math.ceil(len(series) / columns)
    top = 8 + legend_rows * _LEGEND_ROW + round(0.6 * 9 * PT)
    height = top + _ROW * len(names) + round(0.8 * 8 * PT) + TICK + PAD + round(2.6 * 9 * PT)
    left = max(round(0.12 * WIDTH), math.ceil(8 + max((text_width(n, 9) for n in names), default=0) + PAD + TICK))
    right = WIDTH - round(0.04 * WIDTH)
    bottom = top + _ROW * len(names)
    legend_left = (left + right) // 2 - (columns * column_width - round(2 * 9 * PT)) // 2

    def x_of(count: float) -> float:
        return left + (right - left) * count / end

    s = SCALE
    fine = Image.new("RGB", (WIDTH * s, height * s), "white")
    draw = ImageDraw.Draw(fine)
    edge, hatch_width = max(1, round(0.6 * PT * s)), max(1, round(0.5 * PT * s))
    labels: list[Label] = []
    boxes: list[tuple[int, int, int, int]] = []  # white boxes behind the counts

    def bar(box: tuple[float, float, float, float], colour: str, rag: str) -> None:
        x0, y0, x1, y1 = (round(v * s) for v in box)
        draw.rectangle([x0, y0, x1, y1], fill=colour)
        if _HATCHES.get(rag):
            _hatch(draw, (x0, y0, x1, y1), _HATCHES[rag], round(7 * PT * s), hatch_width)
        draw.rectangle([x0, y0, x1, y1], outline=_EDGE, width=edge)

    for k, item in enumerate(series):
        x = legend_left + k % columns * column_width
        y = 8 + k // columns * _LEGEND_ROW + _LEGEND_ROW // 2
        bar((x, y - _SWATCH[1] / 2, x + _SWATCH[0], y + _SWATCH[1] / 2), item["colour"], item["rag"])
        labels.append(Label(item["rag"], x + _SWATCH[0] + round(0.8 * 9 * PT), y, "lm", 9))

    thickness = round(0.7 * _ROW)
    for row, name in enumerate(names):
        middle = top + row * _ROW + _ROW // 2
        labels.append(Label(name, left - 1 - TICK - PAD, middle, "rm", 9))
        if not totals[row]:
            labels.append(Label("no rated measures yet", left + 6, middle, "lm", 9, colour=_GREY))
            continue
        done = 0
        for item in series:
            count = item["counts"][row]
            if not count:
                continue
            x0, x1 = x_of(done), x_of(done + count)
            bar((x0, middle - thickness / 2, x1, middle + thickness / 2), item["colour"], item["rag"])
            label = Label(str(count), round((x0 + x1) / 2), middle, "mm", 9)
            ink = label.box()
            pad = round(0.15 * 9 * PT)
            boxes.append((round(ink[0]) - pad, round(ink[1]) - pad, round(ink[2]) + pad, round(ink[3]) + pad))
            labels.append(label)
            done += count

    image = fine.reduce(s)
    draw = ImageDraw.Draw(image)
    for box in boxes:
        draw.rounded_rectangle(box, radius=3, fill="white")
    draw.rectangle([left - 1, top, left - 1, bottom], fill="black")  # spines: left and bottom only
    draw.rectangle([left - 1, bottom, right, bottom], fill="black")
    for row in range(len(names)):
        y = top + row * _ROW + _ROW // 2
        draw.rectangle([left - 1 - TICK, y, left - 2, y], fill="black")
    for tick in ticks:
        x = round(x_of(tick))
        draw.rectangle([x, bottom + 1, x, bottom + TICK], fill="black")
        labels.append(Label(f"{tick:,}", x, bottom + 1 + TICK + PAD, "ma", 8))
    labels.append(Label("Number of measures", (left + right) // 2, height - round(0.8 * 9 * PT), "ms", 9))
    for label in labels:
        write(image, label)
    return png(image)
