"""The master indicator workbook: read back by header label and checked against what was submitted."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from spoil import Q1

from demo.fill import IndicatorEntry

SHEETS = ["Summary", "Indicators", "History", "Exceptions", "Gaps", "Actions", "Risks", "Submissions", "Validation"]


def _rows(sheet, header_row: int = 1) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[header_row - 1]
    return [dict(zip(header, r)) for r in rows[header_row:] if any(v is not None for v in r)]


@pytest.fixture
def master(workspace):
    workspace.submit(
        "cyp.xlsx",
        indicators={
            "CYP-01": IndicatorEntry(
                actual="7.9",
                data_quality="Validated",
                commentary='=HYPERLINK("http://x","y")',
                remedial_action="Tracking tool & mentoring <b>now</b>",
            ),
        },
    )
    workspace.run()
    return workspace.master(Q1)


def test_master_has_every_sheet_in_order(master):
    assert load_workbook(master).sheetnames == SHEETS


def test_indicator_rows_carry_the_submitted_values_and_ratings(master, register):
    rows = {r["Code"]: r for r in _rows(load_workbook(master)["Indicators"])}
    cyp = [i.code for i in register.indicators_of("CYP") if i.frequency.due_in(1)]
    csp = [i.code for i in register.indicators_of("CSP") if i.frequency.due_in(1)]
    assert set(rows) == set(cyp) | {c for c in rows if c.startswith(("CSP", "HWB", "HSG", "SKL"))}
    neet = rows["CYP-01"]
    assert Decimal(str(neet["Actual"])) == Decimal("7.9")
    assert neet["RAG"] == "Red"  # 7.9% against 6.0% (lower is better, 5% tolerance)
    assert neet["Partnership"] == "Children and Young People Partnership"
    assert neet["Source file"] == "cyp.xlsx"
    for code in csp:
        assert rows[code]["RAG"] == "No data"  # CSP has not returned


def test_user_text_that_looks_like_a_formula_stays_text(master):
    book = load_workbook(master)
    sheet = book["Indicators"]
    header = [c.value for c in sheet[1]]
    column = header.index("Commentary") + 1
    cells = [row[column - 1] for row in sheet.iter_rows(min_row=2) if row[column - 1].value]
    assert any(c.value.startswith("=HYPERLINK") for c in cells)
    assert all(c.data_type == "s" for c in cells)


def test_exceptions_sheet_lists_the_red_indicator_with_its_commentary(master):
    rows = _rows(load_workbook(master)["Exceptions"])
    assert [r["Code"] for r in rows] == ["CYP-01"]
    assert rows[0]["Remedial action"] == "Tracking tool & mentoring <b>now</b>"


def test_summary_counts_returns_and_ratings(master):
    sheet = load_workbook(master)["Summary"]
    text = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(t.startswith("Data as at 10 July 2025 at 10:30.") for t in text)
    rows = _rows(sheet, header_row=5)
    by_name = {r["Partnership"]: r for r in rows}
    assert by_name["Children and Young People Partnership"]["Return"] == "Accepted"
    assert by_name["Safer Brackenford Partnership"]["Return"] == "Missing"
    assert by_name["Children and Young People Partnership"]["Red"] == 1


def test_the_same_store_gives_the_same_cells(workspace, master):
    first = [list(row) for ws in load_workbook(master) for row in ws.iter_rows(values_only=True)]
    again = workspace.master(Q1)
    second = [list(row) for ws in load_workbook(again) for row in ws.iter_rows(values_only=True)]
    assert first == second


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (.ci/run installs it)")
def test_libreoffice_opens_the_master_workbook(master, tmp_path):
    out = tmp_path / "pdf"
    result = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(master),
        ],
        capture_output=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    pdf = out / (master.stem + ".pdf")
    assert pdf.stat().st_size > 1000
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes())) >= 2


def test_a_long_commentary_gets_a_row_tall_enough_for_its_wrapped_lines(workspace):
    long_text = "Attendance fell in the spring term after the closure of two youth centres. " * 4  # 300 characters
    workspace.submit(
        "cyp.xlsx",
        indicators={
            "CYP-01": IndicatorEntry(
                actual="7.9", data_quality="Validated", commentary=long_text, remedial_action="Mentors."
            )
        },
    )
    workspace.run()
    sheet = load_workbook(workspace.master(Q1))["Indicators"]
    [row] = [r[0].row for r in sheet.iter_rows(min_row=2) if r[1].value == "CYP-01"]
    assert sheet.row_dimensions[row].height >= 15 * 8, "300 characters in a 40-wide column take 8 lines"
    short = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[1].value == "CSP-01")
    assert (sheet.row_dimensions[short].height or 15) < 15 * 8, "a row without long text stays short"


def test_a_wide_sheet_prints_across_pages_at_a_readable_size_with_its_key_columns_repeated(master):
    book = load_workbook(master)
    indicators, actions = book["Indicators"], book["Actions"]
    assert indicators.page_setup.fitToWidth >= 3 and indicators.print_title_cols == "$A:$B"
    assert actions.page_setup.fitToWidth in (1, 2)


def test_a_plain_number_shows_no_stray_decimal_point(workspace):
    # "#,##0.##" shows 245 as "245." in Excel: whole figures get "#,##0", others two places at most.
    from pipeline.returns.generate import write_templates

    write_templates(workspace.config, workspace.register, Q1, ["HSG"], out_dir=workspace.templates)
    workspace.submit(
        "hsg.xlsx",
        short="HSG",
        indicators={
            "HSG-01": IndicatorEntry(actual="245", data_quality="Validated"),
            "HSG-02": IndicatorEntry(
                actual="12.5", data_quality="Validated", commentary="Behind.", remedial_action="More sites."
            ),
        },
    )
    workspace.run()
    sheet = load_workbook(workspace.master(Q1))["Indicators"]
    header = [c.value for c in sheet[1]]
    code, actual = header.index("Code"), header.index("Actual")
    formats = {row[code].value: row[actual].number_format for row in sheet.iter_rows(min_row=2)}
    assert formats["HSG-01"] == "#,##0"
    assert formats["HSG-02"] == "#,##0.0#"


def test_every_printed_page_says_the_quarter_and_when_its_data_is_from(master):
    book = load_workbook(master)
    for name in SHEETS:
        footer = book[name].oddFooter.left.text
        assert footer.startswith(f"{name}: 2025-26 Q1 (April to June 2025), data as at 10 July 2025 at "), name


def test_a_partnership_s_full_name_wraps_instead_of_being_cut_off(master):
    sheet = load_workbook(master)["Indicators"]
    name = sheet["A2"]
    assert name.value == "Children and Young People Partnership"
    assert name.alignment.wrap_text or sheet.column_dimensions["A"].width >= len(name.value)
