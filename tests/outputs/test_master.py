"""The master indicator workbook: read back by header label and checked against what was submitted."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import textwrap
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from spoil import Q1, Q2

from demo.fill import IndicatorEntry
from pipeline.domain.records import Polarity, Scheme, parse_tolerance
from pipeline.outputs.assemble import assemble
from pipeline.outputs.docx_context import travel
from pipeline.outputs.master import write_master
from pipeline.outputs.master_book import A4_LANDSCAPE_CHARACTERS, MIN_PRINT_SCALE
from pipeline.rating.rag import period_target, rate_indicator

NRA, REST = "Neighbourhood renewal areas", "Rest of borough"
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
    rows = _rows(sheet, header_row=_summary_header_row(sheet))
    by_name = {r["Partnership"]: r for r in rows}
    assert by_name["Children and Young People Partnership"]["Return"] == "Accepted"
    assert by_name["Safer Brackenford Partnership"]["Return"] == "Missing"
    assert by_name["Children and Young People Partnership"]["Red"] == 1


def _summary_header_row(sheet) -> int:
    return next(row[0].row for row in sheet.iter_rows() if row[0].value == "Partnership")


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
    history, actions = book["History"], book["Actions"]
    assert history.page_setup.fitToWidth >= 2 and history.print_title_cols == "$A:$B"
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


# -- two quarters: the History sheet, the Indicators sheet's rules, printing ---------------------


@pytest.fixture
def two_quarters(workspace):
    """CYP returns 2025-26 Q1 and Q2 with NEET worse in Q2, with area figures; the Q2 report."""
    workspace.submit(
        "cyp-q1.xlsx",
        indicators={
            "CYP-01": IndicatorEntry(
                actual="6.2", data_quality="Validated", commentary="Near.", remedial_action="Mentors."
            )
        },
        areas={("CYP-01", NRA): Decimal("9.1"), ("CYP-01", REST): Decimal("4.4")},
    )
    workspace.run()
    workspace.reporting(Q2)
    workspace.submit(
        "cyp-q2.xlsx",
        period=Q2,
        indicators={
            "CYP-01": IndicatorEntry(
                actual="7.9", data_quality="Estimate", commentary="Worse.", remedial_action="Mentors."
            )
        },
    )
    workspace.run()
    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, Q2)
    return report, load_workbook(write_master(report, workspace.outbox))


def _history(book, area: str | None = None) -> dict[tuple[str, str], dict]:
    """The History sheet's rows for the whole area (or for `area`), by period and code."""
    return {(r["Period"], r["Code"]): r for r in _rows(book["History"]) if (r["Area"] or None) == area}


def test_history_rows_carry_what_a_pivot_of_ratings_needs(two_quarters, register):
    _report, book = two_quarters
    row = _history(book)[("2025-26 Q2", "CYP-01")]
    neet = register.by_code["CYP-01"]
    assert (row["Partnership"], row["Partnership name"]) == ("CYP", "Children and Young People Partnership")
    assert (row["Unit"], row["Polarity"], row["Cumulative"]) == (neet.unit, "Lower is better", "No")
    assert Decimal(str(row["Target"])) == period_target(neet, 2)
    assert Decimal(str(row["Actual"])) == Decimal("7.9")
    assert (row["Rating"], row["Direction"], row["Data quality"]) == ("Red", "Worsening ▼", "Estimate")
    assert re.fullmatch(r"cyp-q2\.xlsx, Indicators![A-Z]+\d+", row["Source"])
    areas = [_history(book, area)[("2025-26 Q1", "CYP-01")] for area in (NRA, REST)]
    assert [Decimal(str(a["Actual"])) for a in areas] == [Decimal("9.1"), Decimal("4.4")]
    assert [(a["Rating"], a["Target"]) for a in areas] == [(None, None), (None, None)]


