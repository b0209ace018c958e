"""`pipeline import-history`: last years' figures, read as returns are, kept as history with where
they came from, never counted as a return."""

from __future__ import annotations

import csv
import os
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from registers import run_cli
from spoil import Q1

from demo.fill import IndicatorEntry
from pipeline.chasing.status import period_status
from pipeline.domain.periods import Period
from pipeline.outputs.assemble import assemble
from pipeline.rating.rag import Direction

HEADER = ["Code", "Period", "Actual", "Area", "Data quality", "Note"]
LAST_YEAR_Q1 = Period(2024, 1)
CORPUS = Path(__file__).parents[3] / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path(os.environ.get("PIPELINE_CORPUS", "/nonexistent"))
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="hostile corpus not found")


def _xlsx(path, rows, percent_rows=()):
    """A workbook of past figures; `percent_rows` (1-based data rows) hold their Actual %-formatted, as Excel keeps 12.5%."""
    book = Workbook()
    ws = book.active
    ws.title = "Past"
    ws.append(HEADER)
    for row in rows:
        ws.append(list(row) + [None] * (len(HEADER) - len(row)))
    for n in percent_rows:
        ws.cell(n + 1, 3).number_format = "0.0%"
    book.save(path)
    return path


def _csv(path, rows, header=HEADER):
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def _import(workspace, path, *more):
    return run_cli(["import-history", str(path), "--config", str(workspace.config.source), *more])


def test_figures_are_read_as_people_type_them_and_kept_with_where_they_came_from(workspace, tmp_path):
    source = _xlsx(
        tmp_path / "past.xlsx",
        [
            ("CYP-01", "2024-25 Q1", 0.072, None, "Validated", "From the old master sheet"),
            ("CYP-05", "Q2 2024/25", "1,234"),
            ("CYP-03", "2024-25 Q1", "n/a", None, "Not available"),
            ("CYP-01", "2024-25 Q1", "9.1%", "Neighbourhood renewal areas"),
        ],
        percent_rows=(1,),
    )
    code, out, err = _import(workspace, source)
    assert (code, err) == (0, "")
    assert "4 figure(s) read from past.xlsx for 2024-25 Q1 to 2024-25 Q2: 4 added, 0 changed, 0 already there." in out
    with workspace.store() as store:
        kept = {(v.code, v.period, v.area): v for v in store.imported_values()}
        history = {(h.code, h.period): h for h in store.history()}
    assert kept[("CYP-01", "2024-25 Q1", "")].actual == Decimal("7.2")  # 7.2% in a %-formatted cell
    assert kept[("CYP-05", "2024-25 Q2", "")].actual == Decimal(1234)
    assert (kept[("CYP-03", "2024-25 Q1", "")].actual, kept[("CYP-03", "2024-25 Q1", "")].data_quality) == (
        None,
        "Not available",
    )
    neet = history[("CYP-01", "2024-25 Q1")]
    assert neet.area_values == (("Neighbourhood renewal areas", Decimal("9.1")),)
    assert (neet.source, neet.commentary, neet.data_quality) == (
        "imported: past.xlsx, row 2",
        "From the old master sheet",
        "Validated",
    )
    assert neet.imported and neet.submission_id == 0


def test_each_problem_is_named_with_its_cell_and_fix_and_a_file_with_errors_keeps_nothing(workspace, tmp_path):
    source = _csv(
        tmp_path / "past.csv",
        [
            ["CYP-01", "2024-25 Q1", "7.2"],
            ["NOPE-1", "2024-25 Q1", "3"],
            ["CYP-03", "the first quarter", "8"],
            ["CYP-03", "2030-31 Q1", "8"],
            ["CYP-04", "2024-25 Q1", "thirty"],
            ["CYP-03", "2024-25 Q2", "0.5"],
            ["CYP-01", "2024-25 Q1", "7.3"],
            ["CYP-04", "2024-25 Q2", ""],
            ["CYP-03", "2024-25 Q3", "150"],
            ["CYP-04", "2024-25 Q3", "12", "Westward"],
        ],
    )
    code, out, _err = _import(workspace, source)
    assert code == 1
    lines = out.splitlines()
    for where, what in [
        ("past.csv!A3", "unknown-indicator"),
        ("past.csv!B4", "unknown-period"),
        ("past.csv!B5", "not-yet-history"),
        ("past.csv!C6", "not-a-number"),
        ("past.csv!C7", "ambiguous-number"),
        ("past.csv!A8", "duplicate-indicator"),
        ("past.csv!C9", "missing-actual"),
        ("past.csv!C10", "percent-out-of-range"),
        ("past.csv!D11", "unknown-area"),
    ]:
        assert any(where in line and what in line for line in lines), (where, what, out)
    assert "CYP-01 for 2024-25 Q1 is also on row 2." in out
    assert "Nothing was imported: past.csv has 8 error(s)." in out
    with workspace.store() as store:
        assert store.imported_values() == []


