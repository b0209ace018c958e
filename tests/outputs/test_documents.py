"""Word highlight reports, the board paper, their PDFs and the public summary.

The report is built directly from the assemble dataclasses: four partnerships,
every rating, exceptions whose commentary holds '&', '<b>' and an =HYPERLINK,
actions off track, risks in every band, and a missing, a late and a provisional return.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.config.load import load_config
from pipeline.domain.errors import TemplateError
from pipeline.domain.periods import Period
from pipeline.domain.records import Frequency, Indicator, Partnership, Polarity, Scheme, Tolerance
from pipeline.domain.settings import RagSettings
from pipeline.domain.wording import difference, figure
from pipeline.outputs.assemble import (
    ActionResult,
    IndicatorResult,
    PartnershipReport,
    PeriodReport,
    ReturnStatus,
    RiskResult,
    TrendPoint,
)
from pipeline.outputs.charts import ChartCache
from pipeline.outputs.documents import (
    docx_text_parts,
    meeting_date,
    write_documents,
)
from pipeline.outputs.docx_context import override_words, status_detail
from pipeline.outputs.overrides import Overrides
from pipeline.outputs.pdf import convert_to_pdf, find_soffice
from pipeline.outputs.public_summary import summary_context
from pipeline.rating.rag import ActionRag, ActionRating, Direction, Movement, Rag, RatedOutcome, RiskBand

PERIOD = Period(2025, 2)
ROGUE_COMMENTARY = "A&E attendances rose <b>sharply</b> & stayed high"
HYPERLINK = '=HYPERLINK("http://evil.example/x", "click here")'
REMEDIAL = "Extra triage & streaming at the front door from 1 November"
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
]


def indicator(
    code: str,
    partnership: str,
    title: str,
    unit: str,
    target: str | None,
    actual: str | None,
    rag: Rag,
    *,
    polarity: Polarity = Polarity.HIGHER,
    commentary: str = "",
    remedial: str = "",
    dot: Direction = Direction.NOT_COMPARABLE,
    quality: str = "Actual",
    overridden_from: Rag | None = None,
) -> IndicatorResult:
    target_d = Decimal(target) if target is not None else None
    actual_d = Decimal(actual) if actual is not None else None
    trend = tuple(
        TrendPoint(str(p), None if actual_d is None else actual_d - 3 + n, target_d)
        for n, p in enumerate(PERIOD.back(8))
    )
    if actual_d is not None:
        trend = trend[:-1] + (TrendPoint(str(PERIOD), actual_d, target_d),)
    return IndicatorResult(
        indicator=Indicator(
            code=code,
            title=title,
            partnership=partnership,
            unit=unit,
            polarity=polarity,
            frequency=Frequency.QUARTERLY,
            cumulative=False,
            baseline=None,
            baseline_period="",
            annual_target=target_d,
            quarter_targets=(None, None, None, None),
            final_target=None,
            final_target_year="",
            tolerance=None,
            scheme=None,
            target_lead="Target Lead",
            delivery_group="",
            data_source="Local data",
            definition="",
        ),
        target=target_d,
        actual=actual_d,
        same_period_last_year=None,
        previous=None,
        data_quality=quality,
        commentary=commentary,
        remedial_action=remedial,
        outcome=RatedOutcome(
            computed=overridden_from or rag,
            final=rag,
            overridden=overridden_from is not None,
            reason="Known data lag" if overridden_from else "",
            who="AM" if overridden_from else "",
        ),
        dot_previous=dot,
        dot_last_year=dot,
        source_file="return.xlsx",
        submitted_at="2025-10-20T09:15:00Z",
        trend=trend,
    )


def action(
    ref: str, text: str, rag: ActionRag, reason: str, percent: str | None = None, due: date | None = date(2026, 3, 31)
) -> ActionResult:
    return ActionResult(
        ref=ref,
        action=text,
        owner="J. Patel",
        start=date(2025, 4, 1),
        due=due,
        percent_complete=Decimal(percent) if percent else None,
        commentary=f"Update on {ref}",
        rating=ActionRating(rag, "On track", Decimal("50"), reason),
        is_new=False,
    )


def risk(
    ref: str, likelihood: int | None, impact: int | None, band: RiskBand, movement: Movement = Movement.NO_CHANGE
) -> RiskResult:
    score = likelihood * impact if likelihood and impact else None
    return RiskResult(
        ref=ref,
        risk=f"Risk {ref}: funding & staffing",
        owner="C. Hughes",
        likelihood=likelihood,
        impact=impact,
        score=score,
        band=band,
        previous_score=score,
        movement=movement,
        mitigation=f"Mitigation for {ref}",
        commentary="",
    )


def status(
    state: str, *, late: bool = False, due: int = 4, with_data: int | None = None, rejected: int = 0
) -> ReturnStatus:
    accepted = state in ("accepted", "provisional")
    received = "" if not accepted else ("2025-10-24T16:40:00Z" if late else "2025-10-17T11:02:00Z")
    return ReturnStatus(
        state=state,
        received_at=received,
        completed_by="Sam Lee" if accepted else "",
        email="",
        file_name="",
        late=late,
        due_count=due,
        with_data=(due if with_data is None else with_data) if received else 0,
        rejected_attempts=rejected,
    )


def partnership(
    short: str, name: str, indicators, actions=(), risks=(), state=None, commentary="Steady quarter."
) -> PartnershipReport:
    counts: dict[Rag, int] = {}
    for i in indicators:
        counts[i.rag] = counts.get(i.rag, 0) + 1
    return PartnershipReport(
        partnership=Partnership(
            name=name, short_name=short, chair="Cllr R. Shah", lead_officer="D. Okafor", email="x@example.org"
        ),
        indicators=tuple(indicators),
        actions=tuple(actions),
        risks=tuple(risks),
        status=state or status("accepted", due=len(indicators)),
        overall_commentary=commentary,
        counts=counts,
    )


def build_report(period: Period = PERIOD) -> PeriodReport:
    scp = partnership(
        "SCP",
        "Safer Communities Partnership",
        [
            indicator(
                "SC01",
                "SCP",
                "Repeat victims of domestic abuse",
                "%",
                "25",
                "31.5",
                Rag.RED,
                polarity=Polarity.LOWER,
                commentary=ROGUE_COMMENTARY,
                remedial=REMEDIAL,
                dot=Direction.WORSENING,
            ),
            indicator(
                "SC02",
                "SCP",
                "Anti-social behaviour incidents",
                "number",
                "1200",
                "1236",
                Rag.AMBER,
                polarity=Polarity.LOWER,
                commentary="Seasonal peak over the summer holidays.",
                remedial="Targeted patrols in two hotspots.",
                dot=Direction.IMPROVING,
            ),
            indicator(
                "SC03",
                "SCP",
                "Reoffending rate",
                "%",
                "30",
                "28",
                Rag.GREEN,
                polarity=Polarity.LOWER,
                dot=Direction.NO_CHANGE,
            ),
            indicator("SC04", "SCP", "Hate crimes reported", "count", "40", None, Rag.NO_DATA),
        ],
        actions=[
            action(
                "SCP-A1",
                "Open the new community safety hub",
                ActionRag.RED,
                "overdue: was due 30/06/2025 and is not complete",
                "60",
                due=date(2025, 6, 30),
            ),
            action(
                "SCP-A2",
                "Train 200 licensees in vulnerability",
                ActionRag.AMBER,
                "45% complete against 50% expected, within 10 points",
                "45",
            ),
            action("SCP-A3", "Publish the ASB strategy", ActionRag.GREEN, "55% complete against 50% expected", "55"),
            action("SCP-A4", "Recruit a DA coordinator", ActionRag.COMPLETE, "reported complete", "100"),
        ],
        risks=[
            risk("SCP-R1", 5, 4, RiskBand.HIGH, Movement.INCREASED),
            risk("SCP-R2", 3, 3, RiskBand.MEDIUM),
            risk("SCP-R3", 1, 2, RiskBand.LOW, Movement.REDUCED),
            risk("SCP-R4", None, None, RiskBand.NOT_SCORED, Movement.NOT_SCORED),
        ],
    )
    hwb = partnership(
        "HWB",
        "Health & Wellbeing Board",
        [
            indicator(
                "HW01",
                "HWB",
                "Adults who are physically active",
                "%",
                "66",
                "65.1",
                Rag.AMBER_GREEN,
                commentary="Close to target.",
                remedial="Promote the parks programme.",
                quality="Provisional",
            ),
            indicator(
                "HW02",
                "HWB",
                "Delayed transfers of care",
                "days",
                "400",
                "436",
                Rag.AMBER_RED,
                polarity=Polarity.LOWER,
                commentary=HYPERLINK,
                remedial="",
                overridden_from=Rag.RED,
            ),
            indicator("HW03", "HWB", "Smoking prevalence", "%", "12", "11.4", Rag.GREEN, polarity=Polarity.LOWER),
            indicator("HW04", "HWB", "Spend on prevention", "£", None, "125000.50", Rag.NO_TARGET),
            indicator(
                "HW05",
                "HWB",
                "GP registrations",
                "number",
                None,
                "181234",
                Rag.NOT_RATED,
                polarity=Polarity.NONE,
                dot=Direction.INCREASING,
            ),
        ],
        actions=[
            action(
                "HWB-A1",
                "Launch the social prescribing pilot",
                ActionRag.AMBER,
                "not started, but expected to have started",
            )
        ],
        risks=[risk("HWB-R1", 4, 5, RiskBand.HIGH), risk("HWB-R2", 2, 2, RiskBand.LOW)],
        state=status("provisional", late=True, due=5, with_data=4),
    )
    cyp = partnership(
        "CYP",
        "Children and Young People's Partnership",
        [
            indicator("CY01", "CYP", "Children in need", "rate per 1,000", "320", None, Rag.NO_DATA),
            indicator("CY02", "CYP", "Pupils achieving 5 GCSEs", "%", "55", None, Rag.NO_DATA),
        ],
        state=status("missing", due=2),
        commentary="",
    )
    eco = partnership(
        "ECO",
        "Economy and Skills Partnership",
        [
            indicator("EC01", "ECO", "Employment rate", "%", "74", "75.2", Rag.GREEN, dot=Direction.IMPROVING),
        ],
        actions=[action("ECO-A1", "Open the skills centre", ActionRag.GREEN, "on schedule", "40")],
    )
    return PeriodReport(
        organisation="Brackenford Borough Partnership",
        board="Brackenford Partnership Board",
        board_officer="Alex Morgan, Partnership Performance Manager",
        area="Borough-wide",
        period=period,
        deadline=date(2025, 10, 21),
        data_as_at="2025-10-24T16:40:00Z",
        register_source="register.xlsx, version abc",
        partnerships=(scp, hwb, cyp, eco),
        submissions=(),
        findings=(),
        history=(),
        indicators=tuple(i.indicator for p in (scp, hwb, cyp, eco) for i in p.indicators),
        rules=RagSettings(Scheme.THREE_LEVEL, Tolerance(Decimal(5), True), Decimal(50), Decimal(1), Decimal(10), 6, 12),
        overrides=Overrides(),
    )


def make_config(folder: Path, extra: str = ""):
    (folder / "register.xlsx").write_bytes(b"")
    (folder / "templates").mkdir()
    (folder / "config.toml").write_text(
        '[organisation]\nname = "Brackenford Borough Partnership"\nboard = "Brackenford Partnership Board"\n'
        '[paths]\nregister = "register.xlsx"\ntemplates = "templates"\n'
        '[mail]\nfrom = "performance@brackenford.example.org"\n' + extra,
        encoding="utf-8",
    )
    return load_config(folder / "config.toml")


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path)


@pytest.fixture
def report():
    return build_report()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One render shared by the tests that only read the documents."""
    folder = tmp_path_factory.mktemp("shared")
    return write_documents(build_report(), make_config(folder), folder / "out" / PERIOD.slug, pdf=False)


