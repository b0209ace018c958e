"""The board paper's front: the one-page dashboard, and at Q4 the year-end outturn.

Kept apart from docx_context because both read the whole PeriodReport at a glance (every
partnership, every indicator) rather than format one thing; the primitives they write figures
and ratings with are docx_context's, so the dashboard and the body of the paper agree.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipeline.domain.records import Polarity
from pipeline.domain.wording import figure, plural
from pipeline.outputs.assemble import IndicatorResult, PeriodReport
from pipeline.outputs.docx_context import SUMMARY_COLUMNS, clean, fill, towards_final, travel
from pipeline.rating.rag import Rag

ACHIEVED = "Achieved"
NOT_ACHIEVED = "Not achieved"
NO_OUTTURN = "No outturn"
NO_ANNUAL_TARGET = "No annual target"
NOT_JUDGED = "Not judged (no polarity)"


def front_context(report: PeriodReport) -> dict[str, Any]:
    """Fields of the board paper's dashboard and year-end outturn, merged with board_context's."""
    year_end = report.period.quarter == 4
    rows = [i for p in report.partnerships for i in p.indicators]
    outturns = (
        [outturn_row(i, clean(p.partnership.short_name)) for p in report.partnerships for i in p.indicators]
        if year_end
        else []
    )
    return {
        "dashboard_rows": [
            dict(
                _count_row(clean(p.partnership.name), p.counts, p.previous_counts),
                status=clean(p.highlights.overall_status),
            )
            for p in report.partnerships
        ],
        "dashboard_total": _count_row(
            "All partnerships", report.counts(), _sum(p.previous_counts for p in report.partnerships)
        ),
        "dashboard_indicators": [
            {
                "partnership": clean(p.partnership.short_name),
                "code": clean(i.indicator.code),
                "title": clean(i.indicator.title),
                "change": rating_change(i),
                "fill": fill(i.rag.colour),
                "forecast": forecast_rating(i).value,
                "forecast_fill": fill(forecast_rating(i).colour),
            }
            for p in report.partnerships
            for i in p.indicators
        ],
        "dashboard_note": _dashboard_note(rows),
        "year_end": year_end,
        "financial_year": report.period.fy,
        "outturn_rows": outturns,
        "outturn_sentence": outturn_sentence(outturns, report.period.fy) if year_end else "",
    }


def rating_change(i: IndicatorResult) -> str:
    """'Amber → Red': the rating at the indicator's previous report, then now."""
    return f"{i.previous_rag.value} → {i.rag.value}"


def forecast_rating(i: IndicatorResult) -> Rag:
    """The rating the year-end forecast would get against the annual target (pipeline.analysis);
    Not rated when there is no forecast (no annual target, or no figure this period)."""
    j = i.judgement
    if j is None or j.forecast_rating is None:
        return Rag.NOT_RATED
    return j.forecast_rating


def _count_row(name: str, now: dict[Rag, int], before: dict[Rag, int]) -> dict[str, str]:
    """Each rating's count now, with the previous report's in brackets: '2 (3)'."""
    row = {
        key: f"{sum(now.get(r, 0) for r in rags)} ({sum(before.get(r, 0) for r in rags)})"
        for key, rags in SUMMARY_COLUMNS
    }
    row["name"] = name
    row["total"] = str(sum(now.values()))
    return row


def _sum(counts) -> dict[Rag, int]:
    return dict(sum((Counter(c) for c in counts), Counter()))


def _dashboard_note(rows: list[IndicatorResult]) -> str:
    worse = sum(i.previous_rag.is_rated and i.rag.is_rated and i.rag.rank < i.previous_rag.rank for i in rows)
    better = sum(i.previous_rag.is_rated and i.rag.is_rated and i.rag.rank > i.previous_rag.rank for i in rows)
    return (
        "In brackets: the same indicators' ratings at their previous report (the quarter before for "
        "quarterly indicators, the half-year or year before for the others). "
        f"Since then {plural(better, 'indicator')} moved to a better rating and {worse} to a worse one."
    )


def achievement(i: IndicatorResult) -> str:
    """Whether the year's outturn met the annual target, by the indicator's polarity."""
    annual = i.indicator.annual_target if i.indicator.annual_target is not None else i.target
    if i.actual is None:
        return NO_OUTTURN
    if annual is None:
        return NO_ANNUAL_TARGET
    if i.indicator.polarity is Polarity.HIGHER:
        return ACHIEVED if i.actual >= annual else NOT_ACHIEVED
    if i.indicator.polarity is Polarity.LOWER:
        return ACHIEVED if i.actual <= annual else NOT_ACHIEVED
    return NOT_JUDGED


OUTCOME_FILL = {ACHIEVED: Rag.GREEN.colour, NOT_ACHIEVED: Rag.RED.colour}


def outturn_row(i: IndicatorResult, partnership: str) -> dict[str, str]:
    """One indicator's year: the outturn (a cumulative indicator's Q4 figure is the year's total,
    any other's is its Q4 figure) against the annual target, last year, and the final target."""
    unit, ind = i.indicator.unit, i.indicator
    annual = ind.annual_target if ind.annual_target is not None else i.target
    outcome = achievement(i)
    last_year = figure(i.same_period_last_year, unit, "No figure")
    if i.same_period_last_year is not None:
        last_year = f"{last_year} ({travel(i.dot_last_year)})"
    return {
        "partnership": partnership,
        "code": clean(ind.code),
        "title": clean(ind.title),
        "measure": "Year's total" if ind.cumulative else "Q4 figure",
        "annual_target": figure(annual, unit, "No target"),
        "outturn": figure(i.actual, unit, "No figure"),
        "outcome": outcome,
        "fill": fill(OUTCOME_FILL.get(outcome, Rag.NOT_RATED.colour)),
        "last_year": last_year,
        "towards": towards_final(i, year_end=True) or "No final target set.",
    }


def outturn_sentence(rows: list[dict[str, str]], year: str) -> str:
    achieved = sum(r["outcome"] == ACHIEVED for r in rows)
    missed = sum(r["outcome"] == NOT_ACHIEVED for r in rows)
    judged = achieved + missed
    rest = len(rows) - judged
    text = (
        f"This is the year-end outturn report for {year}. Of the {plural(judged, 'indicator')} with an annual "
        f"target and an outturn, {achieved} achieved the target and {missed} did not."
    )
    if rest:
        text += (
            f" {plural(rest, 'other indicator')} could not be judged: no outturn was received, no annual target "
            "is set, or the indicator has no polarity."
        )
    return text
