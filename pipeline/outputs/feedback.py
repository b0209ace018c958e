"""Feedback to the submitter: a short text summary and, for a return we can
open, a copy of their own workbook with every problem cell highlighted and a
comment holding the message and the fix.

Only files that passed the safety screen and were recognised as our template
are opened with openpyxl here; anything else gets the text summary alone. A
return openpyxl cannot open (.ods) is never parsed here: its copy is an .xlsx
made from the values the reading child found (domain.cells).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

from pipeline.domain.cells import CellError, ReadCopy, from_json, read_copy_path
from pipeline.domain.findings import Finding
from pipeline.domain.history import FileRecord
from pipeline.domain.verdicts import Verdict
from pipeline.domain.wording import clean_name, uk_time
from pipeline.support.atomic import inside, write_text, write_with

log = logging.getLogger(__name__)

ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFEB9C"
_UNRECOGNISED = "unrecognised"
_EXCEL_CELL_CHARACTERS = 32767
PERCENT_FORMAT = "0.00%"  # LibreOffice Calc's own for a percentage cell: how a .ods return showed it


def feedback_folder(outbox: Path, record: FileRecord) -> Path:
    slug = record.period.replace(" ", "-") if record.period else _UNRECOGNISED
    return inside(outbox / "feedback", slug)


def summary_text(record: FileRecord, findings: list[Finding], partnership_name: str = "") -> str:
    """The plain-text feedback a submitter reads first; `partnership_name` as the e-mails say it."""
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    lines = [f"Feedback on {record.name}", f"Received {uk_time(record.received_at)} (UK time)", ""]
    if record.verdict == Verdict.ACCEPTED:
        lines.append(f"Accepted for {partnership_name or record.partnership}, {record.period}. Thank you.")
    else:
        lines.append("Not accepted: please correct the problems below and send the return again.")
    if errors:
        lines += ["", f"Problems to correct ({len(errors)}):"] + [f"  - {f.line()}" for f in errors]
    if warnings:
        lines += ["", f"Please check ({len(warnings)}):"] + [f"  - {f.line()}" for f in warnings]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Due:
    """A decided file whose submitter has not been told yet, with what to tell them."""

    record: FileRecord
    findings: list[Finding]

    @property
    def annotate(self) -> bool:
        """A copy of their workbook is marked up when it is a recognised return with a problem cell."""
        return (
            bool(self.record.partnership)
            and self.record.verdict in (Verdict.ACCEPTED, Verdict.REJECTED)
            and any(f.cell for f in self.findings)
        )


def write_summary(outbox: Path, record: FileRecord, findings: list[Finding], partnership_name: str = "") -> Path:
    return write_text(
        inside(feedback_folder(outbox, record), f"{_stem(record)}.feedback.txt"),
        summary_text(record, findings, partnership_name),
    )


def write_annotated(outbox: Path, state: Path, record: FileRecord, findings: list[Finding]) -> Path | None:
    """The submitter's workbook with each problem cell marked, or None when it cannot be opened."""
    source = state / (record.destination or record.location)
    if not source.exists():
        source = state / record.location
    target = inside(feedback_folder(outbox, record), f"{_stem(record)}.feedback.xlsx")
    read = read_copy_path(state, record.sha256)
    try:
        # A return openpyxl cannot open, such as .ods, comes back as an .xlsx of what was read.
        book = _rebuilt(from_json(read.read_text(encoding="utf-8"))) if read.is_file() else _opened(source)
        return write_with(target, lambda temporary: _annotate(book, temporary, findings))
    except Exception as exc:  # the text summary still says everything
        log.warning("Could not annotate %s (%s); the text feedback lists every problem", record.name, exc)
        return None


def annotate_all(outbox: Path, state: Path, due: list[Due]) -> dict[int, Path | None]:
    """write_annotated for each file that calls for it: file id -> the workbook written."""
    return {d.record.id: write_annotated(outbox, state, d.record, d.findings) for d in due if d.annotate}


