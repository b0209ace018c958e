"""Statistical disclosure control, from the register's Publish column to the public page.

One housing register, one real return, the real command line: a count of 3, an indicator the
register says is never published, and ward figures that add up to a total. The public summary
must show none of the small figures nor any way to work them out; the board paper and master
workbook keep every figure and say which would be hidden.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from registers import DEMO_REGISTER, demo_book, run_cli, write_register
from spoil import Q2, Workspace
from test_documents import build_report, indicator, partnership

from pipeline.domain.periods import Period
from pipeline.domain.records import Polarity, Publish
from pipeline.outputs.assemble import AreaGap
from pipeline.outputs.disclosure import DERIVABLE, SMALL, plan
from pipeline.outputs.documents import docx_text_parts
from pipeline.outputs.docx_context import board_context
from pipeline.outputs.public_paper import public_board_context
from pipeline.rating.rag import GapResult, GapTrend, Rag
from pipeline.register.workbook import read_register

WARDS = "Eastgate ward; Northfield ward; Rest of borough"
# HSG-03, households in temporary accommodation (a count, not cumulative), by ward: Eastgate's 3 is
# small; with the total and the other two shown it could be worked out (118 - 30 - 85), so
# Northfield's 30, the smallest figure left, is hidden with it.
WARD_FIGURES = {"Eastgate ward": Decimal(3), "Northfield ward": Decimal(30), "Rest of borough": Decimal(85)}
TOTAL = Decimal(118)


class Text(HTMLParser):
    """The words a reader sees (no markup, no attributes)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.feed(html)

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A Q2 housing return run through `pipeline run` and `pipeline report`: the folder it left."""
    root = tmp_path_factory.mktemp("disclosure")
    book = demo_book()
    indicators = book["Indicators"]
    indicators.set("HSG-02", "Publish", "")  # affordable homes: a count of 3, suppressed by default
    indicators.set("HSG-01", "Publish", "Yes")  # net additional homes: published as it is, however small
    indicators.set("HSG-06", "Publish", "No")  # never published
    indicators.set("HSG-03", "Areas", WARDS)
    path = write_register(root / "register.xlsx", book)
    register, findings = read_register(path)
    assert findings == []
    templates = root / "templates"
    workspace = Workspace(
        root / "work",
        register,
        templates,
        replace={
            f"register = '{DEMO_REGISTER.as_posix()}'": f"register = '{path.as_posix()}'",
            "public_board_paper = false": "public_board_paper = true",
        },
    )
    config = str(workspace.root / "config.toml")
    code, _out, err = run_cli(["--config", config, "templates", "--period", str(Q2), "--partnership", "HSG"])
    assert code == 0, err
    for made in (workspace.outbox / "templates" / Q2.slug).glob("*.xlsx"):
        templates.mkdir(exist_ok=True)
        made.rename(templates / made.name)
    workspace.submit(
        "housing.xlsx",
        short="HSG",
        period=Q2,
        indicators={
            "HSG-01": {"actual": Decimal(4), "commentary": "Slow quarter.", "remedial_action": "Sites released."},
            "HSG-02": {"actual": Decimal(3), "commentary": "Slow quarter.", "remedial_action": "Sites released."},
            "HSG-03": {"actual": TOTAL},
            "HSG-06": {"actual": Decimal(45)},
        },
        areas={("HSG-03", area): value for area, value in WARD_FIGURES.items()},
    )
    code, _out, err = run_cli(["--config", config, "run", "--no-pdf"])
    assert code == 0, err
    code, _out, err = run_cli(["--config", config, "report", "--period", str(Q2), "--no-pdf"])
    assert code == 0, err
    return workspace.outbox / Q2.slug


def page(folder) -> str:
    return (folder / f"public-summary-{Q2.slug}.html").read_text(encoding="utf-8")


def row_of(html: str, name: str) -> str:
    """The words of the table row whose heading is the measure `name`."""
    [row] = [r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if f">{name}" in r]
    return Text(row).text


def test_a_count_below_five_shows_the_marker_and_a_footnote_never_the_figure(published):
    html = page(published)
    row = row_of(html, "Affordable homes delivered")
    assert "[c]" in row and "not published: a small number" in row
    assert not re.search(r"\b3\b", row)
    assert (
        "[c] Not published: a count of fewer than 5, a rate or percentage worked out from one, or a figure from "
        "which one could be worked out." in Text(html).text
    )


def test_publish_yes_shows_a_small_figure_as_it_is(published):
    row = row_of(page(published), "Extra homes in the borough, after any lost to demolition")
    assert re.search(r"\b4\b", row) and "[c]" not in row


def test_publish_no_leaves_the_indicator_out_and_says_how_many_were_withheld(published):
    text = Text(page(published)).text
    assert "Empty homes brought back into use" not in text
    assert "1 measure is withheld: it counts so few people that someone could be identified" in text
    # 25 measures are due in 2025-26 Q2 across the five partnerships; the one withheld is in no count.
    assert "We report on 24 measures this time." in text


def test_an_area_figure_that_could_be_worked_out_from_the_total_is_hidden_too(published):
    row = row_of(page(published), "Households in temporary accommodation")
    assert "Eastgate ward: [c], against 85 in Rest of borough" in row
    assert "Northfield ward: [c], against 85 in Rest of borough" in row
    assert "The gap is not published" in row
    # What is left, 118 in all and 85 in the rest of the borough, cannot split the other 33 between the two wards.
    shown = {Decimal(n) for n in re.findall(r"\b\d+\b", row)}
    assert shown == {TOTAL, Decimal(85), Decimal(120)}  # and the target, 120


def test_the_master_workbook_keeps_every_figure_and_says_which_would_be_hidden(published):
    sheet = load_workbook(published / f"master-{Q2.slug}.xlsx", read_only=True)["Indicators"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_code = {r[header.index("Code")]: r for r in rows[1:]}
    public = header.index("In public")
    assert by_code["HSG-02"][header.index("Actual")] == 3
    assert by_code["HSG-02"][public] == "Suppressed in public: fewer than 5"
    assert by_code["HSG-03"][public] == (
        "Suppressed in public: Eastgate ward fewer than 5; Northfield ward would give away a small number"
    )
    assert by_code["HSG-06"][public] == "Not published (Publish = No)"
    assert by_code["HSG-01"][public] == "Published"


def test_the_board_paper_keeps_the_figure_and_marks_it(published):
    xml = docx_text_parts(published / f"board-paper-{Q2.slug}.docx")["word/document.xml"]
    assert "3 (suppressed in public: fewer than 5)" in xml


def test_a_publish_cell_that_is_none_of_the_three_is_a_register_error(tmp_path):
    book = demo_book()
    row = book["Indicators"].set("HSG-02", "Publish", "Maybe")
    register, findings = read_register(write_register(tmp_path / "register.xlsx", book))
    [problem] = findings
    assert (problem.code, problem.where) == ("bad-publish", f"Indicators row {row}")
    assert register.by_code["HSG-02"].publish is Publish.SUPPRESS  # the safe reading meanwhile


def test_publish_does_not_change_the_returns_register_hash(tmp_path):
    book = demo_book()
    before, _ = read_register(write_register(tmp_path / "before.xlsx", book))
    book["Indicators"].set("HSG-03", "Publish", "No")
    after, _ = read_register(write_register(tmp_path / "after.xlsx", book))
    assert before.rows_hash("HSG") == after.rows_hash("HSG")


def test_the_public_board_paper_shows_the_marker_where_the_board_paper_has_the_figure(published):
    xml = docx_text_parts(published / f"board-paper-{Q2.slug}-public.docx")["word/document.xml"]
    text = Text(xml).text
    assert "(public version)" in text
    assert "[c] Not published: a count of fewer than 5" in text
    assert "suppressed in public" not in text and "Empty homes brought back into use" not in text
    # The ward figures and their gaps: Eastgate's 3 and Northfield's 30, and any gap with either, are not in it.
    assert "Eastgate ward ([c]) against Rest of borough (85)" in text
    assert "Northfield ward ([c]) against Rest of borough (85)" in text
    assert re.search(r"Affordable homes delivered [^.]{0,60} 70 year to date \(annual target 150\) \[c\] Red", text)
    # The total stays: the wards are hidden instead.
    assert re.search(r"Households in temporary accommodation [^.]{0,60} 120 118 Amber", text)


# -- the rules, figure by figure ------------------------------------------------------------


def counted(actual: str | None, areas: dict[str, str | None], *, unit: str = "count", publish=Publish.SUPPRESS):
    """A count indicator with its own figure and, by area, each area's (the last the comparison area)."""
    result = indicator("X1", "SCP", "Repeat referrals", unit, "20", actual, Rag.GREEN)
    names = list(areas)
    gaps = tuple(
        AreaGap(
            area=name,
            area_value=None if areas[name] is None else Decimal(areas[name]),
            compared_with=names[-1],
            compared_value=None if areas[names[-1]] is None else Decimal(areas[names[-1]]),
            before_period="",
            result=GapResult(None, None, GapTrend.NOT_COMPARABLE, None),
        )
        for name in names[:-1]
    )
    return dataclasses.replace(
        result, gaps=gaps, indicator=dataclasses.replace(result.indicator, publish=publish, areas=tuple(names))
    )