def test_history_rates_every_period_as_that_period_s_own_report_did(two_quarters, workspace):
    _report, book = two_quarters
    history = _history(book)
    for period in (Q1, Q2):
        with workspace.store() as store:
            then = assemble(workspace.config, workspace.register, store, period)
        for p in then.partnerships:
            for i in p.indicators:
                row = history.get((str(period), i.indicator.code))
                if row is None:
                    assert i.actual is None, (period, i.indicator.code)
                    continue
                seen = (row["Rating"], row["Direction"], row["Direction vs last year"])
                assert seen == (
                    i.rag.value,
                    travel(i.dot_previous),
                    travel(i.dot_last_year),
                ), (period, i.indicator.code)


def test_an_indicator_not_due_this_quarter_is_still_described_in_history(workspace, register):
    annual = next(i for i in register.indicators if i.frequency.value == "Annual" and i.partnership == "CYP")
    workspace.submit("cyp.xlsx")
    workspace.run()
    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, Q1)
    # A figure for an indicator the report's period does not rate (an annual one, from last year).
    last_year = dataclasses.replace(report.history[0], code=annual.code, period="2024-25 Q4")
    report = dataclasses.replace(report, history=(last_year, *report.history))
    row = _history(load_workbook(write_master(report, workspace.outbox)))[("2024-25 Q4", annual.code)]
    assert (row["Indicator"], row["Unit"], row["Partnership name"]) == (
        annual.title,
        annual.unit,
        "Children and Young People Partnership",
    )


def test_a_rating_can_be_recomputed_from_the_indicators_sheet_alone(two_quarters, config):
    _report, book = two_quarters
    rows = _rows(book["Indicators"])
    assert {"Frequency", "Cumulative", "Tolerance", "Scheme", "Target lead", "Final target"} <= set(rows[0])

    def figure(value):
        return None if value is None else Decimal(str(value))

    for row in rows:
        recomputed = rate_indicator(
            polarity=Polarity(row["Polarity"]),
            scheme=Scheme(row["Scheme"]),
            tolerance=parse_tolerance(row["Tolerance"]),
            target=figure(row["Target this period"]),
            actual=figure(row["Actual"]),
            same_period_last_year=figure(row["Same period last year"]),
            four_level_split=config.rag.four_level_split,
        )
        assert recomputed.value == row["Computed RAG"], row["Code"]


def test_direction_of_travel_reads_as_in_the_word_documents(two_quarters):
    report, book = two_quarters
    rows = {r["Code"]: r for r in _rows(book["Indicators"])}
    for p in report.partnerships:
        for i in p.indicators:
            row = rows[i.indicator.code]
            assert row["Direction of travel"] == travel(i.dot_previous)
            assert row["Direction vs last year"] == travel(i.dot_last_year)
    exceptions = {r["Code"]: r for r in _rows(book["Exceptions"])}
    assert exceptions["CYP-01"]["Direction of travel"] == "Worsening ▼"


def test_summary_is_an_excel_table_with_the_totals_in_its_last_row(master):
    sheet = load_workbook(master)["Summary"]
    [table] = sheet.tables.values()
    first, last = table.ref.split(":")
    header_row = sheet[first].row
    assert sheet[first].value == "Partnership"
    assert sheet.cell(sheet[last].row, 1).value == "All partnerships"
    assert table.totalsRowCount == 1
    rows = _rows(sheet, header_row=header_row)
    assert len([r for r in rows if r["Partnership"] != "All partnerships"]) == 5


def test_every_sheet_prints_on_a4_landscape_with_its_headers_on_each_page(master):
    book = load_workbook(master)
    for name in SHEETS:
        sheet = book[name]
        assert (sheet.page_setup.paperSize, sheet.page_setup.orientation) == (9, "landscape"), name
        assert sheet.print_title_rows, name


def _width(sheet, column: int) -> float:
    return sheet.column_dimensions[get_column_letter(column)].width


