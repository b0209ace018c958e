"""The six-monthly public summary, read back as a reader sees it: each part pinned by its text."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from test_documents import PERIOD, build_report, indicator, make_config

from pipeline.domain.periods import Period
from pipeline.domain.records import Polarity
from pipeline.outputs.assemble import AreaGap
from pipeline.outputs.charts import ChartCache
from pipeline.outputs.public_summary import figure, render_public_summary
from pipeline.rating.rag import GapResult, GapTrend, Rag


class Page(HTMLParser):
    """The page's text by part: each table's rows of cell texts (by caption), the About list, paragraphs."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.about: dict[str, str] = {}
        self.paragraphs: list[str] = []
        self.items: list[str] = []
        self._text: list[str] | None = None
        self._rows: list[list[str]] = []
        self._caption = ""
        self._dt = ""
        self._depth = 0  # inside a table cell, paragraphs are part of the cell
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows = []
        elif tag == "tr":
            self._rows.append([])
        elif tag == "p" and self._depth and self._text is not None:
            self._text.append(" ")
        elif tag in ("th", "td", "caption", "dt", "dd", "li") or tag == "p":
            self._text = []
            self._depth += tag in ("th", "td")

    def handle_endtag(self, tag):
        if tag == "table":
            self.tables[self._caption] = self._rows
        elif tag in ("th", "td", "caption", "dt", "dd", "li", "p") and self._text is not None:
            if tag == "p" and self._depth:
                self._text.append(" ")
                return
            text = " ".join("".join(self._text).split())
            self._text = None
            if tag in ("th", "td"):
                self._depth -= 1
                self._rows[-1].append(text)
            elif tag == "caption":
                self._caption = text
            elif tag == "dt":
                self._dt = text
            elif tag == "dd":
                self.about[self._dt] = text
            elif tag == "li":
                self.items.append(text)
            else:
                self.paragraphs.append(text)

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def rows(self, caption: str) -> dict[str, list[str]]:
        """A table's body rows by their first cell."""
        return {row[0]: row[1:] for row in self.tables[caption][1:]}


RATE = indicator(
    "EC09", "ECO", "Emergency admissions for falls", "rate per 1,000", "24", "22.55", Rag.GREEN, polarity=Polarity.LOWER
)


def with_indicators(report, *extra):
    """The report with `extra` added to its last partnership (Economy and Skills)."""
    eco = report.partnerships[-1]
    counts = dict(eco.counts)
    for i in extra:
        counts[i.rag] = counts.get(i.rag, 0) + 1
    return dataclasses.replace(
        report,
        partnerships=report.partnerships[:-1]
        + (dataclasses.replace(eco, indicators=eco.indicators + tuple(extra), counts=counts),),
    )


def page(report, tmp_path, email: str = "", **calendar) -> Page:
    tmp_path.mkdir(exist_ok=True)
    config = dataclasses.replace(make_config(tmp_path), board_officer_email=email)
    if calendar:
        config = dataclasses.replace(config, calendar=dataclasses.replace(config.calendar, **calendar))
    return Page(render_public_summary(report, config, ChartCache(tmp_path / "charts")))


@pytest.fixture
def shown(tmp_path) -> Page:
    return page(with_indicators(build_report(), RATE), tmp_path)


def test_every_figure_carries_its_unit():
    assert figure(Decimal("22.55"), "rate per 1,000") == "22.55 per 1,000"
    assert figure(Decimal("72.50"), "%") == "72.5%"
    assert figure(Decimal("1200"), "£") == "£1,200"
    assert (figure(Decimal("14"), "days"), figure(Decimal("1"), "days")) == ("14 days", "1 day")
    assert figure(Decimal("3456"), "count") == "3,456"
    assert figure(None, "rate per 1,000", "Not yet available") == "Not yet available"


def test_a_rate_is_shown_per_1000_with_its_target(shown):
    row = shown.rows("Economy and Skills Partnership: measures, latest figures and targets")[
        "Emergency admissions for falls"
    ]
    assert row[1:3] == ["22.55 per 1,000", "24 per 1,000"]


def test_each_measure_says_whether_higher_or_lower_is_better(shown):
    rows = shown.rows("Safer Communities Partnership: measures, latest figures and targets")
    assert rows["Repeat victims of domestic abuse"][0] == "Lower is better"
    assert rows["Hate crimes reported"][0] == "Higher is better"


def test_the_public_name_replaces_the_title_and_is_escaped(tmp_path):
    report = build_report()
    scp = report.partnerships[0]
    named = dataclasses.replace(
        scp.indicators[0],
        indicator=dataclasses.replace(scp.indicators[0].indicator, public_name="People harmed <again> & again"),
    )
    report = dataclasses.replace(
        report,
        partnerships=(dataclasses.replace(scp, indicators=(named,) + scp.indicators[1:]),) + report.partnerships[1:],
    )
    html = render_public_summary(report, make_config(tmp_path), ChartCache(tmp_path / "charts"))
    assert "People harmed &lt;again&gt; &amp; again" in html and "<again>" not in html
    rows = Page(html).rows("Safer Communities Partnership: measures, latest figures and targets")
    assert "People harmed <again> & again" in rows and "Repeat victims of domestic abuse" not in rows


def test_the_headline_counts_the_measures_with_no_figure_and_no_target(shown):
    headline = next(p for p in shown.paragraphs if p.startswith("We report on"))
    assert headline == (
        "We report on 13 measures this time. Of the 8 with a target and a figure, 4 are on target, 3 are close to "
        "target and 1 is off target."
    )
    assert "3 have no figure yet for this period." in shown.items
    assert "1 has no target set." in shown.items
    assert "1 is reported for information, without a rating." in shown.items


