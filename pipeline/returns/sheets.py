"""Lay out the sheets of a return workbook: what each sheet shows, what a person can type where, print set-up.

generate.py decides what goes into a return; this module decides how it looks and what each
input cell accepts. The checked xlsxwriter calls it is written with are in xlsx.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

from pipeline.domain.periods import Period
from pipeline.domain.records import NON_NEGATIVE_UNITS
from pipeline.returns.layout import (
    ACTION_HEADERS,
    ACTION_INPUTS,
    ACTION_STATUSES,
    ACTIONS,
    AREA_HEADERS,
    AREA_INPUTS,
    AREAS,
    COUNT_HEADERS,
    COUNT_WIDTHS,
    COVER,
    COVER_INPUTS,
    COVER_LABELS,
    COVER_ROWS,
    DATA_QUALITY,
    GUIDANCE,
    HEADER_ROW,
    HIGHLIGHT_HEADING,
    HIGHLIGHT_LABELS,
    HIGHLIGHT_TEXT_LABELS,
    HIGHLIGHT_TEXT_LIMIT,
    INDICATOR_HEADERS,
    INDICATOR_INPUTS,
    INDICATORS,
    LIST_SOURCE_LIMIT,
    META,
    NEW_ACTION_ROWS,
    NEW_RISK_ROWS,
    OVERALL_STATUSES,
    RISK_HEADERS,
    RISK_INPUTS,
    RISKS,
    YES_NO,
)
from pipeline.returns.xlsx import SheetWriter, checked

# Wide enough that any figure a partnership reports fits; Excel needs some bound for 'decimal'.
_LARGEST = 10**15

INDICATOR_WIDTHS = (10, 44, 13, 16, 10, 12, 11, 11, 10, 12, 14, 40, 40)
ACTION_WIDTHS = (10, 50, 20, 12, 13, 11, 50)
RISK_WIDTHS = (10, 45, 20, 11, 11, 40, 40)
AREA_WIDTHS = (10, 44, 30, 13, 16, 12)
DATA_ROW_HEIGHT = 45  # three lines: room to type a commentary without resizing the row
LINE_POINTS = 15  # one line of the default 11-point font
_HINT_CHARACTERS = 60  # of the Cover's italic hints on a line of its 45-wide column
GUIDANCE_WIDTH = 88  # characters: the page width of portrait A4 at full size

_UNIT_HINTS = {
    "%": "Type the percentage as a number: type 12.5 for 12.5% (not 0.125).",
    "rate per 1,000": "Type the rate per 1,000 as a number, e.g. 12.4.",
    "£": "Type the amount in pounds as a number, without the £ sign, e.g. 1200.",
    "days": "Type the number of days, e.g. 8.5.",
    "count": "Type the count as a number, e.g. 1234.",
    "number": "Type the figure as a number, e.g. 1234.",
}


def unit_hint(unit: str) -> str:
    """How to type a figure in this unit, for the Actual cell's input message."""
    return _UNIT_HINTS.get(unit, f"Type the figure as a number in {unit}.")


def list_source(values: Sequence[str]) -> list[str]:
    """The items of a drop-down, refused if Excel would silently drop the list (over 255 characters)."""
    if len(",".join(values)) > LIST_SOURCE_LIMIT:
        raise ValueError(f"drop-down list {values!r} is over Excel's {LIST_SOURCE_LIMIT}-character limit")
    return list(values)


