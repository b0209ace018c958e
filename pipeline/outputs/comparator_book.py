"""The comparators workbook: other places' figures to test each indicator against (Period, Code,
Comparator, Value, Lower CI, Upper CI; England, the region, nearest neighbours).

Checked like the register: a row that cannot count (a bad period, a code not in the register, no
comparator name, a figure that is not a number, the same comparator twice) is refused with a finding
naming the row, which `pipeline check` and the master workbook's Validation sheet show; the rest count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pipeline.domain.errors import PeriodError
from pipeline.domain.findings import Finding, finding
from pipeline.domain.periods import parse_period
from pipeline.domain.records import Register
from pipeline.domain.text import header_key

VERDICT = "refused"
REQUIRED = ("Period", "Code", "Comparator", "Value")
OPTIONAL = ("Lower CI", "Upper CI")


@dataclass(frozen=True)
class ComparatorFigure:
    period: str
    code: str
    comparator: str
    value: Decimal | None
    lower: Decimal | None = None
    upper: Decimal | None = None


@dataclass(frozen=True)
class Comparators:
    """The rows that count, by (period, code), the comparators' names in the workbook's order, and
    the findings of the rows refused."""

    source: str = ""  # the workbook's file name; "" when config.toml names none
    figures: dict[tuple[str, str], tuple[ComparatorFigure, ...]] = field(default_factory=dict)
    names: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    def of(self, period: str, code: str) -> dict[str, ComparatorFigure]:
        return {f.comparator: f for f in self.figures.get((period, code), ())}


def _number(value: object) -> Decimal | None:
    """A cell's figure; None for a blank. Raises InvalidOperation for text that is not a number."""
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, bool):
        raise InvalidOperation(value)
    number = Decimal(str(value).replace(",", "").strip())
    if not number.is_finite():  # "NaN" and "Infinity" parse, but cannot be compared with an interval
        raise InvalidOperation(value)
    return number


def _shown(cell: object) -> object:
    """A cell's value as the officer sees it: Excel keeps 5.5% as 0.055, so a number in a percent
    format is read as the percentage it shows, in the unit the indicators' figures are kept in."""
    value = getattr(cell, "value", None)
    percent = "%" in str(getattr(cell, "number_format", "") or "")
    if percent and isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value)) * 100
    return value


# A comparators workbook is a few hundred rows; a return's screen allows 200 MB inflated, far more.
MAX_BYTES = 20 * 1024 * 1024
MAX_INFLATED = 100 * 1024 * 1024


def _unsafe(path: Path) -> str:
    """Why the workbook must not reach openpyxl (not a zip, a zip bomb), or "". Python's zipfile
    stops inflating an entry at its declared size, so the declared sizes bound what openpyxl reads;
    the intake screen is not used as outputs may not import intake (and is about returns)."""
    import zipfile

    try:
        if path.stat().st_size > MAX_BYTES:
            return f"it is over {MAX_BYTES // 1048576} MB."
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_INFLATED:
                return f"it would unpack to over {MAX_INFLATED // 1048576} MB, so it is not a workbook to open."
    except (OSError, zipfile.BadZipFile):
        return "it is not an Excel .xlsx workbook (or it has a password)."
    return ""


def read_comparators(path: Path | None, register: Register) -> Comparators:
    """The comparators' figures from the workbook's first sheet; Comparators() when there is none."""
    if path is None:
        return Comparators()
    from openpyxl import load_workbook

    why = _unsafe(path)
    try:
        book = None if why else load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        why = f"it could not be opened as an Excel workbook ({type(exc).__name__})."
    if book is None:
        message = f"{path.name} could not be read as the comparators workbook, so nothing is compared: {why}"
        fix = "Open it in Excel, save it as an .xlsx workbook without a password, or fix paths.comparators."
        return Comparators(path.name, findings=(finding("bad-comparator", message, fix),))
    try:
        sheet = book[book.sheetnames[0]]
        rows = (tuple(_shown(c) for c in cells) for cells in sheet.iter_rows())
        labels = next(rows, ())
        header = [header_key(h) for h in labels]
        missing = [name for name in REQUIRED if header_key(name) not in header]
        if missing:
            message = f"{path.name}: the comparators sheet {sheet.title} has no {', '.join(missing)} column."
            fix = "Give the first row the headers " + ", ".join(REQUIRED + OPTIONAL) + "."
            return Comparators(path.name, findings=(finding("missing-column", message, fix, sheet=sheet.title),))
        figures: dict[tuple[str, str], list[ComparatorFigure]] = {}
        names: dict[str, None] = {}
        findings = []
        for number, values in enumerate(rows, start=2):
            record = dict(zip(header, values))
            if all(v is None or str(v).strip() == "" for v in values):
                continue

            def refuse(message: str, fix: str, value: object = "", row: int = number) -> None:
                findings.append(
                    finding(
                        "bad-comparator",
                        f"{path.name}: {message}",
                        fix,
                        sheet=sheet.title,
                        row=row,
                        value=str(value or ""),
                    )
                )

            try:
                period = str(parse_period(str(record.get("period") or "")))
            except PeriodError as error:
                refuse(
                    f"row {number}'s period is not one: {error}", "Give the period as 2025-26 Q1.", record.get("period")
                )
                continue
            code = str(record.get("code") or "").strip()
            if code not in register.by_code:
                refuse(
                    f"row {number} names {code or 'no indicator'}, which is not in the register.",
                    "Give a Code from the register's Indicators sheet, or delete the row.",
                    code,
                )
                continue
            comparator = " ".join(str(record.get("comparator") or "").split())
            if not comparator:
                refuse(f"row {number} names no comparator.", "Give the comparator's name, e.g. England.")
                continue
            try:
                value, lower, upper = (_number(record.get(k)) for k in ("value", "lowerci", "upperci"))
            except InvalidOperation:
                refuse(
                    f"row {number} ({code}, {comparator}) has a Value or CI that is not a number.",
                    "Type the figures as numbers, in the indicator's unit, or leave a CI blank.",
                )
                continue
            if lower is not None and upper is not None and lower > upper:
                refuse(
                    f"row {number} ({code}, {comparator}) has a Lower CI above its Upper CI.",
                    "Check the two CI columns have not been swapped.",
                )
                continue
            same = figures.setdefault((period, code), [])
            if any(f.comparator == comparator for f in same):
                refuse(
                    f"row {number} gives {comparator}'s {code} for {period} a second time; the first counts.",
                    "Delete one of the two rows.",
                    comparator,
                )
                continue
            same.append(ComparatorFigure(period, code, comparator, value, lower, upper))
            names[comparator] = None
        return Comparators(path.name, {k: tuple(v) for k, v in figures.items()}, tuple(names), tuple(findings))
    finally:
        book.close()
