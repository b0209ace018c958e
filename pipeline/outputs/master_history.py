"""The master workbook's History sheet as records: every stored figure up to the report's period,
rated and given its direction of travel by the rules the period's own report used, so ratings can
be trended and pivoted from one sheet.

The figures are rated here from the history alone (a dictionary look-up per comparison), never by
assembling each earlier period again: a county's 12 partnerships x 40 indicators x 8 quarters take
one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from pipeline.domain.history import HistoryValue
from pipeline.domain.periods import Period, parse_period
from pipeline.domain.records import Indicator, Partnership
from pipeline.outputs.assemble import PeriodReport
from pipeline.rating.rag import Direction, RatedOutcome, apply_override, direction, period_target, rate


@dataclass(frozen=True)
class HistoryLine:
    """One stored figure with what describes and rates it; indicator None when the register dropped it."""

    value: HistoryValue
    indicator: Indicator | None
    partnership: Partnership | None
    target: Decimal | None
    outcome: RatedOutcome | None
    dot_previous: Direction
    dot_last_year: Direction


def history_lines(report: PeriodReport) -> list[HistoryLine]:
    """Every figure in the report's history, oldest period first as stored, rated as its period was."""
    values = {(h.code, h.period): h for h in report.history}
    indicators = {i.code: i for i in report.indicators}
    partnerships = {p.partnership.short_name: p.partnership for p in report.partnerships}
    return [_line(h, indicators.get(h.code), partnerships, values, report) for h in report.history]


@cache
def _period(text: str) -> Period:
    return parse_period(text)


def _line(h: HistoryValue, i: Indicator | None, partnerships, values, report: PeriodReport) -> HistoryLine:
    if i is None:
        nothing = Direction.NOT_COMPARABLE
        return HistoryLine(h, None, None, None, None, nothing, nothing)
    rules = report.rules
    period = _period(h.period)

    def actual(p: Period) -> Decimal | None:
        found = values.get((i.code, str(p)))
        return found.actual if found else None

    # The same comparisons as assemble's for the report's own period (see assemble._indicator).
    before = period.previous_due(i.frequency.due_in)
    last_year = actual(period.same_last_year())
    computed = rate(
        i,
        period.quarter,
        h.actual,
        last_year,
        default_scheme=rules.scheme,
        default_tolerance=rules.tolerance,
        four_level_split=rules.four_level_split,
    )
    band = rules.no_change_band
    if i.cumulative:
        current, previous = _own_amount(i, period, actual), _own_amount(i, before, actual)
    else:
        current, previous = h.actual, actual(before)
    return HistoryLine(
        value=h,
        indicator=i,
        partnership=partnerships.get(i.partnership),
        target=period_target(i, period.quarter),
        outcome=apply_override(computed, report.overrides.get(h.period, i.code)),
        dot_previous=direction(polarity=i.polarity, current=current, previous=previous, no_change_band=band),
        dot_last_year=direction(polarity=i.polarity, current=h.actual, previous=last_year, no_change_band=band),
    )


def _own_amount(i: Indicator, period: Period, actual) -> Decimal | None:
    """A running total's amount for `period` alone (its year's first due period is its own total)."""
    now = actual(period)
    before = period.previous_due(i.frequency.due_in)
    if now is None or before.year != period.year:
        return now
    prior = actual(before)
    return None if prior is None else now - prior