def test_indicators_print_one_page_wide_at_a_readable_size_with_the_analysts_columns_left_off(master):
    sheet = load_workbook(master)["Indicators"]
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)  # 1 is the default
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    area = sheet.print_area[0] if isinstance(sheet.print_area, list) else sheet.print_area
    first, last = (c.replace("$", "") for c in area.split("!")[-1].split(":"))
    columns = range(sheet[first].column, sheet[last].column + 1)
    printed = [sheet.cell(1, c).value for c in columns]
    assert printed[:3] == ["Partnership", "Code", "Indicator"]
    assert {"Target this period", "Actual", "RAG", "Direction of travel", "Commentary"} <= set(printed)
    assert not {"Source file", "Submitted at", "Tolerance", "Baseline"} & set(printed), "kept for analysts"
    across = sum(_width(sheet, c) for c in columns)
    margins = sheet.page_margins.left + sheet.page_margins.right  # inches
    page = A4_LANDSCAPE_CHARACTERS * (11.69 - margins) / (11.69 - 1.4)  # 1.4": the widths' default margins
    assert page / across >= MIN_PRINT_SCALE, f"{across} characters print at {page / across:.0%}"


def test_no_header_of_the_indicators_sheet_is_cut_off(master):
    sheet = load_workbook(master)["Indicators"]
    height = sheet.row_dimensions[1].height or 15
    for cell in sheet[1]:
        width = _width(sheet, cell.column)
        lines = len(textwrap.wrap(cell.value, int(width) - 1))  # a bold header needs a little more room
        assert lines == 1 or cell.alignment.wrap_text, cell.value
        assert height >= 15 * lines, cell.value


def test_a_return_sent_before_the_quarter_ended_is_marked_part_quarter_wherever_its_figures_appear(workspace):
    from datetime import UTC, datetime

    red = IndicatorEntry(actual="7.9", commentary="Two schools late.", remedial_action="Mentoring.")
    workspace.now = datetime(2025, 6, 27, 9, 0, tzinfo=UTC)  # Q1 ends on 30 June
    workspace.submit("cyp-early.xlsx", indicators={"CYP-01": red})
    workspace.run()

    book = load_workbook(workspace.master(Q1))

    indicators = {r["Code"]: r for r in _rows(book["Indicators"])}
    assert indicators["CYP-01"]["Part quarter"] == "Yes"
    assert indicators["CSP-01"]["Part quarter"] is None, "no return, no figure to mark"
    [exception] = [r for r in _rows(book["Exceptions"]) if r["Code"] == "CYP-01"]
    assert exception["Part quarter"] == "Yes"
    [early] = _rows(book["Submissions"])
    assert (early["File"], early["Counts"], early["Part quarter"]) == ("cyp-early.xlsx", "Yes", "Yes")

    workspace.now = datetime(2025, 7, 10, 9, 0, tzinfo=UTC)
    workspace.submit("cyp-full.xlsx", indicators={"CYP-01": red})
    workspace.run()

    book = load_workbook(workspace.master(Q1))
    assert {r["Code"]: r for r in _rows(book["Indicators"])}["CYP-01"]["Part quarter"] == "No"
    submissions = {r["File"]: (r["Counts"], r["Part quarter"]) for r in _rows(book["Submissions"])}
    assert submissions == {"cyp-early.xlsx": ("No (superseded)", "Yes"), "cyp-full.xlsx": ("Yes", "No")}


def test_submissions_sheet_shows_the_cover_highlight_answers(workspace):
    workspace.submit(
        "cyp.xlsx",
        cover={
            "key_achievements": "Two new youth hubs opened.",
            "next_quarter_plans": "Recruit mentors for the NEET pilot.",
            "board_issues": "Decision needed on hub funding.",
            "overall_status": "Some concerns",
        },
    )
    workspace.run()

    [submission] = _rows(load_workbook(workspace.master(Q1))["Submissions"])
    assert submission["Key achievements"] == "Two new youth hubs opened."
    assert submission["Plans for next quarter"] == "Recruit mentors for the NEET pilot."
    assert submission["Issues and decisions for the board"] == "Decision needed on hub funding."
    assert submission["Overall status"] == "Some concerns"