def test_a_file_without_the_required_columns_is_named(workspace, tmp_path):
    source = _csv(tmp_path / "past.csv", [["CYP-01", "2024-25 Q1", "7.2"]], header=["Code", "Quarter", "Value"])
    code, out, _err = _import(workspace, source)
    assert code == 1
    assert "The past.csv sheet has no 'Period' column in its first row." in out
    assert "The past.csv sheet has no 'Actual' column in its first row." in out


def test_importing_the_same_file_again_changes_nothing_and_a_corrected_file_only_what_differs(workspace, tmp_path):
    rows = [["CYP-01", "2024-25 Q1", "7.2"], ["CYP-01", "2024-25 Q2", "7.0"]]
    source = _csv(tmp_path / "past.csv", rows)
    assert _import(workspace, source)[0] == 0
    with workspace.store() as store:
        before = store.imported_values()
    code, out, _err = _import(workspace, source)
    assert code == 0 and "0 added, 0 changed, 2 already there." in out
    with workspace.store() as store:
        assert store.imported_values() == before
    _csv(source, [rows[0], ["CYP-01", "2024-25 Q2", "6.9"]])
    code, out, _err = _import(workspace, source)
    assert "0 added, 1 changed, 1 already there." in out
    with workspace.store() as store:
        assert store.actuals()[("CYP-01", "2024-25 Q2")] == Decimal("6.9")


def _accepted_q1(workspace, neet: str = "6") -> None:
    workspace.submit("cyp.xlsx", indicators={"CYP-01": IndicatorEntry(actual=neet, data_quality="Validated")})
    workspace.run()


def test_a_figure_that_differs_from_an_accepted_return_is_named_and_the_return_s_kept(workspace, tmp_path):
    _accepted_q1(workspace)
    source = _csv(tmp_path / "past.csv", [["CYP-01", "2025-26 Q1", "6.4"]])
    code, out, _err = _import(workspace, source)
    assert code == 0
    assert "differs-from-return" in out
    assert "CYP-01 for 2025-26 Q1 is 6.4 here, but 6 in the accepted return." in out
    assert "import again with --replace to use this one instead" in out
    with workspace.store() as store:
        assert store.actuals()[("CYP-01", "2025-26 Q1")] == Decimal(6)
        (figure,) = [h for h in store.history() if (h.code, h.period) == ("CYP-01", "2025-26 Q1")]
    assert not figure.imported


def test_with_replace_the_imported_figure_counts_over_the_return_s(workspace, tmp_path):
    _accepted_q1(workspace)
    source = _csv(tmp_path / "past.csv", [["CYP-01", "2025-26 Q1", "6.4"]])
    code, out, _err = _import(workspace, source, "--replace")
    assert code == 0 and "kept in its place, as --replace asked" in out
    with workspace.store() as store:
        assert store.actuals()[("CYP-01", "2025-26 Q1")] == Decimal("6.4")
        assert store.actuals(returns_only=True)[("CYP-01", "2025-26 Q1")] == Decimal(6)


def test_imported_figures_never_count_as_a_return_in_status(workspace, tmp_path):
    source = _csv(tmp_path / "past.csv", [["CYP-01", "2025-26 Q1", "6.4"], ["CYP-03", "2025-26 Q1", "8"]])
    assert _import(workspace, source)[0] == 0
    with workspace.store() as store:
        rows = {r.partnership: r for r in period_status(workspace.config, workspace.register, store, Q1)}
    assert rows["CYP"].state == "missing"


def test_the_first_quarter_has_direction_of_travel_against_an_imported_last_year(workspace, tmp_path):
    source = _csv(tmp_path / "past.csv", [["CYP-01", str(LAST_YEAR_Q1), "7.2"]])
    assert _import(workspace, source)[0] == 0
    _accepted_q1(workspace, neet="6")
    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, Q1)
    neet = next(i for p in report.partnerships for i in p.indicators if i.indicator.code == "CYP-01")
    assert neet.dot_last_year is Direction.IMPROVING  # 6% against 7.2% a year before, lower being better


