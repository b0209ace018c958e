"""The forecast, SPC, interval and comparator judgements, from the history to the master workbook.

The demo's comparators workbook (demo/comparators.xlsx) gives England, North West and nearest
neighbours' figures for CYP-01, CYP-04 and SKL-03.
"""

from __future__ import annotations

from decimal import Decimal as D

from openpyxl import load_workbook
from spoil import Q1, outcome

from pipeline.analysis.comparators import Comparison
from pipeline.analysis.forecast import NOT_ENOUGH_HISTORY, STRAIGHT_LINE
from pipeline.analysis.spc import Assurance, Variation
from pipeline.domain.history import HistoryValue
from pipeline.domain.periods import Period
from pipeline.outputs.comparator_book import read_comparators
from pipeline.outputs.judgement import judge
from pipeline.rating.rag import Rag


def _rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v is not None for v in r)]


def figures(code: str, by_period: dict[Period, str], **counts) -> dict[Period, HistoryValue]:
    return {
        p: HistoryValue(code, str(p), D(v), "Validated", "", "", (), 1, "f.xlsx", "2025-07-10T09:30:00+00:00", **counts)
        for p, v in by_period.items()
    }


def quarters(first: Period, count: int) -> list[Period]:
    out = [first]
    while len(out) < count:
        out.append(out[-1].next())
    return out


def test_master_workbook_has_the_judgement_columns_with_one_per_comparator(workspace):
    workspace.submit("cyp.xlsx")
    assert outcome(workspace.run(), "cyp.xlsx").verdict == "accepted"
    rows = _rows(load_workbook(workspace.master(Q1))["Indicators"])
    headers = list(rows[0])
    assert headers[headers.index("Forecast outturn") :] == [
        "Forecast outturn",
        "Forecast low",
        "Forecast high",
        "Forecast rating",
        "Lower 95% CI",
        "Upper 95% CI",
        "Compared with England",
        "Compared with North West",
        "Compared with Nearest neighbours",
        "Variation",
        "Assurance",
    ]
    # CYP-05 is cumulative with a profile: 500 of 2,400 by Q1, on its profile, forecasts 2,400 (Green).
    cyp05 = next(r for r in rows if r["Code"] == "CYP-05")
    assert (cyp05["Forecast outturn"], cyp05["Forecast low"], cyp05["Forecast rating"]) == (2400, None, "Green")
    assert (cyp05["Variation"], cyp05["Assurance"]) == ("Not enough points", "Not enough points")
    # No numerator and denominator on this register row: nothing to compare with.
    cyp01 = next(r for r in rows if r["Code"] == "CYP-01")
    assert (cyp01["Lower 95% CI"], cyp01["Compared with England"]) == (None, "Not compared")


def test_a_level_with_no_earlier_years_forecasts_its_latest_figure(config):
    i = _indicator(config, "CYP-01")  # NEET %, lower is better, annual target 6.0
    j = judge(config, i, Q1, figures("CYP-01", {Q1: "6.4"}), read_comparators(None, None))
    assert (j.forecast.outturn, j.forecast.interval_note, j.forecast_rating) == (D("6.40"), NOT_ENOUGH_HISTORY, Rag.RED)


def test_a_cumulative_forecast_without_a_profile_is_a_straight_line(config):
    i = _indicator(config, "SKL-02")  # count, cumulative, annual target 720, no quarter targets
    j = judge(
        config, i, Period(2025, 2), figures("SKL-02", {Q1: "150", Period(2025, 2): "330"}), read_comparators(None, None)
    )
    assert (j.forecast.outturn, j.forecast.method, j.forecast_rating) == (D("660.00"), STRAIGHT_LINE, Rag.RED)


def test_twelve_quarters_give_an_spc_chart_and_a_concerning_special_cause_needs_attention(config):
    i = _indicator(config, "CYP-01")  # lower is better
    history = dict(
        zip(
            quarters(Period(2022, 2), 12),
            ["7.0", "7.2", "6.9", "7.1", "7.0", "7.2", "6.9", "7.1", "7.0", "7.2", "6.9", "9.5"],
        )
    )
    j = judge(config, i, Q1, figures("CYP-01", history), read_comparators(None, None))
    assert j.spc.variation is Variation.CONCERNING
    assert j.spc.assurance is Assurance.FAILING  # the target of 6.0 is below the lower limit
    assert "special cause variation: concerning" in j.attention(Rag.RED)


