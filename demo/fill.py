"""Fill a return template the way a person does: find the row by Code or Ref, the column by its header.

Tests, the demo and the benchmarks make their returns with this, so they go
through the same template partnerships receive. Values land exactly as given:
a number stays a number and a string stays text as typed ("1,234", "twelve",
"=because"), never a formula. Nothing else in the file is touched; the hidden
`_meta` sheet, protection and validations survive, as they do when a person
saves in Excel.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from pipeline.domain.text import header_key
from pipeline.returns.generate import write_atomically
from pipeline.returns.layout import (
    ACTIONS,
    AREAS,
    COVER,
    COVER_LABEL_COLUMN,
    COVER_VALUE_COLUMN,
    HEADER_ROW,
    INDICATORS,
    RISKS,
)

log = logging.getLogger(__name__)

# What a person can put in a cell: a number, text exactly as typed, or a date.
# None leaves the cell as it is; "" clears it.
Value = Decimal | int | float | str | date | None


def _label(text: str, default: object = None):
    return field(default=default, metadata={"label": text})


@dataclass(frozen=True)
class IndicatorEntry:
    actual: Value = _label("Actual")
    data_quality: str | None = _label("Data quality")
    commentary: str | None = _label("Commentary")
    remedial_action: str | None = _label("Remedial action")
    # Only on an indicator whose register row asks for the numerator and denominator.
    numerator: Value = _label("Numerator")
    denominator: Value = _label("Denominator")


@dataclass(frozen=True)
class AreaEntry:
    """An area's row on the Areas sheet, with its counts (a plain value fills the Actual alone)."""

    actual: Value = _label("Actual")
    numerator: Value = _label("Numerator")
    denominator: Value = _label("Denominator")


@dataclass(frozen=True)
class ActionEntry:
    status: str | None = _label("Status")
    percent_complete: Value = _label("% complete")
    commentary: str | None = _label("Commentary")


@dataclass(frozen=True)
class RiskEntry:
    """Likelihood, impact and mitigation are pre-filled; None keeps what the template says."""

    likelihood: Value = _label("Likelihood (1-5)")
    impact: Value = _label("Impact (1-5)")
    mitigation: str | None = _label("Mitigation")
    commentary: str | None = _label("Commentary")


@dataclass(frozen=True)
class NewAction:
    ref: str = _label("Ref", "")
    action: str = _label("Action", "")
    owner: str | None = _label("Owner")
    due: Value = _label("Due date")
    status: str | None = _label("Status")
    percent_complete: Value = _label("% complete")
    commentary: str | None = _label("Commentary")


@dataclass(frozen=True)
class NewRisk:
    ref: str = _label("Ref", "")
    risk: str = _label("Risk", "")
    owner: str | None = _label("Owner")
    likelihood: Value = _label("Likelihood (1-5)")
    impact: Value = _label("Impact (1-5)")
    mitigation: str | None = _label("Mitigation")
    commentary: str | None = _label("Commentary")


@dataclass(frozen=True)
class CoverEntry:
    completed_by: str | None = _label("Completed by")
    email: str | None = _label("Email")
    date_completed: Value = _label("Date completed")
    signed_off: str | None = _label("Signed off by chair (Yes/No)")  # "Yes" or "No", or whatever was typed
    overall_commentary: str | None = _label("Overall commentary")
    # Optional, for the highlight report: a template made before they were asked has no such rows.
    key_achievements: str | None = _label("Key achievements")
    next_quarter_plans: str | None = _label("Plans for next quarter")
    board_issues: str | None = _label("Issues and decisions for the board")
    overall_status: str | None = _label("Overall status")


class FillError(LookupError):
    """The template has no row, column or label the fill asked for."""


def labelled(entry) -> dict[str, Value]:
    """The entry's values by header label, leaving out those that are None (cell left as it is)."""
    return {f.metadata["label"]: getattr(entry, f.name) for f in fields(entry) if getattr(entry, f.name) is not None}


def fill_return(
    template: Path,
    out: Path,
    *,
    indicators: Mapping[str, IndicatorEntry],
    actions: Mapping[str, ActionEntry] = {},
    risks: Mapping[str, RiskEntry] = {},
    cover: CoverEntry | None = None,
    new_actions: Iterable[NewAction] = (),
    new_risks: Iterable[NewRisk] = (),
    areas: Mapping[tuple[str, str], Value | AreaEntry] = {},
) -> Path:
    """Copy `template` to `out` with the given entries typed in; codes and refs not named stay blank.

    `areas` maps (indicator code, area) to the Actual typed on the Areas sheet.
    """
    from openpyxl import load_workbook  # lazy: keeps `pipeline --help` fast

    template, out = Path(template), Path(out)
    book = load_workbook(template, keep_vba=False)
    _fill_table(book, template, INDICATORS, "Code", indicators)
    _fill_table(book, template, ACTIONS, "Ref", actions)
    _fill_table(book, template, RISKS, "Ref", risks)
    _fill_new(book, template, ACTIONS, "Ref", list(new_actions))
    _fill_new(book, template, RISKS, "Ref", list(new_risks))
    _fill_areas(book, template, areas)
    if cover is not None:
        _fill_cover(book, template, cover)
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomically(out, buffer.getvalue())
    log.info("filled %s as %s", template.name, out.name)
    return out


