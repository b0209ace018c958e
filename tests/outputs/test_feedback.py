"""Feedback to the submitter: a text summary listing each problem, and a copy of their own
workbook with a comment on every problem cell and a first 'Feedback' sheet."""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from registers import TEMPLATES, run_cli
from spoil import Q1, Workspace, edit_header, editing, header_column, outcome, row_of, saved_by_libreoffice

from pipeline.domain.errors import TemplateError
from pipeline.domain.findings import finding
from pipeline.domain.history import FileRecord
from pipeline.outputs.feedback import Due
from pipeline.runtime.cycle import run_once
from pipeline.store import Store

FORMULA = '=HYPERLINK("http://x","y")'


def feedback_files(workspace: Workspace, result) -> tuple[Path, Path]:
    """The .feedback.txt and .feedback.xlsx written for a file, named after its stored name."""
    stem = Path(result.destination.rsplit("/", 1)[1]).stem
    folder = workspace.outbox / "feedback" / "2025-26-Q1"
    return folder / f"{stem}.feedback.txt", folder / f"{stem}.feedback.xlsx"


@pytest.fixture
def return_with_three_problems(workspace):
    return workspace.submit(
        "CYP Q1 v1.xlsx",
        indicators={
            "CYP-05": {"actual": "twelve"},
            "CYP-04": {"actual": 60, "remedial_action": "Targeted clinics."},
        },
        risks={"CYP-R1": {"likelihood": 7}},
    )


def test_rejected_return_gets_a_text_summary_listing_each_problem(workspace, return_with_three_problems):
    result = outcome(workspace.run(), "CYP Q1 v1.xlsx")
    text_path, _ = feedback_files(workspace, result)

    text = text_path.read_text(encoding="utf-8")

    assert text.startswith("Feedback on CYP Q1 v1.xlsx\nReceived 10 July 2025 at 10:30 (UK time)\n")
    assert "Not accepted: please correct the problems below and send the return again." in text
    assert "Problems to correct (3):" in text
    for line in (
        '  - Indicators!J5: CYP-05: "twelve" is not a number. Type the figure in digits, e.g. 12.5.',
        "  - Indicators!L4: CYP-04 is Red against its target of 34 per 1,000, but has no commentary.",
        "  - Risks!D2: Risk 'CYP-R1': likelihood '7' is not a whole number from 1 to 5.",
    ):
        assert line in text, text


def test_rejected_return_gets_its_own_workbook_back_with_a_comment_on_each_problem_cell(
    workspace, return_with_three_problems
):
    result = outcome(workspace.run(), "CYP Q1 v1.xlsx")
    _, book_path = feedback_files(workspace, result)

    book = load_workbook(book_path)

    assert book.sheetnames[0] == "Feedback"
    assert book.active.title == "Feedback"
    assert book["Indicators"]["J5"].value == "twelve", "the submitter's own figures are kept"
    assert (
        book["Indicators"]["J5"].comment.text
        == 'CYP-05: "twelve" is not a number. Type the figure in digits, e.g. 12.5.'
    )
    assert book["Indicators"]["L4"].comment.text.startswith("CYP-04 is Red against its target")
    assert book["Risks"]["D2"].comment.text.startswith("Risk 'CYP-R1': likelihood '7'")
    assert book["Indicators"]["J2"].comment is None, "cells without a problem carry no comment"
    listed = [row for row in book["Feedback"].iter_rows(min_row=2, values_only=True) if any(row)]
    assert sorted((severity, where) for severity, where, *_ in listed) == [
        ("Error", "Indicators!J5"),
        ("Error", "Indicators!L4"),
        ("Error", "Risks!D2"),
    ]
    feedback = book["Feedback"]  # printed: across a landscape page, the long texts wrapped
    assert (feedback.page_setup.orientation, feedback.page_setup.fitToWidth) == ("landscape", 1)
    assert feedback["C2"].alignment.wrap_text and feedback["D2"].alignment.wrap_text
    long = [r for r in range(2, feedback.max_row + 1) if len(feedback.cell(r, 4).value or "") > 48]
    assert long and all(feedback.row_dimensions[r].height >= 30 for r in long), "a wrapped fix has room for its lines"


