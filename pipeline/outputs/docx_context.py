"""What the Word templates see: a PeriodReport turned into plain strings, lists and fills.

Every figure is formatted here, once, so the documents and the tests agree on
what "the number in the master workbook" looks like on the page. Templates
get no objects with behaviour, only text, so an officer editing a template
needs to know nothing but the field names built here.

Over 400 lines on purpose: one idea, every string a template sees; split by document,
the same figure would be formatted in two places.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pipeline.domain.history import Highlights
from pipeline.domain.records import Frequency
from pipeline.domain.wording import difference, figure, plain_date, plural, uk_day, uk_time, were
from pipeline.outputs.assemble import FREQUENCY_STEPS, IndicatorResult, PartnershipReport, PeriodReport, ReturnStatus
from pipeline.outputs.disclosure import plan
from pipeline.outputs.judgement_words import forecast_words
from pipeline.outputs.word_chart import WordChart
from pipeline.rating.rag import ActionRag, Direction, GapTrend, Rag, RiskBand, RiskBands, risk_band

# The order ratings are counted and listed in: worst first, then the unrated.
RAG_ORDER = (Rag.RED, Rag.AMBER_RED, Rag.AMBER, Rag.AMBER_GREEN, Rag.GREEN, Rag.NO_DATA, Rag.NO_TARGET, Rag.NOT_RATED)
BAND_FILL = {
    RiskBand.HIGH: Rag.RED.colour,
    RiskBand.MEDIUM: Rag.AMBER.colour,
    RiskBand.LOW: Rag.GREEN.colour,
    RiskBand.NOT_SCORED: Rag.NOT_RATED.colour,
}
TOP_RISKS = 5
STATE_WORDS = {
    "accepted": "Accepted (signed off)",
    "provisional": "Provisional (received, not yet signed off)",
    "rejected": "Rejected (a return was sent but could not be accepted)",
    "missing": "Missing (no return received)",
}
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Picture = Callable[[WordChart], Any]


def clean(text: str | None) -> str:
    """User text made safe for Word XML: control characters dropped, tabs as spaces.

    Escaping of & and < is left to the template's autoescape, so it happens once.
    """
    return _INVALID_XML.sub("", str(text or "")).replace("\t", " ").replace("\r\n", "\n").strip()


def fill(colour: str) -> str:
    """A hex colour as Word's w:fill wants it: no '#'."""
    return colour.lstrip("#").upper()


def long_date(day: date | None) -> str:
    return plain_date(day) if day else "Not set"


def rag_words(result: IndicatorResult) -> str:
    """The rating in words, with the notes a reader needs beside it."""
    text = result.rag.value
    notes = []
    if result.outcome.overridden:
        notes.append(f"officer rating; calculated {result.outcome.computed.value}")
    if result.flagged_quality:
        notes.append(result.data_quality.lower())
    return f"{text} ({'; '.join(notes)})" if notes else text


def override_words(result: IndicatorResult) -> str:
    """An officer's rating: what it replaced, who set it and why; "" when the calculated rating stands.

    The rating cell only has room to say that it was overridden; this is the sentence
    shown under it (the README promises both ratings and the reason in every output).
    """
    outcome = result.outcome
    if not outcome.overridden:
        return ""
    reason = clean(outcome.reason)
    if reason and reason[-1] not in ".!?":
        reason += "."
    return f"{outcome.final.value} in place of the calculated {outcome.computed.value}{_set_by(result)}. " + (
        f"Reason: {reason}" if reason else "No reason was recorded."
    )


def _set_by(result: IndicatorResult) -> str:
    """', set by A. Morgan on 3 November 2025': who and when, each only when the overrides workbook says."""
    who, day = clean(result.outcome.who), result.outcome.made_on
    if not who and day is None:
        return ""
    return f", set{f' by {who}' if who else ''}{f' on {plain_date(day)}' if day else ''}"


