"""The analysts' read-only views, on both back ends: plain column names, numbers as numbers, and each
figure's rating as the pass worked it out when it built the period's pack."""

from __future__ import annotations

from decimal import Decimal

import pytest
from registers import run_cli
from spoil import Q1

from demo.fill import IndicatorEntry
from pipeline.domain.errors import ExitStatus

COLUMNS = [
    "partnership", "partnership_name", "code", "indicator", "period", "area", "unit", "polarity", "cumulative",
    "target", "actual", "rating", "direction", "direction_last_year", "data_quality", "provisional", "source",
    "received",
]  # fmt: skip


@pytest.fixture
def store_url(both_backends: str) -> str:
    return both_backends


def _query(workspace, sql: str) -> tuple[list[str], list[tuple]]:
    with workspace.store() as store:
        cursor = store._db.execute(sql)
        return [d[0] for d in cursor.description], cursor.fetchall()


def test_indicator_history_gives_every_figure_of_a_built_pack_with_its_rating_and_numbers_as_numbers(workspace):
    red = IndicatorEntry(
        actual=12, data_quality="Validated", commentary="Twice the target.", remedial_action="A panel."
    )
    workspace.submit(indicators={"CYP-01": red})
    workspace.run()
    code, _out, err = run_cli(["--config", str(workspace.config.source), "report", "--period", str(Q1), "--no-pdf"])
    assert code == ExitStatus.OK, err

    columns, rows = _query(workspace, "SELECT * FROM indicator_history WHERE code = 'CYP-01' AND area = ''")

    assert columns == COLUMNS
    [row] = rows
    figure = dict(zip(columns, row))
    assert (figure["partnership"], figure["period"]) == ("CYP", "2025-26 Q1")
    assert figure["source"].startswith("return.xlsx, Indicators!")  # file, sheet and cell, as the export gives
    assert isinstance(figure["actual"], int | float | Decimal) and Decimal(str(figure["actual"])) == 12
    assert isinstance(figure["target"], int | float | Decimal)
    assert figure["rating"] == "Red" and figure["provisional"] == "No"
    with workspace.store() as store:
        stored = {f.code: f for f in store.rated_figures(str(Q1)) if not f.area}
    assert stored["CYP-01"].actual == Decimal("12") and stored["CYP-01"].rating == "Red"
    _, counted = _query(workspace, "SELECT count(*) FROM indicator_history WHERE area = ''")
    assert counted == [(len(stored),)]
    from pipeline.outputs.export import figures

    exported = figures(workspace.config, str(Q1))  # the analysts' tidy table: the same rows, the same words
    _, rows = _query(workspace, "SELECT code, area, rating, direction, source FROM indicator_history")
    assert sorted(rows) == sorted(
        zip(exported["Code"], exported["Area"], exported["Rating"], exported["Direction"], exported["Source"])
    )


def test_returns_received_and_files_received_name_each_file_with_its_verdict(workspace):
    workspace.submit("good.xlsx")
    workspace.submit("bad.xlsx", indicators={"CYP-05": {"actual": "lots"}})
    workspace.run()

    _, returns = _query(workspace, "SELECT partnership, period, file_name, signed_off, counts FROM returns_received")
    _, files = _query(workspace, "SELECT file_name, verdict FROM files_received ORDER BY file_name")

    assert returns == [("CYP", "2025-26 Q1", "good.xlsx", "Yes", "Yes")]
    assert files == [("bad.xlsx", "rejected"), ("good.xlsx", "accepted")]