def test_accepted_return_with_a_warning_gets_feedback_saying_it_was_accepted(workspace):
    workspace.submit("unsigned.xlsx", cover={"signed_off": "No"})
    result = outcome(workspace.run(), "unsigned.xlsx")
    text_path, book_path = feedback_files(workspace, result)

    text = text_path.read_text(encoding="utf-8")

    assert "Accepted for CYP, 2025-26 Q1. Thank you." in text
    assert "Please check (1):" in text
    assert "Cover!B8: The chair has not signed off this return, so its figures are provisional." in text
    assert load_workbook(book_path)["Cover"]["B8"].comment.text.startswith("The chair has not signed off")


def test_file_that_is_not_a_return_gets_a_text_summary_only(workspace):
    (workspace.drafts / "notes.xlsx").write_bytes(b"Q1 figures to follow\n")
    workspace.drop(workspace.drafts / "notes.xlsx")
    result = outcome(workspace.run(), "notes.xlsx")

    stem = Path(result.destination.rsplit("/", 1)[1]).stem
    folder = workspace.outbox / "feedback" / "unrecognised"
    assert "Not accepted" in (folder / f"{stem}.feedback.txt").read_text(encoding="utf-8")
    assert not (folder / f"{stem}.feedback.xlsx").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (.ci/run installs it)")
def test_an_ods_return_gets_an_xlsx_copy_of_what_was_read_with_a_comment_on_each_problem_cell(workspace, tmp_path):
    draft = workspace.fill("cyp.xlsx", indicators={"CYP-05": {"actual": "twelve"}})
    with editing(draft) as filled:  # 6% typed in a percentage cell
        ws = filled["Indicators"]
        six = ws.cell(row_of(ws, "CYP-01"), header_column(ws, "Actual"))
        six.value, six.number_format = 0.06, "0%"
    workspace.drop(saved_by_libreoffice(draft, tmp_path))

    code, _out, _err = run_cli(
        ["--config", str(workspace.config.source), "-q", "run", "--no-pdf", "--received", "2025-07-10T10:30"]
    )

    assert code == 1  # the return was rejected
    [book_path] = (workspace.outbox / "feedback" / "2025-26-Q1").glob("*-cyp.feedback.xlsx")
    assert zipfile.is_zipfile(book_path) and "xl/workbook.xml" in zipfile.ZipFile(book_path).namelist()
    book = load_workbook(book_path)
    assert book.sheetnames[0] == "Feedback"
    assert {"Cover", "Indicators", "Actions", "Risks"} <= set(book.sheetnames)
    wrong = book["Indicators"]["J5"]
    assert wrong.value == "twelve", "the submitter's own entry, in its own cell"
    assert wrong.comment.text == 'CYP-05: "twelve" is not a number. Type the figure in digits, e.g. 12.5.'
    assert wrong.fill.start_color.rgb.endswith("FFC7CE")
    assert book["Indicators"]["A5"].value == "CYP-05", "the cells without a problem are copied too"
    assert book["Indicators"]["J2"].comment is None
    assert (book["Indicators"]["J2"].value, book["Indicators"]["J2"].number_format) == (0.06, "0.00%")
    assert book["_meta"].sheet_state != "visible", "a sheet hidden in the return stays hidden"
    listed = [row[:2] for row in book["Feedback"].iter_rows(min_row=2, values_only=True) if any(row)]
    assert listed == [("Error", "Indicators!J5")]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (.ci/run installs it)")
def test_an_old_excel_xls_return_gets_its_annotated_copy_as_xlsx_too(workspace, tmp_path):
    draft = workspace.fill("cyp.xlsx", indicators={"CYP-05": {"actual": "twelve"}})
    workspace.drop(saved_by_libreoffice(draft, tmp_path, "xls"))

    result = outcome(workspace.run(), "cyp.xls")

    _, book_path = feedback_files(workspace, result)
    wrong = load_workbook(book_path)["Indicators"]["J5"]
    assert (wrong.value, wrong.comment.text) == (
        "twelve",
        'CYP-05: "twelve" is not a number. Type the figure in digits, e.g. 12.5.',
    )


