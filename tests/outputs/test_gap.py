"""Narrowing the gap: an indicator reported for named areas, from the register to the board's pages.

The demo register reports CYP-01 (NEET, lower is better) for 'Neighbourhood renewal
areas' against 'Rest of borough', and CSP-01 for two wards against the rest of the
borough; CYP's and CSP's returns therefore carry an Areas sheet.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from registers import demo_book, write_register
from spoil import Q1, Q2, Q3, Q4, drop_sheet, outcome, put

from pipeline.outputs.assemble import assemble
from pipeline.outputs.documents import write_documents
from pipeline.outputs.master import write_master
from pipeline.rating.rag import GapTrend
from pipeline.register.smart import check_register
from pipeline.register.workbook import read_register
from pipeline.returns.layout import AREA_HEADERS, AREAS

NRA, REST = "Neighbourhood renewal areas", "Rest of borough"


def _rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v is not None for v in r)]


# -- the register ------------------------------------------------------------------


def test_register_areas_are_read_in_order_with_the_comparison_area_last(register):
    indicator = register.by_code["CSP-01"]
    assert indicator.areas == ("Eastgate ward", "Northfield ward", REST)
    assert indicator.gap_pairs == (("Eastgate ward", REST), ("Northfield ward", REST))
    assert register.by_code["CYP-02"].areas == ()


def test_a_register_without_an_areas_column_still_reads(tmp_path):
    book = demo_book()
    book["Indicators"].drop_column("Areas")
    register, findings = read_register(write_register(tmp_path / "register.xlsx", book))
    assert findings == []
    assert all(i.areas == () for i in register.indicators)


@pytest.mark.parametrize(
    "areas, message",
    [
        ("Neighbourhood renewal areas", "CYP-01 names one area ('Neighbourhood renewal areas'), but a gap needs two."),
        ("North; north; Rest", "CYP-01 names the same area twice ('North; north; Rest')."),
        ("A; B; C; D; E; F; G", "CYP-01 names 7 areas; at most 6 can be reported."),
    ],
)
def test_areas_that_cannot_make_a_gap_are_register_errors(tmp_path, areas, message):
    book = demo_book()
    row = book["Indicators"].set("CYP-01", "Areas", areas)
    register, findings = read_register(write_register(tmp_path / "register.xlsx", book))
    [problem] = [f for f in findings + check_register(register) if f.code == "bad-areas"]
    assert (problem.severity, problem.where, problem.message) == ("error", f"Indicators row {row}", message)


# -- the template -------------------------------------------------------------------


def test_template_has_an_areas_sheet_with_one_input_row_per_indicator_and_area(workspace):
    ws = load_workbook(workspace.template("CYP", Q1))[AREAS]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0] == (*AREA_HEADERS, "Numerator", "Denominator")  # CYP-01 asks for its counts
    assert [r[:3] for r in rows[1:]] == [
        ("CYP-01", register_title(workspace, "CYP-01"), NRA),
        ("CYP-01", register_title(workspace, "CYP-01"), REST),
    ]
    actual = AREA_HEADERS.index("Actual") + 1
    assert ws.protection.sheet
    assert not ws.cell(2, actual).protection.locked and ws.cell(2, 1).protection.locked
    assert any(
        f"{ws.cell(2, actual).coordinate}" in str(v.sqref) and v.type == "decimal"
        for v in ws.data_validations.dataValidation
    )


def register_title(workspace, code: str) -> str:
    return workspace.register.by_code[code].title


def test_a_partnership_without_area_indicators_gets_no_areas_sheet(config, register, tmp_path):
    from pipeline.returns.generate import write_templates

    [path] = write_templates(config, register, Q1, ["HWB"], out_dir=tmp_path)
    assert AREAS not in load_workbook(path).sheetnames


# -- ingest -------------------------------------------------------------------------


def test_area_figures_are_stored_with_the_indicator(workspace):
    workspace.submit("cyp.xlsx", areas={("CYP-01", NRA): Decimal("9.1"), ("CYP-01", REST): Decimal("4.4")})
    assert outcome(workspace.run(), "cyp.xlsx").verdict == "accepted"
    with workspace.store() as store:
        [value] = [h for h in store.history() if h.code == "CYP-01"]
    assert value.area_values == ((NRA, Decimal("9.1")), (REST, Decimal("4.4")))


def test_text_in_an_area_figure_rejects_the_return_naming_the_cell(workspace):
    workspace.submit("cyp.xlsx", areas={("CYP-01", NRA): "about nine"})
    result = outcome(workspace.run(), "cyp.xlsx")
    assert result.verdict == "rejected"
    [error] = [f for f in result.findings if f.severity == "error"]
    assert (error.code, error.where, error.value) == ("not-a-number", f"{AREAS}!F2", "about nine")
    assert error.message.startswith(f'CYP-01, {NRA}: "about nine"')


def test_a_blank_area_figure_is_a_warning_naming_the_cell(workspace):
    workspace.submit("cyp.xlsx", areas={("CYP-01", REST): ""})
    result = outcome(workspace.run(), "cyp.xlsx")
    assert result.verdict == "accepted"
    assert [(f.code, f.where, f.message) for f in result.findings] == [
        ("missing-area-value", f"{AREAS}!F3", f"CYP-01 has a figure but none for {REST}.")
    ]


def test_a_return_without_the_areas_sheet_is_accepted_with_a_warning(workspace):
    workspace.drop(drop_sheet(workspace.fill("cyp.xlsx"), AREAS))
    result = outcome(workspace.run(), "cyp.xlsx")
    assert result.verdict == "accepted"
    assert [(f.code, f.severity) for f in result.findings] == [("area-sheet-missing", "warning")]
    with workspace.store() as store:
        [value] = [h for h in store.history() if h.code == "CYP-01"]
    assert value.area_values == ()


def test_an_edited_area_row_is_ignored_with_a_warning(workspace):
    path = put(workspace.fill("cyp.xlsx"), AREAS, "CYP-01", "Area", "Somewhere else")
    workspace.drop(path)
    result = outcome(workspace.run(), "cyp.xlsx")
    codes = sorted(f.code for f in result.findings)
    assert result.verdict == "accepted" and codes == ["missing-area-value", "unknown-area"]


# -- rating and reporting ------------------------------------------------------------


@pytest.fixture
def two_quarters(workspace):
    """CYP-01's gap: 4.0 points in Q1, 2.5 in Q2 (the renewal areas behind, NEET lower is better)."""
    workspace.submit("q1.xlsx", areas={("CYP-01", NRA): Decimal("9.0"), ("CYP-01", REST): Decimal("5.0")})
    workspace.run()
    workspace.now += timedelta(days=91)
    workspace.submit("q2.xlsx", period=Q2, areas={("CYP-01", NRA): Decimal("7.5"), ("CYP-01", REST): Decimal("5.0")})
    assert outcome(workspace.run(), "q2.xlsx").verdict == "accepted"
    with workspace.store() as store:
        return assemble(workspace.config, workspace.register, store, Q2)