def hidden(result) -> dict[str, str]:
    report = dataclasses.replace(build_report(), partnerships=(partnership("SCP", "Safer", [result]),))
    return {area or "total": why for (_code, area), why in plan(report).hidden.items()}


@pytest.mark.parametrize(
    "actual, areas, unit, publish, expected",
    [
        ("3", {}, "count", Publish.SUPPRESS, {"total": SMALL}),
        ("5", {}, "count", Publish.SUPPRESS, {}),  # the threshold itself is published
        ("0", {}, "count", Publish.SUPPRESS, {}),  # zero identifies nobody
        ("3", {}, "number", Publish.SUPPRESS, {"total": SMALL}),
        ("3", {}, "%", Publish.SUPPRESS, {}),  # a percentage with no numerator given is published
        ("3", {}, "count", Publish.YES, {}),
        # Two areas: the small one could be worked out as the total less the other, so the other goes too.
        ("40", {"Eastgate": "2", "Rest": "38"}, "count", Publish.SUPPRESS, {"Eastgate": SMALL, "Rest": DERIVABLE}),
        # Three: the smallest other area goes, and the total stays, the headline.
        (
            "60",
            {"Eastgate": "2", "Northfield": "18", "Rest": "40"},
            "count",
            Publish.SUPPRESS,
            {"Eastgate": SMALL, "Northfield": DERIVABLE},
        ),
        # Two small areas already hide each other; no more is needed.
        (
            "48",
            {"Eastgate": "2", "Northfield": "1", "Rest": "45"},
            "count",
            Publish.SUPPRESS,
            {"Eastgate": SMALL, "Northfield": SMALL},
        ),
        # A small total: its areas are smaller still.
        (
            "4",
            {"Eastgate": "1", "Rest": "3"},
            "count",
            Publish.SUPPRESS,
            {"total": SMALL, "Eastgate": SMALL, "Rest": SMALL},
        ),
        # An area without a figure already leaves two unknowns.
        ("40", {"Eastgate": "2", "Northfield": None, "Rest": "30"}, "count", Publish.SUPPRESS, {"Eastgate": SMALL}),
        # No total to subtract from: the areas alone give nothing away.
        (None, {"Eastgate": "2", "Rest": "38"}, "count", Publish.SUPPRESS, {"Eastgate": SMALL}),
    ],
)
def test_which_figures_are_hidden(actual, areas, unit, publish, expected):
    assert hidden(counted(actual, areas, unit=unit, publish=publish)) == expected


