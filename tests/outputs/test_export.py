"""`pipeline export` and pipeline.outputs.export.figures: every figure as one tidy table."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from openpyxl import load_workbook
from registers import run_cli
from spoil import Q1, Q2, cell_of

from demo.fill import IndicatorEntry
from pipeline.outputs.export import figures
from pipeline.outputs.master_history import TIDY_COLUMNS
from pipeline.rating.rag import period_target

NRA, REST = "Neighbourhood renewal areas", "Rest of borough"


def _two_quarters_and_a_past_one(workspace, tmp_path):
    (tmp_path / "past.csv").write_text("Code,Period,Actual\nCYP-01,2024-25 Q1,7.4\n", encoding="utf-8")
    assert run_cli(["import-history", str(tmp_path / "past.csv"), "--config", str(workspace.config.source)])[0] == 0
    first = workspace.fill("cyp-q1.xlsx", areas={("CYP-01", NRA): Decimal("9.1"), ("CYP-01", REST): Decimal("4.4")})
    workspace.drop(first)
    workspace.run()
    workspace.reporting(Q2)
    workspace.submit(
        "cyp-q2.xlsx",
        period=Q2,
        cover={"signed_off": "No"},
        indicators={
            "CYP-01": IndicatorEntry(actual="7.9", data_quality="Estimate", commentary="Worse.", remedial_action="M.")
        },
    )
    workspace.run()
    return first


def test_one_row_a_figure_and_area_with_the_columns_analysts_asked_for(workspace, tmp_path, register):
    first = _two_quarters_and_a_past_one(workspace, tmp_path)
    table = figures(workspace.config)
    assert list(table.columns) == list(TIDY_COLUMNS)
    assert not table.duplicated(["Code", "Period", "Area"]).any()
    rows = {(r.Code, r.Period, r.Area): r for r in table.itertuples(index=False)}
    q1 = rows[("CYP-01", "2025-26 Q1", "")]
    assert (q1.Partnership, q1._1, q1.Unit, q1.Polarity, q1.Cumulative) == (
        "CYP",
        "Children and Young People Partnership",
        "%",
        "Lower is better",
        False,
    )
    assert q1.Target == float(period_target(register.by_code["CYP-01"], 1))
    assert (q1.Rating, q1.Direction, q1._13) == ("Green", "Not comparable", "Improving")  # 7.4 a year before
    assert q1.Source == f"cyp-q1.xlsx, Indicators!{cell_of(first, 'Indicators', 'CYP-01', 'Actual')}"
    assert (q1.Provisional, q1.Received.year) == (False, 2025)
    assert rows[("CYP-01", "2025-26 Q1", NRA)].Actual == 9.1
    assert pd.isna(rows[("CYP-01", "2025-26 Q1", NRA)].Target)
    q2 = rows[("CYP-01", "2025-26 Q2", "")]
    assert (q2.Actual, q2.Rating, q2.Direction, q2._14, q2.Provisional) == (7.9, "Red", "Worsening", "Estimate", True)
    past = rows[("CYP-01", "2024-25 Q1", "")]
    assert (past.Actual, past.Source) == (7.4, "imported: past.csv, row 2")
    with workspace.store() as store:
        stored = sum(1 + len(h.area_values) for h in store.history())
    assert len(table) == stored


def test_a_period_keeps_that_quarter_s_figures_only(workspace, tmp_path):
    _two_quarters_and_a_past_one(workspace, tmp_path)
    table = figures(workspace.config.source, period="2025-26 Q2")
    assert set(table["Period"]) == {"2025-26 Q2"}
    assert len(table) == len(figures(workspace.config)[lambda t: t["Period"] == "2025-26 Q2"])


def test_the_command_writes_csv_and_xlsx_that_read_back_as_the_same_table(workspace, tmp_path):
    _two_quarters_and_a_past_one(workspace, tmp_path)
    config = str(workspace.config.source)
    code, out, err = run_cli(["export", "--config", config])
    target = workspace.outbox / "export" / "figures.csv"
    expected = figures(workspace.config)
    assert (code, err) == (0, "") and out == f"{target}\n{len(expected)} figure(s) written.\n"
    back = pd.read_csv(target, encoding="utf-8-sig", keep_default_na=False)
    assert list(back.columns) == list(TIDY_COLUMNS) and len(back) == len(expected)
    code, out, _err = run_cli(
        ["--config", config, "export", "--period", "2025-26", "Q1", "--format", "xlsx", "-o", str(tmp_path / "q1.xlsx")]
    )
    assert code == 0
    sheet = load_workbook(tmp_path / "q1.xlsx", read_only=True)["Figures"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(TIDY_COLUMNS)
    assert len(rows) - 1 == len(expected[expected["Period"] == str(Q1)])


def test_a_file_name_that_starts_like_a_formula_is_written_as_text_in_the_csv(workspace, tmp_path):
    workspace.drop(workspace.fill("cyp.xlsx"), "=HYPERLINK(1).xlsx")
    workspace.run()
    target = tmp_path / "f.csv"
    assert run_cli(["export", "--config", str(workspace.config.source), "-o", str(target)])[0] == 0
    text = target.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1).xlsx, Indicators!" in text
    assert ",=HYPERLINK" not in text
