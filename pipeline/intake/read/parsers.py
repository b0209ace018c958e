"""Parsing proper, for files the safety screen has passed.

Files are screened and parsed only inside the reading child process (see
readers.py): python-calamine aborts the whole interpreter on some files and
raises PanicException (a BaseException) on others, and any parser can be
driven into a long loop or a huge allocation. CSV is parsed with the standard
library, which is linear in the file's size; it is read in the child too, so
the parent never handles a file's bytes.

Results are plain data (dicts, tuples, Findings), so they pickle cheaply back
to the parent, which builds the Workbook records.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import resource
import warnings
from dataclasses import dataclass
from pathlib import Path

from pipeline.domain.findings import Finding, finding
from pipeline.intake.screen.ooxml import a1
from pipeline.intake.screen.safety import Limits, Screened, screen
from pipeline.support.worker import detach_from_display, die_with_parent

log = logging.getLogger(__name__)

RESEND = "Open it in Excel, save it as an Excel Workbook (.xlsx) and send that."
_STATES = {"visible": "visible", "hidden": "hidden", "veryhidden": "veryHidden"}


@dataclass(frozen=True)
class RawSheet:
    name: str
    state: str
    cells: dict[tuple[int, int], object]
    merged: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parsed:
    """What a parser got from a file: sheets and notes, or a rejecting finding."""

    sheets: tuple[RawSheet, ...] = ()
    notes: tuple[Finding, ...] = ()


class CellLimit(Exception):
    """The workbook holds more cells than any return could."""


def serve(conn, limits: Limits, parent_end=None, parent: int | None = None) -> None:
    """Body of the reading child: answer each path with (Screened, Parsed or None) until None."""
    # calamine is imported before the memory cap; openpyxl (half a second to import) only
    # when a file needs the fallback parser, which no return made from the template does.
    import python_calamine  # noqa: F401

    # If the pipeline is killed (kill -9), the reader must not live on holding the run's
    # stdout open (cron would wait for ever): die with the parent, and let the pipe reach EOF.
    if parent_end is not None:
        parent_end.close()
    if parent is not None:
        die_with_parent(parent)
    detach_from_display()

    os.environ["RUST_BACKTRACE"] = "0"  # a panic is reported as a finding; spare the log a Rust backtrace
    # Rust's panic hook writes "thread '<unnamed>' panicked at ..." straight to file descriptor 2,
    # past Python's logging: on the console it reads like a crash of the pipeline. The child's own
    # log records still reach the log file; the console hears of the file through its finding.
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    os.close(quiet)
    if limits.memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if path is None:
            return
        screened, fatal = None, False
        try:
            screened = screen(Path(path), limits)
            parsed = parse(Path(path), screened, limits) if screened.parseable else None
        except MemoryError:
            parsed, fatal = _crashed("it needed more memory than any return could"), True
        except BaseException as exc:  # PanicException from Rust derives from BaseException
            log.warning("reader failed on %s: %r", path, exc)
            parsed, fatal = _crashed(f"the reader failed ({type(exc).__name__})"), True
        try:
            conn.send((screened, parsed))
        except BaseException:  # a reply that cannot be sent is as good as a crash
            return
        if fatal:
            return  # a panicked or starved interpreter is not to be trusted with the next file


def parse(path: Path, screened: Screened, limits: Limits) -> Parsed:
    """Parse a file the screen has passed, as the kind its bytes showed it to be."""
    assert screened.kind is not None  # parseable: the screen knew what the file is
    if screened.kind == "csv":
        return read_csv(path, limits.max_rows, limits.max_columns, limits.max_cell_text)
    return parse_spreadsheet(path, screened.kind, {s.name: s.type for s in screened.sheets}, limits.max_cells)


def _crashed(why: str) -> Parsed:
    return Parsed(notes=(finding("reader-crashed", f"This file could not be read: {why}.", RESEND),))


def parse_spreadsheet(path: Path, kind: str, sheet_types: dict[str, str], max_cells: int) -> Parsed:
    """Read every worksheet with python-calamine (openpyxl when calamine refuses a sheet type)."""
    import python_calamine as pc

    try:
        if path.suffix.lower() == f".{kind}":
            book = pc.CalamineWorkbook.from_path(str(path))
        else:
            # calamine picks its format by extension; from bytes it sniffs them
            # instead, which suits an .xls renamed .xlsx (the screen knows the real kind).
            with open(path, "rb") as handle:
                book = pc.CalamineWorkbook.from_filelike(handle)
    except pc.PasswordError:
        return Parsed(
            notes=(finding("encrypted", "This file is password-protected.", "Save an unprotected copy and send that."),)
        )
    except (pc.CalamineError, pc.XmlError, pc.ZipError, OSError, ValueError) as exc:
        if "Unrecognized sheet" in str(exc) and kind in ("xlsx", "xlsm"):
            return parse_with_openpyxl(path, sheet_types, max_cells)
        return _failed(kind, exc)
    sheets, notes, total = [], [], 0
    with book:
        for meta in book.sheets_metadata:
            state = _STATES.get(str(meta.visible).rsplit(".", 1)[-1].lower(), "visible")
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                notes.append(_skipped(meta.name, str(meta.typ).rsplit(".", 1)[-1]))
                continue
            try:
                sheet = book.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=True)
            except (pc.CalamineError, pc.XmlError, pc.ZipError, OSError, ValueError) as exc:
                return _failed(kind, exc, meta.name)
            cells: dict[tuple[int, int], object] = {}
            top, left = sheet.start or (0, 0)
            for r, row in enumerate(rows, start=top):
                for c, value in enumerate(row, start=left):
                    if value != "" and value is not None:
                        cells[(r, c)] = value
            total += len(cells)
            if total > max_cells:
                return _too_many(max_cells)
            merged = tuple(f"{a1(*first)}:{a1(*last)}" for first, last in (sheet.merged_cell_ranges or ()))
            sheets.append(RawSheet(meta.name, state, cells, merged))
    return Parsed(tuple(sheets), tuple(notes))


def parse_with_openpyxl(path: Path, sheet_types: dict[str, str], max_cells: int) -> Parsed:
    """The fallback for workbooks calamine refuses whole (a macro or dialog sheet among them)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "unknown extension" and the like: nothing a submitter can act on
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True, keep_links=False)
    sheets, notes, total = [], [], 0
    try:
        for name in book.sheetnames:
            kind = sheet_types.get(name, "worksheet")
            if kind != "worksheet":
                notes.append(_skipped(name, kind))
                continue
            ws = book[name]
            ws.reset_dimensions()  # a wrong <dimension> would otherwise hide cells
            cells = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows = list(ws.iter_rows(values_only=True))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is not None and value != "":
                        cells[(r, c)] = value
                total += len(row)
                if total > max_cells:
                    return _too_many(max_cells)
            sheets.append(RawSheet(name, _STATES.get(ws.sheet_state.lower(), "visible"), cells))
    finally:
        book.close()
    return Parsed(tuple(sheets), tuple(notes))