def test_gap_narrowing_since_the_last_quarter(two_quarters):
    [cyp01] = [i for p in two_quarters.partnerships for i in p.indicators if i.indicator.code == "CYP-01"]
    [g] = cyp01.gaps
    assert (g.area, g.compared_with, g.area_value, g.compared_value, g.before_period) == (
        NRA,
        REST,
        Decimal("7.5"),
        Decimal("5.0"),
        "2025-26 Q1",
    )
    assert (g.result.now, g.result.before, g.result.trend, g.result.area_behind) == (
        Decimal("2.5"),
        Decimal("4.0"),
        GapTrend.NARROWING,
        True,
    )


def test_master_workbook_has_the_gap_sheet_and_the_trend_beside_the_indicator(two_quarters, workspace):
    book = load_workbook(write_master(two_quarters, workspace.outbox))
    rows = _rows(book["Gaps"])
    assert [(r["Code"], r["Area"], r["Gap trend"]) for r in rows if r["Code"] != "CYP-01"] == [
        ("CSP-01", "Eastgate ward", "Not comparable"),
        ("CSP-01", "Northfield ward", "Not comparable"),
        ("SKL-01", NRA, "Not comparable"),
    ], "CSP and SKL sent no return: their gaps are listed, not comparable"
    [row] = [r for r in rows if r["Code"] == "CYP-01"]
    assert (row["Code"], row["Area"], row["Area figure"], row["Compared with"], row["Comparison figure"]) == (
        "CYP-01",
        NRA,
        7.5,
        REST,
        5,
    )
    assert (row["Gap"], row["Area is"], row["Compared with report"], row["Gap then"], row["Gap trend"]) == (
        2.5,
        "Behind",
        "2025-26 Q1",
        4,
        "Narrowing",
    )
    indicators = {r["Code"]: r for r in _rows(book["Indicators"])}
    assert indicators["CYP-01"]["Gap between areas"] == f"{NRA}: Narrowing"
    assert indicators["CYP-03"]["Gap between areas"] is None


def test_highlight_report_shows_the_gap_in_words(two_quarters, workspace):
    from docx import Document

    paths = write_documents(two_quarters, workspace.config, workspace.outbox / Q2.slug, pdf=False)
    doc = Document(str(next(p for p in paths if p.name.startswith("highlight-CYP"))))
    [table] = [t for t in doc.tables if "Gap at last report" in [c.text for c in t.rows[0].cells]]
    [row] = [[c.text for c in r.cells] for r in table.rows[1:]]
    # 7.5% against 5% is a gap of 2.5 percentage points, not of 2.5%.
    assert row[1:] == [
        NRA,
        "7.5%",
        REST,
        "5%",
        "2.5 percentage points (behind)",
        "4 percentage points (2025-26 Q1)",
        "Narrowing",
    ]
    assert "Narrowing the gap" in [p.text for p in doc.paragraphs]
    other = Document(str(next(p for p in paths if p.name.startswith("highlight-HWB"))))
    assert "Narrowing the gap" not in [p.text for p in other.paragraphs]


