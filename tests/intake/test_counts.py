"""Numerator and denominator: the demo register asks for them for CYP-01 (NEET, %), CYP-04 (under-18
conceptions, rate per 1,000), HWB-06, SKL-01 and SKL-03; CYP's template has the two columns, on those rows only."""

from __future__ import annotations

from decimal import Decimal as D

from openpyxl import load_workbook
from registers import demo_book, write_register
from spoil import Q1, cell_of, outcome

from demo.fill import AreaEntry
from pipeline.register.workbook import read_register
from pipeline.returns.layout import AREAS, COUNT_HEADERS, INDICATOR_HEADERS, INDICATORS

NRA, REST = "Neighbourhood renewal areas", "Rest of borough"


def _value(workspace, code: str):
    with workspace.store() as store:
        [value] = [h for h in store.history() if h.code == code]
    return value


def test_the_register_column_is_optional_and_read_as_yes_or_no(register, tmp_path):
    assert [i.code for i in register.indicators if i.counts] == ["CYP-01", "CYP-04", "HWB-06", "SKL-01", "SKL-03"]
    book = demo_book()
    book["Indicators"].set("CYP-02", "Numerator and denominator", "Perhaps")
    _register, findings = read_register(write_register(tmp_path / "register.xlsx", book))
    assert [(f.code, f.message) for f in findings] == [
        ("bad-yes-no", "Numerator and denominator 'Perhaps' is not Yes or No.")
    ]


def test_a_register_without_the_column_keeps_its_partnerships_template_hashes(register, tmp_path):
    book = demo_book()
    book["Indicators"].drop_column("Numerator and denominator")
    without, _ = read_register(write_register(tmp_path / "register.xlsx", book))
    assert without.rows_hash("HSG") == register.rows_hash("HSG")  # no indicator of HSG's asks for counts
    assert without.rows_hash("CYP") != register.rows_hash("CYP")


def test_template_has_numerator_and_denominator_inputs_on_the_counted_rows_alone(workspace):
    ws = load_workbook(workspace.template("CYP", Q1))[INDICATORS]
    headers = [c.value for c in ws[1]]
    assert headers == [*INDICATOR_HEADERS, *COUNT_HEADERS]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    numerator = len(INDICATOR_HEADERS) + 1
    assert not ws.cell(rows["CYP-01"], numerator).protection.locked
    assert ws.cell(rows["CYP-03"], numerator).protection.locked
    areas = load_workbook(workspace.template("CYP", Q1))[AREAS]
    assert [c.value for c in areas[1]][-2:] == list(COUNT_HEADERS)


def test_a_template_for_a_partnership_without_counted_indicators_is_as_before(workspace):
    ws = load_workbook(workspace.template("CSP", Q1))[INDICATORS]
    assert [c.value for c in ws[1]] == list(INDICATOR_HEADERS)


def test_counts_that_agree_with_the_actual_are_kept_with_it(workspace):
    workspace.submit("cyp.xlsx", indicators={"CYP-01": {"actual": D("5.5"), "numerator": 220, "denominator": 4000}})
    assert outcome(workspace.run(), "cyp.xlsx").verdict == "accepted"
    value = _value(workspace, "CYP-01")
    assert (value.actual, value.numerator, value.denominator) == (D("5.5"), D(220), D(4000))


def test_a_blank_actual_is_worked_out_from_the_counts(workspace):
    workspace.submit(
        "cyp.xlsx",
        indicators={"CYP-01": {"actual": "", "numerator": 230, "denominator": 4000}},
    )
    result = outcome(workspace.run(), "cyp.xlsx")
    assert result.verdict == "accepted", result.findings
    assert _value(workspace, "CYP-01").actual == D("5.75")


def test_an_actual_that_disagrees_with_its_counts_is_rejected_naming_the_cells(workspace):
    path = workspace.fill(
        "cyp.xlsx", indicators={"CYP-01": {"actual": D("6.5"), "numerator": 300, "denominator": 4000}}
    )
    actual, numerator, denominator = (
        cell_of(path, INDICATORS, "CYP-01", label) for label in ("Actual", "Numerator", "Denominator")
    )
    workspace.drop(path)
    result = outcome(workspace.run(), "cyp.xlsx")
    assert result.verdict == "rejected"
    [error] = [f for f in result.findings if f.code == "counts-disagree"]
    assert (error.where, error.message) == (
        f"{INDICATORS}!{actual}",
        f"CYP-01: the Actual 6.5 ({actual}) does not agree with the numerator 300 ({numerator}) and "
        f"denominator 4,000 ({denominator}), which give 7.5%.",
    )


