"""The front of the board paper, read back from the Word file made from real returns: the one-page
dashboard (ratings now and at the previous report) and, at Q4, the year-end outturn report."""

from __future__ import annotations

import shutil
from pathlib import Path

from docx import Document
from spoil import Q1, Q2, Q4, outcome

from demo.fill import IndicatorEntry
from pipeline.outputs.assemble import assemble
from pipeline.outputs.documents import write_documents
from pipeline.returns.generate import write_templates


def board_paper(workspace, period):
    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, period)
    paths = write_documents(report, workspace.config, workspace.outbox / period.slug, pdf=False)
    return Document(str(next(p for p in paths if p.name.startswith("board-paper"))))


def table_headed(doc, *headers):
    """The first table with these headers."""
    table = next(t for t in doc.tables if all(h in [c.text for c in t.rows[0].cells] for h in headers))
    return [[c.text for c in row.cells] for row in table.rows]


def submit(workspace, period, name, cover=None, **indicators):
    workspace.reporting(period)
    workspace.submit(
        name,
        period=period,
        cover=cover,
        indicators={
            code: IndicatorEntry(
                actual=figure, data_quality="Validated", commentary="Off target.", remedial_action="A plan."
            )
            for code, figure in indicators.items()
        },
    )
    result = outcome(workspace.run(), name)
    assert result.verdict == "accepted", result.findings


def test_the_dashboard_shows_each_partnership_s_ratings_now_and_at_the_previous_report(workspace):
    submit(workspace, Q1, "q1.xlsx")  # every figure on target: all Green
    # NEET 8% against a target of 6%: Red; and the partnership says how it sees itself.
    submit(workspace, Q2, "q2.xlsx", cover={"overall_status": "Some concerns"}, **{"CYP-01": 8})

    doc = board_paper(workspace, Q2)

    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "PERFORMANCE AT A GLANCE: 2025-26 Q2", "the dashboard comes first"
    rows = {r[0]: r for r in table_headed(doc, "Partnership", "Red", "Green", "No data")}
    header = rows["Partnership"]
    cyp = dict(zip(header, rows["Children and Young People Partnership\nOverall: Some concerns"]))
    # CYP-01 went Green to Red; CYP-06 is six-monthly, with no figure at its previous report.
    assert (cyp["Red"], cyp["Green"], cyp["No data"], cyp["Total"]) == ("1 (0)", "4 (4)", "0 (1)", "5")
    indicators = {r[1]: r for r in table_headed(doc, "Code", "Previous → now")[1:]}
    changes = {code: r[3] for code, r in indicators.items()}
    assert changes["CYP-01"] == "Green → Red"
    assert changes["CYP-03"] == "Green → Green"
    assert changes["CYP-06"] == "No data → Green"
    assert changes["CSP-01"] == "No data → No data", "a partnership that has not returned is listed too"
    # The year-end forecast's rating: NEET at 8% in Q2 is forecast to stay 8% against the 6% target.
    assert indicators["CYP-01"][4] == "Red"
    assert indicators["CSP-01"][4] == "Not rated", "no figure, no forecast"
    note = next(p.text for p in doc.paragraphs if p.text.startswith("In brackets:"))
    assert note.endswith("Since then 0 indicators moved to a better rating and 1 to a worse one.")


def test_a_quarter_that_is_not_the_year_s_last_has_no_outturn(workspace):
    submit(workspace, Q2, "q2.xlsx")
    doc = board_paper(workspace, Q2)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "year-end outturn" not in text.lower()
    assert not [t for t in doc.tables if "Outturn" in [c.text for c in t.rows[0].cells]]


def test_the_q4_paper_is_the_year_end_outturn_report(workspace):
    # CYP-05 is cumulative (annual target 2,400): its Q4 running total is the year's. CYP-01 and CYP-03
    # are levels, lower is better (annual targets 6% and 8%): their outturn is the Q4 figure.
    submit(workspace, Q4, "q4.xlsx", **{"CYP-05": 2300, "CYP-01": "5.8", "CYP-03": 9})

    doc = board_paper(workspace, Q4)

    subject = next(p.text for p in doc.paragraphs if p.text.startswith("SUBJECT:"))
    assert subject == "SUBJECT:\tYear-end outturn 2025-26 and quarterly performance report: 2025-26 Q4"
    rows = table_headed(doc, "Annual target", "Outturn", "Achieved")
    by_code = {r[0].split()[0]: r for r in rows[1:]}
    assert by_code["CYP-05"][1:4] == ["2,400", "2,300\nYear's total", "Not achieved"]
    assert by_code["CYP-01"][1:4] == ["6%", "5.8%\nQ4 figure", "Achieved"]
    assert by_code["CYP-03"][1:4] == ["8%", "9%\nQ4 figure", "Not achieved"]
    assert by_code["CYP-01"][4] == "No figure", "nothing is known of last year"
    assert by_code["CYP-01"][5].startswith("Final target 5%")
    assert by_code["CSP-01"][3] == "No outturn", "no return from the Safer Brackenford Partnership"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "4.2 This is the year-end outturn report for 2025-26." in text
    achieved = sum(r[3] == "Achieved" for r in rows[1:])
    missed = sum(r[3] == "Not achieved" for r in rows[1:])
    assert f"with an annual target and an outturn, {achieved} achieved the target and {missed} did not." in text
    assert "and the year-end outturn for 2025-26 (section 4.0)" in text


def test_the_outturn_is_set_against_last_year(workspace, tmp_path):
    last_year = Q4.same_last_year()
    workspace.templates = Path(shutil.copytree(workspace.templates, tmp_path / "templates"))
    write_templates(workspace.config, workspace.register, last_year, ["CYP"], out_dir=workspace.templates)
    submit(workspace, last_year, "last.xlsx", **{"CYP-01": "6.5"})
    submit(workspace, Q1, "q1.xlsx")  # so the store has moved on: last year's Q4 is still found
    submit(workspace, Q4, "q4.xlsx", **{"CYP-01": "5.8"})

    rows = table_headed(board_paper(workspace, Q4), "Annual target", "Outturn", "Achieved")
    cyp01 = next(r for r in rows if r[0].startswith("CYP-01 "))
    assert cyp01[4] == "6.5% (Improving ▲)"


def test_the_demo_s_last_history_year_has_its_year_end_outturn_report(demo_outbox):
    """`make demo` shows the outturn report: its history's 2024-25 Q4 paper, set against 2023-24."""
    doc = Document(str(demo_outbox / "2024-25-Q4" / "board-paper-2024-25-Q4.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "4.2 This is the year-end outturn report for 2024-25." in text
    rows = table_headed(doc, "Annual target", "Outturn", "Achieved")
    assert {r[3] for r in rows[1:]} >= {"Achieved", "Not achieved"}
    [neet] = [r for r in rows[1:] if r[0].startswith("CYP-01 ")]
    assert neet[4] != "No figure" and "(" in neet[4], "2023-24 is in the history: a figure and its direction"
