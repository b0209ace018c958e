"""The Areas sheet: each indicator's figures by area, for narrowing the gap."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from pipeline.domain.findings import Finding, finding
from pipeline.domain.history import IndicatorValue
from pipeline.domain.records import Indicator, Register
from pipeline.domain.text import parse_text
from pipeline.domain.values import AMBIGUOUS, BLANK, INVALID, NOT_AVAILABLE, Parsed
from pipeline.intake.checks.cells import in_range, read_figure, unreadable
from pipeline.intake.checks.counts import read_counts
from pipeline.intake.read.reader import Workbook
from pipeline.intake.recognise import Identity, Table, find_table
from pipeline.returns import layout as T


def check_areas(
    book: Workbook, who: Identity, register: Register, values: list[IndicatorValue], findings: list[Finding]
) -> list[IndicatorValue]:
    """Attach each indicator's figures by area (narrowing the gap), read from the Areas sheet."""
    wanted = {
        i.code: i
        for i in register.indicators_of(who.partnership.short_name)
        if i.areas and i.frequency.due_in(who.period.quarter)
    }
    if not wanted:
        return values
    sheet = book.sheet(T.AREAS)
    if sheet is None:
        findings.append(
            finding(
                "area-sheet-missing",
                f"The {T.AREAS} sheet is missing, so the figures by area for {', '.join(wanted)} cannot be reported.",
                "Use this period's template, which has the Areas sheet, for your next return.",
                sheet=T.AREAS,
            )
        )
        return values
    table, problems = find_table(sheet, T.AREA_HEADERS + T.COUNT_HEADERS, ("Code", "Area", "Actual"))
    findings += problems
    if table is None:
        return values
    areas = {code: {a.casefold(): a for a in i.areas} for code, i in wanted.items()}
    codes = {code.casefold(): code for code in wanted}
    figures: dict[tuple[str, str], Decimal | None] = {}
    counts: dict[tuple[str, str], tuple[Decimal | None, Decimal | None]] = {}
    cells: dict[tuple[str, str], str] = {}
    blank: set[tuple[str, str]] = set()
    for row in table.data_rows():
        code_text, area_text = parse_text(table.cell(row, "Code")), parse_text(table.cell(row, "Area"))
        if not (code_text or area_text):
            continue
        code = codes.get(code_text.casefold())
        area = areas[code].get(" ".join(area_text.split()).casefold()) if code else None
        if code is None or area is None:
            findings.append(
                finding(
                    "unknown-area",
                    f"{code_text or '(no code)'} / {area_text or '(no area)'} is not an indicator "
                    "and area in the register; the row is ignored.",
                    "Use the Areas sheet's rows as they are.",
                    sheet=sheet.name,
                    cell=table.a1(row, "Code"),
                    value=f"{code_text} / {area_text}",
                )
            )
            continue
        cells[code, area] = table.a1(row, "Actual")
        parsed, shown = read_figure(table, row, wanted[code].unit)
        counted = read_counts(table, row, wanted[code], parsed, shown, findings)
        if counted.worked_out is not None:  # a blank figure, worked out from the area's counts
            parsed, shown = counted.worked_out, str(counted.worked_out.number)
        counts[code, area] = (counted.numerator, counted.denominator)
        if parsed.kind in (BLANK, NOT_AVAILABLE):
            blank.add((code, area))
        figures[code, area] = _area_figure(table, row, wanted[code], area, parsed, shown, findings)
    reported = {v.code for v in values if v.actual is not None}
    for code in sorted(reported & set(wanted)):
        for area in wanted[code].areas:
            if (code, area) not in cells:
                findings.append(
                    finding(
                        "missing-area-value",
                        f"{code} has no row for {area} on the {T.AREAS} sheet.",
                        "Use the Areas sheet's rows as they are; the gap for this area is not reported.",
                        sheet=sheet.name,
                    )
                )
            elif (code, area) in blank:
                findings.append(
                    finding(
                        "missing-area-value",
                        f"{code} has a figure but none for {area}.",
                        "Type the figure for this area; if it is not available, the gap is reported as not available.",
                        sheet=sheet.name,
                        cell=cells[code, area],
                    )
                )
    return [
        replace(
            v,
            area_values=tuple((a, figures.get((v.code, a))) for a in wanted[v.code].areas),
            area_counts=tuple(
                (a, *counts[v.code, a]) for a in wanted[v.code].areas if any(counts.get((v.code, a), (None, None)))
            ),
        )
        if v.code in wanted
        else v
        for v in values
    ]


def _area_figure(
    table: Table, row: int, i: Indicator, area: str, parsed: Parsed, shown: str, findings: list[Finding]
) -> Decimal | None:
    """The area's figure, or None with a finding saying why (a blank is judged by the caller)."""
    sheet, cell = table.sheet.name, table.a1(row, "Actual")
    if parsed.kind in (BLANK, NOT_AVAILABLE):
        return None
    if parsed.kind in (INVALID, AMBIGUOUS):
        findings.append(
            unreadable(f"{i.code}, {area}", parsed, shown, sheet, cell, "Type the figure as a number, e.g. 12.5.")
        )
        return None
    number = parsed.number
    assert number is not None  # every other kind has returned above, and Parsed sets number exactly for NUMBER
    return number if in_range(i, number, sheet, cell, shown, findings) else None
