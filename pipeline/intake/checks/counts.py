"""Numerator and denominator: for an indicator whose register row asks for them, the counts its figure
is worked out from. The Actual must agree with them to the precision it is typed in, or is worked
out from them when left blank; a disagreement is an error naming the three cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pipeline.domain.findings import Finding, finding
from pipeline.domain.records import Indicator
from pipeline.domain.values import AMBIGUOUS, BLANK, INVALID, NOT_AVAILABLE, NUMBER, Parsed, parse_number
from pipeline.domain.wording import figure
from pipeline.intake.checks.cells import unreadable
from pipeline.intake.recognise import Table
from pipeline.returns.layout import COUNT_HEADERS

_PER = {"%": Decimal(100), "rate per 1,000": Decimal(1000)}
_NAME = {"%": "%", "rate per 1,000": "rate"}
_WORKED_OUT = Decimal("0.01")  # an Actual worked out from the counts is kept to 2 decimal places


@dataclass(frozen=True)
class Counts:
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    worked_out: Parsed | None = None  # the Actual the counts give, when the Actual was left blank


def worked_out(unit: str, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    """The figure the counts give in the indicator's unit; None when they give none (no denominator
    for a percentage or a rate, or a unit such as £ that is not a count)."""
    if unit in _PER:
        return None if not denominator else numerator / denominator * _PER[unit]
    return numerator if unit in ("count", "number") else None


def _precision(parsed: Parsed, shown: str) -> Decimal:
    """Half a unit in the last place of the Actual as typed: 6.5 agrees with anything from 6.45 to 6.55."""
    text = shown.rstrip("%").replace(",", "").strip()
    places = len(text.partition(".")[2]) if "." in text else 0
    return Decimal(5) / Decimal(10) ** (places + 1)


def read_counts(table: Table, row: int, i: Indicator, parsed: Parsed, shown: str, findings: list[Finding]) -> Counts:
    """The row's numerator and denominator, and the Actual they give when it is blank; findings for
    counts that are not numbers, negative, or disagree with the Actual."""
    if not i.counts or not all(label in table.columns for label in COUNT_HEADERS):
        return Counts()  # a template made before the register asked for them: nothing to read
    sheet = table.sheet.name
    read: dict[str, Decimal | None] = {}
    before = len(findings)  # a count refused above is named already; its partner is not "incomplete"
    for label in COUNT_HEADERS:
        raw = table.cell(row, label)
        got = parse_number(raw, "count")
        cell = table.a1(row, label)
        if got.kind in (INVALID, AMBIGUOUS):
            findings.append(
                unreadable(f"{i.code} {label.lower()}", got, str(raw), sheet, cell, "Type a number, e.g. 1234.")
            )
            read[label] = None
        elif got.kind == NUMBER and got.number is not None and got.number < 0:
            findings.append(
                finding(
                    "negative-count",
                    f"{i.code}: the {label.lower()} {figure(got.number, 'number')} is negative, which a count cannot be.",
                    "Type the count without a minus sign, or check it.",
                    sheet=sheet,
                    cell=cell,
                    value=str(raw),
                )
            )
            read[label] = None
        elif got.kind == NUMBER and got.number is not None and got.number != got.number.to_integral_value():
            # A share of a person is a slip; the exact Poisson interval would round it away unseen.
            findings.append(
                finding(
                    "count-not-whole",
                    f"{i.code}: the {label.lower()} {figure(got.number, 'number')} is not a whole number, "
                    "which a count of people or events is.",
                    "Type the whole count, not a rate or a percentage.",
                    sheet=sheet,
                    cell=cell,
                    value=str(raw),
                )
            )
            read[label] = None
        else:
            read[label] = got.number
    numerator, denominator = read["Numerator"], read["Denominator"]
    if i.unit in _PER and (numerator is None) != (denominator is None) and len(findings) == before:
        typed, missing = ("Numerator", "Denominator") if denominator is None else ("Denominator", "Numerator")
        findings.append(
            finding(
                "counts-incomplete",
                f"{i.code}: the {typed.lower()} is given without the {missing.lower()}, so neither is kept "
                "and the figure has no interval.",
                f"Give the {missing.lower()} too, or clear the {typed.lower()}.",
                sheet=sheet,
                cell=table.a1(row, missing),
            )
        )
        return Counts()
    if numerator is None:
        return Counts(None, denominator)
    if i.unit in _PER and denominator == 0:
        findings.append(
            finding(
                "zero-denominator",
                f"{i.code}: the denominator is 0, so the numerator gives no {_NAME[i.unit]}.",
                "Type the denominator (the whole the numerator is part of), or clear both counts.",
                sheet=sheet,
                cell=table.a1(row, "Denominator"),
                value=str(table.cell(row, "Denominator")),
            )
        )
        return Counts()
    if i.unit == "%" and denominator is not None and numerator > denominator:
        findings.append(
            finding(
                "counts-disagree",
                f"{i.code}: the numerator {figure(numerator, 'number')} ({table.a1(row, 'Numerator')}) is more than "
                f"the denominator {figure(denominator, 'number')} ({table.a1(row, 'Denominator')}): a percentage "
                "cannot be over 100.",
                "Check which is which: the numerator is the part, the denominator the whole.",
                sheet=sheet,
                cell=table.a1(row, "Numerator"),
                value=str(numerator),
            )
        )
        return Counts(None, None)
    given = worked_out(i.unit, numerator, denominator)
    if given is None:
        return Counts(numerator, denominator)
    if parsed.kind in (BLANK, NOT_AVAILABLE):
        value = given.quantize(_WORKED_OUT, rounding=ROUND_HALF_UP).normalize()
        return Counts(numerator, denominator, Parsed(NUMBER, value))
    actual = parsed.number
    if parsed.kind == NUMBER and actual is not None and abs(actual - given) > _precision(parsed, shown):
        findings.append(
            finding(
                "counts-disagree",
                f"{i.code}: the Actual {shown} ({table.a1(row, 'Actual')}) does not agree with the numerator "
                f"{figure(numerator, 'number')} ({table.a1(row, 'Numerator')}) and denominator "
                f"{figure(denominator, 'number')} ({table.a1(row, 'Denominator')}), which give "
                f"{figure(given.quantize(_WORKED_OUT, rounding=ROUND_HALF_UP).normalize(), i.unit)}.",
                "Correct the Actual, the numerator or the denominator; or leave the Actual blank to have it worked out.",
                sheet=sheet,
                cell=table.a1(row, "Actual"),
                value=shown,
            )
        )
    return Counts(numerator, denominator)