def test_a_cumulative_indicator_is_charted_by_each_quarters_own_amount(config):
    i = _indicator(config, "SKL-02")
    totals = {}
    for year in (2022, 2023, 2024):
        for q, total in zip((1, 2, 3, 4), ("150", "330", "520", "700")):
            totals[Period(year, q)] = total
    j = judge(config, i, Period(2024, 4), figures("SKL-02", totals), read_comparators(None, None))
    assert [p.value for p in j.spc.points[:4]] == [D(150), D(180), D(190), D(180)]
    assert j.spc.variation is Variation.COMMON


def test_a_percentage_with_counts_gets_a_wilson_interval_and_is_compared(config):
    i = _indicator(config, "CYP-01")  # lower is better
    comparators = read_comparators(config.paths.comparators, _register(config))
    # Wilson, 65 of 1,000: (130 + 3.8415 -/+ 1.96 x 15.714) / 2,007.68 = 5.13% to 8.20%
    j = judge(config, i, Q1, figures("CYP-01", {Q1: "6.5"}, numerator=D(65), denominator=D(1000)), comparators)
    assert (j.interval.lower, j.interval.upper) == (D("5.13"), D("8.20"))
    assert [(c.comparator, c.result) for c in j.comparisons] == [
        ("England", Comparison.WORSE),
        ("North West", Comparison.SIMILAR),
        ("Nearest neighbours", Comparison.SIMILAR),
    ]
    assert j.attention(Rag.AMBER) == ("significantly worse than England",)


def _register(config):
    from pipeline.register.workbook import read_register

    return read_register(config.paths.register)[0]


def _indicator(config, code):
    return _register(config).by_code[code]


def test_comparator_rows_that_cannot_count_are_refused_naming_the_row(config, tmp_path):
    import xlsxwriter

    path = tmp_path / "comparators.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Comparators")
    for r, row in enumerate(
        [
            ("Period", "Code", "Comparator", "Value", "Lower CI", "Upper CI"),
            ("2025-26 Q1", "CYP-01", "England", 4.9, 4.8, 5.0),
            ("2025-26 Q1", "NOPE-01", "England", 4.9, None, None),
            ("Spring", "CYP-01", "Region", 4.9, None, None),
            ("2025-26 Q1", "CYP-01", "Region", "five", None, None),
            ("2025-26 Q1", "CYP-01", "England", 5.1, None, None),
        ]
    ):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    comparators = read_comparators(path, _register(config))
    assert comparators.names == ("England",)
    assert comparators.of("2025-26 Q1", "CYP-01")["England"].value == D("4.9")
    assert [(f.code, f.where) for f in comparators.findings] == [
        ("bad-comparator", "Comparators row 3"),
        ("bad-comparator", "Comparators row 4"),
        ("bad-comparator", "Comparators row 5"),
        ("bad-comparator", "Comparators row 6"),
    ]
    assert comparators.findings[0].message == ("comparators.xlsx: row 3 names NOPE-01, which is not in the register.")


def test_pipeline_check_names_a_comparators_row_that_cannot_count(tmp_path):
    import io

    import xlsxwriter
    from registers import DEMO_REGISTER, write_config

    from pipeline.cli import main

    path = tmp_path / "comparators.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Comparators")
    ws.write_row(0, 0, ["Period", "Code", "Comparator", "Value"])
    ws.write_row(1, 0, ["2025-26 Q1", "NOPE-01", "England", 4.9])
    book.close()
    demo = (DEMO_REGISTER.parent / "comparators.xlsx").as_posix()
    config = write_config(
        tmp_path, DEMO_REGISTER, replace={f"comparators = '{demo}'": f"comparators = '{path.as_posix()}'"}
    )
    out = io.StringIO()
    assert main(["--config", str(config), "check"], stdout=out) == 1
    assert "NOPE-01, which is not in the register" in out.getvalue()


