"""The reading layer of ingest: any file in, sheets and cells (or a clear rejection) out.

Every file is read in a long-lived child process with a memory cap and a time
limit: screened first (safety.screen: bytes and zip directory only), then
parsed only if the screen passes it. The child exists because python-calamine,
the fast parser, aborts the whole interpreter on some hostile files; a child
that dies or overruns costs that one file a `reader-crashed` finding and is
replaced, and the run goes on. Told which files come next (read_ahead), the
child reads the next one while the caller validates the last, on another
processor.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import time as clock
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from pipeline.domain.cells import CellError
from pipeline.domain.findings import ERROR, Finding, finding, has_errors
from pipeline.intake.read import parsers
from pipeline.intake.screen import ooxml
from pipeline.intake.screen.safety import RESEND, Limits, Screened

log = logging.getLogger(__name__)

CellValue = str | int | float | bool | date | datetime | time | timedelta  # or CellError
_SPREADSHEETS = ("xlsx", "xlsm", "xlsb", "xls", "ods")


@dataclass(frozen=True)
class Sheet:
    name: str
    state: str  # visible | hidden | veryHidden
    cells: dict[tuple[int, int], object] = field(compare=False)  # (row, col) 0-based -> value; non-empty only
    merged: tuple[str, ...] = ()  # 'A1:B2' ranges; the value sits in the top-left cell
    # (row, col) of cells with a percent number format; known for xlsx, xlsm and ods (the screen
    # finds them), as python-calamine gives values without their formats.
    percent_cells: frozenset[tuple[int, int]] = field(default=frozenset(), compare=False)

    def value(self, row: int, col: int) -> object:
        """The value at 0-based (row, col), or None when the cell is empty."""
        return self.cells.get((row, col))

    def percent_formatted(self, row: int, col: int) -> bool:
        """Whether the cell at 0-based (row, col) shows its figure as a percentage: Excel keeps
        12.5% typed there as 0.125. False when the file's kind carries no formats we read."""
        return (row, col) in self.percent_cells

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
    """Reads files through a reused child process, in the order asked; a context manager."""

    AHEAD = 2  # requests the child may hold, so it starts the next file the moment it finishes one

    def __init__(self, limits: Limits = Limits()) -> None:
        self.limits = limits
        # fork, not spawn or forkserver: those re-import the __main__ module in the
        # child (a script without a main guard would run again), and fork starts
        # in milliseconds with the parsers already imported. Make the pool before
        # starting threads, as with any fork.
        self._context = multiprocessing.get_context("fork")
        # Both set, or both None: the child and this end of its pipe.
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._upcoming: deque[Path] = deque()  # files read_ahead said come next, not yet sent
        self._sent: deque[Path] = deque()  # files sent to the child, whose replies are still to come
        self._started = 0.0  # when the child began the first of them: its time limit runs from here

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def read_ahead(self, paths: Iterable[Path]) -> None:
        """Say which files will be read next, in this order: the child reads them ahead of the
        caller, on another processor, while the caller works on the last one it was given."""
        self._upcoming = deque(Path(p) for p in paths)
        self._fill()

    def read(self, path: Path) -> ReadResult:
        """Screen, then parse: a ReadResult for any file, never an exception for a bad one."""
        path = Path(path)
        if path not in self._sent and path in self._upcoming:  # the files planned before it were skipped
            while self._upcoming.popleft() != path:
                pass
        while self._sent and self._sent[0] != path:
            self._receive()  # read ahead, but not wanted after all
        if not self._sent:
            self._send(path)
        result = self._receive()
        self._fill()
        return result

    def close(self) -> None:
        """Stop the child process (politely, then firmly)."""
        self._upcoming.clear()
        if self._process is None:
            return
        if self._sent:  # reads ahead nobody wants: their replies could fill the pipe and block
            self._sent.clear()
            self._stop()
            return
        assert self._conn is not None  # set with the process
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(None)
        self._process.join(2)
        self._stop()

    def _fill(self) -> None:
        while self._upcoming and len(self._sent) < self.AHEAD:
            self._send(self._upcoming.popleft())

    def _send(self, path: Path) -> None:
        if self._process is None or not self._process.is_alive():
            self._start()
        if not self._sent:
            self._started = clock.monotonic()
        self._sent.append(path)
        assert self._conn is not None  # the child was started just above if it was not running
        try:
            self._conn.send(str(path))
        except OSError:
            pass  # the child has just died: _receive finds out and says so

    def _receive(self) -> ReadResult:
        path = self._sent.popleft()
        # A file is in _sent only while the child it was sent to runs: _stop moves them back to _upcoming.
        assert self._process is not None and self._conn is not None
        try:
            if self._conn.poll(max(0.0, self._started + self.limits.timeout_seconds - clock.monotonic())):
                screened, parsed = self._conn.recv()
                self._started = clock.monotonic()  # the child has gone straight on to the next request
                if parsed is not None and any(f.code == "reader-crashed" for f in parsed.notes):
                    self._stop()  # the child leaves after a panic; don't race it with the next file
                if screened is None:
                    return ReadResult(None, parsed.notes)
                return _assemble(screened, parsed) if parsed is not None else ReadResult(None, screened.findings)
            why = f"reading it took longer than {self.limits.timeout_seconds:g} seconds, far longer than any return"
        except (EOFError, OSError):
            self._process.join(1)
            code = self._process.exitcode
            why = "the reader crashed" + (f" (signal {-code})" if code and code < 0 else "")
        log.warning("%s: %s; restarting the reader", path.name, why)
        self._stop()
        return ReadResult(None, (finding("reader-crashed", f"This file could not be read: {why}.", RESEND),))

    def _start(self) -> None:
        self._stop()
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=parsers.serve,
            args=(child, self.limits, parent, os.getpid()),
            daemon=True,
            name="pipeline-reader",
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent

    def _stop(self) -> None:
        """Kill the child; files it held but had not answered go back to the front of the plan."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._process.close()
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None
        self._upcoming.extendleft(reversed(self._sent))
        self._sent.clear()


def read_file(path: Path, limits: Limits = Limits()) -> ReadResult:
    """Read one file with a pool of its own (use ReaderPool for many files)."""
    with ReaderPool(limits) as pool:
        return pool.read(path)


def _assemble(screened: Screened, parsed: parsers.Parsed) -> ReadResult:
    """Workbook records from the parser's output, with the screen's error cells and percent
    formats put back."""
    findings = screened.findings + parsed.notes
    if any(f.severity == ERROR for f in parsed.notes):
        return ReadResult(None, findings)
    errors: dict[str, dict[tuple[int, int], CellError]] = {}
    for sheet_name, row, col, text in screened.error_cells:
        errors.setdefault(sheet_name, {})[(row, col)] = CellError(text)
    percent: dict[str, set[tuple[int, int]]] = {}
    for sheet_name, row, col in screened.percent_cells:
        percent.setdefault(sheet_name, set()).add((row, col))
    sheets = tuple(
        Sheet(
            raw.name,
            raw.state,
            {**raw.cells, **errors.get(raw.name, {})},
            raw.merged,
            frozenset(percent.get(raw.name, ())),
        )
        for raw in parsed.sheets
    )
    if not any(sheet.cells for sheet in sheets):
        findings += (
            finding(
                "no-data",
                "This file has no figures or text in any worksheet.",
                "Fill in the return template and send it again.",
            ),
        )
    workbook = Workbook(screened.kind or "", sheets, findings)
    return ReadResult(workbook, findings)


__all__ = ["CellError", "Limits", "ReadResult", "ReaderPool", "Sheet", "Workbook", "read_file"]
