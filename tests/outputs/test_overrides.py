"""The overrides workbook: a rating outside the indicator's scheme is refused, an override's date is shown,
the data as at covers it, and the board is asked to agree the quarter's overrides."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from registers import DEMO_REGISTER, run_cli, write_config
from spoil import Q1, Workspace

from demo.fill import IndicatorEntry
from pipeline.domain.records import Scheme
from pipeline.domain.wording import uk_time
from pipeline.outputs.overrides import read_overrides
from pipeline.rating.rag import Rag

SHIPPED = f"overrides = '{(DEMO_REGISTER.parent / 'overrides.xlsx').as_posix()}'"
HEADER = ["Period", "Code", "Rating", "Reason", "Who", "Date"]
CLEANSE = "One-off data cleanse; agreed by the group."
REFUSED_MESSAGE = (
    "overrides.xlsx: CYP-01 cannot be rated Amber/Red for 2025-26 Q1: it is rated on the 3-level scheme, "
    "whose ratings are Green, Amber and Red, so the calculated rating stands."
)
REFUSED_FIX = "Change the rating in row 2 to Green, Amber or Red, or delete the row."


def overrides_book(path: Path, *rows) -> Path:
    book = Workbook()
    book.active.title = "Overrides"
    book.active.append(HEADER)
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    return path


def workspace_with(tmp_path, register, return_templates, *rows) -> Workspace:
    overrides = overrides_book(tmp_path / "overrides.xlsx", *rows)
    ws = Workspace(
        tmp_path / "ws", register, return_templates, replace={SHIPPED: f"overrides = '{overrides.as_posix()}'"}
    )
    ws.submit(
        "cyp.xlsx",
        indicators={
            "CYP-01": IndicatorEntry(
                actual="7.9", data_quality="Validated", commentary="Up.", remedial_action="Tracking."
            )
        },
    )
    ws.run()  # CYP-01 (lower is better, 3-level, target 6.0) at 7.9 is Red
    return ws


def report(ws: Workspace) -> list[Path]:
    code, out, _err = run_cli(["--config", str(ws.root / "config.toml"), "report", "--period", str(Q1), "--no-pdf"])
    assert code == 0
    return [Path(line) for line in out.splitlines()]


def sheet_rows(path: Path, name: str) -> list[dict]:
    sheet = load_workbook(path)[name]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_check_refuses_a_rating_the_indicators_scheme_does_not_have_naming_the_row_and_the_fix(tmp_path):
    overrides = overrides_book(tmp_path / "overrides.xlsx", ["2025-26 Q1", "CYP-01", "Amber/Red", CLEANSE, "A. Morgan"])
    config = write_config(tmp_path, DEMO_REGISTER, replace={SHIPPED: f"overrides = '{overrides.as_posix()}'"})

    code, out, _err = run_cli(["--config", str(config), "check", "--format", "json"])
    assert code == 1
    refused = [f for f in json.loads(out) if f["code"] == "override-outside-scheme"]
    assert refused == [
        {
            "code": "override-outside-scheme",
            "severity": "error",
            "message": REFUSED_MESSAGE,
            "fix": REFUSED_FIX,
            "sheet": "Overrides",
            "cell": "",
            "row": 2,
            "value": "Amber/Red",
            "where": "Overrides row 2",
        }
    ]
    _code, table, _err = run_cli(["--config", str(config), "check"])
    assert f"error     Overrides row 2    override-outside-scheme  {REFUSED_MESSAGE} {REFUSED_FIX}" in table


def test_the_shipped_overrides_are_within_their_indicators_schemes(tmp_path):
    code, out, _err = run_cli(["--config", str(write_config(tmp_path, DEMO_REGISTER)), "check", "--format", "json"])
    assert code == 0
    assert [f["code"] for f in json.loads(out) if f["code"].startswith("override")] == []


def test_a_refused_override_leaves_the_calculated_rating_and_is_on_the_validation_sheet(
    tmp_path, register, return_templates
):
    ws = workspace_with(
        tmp_path, register, return_templates, ["2025-26 Q1", "CYP-01", "Amber/Red", CLEANSE, "A. Morgan"]
    )
    master = next(p for p in report(ws) if p.suffix == ".xlsx")

    cyp01 = next(r for r in sheet_rows(master, "Indicators") if r["Code"] == "CYP-01")
    assert (cyp01["RAG"], cyp01["Computed RAG"], cyp01["Override reason"]) == ("Red", "Red", None)
    assert [r for r in sheet_rows(master, "Validation") if r["File"] == "overrides.xlsx"] == [
        {
            "File": "overrides.xlsx",
            "Partnership": "CYP",
            "Verdict": "refused",
            "Severity": "error",
            "Where": "Overrides row 2",
            "Code": "override-outside-scheme",
            "Value": "Amber/Red",
            "Message": REFUSED_MESSAGE,
            "Fix": REFUSED_FIX,
        }
    ]


def docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    return "\n".join(parts)


def test_an_overrides_date_is_shown_and_the_board_paper_is_as_at_it_and_asks_the_board_to_agree_it(
    tmp_path, register, return_templates
):
    ws = workspace_with(
        tmp_path,
        register,
        return_templates,
        ["2025-26 Q1", "CYP-01", "amber", CLEANSE, "A. Morgan", datetime(2025, 11, 3)],
    )
    paths = report(ws)
    said = (
        "Amber in place of the calculated Red, set by A. Morgan on 3 November 2025. "
        "Reason: One-off data cleanse; agreed by the group."
    )
    board = docx_text(next(p for p in paths if p.name.startswith("board-paper")))
    highlight = docx_text(next(p for p in paths if p.name == "highlight-CYP-2025-26-Q1.docx"))
    assert said in board
    assert said in highlight
    # The return came in on 10 July; the override on 3 November is the latest thing the paper knows.
    assert "Data as at 3 November 2025. Source: 1 of 5 partnership returns" in board
    assert any(
        line.startswith(
            "agrees this quarter's overrides of the calculated ratings: "
            "CYP-01 Amber in place of Red (set by A. Morgan on 3 November 2025). Reason: "
        )
        for line in board.splitlines()
    )


def test_an_override_without_a_date_says_nothing_of_when_and_leaves_the_data_as_at_the_return(
    tmp_path, register, return_templates
):
    ws = workspace_with(
        tmp_path, register, return_templates, ["2025-26 Q1", "CYP-01", "Amber", CLEANSE, "A. Morgan", None]
    )
    board = docx_text(next(p for p in report(ws) if p.name.startswith("board-paper")))
    assert "Amber in place of the calculated Red, set by A. Morgan. Reason: One-off data cleanse" in board
    assert "Data as at 10 July 2025 at 10:30." in board
    assert any(
        line.startswith(
            "agrees this quarter's overrides of the calculated ratings: CYP-01 Amber in place of Red (set by A. Morgan). "
        )
        for line in board.splitlines()
    )


def test_an_override_made_before_the_latest_return_leaves_the_data_as_at_the_return(
    tmp_path, register, return_templates
):
    ws = workspace_with(
        tmp_path, register, return_templates, ["2025-26 Q1", "CYP-01", "Amber", CLEANSE, "", datetime(2025, 7, 9)]
    )
    board = docx_text(next(p for p in report(ws) if p.name.startswith("board-paper")))
    assert "Data as at 10 July 2025 at 10:30." in board
    assert "Amber in place of the calculated Red, set on 9 July 2025. Reason:" in board


def test_the_board_is_not_asked_to_agree_overrides_when_there_are_none(tmp_path, register, return_templates):
    ws = workspace_with(tmp_path, register, return_templates)
    board = docx_text(next(p for p in report(ws) if p.name.startswith("board-paper")))
    assert "overrides" not in board


@pytest.mark.parametrize(
    ("code", "rating", "default", "stands"),
    [
        ("CYP-03", "Amber/Red", Scheme.THREE_LEVEL, True),  # 4-level in the register
        ("CYP-03", "Amber", Scheme.THREE_LEVEL, False),  # the 4-level scheme splits Amber in two
        ("CYP-06", "Amber/Green", Scheme.THREE_LEVEL, False),  # improvement: Green, Amber, Red
        ("CYP-01", "Amber/Green", Scheme.FOUR_LEVEL, True),  # no scheme of its own: the default's
        ("CYP-01", "Amber/Green", Scheme.THREE_LEVEL, False),
    ],
)
def test_an_override_stands_only_with_a_rating_of_the_indicators_scheme(
    tmp_path, register, code, rating, default, stands
):
    path = overrides_book(
        tmp_path / "overrides.xlsx", ["2025-26 Q1", code, rating, "Why.", "Who", datetime(2025, 8, 1)]
    )
    overrides = read_overrides(path, register, default)
    if stands:
        assert overrides.findings == []
        made = overrides.get("2025-26 Q1", code)
        assert made is not None
        assert (made.rating.value, made.made_on) == (rating, date(2025, 8, 1))
    else:
        assert [(f.code, f.where, f.value) for f in overrides.findings] == [
            ("override-outside-scheme", "Overrides row 2", rating)
        ]
        assert overrides.get("2025-26 Q1", code) is None


def test_an_override_date_that_is_not_a_date_is_unknown(tmp_path, register):
    path = overrides_book(tmp_path / "overrides.xlsx", ["2025-26 Q1", "CYP-01", "Red", "Why.", "Who", "last week"])
    made = read_overrides(path, register, Scheme.THREE_LEVEL).get("2025-26 Q1", "CYP-01")
    assert made is not None
    assert (made.rating, made.made_on) == (Rag.RED, None)


def test_a_data_as_at_that_is_a_day_alone_is_shown_without_a_time():
    assert uk_time("2025-11-03") == "3 November 2025"
    assert uk_time("2025-11-03T10:00:00Z") == "3 November 2025 at 10:00"
