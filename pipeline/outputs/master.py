"""The master indicator workbook for a period: every indicator of every
partnership, rated, with exceptions, actions, risks, returns and findings.

Written with xlsxwriter as real Excel tables (filters, frozen headers, print
set-up). Every piece of user text goes through write_string, so a commentary
that starts with '=' stays text and never becomes a formula or a link.
Document dates come from the period, so the same data gives the same file.

The columns, formats and print set-up are in master_book; the sheets of plans and process in
master_sheets; History's ratings in master_history.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.outputs.assemble import PeriodReport
from pipeline.outputs.disclosure import plan
from pipeline.outputs.docx_context import travel
from pipeline.outputs.master_book import (
    INDICATOR_COLUMNS,
    INDICATOR_READER_COLUMNS,
    INDICATOR_WIDTHS,
    LINE_HEIGHT,
    WRAP_WIDTH,
    Sheets,
    header_lines,
    print_one_page_wide,
)
from pipeline.outputs.master_history import TIDY_COLUMNS, history_lines, tidy_rows
from pipeline.outputs.master_judgement import JUDGEMENT_WIDTHS, judgement_cells, judgement_columns
from pipeline.outputs.master_sheets import (
    actions_sheet,
    exceptions_sheet,
    gaps_sheet,
    risks_sheet,
    submissions_sheet,
    validation_sheet,
)
from pipeline.rating.rag import Direction, Rag
from pipeline.support.atomic import write_with


def master_path(outbox: Path, report: PeriodReport) -> Path:
    return outbox / report.period.slug / f"master-{report.period.slug}.xlsx"


def write_master(report: PeriodReport, outbox: Path) -> Path:
    """Write outbox/<period>/master-<period>.xlsx atomically; return its path."""
    target = master_path(outbox, report)
    write_with(target, lambda temporary: _build(report, temporary))
    return target


def _build(report: PeriodReport, path: Path) -> None:
    s = Sheets(path, report)
    _summary(s, report)
    _indicators(s, report)
    _history(s, report)
    exceptions_sheet(s, report)
    gaps_sheet(s, report)
    actions_sheet(s, report)
    risks_sheet(s, report)
    submissions_sheet(s, report)
    validation_sheet(s, report)
    s.book.close()


def _summary(s: Sheets, report: PeriodReport) -> None:
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
    ws.set_row(row0, LINE_HEIGHT * max(header_lines(h, max(9, max(map(len, h.split())) + 3)) for h in headers))
    ws.freeze_panes(row0 + 1, 1)
    print_one_page_wide(ws)
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


def _indicators(s: Sheets, report: PeriodReport) -> None:
    rules = report.rules
    disclosure = plan(report)
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
                    i.part_quarter if i.submitted_at else "",  # Yes or No; blank without a figure
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
                    _sentence(disclosure.why(ind.code)) or "Published",
                    *judgement_cells(s, i, report.comparator_names),
                ]
            )
    s.table(
        "Indicators",
        (*INDICATOR_COLUMNS, *judgement_columns(report.comparator_names)),
        rows,
        INDICATOR_WIDTHS | JUDGEMENT_WIDTHS,
        wrap=frozenset({"Partnership", "Indicator"}),
        printed=len(INDICATOR_READER_COLUMNS),
    )


def _history(s: Sheets, report: PeriodReport) -> None:
    """Every figure to the report's period, one row a figure and area, in the tidy table's columns
    (the same as `pipeline export`), so a pivot or a filter works on either."""
    yes_no = {True: "Yes", False: "No", None: ""}
    # Each rating's cell and each direction's words, made once rather than once a row.
    rated = {rag.value: (rag.value, s.rag[rag]) for rag in Rag}
    words = {d.value: travel(d) for d in Direction}
    rows = [
        [
            *r.values()[:8],
            yes_no[r.cumulative],
            s.figure(r.target, r.unit or "number"),
            s.figure(r.actual, r.unit or "number"),
            rated[r.rating] if r.rating else "",
            words[r.direction] if r.direction else "",
            words[r.direction_last_year] if r.direction_last_year else "",
            r.data_quality,
            yes_no[r.provisional],
            r.source,
            s.moment(r.received),
        ]
        for r in tidy_rows(history_lines(report))
    ]
    s.table(
        "History",
        TIDY_COLUMNS,
        rows,
        {
            "Period": 11,
            "Partnership name": WRAP_WIDTH,
            "Code": 9,
            "Indicator": 40,
            "Area": 20,
            "Polarity": 16,
            "Direction": 14,
            "Direction vs last year": 14,
            "Source": 34,
            "Received": 20,
        },
    )


def _sentence(text: str) -> str:
    """The first letter a capital, the rest as it is (str.capitalize would lower an area's name)."""
    return text[:1].upper() + text[1:]
