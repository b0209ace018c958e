"""The master workbook's Indicators columns for the forecast, the interval, the comparators and SPC,
after the analysts' columns: one "Compared with <name>" column a comparator."""

from __future__ import annotations

from pipeline.outputs.assemble import IndicatorResult
from pipeline.outputs.master_book import Sheets

FORECAST_COLUMNS = ("Forecast outturn", "Forecast low", "Forecast high", "Forecast rating")
INTERVAL_COLUMNS = ("Lower 95% CI", "Upper 95% CI")
SPC_COLUMNS = ("Variation", "Assurance")
JUDGEMENT_WIDTHS = {"Forecast rating": 12, "Variation": 24, "Assurance": 20}


def judgement_columns(comparators: tuple[str, ...]) -> tuple[str, ...]:
    return (*FORECAST_COLUMNS, *INTERVAL_COLUMNS, *(f"Compared with {c}" for c in comparators), *SPC_COLUMNS)


def judgement_cells(s: Sheets, i: IndicatorResult, comparators: tuple[str, ...]) -> list:
    """The cells of `judgement_columns` for one indicator; blank where there is nothing to say."""
    j, unit = i.judgement, i.indicator.unit
    if j is None:
        return [None] * len(judgement_columns(comparators))
    f = j.forecast
    results = {c.comparator: c.result.value for c in j.comparisons}
    return [
        s.figure(f.outturn if f else None, unit),
        s.figure(f.low if f else None, unit),
        s.figure(f.high if f else None, unit),
        (j.forecast_rating.value, s.rag[j.forecast_rating]) if j.forecast_rating else "",
        s.figure(j.interval.lower if j.interval else None, unit),
        s.figure(j.interval.upper if j.interval else None, unit),
        *(results.get(c, "") for c in comparators),
        j.spc.variation.value,
        j.spc.assurance.value,
    ]
