"""Statistical disclosure control: which figures the public may not see, and why.

A small count (MARAC repeat referrals, a ward's young people not in education) can identify the
people it counts. Whatever is published (the public summary, and the public board paper where a
council publishes its papers) hides a count from 1 to one below `publishing.threshold` behind a
marker, and hides a second figure where the first could be worked out from a total and the rest
(secondary suppression). An indicator whose register row says Publish = No is left out altogether.
The board paper and master workbook, which are not published, keep every figure and say which
would be hidden.

Zero is published: it identifies nobody, and "none this quarter" is often the news. A rate or a
percentage is hidden when the numerator it was worked out from is small (3 of 40 is 7.5%, and
anyone who knows the 40 knows the 3): where the register asks for a numerator and denominator,
the return gives it, for the whole area and for each area; without one, a rate is published.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from pipeline.domain.records import COUNT_UNITS, Publish
from pipeline.domain.settings import PublishingSettings
from pipeline.outputs.assemble import IndicatorResult, PartnershipReport, PeriodReport

TOTAL = ""  # the key of an indicator's own (whole-area) figure among its area figures

# Why a figure is hidden, as the documents that keep it say so.
SMALL = "small"  # primary: a count below the threshold
DERIVABLE = "derivable"  # secondary: it would give away a small figure beside it


@dataclass(frozen=True)
class Disclosure:
    """What the public may not see of one period's report.

    `hidden` maps (indicator code, area) to SMALL or DERIVABLE; the area is TOTAL ("") for the
    indicator's own figure. `withheld` are the codes whose register row says Publish = No.
    """

    settings: PublishingSettings
    hidden: dict[tuple[str, str], str]
    baselines: frozenset[str]  # codes whose baseline is a small count
    withheld: frozenset[str]

    def figure_hidden(self, code: str, area: str = TOTAL) -> bool:
        return (code, area) in self.hidden

    def any_hidden(self, code: str) -> bool:
        """Whether any figure of the indicator, its own or an area's, is hidden."""
        return any(c == code for c, _ in self.hidden)

    @property
    def footnote(self) -> str:
        """What the marker means, said once on the page that shows it."""
        return (
            f"{self.settings.marker} Not published: a count of fewer than {self.settings.threshold}, a rate or "
            "percentage worked out from one, or a figure from which one could be worked out. Small numbers are held back so that no one can be identified "
            "from them."
        )

    def why(self, code: str) -> str:
        """For the documents that keep the figures: what the public would not see of the indicator and
        why ('suppressed in public: fewer than 5'); "" when it is all published."""
        if code in self.withheld:
            return "not published (Publish = No)"
        parts = []
        for (c, area), reason in sorted(self.hidden.items()):
            if c == code:
                said = f"fewer than {self.settings.threshold}" if reason == SMALL else "would give away a small number"
                parts.append(said if area == TOTAL else f"{area} {said}")
        if code in self.baselines:
            parts.append(f"baseline fewer than {self.settings.threshold}")
        return f"suppressed in public: {'; '.join(parts)}" if parts else ""


def is_small(value: Decimal | None, unit: str, threshold: int) -> bool:
    """A count from 1 to threshold - 1: the figures that could identify someone."""
    return unit in COUNT_UNITS and value is not None and 0 < value < threshold


def _area_figures(i: IndicatorResult) -> dict[str, Decimal | None]:
    """The indicator's own figure and each area's, once each (the comparison area is in every gap)."""
    figures: dict[str, Decimal | None] = {TOTAL: i.actual}
    for g in i.gaps:
        figures.setdefault(g.area, g.area_value)
        figures.setdefault(g.compared_with, g.compared_value)
    return figures


def small_numerator(numerator: Decimal | None, threshold: int) -> bool:
    """A rate or percentage worked out from a count from 1 to threshold - 1: as telling as the count."""
    return numerator is not None and 0 < numerator < threshold


def _small(i: IndicatorResult, area: str, value: Decimal | None, threshold: int) -> bool:
    """Whether one figure of the indicator is itself disclosive: a small count, or a rate from a small count."""
    if is_small(value, i.indicator.unit, threshold):
        return True
    numerator = i.numerator if area == TOTAL else dict(i.area_numerators).get(area)
    return value is not None and small_numerator(numerator, threshold)


def _hidden(i: IndicatorResult, threshold: int) -> dict[str, str]:
    """Which of one indicator's figures are hidden (by area; TOTAL for its own), and why."""
    figures = _area_figures(i)
    hidden = {area: SMALL for area, value in figures.items() if _small(i, area, value, threshold)}
    if not hidden or len(figures) < 2:
        return hidden
    # The areas add up to the whole: with one figure of the group unknown, the rest give it away. So
    # while exactly one is not shown, hide the smallest shown area (the total last: it is the headline).
    while len([a for a, v in figures.items() if a in hidden or v is None]) == 1:
        shown = [(v, a) for a, v in figures.items() if a not in hidden and a != TOTAL and v is not None]
        second = min(shown)[1] if shown else TOTAL
        hidden[second] = DERIVABLE
    return hidden


def plan(report: PeriodReport) -> Disclosure:
    """What the public may not see of `report`, under its publishing settings."""
    settings = report.publishing
    hidden: dict[tuple[str, str], str] = {}
    baselines = set()
    withheld = set()
    for p in report.partnerships:
        for i in p.indicators:
            code = i.indicator.code
            if i.indicator.publish is Publish.NO:
                withheld.add(code)
                continue
            if i.indicator.publish is Publish.YES:
                continue
            hidden.update({(code, area): why for area, why in _hidden(i, settings.threshold).items()})
            if is_small(i.indicator.baseline, i.indicator.unit, settings.threshold):
                baselines.add(code)
    return Disclosure(settings, hidden, frozenset(baselines), frozenset(withheld))


def public_report(report: PeriodReport, disclosure: Disclosure) -> PeriodReport:
    """The report without its withheld indicators, each partnership's counts made again without them,
    so no headline, chart or table counts what is not published."""

    def without(p: PartnershipReport) -> PartnershipReport:
        kept = tuple(i for i in p.indicators if i.indicator.code not in disclosure.withheld)
        return dataclasses.replace(p, indicators=kept, counts=dict(Counter(i.rag for i in kept)))

    return dataclasses.replace(report, partnerships=tuple(without(p) for p in report.partnerships))