def overrides_to_agree(indicators: Iterable[IndicatorResult]) -> str:
    """The recommendation that the board agree the quarter's officer ratings, listing them; "" when there are none."""
    listed = []
    for i in indicators:
        if i.outcome.overridden:
            set_by = _set_by(i).removeprefix(", ")
            listed.append(
                f"{clean(i.indicator.code)} {i.rag.value} in place of {i.outcome.computed.value}"
                + (f" ({set_by})" if set_by else "")
            )
    if not listed:
        return ""
    items = listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"
    return f"agrees this quarter's overrides of the calculated ratings: {items};"


def override_notes(indicators: Iterable[IndicatorResult]) -> list[dict[str, str]]:
    """One note per officer rating among `indicators`, for under a table that lists them."""
    return [
        {"code": clean(i.indicator.code), "title": clean(i.indicator.title), "text": override_words(i)}
        for i in indicators
        if i.outcome.overridden
    ]


def travel(direction: Direction, since: str = "") -> str:
    """Direction of travel in words, with the arrow after them, and the report compared with when
    `since` names one (the column says 'since last quarter', untrue of a six-monthly indicator)."""
    words = f"{direction.value} {direction.arrow}".strip()
    return f"{words} since {since}" if since and direction is not Direction.NOT_COMPARABLE else words


def status_words(status: ReturnStatus) -> str:
    text = STATE_WORDS.get(status.state, status.state.capitalize())
    if status.part_quarter:
        text += ", part quarter (sent before the quarter ended; the full return is still due)"
    return f"{text}, late" if status.late else text


def no_return(status: ReturnStatus) -> bool:
    """Whether no return has been accepted: rejected or never sent, so there is nothing to rate."""
    return status.state in ("missing", "rejected")


def why_no_return(status: ReturnStatus) -> str:
    """'1 return was rejected' or 'no return was received', for a sentence about a partnership with no return."""
    if status.rejected_attempts:
        return f"{plural(status.rejected_attempts, 'return')} {were(status.rejected_attempts)} rejected"
    return "no return was received"


def status_detail(status: ReturnStatus) -> str:
    if not status.received_at:
        if status.rejected_attempts:
            return f"No return has been accepted for this period: {why_no_return(status)}."
        return "No return has been received for this period."
    who = f" from {clean(status.completed_by)}" if status.completed_by else ""
    timing = "after the deadline" if status.late else "on time"
    return (
        f"Received {uk_time(status.received_at)}{who}, {timing}; "
        f"{status.with_data} of {status.due_count} indicators have a figure ({status.completeness}%)."
    )


def target_words(i: IndicatorResult) -> str:
    """The target as its cell shows it: a cumulative indicator's says it is the year to date and gives
    the annual target, so '240' is not read as the whole year's."""
    unit, ind = i.indicator.unit, i.indicator
    text = figure(i.target, unit, "No target")
    if i.target is None or not ind.cumulative or ind.frequency is Frequency.ANNUAL:
        return text
    if ind.annual_target is None or ind.annual_target == i.target:
        return f"{text} year to date (the annual target)"
    return f"{text} year to date (annual target {figure(ind.annual_target, unit)})"


def towards_final(i: IndicatorResult, year_end: bool) -> str:
    """The final target, its year and the distance travelled towards it from the baseline; "" when the
    register sets no final target. A running total part of the way through the year is not set
    against a full year's baseline."""
    ind, unit = i.indicator, i.indicator.unit
    if ind.final_target is None:
        return ""
    by = f" by {clean(ind.final_target_year)}" if clean(ind.final_target_year) else ""
    head = f"Final target {figure(ind.final_target, unit)}{by}"
    if ind.baseline is None:
        return f"{head}. No baseline is recorded, so progress towards it cannot be measured."
    when = f" ({clean(ind.baseline_period)})" if clean(ind.baseline_period) else ""
    if ind.cumulative and ind.frequency is not Frequency.ANNUAL and not year_end:
        return (
            f"{head}, against a baseline of {figure(ind.baseline, unit)}{when}; progress is measured on the "
            "full year's figure."
        )
    base = f"From the baseline of {figure(ind.baseline, unit)}{when}"
    span = ind.final_target - ind.baseline
    if i.actual is None:
        return f"{head}. {base}: progress cannot be measured without a figure for this period."
    if span == 0:
        return f"{head}, the same as the baseline{when}."
    share = ((i.actual - ind.baseline) / span * 100).quantize(Decimal("1"), ROUND_HALF_UP)
    if share >= 100:
        return f"{head}. {base}, the final target has been reached."
    if share <= 0:
        return f"{head}. {base}, no progress yet towards the final target."
    return f"{head}. {base}, {share}% of the way to the final target."


