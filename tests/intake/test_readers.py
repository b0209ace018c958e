"""The reading layer: workbooks built here with openpyxl, CSV written here, and a few corpus files."""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from pipeline.intake.read.reader import CellError, ReaderPool, Sheet, Workbook, read_file
from pipeline.intake.screen.safety import Limits

CORPUS = Path(__file__).parents[3] / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path(os.environ.get("PIPELINE_CORPUS", "/nonexistent"))
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="hostile corpus not found")


@pytest.fixture(scope="module")
def pool():
    with ReaderPool() as shared:
        yield shared


def saved(tmp_path: Path, build, name: str = "return.xlsx") -> Path:
    book = openpyxl.Workbook()
    build(book)
    book.save(tmp_path / name)
    return tmp_path / name


def test_values_keep_their_types_and_positions(pool, tmp_path):
    def build(book):
        ws = book.active
        ws.title = "Indicators"
        ws["A1"], ws["B1"], ws["C1"], ws["D1"] = "CS01", 12, 12.5, True
        ws["J14"] = datetime(2025, 6, 30, 9, 30)

    result = pool.read(saved(tmp_path, build))
    sheet = result.workbook.sheet("Indicators")
    assert result.findings == ()
    assert [sheet.value(0, c) for c in range(4)] == ["CS01", 12, 12.5, True]
    assert sheet.value(13, 9) == datetime(2025, 6, 30, 9, 30)
    assert sheet.value(5, 5) is None
    assert result.workbook.kind == "xlsx"


def test_an_error_cell_comes_back_as_an_error_value_and_a_finding(pool, tmp_path):
    def build(book):
        book.active["A1"] = 1
        book.active["B1"] = "#N/A"  # openpyxl writes this as an error cell

    result = pool.read(saved(tmp_path, build))
    assert result.rejected
    assert result.workbook.sheets[0].value(0, 1) == CellError("#N/A")
    assert [f.line() for f in result.findings] == [
        "Sheet!B1: Sheet!B1 shows #N/A. Correct the formula or type the figure, so the cell shows a value."
    ]


def test_a_merged_range_keeps_its_value_in_the_top_left_cell(pool, tmp_path):
    def build(book):
        book.active["B2"] = "Community safety"
        book.active.merge_cells("B2:D3")

    sheet = pool.read(saved(tmp_path, build)).workbook.sheets[0]
    assert sheet.merged == ("B2:D3",)
    assert sheet.cells == {(1, 1): "Community safety"}


def test_cells_with_a_percent_format_are_known_on_their_sheet(pool, tmp_path):
    """12.5% typed in Excel is kept as 0.125 in a %-formatted cell; calamine gives the 0.125 alone."""

    def build(book):
        ws = book.active
        ws.title = "Indicators"
        ws["J2"], ws["J3"], ws["J4"] = 0.125, 0.125, 0.5
        ws["J2"].number_format = "0.0%"
        ws["J4"].number_format = "0%"
        book.create_sheet("Areas")["F2"] = 0.091

    book = pool.read(saved(tmp_path, build)).workbook
    sheet = book.sheet("Indicators")
    assert sheet.value(1, 9) == 0.125  # the value as stored: reading it as shown is validation's business
    assert [sheet.percent_formatted(r, 9) for r in (1, 2, 3)] == [True, False, True]
    assert book.sheet("Areas").percent_cells == frozenset()


def test_a_csv_has_no_percent_formats(pool, tmp_path):
    path = tmp_path / "return.csv"
    path.write_text("Indicator,Actual\nCS01,0.125\n", encoding="utf-8")
    assert pool.read(path).workbook.sheets[0].percent_cells == frozenset()


def test_sheet_visibility_is_kept(pool, tmp_path):
    def build(book):
        book.active["A1"] = 1
        book.create_sheet("Meta")["A1"] = "v1"
        book["Meta"].sheet_state = "veryHidden"
        book.create_sheet("Lists")["A1"] = "Yes"
        book["Lists"].sheet_state = "hidden"

    states = [(s.name, s.state) for s in pool.read(saved(tmp_path, build)).workbook.sheets]
    assert states == [("Sheet", "visible"), ("Meta", "veryHidden"), ("Lists", "hidden")]


def test_sheets_are_found_ignoring_case_and_unicode_normalisation():
    book = Workbook("xlsx", (Sheet("Re\u0301sume\u0301", "visible", {}),))  # 'é' typed as e + accent
    assert book.sheet("RÉSUMÉ") is book.sheets[0]
    assert book.sheet("Resume") is None


def test_a1_references_and_rows():
    assert Sheet.a1(13, 9) == "J14"
    assert Sheet.a1(0, 26) == "AA1"
    sheet = Sheet("S", "visible", {(0, 0): "a", (0, 2): "c", (3, 1): 4})
    assert list(sheet.rows()) == [(0, ("a", None, "c")), (3, (None, 4))]


def test_a_workbook_with_no_values_is_rejected_as_no_data(pool, tmp_path):
    result = pool.read(saved(tmp_path, lambda book: None))
    assert [f.code for f in result.findings] == ["no-data"]
    assert result.workbook is not None


def test_a_semicolon_windows_1252_csv_is_split_on_semicolons_and_decoded(pool, tmp_path):
    path = tmp_path / "return.csv"
    path.write_bytes("Indicator;Actual;Note\nCS01;41,2;£ and € – é\n".encode("cp1252"))
    result = pool.read(path)
    sheet = result.workbook.sheet("return")
    assert result.workbook.kind == "csv"
    assert [sheet.value(1, c) for c in range(3)] == ["CS01", "41,2", "£ and € – é"]


