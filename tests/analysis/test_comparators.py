"""Comparators as Fingertips compares them: inside the local interval is Similar."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pipeline.analysis.comparators import Comparison, compare
from pipeline.domain.records import Polarity


@pytest.mark.parametrize(
    "polarity, comparator, expected",
    [
        pytest.param(Polarity.HIGHER, D(60), Comparison.SIMILAR, id="inside_is_similar"),
        pytest.param(Polarity.HIGHER, D("55.25"), Comparison.SIMILAR, id="on_the_lower_limit_is_similar"),
        pytest.param(Polarity.HIGHER, D(50), Comparison.BETTER, id="higher_is_better_and_local_above"),
        pytest.param(Polarity.HIGHER, D(80), Comparison.WORSE, id="higher_is_better_and_local_below"),
        pytest.param(Polarity.LOWER, D(50), Comparison.WORSE, id="lower_is_better_and_local_above"),
        pytest.param(Polarity.LOWER, D(80), Comparison.BETTER, id="lower_is_better_and_local_below"),
        pytest.param(Polarity.NONE, D(50), Comparison.HIGHER, id="no_polarity_local_above"),
        pytest.param(Polarity.NONE, D(80), Comparison.LOWER, id="no_polarity_local_below"),
        pytest.param(Polarity.HIGHER, None, Comparison.NOT_COMPARED, id="no_comparator_value"),
    ],
)
def test_comparator_against_the_local_interval(polarity, comparator, expected):
    assert compare(polarity, D("55.25"), D("73.64"), comparator) is expected


def test_without_a_local_interval_nothing_is_compared():
    assert compare(Polarity.HIGHER, None, None, D(50)) is Comparison.NOT_COMPARED
