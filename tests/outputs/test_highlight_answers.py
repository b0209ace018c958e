"""The highlight report in the Basingstoke style: the Cover's optional answers (key achievements,
plans for next quarter, issues and decisions for the board, the overall status) go from a return
made by the project's generator, through `pipeline run`, into the highlight report; a return from
a template sent out before they were asked is still accepted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from registers import run_cli
from spoil import Q1, Workspace, editing

from demo.fill import IndicatorEntry
from pipeline.domain.history import Highlights
from pipeline.domain.periods import Period
from pipeline.returns.generate import write_templates
from pipeline.returns.layout import COVER, COVER_ROWS, HIGHLIGHT_LABELS, HIGHLIGHT_TEXT_LIMIT, OVERALL_STATUSES

ANSWERS = {
    "key_achievements": "Forty young people started apprenticeships.\nThe NEET tracking panel met monthly.",
    "next_quarter_plans": "Open the second youth hub in Northfield.",
    "board_issues": "The board is asked to decide whether the youth hub lease is renewed.",
    "overall_status": "Some concerns",
}
RED_CYP_01 = IndicatorEntry(
    actual=12, data_quality="Validated", commentary="Twice the target.", remedial_action="A NEET tracking panel."
)


def run(ws: Workspace, received: str = "2025-07-10T10:30") -> int:
    argv = ["--config", str(ws.config.source), "-q", "run", "--no-pdf", "--received", received]
    return run_cli(argv)[0]


def report_text(ws: Workspace, name: str, period: Period = Q1) -> list[tuple[str, str]]:
    """Each paragraph of an outbox document as (style, text)."""
    doc = Document(str(ws.outbox / period.slug / f"{name}-{period.slug}.docx"))
    return [(p.style.name, p.text) for p in doc.paragraphs]


def after(paragraphs: list[tuple[str, str]], heading: str) -> str:
    """The text of the paragraph under `heading`."""
    at = [text for _style, text in paragraphs].index(heading)
    return paragraphs[at + 1][1]


def without_highlight_rows(path):
    """The return as one made from a template sent out before the highlight questions: the Cover
    ends with the file's identity."""
    with editing(path) as book:
        ws = book[COVER]
        first = COVER_ROWS[HIGHLIGHT_LABELS[0]] - 1  # the heading above them
        ws.delete_rows(first, ws.max_row - first + 1)
    return path


def test_the_template_asks_for_them_under_the_files_identity_with_a_drop_down_for_the_status(workspace):
    ws = load_workbook(workspace.template("CYP", Q1))[COVER]
    labels = {ws.cell(row, 1).value: row for row in range(1, ws.max_row + 1) if ws.cell(row, 1).value}
    assert [labels[label] for label in HIGHLIGHT_LABELS] == [17, 18, 19, 20]
    assert labels["Partnership code"] == 14, "nothing a template already sent out has moved"
    assert all(not ws.cell(labels[label], 2).protection.locked for label in HIGHLIGHT_LABELS)
    rules = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    assert rules["B20"].type == "list" and rules["B20"].formula1 == '"On track,Some concerns,Off track"'
    assert (rules["B17"].type, rules["B17"].operator, rules["B17"].formula1) == (
        "textLength",
        "lessThanOrEqual",
        str(HIGHLIGHT_TEXT_LIMIT),
    )


def test_the_answers_go_through_run_into_the_highlight_report_and_the_status_into_the_board_paper(workspace):
    workspace.drop(workspace.fill("cyp.xlsx", indicators={"CYP-01": RED_CYP_01}, cover=ANSWERS))
    assert run(workspace) == 0
    with workspace.store() as store:
        [submission] = store.submissions()
    assert submission.highlights == Highlights(
        ANSWERS["key_achievements"], ANSWERS["next_quarter_plans"], ANSWERS["board_issues"], "Some concerns"
    )

    highlight = report_text(workspace, "highlight-CYP")
    headings = [text for style, text in highlight if style == "Heading 2"]
    overall = headings.index("Overall commentary")
    assert headings[overall + 1 : overall + 4] == [
        "Key achievements",
        "Plans for next quarter",
        "Issues and decisions for the board",
    ]
    assert after(highlight, "Key achievements") == ANSWERS["key_achievements"]
    assert after(highlight, "Plans for next quarter") == "Open the second youth hub in Northfield."
    assert after(highlight, "Issues and decisions for the board") == ANSWERS["board_issues"]
    assert ("Normal", "Overall status, in the partnership's view: Some concerns") in highlight

    board = report_text(workspace, "board-paper")
    assert after(board, "Children and Young People Partnership") == (
        "Overall status, in the partnership's view: Some concerns"
    )


def test_a_return_from_a_template_sent_before_the_questions_is_accepted_and_its_report_has_none(workspace):
    workspace.drop(without_highlight_rows(workspace.fill("cyp.xlsx")))
    assert run(workspace) == 0
    with workspace.store() as store:
        [file] = store.files()
        [submission] = store.submissions()
        findings = store.findings_for(file.id)
    assert file.verdict == "accepted" and findings == []
    assert submission.highlights == Highlights()
    highlight = report_text(workspace, "highlight-CYP")
    texts = [text for _style, text in highlight]
    assert not {"Key achievements", "Plans for next quarter", "Issues and decisions for the board"} & set(texts)
    assert not any(text.startswith("Overall status") for text in texts)


