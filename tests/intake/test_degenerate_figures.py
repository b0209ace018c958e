"""A figure no return can mean (1e-322, 1e300) is refused naming its cell; charts draw any
range; and one document that cannot be made never stops the other outputs of a pass."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from registers import DEMO_REGISTER, demo_book, run_cli, write_register
from spoil import Q1, Workspace, cell_of

from demo.fill import IndicatorEntry
from pipeline.register.workbook import read_register

RECEIVED = ["--received", "2025-07-10T10:30"]


def workspace_with(tmp_path: Path, book) -> Workspace:
    """A workspace whose register is `book`, with its own templates made by `pipeline templates`."""
    path = write_register(tmp_path / "register.xlsx", book)
    register, _findings = read_register(path)
    templates = tmp_path / "templates"
    workspace = Workspace(
        tmp_path / "workspace",
        register,
        templates,
        replace={f"register = '{DEMO_REGISTER.as_posix()}'": f"register = '{path.as_posix()}'"},
    )
    from pipeline.returns.generate import write_templates

    write_templates(workspace.config, register, Q1, ["CYP", "CSP"], out_dir=templates)
    return workspace


def run(workspace: Workspace) -> tuple[int, str, str]:
    return run_cli(["--config", str(workspace.config.source), "-q", "run", "--no-pdf", *RECEIVED])


@pytest.fixture
def zero_target(tmp_path) -> Workspace:
    """CYP-04 (a rate per 1,000, lower is better) with a target of 0."""
    book = demo_book()
    for label in ("Annual target", "Final target"):
        book["Indicators"].set("CYP-04", label, 0)
    return workspace_with(tmp_path, book)


@pytest.mark.parametrize("figure", [1e-322, "1e-322", 5e-10, "0.0000000001"])
def test_a_figure_too_small_to_mean_anything_is_refused_naming_its_cell_and_the_packs_are_made(zero_target, figure):
    zero_target.submit("csp.xlsx", short="CSP")
    cyp = zero_target.submit(
        "cyp.xlsx",
        indicators={
            "CYP-04": IndicatorEntry(
                actual=figure, data_quality="Validated", commentary="Up.", remedial_action="Working on it."
            )
        },
    )
    code, out, err = run(zero_target)
    assert (code, err) == (1, "")
    cell = cell_of(zero_target.drafts / cyp.name, "Indicators", "CYP-04", "Actual")
    assert f"          Indicators!{cell}: CYP-04: " in out
    assert "is too small to be a figure" in out
    assert "ACCEPTED  CSP 2025-26 Q1" in out
    assert (zero_target.outbox / "2025-26-Q1" / "master-2025-26-Q1.xlsx").is_file()
    assert (zero_target.outbox / "2025-26-Q1" / "highlight-CSP-2025-26-Q1.docx").is_file()


def test_a_figure_far_larger_than_its_unit_allows_is_refused_naming_its_cell(zero_target):
    zero_target.submit("cyp.xlsx", indicators={"CYP-04": {"actual": 2_000_000}})
    code, out, _err = run(zero_target)
    assert code == 1
    assert (
        '          Indicators!J4: CYP-04: "2000000" is far larger than a figure in rate per 1,000 can be '
        "(at most 1,000,000). Check for a typing slip."
    ) in out.splitlines()


def test_a_pasted_formula_result_is_kept_to_the_15_digits_excel_shows(tmp_path):
    workspace = workspace_with(tmp_path, demo_book())
    workspace.submit("cyp.xlsx", indicators={"CYP-04": {"actual": 100 / 3}})  # 33.333333333333336
    code, out, _err = run(workspace)
    assert code == 0, out
    with workspace.store() as store:
        assert store.actuals()[("CYP-04", "2025-26 Q1")] == Decimal("33.3333333333333")


# -- one document that cannot be made ----------------------------------------------------------


def test_a_highlight_report_that_cannot_be_made_stops_neither_the_other_outputs_nor_the_next_pass(
    tmp_path, monkeypatch
):
    import pipeline.outputs.documents as documents

    workspace = workspace_with(tmp_path, demo_book())
    workspace.submit("cyp.xlsx")
    workspace.submit("csp.xlsx", short="CSP")
    context = documents.highlight_context

    def fails_for_cyp(report, p, *args):
        if p.partnership.short_name == "CYP":
            raise ZeroDivisionError("float division by zero")
        return context(report, p, *args)

    monkeypatch.setattr(documents, "highlight_context", fails_for_cyp)
    code, out, _err = run(workspace)
    assert code == 4
    said = (
        "highlight-CYP-2025-26-Q1.docx could not be made: ZeroDivisionError: float division by zero. "
        "The other outputs for 2025-26 Q1 were written; the next pass makes it again."
    )
    assert f"NOT MADE  -                {said}" in out.splitlines()
    assert "ACCEPTED  CYP 2025-26 Q1   cyp.xlsx" in out
    folder = workspace.outbox / "2025-26-Q1"
    made = sorted(p.name for p in folder.glob("*.*"))
    assert made == ["board-paper-2025-26-Q1.docx"] + [
        f"highlight-{short}-2025-26-Q1.docx" for short in ("CSP", "HSG", "HWB", "SKL")
    ] + ["master-2025-26-Q1.xlsx"]
    log = (workspace.state / "logs" / "pipeline.log").read_text(encoding="utf-8")
    assert (
        "ERROR pipeline.outputs.documents: Could not make highlight-CYP-2025-26-Q1.docx: ZeroDivisionError: "
        "float division by zero" in log
    )

    monkeypatch.undo()  # whatever it was is put right: the next pass, with nothing new, makes the report
    code, out, _err = run(workspace)
    assert code == 0, out
    assert (folder / "highlight-CYP-2025-26-Q1.docx").is_file()
    code, out, _err = run(workspace)
    assert (code, out) == (0, "Nothing new in the inbox.\n"), "built once it was all made"


def test_a_board_paper_that_cannot_be_made_is_said_by_pipeline_report_after_what_was_made(tmp_path, monkeypatch):
    import pipeline.outputs.documents as documents

    workspace = workspace_with(tmp_path, demo_book())
    workspace.submit("cyp.xlsx")
    assert run(workspace)[0] == 0
    monkeypatch.setattr(documents, "board_context", lambda *args: 1 / 0)
    code, out, err = run_cli(
        ["--config", str(workspace.config.source), "-q", "report", "--period", "2025-26 Q1", "--no-pdf"]
    )
    assert code == 4
    assert [Path(line).name for line in out.splitlines()] == ["master-2025-26-Q1.xlsx"] + [
        f"highlight-{short}-2025-26-Q1.docx" for short in ("CYP", "CSP", "HWB", "HSG", "SKL")
    ]
    assert err.endswith(
        "pipeline: error: board-paper-2025-26-Q1.docx could not be made: ZeroDivisionError: "
        "division by zero. The other outputs for 2025-26 Q1 were written; the next pass makes it "
        "again.\n"
    )