def indicator_row(i: IndicatorResult, *, year_end: bool, public: str = "") -> dict[str, str]:
    """An indicator's cells; `year_end` is whether the report is the year's last (Q4). `public` says what
    the public summary hides of it (Disclosure.why), so the board sees which figures would not go out."""
    unit = i.indicator.unit
    return {
        "code": clean(i.indicator.code),
        "title": clean(i.indicator.title),
        "towards": towards_final(i, year_end),
        "lead": clean(i.indicator.target_lead) or "Not named",
        "unit": clean(unit),
        "target": target_words(i),
        "actual": figure(i.actual, unit) + (f" ({public})" if public else ""),
        "last_year": figure(i.same_period_last_year, unit, "None"),
        "rag": rag_words(i),
        "override": override_words(i),
        "fill": fill(i.rag.colour),
        "dot": travel(i.dot_previous, i.compared_since),
        "dot_year": travel(i.dot_last_year),
        "commentary": clean(i.commentary) or "No commentary given.",
        "remedial": clean(i.remedial_action) or "No remedial action given.",
        "forecast": forecast_words(i),  # the year-end forecast beside the rating; "" without one
    }


GAP_FILL = {
    GapTrend.NARROWING: Rag.GREEN.colour,
    GapTrend.WIDENING: Rag.RED.colour,
    GapTrend.NO_CHANGE: Rag.AMBER.colour,
    GapTrend.NOT_COMPARABLE: Rag.NOT_RATED.colour,
}


def gap_rows(i: IndicatorResult) -> list[dict[str, str]]:
    """Narrowing the gap, one row per area: figures, the gap now and then, and its trend in words."""
    unit = i.indicator.unit
    rows = []
    for g in i.gaps:
        # A cumulative indicator's later quarters are compared by each quarter's own amounts (assemble._gaps):
        # say so, or the figures would be taken for the running totals the partnership reported.
        alone = " alone" if g.quarter_alone else ""
        span = "this quarter alone" if i.indicator.frequency is Frequency.QUARTERLY else "this half-year alone"
        notes = (
            [] if g.result.area_behind is None or not g.result.now else ["behind" if g.result.area_behind else "ahead"]
        )
        now = difference(g.result.now, unit, "Not available")
        if g.result.now is not None and g.quarter_alone:
            notes.append(span)
        if notes:
            now += f" ({', '.join(notes)})"
        before = difference(g.result.before, unit, "Not available")
        rows.append(
            {
                "code": clean(i.indicator.code),
                "title": clean(i.indicator.title),
                "area": clean(g.area),
                "area_value": _alone(
                    figure(g.area_value, unit), span if g.area_value is not None and g.quarter_alone else ""
                ),
                "compared_with": clean(g.compared_with),
                "compared_value": _alone(
                    figure(g.compared_value, unit), span if g.compared_value is not None and g.quarter_alone else ""
                ),
                "now": now,
                "before": f"{before} ({g.before_period}{alone})"
                if g.before_period and g.result.before is not None
                else before,
                "trend": g.trend_words,  # "Narrowing (significant)" when the counts test it
                "fill": fill(GAP_FILL[g.result.trend]),
            }
        )
    return rows


def _alone(figure: str, span: str) -> str:
    return f"{figure} ({span})" if span else figure


def rag_counts(counts: dict[Rag, int]) -> list[dict[str, str]]:
    """One row per rating that occurs (the five colours always), worst first."""
    rated = (Rag.RED, Rag.AMBER_RED, Rag.AMBER, Rag.AMBER_GREEN, Rag.GREEN)
    return [
        {"rag": r.value, "fill": fill(r.colour), "count": str(counts.get(r, 0))}
        for r in RAG_ORDER
        if r in rated or counts.get(r, 0)
    ]


