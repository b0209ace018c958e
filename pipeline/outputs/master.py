"""The master indicator workbook for a period: every indicator of every
partnership, rated, with exceptions, actions, risks, returns and findings.

Written with xlsxwriter as real Excel tables (filters, frozen headers, print
set-up). Every piece of user text goes through write_string, so a commentary
that starts with '=' stays text and never becomes a formula or a link.
Document dates come from the period, so the same data gives the same file.

Over 400 lines on purpose: one workbook, a function a sheet over the formats `_Sheets`
holds; split by sheet, those formats would be passed about.
"""

from __future__ import annotations

import math
import textwrap
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from pipeline.domain.wording import parse_stamp, uk_time, uk_zone
from pipeline.outputs.assemble import PeriodReport
from pipeline.outputs.docx_context import travel
from pipeline.outputs.master_history import history_lines
from pipeline.rating.rag import Rag
from pipeline.support.atomic import write_with

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
)
INDICATOR_WIDTHS = {
    # the printed columns: at most 135 / 0.75 * (11.69 - 0.8) / (11.69 - 1.4), about 190, in all
    "Partnership": 20,
    "Code": 8,
    "Indicator": 34,
    "Unit": 8,
    "Target this period": 10,
    "Actual": 10,
    "RAG": 12,
    "Direction of travel": 14,
    "Direction vs last year": 14,
    "Data quality": 11,
    "Commentary": 40,
    # the analysts'
    "Remedial action": 40,
    "Polarity": 16,
    "Final target year": 10,
    "Scheme": 12,
    "Tolerance": 10,
    "Computed RAG": 12,
    "Override reason": 30,
    "Target lead": 18,
    "Source file": 30,
    "Submitted at": 20,
    "Gap between areas": 30,
}
HISTORY_COLUMNS = (
    "Period",
    "Partnership",
    "Partnership name",
    "Code",
    "Indicator",
    "Unit",
    "Polarity",
    "Cumulative",
    "Target",
    "Actual",
    "RAG",
    "Computed RAG",
    "Direction of travel",
    "Direction vs last year",
    "Data quality",
)
HISTORY_SOURCE_COLUMNS = ("Source file", "Submitted at")
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
)


def master_path(outbox: Path, report: PeriodReport) -> Path:
    return outbox / report.period.slug / f"master-{report.period.slug}.xlsx"


def write_master(report: PeriodReport, outbox: Path) -> Path:
    """Write outbox/<period>/master-<period>.xlsx atomically; return its path."""
    target = master_path(outbox, report)
    write_with(target, lambda temporary: _build(report, temporary))
    return target


class _Sheets:
    """xlsxwriter workbook with the project's formats, and helpers that never write formulas."""

    def __init__(self, path: Path, report: PeriodReport) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
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

    def figure(self, value: Decimal | None, unit: str):
        """A figure with its unit's number format (a plain number's depends on whether it is whole)."""
        if value is None:
            return None
        if unit in NUMBER_FORMATS and unit != "number":
            return (value, self.numbers[unit])
        return (value, self.numbers["number"] if value == value.to_integral_value() else self.fraction)

    def moment(self, stamp: str):
        """A stored UTC time as a real date and time in UK local time (it sorts and filters as one)."""
        moment = parse_stamp(stamp)
        if moment is None:
            return stamp
        return (moment.astimezone(uk_zone()).replace(tzinfo=None), self.when)

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
            lines = max((_lines(row[c], width) for c, width in wrapped if c < len(row)), default=1)
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
        ws.set_row(first_row, LINE_HEIGHT * max(_header_lines(h, width[h]) for h in columns))
        for c, h in enumerate(columns):
            ws.set_column(c, c, width[h], self.wrap if h in wraps else self.top)
        ws.freeze_panes(first_row + 1, 0)
        if printed:
            ws.print_area(0, 0, first_row + max(len(rows), 1), printed - 1)
            _print_one_page_wide(ws)
        else:
            _print_across(ws, sum(width.values()))
        ws.repeat_rows(first_row)
        ws.set_footer(f"&L{name}: {self.footer_note}&RPage &P of &N")
        return ws

    def write(self, ws, r: int, c: int, value) -> None:
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


def _lines(value, width: int) -> int:
    """Lines a value's text takes in a wrapped column `width` characters wide (a little generously)."""
    text = str(value[0] if isinstance(value, tuple) else value or "")
    return sum(max(1, math.ceil(len(line) / width)) for line in text.split("\n"))


def _header_lines(header: str, width: int) -> int:
    """Lines a bold header takes wrapped at a column `width` wide (bold text is a little wider)."""
    return len(textwrap.wrap(header, max(1, width - 1))) or 1