# -- a formula typed as commentary stays text everywhere ----------------------------------------


@pytest.fixture
def return_with_formula_like_commentary_and_an_error(workspace):
    return workspace.submit(
        "formula.xlsx", indicators={"CYP-01": {"commentary": FORMULA}, "CYP-05": {"actual": "twelve"}}
    )


def test_formula_like_commentary_stays_text_in_the_feedback_workbook(
    workspace, return_with_formula_like_commentary_and_an_error
):
    result = outcome(workspace.run(), "formula.xlsx")
    _, book_path = feedback_files(workspace, result)

    book = load_workbook(book_path)

    commentary = book["Indicators"]["L2"]
    assert (commentary.value, commentary.data_type) == (FORMULA, "s")
    values = [c for row in book["Feedback"].iter_rows() for c in row if isinstance(c.value, str)]
    echoed = [c for c in values if FORMULA in c.value or c.value.startswith("=")]
    assert all(c.data_type == "s" for c in echoed)
    assert not any(c.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)


def test_formula_like_commentary_stays_text_in_the_store_and_the_master_workbook(workspace):
    workspace.submit("formula.xlsx", indicators={"CYP-01": {"commentary": FORMULA}})
    assert outcome(workspace.run(), "formula.xlsx").verdict == "accepted"
    with workspace.store() as store:
        assert [h.commentary for h in store.history() if h.code == "CYP-01"] == [FORMULA]

    master = load_workbook(workspace.master(Q1))

    cells = [c for ws in master.worksheets for row in ws.iter_rows() for c in row]
    shown = [c for c in cells if c.value == FORMULA]
    assert shown, "the commentary appears in the master workbook"
    assert all(c.data_type == "s" for c in shown)
    assert not any(c.data_type == "f" and "HYPERLINK" in str(c.value) for c in cells)
    assert not any(ws._hyperlinks for ws in master.worksheets)


def _warned_return(workspace):
    """An accepted CYP return with one warning on a cell: a figure missing for one of CYP-01's areas."""
    return workspace.submit("CYP Q1.xlsx", areas={("CYP-01", "Rest of borough"): None})


def test_a_return_with_an_edited_header_comes_back_with_that_header_cell_marked(workspace):
    path = edit_header(workspace.fill("CYP edited.xlsx"), "Indicators", "Actual", "Actual figure")
    workspace.drop(path)
    result = outcome(workspace.run(), "CYP edited.xlsx")
    _, book_path = feedback_files(workspace, result)

    book = load_workbook(book_path)
    [marked] = [c for row in book["Indicators"].iter_rows(max_row=1) for c in row if c.comment]
    assert marked.value == "Actual figure"
    assert "Put the header 'Actual' back" in marked.comment.text


def test_a_full_pass_marks_up_an_accepted_return_while_it_builds_the_packs(workspace):
    _warned_return(workspace)
    report = run_once(workspace.config, now=lambda: workspace.now, pdf=False)

    [annotated] = [p for p in report.feedback if p.suffix == ".xlsx"]
    book = load_workbook(annotated)
    assert book.sheetnames[0] == "Feedback"
    assert [c for row in book["Areas"].iter_rows() for c in row if c.comment], "the blank area cell has a comment"
    assert report.built["2025-26 Q1"], "the packs were built in the same pass"
    with Store(workspace.config.paths.database) as store:
        assert store.feedback_due() == []


def test_an_old_quarter_with_only_a_rejected_return_gets_no_pack_until_one_is_accepted(workspace):
    workspace.now = datetime(2026, 6, 1, 9, tzinfo=UTC)  # 2025-26 Q1 is long past, not being collected
    workspace.submit("CYP wrong.xlsx", indicators={"CYP-05": {"actual": "lots"}})

    first = run_once(workspace.config, now=lambda: workspace.now, pdf=False)

    assert [o.verdict for o in first.ingest.outcomes] == ["rejected"]
    assert first.built == {}, "a pack of a quarter with no figures would be an empty board paper"
    assert not (workspace.outbox / "2025-26-Q1").exists()
    assert [p.suffix for p in first.feedback] == [".txt", ".xlsx"], "the submitter is still told"

    workspace.submit("CYP right.xlsx")
    second = run_once(workspace.config, now=lambda: workspace.now, pdf=False)

    assert second.built["2025-26 Q1"]


