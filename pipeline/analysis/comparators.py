"""A local figure against comparators (England, the region, nearest neighbours), as Fingertips
compares: a comparator's value inside the local 95% interval is Similar; outside it, the local
figure is Better or Worse by the indicator's polarity (Higher or Lower with none)."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from pipeline.domain.records import Polarity


class Comparison(str, Enum):
    SIMILAR = "Similar"
    BETTER = "Better"
    WORSE = "Worse"
    HIGHER = "Higher"
    LOWER = "Lower"
    NOT_COMPARED = "Not compared"


def compare(polarity: Polarity, lower: Decimal | None, upper: Decimal | None, comparator: Decimal | None) -> Comparison:
    """How the local figure, with interval lower-upper, compares with a comparator's value; an edge
    counts as inside (Similar), since the interval is the one that tells them apart."""
    if lower is None or upper is None or comparator is None:
        return Comparison.NOT_COMPARED
    if lower <= comparator <= upper:
        return Comparison.SIMILAR
    local_higher = lower > comparator
    if polarity is Polarity.NONE:
        return Comparison.HIGHER if local_higher else Comparison.LOWER
    return Comparison.BETTER if local_higher == (polarity is Polarity.HIGHER) else Comparison.WORSE