def test_blank_answers_leave_their_sections_out(workspace):
    workspace.drop(workspace.fill("cyp.xlsx", cover={"next_quarter_plans": "Open the second youth hub."}))
    assert run(workspace) == 0
    headings = [text for style, text in report_text(workspace, "highlight-CYP") if style == "Heading 2"]
    assert "Plans for next quarter" in headings
    assert "Key achievements" not in headings and "Issues and decisions for the board" not in headings


def test_an_answer_longer_than_the_report_has_room_for_rejects_the_return_naming_the_cell(workspace):
    long = "The partnership achieved a great deal. " * 40
    assert len(long.strip()) > HIGHLIGHT_TEXT_LIMIT
    workspace.submit("cyp.xlsx", cover={"key_achievements": long})
    [result] = workspace.run().outcomes
    assert result.verdict == "rejected"
    [error] = [f for f in result.findings if f.severity == "error"]
    assert (error.code, error.where) == ("text-too-long", f"{COVER}!B17")
    assert (
        error.message
        == f"Key achievements has {len(long.strip()):,} characters; the highlight report has room for 1,500."
    )
    assert error.fix.startswith("Shorten it to 1,500 characters or fewer")


def test_an_answer_of_exactly_the_limit_is_accepted(workspace):
    workspace.submit("cyp.xlsx", cover={"board_issues": "x" * HIGHLIGHT_TEXT_LIMIT})
    [result] = workspace.run().outcomes
    assert result.verdict == "accepted"


@pytest.mark.parametrize("typed, stored", [("some concerns", "Some concerns"), (" Off track ", "Off track")])
def test_a_status_typed_in_another_case_is_read_as_the_one_in_the_list(workspace, typed, stored):
    workspace.submit("cyp.xlsx", cover={"overall_status": typed})
    [result] = workspace.run().outcomes
    assert result.verdict == "accepted"
    with workspace.store() as store:
        [submission] = store.submissions()
    assert submission.highlights.overall_status == stored in OVERALL_STATUSES


def test_a_status_not_in_the_list_rejects_the_return_naming_the_cell(workspace):
    workspace.submit("cyp.xlsx", cover={"overall_status": "Fine"})
    [result] = workspace.run().outcomes
    assert result.verdict == "rejected"
    [error] = [f for f in result.findings if f.severity == "error"]
    assert (error.code, error.where, error.value) == ("bad-overall-status", f"{COVER}!B20", "Fine")
    assert error.message == "Overall status 'Fine' is not one of On track, Some concerns, Off track."


# -- the trend chart of a running total, read back from the report ------------------------------

LAST_YEAR_Q4, THIS_Q1 = Period(2024, 4), Period(2025, 1)


def test_a_running_totals_chart_in_the_report_is_drawn_year_by_year_with_the_estimate_said(tmp_path, config, register):
    templates = tmp_path / "templates"
    ws = Workspace(tmp_path / "ws", register, templates)
    for period in (LAST_YEAR_Q4, THIS_Q1):
        write_templates(ws.config, register, period, ["CSP"], out_dir=templates)
    ws.drop(
        ws.fill(
            "csp-last-year.xlsx",
            short="CSP",
            period=LAST_YEAR_Q4,
            indicators={"CSP-01": IndicatorEntry(actual=Decimal("13.2"), data_quality="Estimate")},
        )
    )
    assert run(ws, "2025-04-20T10:00") == 0
    red = IndicatorEntry(
        actual=Decimal("5.1"),
        data_quality="Validated",
        commentary="A run of car crime in two wards.",
        remedial_action="Joint patrols from August.",
    )
    ws.drop(ws.fill("csp.xlsx", short="CSP", period=THIS_Q1, indicators={"CSP-01": red}))
    assert run(ws) == 0

    doc = Document(str(ws.outbox / THIS_Q1.slug / f"highlight-CSP-{THIS_Q1.slug}.docx"))
    [alt] = [d.get("descr") for d in doc.element.body.iter(qn("wp:docPr")) if "CSP-01" in d.get("descr")]
    assert alt.startswith("Line chart of CSP-01 Serious acquisitive crime per 1,000 population (per 1,000, year to")
    assert "over the last 2 quarters" in alt, "the chart starts at the first figure"
    assert "Each financial year's running total is drawn as a line of its own, from April." in alt
    assert "2024-25 Q4: 13.2 per 1,000 (estimate) against a target of 13.5 per 1,000" in alt
    assert "2025-26 Q1: 5.1 per 1,000 against a target of 3.4 per 1,000" in alt
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption" and "CSP-01" in p.text]
    assert captions == [
        "Figure: CSP-01 Serious acquisitive crime per 1,000 population, last 2 quarters, each year's running "
        "total from April (solid line: actual; dashed line: target; pale diamond: estimate or provisional)."
    ]