class Sheets(SheetWriter):
    """The sheets of one return workbook, written in SHEET_ORDER by the caller."""

    def guidance(self, lines: list[tuple[str, str]]) -> None:
        ws = self._sheet(GUIDANCE)
        ws.set_portrait()
        ws.set_column(0, 0, GUIDANCE_WIDTH)
        styles = {"title": self.title, "heading": self.heading, "text": self.text}
        row = 0
        for style, text in lines:
            if style == "heading":
                row += 1  # a blank line before each heading
            self._write(ws, row, 0, text, styles[style])
            # Spreadsheets do not grow a row for wrapped text they did not type themselves:
            # without a height the lines would print over each other.
            wrapped = -(-len(text) // GUIDANCE_WIDTH)
            if style == "text" and wrapped > 1:
                ws.set_row(row, 15 * wrapped)
            row += 1
        row += 1
        self._write(ws, row, 0, "Cells shaded like this one are for you to fill in.", self.input)
        ws.activate()
        self._protect(ws)

    def cover(self, title: str, values: list[tuple[str, object, str]]) -> None:
        ws = self._sheet(COVER)
        ws.set_portrait()
        ws.set_column(0, 0, 30)
        ws.set_column(1, 1, 60)
        ws.set_column(2, 2, 45)
        # Across all three columns: in the first alone, the title wrapped and was cut off.
        ws.merge_range(0, 0, 0, 2, "", self.title)
        self._write(ws, 0, 0, title, self.title)
        self._write(
            ws,
            COVER_ROWS["Template"] - 2,
            0,
            "About this file (filled in by the pipeline; please leave unchanged)",
            self.heading,
        )
        for label, value, hint in values:
            row = COVER_ROWS[label] - 1
            self._write(ws, row, 0, label, self.label)
            is_input = label in COVER_INPUTS
            if label == "Date completed":
                fmt = self.input_date
            else:
                fmt = self.input if is_input else self.locked
            self._write(ws, row, 1, value, fmt)
            if hint:
                self._write(ws, row, 2, hint, self.hint)
                lines = math.ceil(len(hint) / _HINT_CHARACTERS)
                if lines > 1 and label != "Overall commentary":  # a wrapped hint would run over the row below
                    ws.set_row(row, LINE_POINTS * lines)
        ws.set_row(COVER_ROWS["Overall commentary"] - 1, 120)
        self._highlight_rows(ws)
        rows = {label: COVER_ROWS[label] - 1 for label in COVER_LABELS}
        self._validate(
            ws,
            rows["Date completed"],
            1,
            rows["Date completed"],
            {
                "validate": "date",
                "criteria": ">=",
                "value": datetime(2000, 1, 1),
                "input_title": "Date completed",
                "input_message": "Type the date as dd/mm/yyyy, e.g. 14/07/2025.",
                "error_title": "Not a date",
                "error_message": "Type a date as dd/mm/yyyy, e.g. 14/07/2025.",
            },
        )
        self._validate(
            ws,
            rows["Signed off by chair (Yes/No)"],
            1,
            rows["Signed off by chair (Yes/No)"],
            {
                "validate": "list",
                "source": list_source(YES_NO),
                "input_title": "Signed off by the chair?",
                "input_message": "Choose Yes once the chair has agreed this return. A return not signed off is "
                "reported as provisional.",
                "error_title": "Yes or No",
                "error_message": "Choose Yes or No from the list.",
            },
        )
        self._protect(ws)

    def _highlight_rows(self, ws) -> None:
        """The optional highlight-report answers under the file's identity: room to write, text no
        longer than the report has room for, and the overall status from a drop-down."""
        self._write(ws, COVER_ROWS[HIGHLIGHT_LABELS[0]] - 2, 0, HIGHLIGHT_HEADING, self.heading)
        for label in HIGHLIGHT_TEXT_LABELS:
            row = COVER_ROWS[label] - 1
            ws.set_row(row, 90)
            self._validate(
                ws,
                row,
                1,
                row,
                {
                    "validate": "length",
                    "criteria": "<=",
                    "value": HIGHLIGHT_TEXT_LIMIT,
                    "input_title": "For the highlight report",  # Excel's limit for a title: 32 characters
                    "input_message": f"{label}: optional, up to {HIGHLIGHT_TEXT_LIMIT:,} characters.",
                    "error_title": "Too long",
                    "error_message": f"Keep it to {HIGHLIGHT_TEXT_LIMIT:,} characters: the main points for the board.",
                },
            )
        row = COVER_ROWS["Overall status"] - 1
        self._validate(
            ws,
            row,
            1,
            row,
            {
                "validate": "list",
                "source": list_source(OVERALL_STATUSES),
                "input_title": "Overall status",
                "input_message": "Optional: the partnership's overall status this quarter, as the chair sees it.",
                "error_title": "Overall status",
                "error_message": f"Choose {', '.join(OVERALL_STATUSES)} from the list, or leave it blank.",
            },
        )

    def indicators(self, rows: list[tuple], units: list[str], period: Period, counts: Sequence[bool] = ()) -> None:
        """`counts`: for each row, whether its indicator asks for a numerator and denominator."""
        ws = self._sheet(INDICATORS)
        if any(counts):
            headers = (*INDICATOR_HEADERS, *COUNT_HEADERS)
            self._table(ws, headers, (*INDICATOR_INPUTS, *COUNT_HEADERS), (*INDICATOR_WIDTHS, *COUNT_WIDTHS))
            self._count_cells(ws, len(INDICATOR_HEADERS), counts, units, period)
        else:
            self._table(ws, INDICATOR_HEADERS, INDICATOR_INPUTS, INDICATOR_WIDTHS)
        first = HEADER_ROW
        for offset, (values, unit) in enumerate(zip(rows, units)):
            row = first + offset
            ws.set_row(row, DATA_ROW_HEIGHT)
            for col, value in enumerate(values):
                self._write(ws, row, col, value, self.locked)
            for col in range(len(values), len(INDICATOR_HEADERS)):
                self._write(ws, row, col, None, self.input)
            minimum = 0 if unit in NON_NEGATIVE_UNITS else -_LARGEST
            self._validate(
                ws,
                row,
                INDICATOR_HEADERS.index("Actual"),
                row,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": minimum,
                    "maximum": _LARGEST,
                    "input_title": f"Actual for {period}",
                    "input_message": f"{unit_hint(unit)} If it is not available, leave this blank and choose "
                    "Not available under Data quality.",
                    "error_title": "Not a number",
                    "error_message": f"Actual must be a number. {unit_hint(unit)}",
                },
            )
        last = first + len(rows) - 1
        self._validate(
            ws,
            first,
            INDICATOR_HEADERS.index("Data quality"),
            last,
            {
                "validate": "list",
                "source": list_source(DATA_QUALITY),
                "input_title": "Data quality",
                "input_message": "Validated: checked and final. Provisional: may change. Estimate: say how it was "
                "made in the commentary. Not available: leave Actual blank.",
                "error_title": "Choose from the list",
                "error_message": "Choose: " + ", ".join(DATA_QUALITY) + ".",
            },
        )
        for label, message in (
            ("Commentary", "Needed if the figure misses its target: say why. Optional otherwise."),
            ("Remedial action", "Needed if the figure misses its target: what is being done, by whom, by when."),
        ):
            self._validate(
                ws,
                first,
                INDICATOR_HEADERS.index(label),
                last,
                {"validate": "any", "input_title": label, "input_message": message},
            )
        self._protect(ws)

    def _count_cells(self, ws, col: int, counts: Sequence[bool], units: Sequence[str], period: Period) -> None:
        """The Numerator and Denominator cells from column `col`: inputs, whole or decimal numbers of zero
        or more, on the rows whose indicator asks for them; locked blanks on the others."""
        for offset, (wanted, unit) in enumerate(zip(counts, units)):
            row = HEADER_ROW + offset
            for k, label in enumerate(COUNT_HEADERS):
                self._write(ws, row, col + k, None, self.input if wanted else self.locked)
                if not wanted:
                    continue
                what = "events or people counted" if label == "Numerator" else "population or total it is out of"
                self._validate(
                    ws,
                    row,
                    col + k,
                    row,
                    {
                        "validate": "decimal",
                        "criteria": "between",
                        "minimum": 0,
                        "maximum": _LARGEST,
                        "input_title": f"{label} for {period}",
                        "input_message": f"The {what}. The Actual must agree with the numerator and denominator "
                        f"({'numerator / denominator x 100' if unit == '%' else 'as the unit says'}); leave the "
                        "Actual blank to have it worked out.",
                        "error_title": "Not a number",
                        "error_message": f"{label} must be a number of zero or more.",
                    },
                )

    def actions(self, existing: list[tuple[str, str, str, date | None]]) -> None:
        ws = self._sheet(ACTIONS)
        self._table(ws, ACTION_HEADERS, ACTION_INPUTS, ACTION_WIDTHS)
        first = HEADER_ROW
        for offset, (ref, action, owner, due) in enumerate(existing):
            row = first + offset
            ws.set_row(row, DATA_ROW_HEIGHT)
            for col, value in enumerate((ref, action, owner)):
                self._write(ws, row, col, value, self.locked)
            self._write(ws, row, 3, due, self.locked_date)
            for col in range(4, len(ACTION_HEADERS)):
                self._write(ws, row, col, None, self.input)
        new_first = first + len(existing)
        last = new_first + NEW_ACTION_ROWS - 1
        for row in range(new_first, last + 1):
            ws.set_row(row, DATA_ROW_HEIGHT)
            for col in range(len(ACTION_HEADERS)):
                self._write(ws, row, col, None, self.input_date if col == 3 else self.input)
        self._validate(
            ws,
            new_first,
            ACTION_HEADERS.index("Due date"),
            last,
            {
                "validate": "date",
                "criteria": ">=",
                "value": datetime(2000, 1, 1),
                "input_title": "Due date of a new action",
                "input_message": "Type the date as dd/mm/yyyy.",
                "error_title": "Not a date",
                "error_message": "Type a date as dd/mm/yyyy, e.g. 31/03/2026.",
            },
        )
        self._validate(
            ws,
            first,
            ACTION_HEADERS.index("Status"),
            last,
            {
                "validate": "list",
                "source": list_source(ACTION_STATUSES),
                "input_title": "Status",
                "input_message": "Choose the action's status from the list.",
                "error_title": "Choose from the list",
                "error_message": "Choose: " + ", ".join(ACTION_STATUSES) + ".",
            },
        )
        self._validate(
            ws,
            first,
            ACTION_HEADERS.index("% complete"),
            last,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": 0,
                "maximum": 100,
                "input_title": "% complete",
                "input_message": "Type a number from 0 to 100: type 40 for 40%.",
                "error_title": "0 to 100",
                "error_message": "% complete must be a number from 0 to 100.",
            },
        )
        self._validate(
            ws,
            first,
            ACTION_HEADERS.index("Commentary"),
            last,
            {
                "validate": "any",
                "input_title": "Commentary",
                "input_message": "Progress this quarter; if the action is at risk or off track, say why and what "
                "is being done.",
            },
        )
        self._protect(ws)

    def risks(self, existing: list[tuple[str, str, str, int | None, int | None, str]]) -> None:
        ws = self._sheet(RISKS)
        self._table(ws, RISK_HEADERS, RISK_INPUTS, RISK_WIDTHS)
        first = HEADER_ROW
        for offset, (ref, risk, owner, likelihood, impact, mitigation) in enumerate(existing):
            row = first + offset
            ws.set_row(row, DATA_ROW_HEIGHT)
            for col, value in enumerate((ref, risk, owner)):
                self._write(ws, row, col, value, self.locked)
            for col, score_or_text in enumerate((likelihood, impact, mitigation, None), start=3):
                self._write(ws, row, col, score_or_text, self.input)
        new_first = first + len(existing)
        last = new_first + NEW_RISK_ROWS - 1
        for row in range(new_first, last + 1):
            ws.set_row(row, DATA_ROW_HEIGHT)
            for col in range(len(RISK_HEADERS)):
                self._write(ws, row, col, None, self.input)
        for label in ("Likelihood (1-5)", "Impact (1-5)"):
            name = label.split(" ")[0]
            self._validate(
                ws,
                first,
                RISK_HEADERS.index(label),
                last,
                {
                    "validate": "integer",
                    "criteria": "between",
                    "minimum": 1,
                    "maximum": 5,
                    "input_title": name,
                    "input_message": f"{name} now, a whole number from 1 (lowest) to 5 (highest).",
                    "error_title": "1 to 5",
                    "error_message": f"{name} must be a whole number from 1 to 5.",
                },
            )
        self._validate(
            ws,
            first,
            RISK_HEADERS.index("Commentary"),
            last,
            {
                "validate": "any",
                "input_title": "Commentary",
                "input_message": "What has changed this quarter; why a score went up or down.",
            },
        )
        self._protect(ws)

    def areas(self, rows: list[tuple[str, str, str, str, str]], period: Period, counts: Sequence[bool] = ()) -> None:
        """One row per (indicator, area): code, title, area, unit, polarity locked; Actual to fill in;
        Numerator and Denominator too when `counts` says a row's indicator asks for them."""
        ws = self._sheet(AREAS)
        if any(counts):
            headers = (*AREA_HEADERS, *COUNT_HEADERS)
            self._table(ws, headers, (*AREA_INPUTS, *COUNT_HEADERS), (*AREA_WIDTHS, *COUNT_WIDTHS))
            self._count_cells(ws, len(AREA_HEADERS), counts, [r[3] for r in rows], period)
        else:
            self._table(ws, AREA_HEADERS, AREA_INPUTS, AREA_WIDTHS)
        actual = AREA_HEADERS.index("Actual")
        for offset, (code, title, area, unit, polarity) in enumerate(rows):
            row = HEADER_ROW + offset
            ws.set_row(row, DATA_ROW_HEIGHT)
            for col, value in enumerate((code, title, area, unit, polarity)):
                self._write(ws, row, col, value, self.locked)
            self._write(ws, row, actual, None, self.input)
            minimum = 0 if unit in NON_NEGATIVE_UNITS else -_LARGEST
            self._validate(
                ws,
                row,
                actual,
                row,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": minimum,
                    "maximum": _LARGEST,
                    "input_title": f"{area[:20]}, {period}"[:32],
                    "input_message": f"The figure for {area} alone. {unit_hint(unit)}"[:255],
                    "error_title": "Not a number",
                    "error_message": f"Actual must be a number. {unit_hint(unit)}"[:255],
                },
            )
        self._protect(ws)

    def meta(self, values: dict[str, str]) -> None:
        ws = self.book.add_worksheet(META)
        for row, (key, value) in enumerate(values.items()):
            checked(ws.write_string(row, 0, key), f"the {META} key {key}")
            checked(ws.write_string(row, 1, value), f"the {META} value for {key}")
        ws.very_hidden()
        self._protect(ws)
