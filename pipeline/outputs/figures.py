"""A period's report as the rated figures analysts read: one row per indicator, period and area,
stored by the pass for the database's `indicator_history` view."""

from __future__ import annotations

from decimal import Decimal

from pipeline.domain.history import RatedFigure
from pipeline.outputs.assemble import PeriodReport


def rated_figures(report: PeriodReport) -> list[RatedFigure]:
    """Every due indicator of every partnership, with each area's own figure after the whole area's."""
    figures = []
    for part in report.partnerships:
        for result in part.indicators:
            indicator = result.indicator
            areas: dict[str, Decimal | None] = {}
            for gap in result.gaps:
                areas.setdefault(gap.area, gap.area_value)
                areas.setdefault(gap.compared_with, gap.compared_value)
            for area, actual, rating in [
                ("", result.actual, result.rag.value),
                *((a, v, "") for a, v in areas.items()),
            ]:
                figures.append(
                    RatedFigure(
                        period=str(report.period),
                        partnership=part.partnership.short_name,
                        partnership_name=part.partnership.name,
                        code=indicator.code,
                        indicator=indicator.title,
                        area=area,
                        unit=indicator.unit,
                        polarity=indicator.polarity.value,
                        cumulative=indicator.cumulative,
                        target=result.target,
                        actual=actual,
                        rating=rating,
                        direction=result.dot_previous.value,
                        data_quality=result.data_quality,
                        provisional=part.status.state == "provisional",
                        source=result.source_file,
                        received=result.submitted_at,
                    )
                )
    return figures
