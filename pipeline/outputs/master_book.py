"""The master workbook's makings: its columns and number formats, the xlsxwriter workbook with the
project's formats (`Sheets`), and the print set-up every sheet shares.
"""

from __future__ import annotations

import math
import textwrap
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pipeline.domain.wording import parse_stamp, uk_time, uk_zone
from pipeline.outputs.assemble import PeriodReport
from pipeline.rating.rag import Rag

NUMBER_FORMATS = {
    "%": "0.0",
    "rate per 1,000": "0.00",
    "£": "£#,##0",
    "days": "0.0",
    "count": "#,##0",
    "number": "#,##0",  # a whole figure; one with a fraction gets FRACTION ("#,##0.##" shows 245 as "245.")
}
FRACTION = "#,##0.0#"

WRAP_WIDTH = 30  # columns this wide or wider hold prose, and wrap
LINE_HEIGHT = 15  # points, for the default 11-point font
MAX_ROW_HEIGHT = 409  # Excel's limit
A4_LANDSCAPE_CHARACTERS = 135  # column-width characters across a landscape A4 page at full size
MIN_PRINT_SCALE = 0.75
NARROW_MARGIN = 0.4  # inches, left and right, where a sheet is fitted to one page wide (Excel's are 0.7)

# What a board member reads, printed one page wide; the columns after it are the analysts', there to
# filter, pivot and recompute a rating from, and left off the printed page.
INDICATOR_READER_COLUMNS = (
    "Partnership",
    "Code",
    "Indicator",
    "Unit",
    "Target this period",
    "Actual",
    "RAG",
    "Direction of travel",
    "Direction vs last year",
    "Data quality",
    # Yes for a figure from a return sent before the quarter ended: the full return is still owed.
    "Part quarter",
    "Commentary",
)
INDICATOR_COLUMNS = (
    *INDICATOR_READER_COLUMNS,
    "Remedial action",
    "Polarity",
    "Frequency",
    "Cumulative",
    "Baseline",
    "Same period last year",
    "Previous period",
    "Annual target",
    "Final target",
    "Final target year",
    "Scheme",
    "Tolerance",
    "Computed RAG",
    "Override reason",
    "Target lead",
    "Source file",
    "Submitted at",
    "Gap between areas",
    # Disclosure control: what the public summary would hide of this indicator, and why; the workbook keeps it all.
    "In public",
)
INDICATOR_WIDTHS = {
    # the printed columns: at most 135 / 0.75 * (11.69 - 0.8) / (11.69 - 1.4), about 190, in all
    "Partnership": 20,
    "Code": 8,
    "Indicator": 30,
    "Unit": 8,
    "Target this period": 10,
    "Actual": 10,
    "RAG": 12,
    "Direction of travel": 14,
    "Direction vs last year": 14,
    "Data quality": 11,
    "Part quarter": 8,  # narrowed Indicator and Commentary make its room, both wrapping
    "Commentary": 36,
    # the analysts'
    "Remedial action": 40,
    "Polarity": 16,
    "Final target year": 10,
    "Scheme": 12,
    "Tolerance": 10,
    "Computed RAG": 12,
    "Override reason": 30,
    "In public": 40,
    "Target lead": 18,
    "Source file": 30,
    "Submitted at": 20,
    "Gap between areas": 30,
}
GAP_COLUMNS = (
    "Partnership",
    "Code",
    "Indicator",
    "Unit",
    "Polarity",
    "Area",
    "Area figure",
    "Compared with",
    "Comparison figure",
    "Gap",
    "Area is",
    "Compared with report",
    "Gap then",
    "Gap trend",
    "Gap lower 95% CI",
    "Gap upper 95% CI",
    "Change significant",
)