def test_a_back_dated_run_decides_as_pipeline_report_does_whether_a_quarter_is_being_collected(workspace):
    # The pass's clock is July 2025 (as `run --received 2025-07-10T10:30` sets it), when 2025-26 Q1 was being
    # collected; the pack is made today, when it is not, and `pipeline report` would refuse it.
    workspace.submit("CYP wrong.xlsx", indicators={"CYP-05": {"actual": "lots"}})

    report = run_once(workspace.config, now=lambda: workspace.now, pdf=False)

    assert [o.verdict for o in report.ingest.outcomes] == ["rejected"]
    assert report.built == {}


def test_the_summary_names_the_partnership_as_the_e_mails_do(workspace):
    _warned_return(workspace)
    report = run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    [summary] = [p for p in report.feedback if p.suffix == ".txt"]
    assert "Accepted for Children and Young People Partnership, 2025-26 Q1. Thank you." in summary.read_text()


def test_a_second_process_gets_ready_for_the_feedback_only_while_files_arrive(workspace, monkeypatch):
    import pipeline.support.worker as background

    readied = []

    class Recorded(background.Standby):
        def __init__(self, prepare, *, fork=True):
            readied.append(fork)
            super().__init__(prepare, fork=fork)

    monkeypatch.setattr(background, "Standby", Recorded)
    _warned_return(workspace)
    report = run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert [p.suffix for p in report.feedback] == [".txt", ".xlsx"]
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert readied == [True, False], "a pass with an empty inbox starts no second process"


def test_submitters_are_told_even_when_the_packs_cannot_be_built(tmp_path, register, return_templates):
    folder = shutil.copytree(TEMPLATES, tmp_path / "templates")
    (folder / "highlight-report.docx").write_bytes(b"not a Word document")  # an officer's edit gone wrong
    workspace = Workspace(
        tmp_path / "ws",
        register,
        return_templates,
        replace={f"templates = '{TEMPLATES.as_posix()}'": f"templates = '{folder.as_posix()}'"},
    )
    _warned_return(workspace)

    [broken] = run_once(workspace.config, now=lambda: workspace.now, pdf=False).incomplete
    assert isinstance(broken, TemplateError) and "highlight-report.docx cannot be opened" in str(broken)

    stems = sorted(p.name for p in (workspace.outbox / "feedback" / "2025-26-Q1").iterdir())
    assert [s.rsplit(".", 2)[-2:] for s in stems] == [["feedback", "txt"], ["feedback", "xlsx"]]
    with Store(workspace.config.paths.database) as store:
        assert store.feedback_due() == [], "told once, so not told again on the next pass"


def test_a_pass_names_each_file_it_reads_then_the_packs_it_builds(workspace):
    _warned_return(workspace)
    files, stages = [], []
    run_once(workspace.config, now=lambda: workspace.now, pdf=False, progress=files.append, stage=stages.append)
    assert files == ["CYP Q1.xlsx"]
    assert stages == ["Building the packs for 2025-26 Q1"]


