"""Cells as a return's reader found them, as plain records: the value types a cell can hold, and
the copy of a read workbook that the feedback for a return openpyxl cannot open (.ods, .xls,
.xlsb) is made from, kept as JSON in state/read/<sha256>.json.

The copy holds only values the reading child gave back, written by us: whoever makes the
annotated .xlsx from it never parses the submitter's file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

# The kinds openpyxl cannot open: the annotated copy of such a return is rebuilt from what was read.
REBUILT_KINDS = frozenset({"ods", "xls", "xlsb"})
READ_FOLDER = "read"


@dataclass(frozen=True)
class CellError:
    """A cell showing a spreadsheet error such as #DIV/0! (calamine would read it as blank)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class SheetCopy:
    name: str
    state: str  # visible | hidden | veryHidden
    cells: dict[tuple[int, int], object] = field(compare=False)  # (row, col) 0-based -> value
    merged: tuple[str, ...] = ()  # 'A1:B2' ranges; the value sits in the top-left cell
    percent_cells: frozenset[tuple[int, int]] = frozenset()  # cells shown as percentages


@dataclass(frozen=True)
class ReadCopy:
    """What was read of one file: its kind and its sheets in order."""

    kind: str
    sheets: tuple[SheetCopy, ...]


def read_copy_path(state: Path, sha256: str) -> Path:
    """Where the copy of what was read of the file with these bytes is kept (a hex digest: no '..')."""
    return Path(state) / READ_FOLDER / f"{sha256}.json"


def to_json(copy: ReadCopy) -> str:
    sheets = [
        {
            "name": s.name,
            "state": s.state,
            "merged": list(s.merged),
            "percent": sorted([r, c] for r, c in s.percent_cells),
            "cells": [[r, c, *_tagged(v)] for (r, c), v in sorted(s.cells.items())],
        }
        for s in copy.sheets
    ]
    return json.dumps({"kind": copy.kind, "sheets": sheets}, ensure_ascii=False)


def from_json(text: str) -> ReadCopy:
    data = json.loads(text)
    return ReadCopy(
        data["kind"],
        tuple(
            SheetCopy(
                s["name"],
                s["state"],
                {(r, c): _untagged(tag, value) for r, c, tag, value in s["cells"]},
                tuple(s["merged"]),
                frozenset((r, c) for r, c in s["percent"]),
            )
            for s in data["sheets"]
        ),
    )


def _tagged(value: object) -> tuple[str, object]:
    # JSON has no dates, times or errors, and reads 5.0 back as 5.0 but 5 as 5: each value says its type.
    # bool before int and datetime before date: each is also the other.
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, (int, float, str)):
        return type(value).__name__, value
    if isinstance(value, datetime):
        return "datetime", value.isoformat()
    if isinstance(value, date):
        return "date", value.isoformat()
    if isinstance(value, time):
        return "time", value.isoformat()
    if isinstance(value, timedelta):
        return "timedelta", value.total_seconds()
    if isinstance(value, CellError):
        return "error", value.text
    return "str", str(value)


def _untagged(tag: str, value):
    if tag == "datetime":
        return datetime.fromisoformat(value)
    if tag == "date":
        return date.fromisoformat(value)
    if tag == "time":
        return time.fromisoformat(value)
    if tag == "timedelta":
        return timedelta(seconds=value)
    if tag == "error":
        return CellError(value)
    return value