def get_ready() -> None:
    """Import what annotating takes (openpyxl: a few tenths of a second), ahead of the work."""
    import openpyxl.comments
    import openpyxl.styles  # noqa: F401


def _stem(record: FileRecord) -> str:
    # Cleaned for a file taken in, under the name it came with, before names were cleaned.
    return Path(clean_name(Path(record.location).name)).stem


def _opened(source: Path):
    """The submitter's own .xlsx or .xlsm, as openpyxl opens it."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # "unknown extension" and the like, about the submitter's file: not ours to act on
        return load_workbook(source)


def _rebuilt(read: ReadCopy):
    """A new workbook holding what was read of the submitter's: the same sheets (hidden ones
    hidden), values in the same cells, merged ranges and percentage cells shown as percentages.
    Their fonts, widths and colours are not read, so not copied."""
    from openpyxl import Workbook as Book
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    book = Book()
    book.remove(book.active)
    for sheet in read.sheets:
        ws = book.create_sheet(sheet.name)
        ws.sheet_state = sheet.state
        for (r, c), value in sheet.cells.items():
            cell = ws.cell(row=r + 1, column=c + 1)
            if isinstance(value, CellError) and value.text in ERROR_CODES:
                cell.value, cell.data_type = value.text, "e"
            elif isinstance(value, (str, CellError)):  # LibreOffice's own errors (Err:502) as the text shown
                # Control characters a spreadsheet can hold but an .xlsx cannot would stop the whole copy,
                # and Excel refuses a cell longer than this.
                _text(cell, ILLEGAL_CHARACTERS_RE.sub("", str(value))[:_EXCEL_CELL_CHARACTERS])
            else:
                cell.value = value
            if (r, c) in sheet.percent_cells:
                cell.number_format = PERCENT_FORMAT
        for ref in sheet.merged:
            ws.merge_cells(ref)
    return book


def _annotate(book, target: Path, findings: list[Finding]) -> None:
    """Mark each problem cell of `book` and put the list of problems first, then save it as `target`."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = book.create_sheet("Feedback", 0)
    headers = ("Severity", "Where", "Problem", "How to fix it")
    for c, header in enumerate(headers, start=1):
        sheet.cell(row=1, column=c, value=header).font = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    widths = (10, 22, 60, 50)
    for r, f in enumerate(findings, start=2):
        texts = (f.severity.capitalize(), f.where, f.message, f.fix)
        for c, text in enumerate(texts, start=1):
            _text(sheet.cell(row=r, column=c), text)
            sheet.cell(row=r, column=c).alignment = wrapped
        # Spreadsheet programs do not grow a row for text wrapped by another program: set it.
        lines = max(math.ceil(len(text or "") / (width - 2)) for text, width in zip(texts, widths))
        if lines > 1:
            sheet.row_dimensions[r].height = 15 * min(lines, 20)
    for column, width in zip("ABCD", widths):
        sheet.column_dimensions[column].width = width
    # Printed, the list fits the page's width (landscape), its headings on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.cell and f.sheet in book.sheetnames:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    for (name, ref), items in by_cell.items():
        try:
            cell = book[name][ref]
        except (ValueError, KeyError):
            continue
        worst = ERROR_FILL if any(f.severity == "error" for f in items) else WARNING_FILL
        cell.fill = PatternFill("solid", start_color=worst, end_color=worst)
        text = "\n".join(f"{f.message} {f.fix}".strip() for f in items)
        cell.comment = Comment(text[:2000], "Performance team", width=320, height=140)
    for ws in book.worksheets:
        ws.sheet_view.tabSelected = False  # else Excel opens with several sheets grouped
    book.active = 0
    sheet.sheet_view.tabSelected = True
    book.save(target)


def _text(cell, text: str) -> None:
    """Store as text even when it starts with '=': feedback never creates formulas."""
    cell.value = text
    cell.data_type = "s"