def open_docx(path: Path):
    from docx import Document

    return Document(str(path))


def by_name(paths, name):
    return next(p for p in paths if p.name == name)


def rows_of(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def tables_headed(doc, *headers) -> list:
    return [t for t in doc.tables if all(h in [c.text for c in t.rows[0].cells] for h in headers)]


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts += ["|".join(r) for r in rows_of(t)]
    return "\n".join(parts)


def test_writes_a_highlight_report_per_partnership_a_board_paper_and_a_summary(written):
    names = sorted(p.name for p in written)
    assert names == sorted(
        [
            "highlight-SCP-2025-26-Q2.docx",
            "highlight-HWB-2025-26-Q2.docx",
            "highlight-CYP-2025-26-Q2.docx",
            "highlight-ECO-2025-26-Q2.docx",
            "board-paper-2025-26-Q2.docx",
            "public-summary-2025-26-Q2.html",
        ]
    )
    assert all(p.is_file() for p in written)


def test_no_public_summary_in_a_quarter_that_is_not_six_monthly(config, tmp_path):
    paths = write_documents(build_report(Period(2025, 3)), config, tmp_path / "q3", pdf=False)
    assert not [p for p in paths if p.suffix == ".html"]


def test_board_paper_is_in_committee_format_with_sections_in_order(written, report, config):
    doc = open_docx(by_name(written, "board-paper-2025-26-Q2.docx"))
    top = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert top[:10] == SECTIONS, "the implications and background papers follow: test_board_paper.py"
    text = all_text(doc)
    assert meeting_date(report, config) is None, "no meeting in the diary: none is invented"
    for line in (
        "REPORT TO:\tBrackenford Partnership Board",
        "DATE OF MEETING:\tTo be confirmed",
        "REPORTING OFFICER:\tAlex Morgan, Partnership Performance Manager",
        "WARD(S):\tBorough-wide",
        "SUBJECT:\tQuarterly performance report: 2025-26 Q2 (July to September 2025)",
    ):
        assert line in text
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 2"] == [
        "Needs the board's attention",  # 4.2, closing the performance summary
        "Safer Communities Partnership",
        "Health & Wellbeing Board",
    ]


