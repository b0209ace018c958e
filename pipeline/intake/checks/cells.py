"""One cell of a return's table read with the finding it earns: text that looks like a formula,
a figure as Excel shows it, a figure that is not a number or not possible for its unit.
"""

from __future__ import annotations

from decimal import Decimal

from pipeline.domain.findings import Finding, finding
from pipeline.domain.records import NON_NEGATIVE_UNITS, Indicator
from pipeline.domain.text import looks_like_formula, parse_text
from pipeline.domain.values import AMBIGUOUS, Parsed, implausible, parse_number
from pipeline.intake.recognise import Table


def reads_as_formula(text: str) -> bool:
    """Whether a person would take this text for a formula (worth a formula-text warning)."""
    # Only '=' and '@' read as formulas to a person; a bullet like '- fewer referrals' is just text.
    return bool(text) and looks_like_formula(text) and text.lstrip()[:1] in ("=", "@", "\uff1d", "\uff20")


def read_text(table: Table, row: int, label: str, findings: list[Finding]) -> str:
    """A text cell as typed; a warning when it starts like a formula (it is kept as plain text)."""
    text = parse_text(table.cell(row, label))
    if reads_as_formula(text):
        findings.append(
            finding(
                "formula-text",
                f"{label} starts with {text[:1]!r}, like a formula; it is kept as plain text.",
                "No action is needed unless you meant something else.",
                sheet=table.sheet.name,
                cell=table.a1(row, label),
                value=text[:80],
            )
        )
    return text


def read_figure(table: Table, row: int, unit: str) -> tuple[Parsed, str]:
    """A row's Actual read as a figure, and the figure as the submitter sees it in Excel.

    Excel keeps 12.5% typed in a cell as 0.125 with a percent format: for a percentage that is
    read as 12.5 and shown as 12.5%, since 0.125 is neither what was typed nor what shows."""
    raw = table.cell(row, "Actual")
    percent = unit == "%" and table.sheet.percent_formatted(row, table.columns["Actual"])
    parsed = parse_number(raw, unit, percent_format=percent)
    if percent and parsed.number is not None and not isinstance(raw, str):
        return parsed, f"{plain_number(parsed.number)}%"
    return parsed, parse_text(raw)


def unreadable(who: str, parsed: Parsed, shown: str, sheet: str, cell: str, example: str) -> Finding:
    """The finding for a figure that is not a number, or could be read more than one way. The
    note reads "<what is wrong>; <what to type>": the first half ends the message, the second
    is the fix (`example` when there is none)."""
    what, _, how = parsed.note.partition("; ")
    code, wrong = (
        ("ambiguous-number", "could be read more than one way")
        if parsed.kind == AMBIGUOUS
        else ("not-a-number", "is not a number")
    )
    # A cell pasted full of text is quoted by its start: the cell reference says where the rest is.
    quoted = shown if len(shown) <= _QUOTED else shown[: _QUOTED - 3] + "..."
    return finding(
        code,
        f'{who}: "{quoted}" {what or wrong}.',
        f"{how[:1].upper()}{how[1:]}." if how else example,
        sheet=sheet,
        cell=cell,
        value=shown[:80],
    )


_QUOTED = 40


def in_range(i: Indicator, actual: Decimal, sheet: str, cell: str, shown: str, findings: list) -> bool:
    """Whether the figure is possible for its unit; a finding says why when it is not."""
    if i.unit == "%" and not Decimal(0) <= actual <= Decimal(100):
        findings.append(
            finding(
                "percent-out-of-range",
                f"{i.code}: {shown} is not a percentage from 0 to 100.",
                "Type the percentage as a number from 0 to 100, e.g. 12.5 for 12.5%.",
                sheet=sheet,
                cell=cell,
                value=shown,
            )
        )
        return False
    if i.unit in NON_NEGATIVE_UNITS and actual < 0:
        findings.append(
            finding(
                "negative-count",
                f"{i.code}: {shown} is negative, which a {i.unit} cannot be.",
                "Type the figure without a minus sign, or check it.",
                sheet=sheet,
                cell=cell,
                value=shown,
            )
        )
        return False
    if why := implausible(actual, i.unit):
        what, _, how = why.partition("; ")
        findings.append(
            finding(
                "implausible-figure",
                f'{i.code}: "{shown}" {what}.',
                f"{how[:1].upper()}{how[1:]}.",
                sheet=sheet,
                cell=cell,
                value=shown,
            )
        )
        return False
    return True


def plain_number(value: Decimal) -> str:
    """A figure as messages show it: 1,234.5, never 1.2345E+3."""
    return format(value.normalize(), ",f")
