"""SMART checks: the demo register spoiled one defect at a time; each finding names sheet, row and fix."""

from __future__ import annotations

from datetime import date

import pytest
from registers import DEMO_REGISTER, demo_book, write_register

from pipeline.domain.findings import CATALOGUE, ERROR, WARNING, Finding
from pipeline.domain.records import UNITS
from pipeline.register.smart import check_register
from pipeline.register.workbook import read_register

SHORT_NAMES = "CSP, CYP, HSG, HWB, SKL"
NO_TARGET_IN_DEMO = Finding(
    code="no-target",
    severity=WARNING,
    message="HSG-06 has no annual or quarterly target.",
    fix="Add an annual target, or set polarity to No polarity to track it only.",
    sheet="Indicators",
    row=25,
)


def findings_of(tmp_path, book) -> list[Finding]:
    """Every finding for the spoiled register, less the one warning the demo ships with."""
    register, findings = read_register(write_register(tmp_path / "register.xlsx", book))
    findings = findings + check_register(register)
    assert NO_TARGET_IN_DEMO in findings
    return [f for f in findings if f != NO_TARGET_IN_DEMO]


def error(code, message, fix, sheet, row, value=""):
    return Finding(code=code, severity=ERROR, message=message, fix=fix, sheet=sheet, row=row, value=value)


def warning(code, message, fix, sheet, row, value=""):
    return Finding(code=code, severity=WARNING, message=message, fix=fix, sheet=sheet, row=row, value=value)


def test_the_demo_register_has_one_warning_and_no_errors():
    register, findings = read_register(DEMO_REGISTER)
    assert findings + check_register(register) == [NO_TARGET_IN_DEMO]


def test_severities_come_from_the_catalogue():
    assert CATALOGUE["no-target"][0] == CATALOGUE["no-target-year"][0] == WARNING
    assert CATALOGUE["target-worse-than-baseline"][0] == WARNING
    assert CATALOGUE["profile-not-ending-at-annual"][0] == CATALOGUE["duplicate-code"][0] == ERROR


# -- codes -------------------------------------------------------------------


def test_a_duplicate_indicator_code_is_flagged_on_both_rows(tmp_path):
    book = demo_book()
    indicators = book["Indicators"]
    first = indicators.excel_row("CYP-01")
    second = indicators.set("CYP-02", "Code", "cyp-01")  # codes are compared ignoring case
    fix = "Give each row its own code."
    assert findings_of(tmp_path, book) == [
        error("duplicate-code", "Code 'CYP-01' is used on more than one row.", fix, "Indicators", first, "CYP-01"),
        error("duplicate-code", "Code 'cyp-01' is used on more than one row.", fix, "Indicators", second, "cyp-01"),
    ]


@pytest.mark.parametrize("sheet, first, second", [("Actions", "CSP-A1", "CSP-A2"), ("Risks", "HWB-R1", "HWB-R2")])
def test_a_duplicate_action_or_risk_ref_is_flagged(tmp_path, sheet, first, second):
    book = demo_book()
    rows = [book[sheet].excel_row(first), book[sheet].set(second, "Ref", first)]
    assert findings_of(tmp_path, book) == [
        error(
            "duplicate-code",
            f"Ref {first!r} is used on more than one row.",
            "Give each row its own ref.",
            sheet,
            row,
            first,
        )
        for row in rows
    ]


@pytest.mark.parametrize("typed", ["CYP 01", "CYP/01", "-CYP-01", "CYP-01!"])
def test_a_malformed_indicator_code_is_flagged(tmp_path, typed):
    book = demo_book()
    row = book["Indicators"].set("CYP-01", "Code", typed)
    assert findings_of(tmp_path, book) == [
        error(
            "malformed-code",
            f"Code {typed!r} is blank or malformed.",
            "Use letters, digits, '-', '_' or '.', e.g. CS-01.",
            "Indicators",
            row,
            typed,
        )
    ]