def test_exception_table_numbers_are_the_numbers_of_the_report(written, report):
    doc = open_docx(by_name(written, "board-paper-2025-26-Q2.docx"))
    rows = [r for t in tables_headed(doc, "Indicator", "Commentary and remedial action") for r in rows_of(t)[1:]]
    expected = [i for p in report.partnerships for i in p.exceptions]
    assert [r[0].split()[0] for r in rows] == [i.indicator.code for i in expected] == ["SC01", "SC02", "HW02"]
    for row, result in zip(rows, expected):
        assert row[1] == figure(result.target, result.indicator.unit)
        assert row[2] == figure(result.actual, result.indicator.unit)
        assert row[3].startswith(result.rag.value)
    assert rows[0][1:4] == ["25%", "31.5%", "Red"]
    assert rows[2][1:4] == ["400 days", "436 days", "Amber/Red (officer rating; calculated Red)"]
    assert "No remedial action given." in rows[2][5]


def test_highlight_report_lists_every_indicator_and_its_exceptions(written, report):
    scp = report.partnerships[0]
    doc = open_docx(by_name(written, "highlight-SCP-2025-26-Q2.docx"))
    every = rows_of(tables_headed(doc, "Code", "Since last report")[0])[1:]
    assert [r[0] for r in every] == [i.indicator.code for i in scp.indicators]
    assert every[1] == [
        "SC02",
        "Anti-social behaviour incidents",
        "1,200",
        "1,236",
        "Amber",
        "Improving ▲",
        "Improving ▲",
    ]
    exceptions = rows_of(tables_headed(doc, "Indicator", "Remedial action")[0])[1:]
    assert [(r[1], r[2]) for r in exceptions] == [("25%", "31.5%"), ("1,200", "1,236")]
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "Safer Communities Partnership: highlight report"
    assert headings[1:] == [
        "Summary",
        "Overall commentary",
        "Indicators",
        "Exceptions",
        "Trends of the exception indicators",
        "Delivery plan actions",
        "Top risks",
        "Risk heat map",
        "Sign-off",
    ]
    text = all_text(doc)
    assert (
        "Data as at 24 October 2025 at 17:40. Source: 3 of 4 partnership returns for 2025-26 Q2, the indicator "
        "register (register.xlsx, version abc) and the pipeline's history store."
    ) in text
    assert "Sign-off status: Accepted (signed off)" in text


def test_user_text_with_markup_and_formulas_is_shown_as_written(written):
    scp = all_text(open_docx(by_name(written, "highlight-SCP-2025-26-Q2.docx")))
    assert ROGUE_COMMENTARY in scp and REMEDIAL in scp
    hwb = all_text(open_docx(by_name(written, "highlight-HWB-2025-26-Q2.docx")))
    assert HYPERLINK in hwb
    assert "Health & Wellbeing Board: highlight report" in hwb


def test_line_ends_typed_in_commentary_become_line_breaks_in_word(report, config, tmp_path):
    scp = dataclasses.replace(report.partnerships[0], overall_commentary="Steady quarter.\nTwo posts filled.")
    report = dataclasses.replace(report, partnerships=(scp, *report.partnerships[1:]))
    paths = write_documents(report, config, tmp_path / "out", pdf=False)
    with zipfile.ZipFile(by_name(paths, "highlight-SCP-2025-26-Q2.docx")) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    assert re.search(r"Steady quarter\.</w:t>\s*<w:br/>\s*<w:t[^>]*>Two posts filled\.", xml)
    with zipfile.ZipFile(by_name(paths, "highlight-HWB-2025-26-Q2.docx")) as docx:
        assert "<w:br/>" not in docx.read("word/document.xml").decode("utf-8")