def test_a_utf16_tab_separated_csv_is_read(pool, tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("Indicator\tActual\r\nCS01\t1,250\r\n".encode("utf-16"))
    sheet = pool.read(path).workbook.sheets[0]
    assert sheet.cells == {(0, 0): "Indicator", (0, 1): "Actual", (1, 0): "CS01", (1, 1): "1,250"}


def test_a_utf8_bom_csv_keeps_line_breaks_inside_quotes(pool, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes('\ufeffIndicator ID,Commentary\r\nCS01,"line one\r\nline two\nthree"\r\n'.encode("utf-8"))
    sheet = pool.read(path).workbook.sheets[0]
    assert sheet.value(0, 0) == "Indicator ID"
    assert sheet.value(1, 1) == "line one\r\nline two\nthree"


def test_a_worker_that_runs_out_of_time_gives_reader_crashed_and_is_replaced(tmp_path):
    path = saved(tmp_path, lambda book: book.active.append([1, 2, 3]))
    with ReaderPool(Limits(timeout_seconds=0)) as impatient:
        result = impatient.read(path)
        assert [f.code for f in result.findings] == ["reader-crashed"]
        assert "longer than 0 seconds" in result.findings[0].message
    assert read_file(path).workbook.sheets[0].cells == {(0, 0): 1, (0, 1): 2, (0, 2): 3}


def test_a_worker_killed_between_files_is_replaced(pool, tmp_path):
    path = saved(tmp_path, lambda book: book.active.append(["kept"]))
    assert pool.read(path).workbook is not None
    pool._process.kill()  # as the kernel's OOM killer would
    pool._process.join()
    assert pool.read(path).workbook.sheets[0].cells == {(0, 0): "kept"}


def numbered_returns(tmp_path: Path, count: int) -> list[Path]:
    return [
        saved(tmp_path, lambda book, n=n: book.active.append([f"return {n}", n]), f"r{n}.xlsx") for n in range(count)
    ]


def test_files_read_ahead_come_back_as_if_read_one_by_one(tmp_path):
    paths = numbered_returns(tmp_path, 5)
    with ReaderPool() as ahead:
        ahead.read_ahead(paths)
        cells = [ahead.read(path).workbook.sheets[0].cells for path in paths]
    assert cells == [{(0, 0): f"return {n}", (0, 1): n} for n in range(5)]


def test_files_planned_but_skipped_do_not_stand_in_for_the_next(tmp_path):
    paths = numbered_returns(tmp_path, 5)
    with ReaderPool() as ahead:
        ahead.read_ahead(paths)
        # A duplicate is never read: the pool must not hand back the skipped file's result.
        assert ahead.read(paths[0]).workbook.sheets[0].value(0, 0) == "return 0"
        assert ahead.read(paths[3]).workbook.sheets[0].value(0, 0) == "return 3"
        assert ahead.read(paths[1]).workbook.sheets[0].value(0, 0) == "return 1"  # out of plan: still right


def test_closing_with_files_read_ahead_but_not_wanted_is_quick(tmp_path):
    paths = numbered_returns(tmp_path, 3)
    with ReaderPool() as ahead:
        ahead.read_ahead(paths)
        ahead.read(paths[0])
        started = time.monotonic()
    assert time.monotonic() - started < 1


@needs_corpus
def test_a_file_that_kills_the_reader_costs_only_that_file_when_reading_ahead(tmp_path):
    good = numbered_returns(tmp_path, 2)
    paths = [good[0], CORPUS / "poi-Simple.xlsb", good[1]]  # calamine panics on the middle one
    with ReaderPool() as ahead:
        ahead.read_ahead(paths)
        results = [ahead.read(path) for path in paths]
    assert [r.workbook.sheets[0].value(0, 0) for r in (results[0], results[2])] == ["return 0", "return 1"]
    assert [f.code for f in results[1].findings] == ["reader-crashed"]


@needs_corpus
def test_the_worker_that_calamine_aborts_is_replaced_and_the_next_file_read(pool):
    result = pool.read(CORPUS / "poi-Simple.xlsb")
    assert [f.code for f in result.findings] == ["reader-crashed"]
    assert pool.read(CORPUS / "poi-52348.xlsx").workbook is not None


@needs_corpus
def test_dates_in_the_1904_system_are_correct(pool):
    sheet = pool.read(CORPUS / "calamine-date_1904.xlsx").workbook.sheets[0]
    values = set(sheet.cells.values())
    assert values & {date(2021, 1, 1), datetime(2021, 1, 1)}


@needs_corpus
def test_a_dimension_tag_that_is_wrong_loses_no_values(pool):
    sheet = pool.read(CORPUS / "gen-wrong-dimension.xlsx").workbook.sheets[0]
    assert len(sheet.cells) == 13_000


@needs_corpus
def test_the_file_name_with_a_leading_dash_and_accents_is_read(pool):
    path = next(p for p in CORPUS.iterdir() if p.name.startswith("-Return"))
    assert sum(len(s.cells) for s in pool.read(path).workbook.sheets) == 48


@needs_corpus
def test_a_password_protected_file_says_so_in_plain_english(pool):
    result = pool.read(CORPUS / "poi-protected_passtika.xlsx")
    assert result.findings[0].line() == ("This file is password-protected. Save an unprotected copy and send that.")