def test_a_blank_action_ref_is_flagged_as_malformed(tmp_path):
    book = demo_book()
    row = book["Actions"].set("SKL-A2", "Ref", None)
    assert findings_of(tmp_path, book) == [
        error(
            "malformed-code",
            "Ref '' is blank or malformed.",
            "Use letters, digits, '-', '_' or '.', e.g. CS-01.",
            "Actions",
            row,
        )
    ]


def test_a_partnership_short_name_used_twice_is_flagged(tmp_path):
    book = demo_book()
    book["Partnerships"].set("HSG", "Short name", "HWB")
    findings = findings_of(tmp_path, book)
    duplicates = [f for f in findings if f.code == "duplicate-code"]
    assert [(f.sheet, f.row, f.message) for f in duplicates] == [
        ("Partnerships", 4, "Short name 'HWB' is blank or used twice."),
        ("Partnerships", 5, "Short name 'HWB' is blank or used twice."),
    ]
    assert duplicates[0].fix == "Give each partnership its own short name."


# -- partnerships ------------------------------------------------------------


@pytest.mark.parametrize("sheet, key", [("Indicators", "HWB-02"), ("Actions", "HWB-A1"), ("Risks", "HWB-R2")])
def test_a_row_naming_an_unknown_partnership_is_flagged(tmp_path, sheet, key):
    book = demo_book()
    row = book[sheet].set(key, "Partnership", "Public Health")
    assert findings_of(tmp_path, book) == [
        error(
            "unknown-partnership",
            "Partnership 'Public Health' is not on the Partnerships sheet.",
            f"Use one of the short names ({SHORT_NAMES}) or the full names.",
            sheet,
            row,
            "Public Health",
        )
    ]


# -- measurable and time-bound ------------------------------------------------


def test_an_indicator_with_a_polarity_but_no_target_is_warned_about(tmp_path):
    book = demo_book()
    row = book["Indicators"].set("CSP-04", "Annual target", None)
    assert findings_of(tmp_path, book) == [
        warning(
            "no-target",
            "CSP-04 has no annual or quarterly target.",
            "Add an annual target, or set polarity to No polarity to track it only.",
            "Indicators",
            row,
        )
    ]


def test_quarterly_targets_alone_make_an_indicator_measurable(tmp_path):
    book = demo_book()
    book["Indicators"].set("CSP-01", "Cumulative", "No")
    book["Indicators"].set("CSP-01", "Annual target", None)
    assert findings_of(tmp_path, book) == []


def test_an_indicator_tracked_without_polarity_needs_no_target(tmp_path):
    book = demo_book()
    assert book["Indicators"].get("HWB-06", "Polarity") == "No polarity"
    assert book["Indicators"].get("HWB-06", "Annual target") is None
    assert findings_of(tmp_path, book) == []


def test_an_indicator_with_a_target_but_no_target_year_is_warned_about(tmp_path):
    book = demo_book()
    row = book["Indicators"].set("HSG-04", "Final target year", None)
    assert findings_of(tmp_path, book) == [
        warning(
            "no-target-year",
            "HSG-04 has no final target year.",
            "Say by when the final target is to be met, e.g. 2027-28.",
            "Indicators",
            row,
        )
    ]


# -- targets against baseline and profile --------------------------------------


@pytest.mark.parametrize(
    "code, target, baseline, polarity",
    [
        ("CYP-02", 45, "48.5", "higher is better"),  # a higher-is-better target below the baseline
        ("CYP-01", 8, "7.2", "lower is better"),  # a lower-is-better target above the baseline
    ],
)
def test_an_annual_target_worse_than_the_baseline_is_warned_about(tmp_path, code, target, baseline, polarity):
    book = demo_book()
    row = book["Indicators"].set(code, "Annual target", target)
    assert findings_of(tmp_path, book) == [
        warning(
            "target-worse-than-baseline",
            f"{code}: the annual target {target} is worse than the baseline {baseline} "
            f"for an indicator where {polarity}.",
            "Check the target and the polarity; a target may be set to limit a decline.",
            "Indicators",
            row,
        )
    ]


