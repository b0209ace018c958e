"""The board paper read back as a committee clerk reads it: the committee format's sections in
order, the recommendations a board can resolve, narrowing the gap, what a rejected return means,
the contact officer and the footer."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from test_documents import all_text, build_report, by_name, make_config, open_docx, rows_of, status, with_cyp

from pipeline.domain.settings import BoardPaperSettings
from pipeline.outputs.assemble import AreaGap, Rejection
from pipeline.outputs.documents import write_documents
from pipeline.rating.rag import GapResult, GapTrend

BOARD_PAPER = "board-paper-2025-26-Q2.docx"
SECTIONS = [
    "PERFORMANCE AT A GLANCE: 2025-26 Q2",
    "1.0 PURPOSE OF THE REPORT",
    "2.0 RECOMMENDATION(S)",
    "3.0 BACKGROUND",
    "4.0 PERFORMANCE SUMMARY",
    "5.0 EXCEPTIONS",
    "6.0 NARROWING THE GAP",
    "7.0 DELIVERY PLAN",
    "8.0 RISKS",
    "9.0 RETURNS",
    "10.0 POLICY IMPLICATIONS",
    "11.0 FINANCIAL IMPLICATIONS",
    "12.0 IMPLICATIONS FOR THE PARTNERSHIP'S PRIORITIES",
    "13.0 RISK ANALYSIS",
    "14.0 EQUALITY AND DIVERSITY ISSUES",
    "15.0 LIST OF BACKGROUND PAPERS",
]


def from_config(report, config):
    """The report with what assemble takes from config.toml for the board paper."""
    return dataclasses.replace(
        report,
        paper=config.board_paper,
        board_officer_email=config.board_officer_email,
        board_officer_telephone=config.board_officer_telephone,
    )


def paper(tmp_path, report=None, extra: str = ""):
    config = make_config(tmp_path, extra)
    paths = write_documents(from_config(report or build_report(), config), config, tmp_path / "out", pdf=False)
    return open_docx(by_name(paths, BOARD_PAPER))


def paragraphs_after(doc, heading: str) -> list[str]:
    """The body paragraphs from a Heading 1 up to the next one."""
    texts, inside = [], False
    for p in doc.paragraphs:
        if p.style.name == "Heading 1":
            inside = p.text == heading
            continue
        if inside and p.text.strip():
            texts.append(p.text)
    return texts


def with_gap(report):
    scp = report.partnerships[0]
    sc01 = scp.indicators[0]
    gap = AreaGap(
        area="Neighbourhood renewal areas",
        area_value=Decimal("38.5"),
        compared_with="Rest of borough",
        compared_value=Decimal("29"),
        before_period="2025-26 Q1",
        result=GapResult(Decimal("9.5"), Decimal("11"), GapTrend.NARROWING, True),
    )
    sc01 = dataclasses.replace(sc01, gaps=(gap,))
    scp = dataclasses.replace(scp, indicators=(sc01,) + scp.indicators[1:])
    return dataclasses.replace(report, partnerships=(scp,) + report.partnerships[1:])


def test_after_the_performance_sections_come_the_committee_format_s_implications_and_papers(tmp_path):
    doc = paper(tmp_path)
    top = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert top[: len(SECTIONS)] == SECTIONS
    assert top[len(SECTIONS)].startswith("APPENDIX")
    defaults = BoardPaperSettings()
    assert paragraphs_after(doc, "10.0 POLICY IMPLICATIONS") == [f"10.1 {defaults.policy_implications}"]
    assert paragraphs_after(doc, "11.0 FINANCIAL IMPLICATIONS") == [f"11.1 {defaults.financial_implications}"]
    assert paragraphs_after(doc, "14.0 EQUALITY AND DIVERSITY ISSUES") == [f"14.1 {defaults.equality_and_diversity}"]


def test_the_implications_are_the_config_s_words(tmp_path):
    doc = paper(
        tmp_path,
        extra='[board_paper]\nfinancial_implications = "The hub overspend of £40,000 is met from reserves."\n'
        'risk_analysis = "See the corporate risk register."\n',
    )
    assert paragraphs_after(doc, "11.0 FINANCIAL IMPLICATIONS") == [
        "11.1 The hub overspend of £40,000 is met from reserves."
    ]
    assert paragraphs_after(doc, "13.0 RISK ANALYSIS") == ["13.1 See the corporate risk register."]


def test_background_papers_are_the_register_version_the_master_workbook_and_the_returns(tmp_path):
    report = build_report()
    hwb = report.partnerships[1]
    hwb = dataclasses.replace(hwb, status=dataclasses.replace(hwb.status, file_name="HWB return Q2.xlsx"))
    report = dataclasses.replace(report, partnerships=(report.partnerships[0], hwb) + report.partnerships[2:])
    papers = "\n".join(paragraphs_after(paper(tmp_path, report), "15.0 LIST OF BACKGROUND PAPERS"))
    assert "The indicator register: register.xlsx, version abc" in papers
    assert "The master indicator workbook for 2025-26 Q2: master-2025-26-Q2.xlsx" in papers
    assert "The Health & Wellbeing Board's return: HWB return Q2.xlsx, received 24 October 2025 at 17:40" in papers


def test_the_contact_officer_has_a_telephone_and_an_e_mail(tmp_path):
    from pipeline.config.load import load_config

    make_config(tmp_path)
    shipped = (tmp_path / "config.toml").read_text(encoding="utf-8")
    (tmp_path / "config.toml").write_text(
        shipped.replace(
            "[organisation]\n",
            '[organisation]\nboard_officer = "Alex Morgan, Partnership Performance Manager"\n'
            'board_officer_email = "performance@brackenford.example.org"\n'
            'board_officer_telephone = "01632 960 123"\n',
        ),
        encoding="utf-8",
    )
    config = load_config(tmp_path / "config.toml")
    paths = write_documents(from_config(build_report(), config), config, tmp_path / "out", pdf=False)
    text = all_text(open_docx(by_name(paths, BOARD_PAPER)))
    assert (
        "Contact officer: Alex Morgan, Partnership Performance Manager. "
        "Telephone: 01632 960 123. E-mail: performance@brackenford.example.org."
    ) in text


def test_the_footer_reads_page_n_of_m_on_a_line_of_its_own(tmp_path):
    doc = paper(tmp_path)
    footer = doc.sections[0].footer._element
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    lines = []
    for p in footer.findall(".//w:p", ns):
        parts = []
        for el in p.iter():
            if el.tag.endswith("}fldSimple"):
                parts.append("{" + el.get(f"{{{ns['w']}}}instr").strip() + "}")
            elif el.tag.endswith("}t") and el.getparent().getparent().tag.endswith("}p"):
                parts.append(el.text or "")
        lines.append("".join(parts))
    assert "Page {PAGE} of {NUMPAGES}" in lines
    assert all("Page" not in line for line in lines if line != "Page {PAGE} of {NUMPAGES}")


def recommendations(doc) -> list[str]:
    return paragraphs_after(doc, "2.0 RECOMMENDATION(S)")[1:]


def test_recommendations_are_resolutions_each_with_its_reason(tmp_path):
    report = build_report()
    scp = report.partnerships[0]
    sc01 = dataclasses.replace(scp.indicators[0], red_run=3)
    scp = dataclasses.replace(scp, indicators=(sc01,) + scp.indicators[1:])
    report = dataclasses.replace(report, partnerships=(scp,) + report.partnerships[1:])
    listed = recommendations(paper(tmp_path, report))
    assert all("Reason: " in r for r in listed), listed
    agree, escalate, deep_dive, note = listed
    assert agree.startswith("agrees this quarter's overrides of the calculated ratings: HW02 Amber/Red in place of Red")
    assert escalate.startswith(
        "asks the chair of the Children and Young People's Partnership (Cllr R. Shah) to see that its return for "
        "2025-26 Q2 is sent: none has been received."
    )
    assert "its 2 indicators cannot be rated" in escalate
    assert deep_dive.startswith(
        "commissions a deep dive into SC01 Repeat victims of domestic abuse (Safer Communities Partnership; "
        "target lead: Target Lead), rated Red for 3 quarters running, to report to its next meeting."
    )
    assert note.startswith("notes the rest of the report:")


def test_without_a_red_run_or_a_missing_return_only_the_notes_remain(tmp_path):
    report = with_cyp(build_report(), status=status("accepted", due=2))
    listed = recommendations(paper(tmp_path, report))
    assert [r.split(" ", 1)[0] for r in listed] == ["agrees", "notes"]


def test_each_exception_names_its_target_lead(tmp_path):
    doc = paper(tmp_path)
    exceptions = [t for t in doc.tables if "Commentary and remedial action" in [c.text for c in t.rows[0].cells]]
    first = rows_of(exceptions[0])[1][0]
    assert first.startswith("SC01 Repeat victims of domestic abuse") and "Target lead: Target Lead" in first


def test_narrowing_the_gap_says_the_gap_now_then_and_whether_it_narrowed(tmp_path):
    doc = paper(tmp_path, with_gap(build_report()))
    text = "\n".join(paragraphs_after(doc, "6.0 NARROWING THE GAP"))
    assert "1 indicator is reported by area" in text
    [table] = [t for t in doc.tables if "Gap now" in [c.text for c in t.rows[0].cells]]
    [row] = rows_of(table)[1:]
    assert row[0] == "SC01 Repeat victims of domestic abuse"
    assert row[1] == "Neighbourhood renewal areas (38.5%) against Rest of borough (29%)"
    assert row[2].startswith("9.5 percentage points")
    assert row[3].startswith("11 percentage points (2025-26 Q1")
    assert row[4] == "Narrowed: the gap is 1.5 percentage points smaller"


def test_without_indicators_reported_by_area_the_gap_section_says_so(tmp_path):
    text = "\n".join(paragraphs_after(paper(tmp_path), "6.0 NARROWING THE GAP"))
    assert "No indicator due this quarter is reported by area" in text


def test_a_rejected_return_gives_the_reason_the_date_the_last_figures_and_what_was_done(tmp_path):
    rejection = Rejection(
        file_name="CYP return Q2.xlsx",
        received_at="2025-10-20T09:15:00Z",
        reasons=("Indicators!J14: 'twelve' is not a number", "Indicators!J15: the actual is missing"),
        feedback_at="2025-10-20T09:16:00Z",
        escalated_at="2025-10-29T08:00:00Z",
        last_period="2025-26 Q1",
        last_figures=(
            ("CY01", "Children in need", Decimal("310"), "rate per 1,000"),
            ("CY02", "Pupils achieving 5 GCSEs", Decimal("52"), "%"),
        ),
    )
    report = with_cyp(build_report(), status=status("rejected", due=2, rejected=1), rejection=rejection)
    text = "\n".join(paragraphs_after(paper(tmp_path, report), "9.0 RETURNS"))
    assert (
        "The Children and Young People's Partnership's return (CYP return Q2.xlsx), received 20 October 2025 at "
        "10:15, was rejected: Indicators!J14: 'twelve' is not a number; Indicators!J15: the actual is missing."
    ) in text
    assert "The submitter was told how to put it right on 20 October 2025" in text
    assert "escalated to the board officer on 29 October 2025" in text
    assert (
        "Its last accepted figures, for 2025-26 Q1: CY01 Children in need 310 per 1,000; CY02 Pupils achieving 5 GCSEs 52%."
        in text
    )
