"""Assembling a period: the figures the master workbook and the Word packs share."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from spoil import Q1, Q2, Q4, outcome

from demo.fill import IndicatorEntry
from pipeline.outputs.assemble import assemble
from pipeline.rating.rag import Direction, Rag


def _result(workspace, period, code):
    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, period)
    return next(i for p in report.partnerships for i in p.indicators if i.indicator.code == code), report


def test_a_six_monthly_indicator_is_compared_with_six_months_before(workspace):
    # CYP-06 (children's centres reach, higher is better) is reported at Q2 and Q4 only.
    workspace.reporting(Q2)
    workspace.submit(
        "q2.xlsx",
        period=Q2,
        indicators={
            "CYP-06": IndicatorEntry(
                actual=64, data_quality="Validated", commentary="Behind.", remedial_action="Outreach."
            )
        },
    )
    workspace.run()
    workspace.reporting(Q4)
    workspace.submit("q4.xlsx", period=Q4, indicators={"CYP-06": IndicatorEntry(actual=71, data_quality="Validated")})
    workspace.run()
    result, _ = _result(workspace, Q4, "CYP-06")
    assert result.previous == Decimal(64)
    assert result.dot_previous is Direction.IMPROVING
    # Its chart runs through the half-years, a line from one figure to the next, not dots between blanks.
    assert [p.period for p in result.trend][-3:] == ["2024-25 Q4", "2025-26 Q2", "2025-26 Q4"]
    assert [p.actual for p in result.trend][-2:] == [Decimal(64), Decimal(71)]


def test_a_partnership_that_has_not_returned_shows_no_data_and_missing(workspace):
    result, report = _result(workspace, Q2, "CSP-01")
    assert result.rag is Rag.NO_DATA
    csp = next(p for p in report.partnerships if p.partnership.short_name == "CSP")
    assert csp.status.state == "missing"
    assert report.data_as_at == ""
    assert "No returns have arrived yet." in report.source_line


def test_the_source_line_does_not_say_nothing_arrived_when_a_return_was_rejected(workspace):
    workspace.submit("cyp.xlsx", indicators={"CYP-05": {"actual": "lots"}})
    workspace.run()
    _, report = _result(workspace, Q1, "CYP-05")
    assert report.source_line.startswith("No return has been accepted yet. Source: 0 of ")


def test_an_officer_override_changes_the_rating_and_keeps_the_computed_one_and_the_reason(
    tmp_path, register, return_templates
):
    from openpyxl import Workbook
    from registers import DEMO_REGISTER
    from spoil import Q1, Workspace

    overrides = tmp_path / "overrides.xlsx"
    book = Workbook()
    book.active.append(["Period", "Code", "Rating", "Reason", "Who"])
    book.active.append(["2025/26 Q1", "CYP-01", "amber", "One-off data cleanse; agreed by the group.", "A. Morgan"])
    book.save(overrides)
    shipped = f"overrides = '{(DEMO_REGISTER.parent / 'overrides.xlsx').as_posix()}'"
    ws = Workspace(
        tmp_path / "ws", register, return_templates, replace={shipped: f"overrides = '{overrides.as_posix()}'"}
    )
    ws.submit(
        "cyp.xlsx",
        indicators={
            "CYP-01": IndicatorEntry(
                actual="7.9", data_quality="Validated", commentary="Up.", remedial_action="Tracking."
            )
        },
    )
    ws.run()
    result, _ = _result(ws, Q1, "CYP-01")
    assert result.outcome.computed is Rag.RED
    assert result.rag is Rag.AMBER
    assert (result.outcome.reason, result.outcome.who) == ("One-off data cleanse; agreed by the group.", "A. Morgan")

    from openpyxl import load_workbook

    sheet = load_workbook(ws.master(Q1))["Indicators"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[header.index("Code")] == "CYP-01")
    assert (row[header.index("RAG")], row[header.index("Computed RAG")]) == ("Amber", "Red")
    assert row[header.index("Override reason")] == "One-off data cleanse; agreed by the group. (A. Morgan)"


def test_a_return_is_late_only_against_the_deadline_its_partnership_was_given(workspace):
    from datetime import datetime

    from spoil import Q1

    workspace.templates_went_out("CYP", Q1, "2025-07-14T09:00:00Z")  # a week before the published deadline
    workspace.now = datetime(2025, 7, 28, 10, 0, tzinfo=UTC)  # a week after 21 July
    workspace.submit("cyp.xlsx", period=Q1)
    workspace.run()

    _, report = _result(workspace, Q1, "CYP-01")
    cyp = next(p for p in report.partnerships if p.partnership.short_name == "CYP")
    assert report.deadline.isoformat() == "2025-07-21"
    assert not cyp.status.late, "15 working days from 14 July is 4 August"


def test_lateness_is_judged_on_the_uk_date_not_the_utc_one(workspace):
    from datetime import datetime

    from spoil import Q1

    workspace.now = datetime(2025, 7, 21, 23, 30, tzinfo=UTC)  # 00:30 BST on 22 July, the day after
    workspace.submit("cyp.xlsx", period=Q1)
    workspace.run()

    _, report = _result(workspace, Q1, "CYP-01")
    cyp = next(p for p in report.partnerships if p.partnership.short_name == "CYP")
    assert report.deadline.isoformat() == "2025-07-21"
    assert cyp.status.late


def test_a_correction_sent_after_the_deadline_does_not_make_a_return_that_met_it_late(workspace):
    from datetime import datetime

    workspace.submit("cyp.xlsx", period=Q1)  # 10 July: on time for 21 July
    workspace.run()
    workspace.now = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
    workspace.submit("cyp v2.xlsx", period=Q1, indicators={"CYP-05": {"actual": 501}})
    workspace.run()

    result, report = _result(workspace, Q1, "CYP-05")
    cyp = next(p for p in report.partnerships if p.partnership.short_name == "CYP")
    assert result.actual == 501, "the correction's figures count"
    assert not cyp.status.late


def test_a_running_total_improves_when_the_quarter_s_own_amount_does(workspace):
    # CSP-03 (incidents, lower is better) is a running total through the year: 3,000, 3,600, 4,100 means
    # 600 in Q2 and 500 in Q3, fewer incidents, even though the total rose.
    from spoil import Q3

    explained = {"commentary": "Seasonal.", "remedial_action": "Patrols."}
    for quarter, total in ((Q1, 3000), (Q2, 3600), (Q3, 4100)):
        workspace.reporting(quarter)
        workspace.submit(
            f"csp-{quarter.slug}.xlsx",
            short="CSP",
            period=quarter,
            indicators={"CSP-03": {"actual": total, **explained}},
        )
        workspace.run()

    q3, _ = _result(workspace, Q3, "CSP-03")
    q2, _ = _result(workspace, Q2, "CSP-03")
    assert q3.dot_previous is Direction.IMPROVING
    assert q2.dot_previous is Direction.IMPROVING, "600 in Q2 against Q1's 3,000"


def test_direction_of_travel_names_the_report_a_six_monthly_indicator_is_compared_with(workspace):
    """CYP-06 is six-monthly: its last report was 2025-26 Q2, not the quarter before; quarterly CYP-03's was."""
    from docx import Document

    from pipeline.outputs.documents import write_documents

    for period, figure in ((Q2, Decimal("40")), (Q4, Decimal("60"))):
        workspace.reporting(period)
        name = f"cyp-{period.slug}.xlsx"
        workspace.submit(
            name,
            period=period,
            indicators={
                "CYP-06": IndicatorEntry(
                    actual=figure, data_quality="Validated", commentary="Below target.", remedial_action="A plan."
                )
            },
        )
        result = outcome(workspace.run(), name)
        assert result.verdict == "accepted", result.findings
    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, Q4)
    paths = write_documents(report, workspace.config, workspace.outbox / Q4.slug, pdf=False)
    doc = Document(str(next(p for p in paths if p.name.startswith("highlight-CYP"))))
    [table] = [t for t in doc.tables if "Since last report" in [c.text for c in t.rows[0].cells]]
    rows = {r[0]: r for r in ([c.text for c in row.cells] for row in table.rows)}
    assert rows["CYP-06"][-2] == "Improving ▲ since 2025-26 Q2"
    assert rows["CYP-03"][-2] == "Not comparable", "quarterly, and no return for 2025-26 Q3"