# -- a cumulative indicator: like compared with like ---------------------------------

EASTGATE = "Eastgate ward"
# CSP-01 (serious acquisitive crime, cumulative, lower is better): each quarter's own rate in
# Eastgate and in the rest of the borough. The quarters' own gaps are 2.67, 2.57, 2.76 and 1.08,
# so they mostly narrow, while the running totals' gap grows every quarter (2.67, 5.24, 8.00, 9.08).
EASTGATE_OWN = (Decimal("6.07"), Decimal("5.97"), Decimal("6.06"), Decimal("4.48"))
REST_OWN = (Decimal("3.40"), Decimal("3.40"), Decimal("3.30"), Decimal("3.40"))


@pytest.fixture
def cumulative_year(workspace):
    """CSP's four returns of 2025-26, each giving CSP-01's running totals for Eastgate and the rest."""
    east = rest = Decimal(0)
    for period, east_own, rest_own in zip((Q1, Q2, Q3, Q4), EASTGATE_OWN, REST_OWN, strict=True):
        east, rest = east + east_own, rest + rest_own
        workspace.reporting(period)
        name = f"csp-{period.slug}.xlsx"
        workspace.submit(name, short="CSP", period=period, areas={("CSP-01", EASTGATE): east, ("CSP-01", REST): rest})
        assert outcome(workspace.run(), name).verdict == "accepted"
    return workspace


def _csp01_gap(workspace, period):
    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, period)
    [csp01] = [i for p in report.partnerships for i in p.indicators if i.indicator.code == "CSP-01"]
    [g] = [g for g in csp01.gaps if g.area == EASTGATE]
    return report, g


@pytest.mark.parametrize(
    "period, now, before, trend",
    [
        (Q2, Decimal("2.57"), Decimal("2.67"), GapTrend.NARROWING),
        (Q3, Decimal("2.76"), Decimal("2.57"), GapTrend.WIDENING),
        (Q4, Decimal("1.08"), Decimal("2.76"), GapTrend.NARROWING),
    ],
)
def test_a_cumulative_gap_is_compared_quarter_on_quarter_by_each_quarters_own_amounts(
    cumulative_year, period, now, before, trend
):
    _, g = _csp01_gap(cumulative_year, period)
    assert (g.result.now, g.result.before, g.result.trend, g.result.area_behind) == (now, before, trend, True)
    assert g.before_period == str(period.previous())


def test_a_cumulative_gaps_figures_are_the_quarters_own_amounts(cumulative_year):
    _, g = _csp01_gap(cumulative_year, Q4)
    assert (g.area_value, g.compared_value, g.quarter_alone) == (Decimal("4.48"), Decimal("3.40"), True)


def test_a_cumulative_gap_in_the_first_quarter_is_its_running_total_against_last_years(cumulative_year):
    _, g = _csp01_gap(cumulative_year, Q1)
    assert (g.area_value, g.compared_value, g.quarter_alone) == (Decimal("6.07"), Decimal("3.40"), False)
    assert (g.result.now, g.result.trend, g.before_period) == (Decimal("2.67"), GapTrend.NOT_COMPARABLE, "")


def test_highlight_report_says_a_cumulative_gap_is_the_quarters_own(cumulative_year):
    from docx import Document

    workspace = cumulative_year
    report, _ = _csp01_gap(workspace, Q4)
    paths = write_documents(report, workspace.config, workspace.outbox / Q4.slug, pdf=False)
    doc = Document(str(next(p for p in paths if p.name.startswith("highlight-CSP"))))
    [table] = [t for t in doc.tables if "Gap at last report" in [c.text for c in t.rows[0].cells]]
    [row] = [[c.text for c in r.cells] for r in table.rows[1:] if r.cells[1].text == EASTGATE]
    assert row[1:] == [
        EASTGATE,
        "4.48 per 1,000 (this quarter alone)",
        REST,
        "3.4 per 1,000 (this quarter alone)",
        "1.08 per 1,000 (behind, this quarter alone)",
        "2.76 per 1,000 (2025-26 Q3 alone)",
        "Narrowing",
    ]


def test_master_workbook_gap_sheet_compares_a_cumulative_gap_quarter_by_quarter(cumulative_year):
    workspace = cumulative_year
    report, _ = _csp01_gap(workspace, Q4)
    rows = _rows(load_workbook(write_master(report, workspace.outbox))["Gaps"])
    [row] = [r for r in rows if r["Code"] == "CSP-01" and r["Area"] == EASTGATE]
    assert (row["Area figure"], row["Comparison figure"], row["Gap"], row["Gap then"], row["Gap trend"]) == (
        4.48,
        3.4,
        1.08,
        2.76,
        "Narrowing",
    )
    indicators = {r["Code"]: r for r in _rows(load_workbook(write_master(report, workspace.outbox))["Indicators"])}
    assert indicators["CSP-01"]["Gap between areas"] == f"{EASTGATE}: Narrowing; Northfield ward: No change"
