"""The copy of what was read of a return, kept for its feedback: every kind of cell value comes back
as the type it was read as."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from pipeline.domain.cells import CellError, ReadCopy, SheetCopy, from_json, to_json


@pytest.mark.parametrize(
    "value",
    [
        "twelve",
        '=HYPERLINK("http://x","y")',
        12,
        12.0,
        0.125,
        True,
        date(2025, 6, 30),
        datetime(2025, 7, 10, 10, 30),
        time(9, 15),
        timedelta(hours=36),
        CellError("#DIV/0!"),
    ],
)
def test_a_cell_value_comes_back_as_the_type_it_was_read_as(value):
    copy = ReadCopy("ods", (SheetCopy("Indicators", "visible", {(4, 9): value}),))

    [sheet] = from_json(to_json(copy)).sheets

    back = sheet.cells[(4, 9)]
    assert (back, type(back)) == (value, type(value))


def test_sheets_keep_their_order_state_merged_ranges_and_percentage_cells():
    copy = ReadCopy(
        "ods",
        (
            SheetCopy("Cover", "visible", {(0, 0): "Partnership"}, ("A1:B1",)),
            SheetCopy("_meta", "veryHidden", {}),
            SheetCopy("Indicators", "visible", {(1, 9): 0.06}, percent_cells=frozenset({(1, 9)})),
        ),
    )

    back = from_json(to_json(copy))

    assert back == copy
    assert [s.merged for s in back.sheets] == [("A1:B1",), (), ()]
    assert back.sheets[2].percent_cells == {(1, 9)}
