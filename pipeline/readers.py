"""The reading layer of ingest: any file in, sheets and cells (or a clear rejection) out.

Every file is screened in-process first (safety.screen: bytes and zip directory
only), then parsed in a long-lived child process with a memory cap and a time
limit. The child exists because python-calamine, the fast parser, aborts the
whole interpreter on some hostile files; a child that dies or overruns costs
that one file a `reader-crashed` finding and is replaced, and the run goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Iterator

from . import ooxml, parsers
from .findings import ERROR, Finding, finding, has_errors
from .safety import RESEND, Limits, Screened, screen

log = logging.getLogger(__name__)

CellValue = str | int | float | bool | date | datetime | time | timedelta  # or CellError
_SPREADSHEETS = ("xlsx", "xlsm", "xlsb", "xls", "ods")


@dataclass(frozen=True)
class CellError:
    """A cell showing a spreadsheet error such as #DIV/0! (calamine would read it as blank)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Sheet:
    name: str
    state: str  # visible | hidden | veryHidden
    cells: dict[tuple[int, int], object] = field(compare=False)  # (row, col) 0-based -> value; non-empty only
    merged: tuple[str, ...] = ()  # 'A1:B2' ranges; the value sits in the top-left cell

    def value(self, row: int, col: int) -> object:
        """The value at 0-based (row, col), or None when the cell is empty."""
        return self.cells.get((row, col))

    def rows(self) -> Iterator[tuple[int, tuple[object, ...]]]:
        """(row, values from column A to the row's last value, None for blanks) for rows that hold something."""
        by_row: dict[int, dict[int, object]] = {}
        for (r, c), value in self.cells.items():
            by_row.setdefault(r, {})[c] = value
        for r in sorted(by_row):
            row = by_row[r]
            yield r, tuple(row.get(c) for c in range(max(row) + 1))

    @staticmethod
    def a1(row: int, col: int) -> str:
        """0-based (row, col) as an A1 reference: (13, 9) -> 'J14'."""
        return ooxml.a1(row, col)


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold().strip()


@dataclass(frozen=True)
class Workbook:
    kind: str  # xlsx, xlsm, xlsb, xls, ods or csv: what the bytes are, whatever the file is called
    sheets: tuple[Sheet, ...]
    notes: tuple[Finding, ...] = ()  # what reading found about the content (the same as ReadResult.findings)

    def sheet(self, name: str) -> Sheet | None:
        """The sheet with this name, ignoring case and Unicode normalisation (é typed two ways)."""
        wanted = _key(name)
        return next((s for s in self.sheets if _key(s.name) == wanted), None)


@dataclass(frozen=True)
class ReadResult:
    """A workbook, or None when the file could not be read at all; reject <=> any error finding.

    Content problems (a cell showing #DIV/0!, formulas never calculated, no data)
    reject the file but still come with the workbook, so the feedback report can
    mark the cells in the submitter's own copy.
    """

    workbook: Workbook | None
    findings: tuple[Finding, ...]

    @property
    def rejected(self) -> bool:
        return has_errors(self.findings)


class ReaderPool:
    """Reads files one at a time through a reused child process; a context manager."""

    def __init__(self, limits: Limits = Limits()) -> None:
        self.limits = limits
        # fork, not spawn or forkserver: those re-import the __main__ module in the
        # child (a script without a main guard would run again), and fork starts
        # in milliseconds with the parsers already imported. Make the pool before
        # starting threads, as with any fork.
        self._context = multiprocessing.get_context("fork")
        self._process = None
        self._conn = None

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def read(self, path: Path) -> ReadResult:
        """Screen, then parse: a ReadResult for any file, never an exception for a bad one."""
        path = Path(path)
        screened = screen(path, self.limits)
        if not screened.parseable:
            return ReadResult(None, screened.findings)
        if screened.kind == "csv":
            lim = self.limits
            parsed = parsers.read_csv(path, lim.max_rows, lim.max_columns, lim.max_cell_text)
        else:
            parsed = self._parse(path, screened)
        return _assemble(screened, parsed)

    def close(self) -> None:
        """Stop the child process (politely, then firmly)."""
        if self._process is None:
            return
        try:
            self._conn.send(None)
        except (OSError, ValueError):
            pass
        self._process.join(2)
        self._stop()

    def _parse(self, path: Path, screened: Screened) -> parsers.Parsed:
        types = {s.name: s.type for s in screened.sheets}
        request = (str(path), screened.kind, types, self.limits.max_cells)
        if self._process is None or not self._process.is_alive():
            self._start()
        try:
            self._conn.send(request)
            if self._conn.poll(self.limits.timeout_seconds):
                reply = self._conn.recv()
                if any(f.code == "reader-crashed" for f in reply.notes):
                    self._stop()  # the child leaves after a panic; don't race it with the next file
                return reply
            why = f"reading it took longer than {self.limits.timeout_seconds:g} seconds, far longer than any return"
        except (EOFError, OSError, BrokenPipeError):
            self._process.join(1)
            code = self._process.exitcode
            why = "the reader crashed" + (f" (signal {-code})" if code and code < 0 else "")
        log.warning("%s: %s; restarting the reader", path.name, why)
        self._stop()
        return parsers.Parsed(notes=(finding("reader-crashed", f"This file could not be read: {why}.", RESEND),))

    def _start(self) -> None:
        self._stop()
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=parsers.serve, args=(child, self.limits.memory_bytes, parent), daemon=True,
            name="pipeline-reader",
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._process.close()
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None


def read_file(path: Path, limits: Limits = Limits()) -> ReadResult:
    """Read one file with a pool of its own (use ReaderPool for many files)."""
    with ReaderPool(limits) as pool:
        return pool.read(path)


def _assemble(screened: Screened, parsed: parsers.Parsed) -> ReadResult:
    """Workbook records from the parser's output, with the screen's error cells put back."""
    findings = screened.findings + parsed.notes
    if any(f.severity == ERROR for f in parsed.notes):
        return ReadResult(None, findings)
    errors: dict[str, dict[tuple[int, int], CellError]] = {}
    for sheet_name, row, col, text in screened.error_cells:
        errors.setdefault(sheet_name, {})[(row, col)] = CellError(text)
    sheets = tuple(
        Sheet(raw.name, raw.state, {**raw.cells, **errors.get(raw.name, {})}, raw.merged) for raw in parsed.sheets
    )
    if not any(sheet.cells for sheet in sheets):
        findings += (finding("no-data", "This file has no figures or text in any worksheet.",
                             "Fill in the return template and send it again."),)
    workbook = Workbook(screened.kind or "", sheets, findings)
    return ReadResult(workbook, findings)


__all__ = ["CellError", "Sheet", "Workbook", "ReadResult", "ReaderPool", "read_file", "Limits"]
