"""Targets a committee clerk would accept, read back from the Word documents: a cumulative
indicator's target says it is the year to date and gives the annual target, the highlight report
gives the final target, its year and the distance travelled from the baseline, and every figure
carries its unit ('22.55 per 1,000', not '22.55')."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from test_documents import all_text, build_report, by_name, make_config, open_docx, rows_of, tables_headed

from pipeline.domain.wording import difference, figure
from pipeline.outputs.documents import write_documents


def changed(report):
    """SC02 a cumulative count with a final target; HW01 a rate per 1,000."""
    scp, hwb = report.partnerships[0], report.partnerships[1]
    sc02 = scp.indicators[1]
    sc02 = dataclasses.replace(
        sc02,
        indicator=dataclasses.replace(
            sc02.indicator,
            unit="count",
            cumulative=True,
            annual_target=Decimal("480"),
            baseline=Decimal("200"),
            baseline_period="2023-24",
            final_target=Decimal("300"),
            final_target_year="2027-28",
        ),
        target=Decimal("240"),
        actual=Decimal("1236"),
    )
    hw01 = hwb.indicators[0]
    hw01 = dataclasses.replace(
        hw01,
        indicator=dataclasses.replace(
            hw01.indicator,
            unit="rate per 1,000",
            baseline=Decimal("30"),
            baseline_period="2023-24",
            final_target=Decimal("20"),
            final_target_year="2026-27",
        ),
        target=Decimal("21.5"),
        actual=Decimal("22.55"),
    )
    scp = dataclasses.replace(scp, indicators=(scp.indicators[0], sc02) + scp.indicators[2:])
    hwb = dataclasses.replace(hwb, indicators=(hw01,) + hwb.indicators[1:])
    return dataclasses.replace(report, partnerships=(scp, hwb) + report.partnerships[2:])


def written(tmp_path):
    return write_documents(changed(build_report()), make_config(tmp_path), tmp_path / "out", pdf=False)


def indicator_rows(doc) -> dict[str, list[str]]:
    return {r[0]: r for r in rows_of(tables_headed(doc, "Code", "Since last report")[0])[1:]}


def test_a_cumulative_target_says_it_is_the_year_to_date_and_gives_the_annual_target(tmp_path):
    paths = written(tmp_path)
    row = indicator_rows(open_docx(by_name(paths, "highlight-SCP-2025-26-Q2.docx")))["SC02"]
    assert row[2] == "240 year to date (annual target 480)"
    board = open_docx(by_name(paths, "board-paper-2025-26-Q2.docx"))
    assert "240 year to date (annual target 480)" in all_text(board)
    # An indicator that is not cumulative keeps its plain target.
    assert indicator_rows(open_docx(by_name(paths, "highlight-SCP-2025-26-Q2.docx")))["SC01"][2] == "25%"


def test_the_highlight_report_gives_the_final_target_its_year_and_progress_from_the_baseline(tmp_path):
    paths = written(tmp_path)
    hw01 = indicator_rows(open_docx(by_name(paths, "highlight-HWB-2025-26-Q2.docx")))["HW01"]
    assert hw01[1] == (
        "Adults who are physically active\n"
        "Final target 20 per 1,000 by 2026-27. From the baseline of 30 per 1,000 (2023-24), "
        "75% of the way to the final target."
    )
    # A running total part of the way through the year is not set against a full year's baseline.
    sc02 = indicator_rows(open_docx(by_name(paths, "highlight-SCP-2025-26-Q2.docx")))["SC02"]
    assert sc02[1] == (
        "Anti-social behaviour incidents\n"
        "Final target 300 by 2027-28, against a baseline of 200 (2023-24); progress is measured on the "
        "full year's figure."
    )
    # No final target in the register: nothing more than the title.
    sc01 = indicator_rows(open_docx(by_name(paths, "highlight-SCP-2025-26-Q2.docx")))["SC01"]
    assert sc01[1] == "Repeat victims of domestic abuse"


def test_a_rate_carries_its_unit_in_the_word_documents(tmp_path):
    paths = written(tmp_path)
    hw01 = indicator_rows(open_docx(by_name(paths, "highlight-HWB-2025-26-Q2.docx")))["HW01"]
    assert (hw01[2], hw01[3]) == ("21.5 per 1,000", "22.55 per 1,000")
    board = all_text(open_docx(by_name(paths, "board-paper-2025-26-Q2.docx")))
    assert "22.55 per 1,000" in board
    assert "|22.55|" not in board


def test_every_unit_is_written_the_one_way():
    assert figure(Decimal("22.55"), "rate per 1,000") == "22.55 per 1,000"
    assert figure(Decimal("14"), "days") == "14 days"
    assert figure(Decimal("1"), "days") == "1 day"
    assert figure(Decimal("65.1"), "%") == "65.1%"
    assert figure(Decimal("1200"), "£") == "£1,200"
    assert figure(Decimal("3456"), "count") == "3,456"
    assert figure(None, "rate per 1,000") == "No data"
    assert difference(Decimal("6"), "%") == "6 percentage points"
    assert difference(Decimal("2.5"), "rate per 1,000") == "2.5 per 1,000"


def test_at_the_year_end_a_running_total_is_measured_against_the_baseline_and_the_target_is_the_annual_one():
    from pipeline.outputs.docx_context import target_words, towards_final

    sc02 = changed(build_report()).partnerships[0].indicators[1]
    full_year = dataclasses.replace(sc02, target=Decimal("480"), actual=Decimal("260"))
    assert target_words(full_year) == "480 year to date (the annual target)"
    assert towards_final(full_year, year_end=True) == (
        "Final target 300 by 2027-28. From the baseline of 200 (2023-24), 60% of the way to the final target."
    )
    reached = dataclasses.replace(full_year, actual=Decimal("310"))
    assert towards_final(reached, year_end=True).endswith("the final target has been reached.")
    worse = dataclasses.replace(full_year, actual=Decimal("190"))
    assert towards_final(worse, year_end=True).endswith("no progress yet towards the final target.")