class Sheets:
    """xlsxwriter workbook with the project's formats, and helpers that never write formulas."""

    def __init__(self, path: Path, report: PeriodReport) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                # Each sheet's XML is built in memory and zipped from there, not written to a temporary
                # file and read back: the History sheet's thousands of rows made that a quarter of the write.
                "in_memory": True,
            },
        )
        stamp = datetime.combine(report.period.end, datetime.min.time())
        # Every printed page says which quarter and which data it shows, not only the Summary's.
        as_at = f"data as at {uk_time(report.data_as_at)}" if report.data_as_at else "no returns yet"
        self.footer_note = f"{report.period} ({report.period.label}), {as_at}".replace("&", "&&")
        self.book.set_properties(
            {
                "title": f"{report.organisation}: master indicator workbook {report.period}",
                "subject": f"Performance for {report.period} ({report.period.label})",
                "author": report.organisation,
                "company": report.organisation,
                "comments": report.source_line,
                "created": stamp,
            }
        )
        self.book.set_custom_property("Data as at", report.data_as_at or "no returns")
        self.bold = self.book.add_format({"bold": True})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.top = self.book.add_format({"valign": "top"})
        self.numbers = {
            unit: self.book.add_format({"num_format": f, "valign": "top"}) for unit, f in NUMBER_FORMATS.items()
        }
        self.fraction = self.book.add_format({"num_format": FRACTION, "valign": "top"})
        self.rag = {
            rag: self.book.add_format({"bg_color": rag.colour, "valign": "top", "border": 1, "border_color": "#808080"})
            for rag in Rag
        }
        self.header = self.book.add_format({"bold": True, "text_wrap": True, "valign": "bottom"})
        self.header_fill = {
            rag: self.book.add_format({"bold": True, "text_wrap": True, "valign": "bottom", "bg_color": rag.colour})
            for rag in Rag
        }
        self.bold_total = self.book.add_format({"bold": True})
        self.when = self.book.add_format({"num_format": "d mmm yyyy hh:mm", "valign": "top"})
        self.day = self.book.add_format({"num_format": "d mmm yyyy", "valign": "top"})
        self.fills: dict[str, object] = {}
        # A return's figures share its received time: each distinct time is converted once, not once a row.
        self.moments: dict[str, object] = {}

    def figure(self, value: Decimal | None, unit: str):
        """A figure with its unit's number format (a plain number's depends on whether it is whole)."""
        if value is None:
            return None
        if unit in NUMBER_FORMATS and unit != "number":
            return (value, self.numbers[unit])
        return (value, self.numbers["number"] if value == value.to_integral_value() else self.fraction)

    def moment(self, stamp: str):
        """A stored UTC time as a real date and time in UK local time (it sorts and filters as one)."""
        if stamp not in self.moments:
            moment = parse_stamp(stamp)
            self.moments[stamp] = (
                stamp if moment is None else (moment.astimezone(uk_zone()).replace(tzinfo=None), self.when)
            )
        return self.moments[stamp]

    def calendar_day(self, text: str | None):
        """A date typed on the return (stored as ISO text) as a real date, or the text as typed."""
        try:
            return (date.fromisoformat(text), self.day) if text else ""
        except ValueError:
            return text

    def fill(self, colour: str):
        if colour not in self.fills:
            self.fills[colour] = self.book.add_format(
                {"bg_color": colour, "valign": "top", "border": 1, "border_color": "#808080"}
            )
        return self.fills[colour]

    def table(
        self,
        name: str,
        columns: tuple[str, ...],
        rows: list[list],
        widths: dict[str, int],
        first_row: int = 0,
        heading: str = "",
        wrap: frozenset[str] = frozenset(),
        printed: int = 0,
    ) -> object:
        """A sheet holding one Excel table. `wrap` names narrower columns that wrap too; `printed`
        columns from the left, when given, are the print area, fitted to one page wide."""
        ws = self.book.add_worksheet(name)
        if heading:
            ws.write_string(0, 0, heading, self.title)
            first_row = 2
        width = {h: widths.get(h, 14) for h in columns}
        wraps = {h for h in columns if width[h] >= WRAP_WIDTH or h in wrap}
        wrapped = [(c, width[h]) for c, h in enumerate(columns) if h in wraps]
        for r, row in enumerate(rows, start=first_row + 1):
            for c, value in enumerate(row):
                self.write(ws, r, c, value)
            # Neither Excel nor LibreOffice grows a row for wrapped text written by a program: the
            # lines would print over the next row. The height is set from the longest wrapped cell.
            lines = max((text_lines(row[c], width) for c, width in wrapped if c < len(row)), default=1)
            if lines > 1:
                ws.set_row(r, min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT))
        ws.add_table(
            first_row,
            0,
            first_row + max(len(rows), 1),
            len(columns) - 1,
            {
                "name": name.replace(" ", ""),
                "style": "Table Style Light 9",
                "columns": [{"header": h, "header_format": self.header} for h in columns],
            },
        )
        # A header wraps at its column's width rather than being cut off, on screen and on paper.
        ws.set_row(first_row, LINE_HEIGHT * max(header_lines(h, width[h]) for h in columns))
        for c, h in enumerate(columns):
            ws.set_column(c, c, width[h], self.wrap if h in wraps else self.top)
        ws.freeze_panes(first_row + 1, 0)
        if printed:
            ws.print_area(0, 0, first_row + max(len(rows), 1), printed - 1)
            print_one_page_wide(ws)
        else:
            print_across(ws, sum(width.values()))
        ws.repeat_rows(first_row)
        ws.set_footer(f"&L{name}: {self.footer_note}&RPage &P of &N")
        return ws

    def write(self, ws, r: int, c: int, value) -> None:
        # Text first: most of the History sheet's cells are text, and this runs for every cell.
        if type(value) is str:
            if value:
                ws.write_string(r, c, value)
            return
        if value is None or value == "":
            return
        if isinstance(value, tuple):  # (value, format)
            value, fmt = value
            if isinstance(value, Decimal):
                ws.write_number(r, c, float(value), fmt)
            elif isinstance(value, (date, datetime)):
                ws.write_datetime(r, c, value, fmt)
            elif value not in (None, ""):
                ws.write_string(r, c, str(value), fmt)
            elif fmt is not None:
                ws.write_blank(r, c, None, fmt)
        elif isinstance(value, bool):
            ws.write_string(r, c, "Yes" if value else "No")
        elif isinstance(value, (int, float, Decimal)):
            ws.write_number(r, c, float(value))
        else:
            ws.write_string(r, c, str(value))


