"""The public version of the board paper, for councils that publish their board papers.

The same paper as the board's (`publishing.public_board_paper` turns it on), with the public
summary's disclosure control: an indicator marked Publish = No is in no table or count, a small
count shows the marker, and so does any area figure, gap or progress towards a final target it
could be worked out from. The board's own paper keeps every figure.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from pipeline.domain.records import Publish
from pipeline.domain.wording import figure
from pipeline.outputs.assemble import IndicatorResult, PeriodReport
from pipeline.outputs.board_front import front_context
from pipeline.outputs.disclosure import Disclosure, is_small, plan, public_report
from pipeline.outputs.docx_context import board_context
from pipeline.outputs.judgement_words import board_judgement

NOT_PUBLISHED = "Not published"


def public_board_context(report: PeriodReport, meeting: date | None) -> dict[str, Any]:
    """Fields of templates/board-paper.docx for the public version of the paper."""
    disclosure = plan(report)
    shown = _without_small_last_figures(public_report(report, disclosure), disclosure)
    context = board_context(shown, meeting) | front_context(shown) | board_judgement(shown)
    results = {i.indicator.code: i for p in shown.partnerships for i in p.indicators}
    for row in [r for g in context["exception_groups"] for r in g["rows"]] + context["appendix"]:
        _hide_row(row, results[row["code"]], disclosure)
    for row in context["outturn_rows"]:
        _hide_outturn(row, results[row["code"]], disclosure)
    for row in context["gaps"]:
        _hide_gap(row, disclosure)
    for row in context["attention"]:  # a forecast of a figure the public may not see is not shown either
        if disclosure.figure_hidden(row["code"]):
            row["forecast"] = disclosure.settings.marker
    context["subject"] += " (public version)"
    context["title"] += " (public version)"
    context["source_line"] += " " + disclosure.footnote
    return context


def _small(i: IndicatorResult, value, disclosure: Disclosure) -> bool:
    return i.indicator.publish is not Publish.YES and is_small(value, i.indicator.unit, disclosure.settings.threshold)


def _hide_row(row: dict[str, str], i: IndicatorResult, disclosure: Disclosure) -> None:
    """An indicator's cells with what the public may not see replaced by the marker."""
    marker, code = disclosure.settings.marker, i.indicator.code
    # The board's paper notes beside a figure what the public would not see; this paper just does not show it.
    row["actual"] = marker if disclosure.figure_hidden(code) else figure(i.actual, i.indicator.unit)
    if disclosure.figure_hidden(code) and row.get("forecast"):
        row["forecast"] = ""  # nor its forecast
    if _small(i, i.same_period_last_year, disclosure):
        row["last_year"] = marker
    # Progress towards the final target is worked out from the figure and the baseline.
    if row["towards"] and (disclosure.figure_hidden(code) or code in disclosure.baselines):
        row["towards"] = "Progress towards the final target is not published, as it would give away a small number."


def _hide_outturn(row: dict[str, str], i: IndicatorResult, disclosure: Disclosure) -> None:
    """A year-end outturn row with a small outturn, last year's small figure and the progress they give away hidden."""
    marker, code = disclosure.settings.marker, i.indicator.code
    if disclosure.figure_hidden(code):
        row["outturn"] = marker
    if _small(i, i.same_period_last_year, disclosure):
        row["last_year"] = marker
    if disclosure.figure_hidden(code) or code in disclosure.baselines:
        row["towards"] = "Progress towards the final target is not published, as it would give away a small number."


def _hide_gap(row: dict[str, str], disclosure: Disclosure) -> None:
    """A gap row with a hidden area's figure, and the gaps it could be worked out from, not published."""
    code = row["code"]
    area, compared = disclosure.figure_hidden(code, row["area"]), disclosure.figure_hidden(code, row["compared_with"])
    if not (area or compared):
        return
    marker = disclosure.settings.marker
    if area:
        row["area_value"] = marker
    if compared:
        row["compared_value"] = marker
    row["now"] = row["before"] = NOT_PUBLISHED
    row["areas"] = f"{row['area']} ({row['area_value']}) against {row['compared_with']} ({row['compared_value']})"
    row["change"] = f"{row['trend']} (the gap itself is not published)"


def _without_small_last_figures(report: PeriodReport, disclosure: Disclosure) -> PeriodReport:
    """A rejected return's last accepted figures, less those the public may not see."""
    threshold = disclosure.settings.threshold
    publish = {i.code: i.publish for i in report.indicators}
    parts = []
    for p in report.partnerships:
        if p.rejection is not None:
            kept = tuple(
                f
                for f in p.rejection.last_figures
                if publish.get(f[0]) is not Publish.NO
                and (publish.get(f[0]) is Publish.YES or not is_small(f[2], f[3], threshold))
            )
            p = dataclasses.replace(p, rejection=dataclasses.replace(p.rejection, last_figures=kept))
        parts.append(p)
    return dataclasses.replace(report, partnerships=tuple(parts))
