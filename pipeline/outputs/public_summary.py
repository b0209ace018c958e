"""The six-monthly public summary: one self-contained, accessible HTML page for the website.

Made at Q2 (half year) and Q4 (full year). Plain language and figures only:
no commentary, remedial action, risks or names of officers, because those are
the partnerships' internal working. The page needs nothing beside itself: the
CSS is inline and the chart is a base64 PNG with alt text, with the same
figures in a table.
"""

from __future__ import annotations

import base64
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.domain.calendar import deadline
from pipeline.domain.errors import TemplateError
from pipeline.domain.periods import Period
from pipeline.domain.records import Polarity
from pipeline.domain.settings import CalendarSettings, Config
from pipeline.domain.wording import difference, figure, plain_date, plural, uk_date
from pipeline.outputs.assemble import AreaGap, IndicatorResult, PartnershipReport, PeriodReport
from pipeline.outputs.charts import ChartCache, rag_summary_chart
from pipeline.outputs.disclosure import TOTAL, Disclosure, plan, public_report
from pipeline.outputs.docx_context import clean, fill
from pipeline.outputs.judgement_words import outlook_words
from pipeline.rating.rag import ActionRag, Direction, GapTrend, Rag, direction
from pipeline.support.atomic import write_text

log = logging.getLogger(__name__)

TEMPLATE = "public-summary.html.j2"
PLAIN = {
    Rag.GREEN: "on target",
    Rag.AMBER_GREEN: "close to target",
    Rag.AMBER: "close to target or improving",
    # Amber/Red is within tolerance as Amber/Green is, so both are "close" in the headline's count too.
    Rag.AMBER_RED: "close to target, but nearer the limit",
    Rag.RED: "off target",
    Rag.NO_DATA: "figure not yet available",
    Rag.NO_TARGET: "no target set",
    Rag.NOT_RATED: "for information, not rated",
}
COMPARED = {
    Direction.IMPROVING: "Better than a year ago",
    Direction.WORSENING: "Worse than a year ago",
    Direction.NO_CHANGE: "About the same as a year ago",
    Direction.INCREASING: "Higher than a year ago",
    Direction.DECREASING: "Lower than a year ago",
    Direction.NOT_COMPARABLE: "No figure a year ago to compare",
}
NO_FIGURE_NOW = "No figure for this period yet"
# At the full year, a measure new since last year is compared with its baseline instead.
AGAINST_BASELINE = {
    Direction.IMPROVING: "Better than",
    Direction.WORSENING: "Worse than",
    Direction.NO_CHANGE: "About the same as",
    Direction.INCREASING: "Higher than",
    Direction.DECREASING: "Lower than",
}
BETTER = {Polarity.HIGHER: "Higher is better", Polarity.LOWER: "Lower is better", Polarity.NONE: "Neither"}
QUALITY = {"Provisional": "provisional", "Estimate": "estimate"}
ACTION_PLAIN = {
    ActionRag.COMPLETE: "done",
    ActionRag.GREEN: "on track",
    ActionRag.AMBER: "slightly behind",
    ActionRag.RED: "behind schedule",
    ActionRag.CANCELLED: "stopped",
    ActionRag.NO_DATA: "no update given",
}
GAP_WORDS = {
    GapTrend.NARROWING: "narrower than",
    GapTrend.WIDENING: "wider than",
    GapTrend.NO_CHANGE: "about the same as",
}
TO_BE_CONFIRMED = "to be confirmed"
# Green under the improvement scheme includes a figure short of its target by no more than the
# tolerance: "on target" would not be true of it, so it is said as it is.
WITHIN_TOLERANCE = "within tolerance of target"
OFFICER_GREEN = "short of target, but rated Green by the partnership's officers"


def is_summary_period(period: Period) -> bool:
    """The summary is six-monthly: the half year (Q2) and the full year (Q4)."""
    return period.quarter in (2, 4)


