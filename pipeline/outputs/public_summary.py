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
from pathlib import Path
from typing import Any

from pipeline.domain.errors import TemplateError
from pipeline.domain.periods import Period
from pipeline.domain.records import Polarity
from pipeline.domain.settings import Config
from pipeline.domain.wording import uk_date
from pipeline.outputs.assemble import IndicatorResult, PeriodReport
from pipeline.outputs.charts import ChartCache, rag_summary_chart
from pipeline.outputs.docx_context import clean, fill, fmt
from pipeline.rating.rag import Direction, Rag
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


def write_public_summary(report: PeriodReport, config: Config, out_dir: Path, cache: ChartCache) -> Path:
    """Write public-summary-<slug>.html into out_dir and return its path."""
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
        return template.render(summary_context(report, cache))
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


def compared(i: IndicatorResult) -> str:
    """Against the same period last year; when there is nothing to compare, which figure is missing."""
    if i.dot_last_year is Direction.NOT_COMPARABLE and i.actual is None:
        return NO_FIGURE_NOW
    return COMPARED[i.dot_last_year]


def _row(i: IndicatorResult) -> dict[str, str]:
    unit = i.indicator.unit
    return {
        "title": clean(i.indicator.title),
        "actual": fmt(i.actual, unit, "Not yet available"),
        "target": fmt(i.target, unit, "No target"),
        "rating": i.rag.value,
        "meaning": meaning(i),
        "fill": "#" + fill(i.rag.colour),
        "compared": compared(i),
    }


def summary_context(report: PeriodReport, cache: ChartCache) -> dict[str, Any]:
    parts = []
    for p in report.partnerships:
        note = ""
        if p.status.state in ("missing", "rejected"):
            note = "This partnership's figures for the period are not yet available."
        elif p.status.state == "provisional":
            note = "These figures are provisional until the partnership signs them off, and may change."
        parts.append({"name": clean(p.partnership.name), "note": note, "indicators": [_row(i) for i in p.indicators]})
    chart = rag_summary_chart([(clean(p.partnership.name), p.counts) for p in report.partnerships], cache)
    totals = report.counts()
    on = totals.get(Rag.GREEN, 0)
    close = sum(totals.get(r, 0) for r in (Rag.AMBER_GREEN, Rag.AMBER, Rag.AMBER_RED))
    off = totals.get(Rag.RED, 0)
    rated = on + close + off
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
        "rated": rated,
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
    }
