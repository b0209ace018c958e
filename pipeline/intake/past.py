"""`pipeline import-history`: last years' figures, from a workbook or CSV an officer copies out of
the old master spreadsheet, in long form (one row a figure: Code, Period, Actual, and optionally
Area, Data quality, Note, and Numerator and Denominator for an indicator whose register row asks
for them, checked against the Actual as a return's are).

Figures are read as returns' are (domain.values: '1,234', '12.5%', a %-formatted cell, 'n/a')
with the same findings (sheet, cell, value, fix). A file with any error keeps nothing, as a
return with an error is rejected whole: half a history would rate quarters against the wrong
year. What is kept is history, never a return (store.imported).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from pipeline.domain.errors import PeriodError
from pipeline.domain.findings import Finding, finding, has_errors
from pipeline.domain.history import ImportedValue
from pipeline.domain.periods import Period, parse_period
from pipeline.domain.records import Indicator, Register
from pipeline.domain.text import header_key, parse_text
from pipeline.domain.values import AMBIGUOUS, BLANK, INVALID, NOT_AVAILABLE, parse_number
from pipeline.domain.wording import clean_name
from pipeline.intake.checks.cells import in_range, plain_number, reads_as_formula, unreadable
from pipeline.intake.checks.counts import Counts, read_counts
from pipeline.intake.read.reader import Sheet
from pipeline.intake.recognise import Table
from pipeline.returns import layout as T
from pipeline.store import Store
from pipeline.store.imported import ImportCount

REQUIRED = ("Code", "Period", "Actual")
OPTIONAL = ("Area", "Data quality", "Note", *T.COUNT_HEADERS)
_QUALITIES = {header_key(q): q for q in T.DATA_QUALITY}
_RESAVE = "Open it in Excel, save it as an Excel Workbook (.xlsx) or as CSV UTF-8, and import that."


@dataclass(frozen=True)
class _Row:
    """One row of the file: its number, the cells by column label, and which are %-formatted."""

    number: int
    cells: dict[str, object]
    percent: frozenset[str]


@dataclass(frozen=True)
class HistoryImport:
    """What an import found and kept: `count` is None when errors kept anything from being kept."""

    file: Path
    findings: tuple[Finding, ...]
    read: int  # figures read from the file
    count: ImportCount | None
    periods: tuple[str, ...]


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _table(path: Path, findings: list[Finding]) -> tuple[str, dict[str, int], list[_Row]]:
    """The sheet's name, where each known column is, and the rows; findings for what cannot be read.

    The file goes through the same screen and reading child as a return: an officer's copy of an
    old spreadsheet can be a zip bomb or encrypted as easily as a submitter's."""
    from pipeline.intake.read.reader import read_file  # lazy: starts the reading child

    result = read_file(path)
    # Findings go to the console: a terminal escape or line break in the name must not.
    file_name = clean_name(path.name)
    findings.extend(_about_file(f, path) for f in result.findings)
    workbook = result.workbook
    if result.rejected or workbook is None or not workbook.sheets:
        return file_name, {}, []
    sheet = workbook.sheets[0]
    # A CSV's one sheet is named after the file; findings name the file as the officer saved it.
    name = file_name if workbook.kind == "csv" else sheet.name
    rows = dict(sheet.rows())
    grid: list[list[object]] = [list(rows.get(r, ())) for r in range(max(rows, default=-1) + 1)]
    percent = [
        frozenset(str(c) for c in range(len(values)) if sheet.percent_formatted(r, c)) for r, values in enumerate(grid)
    ]
    return _located(name, grid, percent, findings)


def _about_file(f: Finding, path: Path) -> Finding:
    """A reading finding in an import's words: it names the file (cleaned), and its fix is not to send a return."""
    fix = f.fix.replace(" and send that.", " and import that.")
    if "send" in fix:  # "send it again", "send the completed return": said to a submitter, not here
        fix = _RESAVE
    named = not f.sheet or f.sheet == path.stem  # a CSV's one sheet is named after the file as it is
    return replace(f, sheet=clean_name(path.name) if named else clean_name(f.sheet), fix=fix)


