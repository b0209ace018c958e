"""What the Word templates see of the forecasts, SPC and comparators: plain strings, lists and fills
for the highlight reports' "Forecasts, variation and comparators" and the board paper's "Needs the
board's attention". Kept apart from docx_context so each document's own fields stay where they were.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.analysis.forecast import NOT_ENOUGH_HISTORY
from pipeline.domain.periods import Period
from pipeline.domain.wording import figure
from pipeline.outputs.assemble import IndicatorResult, PartnershipReport, PeriodReport
from pipeline.outputs.word_chart import WordChart
from pipeline.rating.rag import Rag


def _fill(rag: Rag | None) -> str:
    return (rag.colour if rag else Rag.NOT_RATED.colour).lstrip("#").upper()


def forecast_figure(i: IndicatorResult) -> str:
    """'2,400 (2,350 to 2,450)': the forecast and its range, for a column headed "Forecast for March"
    beside the forecast rating's; "" when there is no forecast."""
    j = i.judgement
    if j is None or j.forecast is None:
        return ""
    f, unit = j.forecast, i.indicator.unit
    if f.low is not None and f.high is not None:
        span = f" ({figure(f.low, unit)} to {figure(f.high, unit)})"
    else:
        span = " (no range: not enough history)" if f.interval_note == NOT_ENOUGH_HISTORY else ""
    return f"{figure(f.outturn, unit)}{span}"


def forecast_rated(i: IndicatorResult) -> str:
    """'2,400 (2,350 to 2,450), Green': the forecast with its rating, for a column headed "Forecast
    for March" with no rating column of its own; "" when there is no forecast."""
    j = i.judgement
    if j is None or j.forecast is None:
        return ""
    rating = f", {j.forecast_rating.value}" if j.forecast_rating and j.forecast_rating.is_rated else ""
    return f"{forecast_figure(i)}{rating}"


def forecast_words(i: IndicatorResult) -> str:
    """'Forecast for March: 2,400 (2,350 to 2,450), Green', said in full where it stands beside
    the rating now; "" when there is no forecast."""
    rated = forecast_rated(i)
    return f"Forecast for March: {rated}" if rated else ""


def outlook_words(i: IndicatorResult, period: Period) -> str:
    """The year-end forecast in plain words for the public: "On track to meet its target by March"; ""
    at the year's end (the figure is the outturn) or without a forecast rating."""
    j = i.judgement
    if j is None or j.forecast is None or j.forecast_rating is None or not j.forecast_rating.is_rated:
        return ""
    target = i.indicator.annual_target
    if target is None or i.actual is None or period.quarter == 4:
        return ""
    unit = i.indicator.unit
    said = (
        f"(if things go on as they are, {figure(j.forecast.outturn, unit)} against a target of {figure(target, unit)})"
    )
    if j.forecast_rating is Rag.GREEN:
        return f"On track to meet its target by March {said}."
    if j.forecast_rating is Rag.RED:
        return f"Not on track to meet its target by March {said}."
    return f"Likely to end the year close to its target, but short of it {said}."


def compared_words(i: IndicatorResult) -> str:
    """'England: Worse; North West: Similar' for the comparators with a figure for this indicator, or ""."""
    j = i.judgement
    return "; ".join(f"{c.comparator}: {c.result.value}" for c in j.comparisons if c.value is not None) if j else ""


def _interval_words(i: IndicatorResult) -> str:
    j = i.judgement
    if j is None or j.interval is None:
        return ""
    unit = i.indicator.unit
    return f"95% interval {figure(j.interval.lower, unit)} to {figure(j.interval.upper, unit)}"


def outlook_row(i: IndicatorResult) -> dict[str, str]:
    j = i.judgement
    return {
        "code": i.indicator.code,
        "title": i.indicator.title,
        "rag": i.rag.value,
        "fill": _fill(i.rag),
        "forecast": forecast_figure(i) or "No forecast",
        "forecast_rag": j.forecast_rating.value if j and j.forecast_rating else "No forecast",
        "forecast_fill": _fill(j.forecast_rating if j else None),
        "variation": j.spc.variation.value if j else "",
        "assurance": j.spc.assurance.value if j else "",
        "compared": ". ".join(words for words in (_interval_words(i), compared_words(i)) if words),
    }


def highlight_judgement(
    p: PartnershipReport, charts: dict[str, WordChart], picture: Callable[[WordChart], Any]
) -> dict:
    """The highlight report's forecasts, variation and comparators, and its SPC charts."""
    return {
        "outlook": [outlook_row(i) for i in p.indicators if i.judgement is not None],
        "spc_charts": [
            {
                "chart": picture(charts[i.indicator.code]),
                "caption": (
                    f"Figure: {i.indicator.code} {i.indicator.title}, statistical process control "
                    f"(solid line: mean; dashed lines: process limits; special causes marked by colour and shape). "
                    f"{i.judgement.spc.variation.value}; {i.judgement.spc.assurance.value}."
                ),
            }
            for i in p.indicators
            if i.indicator.code in charts and i.judgement is not None
        ],
    }


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def attention_rows(report: PeriodReport) -> list[dict[str, str]]:
    """Every indicator the board should look at: Red now and forecast Red, a concerning special
    cause, or significantly worse than the first comparator; worst rating first."""
    rows = []
    for p in report.partnerships:
        for i in sorted(p.indicators, key=lambda i: i.rag.rank):
            reasons = i.judgement.attention(i.rag) if i.judgement else ()
            if reasons:
                rows.append(
                    {
                        "partnership": p.partnership.short_name,
                        "code": i.indicator.code,
                        "title": i.indicator.title,
                        "rag": i.rag.value,
                        "fill": _fill(i.rag),
                        "forecast": forecast_rated(i) or "No forecast",
                        "why": _sentence("; ".join(reasons)),
                    }
                )
    return rows


def board_judgement(report: PeriodReport) -> dict:
    """The board paper's "Needs the board's attention"."""
    rows = attention_rows(report)
    if rows:
        count = len(rows)
        sentence = (
            f"{count} indicator{'s' if count != 1 else ''} need{'s' if count == 1 else ''} the board's attention: "
            "rated Red now and forecast Red at year end, a change the statistics say is real and concerning "
            "(special cause variation), or significantly worse than "
            f"{report.comparator_names[0] if report.comparator_names else 'the first comparator'}."
        )
    else:
        sentence = (
            "No indicator is Red now and forecast Red at year end, shows concerning special cause variation, "
            "or is significantly worse than its first comparator."
        )
    return {"attention": rows, "attention_sentence": sentence}
