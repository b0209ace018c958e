"""What the board should judge beside each rating: the year-end forecast and its rating, the SPC
chart's variation and assurance, the local 95% interval and how it compares with each comparator.

The methods are pipeline.analysis's; this module picks their inputs out of the history: earlier
complete years for a forecast, every reported figure for SPC (a cumulative indicator's own amounts),
the counts the return gave for an interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from pipeline.analysis.comparators import Comparison, compare
from pipeline.analysis.forecast import Forecast, Year, bounded, forecast
from pipeline.analysis.intervals import Interval, local_interval
from pipeline.analysis.spc import Spc, Variation, spc
from pipeline.domain.history import HistoryValue
from pipeline.domain.periods import Period, stored_period
from pipeline.domain.records import NON_NEGATIVE_UNITS, Indicator
from pipeline.domain.settings import Config
from pipeline.outputs.comparator_book import Comparators
from pipeline.rating.rag import Rag, period_target, rate_indicator

# Every accepted figure of an indicator, by period: built once a report, read by every indicator.
Series = dict[str, dict[Period, HistoryValue]]


def series(history: Iterable[HistoryValue]) -> Series:
    by_code: defaultdict[str, dict[Period, HistoryValue]] = defaultdict(dict)
    for h in history:
        by_code[h.code][stored_period(h.period)] = h
    return dict(by_code)


@dataclass(frozen=True)
class Compared:
    """The local figure against one comparator's."""

    comparator: str
    value: Decimal | None
    result: Comparison


@dataclass(frozen=True)
class Judgement:
    forecast: Forecast | None  # None: no annual target, or no figure this period
    forecast_rating: Rag | None
    spc: Spc
    interval: Interval | None  # None: the register gives no numerator and denominator, or no unit for one
    comparisons: tuple[Compared, ...] = ()

    def attention(self, rag: Rag) -> tuple[str, ...]:
        """Why the board should look at this indicator, in words; () when nothing calls for it: Red
        now and forecast Red, a concerning special cause, or significantly worse than the first comparator."""
        reasons = []
        if rag is Rag.RED and self.forecast_rating is Rag.RED:
            reasons.append("Red now and forecast Red at year end")
        if self.spc.variation is Variation.CONCERNING:
            reasons.append("special cause variation: concerning")
        if self.comparisons and self.comparisons[0].result is Comparison.WORSE:
            reasons.append(f"significantly worse than {self.comparisons[0].comparator}")
        return tuple(reasons)


def _year(figures: dict[Period, HistoryValue], year: int) -> Year:
    def at(quarter: int) -> Decimal | None:
        h = figures.get(Period(year, quarter))
        return h.actual if h else None

    return (at(1), at(2), at(3), at(4))


def _own_amounts(i: Indicator, figures: dict[Period, HistoryValue], upto: Period) -> tuple[list[str], list[Decimal]]:
    """The figures SPC charts, oldest first: a level's as reported; a cumulative indicator's each
    period's own amount (its running total less the year's previous one), since totals restart in April."""
    labels, values = [], []
    for period in sorted(p for p in figures if p <= upto and i.frequency.due_in(p.quarter)):
        actual = figures[period].actual
        if actual is None:
            continue
        if i.cumulative:
            before = period.previous_due(i.frequency.due_in)
            if before.year == period.year:
                prior = figures.get(before)
                if prior is None or prior.actual is None:
                    continue  # without last quarter's total this quarter's own amount is unknown
                actual = actual - prior.actual
        labels.append(str(period))
        values.append(actual)
    return labels, values


def _own_target(i: Indicator, quarter: int) -> Decimal | None:
    """The target an SPC chart's latest point is held to: a cumulative indicator's quarter's own share."""
    target = period_target(i, quarter)
    if not i.cumulative or target is None:
        return target
    earlier = [q for q in range(1, quarter) if i.frequency.due_in(q)]
    before = period_target(i, earlier[-1]) if earlier else Decimal(0)
    return None if before is None else target - before


def judge(
    config: Config, i: Indicator, period: Period, figures: dict[Period, HistoryValue], comparators: Comparators
) -> Judgement:
    """The forecast, SPC, interval and comparisons of indicator `i` at `period`."""
    now = figures.get(period)
    outlook = None
    rating = None
    if i.annual_target is not None and now is not None:
        earlier = [_year(figures, year) for year in sorted({p.year for p in figures if p.year < period.year})]
        outlook = forecast(
            cumulative=i.cumulative,
            quarter=period.quarter,
            latest=now.actual,
            earlier=earlier,
            quarter_target=i.quarter_targets[period.quarter - 1],
            annual_target=i.annual_target,
        )
        if outlook is not None:
            outlook = bounded(
                outlook, Decimal(0) if i.unit in NON_NEGATIVE_UNITS else None, Decimal(100) if i.unit == "%" else None
            )
            last_outturn = figures.get(Period(period.year - 1, 4))
            rating = rate_indicator(
                polarity=i.polarity,
                scheme=i.scheme or config.rag.scheme,
                tolerance=i.tolerance or config.rag.tolerance,
                target=i.annual_target,
                actual=outlook.outturn,
                same_period_last_year=last_outturn.actual if last_outturn else None,
                four_level_split=config.rag.four_level_split,
            )
    labels, values = _own_amounts(i, figures, period)
    chart = spc(labels, values, polarity=i.polarity, target=_own_target(i, period.quarter))
    if chart.points and chart.points[-1].label != str(period):
        chart = replace(chart, variation=Variation.NO_POINT)
    interval = local_interval(i.unit, now.numerator, now.denominator) if now is not None else None
    theirs = comparators.of(str(period), i.code)
    comparisons = tuple(
        Compared(
            name,
            theirs[name].value if name in theirs else None,
            compare(
                i.polarity,
                interval.lower if interval else None,
                interval.upper if interval else None,
                theirs[name].value if name in theirs else None,
            ),
        )
        for name in comparators.names
    )
    return Judgement(outlook, rating, chart, interval, comparisons)
