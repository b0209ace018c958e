"""A figure far from the indicator's history: the outlier warning (running totals by their quarters' amounts)."""

from __future__ import annotations

import itertools
from bisect import bisect_left
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

from pipeline.domain.findings import finding
from pipeline.domain.periods import parse_period
from pipeline.domain.records import Frequency, Indicator
from pipeline.domain.settings import Config
from pipeline.intake.checks.cells import plain_number

# The outlier check compares every history entry of every indicator with the return's period:
# a few dozen period names, parsed thousands of times per pass without this cache.
_period = lru_cache(maxsize=1024)(parse_period)


def check_outlier(
    i: Indicator,
    actual: Decimal,
    past: list[tuple[str, Decimal]],
    current: str,
    config: Config,
    sheet: str,
    cell: str,
    shown: str,
    findings: list,
    *,
    explained: bool = False,
) -> None:
    """`current` is the return's period by name. `past` is in period order (the store gives history
    so, and Examiner.remember keeps it so), and names in the form "2025-26 Q3" sort as periods do."""
    earlier = past[: bisect_left(past, current, key=itemgetter(0))]
    figure = actual
    if i.cumulative:
        # A running total starts again each April: its Q1 is not a drop from last March, so
        # the quarters' own amounts are what is compared.
        amounts = _quarterly_amounts(i, earlier + [(current, actual)])
        if not amounts or amounts[-1][0] != current:
            return
        (_, figure), earlier = amounts[-1], amounts[:-1]
    if len(earlier) < 3:
        return  # too little history to say what is unusual
    figures = [v for _, v in earlier]
    moves = [abs(b - a) for a, b in itertools.pairwise(figures)]
    usual = sum(moves, Decimal(0)) / len(moves)
    if usual == 0:
        usual = abs(figures[-1]) / 10 or Decimal(1)
    if abs(figure - figures[-1]) <= config.ingest.outlier_factor * usual:
        return
    unit = "%" if i.unit == "%" else ""  # every figure in the message in the same form, whatever was typed
    if i.cumulative:
        said = f"{plain_number(actual)}{unit} (a running total: {plain_number(figure)}{unit} this quarter)"
        compared = "the amounts of earlier quarters"
    else:
        said, compared = f"{plain_number(actual)}{unit}", "the previous values"
    shown_history = ", ".join(f"{p}: {plain_number(v)}{unit}" for p, v in earlier[-4:])
    findings.append(
        finding(
            "outlier",
            f"{i.code}: {said} is far from {compared} ({shown_history}).",
            "Check the figure is right, and that Commentary says why it changed."
            if explained
            else "Check the figure; if it is right, explain the change in Commentary.",
            sheet=sheet,
            cell=cell,
            value=shown,
        )
    )


def _quarterly_amounts(i: Indicator, totals: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Each period's own amount from running totals of the financial year, where the total before it
    (the previous due quarter of the same year) is known; the first quarter of a year is its total."""
    by_period = dict(totals)
    amounts = []
    for text, total in totals:
        before = _total_before(text, i.frequency)
        if before is None:
            amounts.append((text, total))
        elif before in by_period:
            amounts.append((text, total - by_period[before]))
    return amounts


@lru_cache(maxsize=1024)
def _total_before(period: str, frequency: Frequency) -> str | None:
    """The period whose running total a period's own amount is counted from: the previous due
    quarter of the same financial year, or None in a year's first due quarter."""
    this = _period(period)
    before = this.previous_due(frequency.due_in)
    return str(before) if before.year == this.year else None