def text_lines(value, width: int) -> int:
    """Lines a value's text takes in a wrapped column `width` characters wide (a little generously)."""
    return _lines(str(value[0] if isinstance(value, tuple) else value or ""), width)


# The wrapped columns repeat their texts row after row (a partnership's name, an indicator's title).
@lru_cache(maxsize=4096)
def _lines(text: str, width: int) -> int:
    return sum(max(1, math.ceil(len(line) / width)) for line in text.split("\n"))


def header_lines(header: str, width: int) -> int:
    """Lines a bold header takes wrapped at a column `width` wide (bold text is a little wider)."""
    return len(textwrap.wrap(header, max(1, width - 1))) or 1


def print_one_page_wide(ws) -> None:
    """Landscape A4, the print area one page wide, with narrow side margins to keep the type large."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=NARROW_MARGIN, right=NARROW_MARGIN)
    ws.fit_to_pages(1, 0)


def print_across(ws, width: int) -> None:
    """Landscape A4, as many pages wide as keep the type at three-quarter size or more (a wide
    sheet squeezed onto one page prints too small to read), with the first columns repeated."""
    pages = max(1, math.ceil(width / (A4_LANDSCAPE_CHARACTERS / MIN_PRINT_SCALE)))
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(pages, 0)
    if pages > 1:
        ws.repeat_columns(0, 1)


def figure(value: Decimal | None, fmt):
    return (value, fmt) if value is not None else None
