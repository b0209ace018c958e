"""The master workbook's History sheet as records: every stored figure up to the report's period,
rated and given its direction of travel by the rules the period's own report used, so ratings can
be trended and pivoted from one sheet.

The figures are rated here from the history alone (a dictionary look-up per comparison), never by
assembling each earlier period again: a county's 12 partnerships x 40 indicators x 8 quarters take
one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from pipeline.domain.history import HistoryValue
from pipeline.domain.periods import Period, stored_period
from pipeline.domain.records import Indicator, Partnership
from pipeline.domain.settings import RagSettings
from pipeline.outputs.assemble import PeriodReport
from pipeline.outputs.overrides import Overrides
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
    return lines_of(
        report.history,
        report.indicators,
        tuple(p.partnership for p in report.partnerships),
        report.rules,
        report.overrides,
    )


def lines_of(
    history: Sequence[HistoryValue],
    indicators: Iterable[Indicator],
    partnerships: Iterable[Partnership],
    rules: RagSettings,
    overrides: Overrides,
    period: str | None = None,
) -> list[HistoryLine]:
    """Every figure of `history` (or only `period`'s, when given: the rest are still looked up for
    its comparisons), rated as its period was under `rules` and the register's `indicators`."""
    # Keyed by Period, not its text: each figure looks up four or five others, and naming a period costs more than hashing one.
    values = {(h.code, stored_period(h.period)): h for h in history}
    by_code = {i.code: i for i in indicators}
    by_short = {p.short_name: p for p in partnerships}
    return [
        _line(h, by_code.get(h.code), by_short, values, rules, overrides)
        for h in history
        if period is None or h.period == period
    ]


# The tidy table's columns: one row a figure (indicator, period and area), for analysts. The export
# (pipeline.outputs.export) and the master workbook's History sheet both use them.
TIDY_COLUMNS = (
    "Partnership",
    "Partnership name",
    "Code",
    "Indicator",
    "Period",
    "Area",
    "Unit",
    "Polarity",
    "Cumulative",
    "Target",
    "Actual",
    "Rating",
    "Direction",
    "Direction vs last year",
    "Data quality",
    "Provisional",
    "Source",
    "Received",
)


@dataclass(frozen=True)
class TidyRow:
    """One row of the tidy table: a figure for the whole area (area "") or one area of it."""

    partnership: str
    partnership_name: str
    code: str
    indicator: str
    period: str
    area: str
    unit: str
    polarity: str
    cumulative: bool | None
    target: Decimal | None
    actual: Decimal | None
    rating: str
    direction: str
    direction_last_year: str
    data_quality: str
    provisional: bool
    source: str
    received: str  # UTC, ISO

    def values(self) -> list:
        """The row's values in TIDY_COLUMNS order."""
        return [getattr(self, name) for name in _TIDY_FIELDS]


# Looked up once: dataclasses.fields() on every one of the History sheet's thousands of rows was a tenth of its time.
_TIDY_FIELDS = tuple(f.name for f in fields(TidyRow))


def tidy_rows(lines: Iterable[HistoryLine]) -> list[TidyRow]:
    """Each figure as a tidy row, then a row for each of its areas' figures (rated by none: targets are the whole area's)."""
    rows = []
    for line in lines:
        h, i, p, o = line.value, line.indicator, line.partnership, line.outcome
        provisional = h.data_quality == "Provisional" or not h.signed_off
        whole = TidyRow(
            partnership=p.short_name if p else (i.partnership if i else ""),
            partnership_name=p.name if p else "",
            code=h.code,
            indicator=i.title if i else "",
            period=h.period,
            area="",
            unit=i.unit if i else "",
            polarity=i.polarity.value if i else "",
            cumulative=i.cumulative if i else None,
            target=line.target,
            actual=h.actual,
            rating=o.final.value if o else "",
            direction=line.dot_previous.value,
            direction_last_year=line.dot_last_year.value,
            data_quality=h.data_quality,
            provisional=provisional,
            source=h.source,
            received=h.received_at,
        )
        rows.append(whole)
        for area, figure in h.area_values:
            rows.append(
                replace(whole, area=area, target=None, actual=figure, rating="", direction="", direction_last_year="")
            )
    return rows


def _line(
    h: HistoryValue, i: Indicator | None, partnerships, values, rules: RagSettings, overrides: Overrides
) -> HistoryLine:
    if i is None:
        nothing = Direction.NOT_COMPARABLE
        return HistoryLine(h, None, None, None, None, nothing, nothing)
    period = stored_period(h.period)

    def actual(p: Period) -> Decimal | None:
        found = values.get((i.code, p))
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
        outcome=apply_override(computed, overrides.get(h.period, i.code)),
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