def test_word_documents_show_the_forecast_beside_the_rating_and_what_needs_the_boards_attention(workspace):
    from docx import Document

    from pipeline.outputs.assemble import assemble
    from pipeline.outputs.documents import write_documents

    off = {"actual": D("9.0"), "commentary": "More leavers without a place.", "remedial_action": "Extra advisers."}
    workspace.submit("cyp.xlsx", indicators={"CYP-01": off})
    assert outcome(workspace.run(), "cyp.xlsx").verdict == "accepted"
    with workspace.store() as store:
        report = assemble(workspace.config, workspace.register, store, Q1)
    paths = write_documents(report, workspace.config, workspace.outbox / Q1.slug, pdf=False)

    highlight = Document(str(next(p for p in paths if p.name.startswith("highlight-CYP"))))
    [table] = [t for t in highlight.tables if "Forecast for March" in [c.text for c in t.rows[0].cells]]
    row = next([c.text for c in r.cells] for r in table.rows[1:] if r.cells[0].text.startswith("CYP-01"))
    # No earlier year in the store: the level's forecast is its latest figure, with no range. Under the
    # heading "Forecast for March", beside a "Forecast rating" column, the cell says neither again.
    assert row[1:6] == [
        "Red",
        "9% (no range: not enough history)",
        "Red",
        "Not enough points",
        "Not enough points",
    ]
    [exceptions] = [t for t in highlight.tables if "Remedial action" in [c.text for c in t.rows[0].cells]]
    assert "Red. Forecast for March: 9% (no range: not enough history), Red" in [
        r.cells[3].text for r in exceptions.rows[1:]
    ]

    paper = Document(str(next(p for p in paths if p.name.startswith("board-paper"))))
    texts = [p.text for p in paper.paragraphs]
    assert "Needs the board's attention" in texts
    [attention] = [t for t in paper.tables if "Why" in [c.text for c in t.rows[0].cells]]
    assert [[c.text for c in r.cells] for r in attention.rows[1:]] == [
        [
            "CYP",
            f"CYP-01 {workspace.register.by_code['CYP-01'].title}",
            "Red",
            "9% (no range: not enough history), Red",
            "Red now and forecast Red at year end.",
        ]
    ]


def test_an_spc_chart_marks_special_causes_and_says_them_in_its_alt_text(config):
    import dataclasses

    from chart_xml import read_chart
    from test_charts import exception

    from pipeline.outputs.charts import spc_chart

    i = _indicator(config, "CYP-01")  # lower is better
    values = ["7.0", "7.2", "6.9", "7.1", "7.0", "7.2", "6.9", "7.1", "7.0", "7.2", "6.9", "9.5"]
    j = judge(
        config, i, Q1, figures("CYP-01", dict(zip(quarters(Period(2022, 2), 12), values))), read_comparators(None, None)
    )
    chart = spc_chart(dataclasses.replace(exception(), indicator=i, judgement=j))
    # 9.5 pulls the mean (7.33) above the eleven before it, all below it: a run on one side, as NHSRplotthedots marks it.
    assert "2024-25 Q4 (7 in a row on one side of the mean); 2025-26 Q1 (outside the limits)." in chart.alt_text
    assert chart.alt_text.endswith("Latest: Special cause: concerning; Consistently failing.")
    # A chart Word draws: the points joined in grey, the mean solid, the limits dashed (one legend entry).
    view = read_chart(chart.xml)
    assert view.names() == ["Figure", "Mean", "Process limits", "Lower limit", "Improving", "Concerning"]
    assert view.names(legend_only=True) == ["Figure", "Mean", "Process limits", "Improving", "Concerning"]
    assert view.line("Figure").values == {k: float(v) for k, v in enumerate(values)}
    assert set(view.line("Mean").values.values()) == {float(j.spc.mean)} and view.line("Mean").symbol == "none"
    assert set(view.line("Process limits").values.values()) == {float(j.spc.upper)}
    assert set(view.line("Lower limit").values.values()) == {float(j.spc.lower)} and view.line("Lower limit").dashed
    # Lower is better: the eleven below the mean improve (blue squares), the jump concerns (an orange
    # triangle): markers alone, over the grey circles, in colour and shape.
    improving, concerning = view.line("Improving"), view.line("Concerning")
    assert (improving.values, improving.symbol, improving.colour) == (
        {k: float(v) for k, v in enumerate(values[:11])},
        "square",
        None,
    )
    assert (concerning.values, concerning.symbol, concerning.fill) == ({11: 9.5}, "triangle", "ED7D31")
    assert view.categories[0] == "Q2\n22-23" and view.categories[-1] == "Q1\n25-26"
    assert view.title == ["CYP-01: " + i.title, "Statistical process control; lower is better"]


def test_no_spc_chart_under_twelve_figures(config):
    import dataclasses

    from test_charts import exception

    from pipeline.outputs.charts import spc_chart

    i = _indicator(config, "CYP-01")
    j = judge(config, i, Q1, figures("CYP-01", {Q1: "6.4"}), read_comparators(None, None))
    assert spc_chart(dataclasses.replace(exception(), indicator=i, judgement=j)) is None