def test_every_rating_cell_says_the_word_and_is_shaded_with_its_colour(written):
    from docx.oxml.ns import qn

    words = {r.value: r.colour for r in Rag} | {r.value: r.colour for r in ActionRag}
    words |= {
        "High": Rag.RED.colour,
        "Medium": Rag.AMBER.colour,
        "Low": Rag.GREEN.colour,
        "Not scored": Rag.NOT_RATED.colour,
    }
    checked = 0
    for path in (p for p in written if p.suffix == ".docx"):
        for table in open_docx(path).tables:
            header = [c.text for c in table.rows[0].cells]
            columns = [n for n, h in enumerate(header) if h in ("Rating", "Status") and h != "Partnership"]
            if "Received" in header:  # the returns table: status in words, not a colour
                continue
            for row in table.rows[1:]:
                for n in columns:
                    cell = row.cells[n]
                    word = next((w for w in sorted(words, key=len, reverse=True) if cell.text.startswith(w)), None)
                    assert word, f"{path.name}: rating cell {cell.text!r} does not say a rating"
                    shading = cell._tc.tcPr.find(qn("w:shd"))
                    assert shading is not None and shading.get(qn("w:fill")) == words[word].lstrip("#").upper()
                    checked += 1
    assert checked > 30


def test_heat_map_cells_name_their_band_and_the_risks_in_them(written):
    doc = open_docx(by_name(written, "highlight-SCP-2025-26-Q2.docx"))
    grid = rows_of(tables_headed(doc, "Likelihood \\ impact")[0])
    assert len(grid) == 6 and grid[1][0] == "5 Almost certain"
    assert grid[1][4] == "High: SCP-R1"  # likelihood 5, impact 4
    assert grid[3][3] == "Medium: SCP-R2"
    assert grid[5][2] == "Low: SCP-R3"
    assert grid[5][1] == "Low"


def test_heat_map_follows_the_configured_risk_bands(report, tmp_path):
    config = make_config(tmp_path, "[rag]\nrisk_low_max = 6\nrisk_medium_max = 15\n")
    paths = write_documents(report, config, tmp_path / "out", pdf=False)
    grid = rows_of(tables_headed(open_docx(by_name(paths, "highlight-SCP-2025-26-Q2.docx")), "Likelihood \\ impact")[0])
    assert grid[4][3] == "Low"  # likelihood 2 x impact 3 = 6
    assert grid[1][3] == "Medium"  # 5 x 3 = 15: the top of Medium
    assert grid[1][4] == "High: SCP-R1" and grid[2][4] == "High" and grid[3][5] == "Medium"


def test_board_paper_delivery_plan_risks_and_returns(written):
    doc = open_docx(by_name(written, "board-paper-2025-26-Q2.docx"))
    actions = rows_of(tables_headed(doc, "Action", "Progress and commentary")[0])[1:]
    assert [(r[0], r[4]) for r in actions] == [("SCP", "Red"), ("HWB", "Amber"), ("SCP", "Amber")]
    risks = rows_of(tables_headed(doc, "Risk", "Mitigation")[0])[1:]
    assert [r[3] for r in risks] == ["High (20)", "High (20)"]
    returns = {r[0]: r[1] for r in rows_of(tables_headed(doc, "Status", "Received")[0])[1:]}
    assert returns["Children and Young People's Partnership"].startswith("Missing")
    assert returns["Health & Wellbeing Board"] == "Provisional (received, not yet signed off), late"
    assert returns["Safer Communities Partnership"] == "Accepted (signed off)"
    text = all_text(doc)
    assert (
        "Returns have been accepted from 3 of 4 partnerships (2 signed off, 1 provisional). "
        "Received after the deadline: Health & Wellbeing Board. Rejected, with no return accepted: none. "
        "Missing: Children and Young People's Partnership. Provisional: Health & Wellbeing Board."
    ) in text
    # The partnership with no return has actions and risks nobody could rate: "none" is not good news.
    assert (
        "7.1 Delivery plan actions rated Red or Amber (overdue, or behind the progress expected by now); "
        "the actions of the Children and Young People's Partnership cannot be assessed, as no return has "
        "been accepted:"
    ) in text
    assert (
        "8.1 Risks rated High (likelihood x impact); the risks of the Children and Young People's "
        "Partnership cannot be assessed, as no return has been accepted:"
    ) in text
    _dashboard, summary = (rows_of(t) for t in tables_headed(doc, "Partnership", "Amber/ Green"))
    assert summary[-1] == ["All partnerships", "1", "1", "1", "1", "3", "3", "2", "12"]
    appendix = rows_of(tables_headed(doc, "Code", "Direction of travel")[0])[1:]
    assert len(appendix) == 12 and appendix[8][1] == "HW05" and appendix[8][4] == "181,234"


def test_no_template_tag_survives_in_any_part(written):
    for path in (p for p in written if p.suffix == ".docx"):
        for name, xml in docx_text_parts(path).items():
            assert "{{" not in xml and "{%" not in xml and "{#" not in xml, f"{path.name}:{name}"


def test_documents_have_title_language_and_dates_from_the_report(written):
    from docx.oxml.ns import qn

    for path in (p for p in written if p.suffix == ".docx"):
        doc = open_docx(path)
        core = doc.core_properties
        assert core.title and "2025-26 Q2" in core.title
        assert core.language == "en-GB"
        assert core.created.isoformat().startswith("2025-10-24T16:40")
        lang = (
            doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
        )
        assert lang.get(qn("w:val")) == "en-GB"


def test_every_picture_has_alt_text(written):
    from docx.oxml.ns import qn

    doc = open_docx(by_name(written, "highlight-SCP-2025-26-Q2.docx"))
    pictures = list(doc.element.body.iter(qn("wp:docPr")))
    assert len(pictures) == 2  # one trend chart per exception
    assert all(p.get("descr") for p in pictures)
    assert pictures[0].get("descr").startswith("Line chart of SC01 Repeat victims of domestic abuse")
    for path in (p for p in written if p.suffix == ".docx"):
        assert all(d.get("descr") for d in open_docx(path).element.body.iter(qn("wp:docPr")))