def test_the_headline_names_the_partnerships_whose_figures_are_missing_or_provisional(shown):
    assert (
        "Figures from Children and Young People's Partnership are not yet available, so its measures have no "
        "figure yet." in shown.paragraphs
    )
    assert "Figures from Health & Wellbeing Board are provisional and may change." in shown.paragraphs
    hwb = shown.rows("Health & Wellbeing Board: measures, latest figures and targets")
    assert hwb["Adults who are physically active"][1] == "65.1% (provisional)"


def test_the_page_gives_its_date_contact_and_next_update(tmp_path):
    shown = page(
        build_report(),
        tmp_path,
        email="performance@brackenford.example.org",
    )
    assert shown.about["Date of this summary"] == "24 October 2025 (the date of the latest figures in it)"
    assert shown.about["Next update"] == "Figures for April 2025 to March 2026, to be confirmed"
    assert shown.about["Contact"] == "performance@brackenford.example.org"


def test_the_next_update_is_the_board_meeting_that_receives_the_full_year(tmp_path):
    meetings = (date(2025, 11, 18), date(2026, 2, 10), date(2026, 6, 9), date(2026, 7, 14))
    shown = page(build_report(), tmp_path, board_meetings=meetings)
    assert shown.about["Next update"] == "Figures for April 2025 to March 2026, after the board meeting on 9 June 2026"
    q4 = page(build_report(Period(2025, 4)), tmp_path / "q4", board_meetings=meetings)
    assert (
        q4.about["Next update"] == "Figures for April to September 2026, to be confirmed"
    )  # no meeting in the diary yet


def test_without_a_contact_address_the_organisation_is_named(tmp_path):
    assert page(build_report(), tmp_path).about["Contact"] == "Brackenford Borough Partnership"


def test_each_partnership_s_action_plan_progress_is_shown_without_owners(shown):
    assert "4 actions: 1 done, 1 on track, 1 slightly behind, 1 behind schedule." in shown.paragraphs
    rows = shown.rows("Safer Communities Partnership: action plan progress")
    assert rows["Open the new community safety hub"] == ["30 June 2025", "60%", "Behind schedule"]
    assert rows["Recruit a DA coordinator"][2] == "Done"
    assert all("J. Patel" not in cell for row in shown.tables.values() for cells in row for cell in cells)


def test_the_gap_between_areas_is_said_in_plain_words(tmp_path):
    gapped = dataclasses.replace(
        indicator("EC05", "ECO", "Adults with no qualifications", "%", "10", "12.1", Rag.AMBER),
        gaps=(
            AreaGap(
                area="Neighbourhood renewal areas",
                area_value=Decimal("16.2"),
                compared_with="Rest of borough",
                compared_value=Decimal("10.2"),
                before_period="2025-26 Q1",
                result=GapResult(Decimal("6.0"), Decimal("7.5"), GapTrend.NARROWING, True),
            ),
        ),
    )
    shown = page(with_indicators(build_report(), gapped), tmp_path)
    row = shown.tables["Economy and Skills Partnership: measures, latest figures and targets"][-1]
    assert row[0] == (
        "Adults with no qualifications Neighbourhood renewal areas: 16.2%, against 10.2% in Rest of borough: "
        "a gap of 6 percentage points, with Neighbourhood renewal areas behind. The gap is narrower than in 2025-26 Q1, "
        "when it was 7.5 percentage points."
    )


def test_at_the_full_year_a_measure_with_no_figure_a_year_ago_is_compared_with_its_baseline(tmp_path):
    new = indicator("EC06", "ECO", "Apprenticeships started", "count", "300", "320", Rag.GREEN)
    new = dataclasses.replace(
        new, indicator=dataclasses.replace(new.indicator, baseline=Decimal("280"), baseline_period="2023-24")
    )
    report = with_indicators(build_report(Period(2025, 4)), new)
    rows = page(report, tmp_path).rows("Economy and Skills Partnership: measures, latest figures and targets")
    assert rows["Apprenticeships started"][-1] == "Better than the baseline of 280 (2023-24)"
    half = page(with_indicators(build_report(PERIOD), new), tmp_path / "q2")
    assert (
        half.rows("Economy and Skills Partnership: measures, latest figures and targets")["Apprenticeships started"][-1]
        == "No figure a year ago to compare"
    )  # the half year is compared with a year ago only


@pytest.mark.parametrize(
    "forecast_rating, words",
    [
        (Rag.GREEN, "On track to meet its target by March"),
        (Rag.AMBER, "Likely to end the year close to its target, but short of it"),
        (Rag.RED, "Not on track to meet its target by March"),
    ],
)
def test_the_year_end_forecast_is_said_in_plain_words(tmp_path, forecast_rating, words):
    from pipeline.analysis.forecast import LEVEL_LATEST, Forecast
    from pipeline.analysis.spc import Assurance, Spc, Variation
    from pipeline.outputs.judgement import Judgement

    judged = dataclasses.replace(
        indicator("EC07", "ECO", "Adults in work", "%", "70", "68.5", Rag.AMBER),
        judgement=Judgement(
            Forecast(Decimal("69.25"), None, None, LEVEL_LATEST),
            forecast_rating,
            Spc((), None, None, None, Variation.NOT_ENOUGH, Assurance.NOT_ENOUGH),
            None,
        ),
    )
    shown = page(with_indicators(build_report(), judged), tmp_path)
    row = shown.tables["Economy and Skills Partnership: measures, latest figures and targets"][-1]
    assert row[0] == f"Adults in work {words} (if things go on as they are, 69.25% against a target of 70%)."