def action_row(a, partnership: str = "") -> dict[str, str]:
    progress = a.rating.reason
    if a.percent_complete is not None and "complete" not in progress:
        progress = f"{figure(a.percent_complete, '%')} complete; {progress}"
    return {
        "partnership": partnership,
        "ref": clean(a.ref),
        "action": clean(a.action) + (" (new)" if a.is_new else ""),
        "owner": clean(a.owner) or "Not named",
        "due": a.due.strftime("%d/%m/%Y") if a.due else "No date",
        "percent": figure(a.percent_complete, "%", "Not given"),
        "rating": a.rating.rating.value,
        "fill": fill(a.rating.rating.colour),
        "progress": clean(progress),
        "commentary": clean(a.commentary),
    }


def risk_row(r, partnership: str = "") -> dict[str, str]:
    score = f"{r.likelihood} x {r.impact} = {r.score}" if r.score is not None else "Not scored"
    return {
        "partnership": partnership,
        "ref": clean(r.ref),
        "risk": clean(r.risk),
        "owner": clean(r.owner) or "Not named",
        "score": score,
        "band": r.band.value if r.score is None else f"{r.band.value} ({r.score})",
        "fill": fill(BAND_FILL[r.band]),
        "movement": r.movement.value,
        "mitigation": clean(r.mitigation) or "None recorded.",
        "commentary": clean(r.commentary),
    }


def heat_map(risks, bands: RiskBands) -> list[dict[str, Any]]:
    """Rows for a 5x5 grid, likelihood 5 at the top, impact 1-5 across; each cell says its band."""
    names = {5: "Almost certain", 4: "Likely", 3: "Possible", 2: "Unlikely", 1: "Rare"}
    rows = []
    for likelihood in (5, 4, 3, 2, 1):
        cells = []
        for impact in (1, 2, 3, 4, 5):
            band = risk_band(likelihood * impact, bands)
            refs = [clean(r.ref) for r in risks if r.likelihood == likelihood and r.impact == impact]
            cells.append({"fill": fill(BAND_FILL[band]), "text": band.value + (": " + ", ".join(refs) if refs else "")})
        rows.append({"label": f"{likelihood} {names[likelihood]}", "cells": cells})
    return rows


def highlight_context(
    report: PeriodReport,
    p: PartnershipReport,
    charts: dict[str, WordChart],
    picture: Picture,
    bands: RiskBands = RiskBands(),
) -> dict[str, Any]:
    """Fields of templates/highlight-report.docx for one partnership."""
    name = clean(p.partnership.name)
    public = plan(report).why
    exceptions = []
    for i in p.exceptions:
        row = indicator_row(i, year_end=report.period.quarter == 4, public=public(i.indicator.code))
        chart = charts.get(i.indicator.code)
        row["chart"] = picture(chart) if chart else ""
        row["chart_caption"] = chart.caption if chart else ""
        exceptions.append(row)
    total = sum(p.counts.values())
    nothing = no_return(p.status)
    summary = _summary_sentence(p.counts, total)
    if nothing and total:
        summary += " None can be rated until a return is accepted."
    if nothing:
        no_exceptions = (
            f"Exceptions cannot be assessed: no return has been accepted for this period "
            f"({why_no_return(p.status)}), so no indicator has a figure to rate."
        )
        commentary = "No overall commentary: no return has been accepted for this period."
    else:
        no_exceptions = "No indicators are rated Red or Amber this quarter."
        commentary = clean(p.overall_commentary) or "No overall commentary was given."
    return {
        "organisation": clean(report.organisation),
        "partnership": name,
        "short_name": clean(p.partnership.short_name),
        "chair": clean(p.partnership.chair) or "Not named",
        "lead_officer": clean(p.partnership.lead_officer) or "Not named",
        "title": f"{name}: highlight report, {report.period}",
        "period": str(report.period),
        "period_label": report.period.label,
        "source_line": report.source_line,
        "status": status_words(p.status),
        "status_detail": status_detail(p.status),
        "sign_off_note": (
            "Figures in a provisional return may change when the partnership signs it off."
            if p.status.state == "provisional"
            else ""
        ),
        "overall_commentary": commentary,
        "overall_status": "" if nothing else clean(p.highlights.overall_status),
        "highlight_sections": [] if nothing else highlight_sections(p.highlights),
        "summary": rag_counts(p.counts),
        "summary_sentence": summary,
        "indicators": [
            indicator_row(i, year_end=report.period.quarter == 4, public=public(i.indicator.code)) for i in p.indicators
        ],
        "overrides": override_notes(p.indicators),
        "other_overrides": override_notes(i for i in p.indicators if not i.rag.is_exception),
        "exceptions": exceptions,
        "exception_overrides": override_notes(p.exceptions),
        "no_exceptions": no_exceptions,
        "gaps": [row for i in p.indicators for row in gap_rows(i)],
        "actions": [action_row(a) for a in p.actions],
        "risks": [risk_row(r) for r in p.risks[:TOP_RISKS]],
        "risk_count": str(len(p.risks)),
        "heat_map": heat_map(p.risks, bands),
    }