def covering(period: Period) -> str:
    """The months the summary covers: 'April to September 2025' or 'April 2025 to March 2026'."""
    start = Period(period.year, 1).start
    if start.year == period.end.year:
        return f"{start:%B} to {period.end:%B %Y}"
    return f"{start:%B %Y} to {period.end:%B %Y}"


def next_summary(period: Period) -> Period:
    """The next six-monthly summary's period: Q2's is the full year (Q4), Q4's the next half year."""
    return Period(period.year, 4) if period.quarter == 2 else Period(period.year + 1, 2)


def next_update(period: Period, calendar: CalendarSettings | None) -> str:
    """When the next summary is due: the board meeting in the diary that receives the next half-year's
    figures ('the board meeting on 12 May 2026'), or 'to be confirmed' while the diary has none."""
    if calendar is None:
        return TO_BE_CONFIRMED
    due = deadline(next_summary(period), calendar)
    meeting = min((d for d in calendar.board_meetings if d > due), default=None)
    return f"after the board meeting on {plain_date(meeting)}" if meeting else TO_BE_CONFIRMED


def write_public_summary(report: PeriodReport, config: Config, out_dir: Path, cache: ChartCache) -> Path:
    """Write public-summary-<slug>.html into out_dir and return its path."""
    if not report.publishing.accessibility_statement:
        log.warning(
            "The public summary has no link to an accessibility statement, which the accessibility regulations "
            "require of a public sector website: set publishing.accessibility_statement in %s.",
            config.source.name,
        )
    html = render_public_summary(report, config, cache)
    target = Path(out_dir) / f"public-summary-{report.period.slug}.html"
    write_text(target, html)
    log.info("Wrote the public summary %s.", target)
    return target


def render_public_summary(report: PeriodReport, config: Config, cache: ChartCache) -> str:
    import jinja2

    from pipeline.outputs.documents import DEFAULT_TEMPLATES

    folders = [str(config.paths.templates), str(DEFAULT_TEMPLATES)]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    try:
        template = env.get_template(TEMPLATE)
        return template.render(summary_context(report, cache, config))
    except jinja2.TemplateNotFound:
        raise TemplateError(
            f"The public summary template {TEMPLATE} is in neither {folders[0]} nor {folders[1]}.",
            fix="Copy it back from the project's templates/ folder.",
        ) from None
    except jinja2.TemplateError as exc:
        name = getattr(exc, "filename", None) or TEMPLATE
        line = getattr(exc, "lineno", None)
        raise TemplateError(
            f"The public summary template {name}{f' (line {line})' if line else ''} is broken: "
            f"{getattr(exc, 'message', None) or exc}.",
            fix="Correct that tag, or delete your copy to use the default.",
        ) from None


def reached_target(i: IndicatorResult) -> bool:
    """Whether the figure is at or better than its target (which way is better is the indicator's polarity)."""
    if i.actual is None or i.target is None:
        return False
    if i.indicator.polarity is Polarity.LOWER:
        return i.actual <= i.target
    return i.actual >= i.target


def meaning(i: IndicatorResult) -> str:
    """The rating in plain words, true of this figure: a Green short of its target is not 'on target'."""
    if i.rag is Rag.GREEN and not reached_target(i) and i.indicator.polarity is not Polarity.NONE:
        return OFFICER_GREEN if i.outcome.overridden and i.outcome.computed is not Rag.GREEN else WITHIN_TOLERANCE
    if i.outcome.overridden and i.outcome.computed is not i.rag:
        # The public sees the rating the board sees, and that people, not the rules, set it.
        return (
            f"{PLAIN[i.rag]} (rated {i.rag.value} by the partnership's officers; {PLAIN[i.outcome.computed]} "
            "by the usual rules)"
        )
    return PLAIN[i.rag]