def _located(
    sheet: str, grid: list[list[object]], percent: list[frozenset[str]], findings: list[Finding]
) -> tuple[str, dict[str, int], list[_Row]]:
    header = [parse_text(v) for v in grid[0]] if grid else []
    positions = {header_key(label): n for n, label in enumerate(header) if label}
    columns = {label: positions[header_key(label)] for label in REQUIRED + OPTIONAL if header_key(label) in positions}
    missing = [label for label in REQUIRED if label not in columns]
    for label in missing:
        findings.append(
            finding(
                "missing-column",
                f"The {sheet} sheet has no {label!r} column in its first row.",
                "Head the columns Code, Period and Actual (and optionally Area, Data quality, Note, "
                "Numerator, Denominator).",
                sheet=sheet,
                row=1,
            )
        )
    if missing:
        return sheet, columns, []
    rows = []
    for number, values in enumerate(grid[1:], start=2):
        cells = {label: (values[n] if n < len(values) else None) for label, n in columns.items()}
        if all(parse_text(v) == "" for v in cells.values()):
            continue
        shaded = percent[number - 1] if number - 1 < len(percent) else frozenset()
        rows.append(_Row(number, cells, frozenset(label for label, n in columns.items() if str(n) in shaded)))
    return sheet, columns, rows


def read_history(path: Path, register: Register, *, today: date) -> tuple[list[ImportedValue], list[Finding], str]:
    """Every figure in the file as it would be kept, the findings on it, and the sheet read."""
    findings: list[Finding] = []
    sheet, columns, rows = _table(path, findings)
    if not columns or has_errors(findings):
        return [], findings, sheet
    if not rows:
        findings.append(
            finding("no-data", f"{clean_name(path.name)} has no figures under its headers.", "Add a row a figure.")
        )
        return [], findings, sheet
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    indicators = {i.code.casefold(): i for i in register.indicators}
    seen: dict[tuple[str, str, str], int] = {}
    values = []
    for row in rows:

        def a1(label: str, row: _Row = row) -> str:
            return f"{_column(columns[label])}{row.number}"

        code = parse_text(row.cells["Code"])
        indicator = indicators.get(code.casefold())
        if indicator is None:
            findings.append(
                finding(
                    "unknown-indicator",
                    f"Indicator code {code!r} is not in the register.",
                    "Check the code against the register's Indicators sheet, or add the indicator there first.",
                    sheet=sheet,
                    cell=a1("Code"),
                    value=code,
                )
            )
            continue
        period = _period(row.cells["Period"], today, sheet, a1("Period"), findings)
        if period is None:
            continue
        area = parse_text(row.cells.get("Area"))
        if area and area.casefold() not in {a.casefold() for a in indicator.areas}:
            findings.append(
                finding(
                    "unknown-area",
                    f"{indicator.code} is not reported for an area called {area!r}, so that figure was not used.",
                    "Use an area from the register's Areas column for the indicator"
                    + (f" ({'; '.join(indicator.areas)})." if indicator.areas else ", or leave Area blank."),
                    sheet=sheet,
                    cell=a1("Area"),
                    value=area,
                )
            )
            continue
        area = next((a for a in indicator.areas if a.casefold() == area.casefold()), "")
        key = (indicator.code, str(period), area)
        if key in seen:
            findings.append(
                finding(
                    "duplicate-indicator",
                    f"{indicator.code} for {period}{' in ' + area if area else ''} is also on row {seen[key]}.",
                    "Keep one row for each indicator, period and area.",
                    sheet=sheet,
                    cell=a1("Code"),
                    value=code,
                )
            )
            continue
        seen[key] = row.number
        value = _figure(row, indicator, period, area, sheet, columns, a1, findings)
        if value is not None:
            # The name goes into every document's Source column and the log, as a return's does: clean.
            values.append(replace(value, file_name=clean_name(path.name), file_sha256=digest))
    return values, findings, sheet


def _period(raw: object, today: date, sheet: str, cell: str, findings: list[Finding]) -> Period | None:
    text = parse_text(raw)
    try:
        period = parse_period(text)
    except PeriodError:
        findings.append(
            finding(
                "unknown-period",
                f"Period {text!r} is not a quarter the pipeline knows.",
                'Write the financial year and quarter, e.g. "2024-25 Q3" (October-December 2024).',
                sheet=sheet,
                cell=cell,
                value=text,
            )
        )
        return None
    if period.end >= today:
        findings.append(
            finding(
                "not-yet-history",
                f"{period} has not ended, so its figures come in its returns, not as history.",
                "Import only quarters that have ended; send this quarter's figures in the return.",
                sheet=sheet,
                cell=cell,
                value=text,
            )
        )
        return None
    return period


def _counts(row: _Row, i: Indicator, sheet: str, columns: dict[str, int], parsed, shown: str, findings) -> Counts:
    """The row's numerator and denominator, checked against its Actual exactly as a return's are (the
    same findings, naming the file's cells); nothing when the register does not ask for them."""
    if not i.counts:
        return Counts()
    # The row as a one-row table, at its own place in the file, so the findings name the file's cells.
    cells = {(row.number - 1, n): row.cells[label] for label, n in columns.items() if row.cells[label] is not None}
    table = Table(Sheet(sheet, "visible", cells), 0, columns)
    return read_counts(table, row.number - 1, i, parsed, shown, findings)


