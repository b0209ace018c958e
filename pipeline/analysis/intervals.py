"""95% confidence intervals as Fingertips gives them (PHEindicatormethods' methods).

Wilson's score interval for a proportion; Byar's approximation for a count of events, exact Poisson
limits below 10 events; Newcombe's method for a difference of proportions and the normal
approximation for a difference of rates. These need square roots and the normal distribution, so
they work in floats (the standard library's NormalDist); records carry them rounded to 2 decimal
places, half up, as Decimal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import NormalDist

CONFIDENCE = 0.95
BYAR_FROM = 10  # events; below this Byar's approximation is poor and the exact limits are used
_CENT = Decimal("0.01")


def z_for(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile: 1.959964 for 95%."""
    return NormalDist().inv_cdf(confidence + (1 - confidence) / 2)


def wilson(x: float, n: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score limits of the proportion x / n (0 to 1)."""
    if n <= 0 or x < 0 or x > n:
        raise ValueError(f"a proportion needs 0 <= x <= n and n > 0, not x={x}, n={n}")
    z = z_for(confidence)
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def byar(x: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Byar's approximate limits of a Poisson count of x events (x > 0)."""
    if x <= 0:
        raise ValueError(f"Byar's method needs a count above zero, not {x}")
    z = z_for(confidence)
    lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return max(lower, 0.0), upper


def _poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for a Poisson count with this mean, summed in logs so large means do not overflow."""
    if k < 0:
        return 0.0
    if mean == 0:
        return 1.0
    return sum(math.exp(i * math.log(mean) - mean - math.lgamma(i + 1)) for i in range(k + 1))


def _solve(f, target: float, low: float, high: float) -> float:
    """The mean where the decreasing function f crosses `target`, by bisection to 1e-12 relative."""
    for _ in range(200):
        mid = (low + high) / 2
        if f(mid) > target:
            low = mid
        else:
            high = mid
        if high - low <= 1e-12 * max(high, 1e-300):
            break
    return (low + high) / 2


def exact_poisson(x: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Garwood) limits of a Poisson count, by bisection on the Poisson distribution function:
    the lower limit is the mean at which x or more events have probability alpha/2, the upper the
    mean at which x or fewer have it."""
    if x < 0 or x != int(x):
        raise ValueError(f"an exact Poisson interval needs a whole count of zero or more, not {x}")
    tail = (1 - confidence) / 2
    ceiling = x + 20 + 10 * math.sqrt(x + 1)
    lower = 0.0 if x == 0 else _solve(lambda m: _poisson_cdf(x - 1, m), 1 - tail, 0.0, ceiling)
    upper = _solve(lambda m: _poisson_cdf(x, m), tail, 0.0, ceiling)
    return lower, upper


def poisson(x: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Limits of a count: exact below 10 events (and for zero), Byar's from 10, as Fingertips does."""
    if x < BYAR_FROM:
        return exact_poisson(round(x), confidence)
    return byar(x, confidence)


@dataclass(frozen=True)
class Interval:
    """A figure's 95% interval in the indicator's unit (a percentage, a rate per 1,000, a count)."""

    lower: Decimal
    upper: Decimal
    method: str


def _cents(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP)


RATE_UNITS = {"rate per 1,000": 1000}
COUNT_UNITS = ("count", "number")


def local_interval(unit: str, numerator: Decimal | None, denominator: Decimal | None) -> Interval | None:
    """The interval of an indicator's figure from its numerator and denominator, in its unit:
    Wilson for a percentage, Byar (exact below 10) for a rate per N or a count; None when the unit
    has no interval (money, days) or the figures cannot make one."""
    if numerator is None or numerator < 0:
        return None
    x = float(numerator)
    if unit == "%":
        if denominator is None or denominator <= 0 or numerator > denominator:
            return None
        low, high = wilson(x, float(denominator))
        return Interval(_cents(low * 100), _cents(high * 100), "Wilson score")
    method = "exact Poisson" if x < BYAR_FROM else "Byar"
    if unit in RATE_UNITS:
        if denominator is None or denominator <= 0:
            return None
        low, high = poisson(x)
        per = RATE_UNITS[unit] / float(denominator)
        return Interval(_cents(low * per), _cents(high * per), method)
    if unit in COUNT_UNITS:
        low, high = poisson(x)
        return Interval(_cents(low), _cents(high), method)
    return None


@dataclass(frozen=True)
class GapInterval:
    """The 95% interval of a difference (area less comparison area) and its standard error."""

    difference: Decimal
    lower: Decimal
    upper: Decimal
    standard_error: float  # for testing a change in the gap; from the interval's half-widths for Newcombe


def newcombe(x1: float, n1: float, x2: float, n2: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Newcombe's hybrid score limits (his method 10) of the difference of proportions x1/n1 - x2/n2."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, confidence)
    l2, u2 = wilson(x2, n2, confidence)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def rate_difference(
    x1: float, n1: float, x2: float, n2: float, per: float, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Normal-approximation limits of the difference of two rates per `per`, and its standard error
    (each count taken as Poisson: the variance of a rate x/n is x/n²)."""
    se = per * math.sqrt(x1 / n1**2 + x2 / n2**2)
    d = per * (x1 / n1 - x2 / n2)
    z = z_for(confidence)
    return d - z * se, d + z * se, se


def gap_interval(
    unit: str, area: tuple[Decimal, Decimal] | None, rest: tuple[Decimal, Decimal] | None
) -> GapInterval | None:
    """The interval of the gap between an area and its comparison area from their (numerator,
    denominator) pairs: Newcombe for percentages, the normal approximation for rates; else None."""
    if area is None or rest is None:
        return None
    (x1, n1), (x2, n2) = ((float(x), float(n)) for x, n in (area, rest))
    if n1 <= 0 or n2 <= 0 or x1 < 0 or x2 < 0:
        return None
    if unit == "%":
        if x1 > n1 or x2 > n2:
            return None
        low, high = newcombe(x1, n1, x2, n2)
        d = x1 / n1 - x2 / n2
        # Newcombe's interval is not symmetric; its average half-width over z stands for a standard error.
        se = (high - low) / (2 * z_for())
        return GapInterval(_cents(d * 100), _cents(low * 100), _cents(high * 100), se * 100)
    if unit in RATE_UNITS:
        per = RATE_UNITS[unit]
        low, high, se = rate_difference(x1, n1, x2, n2, per)
        return GapInterval(_cents(per * (x1 / n1 - x2 / n2)), _cents(low), _cents(high), se)
    return None


def change_significant(now: GapInterval | None, before: GapInterval | None) -> bool | None:
    """Whether the gap moved by more than chance allows since `before`: the two differences are from
    different periods, so independent, and their change is tested against z times the square root
    of the sum of their squared standard errors. None when either gap has no interval."""
    if now is None or before is None:
        return None
    change = abs(float(now.difference) - float(before.difference))
    return change > z_for() * math.sqrt(now.standard_error**2 + before.standard_error**2)
