"""What the charts share about their figures: a value axis with round ticks, the words for what
it measures, and which figures are not final."""

from __future__ import annotations

import math
from decimal import Decimal

# A value axis narrower than this, absolutely or as a share of its figures, is drawn as flat:
# its ticks could not be told apart. Validation refuses figures nearer zero than this.
_NARROWEST = 1e-9
# Figures are drawn no further from zero than this, so the axis's arithmetic stays finite; no
# figure a return or the register can hold comes near it.
FURTHEST = 1e100

# Data quality of a figure that may still change: marked by a pale diamond, named in the legend.
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


def plotted(value: Decimal | None) -> float | None:
    """A figure as the chart plots it: a float, any beyond ±FURTHEST at it (1e400 would be infinite)."""
    return None if value is None else max(-FURTHEST, min(FURTHEST, float(value)))


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