def compared(
    i: IndicatorResult, period: Period, no_change_band: Decimal = Decimal(0), disclosure: Disclosure | None = None
) -> str:
    """Against the same period last year; at the full year, a measure with no figure a year ago is
    compared with its baseline; when there is nothing to compare, which figure is missing. A baseline
    too small to publish is named by the marker, not its figure."""
    if i.dot_last_year is Direction.NOT_COMPARABLE and i.actual is None:
        return NO_FIGURE_NOW
    base = i.indicator.baseline
    if period.quarter == 4 and i.same_period_last_year is None and base is not None:
        way = direction(polarity=i.indicator.polarity, current=i.actual, previous=base, no_change_band=no_change_band)
        if way in AGAINST_BASELINE:
            when = f" ({clean(i.indicator.baseline_period)})" if i.indicator.baseline_period else ""
            small = disclosure is not None and i.indicator.code in disclosure.baselines
            said = disclosure.settings.marker if disclosure is not None and small else figure(base, i.indicator.unit)
            return f"{AGAINST_BASELINE[way]} the baseline of {said}{when}"
    return COMPARED[i.dot_last_year]


def gap_words(g: AreaGap, unit: str, hidden: frozenset[str] = frozenset(), marker: str = "") -> str:
    """One area against the area it is compared with, in a plain sentence or two. Where either figure
    is not published (`hidden` names the areas), neither is the gap, which would give it away."""
    if g.area_value is None or g.compared_value is None or g.result.now is None:
        return f"{clean(g.area)} compared with {clean(g.compared_with)}: the figures are not yet available."
    if g.area in hidden or g.compared_with in hidden:
        shown = {
            a: marker if a in hidden else figure(v, unit)
            for a, v in ((g.area, g.area_value), (g.compared_with, g.compared_value))
        }
        text = (
            f"{clean(g.area)}: {shown[g.area]}, against {shown[g.compared_with]} in {clean(g.compared_with)}. "
            "The gap is not published, as it would give away a small number."
        )
        if g.result.trend in GAP_WORDS and g.before_period:
            text += f" It is {GAP_WORDS[g.result.trend]} in {g.before_period}."
        return text
    alone = " (this period alone)" if g.quarter_alone else ""
    text = (
        f"{clean(g.area)}: {figure(g.area_value, unit)}{alone}, against {figure(g.compared_value, unit)} "
        f"in {clean(g.compared_with)}"
    )
    if not g.result.now:
        text += ", so there is no gap."
    else:
        side = "" if g.result.area_behind is None else (" behind" if g.result.area_behind else " ahead")
        text += f": a gap of {difference(g.result.now, unit)}{f', with {clean(g.area)}{side}' if side else ''}."
    if g.result.trend in GAP_WORDS and g.before_period and g.result.before is not None:
        text += (
            f" The gap is {GAP_WORDS[g.result.trend]} in {g.before_period}, when it was "
            f"{difference(g.result.before, unit)}."
        )
    return text


def _row(i: IndicatorResult, period: Period, band: Decimal, disclosure: Disclosure) -> dict[str, Any]:
    unit, code = i.indicator.unit, i.indicator.code
    hidden = disclosure.figure_hidden(code)
    actual = disclosure.settings.marker if hidden else figure(i.actual, unit, "Not yet available")
    if i.actual is not None and i.data_quality in QUALITY:
        actual += f" ({QUALITY[i.data_quality]})"
    areas = frozenset(area for c, area in disclosure.hidden if c == code and area != TOTAL)
    return {
        "hidden": hidden,
        "title": clean(i.indicator.plain_name),
        "better": BETTER[i.indicator.polarity],
        "actual": actual,
        "target": figure(i.target, unit, "No target"),
        "rating": i.rag.value,
        "meaning": meaning(i),
        "fill": "#" + fill(i.rag.colour),
        "compared": compared(i, period, band, disclosure),
        "gaps": [gap_words(g, unit, areas, disclosure.settings.marker) for g in i.gaps],
        # A forecast of a figure the public may not see is not shown either.
        "outlook": "" if hidden else outlook_words(i, period),
    }


def _note(p: PartnershipReport) -> str:
    if p.status.state in ("missing", "rejected"):
        return "This partnership's figures for the period are not yet available."
    if p.status.state == "provisional":
        return "These figures are provisional until the partnership signs them off, and may change."
    return ""


