"""Findings: problems found in data, as values (never exceptions).

A finding says what is wrong, where (sheet and cell, or sheet and row), the
value seen, and how to fix it, in words a non-programmer can act on. Validation
of the register and of returns produces lists of these. The catalogue below is
the one list of codes; the README's table of messages is tested against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # ERROR rejects a return (or fails `pipeline check`); WARNING does not
    message: str
    fix: str = ""
    sheet: str = ""
    cell: str = ""  # A1 reference in a workbook, when the problem is in one cell
    row: int | None = None  # 1-based row number, when the problem is a whole row
    value: str = ""

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        if self.sheet and self.row is not None:
            return f"{self.sheet} row {self.row}"
        return self.sheet or "file"

    def line(self) -> str:
        """One line for a person: place, message and fix."""
        text = f"{self.where}: {self.message}" if self.sheet else self.message
        return f"{text} {self.fix}" if self.fix else text


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def finding(code: str, message: str, fix: str = "", **where) -> Finding:
    """Build a finding whose severity comes from the catalogue."""
    severity, _summary = CATALOGUE[code]
    return Finding(code=code, severity=severity, message=message, fix=fix, **where)


def internal_error() -> Finding:
    """A file the pipeline failed on (a bug, not the file's fault). The words are kept true by
    pipeline.chasing.notify, which e-mails the board officer (organisation.board_officer_email) about it."""
    return finding(
        "internal-error",
        "This file could not be checked because of a fault in the pipeline.",
        "Nothing to do yet: the board officer has been told and will contact you.",
    )


# code -> (severity, what it means). Keep in step with the README table.
CATALOGUE: dict[str, tuple[str, str]] = {
    # register (pipeline check)
    "missing-sheet": (ERROR, "a required sheet is missing"),
    "missing-column": (ERROR, "a required column is missing"),
    "duplicate-code": (ERROR, "two rows use the same code or reference, or short names giving the same file names"),
    "malformed-code": (ERROR, "a code is blank or has characters other than letters, digits, '-', '_' and '.'"),
    "malformed-short-name": (ERROR, "a short name has characters other than letters, digits, '-' and '_'"),
    "unknown-partnership": (ERROR, "a row names a partnership that is not on the Partnerships sheet"),
    "no-target": (WARNING, "an indicator has no target, so it is not measurable and will show as No target"),
    "no-target-year": (WARNING, "an indicator has no final target year, so it is not time-bound"),
    "target-worse-than-baseline": (WARNING, "the annual target is worse than the baseline, given the polarity"),
    "profile-not-ending-at-annual": (ERROR, "a cumulative indicator's Q4 target differs from its annual target"),
    "malformed-tolerance": (ERROR, "the tolerance is not a percentage (5%) or an amount (2)"),
    "no-lead": (ERROR, "nobody is named as accountable"),
    "bad-unit": (ERROR, "the unit is not one of the allowed units"),
    "bad-polarity": (ERROR, "the polarity is not one of the allowed values"),
    "bad-frequency": (ERROR, "the frequency is not Quarterly, Six-monthly or Annual"),
    "bad-scheme": (ERROR, "the RAG scheme is not one of 3-level, 4-level, improvement"),
    "bad-number": (ERROR, "a register cell that must hold a number does not"),
    "bad-date": (ERROR, "a register cell that must hold a date does not"),
    "bad-yes-no": (ERROR, "a register cell that must say Yes or No does not"),
    "bad-publish": (ERROR, "an indicator's Publish is not Suppress small numbers, Yes or No"),
    "bad-score": (ERROR, "a likelihood or impact is not a whole number from 1 to 5"),
    "bad-areas": (ERROR, "an indicator's Areas do not name two to six different areas for a gap"),
    "name-too-long": (ERROR, "a partnership's name or short name is far longer than files and reports allow"),
    "no-email": (WARNING, "a partnership has no e-mail address, so it cannot be sent templates or reminders"),
    # the overrides workbook (pipeline check, and the master workbook's Validation sheet)
    "override-outside-scheme": (
        ERROR,
        "an override gives a rating the indicator's scheme does not have; the calculated rating stands",
    ),
    "bad-comparator": (
        ERROR,
        "a comparators row has a bad period, an unknown code, no comparator name, a figure that is not a number or a "
        "Lower CI above its Upper CI, or the comparators workbook cannot be opened safely",
    ),
    # file safety and reading (ingest)
    "empty-file": (ERROR, "the file is empty"),
    "not-a-spreadsheet": (ERROR, "the file is not a spreadsheet"),
    "old-format": (ERROR, "the file is in an old or different spreadsheet format"),
    "encrypted": (ERROR, "the file is password-protected or encrypted"),
    "corrupt": (ERROR, "the file is damaged and cannot be read"),
    "too-large": (ERROR, "the file is far larger than a return can be"),
    "xml-attack": (ERROR, "the file contains XML entity declarations, which returns never need"),
    "unsafe-archive": (ERROR, "the file's internal structure is unsafe (odd or duplicate entry names)"),
    "reader-crashed": (ERROR, "reading the file crashed or ran out of time or memory"),
    "internal-error": (ERROR, "a fault in the pipeline stopped the file being checked; the board officer is e-mailed"),
    "formula-error": (ERROR, "a cell shows a spreadsheet error such as #DIV/0!"),
    "formulas-not-calculated": (ERROR, "formulas in the file have no calculated values"),
    "external-link": (WARNING, "a figure comes from a formula linked to another workbook"),
    "macros-ignored": (WARNING, "the file contains macros; they were not run and are not kept"),
    "hidden-data": (WARNING, "a hidden sheet that is not part of the template holds data"),
    "sheet-skipped": (WARNING, "a chart, macro or dialog sheet was skipped"),
    # recognition
    "not-a-return": (ERROR, "the file is not a return made from this pipeline's template"),
    "unknown-partnership-return": (ERROR, "the return names a partnership that is not in the register"),
    "unknown-period": (ERROR, "the return's period is not one the pipeline knows"),
    "old-template": (ERROR, "the return was made from an out-of-date template version"),
    "register-changed": (WARNING, "the register has changed since the template was made"),
    "reported-period": (WARNING, "a return for a quarter already reported to the board changes its figures"),
    "future-period": (ERROR, "the return is for a quarter that had not started when it arrived"),
    "period-not-ended": (WARNING, "the return is for a quarter still running, so its figures are for part of it"),
    "cover-mismatch": (
        ERROR,
        "the Cover names another partnership or period than the template the return is made from",
    ),
    "renamed-sheet": (ERROR, "a template sheet is missing or has been renamed"),
    "edited-header": (ERROR, "a column header has been changed or removed"),
    "no-data": (ERROR, "the return contains no data"),
    # reading as people type, and validation
    "missing-actual": (ERROR, "an actual is blank and the data quality is not 'Not available'"),
    "not-a-number": (ERROR, "a cell that must hold a number holds something else"),
    "ambiguous-number": (ERROR, "a number could be read more than one way"),
    "percent-out-of-range": (ERROR, "a percentage is below 0 or above 100"),
    "negative-count": (ERROR, "a count, number or amount that cannot be negative is negative"),
    "implausible-figure": (ERROR, "a figure is nearer zero than 0.000000001, or far larger than its unit allows"),
    "outlier": (WARNING, "a value is far from the indicator's history"),
    "off-target-no-commentary": (ERROR, "an indicator off target has no commentary"),
    "off-target-no-remedial-action": (ERROR, "an indicator off target has no remedial action"),
    "bad-data-quality": (ERROR, "the data quality is not one of the allowed values"),
    "unknown-indicator": (ERROR, "an indicator code is not in the register for this partnership"),
    "duplicate-indicator": (ERROR, "an indicator appears twice in the return"),
    "missing-indicator": (WARNING, "an indicator due this period is missing from the return"),
    "retired-indicator": (WARNING, "a row for an indicator taken out of the register since the template was made"),
    "area-sheet-missing": (WARNING, "the Areas sheet is missing, so the gap between areas cannot be reported"),
    "counts-disagree": (
        ERROR,
        "an indicator's Actual does not agree with its numerator and denominator, or the numerator is more than "
        "the denominator of a percentage",
    ),
    "counts-not-used": (
        WARNING,
        "the register asks for a numerator and denominator for an indicator in £ or days, which they do not give",
    ),
    "count-not-whole": (ERROR, "a numerator or denominator is not a whole number"),
    "zero-denominator": (ERROR, "a percentage's or rate's denominator is 0, so its counts give no figure"),
    "counts-incomplete": (
        WARNING,
        "a percentage or rate has a numerator without a denominator (or the reverse), so neither is kept",
    ),
    "missing-area-value": (WARNING, "an area's figure is blank, so the gap for that area is not reported"),
    "unknown-area": (WARNING, "a row on the Areas sheet names an indicator or area not in the register"),
    "action-overdue": (WARNING, "an action is past its due date and not complete"),
    "no-action-update": (WARNING, "an action has no status update this quarter"),
    "bad-status": (ERROR, "an action status is not one of the allowed values"),
    "bad-percent-complete": (ERROR, "a % complete is not a number, or is outside 0 to 100"),
    "bad-likelihood-impact": (ERROR, "a likelihood or impact is not a whole number from 1 to 5"),
    "not-signed-off": (WARNING, "the chair has not signed off the return, so it is provisional"),
    "bad-cover-date": (WARNING, "the date completed is not a date"),
    "text-too-long": (ERROR, "an answer for the highlight report is longer than the report has room for"),
    "bad-overall-status": (ERROR, "the partnership's overall status is not On track, Some concerns or Off track"),
    "duplicate-file": (WARNING, "the same file was received and accepted before"),
    "sender-other-partnership": (WARNING, "the return was e-mailed from an address registered for another partnership"),
    "formula-text": (WARNING, "text starts like a formula; it is kept as text"),
    # pipeline import-history
    "not-yet-history": (ERROR, "an imported figure is for a quarter that has not ended"),
    "differs-from-return": (WARNING, "an imported figure differs from an accepted return's; the return's is kept"),
}