def _figure(
    row: _Row, i: Indicator, period: Period, area: str, sheet: str, columns: dict[str, int], a1, findings
) -> ImportedValue | None:
    cell = a1("Actual")
    raw = row.cells["Actual"]
    quality_text = parse_text(row.cells.get("Data quality"))
    quality = _QUALITIES.get(header_key(quality_text), "") if quality_text else "Validated"
    if not quality:
        findings.append(
            finding(
                "bad-data-quality",
                f"{i.code}: data quality {quality_text!r} is not one of the choices.",
                f"Write one of: {', '.join(T.DATA_QUALITY)}, or leave it blank for Validated.",
                sheet=sheet,
                cell=a1("Data quality"),
                value=quality_text,
            )
        )
        return None
    percent = i.unit == "%" and "Actual" in row.percent
    parsed = parse_number(raw, i.unit, percent_format=percent)
    shown = f"{plain_number(parsed.number)}%" if percent and parsed.number is not None else parse_text(raw)
    note = parse_text(row.cells.get("Note"))
    if reads_as_formula(note):
        findings.append(
            finding(
                "formula-text",
                f"{i.code}: the note starts with {note.lstrip()[:1]!r}, like a formula; it is kept as plain text.",
                "No action is needed unless you meant something else.",
                sheet=sheet,
                cell=a1("Note"),
                value=note[:80],
            )
        )
    errors = len(findings)
    counts = _counts(row, i, sheet, columns, parsed, shown, findings)
    if has_errors(findings[errors:]):
        return None
    if counts.worked_out is not None:  # a blank Actual, worked out from the numerator and denominator
        parsed, shown = counts.worked_out, str(counts.worked_out.number)
    if parsed.kind in (BLANK, NOT_AVAILABLE):
        if quality == "Not available" or parsed.kind == NOT_AVAILABLE:
            return ImportedValue(i.code, str(period), area, None, "Not available", note, "", "", row.number)
        findings.append(
            finding(
                "missing-actual",
                f"{i.code} has no actual for {period}.",
                "Type the figure, or write 'Not available' in Data quality (or leave the row out).",
                sheet=sheet,
                cell=cell,
                value=shown,
            )
        )
        return None
    if parsed.kind in (INVALID, AMBIGUOUS):
        example = f"Type the actual as a number, e.g. 12.5{'' if i.unit != '%' else ' for 12.5%'}."
        findings.append(unreadable(i.code, parsed, shown, sheet, cell, example))
        return None
    actual = parsed.number
    assert actual is not None  # a NUMBER always has one
    if not in_range(i, actual, sheet, cell, shown, findings):
        return None
    return replace(
        ImportedValue(i.code, str(period), area, actual, quality, note, "", "", row.number),
        numerator=counts.numerator,
        denominator=counts.denominator,
    )


def import_history(
    store: Store, register: Register, path: Path, *, replace_returns: bool = False, now: datetime | None = None
) -> HistoryImport:
    """Read the file and, if it has no errors, keep its figures: a figure that differs from an
    accepted return's is named, and kept over the return's only with `replace_returns`."""
    now = now or datetime.now(UTC)
    path = Path(path)
    values, findings, sheet = read_history(path, register, today=now.date())
    returned = store.actuals(returns_only=True)
    checked = []
    for v in values:
        sent = returned.get((v.code, v.period)) if not v.area else None
        if sent is not None and v.actual is not None and sent != v.actual:
            findings.append(_differs(v, sent, replace_returns, sheet))
            v = replace(v, replaces_return=replace_returns)
        checked.append(v)
    periods = tuple(sorted({v.period for v in checked}))
    if has_errors(findings):
        return HistoryImport(path, tuple(findings), len(values), None, periods)
    count = store.keep_imported(checked, now=now.isoformat(timespec="seconds"))
    return HistoryImport(path, tuple(findings), len(values), count, periods)


def _differs(v: ImportedValue, sent: Decimal, replacing: bool, sheet: str) -> Finding:
    kept = (
        "The imported figure is kept in its place, as --replace asked."
        if replacing
        else "The return's figure is kept; import again with --replace to use this one instead."
    )
    return finding(
        "differs-from-return",
        f"{v.code} for {v.period} is {plain_number(v.actual or Decimal(0))} here, but "
        f"{plain_number(sent)} in the accepted return.",
        kept,
        sheet=sheet,
        row=v.row,
        value=plain_number(v.actual or Decimal(0)),
    )