@pytest.mark.parametrize(
    "numerator, areas, expected",
    [
        ("3", {}, {"total": SMALL}),  # 3 of 40 is 7.5%: anyone who knows the 40 knows the 3
        ("5", {}, {}),
        ("0", {}, {}),
        # An area's rate from 2 young people is as telling as the 2; the other area gives it away
        # from the total's rate and counts, so it goes too.
        ("30", {"Eastgate": "2", "Rest": "28"}, {"Eastgate": SMALL, "Rest": DERIVABLE}),
    ],
)
def test_a_rate_or_percentage_from_a_small_numerator_is_hidden(numerator, areas, expected):
    result = counted("7.5", dict.fromkeys(areas, "6.5"), unit="%")
    result = dataclasses.replace(
        result, numerator=Decimal(numerator), area_numerators=tuple((a, Decimal(x)) for a, x in areas.items())
    )
    assert hidden(result) == expected


def test_a_percentage_worked_out_from_three_young_people_is_not_on_the_public_page(tmp_path):
    """CYP-01 (NEET, %) is one of the demo register's counted indicators: its return gives 3 of 40, 7.5%."""
    register = read_register(DEMO_REGISTER)[0]
    neet = register.by_code["CYP-01"]
    assert neet.counts and neet.unit == "%"
    templates = tmp_path / "templates"
    workspace = Workspace(tmp_path / "work", register, templates)
    config = str(workspace.root / "config.toml")
    code, _out, err = run_cli(["--config", config, "templates", "--period", str(Q2), "--partnership", "CYP"])
    assert code == 0, err
    templates.mkdir()
    for made in (workspace.outbox / "templates" / Q2.slug).glob("*.xlsx"):
        made.rename(templates / made.name)
    workspace.submit(
        "cyp.xlsx",
        period=Q2,
        indicators={
            "CYP-01": {
                "actual": Decimal("7.5"),
                "numerator": Decimal(3),
                "denominator": Decimal(40),
                "commentary": "Three young people left college in September.",
                "remedial_action": "Each has a named adviser.",
            }
        },
    )
    code, _out, err = run_cli(["--config", config, "run", "--no-pdf"])
    assert code == 0, err
    code, _out, err = run_cli(["--config", config, "report", "--period", str(Q2), "--no-pdf"])
    assert code == 0, err

    row = row_of(page(workspace.outbox / Q2.slug), neet.plain_name)
    assert "[c]" in row and "7.5" not in row
    xml = docx_text_parts(workspace.outbox / Q2.slug / f"board-paper-{Q2.slug}.docx")["word/document.xml"]
    assert "7.5% (suppressed in public: fewer than 5;" in xml, "the board, which does not publish, keeps it"