@pytest.mark.parametrize(
    "code, target",
    [
        ("CYP-02", 50),  # higher is better, target above the baseline 48.5
        ("CYP-02", 48.5),  # holding the baseline is not worse
        ("CYP-01", 7),  # lower is better, target below the baseline 7.2
        ("HWB-06", 1400),  # no polarity: any target is fine
    ],
)
def test_a_target_the_polarity_allows_raises_nothing(tmp_path, code, target):
    book = demo_book()
    book["Indicators"].set(code, "Annual target", target)
    book["Indicators"].set(code, "Final target year", "2027-28")
    assert findings_of(tmp_path, book) == []


def test_a_cumulative_profile_whose_q4_is_not_the_annual_target_is_an_error(tmp_path):
    book = demo_book()
    row = book["Indicators"].set("CYP-05", "Q4 target", 2300)
    assert findings_of(tmp_path, book) == [
        error(
            "profile-not-ending-at-annual",
            "CYP-05 is cumulative, but its Q4 target 2300 is not its annual target 2400.",
            "Make the Q4 target equal the annual target, or correct the profile.",
            "Indicators",
            row,
        )
    ]


def test_a_non_cumulative_profile_may_end_anywhere(tmp_path):
    book = demo_book()
    book["Indicators"].set("CYP-05", "Cumulative", "No")
    book["Indicators"].set("CYP-05", "Q4 target", 2300)
    assert findings_of(tmp_path, book) == []


@pytest.mark.parametrize("typed", ["5 per cent", "five", "%5", "-2", -2, "5%%"])
def test_a_malformed_tolerance_is_an_error(tmp_path, typed):
    book = demo_book()
    row = book["Indicators"].set("CSP-05", "Tolerance", typed)
    assert findings_of(tmp_path, book) == [
        error(
            "malformed-tolerance",
            f"Tolerance {str(typed)!r} is not understood.",
            "Type a percentage of the target such as 5% or an amount such as 2.",
            "Indicators",
            row,
            str(typed),
        )
    ]


# -- accountable -------------------------------------------------------------


def test_an_indicator_without_a_target_lead_is_an_error(tmp_path):
    book = demo_book()
    row = book["Indicators"].set("SKL-02", "Target lead", "  ")
    assert findings_of(tmp_path, book) == [
        error("no-lead", "SKL-02 has no target lead.", "Name the person accountable for the target.", "Indicators", row)
    ]


def test_an_action_without_an_owner_is_an_error(tmp_path):
    book = demo_book()
    row = book["Actions"].set("HWB-A2", "Owner", None)
    assert findings_of(tmp_path, book) == [
        error(
            "no-lead", "Action HWB-A2 has no owner.", "Name the person accountable in the Owner column.", "Actions", row
        )
    ]


def test_a_risk_without_an_owner_is_an_error(tmp_path):
    book = demo_book()
    row = book["Risks"].set("SKL-R1", "Owner", None)
    assert findings_of(tmp_path, book) == [
        error("no-lead", "Risk SKL-R1 has no owner.", "Name the person accountable in the Owner column.", "Risks", row)
    ]


def test_a_partnership_without_a_lead_officer_is_an_error(tmp_path):
    book = demo_book()
    row = book["Partnerships"].set("CSP", "Lead officer", None)
    assert findings_of(tmp_path, book) == [
        error(
            "no-lead",
            "Safer Brackenford Partnership has no lead officer.",
            "Name the lead officer, who receives the return.",
            "Partnerships",
            row,
        )
    ]


def test_a_partnership_finding_names_its_excel_row_after_a_blank_row(tmp_path):
    book = demo_book()
    book["Partnerships"].rows.insert(0, [None] * 5)
    row = book["Partnerships"].set("CSP", "Lead officer", None)
    assert [f.row for f in findings_of(tmp_path, book)] == [row]