def highlight_sections(h: Highlights) -> list[dict[str, str]]:
    """The Cover's highlight answers the partnership gave, each under its own heading, in the
    Cover's order; none for a return made before they were asked."""
    given = (
        ("Key achievements", h.achievements),
        ("Plans for next quarter", h.next_quarter),
        ("Issues and decisions for the board", h.issues_for_board),
    )
    return [{"heading": heading, "text": clean(text)} for heading, text in given if clean(text)]


def _summary_sentence(counts: dict[Rag, int], total: int) -> str:
    if not total:
        return "No indicators were due this quarter."
    parts = [f"{counts[r]} {r.value}" for r in RAG_ORDER if counts.get(r)]
    return f"{total} indicator{'s' if total != 1 else ''} due this quarter: {', '.join(parts)}."


SUMMARY_COLUMNS = (
    ("red", (Rag.RED,)),
    ("amber_red", (Rag.AMBER_RED,)),
    ("amber", (Rag.AMBER,)),
    ("amber_green", (Rag.AMBER_GREEN,)),
    ("green", (Rag.GREEN,)),
    ("no_data", (Rag.NO_DATA,)),
    ("other", (Rag.NO_TARGET, Rag.NOT_RATED)),
)


def _count_row(name: str, counts: dict[Rag, int]) -> dict[str, str]:
    row = {key: str(sum(counts.get(r, 0) for r in rags)) for key, rags in SUMMARY_COLUMNS}
    row["name"] = name
    row["total"] = str(sum(counts.values()))
    return row