def _print_one_page_wide(ws) -> None:
    """Landscape A4, the print area one page wide, with narrow side margins to keep the type large."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=NARROW_MARGIN, right=NARROW_MARGIN)
    ws.fit_to_pages(1, 0)


def _print_across(ws, width: int) -> None:
    """Landscape A4, as many pages wide as keep the type at three-quarter size or more (a wide
    sheet squeezed onto one page prints too small to read), with the first columns repeated."""
    pages = max(1, math.ceil(width / (A4_LANDSCAPE_CHARACTERS / MIN_PRINT_SCALE)))
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(pages, 0)
    if pages > 1:
        ws.repeat_columns(0, 1)


def _n(value: Decimal | None, fmt):
    return (value, fmt) if value is not None else None


def _build(report: PeriodReport, path: Path) -> None:
    s = _Sheets(path, report)
    _summary(s, report)
    _indicators(s, report)
    _history(s, report)
    _exceptions(s, report)
    _gaps(s, report)
    _actions(s, report)
    _risks(s, report)
    _submissions(s, report)
    _validation(s, report)
    s.book.close()


def _summary(s: _Sheets, report: PeriodReport) -> None:
    from xlsxwriter.utility import xl_rowcol_to_cell

    ws = s.book.add_worksheet("Summary")
    ws.write_string(
        0, 0, f"{report.organisation}: performance summary, {report.period} ({report.period.label})", s.title
    )
    ws.write_string(1, 0, report.source_line)
    ws.write_string(2, 0, f"Returns were due by {report.deadline:%d %B %Y}.")
    ws.write_string(3, 0, _rules_line(report))
    rags = [Rag.GREEN, Rag.AMBER_GREEN, Rag.AMBER, Rag.AMBER_RED, Rag.RED, Rag.NO_DATA, Rag.NO_TARGET, Rag.NOT_RATED]
    counted = ["Indicators due", *(r.value for r in rags)]
    headers = [*counted, "Return", "Received at", "Late", "Completeness %", "Rejected attempts"]
    row0 = 5
    rows = []
    for p in report.partnerships:
        st = p.status
        rows.append(
            [
                p.partnership.name,
                len(p.indicators),
                *(p.counts.get(rag, 0) for rag in rags),
                st.state.capitalize(),
                s.moment(st.received_at) if st.received_at else "",
                ("Yes" if st.late else "No") if st.received_at else "",
                float(st.completeness),
                st.rejected_attempts,
            ]
        )
    for n, row in enumerate(rows, start=row0 + 1):
        for c, value in enumerate(row):
            s.write(ws, n, c, value)
    totals = {"Indicators due": sum(len(p.indicators) for p in report.partnerships)} | {
        rag.value: sum(p.counts.get(rag, 0) for p in report.partnerships) for rag in rags
    }
    rag_fills = {r.value: s.header_fill[r] for r in rags}
    columns: list[dict] = [{"header": "Partnership", "header_format": s.header, "total_string": "All partnerships"}]
    for h in headers:
        column: dict = {"header": h, "header_format": rag_fills.get(h, s.header)}
        columns.append(column)
    ws.add_table(
        row0,
        0,
        row0 + len(rows) + 1,
        len(headers),
        {"name": "Summary", "style": "Table Style Light 9", "columns": columns, "total_row": True},
    )
    # SUBTOTAL over a plain range, so a filtered table totals what it shows: LibreOffice cannot read
    # the structured reference ([Indicators due]) a table's own total function writes.
    last = row0 + len(rows) + 1
    for c, h in enumerate(headers, start=1):
        if h in totals:
            first_cell, last_cell = xl_rowcol_to_cell(row0 + 1, c), xl_rowcol_to_cell(last - 1, c)
            ws.write_formula(last, c, f"=SUBTOTAL(109,{first_cell}:{last_cell})", s.bold_total, totals[h])
    ws.set_column(0, 0, 40, s.top)
    for c, h in enumerate(headers, start=1):  # every header readable, the times whole
        ws.set_column(c, c, 17 if h == "Received at" else max(9, max(map(len, h.split())) + 3), s.top)
    ws.set_row(row0, LINE_HEIGHT * max(_header_lines(h, max(9, max(map(len, h.split())) + 3)) for h in headers))
    ws.freeze_panes(row0 + 1, 1)
    _print_one_page_wide(ws)
    ws.repeat_rows(row0)
    ws.set_footer(f"&LSummary: {s.footer_note}&RPage &P of &N")
    ws.activate()


def _rules_line(report: PeriodReport) -> str:
    """The defaults every rating used unless the register sets its own (the Indicators sheet shows each)."""
    r = report.rules
    split = format(r.four_level_split.normalize(), "f")
    band = format(r.no_change_band.normalize(), "f")
    return (
        f"Ratings: {r.scheme.value} scheme and {r.tolerance} tolerance unless the register sets others; "
        f"under the 4-level scheme the first {split}% of the tolerance is Amber/Green; "
        f"a change within {band}% is No change."
    )


def _indicators(s: _Sheets, report: PeriodReport) -> None:
    rules = report.rules
    rows = []
    for p in report.partnerships:
        for i in p.indicators:
            ind = i.indicator
            unit = ind.unit
            rows.append(
                [
                    p.partnership.name,
                    ind.code,
                    ind.title,
                    ind.unit,
                    s.figure(i.target, unit),
                    s.figure(i.actual, unit),
                    (i.rag.value, s.rag[i.rag]),
                    travel(i.dot_previous),
                    travel(i.dot_last_year),
                    i.data_quality,
                    i.commentary,
                    i.remedial_action,
                    ind.polarity.value,
                    ind.frequency.value,
                    ind.cumulative,
                    *(
                        s.figure(v, unit)
                        for v in (
                            ind.baseline,
                            i.same_period_last_year,
                            i.previous,
                            ind.annual_target,
                            ind.final_target,
                        )
                    ),
                    ind.final_target_year,
                    # The scheme and tolerance the rating used: the register's, else config.toml's.
                    (ind.scheme or rules.scheme).value,
                    str(ind.tolerance or rules.tolerance),
                    (i.outcome.computed.value, s.rag[i.outcome.computed]),
                    f"{i.outcome.reason} ({i.outcome.who})" if i.outcome.overridden else "",
                    ind.target_lead,
                    i.source_file,
                    s.moment(i.submitted_at),
                    "; ".join(f"{g.area}: {g.result.trend.value}" for g in i.gaps),
                ]
            )
    s.table(
        "Indicators",
        INDICATOR_COLUMNS,
        rows,
        INDICATOR_WIDTHS,
        wrap=frozenset({"Partnership", "Indicator"}),
        printed=len(INDICATOR_READER_COLUMNS),
    )


def _history(s: _Sheets, report: PeriodReport) -> None:
    lines = history_lines(report)
    # Area figures a column an area, so a pivot can set one area against another.
    areas = list(dict.fromkeys(area for line in lines for area, _ in line.value.area_values))
    rows = []
    for line in lines:
        h, ind, o = line.value, line.indicator, line.outcome
        unit = ind.unit if ind else "number"
        figures = dict(h.area_values)
        rows.append(
            [
                h.period,
                line.partnership.short_name if line.partnership else (ind.partnership if ind else ""),
                line.partnership.name if line.partnership else "",
                h.code,
                ind.title if ind else "",
                unit if ind else "",
                ind.polarity.value if ind else "",
                ind.cumulative if ind else "",
                s.figure(line.target, unit),
                s.figure(h.actual, unit),
                (o.final.value, s.rag[o.final]) if o else "",
                (o.computed.value, s.rag[o.computed]) if o else "",
                travel(line.dot_previous),
                travel(line.dot_last_year),
                h.data_quality,
                *(s.figure(figures.get(area), unit) for area in areas),
                h.file_name,
                s.moment(h.received_at),
            ]
        )
    s.table(
        "History",
        (*HISTORY_COLUMNS, *areas, *HISTORY_SOURCE_COLUMNS),
        rows,
        {
            "Period": 11,
            "Partnership name": WRAP_WIDTH,
            "Code": 9,
            "Indicator": 40,
            "Polarity": 16,
            "Direction of travel": 14,
            "Direction vs last year": 14,
            "Source file": 30,
            "Submitted at": 20,
        }
        | dict.fromkeys(areas, 14),
    )


def _exceptions(s: _Sheets, report: PeriodReport) -> None:
    rows = []
    for p in report.partnerships:
        for i in p.exceptions:
            unit = i.indicator.unit
            rows.append(
                [
                    p.partnership.name,
                    i.indicator.code,
                    i.indicator.title,
                    s.figure(i.target, unit),
                    s.figure(i.actual, unit),
                    (i.rag.value, s.rag[i.rag]),
                    travel(i.dot_previous),
                    i.commentary,
                    i.remedial_action,
                    i.indicator.target_lead,
                ]
            )
    s.table(
        "Exceptions",
        (
            "Partnership",
            "Code",
            "Indicator",
            "Target this period",
            "Actual",
            "RAG",
            "Direction of travel",
            "Commentary",
            "Remedial action",
            "Target lead",
        ),
        rows,
        {
            "Partnership": WRAP_WIDTH,
            "Indicator": 40,
            "Commentary": 45,
            "Remedial action": 45,
            "Target lead": 18,
            "Direction of travel": 16,
        },
    )


def gap_side(area_behind: bool | None) -> str:
    """Whether the area does better or worse than the area it is compared with, in words."""
    return {True: "Behind", False: "Ahead", None: ""}[area_behind]


def _gaps(s: _Sheets, report: PeriodReport) -> None:
    rows = []
    for p in report.partnerships:
        for i in p.indicators:
            unit = i.indicator.unit
            for g in i.gaps:
                rows.append(
                    [
                        p.partnership.name,
                        i.indicator.code,
                        i.indicator.title,
                        i.indicator.unit,
                        i.indicator.polarity.value,
                        g.area,
                        s.figure(g.area_value, unit),
                        g.compared_with,
                        s.figure(g.compared_value, unit),
                        s.figure(g.result.now, unit),
                        gap_side(g.result.area_behind),
                        g.before_period,
                        s.figure(g.result.before, unit),
                        g.result.trend.value,
                    ]
                )
    s.table(
        "Gaps",
        GAP_COLUMNS,
        rows,
        {
            "Partnership": WRAP_WIDTH,
            "Indicator": 40,
            "Area": 24,
            "Compared with": 20,
            "Compared with report": 14,
            "Gap trend": 14,
        },
    )


def _actions(s: _Sheets, report: PeriodReport) -> None:
    rows = []
    for p in report.partnerships:
        for a in p.actions:
            r = a.rating
            rows.append(
                [
                    p.partnership.name,
                    a.ref,
                    a.action,
                    a.owner,
                    (a.due, s.day) if a.due else "",
                    _n(a.percent_complete, s.numbers["%"]),
                    _n(r.expected_percent, s.numbers["%"]),
                    (r.rating.value, s.fill(r.rating.colour)),
                    r.reported_status,
                    r.reason,
                    a.commentary,
                    "Yes" if a.is_new else "No",
                ]
            )
    s.table(
        "Actions",
        (
            "Partnership",
            "Ref",
            "Action",
            "Owner",
            "Due date",
            "% complete",
            "% expected",
            "Computed status",
            "Reported status",
            "Why",
            "Commentary",
            "New",
        ),
        rows,
        {"Partnership": WRAP_WIDTH, "Action": 45, "Commentary": 40, "Why": 30, "Owner": 18, "Computed status": 14},
    )


def _risks(s: _Sheets, report: PeriodReport) -> None:
    band_colour = {"Low": "#A9D08E", "Medium": "#FFD966", "High": "#FF8B8B"}
    rows = []
    for p in report.partnerships:
        for r in p.risks:
            rows.append(
                [
                    p.partnership.name,
                    r.ref,
                    r.risk,
                    r.owner,
                    r.likelihood,
                    r.impact,
                    r.score,
                    (r.band.value, s.fill(band_colour.get(r.band.value, "#D9D9D9"))),
                    r.previous_score,
                    r.movement.value,
                    r.mitigation,
                    r.commentary,
                ]
            )
    s.table(
        "Risks",
        (
            "Partnership",
            "Ref",
            "Risk",
            "Owner",
            "Likelihood",
            "Impact",
            "Score",
            "Band",
            "Previous score",
            "Movement",
            "Mitigation",
            "Commentary",
        ),
        rows,
        {"Partnership": WRAP_WIDTH, "Risk": 40, "Mitigation": 40, "Commentary": 40, "Owner": 18},
    )


def _submissions(s: _Sheets, report: PeriodReport) -> None:
    rows = [
        [
            x.partnership,
            x.file_name,
            s.moment(x.received_at),
            x.completed_by,
            x.email,
            s.calendar_day(x.date_completed),
            "Yes" if x.signed_off else "No",
            "Yes" if x.counts else "No (superseded)",
        ]
        for x in report.submissions
    ]
    s.table(
        "Submissions",
        ("Partnership", "File", "Received at", "Completed by", "Email", "Date completed", "Signed off", "Counts"),
        rows,
        {"File": 36, "Email": 30, "Received at": 20},
    )


def _validation(s: _Sheets, report: PeriodReport) -> None:
    rows = [
        [
            f.file_name,
            f.partnership,
            f.verdict,
            f.finding.severity,
            f.finding.where,
            f.finding.code,
            f.finding.value,
            f.finding.message,
            f.finding.fix,
        ]
        for f in report.findings
    ]
    s.table(
        "Validation",
        ("File", "Partnership", "Verdict", "Severity", "Where", "Code", "Value", "Message", "Fix"),
        rows,
        {"File": 36, "Message": 50, "Fix": 40, "Where": 18},
    )