def test_table_header_rows_are_marked_to_repeat_on_every_page(written):
    from docx.oxml.ns import qn

    for path in (p for p in written if p.suffix == ".docx"):
        for table in open_docx(path).tables:
            first = table.rows[0]._tr
            assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None, path.name


def test_two_renders_give_the_same_documents(report, config, tmp_path):
    one = write_documents(report, config, tmp_path / "one", pdf=False)
    two = write_documents(report, config, tmp_path / "two", pdf=False)
    for a, b in zip(one, two):
        if a.suffix == ".docx":
            assert docx_text_parts(a) == docx_text_parts(b), a.name
        else:
            assert a.read_bytes() == b.read_bytes()


def test_the_reports_charts_are_words_own_and_the_summarys_bar_chart_is_cached(report, config, tmp_path):
    import zipfile

    out = tmp_path / "out"
    paths = write_documents(report, config, out, pdf=False)
    parts = [
        name
        for path in paths
        if path.name.startswith("highlight-")
        for name in zipfile.ZipFile(path).namelist()
        if name.startswith("word/charts/")
    ]
    assert len(parts) == 3  # the three exceptions with figures: their trend charts, as Word charts
    charts = {p: p.stat().st_mtime_ns for p in (out / ".charts").glob("*.png")}
    assert len(charts) == 1  # the public summary's bar chart, a picture on a web page
    write_documents(report, config, out, pdf=False)
    assert {p: p.stat().st_mtime_ns for p in (out / ".charts").glob("*.png")} == charts  # re-used, not redrawn


def spoil_template(config, find: str, replace: str) -> Path:
    from docx import Document

    from pipeline.outputs.documents import DEFAULT_TEMPLATES

    copy = config.paths.templates / "highlight-report.docx"
    shutil.copyfile(DEFAULT_TEMPLATES / "highlight-report.docx", copy)
    doc = Document(str(copy))
    run = next(r for p in doc.paragraphs for r in p.runs if r.text == find)
    run.text = replace
    doc.save(str(copy))
    return copy


def test_template_with_an_unknown_field_names_the_file_and_the_tag(report, config, tmp_path):
    spoil_template(config, "{{ status_detail }}", "{{ status_detial }}")
    with pytest.raises(TemplateError) as caught:
        write_documents(report, config, tmp_path / "out", pdf=False)
    message = str(caught.value)
    assert str(config.paths.templates / "highlight-report.docx") in message
    assert "{{ status_detial }}" in message
    assert "Traceback" not in message


def test_template_with_a_bad_tag_names_the_file_and_the_tag(report, config, tmp_path):
    spoil_template(config, "{{ chair }}", "{% iff chair %}")
    with pytest.raises(TemplateError) as caught:
        write_documents(report, config, tmp_path / "out", pdf=False)
    message = str(caught.value)
    assert "highlight-report.docx" in message and "{% iff chair %}" in message
    assert "unknown tag 'iff'" in message


def test_a_file_that_is_not_a_word_document_is_a_template_error(report, config, tmp_path):
    (config.paths.templates / "board-paper.docx").write_text("not a docx", encoding="utf-8")
    with pytest.raises(TemplateError, match="board-paper.docx cannot be opened"):
        write_documents(report, config, tmp_path / "out", pdf=False)


def test_public_summary_is_accessible_and_has_no_internal_commentary(written, report):
    html = by_name(written, "public-summary-2025-26-Q2.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in html
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', html)
    assert len(alts) == 1 and "Safer Communities Partnership: 1 Green, 1 Amber, 1 Red" in alts[0]
    assert 'src="data:image/png;base64,' in html and "http" not in html  # self-contained
    for p in report.partnerships:
        for i in p.indicators:
            for private in (i.commentary, i.remedial_action):
                if private:
                    assert private not in html and private.replace("&", "&amp;") not in html
        for r in p.risks:
            assert r.mitigation not in html
    assert "evil.example" not in html
    assert "Health &amp; Wellbeing Board" in html
    assert '<span class="rating">Red</span>: off target' in html
    assert "not yet available" in html and "provisional" in html


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_makes_a_pdf_with_pages_of_each_document(report, config, tmp_path):
    paths = write_documents(report, config, tmp_path / "out", pdf=True)
    docs = [p for p in paths if p.suffix == ".docx"]
    pdfs = [p for p in paths if p.suffix == ".pdf"]
    assert sorted(p.stem for p in pdfs) == sorted(p.stem for p in docs)
    for pdf in pdfs:
        assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes())) >= 1, pdf.name


