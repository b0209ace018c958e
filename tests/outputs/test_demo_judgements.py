"""`make demo` shows every judgement label of the forecast, SPC and comparator work in its packs:
the master workbooks' cells and the highlight reports' tables of 2025-26 Q1 and Q2."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from openpyxl import load_workbook

DEMO_QUARTERS = ("2025-26-Q1", "2025-26-Q2")
VARIATION = {
    "Common cause",
    "Special cause: improving",
    "Special cause: concerning",
    "Special cause: higher",
    "Special cause: lower",
    "Not enough points",
}
ASSURANCE = {"Consistently passing", "Consistently failing", "Hit and miss", "Not enough points"}
COMPARED = {"Similar", "Better", "Worse", "Higher", "Lower", "Not compared"}
GAP_TRENDS = {"Narrowing (significant)", "Narrowing (not significant)"}


def _column(sheet, header: str) -> set[str]:
    rows = sheet.iter_rows(values_only=True)
    headers = next(rows)
    return {str(row[headers.index(header)]) for row in rows if row[headers.index(header)] is not None}


def _masters(outbox: Path):
    for quarter in DEMO_QUARTERS:
        yield load_workbook(outbox / quarter / f"master-{quarter}.xlsx", read_only=True)


def test_the_demo_master_workbooks_give_every_variation_assurance_comparison_and_tested_gap(demo_outbox):
    variation, assurance, compared, trends = set(), set(), set(), set()
    for book in _masters(demo_outbox):
        sheet = book["Indicators"]
        headers = next(sheet.iter_rows(values_only=True))
        variation |= _column(sheet, "Variation")
        assurance |= _column(sheet, "Assurance")
        for header in (h for h in headers if h and h.startswith("Compared with ")):
            compared |= _column(sheet, header)
        trends |= _column(book["Gaps"], "Gap trend")
    assert VARIATION - variation == set()
    assert ASSURANCE - assurance == set()
    assert COMPARED - compared == set()
    assert GAP_TRENDS - trends == set()


def test_the_demo_highlight_reports_show_every_variation_assurance_and_tested_gap(demo_outbox):
    cells = {
        cell.text
        for quarter in DEMO_QUARTERS
        for path in sorted((demo_outbox / quarter).glob("highlight-*.docx"))
        for table in Document(str(path)).tables
        for row in table.rows
        for cell in row.cells
    }
    assert (VARIATION | ASSURANCE | GAP_TRENDS) - cells == set()


def test_no_polarity_alcohol_admissions_rise_then_fall_below_the_limits(demo_outbox):
    """HWB-06 has no polarity: its special causes read higher (Q1, after a rising run) and lower (Q2)."""
    seen = []
    for book in _masters(demo_outbox):
        rows = book["Indicators"].iter_rows(values_only=True)
        headers = next(rows)
        [row] = [r for r in rows if r[headers.index("Code")] == "HWB-06"]
        seen.append(row[headers.index("Variation")])
    assert seen == ["Special cause: higher", "Special cause: lower"]


def _chart_titles(docx: Path) -> set[str]:
    """The codes of the SPC charts in a Word document, from each chart part's title."""
    import re
    import zipfile

    with zipfile.ZipFile(docx) as archive:
        parts = [n for n in archive.namelist() if re.fullmatch(r"word/charts/chart\d+\.xml", n)]
        charts = [archive.read(n).decode() for n in parts]
        titles = [re.search(r"<a:t>([^<:]+):", c).group(1) for c in charts if "Statistical process control" in c]
    assert len(titles) == len(set(titles)), f"{docx.name}: an indicator charted twice"
    return set(titles)


def test_every_indicator_with_twelve_figures_has_its_spc_chart_in_the_highlight_report(demo_outbox):
    quarter = DEMO_QUARTERS[-1]
    book = load_workbook(demo_outbox / quarter / f"master-{quarter}.xlsx", read_only=True)
    rows = book["Indicators"].iter_rows(values_only=True)
    headers = next(rows)
    charted = {
        row[headers.index("Code")] for row in rows if row[headers.index("Variation")] not in (None, "Not enough points")
    }
    assert len(charted) >= 20, charted  # the demo's history gives most indicators a chart
    drawn = [_chart_titles(docx) for docx in sorted((demo_outbox / quarter).glob("highlight-*.docx"))]
    assert set().union(*drawn) == charted
    assert sum(map(len, drawn)) == len(charted)  # each in its own partnership's report only
