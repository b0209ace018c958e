"""`pipeline import-history`: last years' figures, read as returns are, kept as history with where
they came from, never counted as a return."""

from __future__ import annotations

import csv
from decimal import Decimal

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