def test_an_actual_agrees_to_the_precision_it_is_typed_in(workspace):
    # 233 of 4,000 is 5.825%: typed as 5.8 it agrees (5.75 to 5.85); typed as 5.80 it would not.
    workspace.submit("cyp.xlsx", indicators={"CYP-01": {"actual": "5.8", "numerator": 233, "denominator": 4000}})
    assert outcome(workspace.run(), "cyp.xlsx").verdict == "accepted"
    workspace.submit("again.xlsx", indicators={"CYP-01": {"actual": "5.80", "numerator": 233, "denominator": 4000}})
    assert outcome(workspace.run(), "again.xlsx").verdict == "rejected"


def test_area_counts_are_read_from_the_areas_sheet(workspace):
    workspace.submit(
        "cyp.xlsx",
        indicators={"CYP-01": {"actual": D("5.5"), "numerator": 220, "denominator": 4000}},
        areas={
            ("CYP-01", NRA): AreaEntry(actual=D("6"), numerator=72, denominator=1200),
            ("CYP-01", REST): AreaEntry(actual=None, numerator=148, denominator=2800),
        },
    )
    result = outcome(workspace.run(), "cyp.xlsx")
    assert result.verdict == "accepted", result.findings
    value = _value(workspace, "CYP-01")
    assert value.area_counts == ((NRA, D(72), D(1200)), (REST, D(148), D(2800)))
    assert value.area_values == ((NRA, D(6)), (REST, D("5.29")))


def test_a_count_with_decimals_is_rejected_naming_its_cell(workspace):
    # 2.5 young people is a typing slip; an exact Poisson interval would quietly round it to 2.
    path = workspace.fill("cyp.xlsx", indicators={"CYP-01": {"actual": "", "numerator": D("2.5"), "denominator": 40}})
    numerator = cell_of(path, INDICATORS, "CYP-01", "Numerator")
    workspace.drop(path)
    result = outcome(workspace.run(), "cyp.xlsx")
    assert result.verdict == "rejected"
    [error] = [f for f in result.findings if f.code == "count-not-whole"]
    assert (error.where, error.message) == (
        f"{INDICATORS}!{numerator}",
        "CYP-01: the numerator 2.5 is not a whole number, which a count of people or events is.",
    )


def test_a_zero_denominator_is_rejected_naming_its_cell_not_taken_with_the_actual(workspace):
    path = workspace.fill("cyp.xlsx", indicators={"CYP-01": {"actual": D("5.5"), "numerator": 0, "denominator": 0}})
    denominator = cell_of(path, INDICATORS, "CYP-01", "Denominator")
    workspace.drop(path)
    result = outcome(workspace.run(), "cyp.xlsx")
    assert result.verdict == "rejected"
    [error] = [f for f in result.findings if f.code == "zero-denominator"]
    assert (error.where, error.message) == (
        f"{INDICATORS}!{denominator}",
        "CYP-01: the denominator is 0, so the numerator gives no %.",
    )


def test_a_rate_with_a_numerator_and_no_denominator_is_warned_and_kept_without_counts(workspace):
    path = workspace.fill("cyp.xlsx", indicators={"CYP-04": {"numerator": 12, "denominator": ""}})
    denominator = cell_of(path, INDICATORS, "CYP-04", "Denominator")
    workspace.drop(path)
    result = outcome(workspace.run(), "cyp.xlsx")
    assert result.verdict == "accepted"
    [warning] = [f for f in result.findings if f.code == "counts-incomplete"]
    assert warning.where == f"{INDICATORS}!{denominator}"
    value = _value(workspace, "CYP-04")
    assert (value.numerator, value.denominator) == (None, None)


def test_counts_asked_for_an_indicator_in_days_or_pounds_are_a_register_warning(tmp_path):
    # An average of days or a sum of money is not a part of a whole: the two columns would be read and
    # give no check of the Actual and no interval, so the officer is told rather than left to wonder.
    book = demo_book()
    book["Indicators"].set("HSG-04", "Numerator and denominator", "Yes")  # days to re-let
    _register, findings = read_register(write_register(tmp_path / "register.xlsx", book))
    [warning] = [f for f in findings if f.code == "counts-not-used"]
    assert warning.message == (
        "HSG-04 asks for a numerator and denominator, but its unit, days, is not worked out from them: "
        "they would give no check of the Actual and no interval."
    )
    assert warning.severity == "warning"
