"""Statistical process control: an XmR chart with the rules NHSRplotthedots applies ("Making Data
Count"), in exact decimals so a point on the mean or on a limit is where the reader sees it.

The mean moving range leaves out moving ranges of 3.267 times the first mean moving range or more
(NHSRplotthedots' `screen_outliers`, on by default), so one wild quarter does not widen the limits.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from pipeline.domain.records import Polarity

MIN_POINTS = 12
RUN = 7  # points in a row on one side of the mean, or rising or falling
LIMIT = Decimal("2.66")  # 3 / d2 (1.128): three sigma from the mean moving range
SCREEN = Decimal("3.267")  # D4 for n = 2: the upper limit of a moving range
NEAR = LIMIT * 2 / 3  # two sigma: "2 of 3 beyond two thirds of the way to a limit"


class Variation(str, Enum):
    COMMON = "Common cause"
    IMPROVING = "Special cause: improving"
    CONCERNING = "Special cause: concerning"
    HIGHER = "Special cause: higher"
    LOWER = "Special cause: lower"
    NOT_ENOUGH = "Not enough points"
    # The chart has no point for this period (no figure; or, cumulative, no total for the quarter
    # before, so no amount of its own): the latest point's variation is an earlier period's news.
    NO_POINT = "No point this period"


class Assurance(str, Enum):
    PASSING = "Consistently passing"
    FAILING = "Consistently failing"
    HIT_AND_MISS = "Hit and miss"
    NO_TARGET = "No target"
    NOT_RATED = "Not rated"  # no polarity: passing means nothing
    NOT_ENOUGH = "Not enough points"


class Rule(str, Enum):
    """Why a point is special cause, in NHSRplotthedots' order of precedence."""

    OUTSIDE = "outside the limits"
    TREND = "7 in a row rising or falling"
    TWO_OF_THREE = "2 of 3 near a limit"
    SHIFT = "7 in a row on one side of the mean"


@dataclass(frozen=True)
class SpcPoint:
    label: str
    value: Decimal
    rule: Rule | None  # None: common cause
    side: int  # +1 the special cause is high (or rising), -1 low (or falling), 0 common cause


@dataclass(frozen=True)
class Spc:
    points: tuple[SpcPoint, ...]
    mean: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    variation: Variation
    assurance: Assurance

    @property
    def charted(self) -> bool:
        return self.mean is not None


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)


def _limits(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """The mean and the screened mean moving range."""
    mean = sum(values, Decimal(0)) / len(values)
    ranges = [abs(b - a) for a, b in itertools.pairwise(values)]
    first = sum(ranges, Decimal(0)) / len(ranges)
    kept = [r for r in ranges if r < SCREEN * first] or ranges
    return mean, sum(kept, Decimal(0)) / len(kept)


def _runs(flags: Sequence[int]) -> list[int]:
    """For each position, the nonzero value of a run of RUN or more equal nonzero values it is in; else 0."""
    out = [0] * len(flags)
    start = 0
    for end in range(1, len(flags) + 1):
        if end == len(flags) or flags[end] != flags[start]:
            if flags[start] != 0 and end - start >= RUN:
                out[start:end] = [flags[start]] * (end - start)
            start = end
    return out


def _trends(values: Sequence[Decimal]) -> list[int]:
    """+1/-1 for points in 7 or more in a row each higher (lower) than the one before; else 0."""
    steps = [_sign(b - a) for a, b in itertools.pairwise(values)]
    out = [0] * len(values)
    # a run of RUN - 1 equal steps covers RUN points
    start = 0
    for end in range(1, len(steps) + 1):
        if end == len(steps) or steps[end] != steps[start]:
            if steps[start] != 0 and end - start >= RUN - 1:
                for i in range(start, end + 1):
                    out[i] = steps[start]
            start = end
    return out


def _two_of_three(near: Sequence[bool], side: Sequence[int]) -> list[int]:
    """+1/-1 for a point near a limit that is one of 2 (or 3) of 3 in a row near the same limit,
    all three on that side of the mean; else 0."""
    out = [0] * len(near)
    for i in range(len(near) - 2):
        window = range(i, i + 3)
        same_side = abs(sum(side[j] for j in window)) == 3
        if same_side and sum(near[j] for j in window) >= 2:
            for j in window:
                if near[j]:
                    out[j] = side[j]
    return out


def xmr(labels: Sequence[str], values: Sequence[Decimal]) -> tuple[tuple[SpcPoint, ...], Decimal, Decimal, Decimal]:
    """The chart's points with their special-cause rule, and its mean, lower and upper limits."""
    mean, mr = _limits(values)
    lower, upper = mean - LIMIT * mr, mean + LIMIT * mr
    near_low, near_high = mean - NEAR * mr, mean + NEAR * mr
    side = [_sign(v - mean) for v in values]
    outside = [v > upper or v < lower for v in values]
    near = [not o and (v < near_low or v > near_high) for v, o in zip(values, outside)]
    trend, pair, shift = _trends(values), _two_of_three(near, side), _runs(side)
    points = []
    for i, (label, value) in enumerate(zip(labels, values)):
        if outside[i]:
            rule, high = Rule.OUTSIDE, side[i]
        elif trend[i]:
            rule, high = Rule.TREND, trend[i]
        elif pair[i]:
            rule, high = Rule.TWO_OF_THREE, pair[i]
        elif shift[i]:
            rule, high = Rule.SHIFT, shift[i]
        else:
            rule, high = None, 0
        points.append(SpcPoint(label, value, rule, high))
    return tuple(points), mean, lower, upper


def spc(labels: Sequence[str], values: Sequence[Decimal], *, polarity: Polarity, target: Decimal | None) -> Spc:
    """The XmR chart, the variation of the latest point and the assurance against `target`; with
    fewer than 12 figures, "Not enough points" for both."""
    if len(values) < MIN_POINTS:
        return Spc((), None, None, None, Variation.NOT_ENOUGH, Assurance.NOT_ENOUGH)
    points, mean, lower, upper = xmr(labels, values)
    return Spc(points, mean, lower, upper, variation(points[-1], polarity), assurance(polarity, target, lower, upper))


def variation(point: SpcPoint, polarity: Polarity) -> Variation:
    """The latest point's variation, read by polarity."""
    if point.rule is None:
        return Variation.COMMON
    if polarity is Polarity.NONE:
        return Variation.HIGHER if point.side > 0 else Variation.LOWER
    good = (point.side > 0) == (polarity is Polarity.HIGHER)
    return Variation.IMPROVING if good else Variation.CONCERNING


def assurance(polarity: Polarity, target: Decimal | None, lower: Decimal, upper: Decimal) -> Assurance:
    """Whether the process will pass the target: consistently when the target lies outside the limits
    (on the limit counts as inside: a point could land on it), else hit and miss."""
    if polarity is Polarity.NONE:
        return Assurance.NOT_RATED
    if target is None:
        return Assurance.NO_TARGET
    if target > upper:
        return Assurance.FAILING if polarity is Polarity.HIGHER else Assurance.PASSING
    if target < lower:
        return Assurance.PASSING if polarity is Polarity.HIGHER else Assurance.FAILING
    return Assurance.HIT_AND_MISS
