"""Checked xlsxwriter calls for the sheets of a return: the cell formats, a value written as
its Excel type, data validations, a table's header row.

Each xlsxwriter call that reports failure by a return code instead of an exception is checked,
so a dropped validation or a truncated string stops the build rather than shipping a broken template.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from pipeline.domain.errors import OutputError
from pipeline.returns.layout import HEADER_ROW

INPUT_FILL = "#FFF2CC"  # light yellow: "type here"
HEADER_FILL = "#DDEBF7"
INPUT_HEADER_FILL = "#FFE699"
DATE_FORMAT = "dd/mm/yyyy"


def checked(code: int, what: str) -> None:
    """Raise OutputError naming `what` when xlsxwriter refused it."""
    # xlsxwriter reports a truncated string or a rejected validation by return code, not exception.
    if code not in (0, None):
        raise OutputError(
            f"The template could not be written: {what} was refused (code {code}).",
            fix="Shorten the text in the register if it is very long; otherwise report this as a bug.",
        )


def _number(value: int | float | Decimal) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class SheetWriter:
    """A return workbook's formats and the checked writes its sheets are made of."""

    def __init__(self, book, password: str) -> None:
        self.book = book
        self.password = password
        fmt = book.add_format
        base = {"valign": "top", "text_wrap": True, "border": 1, "border_color": "#BFBFBF"}
        self.locked = fmt(base)
        self.locked_date = fmt({**base, "num_format": DATE_FORMAT})
        self.input = fmt({**base, "locked": False, "bg_color": INPUT_FILL})
        self.input_date = fmt({**base, "locked": False, "bg_color": INPUT_FILL, "num_format": DATE_FORMAT})
        self.header = fmt({**base, "bold": True, "bg_color": HEADER_FILL})
        self.input_header = fmt({**base, "bold": True, "bg_color": INPUT_HEADER_FILL})
        self.title = fmt({"bold": True, "font_size": 14, "text_wrap": True, "valign": "top"})
        self.heading = fmt({"bold": True, "font_size": 12, "valign": "top"})
        self.text = fmt({"text_wrap": True, "valign": "top"})
        self.hint = fmt({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"})
        self.label = fmt({**base, "bold": True})

    def _sheet(self, name: str):
        ws = self.book.add_worksheet(name)
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as it takes
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.set_footer(f"&L{name}&RPage &P of &N")
        return ws

    def _protect(self, ws) -> None:
        # Resizing rows and columns is harmless and people do it to read long text.
        ws.protect(self.password, {"format_columns": True, "format_rows": True})

    def _write(self, ws, row: int, col: int, value: object, fmt) -> None:
        where = f"{ws.name} row {row + 1} column {col + 1}"
        if value is None or value == "":
            checked(ws.write_blank(row, col, None, fmt), f"the blank cell at {where}")
        elif isinstance(value, (datetime, date)):
            day = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
            checked(ws.write_datetime(row, col, day, fmt), f"the date at {where}")
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            checked(ws.write_number(row, col, _number(value), fmt), f"the number at {where}")
        else:
            checked(ws.write_string(row, col, str(value), fmt), f"the text at {where}")

    def _validate(self, ws, first_row: int, col: int, last_row: int, options: dict) -> None:
        if last_row < first_row:
            return
        options = {"error_type": "stop", **options}
        checked(
            ws.data_validation(first_row, col, last_row, col, options),
            f"the data validation on {ws.name} column {col + 1}",
        )

    def _table(self, ws, headers: Sequence[str], inputs: Sequence[str], widths: Sequence[int]) -> None:
        row = HEADER_ROW - 1
        for col, (label, width) in enumerate(zip(headers, widths)):
            self._write(ws, row, col, label, self.input_header if label in inputs else self.header)
            ws.set_column(col, col, width)
        ws.freeze_panes(HEADER_ROW, 0)
        ws.repeat_rows(row)