def test_ctrl_c_during_the_build_stops_the_pass_without_telling_anyone(workspace, monkeypatch):
    import pipeline.runtime.cycle as cycle

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    _warned_return(workspace)
    monkeypatch.setattr(cycle, "build_period", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    with Store(workspace.config.paths.database) as store:
        assert len(store.feedback_due()) == 1, "told on the next pass, not while the officer stops this one"


def test_when_feedback_fails_too_after_a_failed_build_the_build_error_is_the_one_shown(
    tmp_path, register, return_templates, monkeypatch
):
    import pipeline.runtime.cycle as cycle

    folder = shutil.copytree(TEMPLATES, tmp_path / "templates")
    (folder / "highlight-report.docx").write_bytes(b"not a Word document")
    workspace = Workspace(
        tmp_path / "ws",
        register,
        return_templates,
        replace={f"templates = '{TEMPLATES.as_posix()}'": f"templates = '{folder.as_posix()}'"},
    )
    _warned_return(workspace)

    def mail_down(*args, **kwargs):
        raise OSError("the mail folder is full")

    monkeypatch.setattr(cycle, "give_feedback", mail_down)
    [broken] = run_once(workspace.config, now=lambda: workspace.now, pdf=False).incomplete
    assert isinstance(broken, TemplateError) and "highlight-report.docx cannot be opened" in str(broken)


@pytest.mark.parametrize(
    "partnership, verdict, cell, marked_up",
    [
        ("CYP", "rejected", "J5", True),
        ("CYP", "accepted", "J5", True),  # a warning on a cell: their copy shows where to look
        ("CYP", "rejected", "", False),  # nothing to point at: the text summary says it all
        ("", "rejected", "J5", False),  # not recognised as a return: never opened with openpyxl
        ("CYP", "duplicate", "J5", False),
    ],
)
def test_which_returns_get_their_own_workbook_back_marked_up(partnership, verdict, cell, marked_up):
    record = FileRecord(
        id=1,
        sha256="0" * 64,
        name="r.xlsx",
        size=1,
        received_at="2025-07-10T09:30:00Z",
        location="archive/r.xlsx",
        verdict=verdict,
        destination=None,
        reason="",
        period="2025-26 Q1",
        partnership=partnership,
        duplicate_of=None,
        decided_at=None,
    )
    found = [finding("not-a-number", "CYP-05: 'twelve' is not a number.", sheet="Indicators", cell=cell)]
    assert Due(record, found).annotate is marked_up


def test_the_xlsx_copy_of_an_ods_return_keeps_what_it_read_as_it_was_shown_and_never_as_a_formula(tmp_path):
    from datetime import date

    from pipeline.domain.cells import CellError, ReadCopy, SheetCopy, read_copy_path, to_json
    from pipeline.domain.verdicts import Verdict
    from pipeline.outputs.feedback import write_annotated

    state, outbox = tmp_path / "state", tmp_path / "outbox"
    cells = {
        (0, 0): FORMULA,
        (0, 1): "bell\x07 rang",
        (0, 2): CellError("#DIV/0!"),
        (0, 3): CellError("Err:502"),
        (0, 4): date(2025, 6, 30),
        (0, 5): 12,
    }
    read_copy_path(state, "a" * 64).parent.mkdir(parents=True)
    read_copy_path(state, "a" * 64).write_text(to_json(ReadCopy("ods", (SheetCopy("Indicators", "visible", cells),))))
    record = FileRecord(
        id=1,
        sha256="a" * 64,
        name="r.ods",
        size=1,
        received_at="2025-07-10T09:30:00Z",
        location="quarantine/20250710T093000Z-aaaaaaaaaaaa-r.ods",
        verdict=Verdict.REJECTED,
        destination="quarantine/20250710T093000Z-aaaaaaaaaaaa-r.ods",
        reason="",
        period="2025-26 Q1",
        partnership="CYP",
        duplicate_of=None,
        decided_at=None,
    )
    problem = finding("not-a-number", "Not a number.", "Type digits.", sheet="Indicators", cell="F1")

    path = write_annotated(outbox, state, record, [problem])

    assert path is not None and path.name == "20250710T093000Z-aaaaaaaaaaaa-r.feedback.xlsx"
    row = next(load_workbook(path)["Indicators"].iter_rows(max_row=1))
    assert [(c.value, c.data_type) for c in row[:4]] == [
        (FORMULA, "s"),
        ("bell rang", "s"),
        ("#DIV/0!", "e"),
        ("Err:502", "s"),
    ]
    assert row[4].is_date and row[4].value.date() == date(2025, 6, 30)
    assert (row[5].value, row[5].comment.text) == (12, "Not a number. Type digits.")