def _skipped(name: str, what: str) -> Finding:
    label = {"chartsheet": "a chart", "dialogsheet": "a dialog", "macrosheet": "a macro"}.get(what.lower(), what)
    return finding(
        "sheet-skipped",
        f"Sheet '{name}' is {label} sheet, not a worksheet, so it was skipped.",
        "Nothing to do if it holds no figures for the return.",
        sheet=name,
    )


def _too_many(max_cells: int) -> Parsed:
    return Parsed(
        notes=(
            finding(
                "too-large",
                f"This file holds more than {max_cells:,} cells; a return has a few thousand.",
                "Please fill in the return template and send that.",
            ),
        )
    )


def _failed(kind: str, exc: BaseException, sheet: str = "") -> Parsed:
    text = str(exc)
    log.info("parser refused a %s file: %s", kind, text)
    if "Cell limit exceeded" in text:
        return Parsed(
            notes=(
                finding(
                    "too-large",
                    "This file declares far more cells than a return can hold.",
                    "Please fill in the return template and send that.",
                    sheet=sheet,
                ),
            )
        )
    where = f"Sheet '{sheet}' of this file" if sheet else "This file"
    return Parsed(notes=(finding("corrupt", f"{where} is damaged and cannot be read.", RESEND, sheet=sheet),))


def read_csv(path: Path, max_rows: int, max_columns: int, max_text: int) -> Parsed:
    """A CSV file as one sheet of strings named after the file (numbers are parsed later)."""
    data = path.read_bytes()
    text, encoding = decode_text(data)
    delimiter = sniff_delimiter(text[:65536])
    log.debug("%s: CSV in %s, delimiter %r", path.name, encoding, delimiter)
    cells: dict[tuple[int, int], object] = {}
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
            if r >= max_rows or len(row) > max_columns:
                return Parsed(
                    notes=(
                        finding(
                            "too-large",
                            "This CSV file has far more rows or columns than a return.",
                            "Please fill in the return template and send that.",
                        ),
                    )
                )
            for c, value in enumerate(row):
                if len(value) > max_text:
                    return Parsed(
                        notes=(
                            finding(
                                "too-large",
                                f"The text in {a1(r, c)} is longer than a cell can hold.",
                                "Please fill in the return template and send that.",
                            ),
                        )
                    )
                if value != "":
                    cells[(r, c)] = value
    except csv.Error as exc:
        log.info("CSV error in %s: %s", path, exc)
        return Parsed(
            notes=(
                finding(
                    "corrupt",
                    "This CSV file is malformed (a field is far too long or a quote is never closed).",
                    RESEND,
                ),
            )
        )
    return Parsed((RawSheet(path.stem, "visible", cells),))


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: a BOM wins, then UTF-8, then Windows-1252 (Excel's 'CSV' on Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), "cp1252"


def sniff_delimiter(sample: str) -> str:
    """Comma, semicolon or tab: the one that splits the first lines most consistently into most fields."""
    lines = sample.splitlines()[:50]
    if len(lines) > 1 and len(sample) >= 65536:
        lines = lines[:-1]  # the last line of a cut sample may be partial
    best, best_score = ",", (0, 0)
    for delimiter in (",", ";", "\t"):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not counts or max(counts) < 2:
            continue
        modal = max(set(counts), key=counts.count)
        score = (counts.count(modal), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best
