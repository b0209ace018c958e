"""A period's figures as analysts read them: the rows of the tidy table (the export's columns) for
the period, rated as its pack was, which the pass stores for the database's `indicator_history` view."""

from __future__ import annotations

from dataclasses import fields

from pipeline.domain.history import RatedFigure
from pipeline.outputs.assemble import PeriodReport
from pipeline.outputs.master_history import lines_of, tidy_rows


def rated_figures(report: PeriodReport) -> list[RatedFigure]:
    """The tidy table's rows of the report's period: each figure, then each of its areas' own."""
    period = str(report.period)
    partnerships = [p.partnership for p in report.partnerships]
    # Only the period's own figures are rated (the pass runs this before the pack is written, so
    # rating all twelve quarters' to keep one's held up the master workbook and the documents).
    lines = lines_of(report.history, report.indicators, partnerships, report.rules, report.overrides, period)
    return [RatedFigure(**{f.name: getattr(row, f.name) for f in fields(row)}) for row in tidy_rows(lines)]