def test_a_workbook_that_would_inflate_to_gigabytes_is_refused_by_the_screen_before_any_parser(workspace, tmp_path):
    # Every file is hostile: an officer's past-figures file passes the same screen as a return.
    source = tmp_path / "past.xlsx"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * 3_000_000 + b"</worksheet>")
    code, out, err = _import(workspace, source)
    assert (code, err) == (1, "")
    assert "too-large" in out and "zip bomb" in out
    assert "Nothing was imported: past.xlsx has 1 error(s)." in out


@needs_corpus
def test_a_password_protected_workbook_is_named_as_encrypted_not_as_damaged(workspace, tmp_path):
    source = tmp_path / "past.xlsx"  # Excel's Agile encryption: an OLE2 file, not a zip
    shutil.copyfile(CORPUS / "poi-protected_passtika.xlsx", source)
    code, out, _err = _import(workspace, source)
    assert code == 1
    assert "encrypted" in out and "past.xlsx" in out
    assert "BadZipFile" not in out


def test_a_csv_saved_by_excel_in_a_european_locale_semicolons_and_windows_1252_is_read(workspace, tmp_path):
    source = tmp_path / "past.csv"
    source.write_bytes(
        "Code;Period;Actual;Area;Data quality;Note\nCYP-01;2024-25 Q1;7.2;;;Caf\u00e9 r\u00e9sum\u00e9\n".encode(
            "cp1252"
        )
    )
    code, out, err = _import(workspace, source)
    assert (code, err) == (0, "")
    assert "1 figure(s) read from past.csv" in out
    with workspace.store() as store:
        [kept] = store.imported_values()
    assert (kept.code, kept.actual, kept.note) == ("CYP-01", Decimal("7.2"), "Caf\u00e9 r\u00e9sum\u00e9")


def test_a_folder_is_named_as_a_folder(workspace, tmp_path):
    code, _out, err = _import(workspace, tmp_path)
    assert code == 2
    assert f"{tmp_path} is a folder, not a file." in err


def test_a_file_with_thousands_of_the_same_problem_lists_a_few_and_counts_the_rest(workspace, tmp_path):
    source = _csv(tmp_path / "past.csv", [[f"OLD-{n}", "2024-25 Q1", "7"] for n in range(2000)])
    code, out, _err = _import(workspace, source)
    assert code == 1
    assert sum("unknown-indicator" in line for line in out.splitlines()) == 26
    assert "... and 1,975 more like these." in out
    assert "Nothing was imported: past.csv has 2000 error(s)." in out


def test_a_note_that_starts_like_a_formula_is_kept_as_text_with_a_warning(workspace, tmp_path):
    source = _csv(tmp_path / "past.csv", [["CYP-01", "2024-25 Q1", "7.2", "", "", "=cmd|' /C calc'!A0"]])
    code, out, _err = _import(workspace, source)
    assert code == 0
    assert any("past.csv!F2" in line and "formula-text" in line for line in out.splitlines()), out
    with workspace.store() as store:
        [kept] = store.imported_values()
    assert kept.note == "=cmd|' /C calc'!A0"


def test_a_file_name_too_long_to_exist_is_named_as_missing(workspace, tmp_path):
    code, _out, err = _import(workspace, tmp_path / ("p" * 300 + ".csv"))
    assert code == 2
    assert "does not exist. Give the path of the workbook or CSV file of past figures." in err


def test_a_file_name_with_a_line_break_or_bidi_override_is_kept_clean_in_every_figure_s_source(workspace, tmp_path):
    source = _csv(tmp_path / "past\u202e\nfigures.csv", [["CYP-01", "2024-25 Q1", "7.2"]])
    assert _import(workspace, source)[0] == 0
    with workspace.store() as store:
        [kept] = [h for h in store.history() if h.imported]
    assert kept.source == "imported: past figures.csv, row 2"


def test_a_past_figures_file_in_the_inbox_is_refused_as_the_next_pass_would_take_it_for_a_return(workspace):
    source = _csv(workspace.inbox / "past.csv", [["CYP-01", "2024-25 Q1", "7.2"]])
    code, out, err = _import(workspace, source)
    assert (code, out) == (2, "")
    assert f"{source} is in the inbox" in err and "Move it out of the inbox" in err
    with workspace.store() as store:
        assert store.imported_values() == []


def test_a_figure_cell_pasted_full_of_text_is_quoted_short_in_its_finding(workspace, tmp_path):
    source = _csv(tmp_path / "past.csv", [["CYP-01", "2024-25 Q1", "9" * 5000]])
    code, out, _err = _import(workspace, source)
    assert code == 1
    [line] = [line for line in out.splitlines() if "past.csv!C2" in line]
    assert f'CYP-01: "{"9" * 37}..." is far too long to be a figure.' in line and len(line) < 300