def board_context(report: PeriodReport, meeting: date | None) -> dict[str, Any]:
    """Fields of templates/board-paper.docx."""
    parts = report.partnerships
    public = plan(report).why
    groups = []
    for p in parts:
        if p.exceptions:
            groups.append(
                {
                    "name": clean(p.partnership.name),
                    "short_name": clean(p.partnership.short_name),
                    "rows": [
                        indicator_row(i, year_end=report.period.quarter == 4, public=public(i.indicator.code))
                        for i in p.exceptions
                    ],
                    "overrides": override_notes(p.exceptions),
                    "overall_status": clean(p.highlights.overall_status),
                }
            )
    off_track = [
        action_row(a, clean(p.partnership.short_name))
        for p in parts
        for a in p.actions
        if a.rating.rating in (ActionRag.RED, ActionRag.AMBER)
    ]
    off_track.sort(key=lambda a: (a["rating"] != "Red", a["partnership"], a["ref"]))
    high = [risk_row(r, clean(p.partnership.short_name)) for p in parts for r in p.risks if r.band is RiskBand.HIGH]
    returns = [
        {
            "partnership": clean(p.partnership.name),
            "status": status_words(p.status),
            "received": _received(p.status),
            "completed_by": (clean(p.status.completed_by) or "–") if p.status.received_at else "–",
            "completeness": (f"{p.status.with_data} of {p.status.due_count} ({p.status.completeness}%)"),
        }
        for p in parts
    ]
    totals = report.counts()
    exception_count = sum(len(g["rows"]) for g in groups)
    without_return = [clean(p.partnership.name) for p in parts if no_return(p.status)]
    rejected = [clean(p.partnership.name) for p in parts if p.status.state == "rejected"]
    missing = [clean(p.partnership.name) for p in parts if p.status.state == "missing"]
    late = [clean(p.partnership.name) for p in parts if p.status.late]
    provisional = [clean(p.partnership.name) for p in parts if p.status.state == "provisional"]
    received = sum(p.status.state in ("accepted", "provisional") for p in parts)
    subject = f"Quarterly performance report: {report.period} ({report.period.label})"
    if report.period.quarter == 4:  # the year's last report is the board's annual outturn report too
        subject = f"Year-end outturn {report.period.fy} and quarterly performance report: {report.period}"
    recommendations = _recommendations(report)
    return {
        "organisation": clean(report.organisation),
        "board": clean(report.board),
        "meeting_date": plain_date(meeting) if meeting else "To be confirmed",
        "officer": clean(report.board_officer) or "Not named",
        "subject": subject,
        "wards": clean(report.area),
        "title": f"{clean(report.board)}: {subject}",
        "period": str(report.period),
        "period_label": report.period.label,
        "deadline": long_date(report.deadline),
        "source_line": report.source_line,
        "partnership_count": str(len(parts)),
        "recommendations": recommendations,
        "summary_sentence": _summary_sentence(totals, sum(totals.values())),
        "summary_rows": [_count_row(clean(p.partnership.name), p.counts) for p in parts],
        "summary_total": _count_row("All partnerships", totals),
        "exception_count": str(exception_count),
        "exceptions_sentence": _exceptions_sentence(exception_count, [p for p in parts if no_return(p.status)]),
        "exception_groups": groups,
        "off_track": off_track,
        "high_risks": high,
        "actions_sentence": _plan_sentence(
            "Delivery plan actions rated Red or Amber (overdue, or behind the progress expected by now)",
            "No delivery plan actions are off track",
            off_track,
            "actions",
            without_return,
        ),
        "risks_sentence": _plan_sentence(
            "Risks rated High (likelihood x impact)", "No risks are rated High", high, "risks", without_return
        ),
        "returns": returns,
        "rejections": [_rejection_words(p) for p in parts if p.rejection is not None],
        "gap_sentence": _gap_sentence(parts),
        "gaps": [
            dict(row, partnership=clean(p.partnership.short_name))
            for p in parts
            for i in p.indicators
            for row in board_gap_rows(i)
        ],
        "implications": {
            "policy": clean(report.paper.policy_implications),
            "financial": clean(report.paper.financial_implications),
            "priorities": clean(report.paper.priorities_implications),
            "risk": clean(report.paper.risk_analysis),
            "equality": clean(report.paper.equality_and_diversity),
        },
        "background_papers": _background_papers(report),
        "contact": _contact(report),
        "returns_sentence": (
            f"Returns have been accepted from {received} of {len(parts)} partnerships"
            f" ({received - len(provisional)} signed off, {len(provisional)} provisional)."
            f" Received after the deadline: {', '.join(late) or 'none'}."
            f" Rejected, with no return accepted: {', '.join(rejected) or 'none'}."
            f" Missing: {', '.join(missing) or 'none'}. Provisional: {', '.join(provisional) or 'none'}."
        ),
        "appendix": [
            dict(
                indicator_row(i, year_end=report.period.quarter == 4, public=public(i.indicator.code)),
                partnership=clean(p.partnership.short_name),
            )
            for p in parts
            for i in p.indicators
        ],
        "overrides": override_notes(i for p in parts for i in p.indicators),
    }