def _put(cell, value: Value) -> None:
    if value == "":
        cell.value = None
    elif isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would store '=because' as a formula; a person's text is text
    elif isinstance(value, date) and not isinstance(value, datetime):
        cell.value = datetime(value.year, value.month, value.day)  # a spreadsheet date is a date-time
    else:
        cell.value = value


def _columns(ws, template: Path) -> dict[str, int]:
    header = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW))
    columns = {header_key(c.value): c.column for c in header if c.value is not None}
    if not columns:
        raise FillError(f"{template.name}: the {ws.title} sheet has no header row at row {HEADER_ROW}.")
    return columns


def _column(columns: dict[str, int], label: str, ws, template: Path) -> int:
    try:
        return columns[header_key(label)]
    except KeyError:
        raise FillError(f"{template.name}: the {ws.title} sheet has no {label!r} column.") from None


def _fill_table(book, template: Path, sheet: str, key_label: str, entries: Mapping[str, object]) -> None:
    if not entries:
        return
    ws = book[sheet]
    columns = _columns(ws, template)
    key_column = _column(columns, key_label, ws, template)
    rows = {}
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        key = ws.cell(row, key_column).value
        if key is not None and str(key).strip():
            rows[str(key).strip()] = row
    for key, entry in entries.items():
        if key not in rows:
            raise FillError(f"{template.name}: {key!r} is not on the {sheet} sheet (it has {', '.join(rows)}).")
        for label, value in labelled(entry).items():
            _put(ws.cell(rows[key], _column(columns, label, ws, template)), value)


def _fill_new(book, template: Path, sheet: str, key_label: str, entries: list) -> None:
    """Type new actions or risks into the blank input rows at the bottom of the sheet, in order."""
    if not entries:
        return
    ws = book[sheet]
    columns = _columns(ws, template)
    key_column = _column(columns, key_label, ws, template)
    blank = [
        row
        for row in range(HEADER_ROW + 1, ws.max_row + 1)
        if ws.cell(row, key_column).value in (None, "") and not ws.cell(row, key_column).protection.locked
    ]
    if len(entries) > len(blank):
        raise FillError(
            f"{template.name}: the {sheet} sheet has {len(blank)} blank rows for new entries, not {len(entries)}."
        )
    for row, entry in zip(blank, entries):
        for label, value in labelled(entry).items():
            _put(ws.cell(row, _column(columns, label, ws, template)), value)


def _fill_areas(book, template: Path, entries: Mapping[tuple[str, str], Value]) -> None:
    if not entries:
        return
    if AREAS not in book.sheetnames:
        raise FillError(f"{template.name} has no {AREAS} sheet: none of its indicators is reported by area.")
    ws = book[AREAS]
    columns = _columns(ws, template)
    code, area, actual = (_column(columns, label, ws, template) for label in ("Code", "Area", "Actual"))
    rows = {
        (str(ws.cell(row, code).value), str(ws.cell(row, area).value)): row
        for row in range(HEADER_ROW + 1, ws.max_row + 1)
    }
    for key, value in entries.items():
        if key not in rows:
            raise FillError(f"{template.name}: {key[0]} / {key[1]} is not on the {AREAS} sheet.")
        if isinstance(value, AreaEntry):
            for label, typed in labelled(value).items():
                _put(ws.cell(rows[key], _column(columns, label, ws, template)), typed)
        elif value is not None:
            _put(ws.cell(rows[key], actual), value)


def _fill_cover(book, template: Path, cover: CoverEntry) -> None:
    ws = book[COVER]
    rows = {
        header_key(ws.cell(row, COVER_LABEL_COLUMN).value): row
        for row in range(1, ws.max_row + 1)
        if ws.cell(row, COVER_LABEL_COLUMN).value is not None
    }
    for label, value in labelled(cover).items():
        row = rows.get(header_key(label))
        if row is None:
            raise FillError(f"{template.name}: the {COVER} sheet has no {label!r} label.")
        _put(ws.cell(row, COVER_VALUE_COLUMN), value)