def test_a_gap_from_counts_has_an_interval_and_its_narrowing_is_tested(workspace):
    from datetime import timedelta

    from demo.fill import AreaEntry

    nra, rest = "Neighbourhood renewal areas", "Rest of borough"
    on_target = {"CYP-01": {"actual": D("5.5"), "numerator": 220, "denominator": 4000}}
    # Q1: 480 of 4,000 (12%) against 400 of 8,000 (5%), a gap of 7 points; Q2: 280 of 4,000 (7%), a gap of 2.
    workspace.submit(
        "q1.xlsx",
        indicators=on_target,
        areas={
            ("CYP-01", nra): AreaEntry(actual=None, numerator=480, denominator=4000),
            ("CYP-01", rest): AreaEntry(actual=None, numerator=400, denominator=8000),
        },
    )
    assert outcome(workspace.run(), "q1.xlsx").verdict == "accepted"
    workspace.now += timedelta(days=91)
    q2 = Period(2025, 2)
    workspace.submit(
        "q2.xlsx",
        period=q2,
        indicators=on_target,
        areas={
            ("CYP-01", nra): AreaEntry(actual=None, numerator=280, denominator=4000),
            ("CYP-01", rest): AreaEntry(actual=None, numerator=400, denominator=8000),
        },
    )
    assert outcome(workspace.run(), "q2.xlsx").verdict == "accepted"
    [row] = [r for r in _rows(load_workbook(workspace.master(q2))["Gaps"]) if r["Code"] == "CYP-01"]
    # Newcombe: Wilson gives 6.250% to 7.833% for 280 / 4,000 and 4.544% to 5.500% for 400 / 8,000, so
    # 2 - sqrt(0.750² + 0.500²) = 1.10 and 2 + sqrt(0.833² + 0.456²) = 2.95 points.
    assert (row["Gap"], row["Gap lower 95% CI"], row["Gap upper 95% CI"]) == (2, 1.1, 2.95)
    assert (row["Gap trend"], row["Change significant"]) == ("Narrowing (significant)", "Yes")


def test_without_a_figure_this_quarter_the_variation_is_not_an_earlier_quarters(config):
    # Twelve quarters to 2024-25 Q4 ending in a concerning jump, and no figure for 2025-26 Q1: the
    # board must not read last year's special cause as this quarter's, nor be asked to look at it.
    i = _indicator(config, "CYP-01")
    steady = ["7.0", "7.2", "6.9", "7.1", "7.0", "7.2", "6.9", "7.1", "7.0", "7.2", "6.9", "9.5"]
    j = judge(
        config, i, Q1, figures("CYP-01", dict(zip(quarters(Period(2022, 1), 12), steady))), read_comparators(None, None)
    )
    assert j.spc.variation is Variation.NO_POINT
    assert j.spc.variation.value == "No point this period"
    assert j.attention(Rag.NOT_RATED) == ()


def test_a_percentage_forecast_stays_between_0_and_100_percent(config):
    # CYP-01 fell 4 points from Q1 to Q4 in each of the last two years; from 2.5% now, the same fall
    # would forecast -1.5%, which no percentage can be: the forecast and its range stop at 0%.
    i = _indicator(config, "CYP-01")
    history = {
        Period(2023, 1): "9.0",
        Period(2023, 4): "5.0",
        Period(2024, 1): "8.0",
        Period(2024, 4): "4.0",
        Q1: "2.5",
    }
    j = judge(config, i, Q1, figures("CYP-01", history), read_comparators(None, None))
    assert (j.forecast.outturn, j.forecast.low, j.forecast.high) == (D("0.00"), D("0.00"), D("0.00"))


def test_a_count_forecast_is_never_below_zero(config):
    i = _indicator(config, "HSG-03")  # households in temporary accommodation, a level count
    history = {
        Period(2023, 1): "60",
        Period(2023, 4): "10",
        Period(2024, 1): "70",
        Period(2024, 4): "10",
        Q1: "30",
    }
    j = judge(config, i, Q1, figures("HSG-03", history), read_comparators(None, None))
    assert (j.forecast.outturn, j.forecast.low, j.forecast.high) == (D("0.00"), D("0.00"), D("0.00"))


def test_a_cumulative_quarter_without_last_quarters_total_has_no_point_of_its_own(config):
    # SKL-02's running totals for thirteen quarters to 2025-26 Q1, then Q3 with Q2 missing: Q3's own
    # amount is unknown, so the chart's latest point is Q1's and the variation is not news of Q3.
    i = _indicator(config, "SKL-02")
    totals = {}
    for p in quarters(Period(2022, 1), 13):
        totals[p] = str(150 * p.quarter + (p.year - 2022))
    q3 = Period(2025, 3)
    totals[q3] = "480"
    j = judge(config, i, q3, figures("SKL-02", totals), read_comparators(None, None))
    assert j.spc.points[-1].label == "2025-26 Q1"
    assert j.spc.variation.value == "No point this period"
