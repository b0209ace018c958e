"""Keeping what the reading child found in a return openpyxl cannot open (.ods, .xls, .xlsb), so
that its submitter's annotated copy can be made from it (outputs.feedback) without parsing the
file again outside the screened, limited child."""

from __future__ import annotations

from pathlib import Path

from pipeline.domain.cells import REBUILT_KINDS, ReadCopy, SheetCopy, read_copy_path, to_json
from pipeline.intake.read.reader import Workbook
from pipeline.support.atomic import write_text


def keep(state: Path, sha256: str, workbook: Workbook) -> Path | None:
    """Write what was read of `workbook` when its kind calls for a rebuilt copy; the path, or None."""
    if workbook.kind not in REBUILT_KINDS:
        return None
    sheets = tuple(SheetCopy(s.name, s.state, s.cells, s.merged, s.percent_cells) for s in workbook.sheets)
    return write_text(read_copy_path(state, sha256), to_json(ReadCopy(workbook.kind, sheets)))
