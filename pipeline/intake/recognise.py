"""Recognition: which template, version, partnership and period a file is.

The hidden `_meta` sheet is read first; when another program has dropped it,
the locked copies on the Cover sheet are used. Tables are found by their header
labels (case and spacing tolerant, in any column order), never by position.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.domain.errors import PeriodError
from pipeline.domain.findings import Finding, finding
from pipeline.domain.periods import Period, parse_period
from pipeline.domain.records import Partnership, Register
from pipeline.domain.text import header_key, parse_text
from pipeline.intake.read.reader import Sheet, Workbook
from pipeline.returns import layout as T

RESEND_TEMPLATE = "Fill in the return template that was sent to you for this period, and send that."
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Identity:
    partnership: Partnership
    period: Period
    version: int
    register_hash: str


@dataclass(frozen=True)
class Table:
    """A header row found by label: column positions (0-based) by label."""

    sheet: Sheet
    header_row: int  # 0-based
    columns: dict[str, int]

    def cell(self, row: int, label: str) -> object:
        col = self.columns.get(label)
        return None if col is None else self.sheet.value(row, col)

    def a1(self, row: int, label: str) -> str:
        return Sheet.a1(row, self.columns[label])

    def data_rows(self) -> list[int]:
        rows = {r for (r, c) in self.sheet.cells if r > self.header_row}
        return sorted(rows)


def _pairs(sheet: Sheet, label_col: int, value_col: int) -> dict[str, object]:
    return {key: value for key, (_row, value) in _labelled(sheet, label_col, value_col).items()}


def _labelled(sheet: Sheet, label_col: int, value_col: int) -> dict[str, tuple[int, object]]:
    """Folded label -> (0-based row, value beside it), the first of each label."""
    pairs: dict[str, tuple[int, object]] = {}
    for (r, c), value in sheet.cells.items():
        if c == label_col and isinstance(value, str):
            pairs.setdefault(header_key(value), (r, sheet.value(r, value_col)))
    return pairs


def identify(book: Workbook, register: Register) -> tuple[Identity | None, list[Finding]]:
    """Who and when the return is for, or findings saying what was expected."""
    # The sheets a person can see or unhide: naming the very hidden _meta would only puzzle them.
    names = [s.name for s in book.sheets if s.state != "veryHidden"]
    meta_sheet = book.sheet(T.META)
    # Keys folded like labels ('template_version' -> 'templateversion'), so look them up the same way.
    meta_pairs = {k: parse_text(v) for k, v in _pairs(meta_sheet, 0, 1).items()} if meta_sheet else {}
    meta = {key: meta_pairs.get(header_key(key), "") for key in T.META_KEYS}
    cover = book.sheet(T.COVER)
    cover_cells = _labelled(cover, T.COVER_LABEL_COLUMN - 1, T.COVER_VALUE_COLUMN - 1) if cover else {}
    cover_pairs = {key: value for key, (_row, value) in cover_cells.items()}
    template = meta.get("template") or parse_text(cover_pairs.get(header_key("Template")))
    if template != T.TEMPLATE_NAME and book.kind == "csv":
        return None, [
            finding(
                "not-a-return",
                "This is a text (CSV) file, not the return workbook: a CSV cannot carry the "
                "return's sheets, drop-downs and checks.",
                RESEND_TEMPLATE,
            )
        ]
    if template != T.TEMPLATE_NAME:
        return None, [
            finding(
                "not-a-return",
                "This file is not a partnership return made from the quarterly return template "
                f"(its sheets are: {', '.join(names) or 'none'}; a return has {', '.join(T.REQUIRED_SHEETS)}).",
                RESEND_TEMPLATE,
            )
        ]
    version_text = meta.get("template_version") or parse_text(cover_pairs.get(header_key("Template version")))
    short = meta.get("partnership") or parse_text(cover_pairs.get(header_key("Partnership code")))
    period_text = meta.get("period") or parse_text(cover_pairs.get(header_key("Period")))
    findings: list[Finding] = []
    try:
        version = int(float(version_text))
    except (ValueError, OverflowError):  # blank, words, or 'inf'
        version = 0
    if version != T.TEMPLATE_VERSION:
        findings.append(
            finding(
                "old-template",
                f"This return was made from template version {version_text or 'unknown'}; "
                f"the current version is {T.TEMPLATE_VERSION}.",
                "Copy your figures into the current template (ask the performance team for it) and send that.",
            )
        )
    partnership = register.partnership(short) if short else None
    if partnership is None:
        known = ", ".join(p.short_name for p in register.partnerships)
        findings.append(
            finding(
                "unknown-partnership-return",
                f"The return is for partnership {short!r}, which is not in the register.",
                f"Use the template made for your partnership (one of {known}).",
                sheet=T.COVER,
            )
        )
    try:
        period = parse_period(period_text)
    except PeriodError:
        period = None
        findings.append(
            finding(
                "unknown-period",
                f"The return's period {period_text!r} is not a reporting period.",
                RESEND_TEMPLATE,
                sheet=T.COVER,
            )
        )
    for name in T.REQUIRED_SHEETS[1:]:  # Guidance holds nothing read back
        if book.sheet(name) is None:
            findings.append(
                finding(
                    "renamed-sheet",
                    f"The sheet {name!r} is missing; it may have been renamed or deleted "
                    f"(the file has: {', '.join(names)}).",
                    f"Rename the sheet back to {name!r}, or start again from the template.",
                    sheet=name,
                )
            )
    if partnership is None or period is None:
        return None, findings
    if meta.get("partnership") and meta.get("period") and cover is not None:
        findings += _cover_disagrees(cover, cover_cells, register, partnership, period)
    # Known, even with errors: the feedback goes to the partnership the return is from.
    return Identity(partnership, period, version, meta.get("register_hash", "")), findings


def _cover_disagrees(
    cover: Sheet, cells: dict[str, tuple[int, object]], register: Register, partnership: Partnership, period: Period
) -> list[Finding]:
    """The Cover's locked partnership and period set against the template's own record (`_meta`,
    which the file is read by): a Cover changed by hand means the figures may be meant for
    another partnership or quarter than the rows they sit in."""
    findings = []
    for label in ("Partnership", "Partnership code"):
        row, value = cells.get(header_key(label), (None, None))
        said = parse_text(value)
        named = register.partnership(said) if said else None
        if row is not None and named is not None and named != partnership:
            findings.append(
                finding(
                    "cover-mismatch",
                    f"The Cover says this return is from {named.name}, but it was made from "
                    f"{partnership.name}'s template, whose indicators it holds.",
                    f"If the figures are {named.short_name}'s, put them in {named.short_name}'s template and send that; "
                    f"if they are {partnership.short_name}'s, put the Cover back to {partnership.name}.",
                    sheet=cover.name,
                    cell=Sheet.a1(row, T.COVER_VALUE_COLUMN - 1),
                    value=said,
                )
            )
            break
    row, value = cells.get(header_key("Period"), (None, None))
    if row is None or not parse_text(value):
        return findings
    try:
        said_period = parse_period(parse_text(value))
    except PeriodError:
        return findings
    if said_period != period:
        findings.append(
            finding(
                "cover-mismatch",
                f"The Cover says this return is for {said_period}, but it was made from the "
                f"{period} template, whose rows are that quarter's.",
                f"If the figures are for {said_period}, put them in that quarter's template and send it; if they are "
                f"for {period}, put the Cover's period back to {period}.",
                sheet=cover.name,
                cell=Sheet.a1(row, T.COVER_VALUE_COLUMN - 1),
                value=parse_text(value),
            )
        )
    return findings


def find_table(sheet: Sheet, headers: tuple[str, ...], required: tuple[str, ...]) -> tuple[Table | None, list[Finding]]:
    """Locate the header row by its labels; say which required labels are missing."""
    wanted = {header_key(h): h for h in headers}
    by_row: dict[int, dict[str, int]] = {}
    for (r, c), value in sheet.cells.items():
        if r < HEADER_SEARCH_ROWS and isinstance(value, str):
            label = wanted.get(header_key(value))
            if label is not None:
                by_row.setdefault(r, {}).setdefault(label, c)
    best_row = -1
    best: dict[str, int] = {}
    for row in sorted(by_row):
        if len(by_row[row]) > len(best):
            best_row, best = row, by_row[row]
    missing = [h for h in required if h not in best]
    if missing:
        row = best_row + 1 if best_row >= 0 else T.HEADER_ROW
        return None, [
            finding(
                "edited-header",
                f"The column headed {label!r} is missing from the header row; "
                f"its header may have been changed or deleted.",
                f"Put the header {label!r} back exactly as in the template.",
                sheet=sheet.name,
                row=row,
                cell=Sheet.a1(row - 1, _expected_column(label, headers, best)),
                value=label,
            )
            for label in missing
        ]
    return Table(sheet, best_row, best), []


def _expected_column(label: str, headers: tuple[str, ...], found: dict[str, int]) -> int:
    """Where a missing header belongs: just after the template's header before it, as found in
    this sheet (columns inserted elsewhere move it), else just before the one after it."""
    at = headers.index(label)
    before = next((found[h] for h in reversed(headers[:at]) if h in found), None)
    if before is not None:
        return before + 1
    after = next((found[h] for h in headers[at + 1 :] if h in found), None)
    return after - 1 if after is not None and after > 0 else at
