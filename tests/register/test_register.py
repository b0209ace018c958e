"""Reading the indicator register: headers by label in any order and case, typed records, cell findings."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from registers import DEMO_REGISTER, demo_book, run_cli, write_config, write_register

from pipeline.domain.errors import RegisterError
from pipeline.domain.findings import Finding
from pipeline.domain.records import Frequency, Polarity, Scheme, Tolerance
from pipeline.register.workbook import SHEETS, load_register, read_register


@pytest.fixture(scope="module")
def demo():
    register, findings = read_register(DEMO_REGISTER)
    assert findings == []
    return register


def read(tmp_path, book):
    return read_register(write_register(tmp_path / "register.xlsx", book))


def without_source(register):
    """The records alone, so two workbooks holding the same rows compare equal."""
    return (register.partnerships, register.indicators, register.actions, register.risks)


def test_the_demo_register_reads_into_typed_records(demo):
    assert (len(demo.partnerships), len(demo.indicators), len(demo.actions), len(demo.risks)) == (5, 30, 13, 10)
    assert [p.short_name for p in demo.partnerships] == ["CYP", "CSP", "HWB", "HSG", "SKL"]
    assert demo.partnership("CSP").lead_officer == "Priya Nair"
    assert [i.row for i in demo.indicators] == list(range(2, 32))
    assert demo.source == str(DEMO_REGISTER)
    assert demo.digest == hashlib.sha256(DEMO_REGISTER.read_bytes()).hexdigest()


def test_a_cumulative_profiled_indicator_keeps_every_figure_as_decimal(demo):
    apprenticeships = demo.by_code["SKL-06"]
    assert apprenticeships.title == "Apprenticeship starts"
    assert apprenticeships.partnership == "SKL"
    assert apprenticeships.unit == "count"
    assert apprenticeships.polarity is Polarity.HIGHER
    assert apprenticeships.frequency is Frequency.QUARTERLY
    assert apprenticeships.cumulative is True
    assert apprenticeships.baseline == Decimal("380")
    assert apprenticeships.annual_target == Decimal("420")
    assert apprenticeships.quarter_targets == (Decimal("90"), Decimal("200"), Decimal("310"), Decimal("420"))
    assert apprenticeships.final_target == Decimal("460")
    assert apprenticeships.final_target_year == "2027-28"
    assert apprenticeships.tolerance == Tolerance(Decimal("5"), True)
    assert apprenticeships.scheme is None
    assert apprenticeships.target_lead == "Fiona Marsh"
    assert apprenticeships.row == 31


def test_decimal_figures_are_exact_not_binary_floats(demo):
    mortality = demo.by_code["HWB-05"]
    assert mortality.baseline == Decimal("0.92")
    assert str(mortality.annual_target) == "0.85"
    assert demo.by_code["CSP-01"].quarter_targets[2] == Decimal("10.1")
    for indicator in demo.indicators:
        for figure in (indicator.baseline, indicator.annual_target, indicator.final_target, *indicator.quarter_targets):
            assert figure is None or type(figure) is Decimal


def test_tolerance_scheme_and_polarity_are_read_as_their_types(demo):
    assert demo.by_code["SKL-05"].tolerance == Tolerance(Decimal("0.5"), False)
    assert demo.by_code["CYP-03"].scheme is Scheme.FOUR_LEVEL
    assert demo.by_code["SKL-03"].scheme is Scheme.IMPROVEMENT
    assert demo.by_code["CYP-02"].frequency is Frequency.ANNUAL
    assert demo.by_code["HWB-01"].frequency is Frequency.SIX_MONTHLY
    no_target = demo.by_code["HWB-06"]
    assert (no_target.polarity, no_target.annual_target, no_target.tolerance) == (Polarity.NONE, None, None)


def test_actions_have_dates_and_risks_have_whole_number_scores(demo):
    action = demo.actions[0]
    assert (action.ref, action.partnership, action.owner) == ("CYP-A1", "CYP", "Daniel Price")
    assert (action.start, action.due) == (date(2025, 4, 1), date(2026, 3, 31))
    assert type(action.start) is date
    risk = next(r for r in demo.risks if r.ref == "HSG-R2")
    assert (risk.owner, risk.likelihood, risk.impact) == ("Neil Foster", 3, 5)
    assert risk.row == 9


def test_the_test_helper_writes_the_same_register_as_the_demo(tmp_path, demo):
    register, findings = read(tmp_path, demo_book())
    assert findings == []
    assert without_source(register) == without_source(demo)


def test_headers_are_matched_whatever_their_case_and_spacing(tmp_path, demo):
    book = demo_book()
    for sheet in book.values():
        sheet.headers = [
            f"  {h.upper().replace(' ', '   ')} " if n % 2 else h.lower() for n, h in enumerate(sheet.headers)
        ]
    book["Indicators"].rename_header("q1 target", "Q1-Target")
    book["Risks"].rename_header("likelihood (1-5)", "Likelihood")
    register, findings = read(tmp_path, book)
    assert findings == []
    assert without_source(register) == without_source(demo)


def test_columns_may_be_in_any_order(tmp_path, demo):
    book = demo_book()
    for sheet in book.values():
        sheet.reverse_columns()
    register, findings = read(tmp_path, book)
    assert findings == []
    assert without_source(register) == without_source(demo)


def test_sheet_names_are_matched_whatever_their_case(tmp_path, demo):
    book = {name.upper(): sheet for name, sheet in demo_book().items()}
    register, _findings = read(tmp_path, book)
    assert len(register.indicators) == 30


@pytest.mark.parametrize(
    "sheet, label",
    [
        (sheet, column.label)
        for sheet, columns in SHEETS.items()
        for column in columns
        if column.label in ("Short name", "Target lead", "Q4 target", "Owner", "Impact (1-5)")
    ],
)
def test_a_missing_required_column_is_refused_naming_the_sheet_and_column(tmp_path, sheet, label):
    book = demo_book()
    book[sheet].drop_column(label)
    with pytest.raises(RegisterError) as caught:
        read(tmp_path, book)
    assert str(caught.value) == (
        f"The register's {sheet} sheet has no {label!r} column. "
        f"Add a column headed {label!r} to row 1 of the {sheet} sheet."
    )


def test_a_missing_sheet_is_refused_naming_it_and_the_sheets_there_are(tmp_path):
    book = demo_book()
    del book["Risks"]
    with pytest.raises(RegisterError) as caught:
        read(tmp_path, book)
    assert str(caught.value) == (
        "The register register.xlsx has no sheet called 'Risks' "
        "(it has: Partnerships, Indicators, Actions). Add or rename a sheet to 'Risks'."
    )


def test_a_renamed_sheet_counts_as_missing(tmp_path):
    book = demo_book()
    book["KPIs"] = book.pop("Indicators")
    with pytest.raises(RegisterError, match="has no sheet called 'Indicators'"):
        read(tmp_path, book)


def test_a_register_structure_problem_exits_2_from_check(tmp_path):
    book = demo_book()
    book["Actions"].drop_column("Due date")
    config = write_config(tmp_path, write_register(tmp_path / "register.xlsx", book))
    code, _out, err = run_cli(["--config", str(config), "check"])
    assert code == 2
    assert err == (
        "pipeline: error: The register's Actions sheet has no 'Due date' column. "
        "Add a column headed 'Due date' to row 1 of the Actions sheet.\n"
    )


def test_a_file_that_is_not_a_workbook_is_refused_with_a_fix(tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_text("Code,Title\nCYP-01,NEET\n")
    with pytest.raises(RegisterError) as caught:
        read_register(path)
    assert str(caught.value).startswith("The register register.xlsx could not be opened as an Excel workbook (")
    assert str(caught.value).endswith("Open it in Excel, check it is an .xlsx file, and save it again.")


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(tmp_path):
    book = demo_book()
    indicators = book["Indicators"]
    indicators.rows.insert(6, [None] * len(indicators.headers))
    indicators.rows.insert(7, [""] * len(indicators.headers))
    book["Actions"].rows.append([None] * 6)
    register, findings = read(tmp_path, book)
    assert findings == []
    assert len(register.indicators) == 30
    assert len(register.actions) == 13
    assert register.by_code["CSP-01"].row == indicators.excel_row("CSP-01") == 10


# (sheet, row key, column, what was typed) -> (code, message, fix)
BAD_CELLS = [
    (
        "Indicators",
        "CYP-01",
        "Baseline",
        "twelve",
        "bad-number",
        "Baseline 'twelve' is not a number.",
        "Type a number (no words or units).",
    ),
    (
        "Indicators",
        "CYP-01",
        "Annual target",
        "6 percent",
        "bad-number",
        "Annual target '6 percent' is not a number.",
        "Type a number (no words or units).",
    ),
    (
        "Indicators",
        "CSP-01",
        "Q3 target",
        "NaN",
        "bad-number",
        "Q3 target 'NaN' is not a number.",
        "Type a number (no words or units).",
    ),
    (
        "Indicators",
        "CYP-05",
        "Annual target",
        "1e1000",  # overflowed every rating made with it
        "bad-number",
        "Annual target '1e1000' is not a number.",
        "Type a number (no words or units).",
    ),
    (
        "Indicators",
        "CYP-01",
        "Final target",
        True,
        "bad-number",
        "Final target 'True' is not a number.",
        "Type a number (no words or units).",
    ),
    (
        "Indicators",
        "CYP-05",
        "Cumulative",
        "Maybe",
        "bad-yes-no",
        "Cumulative 'Maybe' is not Yes or No.",
        "Type Yes or No.",
    ),
    (
        "Indicators",
        "CYP-01",
        "RAG scheme",
        "traffic lights",
        "bad-scheme",
        "RAG scheme 'traffic lights' is not one of: 3-level, 4-level, improvement.",
        "Choose one of: 3-level, 4-level, improvement.",
    ),
    (
        "Actions",
        "HSG-A1",
        "Due date",
        "next spring",
        "bad-date",
        "Due date 'next spring' is not a date.",
        "Type a date such as 31/03/2026.",
    ),
    (
        "Actions",
        "HSG-A1",
        "Start date",
        "31/02/2025",
        "bad-date",
        "Start date '31/02/2025' is not a date.",
        "Type a date such as 31/03/2026.",
    ),
    (
        "Risks",
        "CSP-R2",
        "Likelihood (1-5)",
        7,
        "bad-score",
        "Likelihood '7' is not a whole number from 1 to 5.",
        "Type 1, 2, 3, 4 or 5.",
    ),
    (
        "Risks",
        "CSP-R2",
        "Impact (1-5)",
        "high",
        "bad-score",
        "Impact 'high' is not a whole number from 1 to 5.",
        "Type 1, 2, 3, 4 or 5.",
    ),
    (
        "Risks",
        "CSP-R2",
        "Impact (1-5)",
        2.5,
        "bad-score",
        "Impact '2.5' is not a whole number from 1 to 5.",
        "Type 1, 2, 3, 4 or 5.",
    ),
]


@pytest.mark.parametrize(
    "sheet, key, label, typed, code, message, fix", BAD_CELLS, ids=[f"{c[4]}-{c[2]}-{c[3]}" for c in BAD_CELLS]
)
def test_a_bad_cell_becomes_a_finding_naming_sheet_row_and_fix(tmp_path, sheet, key, label, typed, code, message, fix):
    book = demo_book()
    row = book[sheet].set(key, label, typed)
    _register, findings = read(tmp_path, book)
    assert findings == [
        Finding(code=code, severity="error", message=message, fix=fix, sheet=sheet, row=row, value=str(typed))
    ]
    assert findings[0].where == f"{sheet} row {row}"


def test_figures_and_dates_typed_as_text_are_read(tmp_path):
    book = demo_book()
    book["Indicators"].set("HSG-03", "Baseline", "1,450")
    book["Indicators"].set("CYP-01", "Annual target", " 6.5% ")
    book["Actions"].set("CYP-A1", "Due date", "31/03/2026")
    book["Actions"].set("CYP-A2", "Due date", "2025-12-31")
    book["Actions"].set("CYP-A3", "Due date", "31 July 2026")
    book["Risks"].set("CYP-R1", "Impact (1-5)", "4")
    register, findings = read(tmp_path, book)
    assert findings == []
    assert register.by_code["HSG-03"].baseline == Decimal("1450")
    assert register.by_code["CYP-01"].annual_target == Decimal("6.5")
    assert [a.due for a in register.actions[:3]] == [date(2026, 3, 31), date(2025, 12, 31), date(2026, 7, 31)]
    assert register.risks[0].impact == 4


def test_choices_are_read_whatever_their_case_and_punctuation(tmp_path):
    book = demo_book()
    book["Indicators"].set("CYP-01", "Polarity", "lower IS better")
    book["Indicators"].set("CYP-01", "Frequency", "six monthly")
    book["Indicators"].set("CYP-01", "RAG scheme", "4 Level")
    book["Indicators"].set("CYP-01", "Cumulative", "Y")
    register, findings = read(tmp_path, book)
    assert findings == []
    neet = register.by_code["CYP-01"]
    assert (neet.polarity, neet.frequency, neet.scheme, neet.cumulative) == (
        Polarity.LOWER,
        Frequency.SIX_MONTHLY,
        Scheme.FOUR_LEVEL,
        True,
    )


def test_load_register_returns_a_sound_register(demo):
    assert load_register(DEMO_REGISTER).indicators == demo.indicators


def test_a_sound_register_is_cached_and_the_cached_copy_is_read_next_time(tmp_path, monkeypatch):
    path = write_register(tmp_path / "register.xlsx", demo_book())
    first = load_register(path, tmp_path / "cache")
    [kept] = (tmp_path / "cache").glob("register-*.pickle")

    def unread(_path):
        raise AssertionError("the workbook was read again")

    monkeypatch.setattr("pipeline.register.workbook.read_register", unread)
    assert load_register(path, tmp_path / "cache") == first
    assert list((tmp_path / "cache").glob("register-*.pickle")) == [kept]


def test_the_cached_register_brings_each_partnership_s_template_hash_with_it(tmp_path, monkeypatch):
    import json

    path = write_register(tmp_path / "register.xlsx", demo_book())
    load_register(path, tmp_path / "cache")
    cached = load_register(path, tmp_path / "cache")

    def worked_out_again(*args, **kwargs):
        raise AssertionError("a pass would pay about 4 ms a partnership for this")

    monkeypatch.setattr(json, "dumps", worked_out_again)
    hashes = {p.short_name: cached.rows_hash(p.short_name) for p in cached.partnerships}
    assert len(hashes) == len(cached.partnerships) and all(len(h) == 64 for h in hashes.values())


def test_an_edited_register_is_read_again_and_replaces_the_cached_copy(tmp_path):
    path = write_register(tmp_path / "register.xlsx", demo_book())
    before = load_register(path, tmp_path / "cache")
    book = demo_book()
    book["Indicators"].set("CYP-02", "Title", "Young people in education or training")
    write_register(path, book)
    after = load_register(path, tmp_path / "cache")
    assert after.by_code["CYP-02"].title == "Young people in education or training" != before.by_code["CYP-02"].title
    assert len(list((tmp_path / "cache").glob("register-*.pickle"))) == 1


def test_a_damaged_cached_register_is_read_again_from_the_workbook(tmp_path):
    path = write_register(tmp_path / "register.xlsx", demo_book())
    sound = load_register(path, tmp_path / "cache")
    [kept] = (tmp_path / "cache").glob("register-*.pickle")
    kept.write_bytes(b"not a pickle")
    assert load_register(path, tmp_path / "cache") == sound


def test_a_register_with_errors_is_never_cached(tmp_path):
    book = demo_book()
    book["Indicators"].set("CYP-02", "Unit", "percent")
    with pytest.raises(RegisterError):
        load_register(write_register(tmp_path / "register.xlsx", book), tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_load_register_refuses_a_register_with_errors_pointing_at_the_first(tmp_path):
    book = demo_book()
    row = book["Indicators"].set("CYP-02", "Unit", "percent")
    book["Risks"].set("CYP-R1", "Owner", None)
    with pytest.raises(RegisterError) as caught:
        load_register(write_register(tmp_path / "register.xlsx", book))
    assert str(caught.value) == (
        f"The register register.xlsx has 2 error(s), the first at Indicators row {row}: "
        "CYP-02: unit 'percent' is not allowed. "
        "Run `pipeline check` to see them all, correct the register, and try again."
    )


def test_a_cache_folder_that_cannot_be_written_costs_nothing_but_time(tmp_path):
    path = write_register(tmp_path / "register.xlsx", demo_book())
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    assert load_register(path, blocked).by_code["CYP-02"].code == "CYP-02"


def test_a_register_saved_again_while_it_is_read_is_not_cached_under_the_old_bytes(tmp_path, monkeypatch):
    import pipeline.register.workbook as register_module

    path = write_register(tmp_path / "register.xlsx", demo_book())
    edited = demo_book()
    edited["Indicators"].set("CYP-02", "Title", "Young people in education or training")
    read = register_module.read_register

    def saved_meanwhile(p):
        write_register(path, edited)  # the officer saves while the pass is between hashing and reading
        return read(p)

    monkeypatch.setattr(register_module, "read_register", saved_meanwhile)
    assert load_register(path, tmp_path / "cache").by_code["CYP-02"].title == "Young people in education or training"
    assert not list((tmp_path / "cache").glob("register-*.pickle"))


@pytest.mark.parametrize("sheet, key", [("Indicators", "HWB-02"), ("Actions", "HWB-A1"), ("Risks", "HWB-R2")])
def test_the_partnership_column_takes_the_full_name_as_well_as_the_short_one(tmp_path, sheet, key):
    book = demo_book()
    book[sheet].set(key, "Partnership", "  health and wellbeing  Partnership")
    register, findings = read_register(write_register(tmp_path / "register.xlsx", book))
    assert findings == []
    records = {"Indicators": register.indicators, "Actions": register.actions, "Risks": register.risks}[sheet]
    (record,) = [r for r in records if getattr(r, "code", None) == key or getattr(r, "ref", None) == key]
    assert record.partnership == "HWB"