def test_without_libreoffice_the_log_says_how_to_get_pdfs(written, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    caplog.set_level("WARNING", logger="pipeline")
    assert convert_to_pdf([p for p in written if p.suffix == ".docx"], tmp_path) == []
    assert "LibreOffice (soffice) is not installed" in caplog.text and "save it as PDF" in caplog.text


def test_the_board_paper_is_dated_for_the_board_s_next_meeting_in_its_diary(report, config):
    from dataclasses import replace

    diary = replace(
        config,
        calendar=replace(config.calendar, board_meetings=(date(2025, 9, 16), date(2025, 11, 18), date(2026, 2, 10))),
    )
    assert report.deadline < date(2025, 11, 18)
    assert meeting_date(report, diary) == date(2025, 11, 18), "the first meeting after the returns deadline"
    paths = write_documents(report, diary, diary.paths.outbox / "dated", pdf=False)
    assert "DATE OF MEETING:\t18 November 2025" in all_text(open_docx(by_name(paths, "board-paper-2025-26-Q2.docx")))


def test_a_pdf_from_an_earlier_run_does_not_outlive_its_rewritten_document(report, config, tmp_path, caplog):
    out = tmp_path / "out"
    out.mkdir()
    old = out / "board-paper-2025-26-Q2.pdf"
    old.write_bytes(b"%PDF-1.7 last week's figures")
    unrelated = out / "briefing note.pdf"
    unrelated.write_bytes(b"%PDF-1.7 an officer's own file")
    caplog.set_level("WARNING", logger="pipeline")

    write_documents(report, config, out, pdf=False)

    assert not old.exists(), "board members would read the old figures"
    assert unrelated.exists()
    assert "Removed board-paper-2025-26-Q2.pdf" in caplog.text and "pipeline report" in caplog.text


def test_a_document_written_again_unchanged_keeps_its_pdf_and_is_not_converted_again(
    report, config, tmp_path, monkeypatch
):
    import pipeline.outputs.pdf

    out = tmp_path / "out"
    first = write_documents(report, config, out, pdf=False)
    for doc in first:
        if doc.suffix == ".docx":
            doc.with_suffix(".pdf").write_bytes(b"%PDF-1.7 made from these very figures")
    asked: list[str] = []
    monkeypatch.setattr(
        pipeline.outputs.pdf, "convert_to_pdf", lambda docs, out_dir, **kw: asked.extend(d.name for d in docs) or []
    )

    again = write_documents(report, config, out, pdf=True)  # a rejected file changed nothing they show

    assert asked == [], "LibreOffice is not run for documents whose content did not change"
    assert all(p.exists() for p in again if p.suffix == ".pdf")
    assert sorted(p.name for p in again if p.suffix == ".pdf") == sorted(
        p.with_suffix(".pdf").name for p in first if p.suffix == ".docx"
    )


def test_partnership_with_no_return_says_so_instead_of_empty_tables(written):
    doc = open_docx(by_name(written, "highlight-CYP-2025-26-Q2.docx"))
    text = all_text(doc)
    assert "Missing (no return received)" in text
    assert "No return has been received for this period." in text
    assert "No action updates: no return has been accepted for this period." in text


def with_cyp(report: PeriodReport, **changes) -> PeriodReport:
    """The report with the Children and Young People's Partnership (third) changed."""
    parts = list(report.partnerships)
    parts[2] = dataclasses.replace(parts[2], **changes)
    return dataclasses.replace(report, partnerships=tuple(parts))


@pytest.mark.parametrize(
    "state, rejected, why",
    [
        ("missing", 0, "no return was received"),
        ("rejected", 1, "1 return was rejected"),
        ("rejected", 2, "2 returns were rejected"),
    ],
)
def test_without_an_accepted_return_exceptions_are_not_assessed_rather_than_none(
    report, config, tmp_path, state, rejected, why
):
    report = with_cyp(report, status=status(state, due=2, rejected=rejected))
    paths = write_documents(report, config, tmp_path / "out", pdf=False)
    text = all_text(open_docx(by_name(paths, "highlight-CYP-2025-26-Q2.docx")))
    assert (
        f"Exceptions cannot be assessed: no return has been accepted for this period ({why}), so no "
        "indicator has a figure to rate."
    ) in text
    assert "No indicators are rated Red or Amber" not in text
    assert "No overall commentary: no return has been accepted for this period." in text
    assert "2 indicators due this quarter: 2 No data. None can be rated until a return is accepted." in text
    assert "provisional return" not in text
    assert "return(s)" not in text
    board = all_text(open_docx(by_name(paths, "board-paper-2025-26-Q2.docx")))
    assert (
        "5.1 3 indicators are rated Red or Amber. For each, the partnership's commentary on the cause and its "
        "remedial action follow. Exceptions cannot be assessed for the Children and Young People's Partnership "
        f"({why}): no return has been accepted, so its 2 indicators have no figures."
    ) in board


def test_a_rejected_return_is_named_as_rejected_in_the_board_papers_returns(report, config, tmp_path):
    report = with_cyp(report, status=status("rejected", due=2, rejected=1))
    paths = write_documents(report, config, tmp_path / "out", pdf=False)
    doc = open_docx(by_name(paths, "board-paper-2025-26-Q2.docx"))
    returns = {r[0]: r[1:] for r in rows_of(tables_headed(doc, "Status", "Received")[0])[1:]}
    assert returns["Children and Young People's Partnership"] == [
        "Rejected (a return was sent but could not be accepted)",
        "None accepted (1 return rejected)",
        "–",
        "0 of 2 (0%)",
    ]
    assert "Rejected, with no return accepted: Children and Young People's Partnership. Missing: none." in all_text(doc)


def test_rejected_returns_are_counted_in_words_singular_and_plural():
    one, two = status("rejected", rejected=1), status("rejected", rejected=2)
    assert status_detail(one) == "No return has been accepted for this period: 1 return was rejected."
    assert status_detail(two) == "No return has been accepted for this period: 2 returns were rejected."
    assert status_detail(status("missing")) == "No return has been received for this period."


def test_only_a_provisional_return_carries_the_provisional_warning(written):
    warning = "Figures in a provisional return may change when the partnership signs it off."
    assert warning in all_text(open_docx(by_name(written, "highlight-HWB-2025-26-Q2.docx")))  # provisional
    for name in ("SCP", "CYP", "ECO"):  # accepted, missing, accepted
        assert warning not in all_text(open_docx(by_name(written, f"highlight-{name}-2025-26-Q2.docx"))), name


OFFICER_NOTE = (
    "Officer rating, HW02 Delayed transfers of care: Amber/Red in place of the calculated Red, set by AM. "
    "Reason: Known data lag."
)


def text_after_tables(doc, *headers) -> list[str]:
    """The text of the paragraphs straight after each table with these headers, up to the next table or heading."""
    from docx.table import Table

    blocks, found = list(doc.iter_inner_content()), []
    for n, block in enumerate(blocks):
        if isinstance(block, Table) and all(h in [c.text for c in block.rows[0].cells] for h in headers):
            for after in blocks[n + 1 :]:
                if isinstance(after, Table) or after.style.name.startswith("Heading"):
                    break
                found.append(after.text)
    return found


def test_an_officer_rating_shows_who_set_it_and_why_under_the_exceptions(written):
    board = open_docx(by_name(written, "board-paper-2025-26-Q2.docx"))
    hw02 = next(
        r
        for t in tables_headed(board, "Indicator", "Commentary and remedial action")
        for r in rows_of(t)
        if r[0].startswith("HW02")
    )
    assert hw02[3] == "Amber/Red (officer rating; calculated Red)"
    assert text_after_tables(board, "Indicator", "Commentary and remedial action") == [OFFICER_NOTE]
    highlight = open_docx(by_name(written, "highlight-HWB-2025-26-Q2.docx"))
    assert text_after_tables(highlight, "Indicator", "Remedial action") == [OFFICER_NOTE]
    scp = open_docx(by_name(written, "highlight-SCP-2025-26-Q2.docx"))  # no officer ratings: no notes
    assert text_after_tables(scp, "Indicator", "Remedial action") == []


def test_an_officer_rating_is_explained_under_the_board_papers_appendix(written):
    board = open_docx(by_name(written, "board-paper-2025-26-Q2.docx"))
    assert text_after_tables(board, "Code", "Direction of travel") == [OFFICER_NOTE]
    scp = open_docx(by_name(written, "highlight-SCP-2025-26-Q2.docx"))
    assert "Officer rating" not in all_text(scp)


def test_an_officer_rating_that_is_not_an_exception_is_explained_under_the_highlight_indicators(
    report, config, tmp_path
):
    scp = report.partnerships[0]
    raised = dataclasses.replace(
        scp.indicators[1],
        outcome=RatedOutcome(  # SC02, Amber as calculated
            computed=Rag.AMBER,
            final=Rag.GREEN,
            overridden=True,
            reason="Figures include a one-off festival weekend",
            who="Chief Inspector Ward",
        ),
    )
    report = dataclasses.replace(
        report,
        partnerships=(
            dataclasses.replace(scp, indicators=(scp.indicators[0], raised, *scp.indicators[2:])),
            *report.partnerships[1:],
        ),
    )
    paths = write_documents(report, config, tmp_path / "out", pdf=False)
    doc = open_docx(by_name(paths, "highlight-SCP-2025-26-Q2.docx"))
    assert text_after_tables(doc, "Code", "Since last report") == [
        "Officer rating, SC02 Anti-social behaviour incidents: Green in place of the calculated Amber, set by Chief "
        "Inspector Ward. Reason: Figures include a one-off festival weekend."
    ]
    assert text_after_tables(doc, "Indicator", "Remedial action") == []  # no longer an exception
    hwb = open_docx(by_name(paths, "highlight-HWB-2025-26-Q2.docx"))
    assert text_after_tables(hwb, "Code", "Since last report") == []  # HW02's is under its exceptions table


def test_an_officer_rating_without_a_reason_or_a_name_says_so():
    hw02 = build_report().partnerships[1].indicators[1]
    bare = dataclasses.replace(hw02, outcome=dataclasses.replace(hw02.outcome, reason=" ", who=""))
    assert override_words(bare) == "Amber/Red in place of the calculated Red. No reason was recorded."
    assert override_words(build_report().partnerships[1].indicators[0]) == ""


def test_times_in_the_documents_are_uk_local_time_in_words(written):
    for path in (p for p in written if p.suffix == ".docx"):
        text = all_text(open_docx(path))
        assert "UTC" not in text and not re.search(r"\d{4}-\d\d-\d\d", text), path.name
    board = open_docx(by_name(written, "board-paper-2025-26-Q2.docx"))
    returns = {r[0]: r[2] for r in rows_of(tables_headed(board, "Status", "Received")[0])[1:]}
    assert returns["Safer Communities Partnership"] == "17 October 2025 at 12:02"  # 11:02 UTC in BST
    assert returns["Children and Young People's Partnership"] == "Not received"
    assert "3.3 Data as at 24 October 2025 at 17:40." in all_text(board)
    scp = all_text(open_docx(by_name(written, "highlight-SCP-2025-26-Q2.docx")))
    assert "Received 17 October 2025 at 12:02 from Sam Lee, on time" in scp


def test_the_time_a_return_arrived_is_told_in_gmt_after_the_clocks_go_back(report, config, tmp_path):
    winter = dataclasses.replace(report, data_as_at="2025-10-27T09:05:00Z")  # the day after BST ends
    paths = write_documents(winter, config, tmp_path / "out", pdf=False)
    assert "Data as at 27 October 2025 at 09:05." in all_text(open_docx(by_name(paths, "board-paper-2025-26-Q2.docx")))


def test_a_gap_between_percentages_is_in_percentage_points():
    assert difference(Decimal("6.0"), "%") == "6 percentage points"
    assert difference(Decimal("1"), "%") == "1 percentage point"
    assert difference(Decimal("0.5"), "%") == "0.5 percentage points"
    assert difference(Decimal("6"), "days") == "6 days"
    assert difference(Decimal("1200"), "number") == "1,200"
    assert difference(None, "%", "Not available") == "Not available"


def keeps_with_next(paragraph) -> bool:
    fmt = paragraph.paragraph_format
    return bool(fmt.keep_with_next or paragraph.style.paragraph_format.keep_with_next)


def test_headings_and_the_sentence_before_a_table_stay_with_what_follows(written):
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for path in (p for p in written if p.suffix == ".docx"):
        doc = open_docx(path)
        blocks = list(doc.iter_inner_content())
        for before, block in itertools.pairwise(blocks):
            if isinstance(before, Paragraph) and before.style.name.startswith("Heading"):
                assert keeps_with_next(before), (path.name, before.text)
            if isinstance(block, Table) and isinstance(before, Paragraph):
                assert keeps_with_next(before), (path.name, before.text, "is not kept with its table")
            if isinstance(block, Table):
                assert all(keeps_with_next(p) for c in block.rows[0].cells for p in c.paragraphs), path.name
    skl = list(open_docx(by_name(written, "highlight-SCP-2025-26-Q2.docx")).paragraphs)
    top = next(n for n, p in enumerate(skl) if p.text == "Top risks")
    assert keeps_with_next(skl[top]) and skl[top + 1].text.startswith("The highest-scoring risks")
    assert keeps_with_next(skl[top + 1])


def test_public_summary_names_the_area_without_breaking_the_sentence(written):
    html = by_name(written, "public-summary-2025-26-Q2.html").read_text(encoding="utf-8")
    assert "working across" not in html
    assert "This page shows how our partnerships are doing against the targets they have set" in html
    assert "Area covered: Borough-wide." in html
    assert "The figures are the latest\nwe had on 24 October 2025." in html
    assert "<strong>1</strong> is off target." in html  # one Red, SC01


def summary_rows(report, tmp_path) -> dict[str, dict[str, str]]:
    context = summary_context(report, ChartCache(tmp_path))
    return {row["title"]: row for p in context["partnerships"] for row in p["indicators"]}


def test_public_summary_says_which_figure_is_missing_when_there_is_nothing_to_compare(report, tmp_path):
    rows = summary_rows(report, tmp_path)
    assert rows["Pupils achieving 5 GCSEs"]["compared"] == "No figure for this period yet"  # none this year
    assert rows["Adults who are physically active"]["compared"] == "No figure a year ago to compare"
    assert rows["Repeat victims of domestic abuse"]["compared"] == "Worse than a year ago"


def test_public_summary_says_a_green_short_of_its_target_is_within_tolerance_not_on_target(report, tmp_path):
    eco = report.partnerships[3]
    short = indicator("EC02", "ECO", "Working-age adults in work", "%", "70", "68.2", Rag.GREEN)
    better = indicator(
        "EC03", "ECO", "Out-of-work benefit claimants", "%", "12.5", "12.2", Rag.GREEN, polarity=Polarity.LOWER
    )
    report = dataclasses.replace(
        report,
        partnerships=report.partnerships[:3]
        + (
            dataclasses.replace(
                eco, indicators=eco.indicators + (short, better), counts={Rag.GREEN: len(eco.indicators) + 2}
            ),
        ),
    )
    rows = summary_rows(report, tmp_path)
    assert (rows["Working-age adults in work"]["rating"], rows["Working-age adults in work"]["meaning"]) == (
        "Green",
        "within tolerance of target",
    )
    assert rows["Out-of-work benefit claimants"]["meaning"] == "on target"  # lower is better, and lower it is
    assert rows["Employment rate"]["meaning"] == "on target"
    context = summary_context(report, ChartCache(tmp_path))
    assert context["legend"][0] == {
        "rating": "Green",
        "meaning": "on target or within tolerance of it",
        "fill": "#A9D08E",
    }
    assert summary_context(build_report(), ChartCache(tmp_path))["legend"][0]["meaning"] == "on target"


def test_public_summary_says_when_officers_set_a_rating_other_than_the_rules_gave(report, tmp_path):
    eco = report.partnerships[3]
    moved = indicator(
        "EC04",
        "ECO",
        "Households in temporary accommodation",
        "number",
        "120",
        "135",
        Rag.AMBER_RED,
        polarity=Polarity.LOWER,
        overridden_from=Rag.RED,
    )
    report = dataclasses.replace(
        report, partnerships=report.partnerships[:3] + (dataclasses.replace(eco, indicators=eco.indicators + (moved,)),)
    )
    assert summary_rows(report, tmp_path)["Households in temporary accommodation"]["meaning"] == (
        "close to target, but nearer the limit (rated Amber/Red by the partnership's officers; off target by "
        "the usual rules)"
    )


def test_public_summary_legend_agrees_with_its_headline_that_every_amber_is_close_to_target():
    from pipeline.outputs.public_summary import PLAIN

    # The headline counts Amber/Green, Amber and Amber/Red as "close to target".
    assert all(PLAIN[r].startswith("close to target") for r in (Rag.AMBER_GREEN, Rag.AMBER, Rag.AMBER_RED))


def test_figures_are_formatted_in_their_units():
    assert figure(Decimal("72.50"), "%") == "72.5%"
    assert figure(Decimal("1234567"), "number") == "1,234,567"
    assert figure(Decimal("-1200.5"), "£") == "-£1,200.50"
    assert figure(Decimal("125000"), "£") == "£125,000"
    assert figure(Decimal("1E+3"), "count") == "1,000"
    assert figure(None, "%") == "No data"


def test_a_highlight_report_claimed_by_a_child_that_dies_is_written_all_the_same(report, config, tmp_path, monkeypatch):
    import os
    import signal

    import pipeline.outputs.documents as documents

    parent, render = os.getpid(), documents._highlight_reports

    def dies_after_claiming_one(report, config, out_dir, indices, env=None):
        if os.getpid() != parent:
            next(iter(indices))  # one partnership claimed, never written
            os.kill(os.getpid(), signal.SIGKILL)
        return render(report, config, out_dir, indices, env)

    monkeypatch.setattr(documents, "_highlight_reports", dies_after_claiming_one)
    paths = write_documents(report, config, tmp_path / "out", pdf=False)
    assert [p.name for p in paths if p.name.startswith("highlight-")] == [
        f"highlight-{p.partnership.short_name}-2025-26-Q2.docx" for p in report.partnerships
    ]
    assert all(p.is_file() for p in paths)


def test_without_shared_semaphores_every_highlight_report_is_written_here(report, config, tmp_path, monkeypatch):
    import multiprocessing.context

    def no_semaphores(self, *args, **kwargs):
        raise OSError("sem_open is not available here")

    monkeypatch.setattr(multiprocessing.context.BaseContext, "Lock", no_semaphores)
    paths = write_documents(report, config, tmp_path / "out", pdf=False)
    assert sorted(p.name for p in paths if p.name.startswith("highlight-")) == sorted(
        f"highlight-{p.partnership.short_name}-2025-26-Q2.docx" for p in report.partnerships
    )