def _plan_sentence(listed: str, none: str, rows: list, what: str, without_return: list[str]) -> str:
    """Sections 6.1 and 7.1: what the table lists (or that there is nothing to list), and whose
    actions or risks cannot be judged at all, so that "none" is not read as good news for them."""
    if without_return:
        whose = (
            without_return[0]
            if len(without_return) == 1
            else ", ".join(without_return[:-1]) + " and " + without_return[-1]
        )
        caveat = f"the {what} of the {whose} cannot be assessed, as no return has been accepted"
        return f"{listed}; {caveat}:" if rows else f"{none} among the returns accepted; {caveat}."
    return f"{listed}:" if rows else f"{none}."


def _received(status: ReturnStatus) -> str:
    if status.received_at:
        return uk_time(status.received_at)
    if status.rejected_attempts:
        return f"None accepted ({plural(status.rejected_attempts, 'return')} rejected)"
    return "Not received"


def _exceptions_sentence(count: int, without_return: list[PartnershipReport]) -> str:
    """Section 5.1: how many exceptions, and whose indicators could not be assessed at all."""
    if count:
        text = (
            f"{plural(count, 'indicator')} {'is' if count == 1 else 'are'} rated Red or Amber. For each, the "
            "partnership's commentary on the cause and its remedial action follow."
        )
    else:
        text = "No indicators are rated Red or Amber."
    if without_return:
        named = [f"the {clean(p.partnership.name)} ({why_no_return(p.status)})" for p in without_return]
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        due = sum(len(p.indicators) for p in without_return)
        text += (
            f" Exceptions cannot be assessed for {listed}: no return has been accepted, so "
            f"{'its' if len(named) == 1 else 'their'} {plural(due, 'indicator')} "
            f"{'has no figure' if due == 1 else 'have no figures'}."
        )
    return text


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _recommendations(report: PeriodReport) -> list[str]:
    """What the board is asked to resolve, each with its reason: agree the overrides, chase the returns
    not accepted by name, commission a deep dive where an indicator has stayed Red, note the rest."""
    parts = report.partnerships
    listed = []
    agree = overrides_to_agree(i for p in parts for i in p.indicators)
    if agree:
        listed.append(
            agree.rstrip(";") + ". Reason: an officer's rating replaces the calculated one in the board's record "
            "only once the board has agreed it."
        )
    for p in parts:
        if not no_return(p.status):
            continue
        chair = f" ({clean(p.partnership.chair)})" if clean(p.partnership.chair) else ""
        why = f"{why_no_return(p.status)} and none accepted" if p.status.rejected_attempts else "none has been received"
        due = len(p.indicators)
        listed.append(
            f"asks the chair of the {clean(p.partnership.name)}{chair} to see that its return for {report.period} "
            f"is sent: {why}. Reason: until a return is accepted its {plural(due, 'indicator')} cannot be rated, "
            "and its delivery plan and risks cannot be assessed."
        )
    for p in parts:
        for i in p.indicators:
            if i.rag is Rag.RED and i.red_run >= 2:
                lead = clean(i.indicator.target_lead) or "not named"
                listed.append(
                    f"commissions a deep dive into {clean(i.indicator.code)} {clean(i.indicator.title)} "
                    f"({clean(p.partnership.name)}; target lead: {lead}), rated Red for {i.red_run} "
                    f"{FREQUENCY_STEPS[i.indicator.frequency]} running, to report to its next meeting. Reason: "
                    "the remedial action reported so far has not brought it back on target."
                )
    year_end = f" and the year-end outturn for {report.period.fy}" if report.period.quarter == 4 else ""
    listed.append(
        f"notes the rest of the report: performance for {report.period}{year_end} (section 4.0), the exceptions and the "
        "remedial action proposed (section 5.0), narrowing the gap (section 6.0), the delivery plan actions off "
        "track (section 7.0), the high risks (section 8.0) and the returns (section 9.0). Reason: each partnership "
        "owns its targets and its remedial action; none of these yet needs a decision of the board."
    )
    return listed


