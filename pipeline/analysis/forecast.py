"""Year-end forecast of an indicator's outturn, from this year's figures and earlier complete years.

Exact decimal arithmetic throughout (no square roots here), so a hand-worked forecast in the tests
is the forecast the board sees; the result is rounded to 2 decimal places, half up, at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

# A financial year's four figures, Q1 to Q4, None where there is none. For a cumulative indicator
# each is the running total to that quarter, as returns report it.
Year = tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]

PROFILE = "profile share"
SEASONAL = "earlier years' share"
STRAIGHT_LINE = "straight-line share"
LEVEL_SEASONAL = "latest figure plus earlier years' change to Q4"
LEVEL_LATEST = "latest figure"
NOT_ENOUGH_HISTORY = "not enough history"

_CENT = Decimal("0.01")
MIN_YEARS = 2  # earlier complete years needed for a seasonal share, a level's change and an interval


@dataclass(frozen=True)
class Forecast:
    """The forecast outturn, its interval from earlier years' errors, and how it was made."""

    outturn: Decimal
    low: Decimal | None  # None with `interval_note` when fewer than two earlier years can be tested
    high: Decimal | None
    method: str
    interval_note: str = ""


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _complete(years: Sequence[Year], quarter: int) -> list[Year]:
    """Earlier years with a figure at `quarter` and an outturn (Q4)."""
    return [y for y in years if y[quarter - 1] is not None and y[3] is not None]


def cumulative_share(
    quarter: int, earlier: Sequence[Year], quarter_target: Decimal | None, annual_target: Decimal | None
) -> tuple[Decimal, str]:
    """The share of the year's total expected by the end of `quarter`, and which rule gave it.

    The register's profile (quarter target / annual target) when it has one above zero; else the
    average share at this quarter over two or more earlier complete years, each above zero; else
    a straight line (a quarter a quarter).
    """
    if quarter_target is not None and annual_target:
        share = quarter_target / annual_target
        if share > 0:
            return share, PROFILE
    shares = [y[quarter - 1] / y[3] for y in _complete(earlier, quarter) if y[3]]  # type: ignore[operator]
    if len(shares) >= MIN_YEARS and all(s > 0 for s in shares):
        return sum(shares, Decimal(0)) / len(shares), SEASONAL
    return Decimal(quarter) / 4, STRAIGHT_LINE


def forecast(
    *,
    cumulative: bool,
    quarter: int,
    latest: Decimal | None,
    earlier: Sequence[Year],
    quarter_target: Decimal | None = None,
    annual_target: Decimal | None = None,
) -> Forecast | None:
    """The year-end outturn forecast from `latest` (this quarter's figure; a running total when
    cumulative), or None without a figure.

    The interval applies the same rule at the same quarter of each earlier complete year and adds
    that year's error (its outturn less its forecast), lowest and highest, to this forecast.
    """
    if latest is None:
        return None
    complete = _complete(earlier, quarter)
    if cumulative:
        share, method = cumulative_share(quarter, earlier, quarter_target, annual_target)

        def made(figure: Decimal) -> Decimal:
            return figure / share

    else:
        changes = [y[3] - y[quarter - 1] for y in complete]  # type: ignore[operator]
        if len(changes) >= MIN_YEARS:
            step, method = sum(changes, Decimal(0)) / len(changes), LEVEL_SEASONAL
        else:
            step, method = Decimal(0), LEVEL_LATEST

        def made(figure: Decimal) -> Decimal:
            return figure + step

    outturn = made(latest)
    if len(complete) < MIN_YEARS:
        return Forecast(_round(outturn), None, None, method, NOT_ENOUGH_HISTORY)
    errors = [y[3] - made(y[quarter - 1]) for y in complete]  # type: ignore[operator,arg-type]
    return Forecast(_round(outturn), _round(outturn + min(errors)), _round(outturn + max(errors)), method)


def bounded(f: Forecast, floor: Decimal | None, ceiling: Decimal | None) -> Forecast:
    """The forecast and its range held within what the unit allows (a percentage from 0 to 100, a
    count from 0): carrying a fall on from a low figure would otherwise forecast -1.5% or -20 people."""

    def held(value: Decimal) -> Decimal:
        if floor is not None and value < floor:
            return _round(floor)
        if ceiling is not None and value > ceiling:
            return _round(ceiling)
        return value

    low = None if f.low is None else held(f.low)
    high = None if f.high is None else held(f.high)
    return replace(f, outturn=held(f.outturn), low=low, high=high)