COUNTED_HEADER = ["Code", "Period", "Actual", "Area", "Numerator", "Denominator"]


def test_numerators_and_denominators_are_kept_and_a_blank_actual_is_worked_out_from_them(workspace, tmp_path):
    """CYP-01's register row asks for its counts: they come in with the figure, the whole area's and
    each area's, for the confidence intervals and the tested gap, as a return's do."""
    source = _csv(
        tmp_path / "past.csv",
        [
            ["CYP-01", "2024-25 Q1", "7.2", "", "288", "4000"],
            ["CYP-01", "2024-25 Q1", "", "Neighbourhood renewal areas", "114", "1200"],
            ["CYP-01", "2024-25 Q1", "6.2", "Rest of borough", "174", "2800"],
            ["CYP-05", "2024-25 Q1", "1234", "", "99", "100"],  # not asked for: the counts are not read
        ],
        header=COUNTED_HEADER,
    )
    code, out, err = _import(workspace, source)
    assert (code, err) == (0, ""), out
    with workspace.store() as store:
        kept = {(v.code, v.area): v for v in store.imported_values()}
        history = {(h.code, h.period): h for h in store.history()}
    assert (kept["CYP-01", ""].numerator, kept["CYP-01", ""].denominator) == (Decimal(288), Decimal(4000))
    assert kept["CYP-01", "Neighbourhood renewal areas"].actual == Decimal("9.5")  # 114 of 1,200
    assert (kept["CYP-05", ""].numerator, kept["CYP-05", ""].denominator) == (None, None)
    neet = history["CYP-01", "2024-25 Q1"]
    assert (neet.numerator, neet.denominator) == (Decimal(288), Decimal(4000))
    assert neet.area_counts == (
        ("Neighbourhood renewal areas", Decimal(114), Decimal(1200)),
        ("Rest of borough", Decimal(174), Decimal(2800)),
    )


def test_an_actual_that_disagrees_with_its_counts_is_named_with_the_three_cells_and_nothing_is_kept(
    workspace, tmp_path
):
    source = _csv(
        tmp_path / "past.csv",
        [
            ["CYP-01", "2024-25 Q1", "7.2", "", "288", "4000"],
            ["CYP-01", "2024-25 Q2", "8.1", "", "288", "4000"],
            ["CYP-04", "2024-25 Q1", "", "", "many", "3100"],
        ],
        header=COUNTED_HEADER,
    )
    code, out, _err = _import(workspace, source)
    assert code == 1
    lines = out.splitlines()
    assert any(
        "past.csv!C3" in line
        and "counts-disagree" in line
        and "CYP-01: the Actual 8.1 (C3) does not agree with the numerator 288 (E3) and denominator 4,000 (F3), "
        "which give 7.2%."
        in line
        for line in lines
    ), out
    assert any("past.csv!E4" in line and 'CYP-04 numerator: "many" is not a number.' in line for line in lines), out
    assert "Nothing was imported: past.csv has 2 error(s)." in out
    with workspace.store() as store:
        assert store.imported_values() == []


ESCAPE = "past\x1b[31mfigures\x1b[0m.csv"  # a terminal escape: would turn the officer's console red


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ([["CYP-01", "2024-25 Q1", "7.2"]], "1 figure(s) read from past [31mfigures [0m.csv for 2024-25 Q1"),
        ([["OLD-1", "2024-25 Q1", "7.2"]], "Nothing was imported: past [31mfigures [0m.csv has 1 error(s)."),
    ],
)
def test_a_terminal_escape_in_the_file_s_name_never_reaches_the_console(workspace, tmp_path, rows, says):
    source = _csv(tmp_path / ESCAPE, rows)
    _code, out, err = _import(workspace, source)
    assert says in out
    assert "\x1b" not in out + err


def test_a_terminal_escape_in_a_missing_file_s_name_never_reaches_the_console(workspace, tmp_path):
    code, _out, err = _import(workspace, tmp_path / ESCAPE)
    assert code == 2
    assert "past [31mfigures [0m.csv does not exist." in err
    assert "\x1b" not in err


def test_a_terminal_escape_in_an_unreadable_file_s_name_never_reaches_the_console(workspace, tmp_path):
    source = tmp_path / ESCAPE.replace(".csv", ".xlsx")
    source.write_bytes(b"not a workbook at all")
    code, out, err = _import(workspace, source)
    assert code == 1
    assert "Nothing was imported: past [31mfigures [0m.xlsx has 1 error(s)." in out
    assert "\x1b" not in out + err