def test_a_partnership_without_an_email_is_warned_about(tmp_path):
    book = demo_book()
    row = book["Partnerships"].set("SKL", "Email", None)
    assert findings_of(tmp_path, book) == [
        warning(
            "no-email",
            "Skills and Employability Partnership has no e-mail address.",
            "Add the address templates and reminders go to.",
            "Partnerships",
            row,
        )
    ]


def test_a_name_far_longer_than_files_and_reports_allow_is_an_error(tmp_path):
    # 250 characters broke the file names of every pack, and 225 Word's document title.
    book = demo_book()
    row = book["Partnerships"].set("SKL", "Name", "Skills " * 30)
    [found] = findings_of(tmp_path, book)
    assert (found.code, found.severity, found.row) == ("name-too-long", "error", row)
    assert found.fix == "Keep it to 150 characters or fewer."


# -- allowed values ----------------------------------------------------------


@pytest.mark.parametrize("typed", ["percent", "rate per 1000", "per cent", "hours"])
def test_a_unit_not_in_the_allowed_list_is_an_error(tmp_path, typed):
    book = demo_book()
    row = book["Indicators"].set("HSG-04", "Unit", typed)
    assert findings_of(tmp_path, book) == [
        error(
            "bad-unit",
            f"HSG-04: unit {typed!r} is not allowed.",
            f"Choose one of: {', '.join(UNITS)}.",
            "Indicators",
            row,
            typed,
        )
    ]


def test_a_polarity_not_in_the_allowed_list_is_an_error(tmp_path):
    book = demo_book()
    row = book["Indicators"].set("CSP-02", "Polarity", "Down is good")
    allowed = "Higher is better, Lower is better, No polarity"
    assert findings_of(tmp_path, book) == [
        error(
            "bad-polarity",
            f"Polarity 'Down is good' is not one of: {allowed}.",
            f"Choose one of: {allowed}.",
            "Indicators",
            row,
            "Down is good",
        )
    ]


def test_a_blank_polarity_is_an_error(tmp_path):
    book = demo_book()
    row = book["Indicators"].set("CSP-02", "Polarity", None)
    [found] = findings_of(tmp_path, book)
    assert (found.code, found.sheet, found.row, found.message) == (
        "bad-polarity",
        "Indicators",
        row,
        "Polarity '' is not one of: Higher is better, Lower is better, No polarity.",
    )


def test_a_frequency_not_in_the_allowed_list_is_an_error(tmp_path):
    book = demo_book()
    row = book["Indicators"].set("SKL-04", "Frequency", "Monthly")
    allowed = "Quarterly, Six-monthly, Annual"
    assert findings_of(tmp_path, book) == [
        error(
            "bad-frequency",
            f"Frequency 'Monthly' is not one of: {allowed}.",
            f"Choose one of: {allowed}.",
            "Indicators",
            row,
            "Monthly",
        )
    ]


def test_an_action_due_before_it_starts_is_an_error(tmp_path):
    book = demo_book()
    row = book["Actions"].set("HSG-A3", "Due date", date(2025, 6, 30))
    assert findings_of(tmp_path, book) == [
        error("bad-date", "Action HSG-A3 is due before it starts.", "Check the start and due dates.", "Actions", row)
    ]


def test_every_finding_names_a_sheet_a_row_and_a_fix(tmp_path):
    book = demo_book()
    book["Indicators"].set("CYP-01", "Unit", "percent")
    book["Indicators"].set("CYP-02", "Code", "CYP-03")
    book["Indicators"].set("CYP-05", "Q4 target", 1)
    book["Actions"].set("CSP-A1", "Owner", None)
    book["Risks"].set("CSP-R1", "Partnership", "Police")
    book["Partnerships"].set("HWB", "Lead officer", None)
    findings = findings_of(tmp_path, book)
    assert len(findings) == 7
    for found in findings:
        assert found.sheet and found.row and found.fix, found
        assert found.where == f"{found.sheet} row {found.row}"
