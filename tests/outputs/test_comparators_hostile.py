"""A comparators workbook that is not what it should be: refused with a finding naming why, through
`pipeline check`, never an internal error; the packs are still made without it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from registers import DEMO_REGISTER, write_config

from pipeline.cli import main


def _check(tmp_path: Path, comparators: Path) -> tuple[int, str]:
    demo = (DEMO_REGISTER.parent / "comparators.xlsx").as_posix()
    config = write_config(
        tmp_path, DEMO_REGISTER, replace={f"comparators = '{demo}'": f"comparators = '{comparators.as_posix()}'"}
    )
    out = io.StringIO()
    return main(["--config", str(config), "check"], stdout=out), out.getvalue()


def _book(tmp_path: Path, *rows: list) -> Path:
    path = tmp_path / "comparators.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Comparators")
    ws.write_row(0, 0, ["Period", "Code", "Comparator", "Value", "Lower CI", "Upper CI"])
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif value is not None:
                ws.write_number(r, c, value)
    book.close()
    return path


def test_a_comparators_file_that_is_not_a_workbook_is_refused_naming_it(tmp_path):
    path = tmp_path / "comparators.xlsx"
    path.write_text("Period,Code\n")
    status, out = _check(tmp_path, path)
    assert status == 1
    assert "comparators.xlsx could not be read as the comparators workbook" in out


def test_a_comparators_zip_bomb_is_refused_before_openpyxl_inflates_it(tmp_path):
    path = tmp_path / "comparators.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 300_000_000)
    status, out = _check(tmp_path, path)
    assert status == 1
    assert "comparators.xlsx could not be read as the comparators workbook" in out


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "sNaN"])
def test_a_comparator_figure_typed_as_not_a_number_or_infinity_is_refused(tmp_path, value):
    status, out = _check(tmp_path, _book(tmp_path, ["2025-26 Q1", "CYP-01", "England", value, None, None]))
    assert status == 1
    assert "row 2 (CYP-01, England) has a Value or CI that is not a number" in out


def test_a_comparator_whose_lower_ci_is_above_its_upper_ci_is_refused(tmp_path):
    status, out = _check(tmp_path, _book(tmp_path, ["2025-26 Q1", "CYP-01", "England", 5, 6, 4]))
    assert status == 1
    assert "row 2 (CYP-01, England) has a Lower CI above its Upper CI" in out


def test_a_comparator_figure_typed_in_a_percent_cell_is_read_as_the_percentage_shown(config, tmp_path):
    # Excel keeps 5.5% as 0.055; read as 0.055 it would be "Better" than a local 4.9% to 6.1% on sight.
    from decimal import Decimal

    from pipeline.outputs.comparator_book import read_comparators
    from pipeline.register.workbook import read_register

    path = tmp_path / "comparators.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Comparators")
    percent = book.add_format({"num_format": "0.0%"})
    ws.write_row(0, 0, ["Period", "Code", "Comparator", "Value", "Lower CI", "Upper CI"])
    ws.write_row(1, 0, ["2025-26 Q1", "CYP-01", "England"])
    for column, value in ((3, 0.055), (4, 0.054), (5, 0.056)):
        ws.write_number(1, column, value, percent)
    book.close()
    england = read_comparators(path, read_register(config.paths.register)[0]).of("2025-26 Q1", "CYP-01")["England"]
    assert (england.value, england.lower, england.upper) == (Decimal("5.5"), Decimal("5.4"), Decimal("5.6"))


def test_a_comparator_named_like_a_formula_with_markup_comes_out_as_typed(tmp_path, register, return_templates):
    from decimal import Decimal

    from docx import Document
    from openpyxl import load_workbook
    from spoil import Q1, Workspace, outcome

    name = '=HYPERLINK("http://example.com","x") <b>England</b> & co'
    path = tmp_path / "comparators.xlsx"
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    ws = book.add_worksheet("Comparators")
    ws.write_row(0, 0, ["Period", "Code", "Comparator", "Value"])
    ws.write_row(1, 0, ["2025-26 Q1", "CYP-01", name, 5.0])
    ws.write_row(2, 0, ["2025-26 Q1", "CYP-01", name, 5.0])  # twice: the Validation sheet quotes the name
    book.close()
    demo = (DEMO_REGISTER.parent / "comparators.xlsx").as_posix()
    workspace = Workspace(
        tmp_path / "workspace",
        register,
        return_templates,
        replace={f"comparators = '{demo}'": f"comparators = '{path.as_posix()}'"},
    )
    workspace.submit(
        "cyp.xlsx", indicators={"CYP-01": {"actual": Decimal("5.5"), "numerator": 220, "denominator": 4000}}
    )
    assert outcome(workspace.run(), "cyp.xlsx").verdict == "accepted"
    master = load_workbook(workspace.master(Q1))
    headers = [c.value for c in next(master["Indicators"].iter_rows(min_row=1, max_row=1))]
    assert f"Compared with {name}" in headers
    quoted = [c for row in master["Validation"].iter_rows() for c in row if c.value == name]
    assert quoted and all(c.data_type == "s" for c in quoted)
    from pipeline.outputs.assemble import assemble
    from pipeline.outputs.documents import write_documents

    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, Q1)
    paths = write_documents(report, workspace.config, workspace.outbox / Q1.slug, pdf=False)
    highlight = next(p for p in paths if p.name.startswith("highlight-CYP"))
    texts = [c.text for t in Document(str(highlight)).tables for r in t.rows for c in r.cells]
    assert any(f"{name}: Similar" in t for t in texts)