def test_the_demo_suppresses_its_three_empty_homes_on_the_public_summary(demo_outbox):
    html = (demo_outbox / "2025-26-Q2" / "public-summary-2025-26-Q2.html").read_text(encoding="utf-8")
    row = row_of(html, "Empty homes brought back into use")
    assert "[c]" in row and not re.search(r"\b3\b", row)


def test_the_public_year_end_outturn_shows_the_marker_for_a_small_count():
    small = indicator("X1", "SCP", "Repeat referrals", "count", "2", "3", Rag.RED, polarity=Polarity.LOWER)
    small = dataclasses.replace(
        small,
        same_period_last_year=Decimal(4),
        indicator=dataclasses.replace(
            small.indicator, baseline=Decimal(9), final_target=Decimal(1), final_target_year="2027-28"
        ),
    )
    report = dataclasses.replace(build_report(Period(2025, 4)), partnerships=(partnership("SCP", "Safer", [small]),))
    [board] = board_context(report, None)["appendix"]
    assert board["actual"] == "3 (suppressed in public: fewer than 5)"
    [row] = public_board_context(report, None)["outturn_rows"]
    assert (row["outturn"], row["last_year"]) == ("[c]", "[c]")
    # From a baseline of 9 towards 1, 3 is 75% of the way: saying so would give the 3 away.
    assert row["towards"] == "Progress towards the final target is not published, as it would give away a small number."