def board_gap_rows(i: IndicatorResult) -> list[dict[str, str]]:
    """Narrowing the gap for the board paper: one row per area, with the change in words."""
    unit = i.indicator.unit
    rows = []
    for g, row in zip(i.gaps, gap_rows(i)):
        now, before = g.result.now, g.result.before
        if g.result.trend is GapTrend.NARROWING and now is not None and before is not None:
            change = f"Narrowed: the gap is {difference(before - now, unit)} smaller"
        elif g.result.trend is GapTrend.WIDENING and now is not None and before is not None:
            change = f"Widened: the gap is {difference(now - before, unit)} larger"
        elif g.result.trend is GapTrend.NO_CHANGE:
            change = "No change in the gap"
        else:
            change = "Cannot be compared: a figure is missing now or then"
        row["areas"] = f"{row['area']} ({row['area_value']}) against {row['compared_with']} ({row['compared_value']})"
        row["change"] = change
        rows.append(row)
    return rows


def _gap_sentence(parts: tuple[PartnershipReport, ...]) -> str:
    """Section 6.1: how many indicators are reported by area, and how their gaps moved."""
    reported = [i for p in parts for i in p.indicators if i.gaps]
    if not reported:
        return "No indicator due this quarter is reported by area, so there is no gap to report."
    trends = [g.result.trend for i in reported for g in i.gaps]
    counts = {t: trends.count(t) for t in GapTrend if trends.count(t)}
    moved = ", ".join(f"{n} {t.value.lower()}" for t, n in counts.items())
    return (
        f"{plural(len(reported), 'indicator')} {'is' if len(reported) == 1 else 'are'} reported by area, comparing "
        f"the most deprived areas with the rest. Of {plural(len(trends), 'gap')}: {moved}. Each gap is the "
        "difference between the two figures now, set against the same difference at the last report."
    )


def _rejection_words(p: PartnershipReport) -> str:
    """A rejected return as the board needs it: why, when, what has been done, and the last accepted figures."""
    r = p.rejection
    assert r is not None
    name = clean(p.partnership.name)
    reasons = "; ".join(clean(x).rstrip(".") for x in r.reasons) or "no reason was recorded"
    text = f"The {name}'s return ({clean(r.file_name)}), received {uk_time(r.received_at)}, was rejected: {reasons}."
    done = []
    if r.feedback_at:
        done.append(f"The submitter was told how to put it right on {_day(r.feedback_at)}")
    if r.escalated_at:
        done.append(f"the missing return was escalated to the board officer on {_day(r.escalated_at)}")
    text += (" " + "; ".join(done) + ".") if done else " No message about it has been sent yet."
    if r.last_period and r.last_figures:
        figures = "; ".join(
            f"{clean(code)} {clean(title)} {figure(actual, unit)}" for code, title, actual, unit in r.last_figures
        )
        text += f" Its last accepted figures, for {r.last_period}: {figures}."
    else:
        text += " It has no earlier accepted return."
    return text


def _day(at: str) -> str:
    day = uk_day(at)
    return plain_date(day) if day else at


def _background_papers(report: PeriodReport) -> list[str]:
    """LIST OF BACKGROUND PAPERS: what the figures were drawn from, each named so it can be found."""
    papers = [
        f"The indicator register: {clean(report.register_source)}.",
        f"The master indicator workbook for {report.period}: master-{report.period.slug}.xlsx.",
    ]
    for p in report.partnerships:
        if p.status.file_name and p.status.received_at:
            papers.append(
                f"The {clean(p.partnership.name)}'s return: {clean(p.status.file_name)}, received "
                f"{uk_time(p.status.received_at)}."
            )
        elif p.rejection is not None:
            papers.append(f"The {clean(p.partnership.name)}'s rejected return: {clean(p.rejection.file_name)}.")
    return papers


def _contact(report: PeriodReport) -> str:
    """The contact officer, with telephone and e-mail as config.toml gives them."""
    parts = [f"Contact officer: {clean(report.board_officer) or 'the partnership performance team'}."]
    if clean(report.board_officer_telephone):
        parts.append(f"Telephone: {clean(report.board_officer_telephone)}.")
    if clean(report.board_officer_email):
        parts.append(f"E-mail: {clean(report.board_officer_email)}.")
    return " ".join(parts)