def _actions(p: PartnershipReport) -> dict[str, Any]:
    """The partnership's action plan: how many actions are where, and each one's progress (no owners)."""
    counts = {r: sum(a.rating.rating is r for a in p.actions) for r in ACTION_PLAIN}
    words = [f"{n} {ACTION_PLAIN[r]}" for r, n in counts.items() if n]
    return {
        "summary": f"{plural(len(p.actions), 'action')}: {', '.join(words)}." if p.actions else "",
        "rows": [
            {
                "action": clean(a.action),
                "due": plain_date(a.due) if a.due else "No date set",
                "progress": "Not reported" if a.percent_complete is None else figure(a.percent_complete, "%"),
                "status": ACTION_PLAIN[a.rating.rating].capitalize(),
            }
            for a in p.actions
        ],
    }


def summary_context(report: PeriodReport, cache: ChartCache, config: Config | None = None) -> dict[str, Any]:
    """The public summary's fields. Disclosure control first: an indicator the register says is not to be
    published is gone from every count, table and chart, and a small figure shows only the marker."""
    disclosure = plan(report)
    report = public_report(report, disclosure)
    band = report.rules.no_change_band
    parts = [
        {
            "name": clean(p.partnership.name),
            "note": _note(p),
            "indicators": [_row(i, report.period, band, disclosure) for i in p.indicators],
            "actions": _actions(p),
        }
        for p in report.partnerships
    ]
    chart = rag_summary_chart([(clean(p.partnership.name), p.counts) for p in report.partnerships], cache)
    totals = report.counts()
    on = totals.get(Rag.GREEN, 0)
    close = sum(totals.get(r, 0) for r in (Rag.AMBER_GREEN, Rag.AMBER, Rag.AMBER_RED))
    off = totals.get(Rag.RED, 0)
    rated = on + close + off
    missing = [clean(p.partnership.name) for p in report.partnerships if p.status.state in ("missing", "rejected")]
    provisional = [clean(p.partnership.name) for p in report.partnerships if p.status.state == "provisional"]
    email = config.board_officer_email if config else ""
    # Say "or within tolerance" of the Greens only when some Green figure has not reached its target.
    short = any(
        r.rag is Rag.GREEN and meaning(r) != PLAIN[Rag.GREEN] for p in report.partnerships for r in p.indicators
    )
    green = "on target or within tolerance of it" if short else PLAIN[Rag.GREEN]
    return {
        "organisation": clean(report.organisation),
        "area": clean(report.area),
        "period": str(report.period),
        "covering": covering(report.period),
        "half": "full year" if report.period.quarter == 4 else "first half of the year",
        "as_at": uk_date(report.data_as_at) if report.data_as_at else "",
        "measures": sum(len(p.indicators) for p in report.partnerships),
        "rated": rated,
        "no_figure": totals.get(Rag.NO_DATA, 0),
        "no_target": totals.get(Rag.NO_TARGET, 0),
        "for_information": totals.get(Rag.NOT_RATED, 0),
        "missing": missing,
        "provisional": provisional,
        "next_update": next_update(report.period, config.calendar if config else None),
        "next_covering": covering(next_summary(report.period)),
        "email": clean(email),
        "on_target": on,
        "close": close,
        "off_target": off,
        "green_meaning": green,
        "legend": [
            {"rating": r.value, "meaning": green if r is Rag.GREEN else PLAIN[r], "fill": "#" + fill(r.colour)}
            for r in (Rag.GREEN, Rag.AMBER_GREEN, Rag.AMBER, Rag.AMBER_RED, Rag.RED)
        ],
        "chart_src": "data:image/png;base64," + base64.b64encode(chart.path.read_bytes()).decode("ascii"),
        "chart_alt": chart.alt_text,
        "partnerships": parts,
        "withheld": len(disclosure.withheld),
        "marker": disclosure.settings.marker,
        "threshold": disclosure.settings.threshold,
        "footnote": disclosure.footnote if disclosure.hidden or disclosure.baselines else "",
        "statement": report.publishing.accessibility_statement,
    }
