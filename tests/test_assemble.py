"""Assembling a period: the figures the master workbook and the Word packs share."""

from __future__ import annotations

from decimal import Decimal

from pipeline.assemble import assemble
from pipeline.fill import IndicatorEntry
from pipeline.rate import Direction, Rag
from spoil import Q2, Q4


def _result(workspace, period, code):
    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, period)
    return next(i for p in report.partnerships for i in p.indicators if i.indicator.code == code), report


def test_a_six_monthly_indicator_is_compared_with_six_months_before(workspace):
    # CYP-06 (children's centres reach, higher is better) is reported at Q2 and Q4 only.
    workspace.submit("q2.xlsx", period=Q2, indicators={"CYP-06": IndicatorEntry(actual=64, data_quality="Validated",
                                                                               commentary="Behind.",
                                                                               remedial_action="Outreach.")})
    workspace.run()
    workspace.submit("q4.xlsx", period=Q4, indicators={"CYP-06": IndicatorEntry(actual=71, data_quality="Validated")})
    workspace.run()
    result, _ = _result(workspace, Q4, "CYP-06")
    assert result.previous == Decimal(64)
    assert result.dot_previous is Direction.IMPROVING


def test_a_partnership_that_has_not_returned_shows_no_data_and_missing(workspace):
    result, report = _result(workspace, Q2, "CSP-01")
    assert result.rag is Rag.NO_DATA
    csp = next(p for p in report.partnerships if p.partnership.short_name == "CSP")
    assert csp.status.state == "missing"
    assert report.data_as_at == ""
    assert "no returns yet" in report.source_line
