"""The Cover sheet: who completed the return, when, whether the chair signed it off, and the
optional answers for the highlight report."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.domain.findings import Finding, finding
from pipeline.domain.history import Highlights
from pipeline.domain.text import header_key, looks_like_formula, parse_text, parse_yes_no
from pipeline.domain.values import BLANK, DATE, parse_date
from pipeline.intake.read.reader import Sheet
from pipeline.returns import layout as T


@dataclass(frozen=True)
class Cover:
    """The Cover's answers: the text ones by label, the date as ISO text (None when blank or not a date)."""

    text: dict[str, str]
    date_completed: str | None
    signed_off: bool
    highlights: Highlights = Highlights()


def read_cover(sheet: Sheet, findings: list[Finding]) -> Cover:
    """The Cover's answers, with findings for a date that is not one, no sign-off, and formula-like text."""
    label_col, value_col = T.COVER_LABEL_COLUMN - 1, T.COVER_VALUE_COLUMN - 1
    where: dict[str, int] = {}
    for (r, c), value in sheet.cells.items():
        if c == label_col and isinstance(value, str):
            where.setdefault(header_key(value), r)
    text_by_label: dict[str, str] = {}
    date_completed: str | None = None
    signed_off = False
    for label in T.COVER_LABELS:
        row = where.get(header_key(label))
        raw = sheet.value(row, value_col) if row is not None else None
        cell = sheet.a1(row, value_col) if row is not None else ""
        if label == "Date completed":
            parsed = parse_date(raw)
            if parsed.kind not in (DATE, BLANK):
                findings.append(
                    finding(
                        "bad-cover-date",
                        f"Date completed {parse_text(raw)!r} is not a date.",
                        "Type the date as 31/03/2026.",
                        sheet=sheet.name,
                        cell=cell,
                        value=parse_text(raw),
                    )
                )
            date_completed = parsed.value.isoformat() if parsed.value is not None else None  # set exactly for DATE
        elif label.startswith("Signed off"):
            signed = parse_yes_no(raw)
            if signed is not True:
                findings.append(
                    finding(
                        "not-signed-off",
                        "The chair has not signed off this return, so its figures are provisional.",
                        "When the chair has agreed it, choose Yes and send the return again.",
                        sheet=sheet.name,
                        cell=cell,
                        value=parse_text(raw),
                    )
                )
            signed_off = signed is True
        else:
            text_by_label[label] = text = parse_text(raw)
            _formula_like(label, text, sheet, cell, findings)
    return Cover(text_by_label, date_completed, signed_off, _highlights(sheet, where, findings))


def _formula_like(label: str, text: str, sheet: Sheet, cell: str, findings: list[Finding]) -> None:
    if text and looks_like_formula(text) and text.lstrip()[:1] in ("=", "@", "\uff1d", "\uff20"):
        findings.append(
            finding(
                "formula-text",
                f"{label} starts with {text[:1]!r}, like a formula; it is kept as plain text.",
                "No action is needed unless you meant something else.",
                sheet=sheet.name,
                cell=cell,
                value=text[:80],
            )
        )


def _highlights(sheet: Sheet, where: dict[str, int], findings: list[Finding]) -> Highlights:
    """The optional answers for the highlight report, each checked; a label the Cover lacks (a template
    sent out before they were asked) is an answer left blank."""
    value_col = T.COVER_VALUE_COLUMN - 1
    answers: dict[str, str] = {}
    for label in T.HIGHLIGHT_LABELS:
        row = where.get(header_key(label))
        if row is None:
            answers[label] = ""
            continue
        text = parse_text(sheet.value(row, value_col))
        cell = sheet.a1(row, value_col)
        if label in T.HIGHLIGHT_TEXT_LABELS:
            _formula_like(label, text, sheet, cell, findings)
            if len(text) > T.HIGHLIGHT_TEXT_LIMIT:
                findings.append(
                    finding(
                        "text-too-long",
                        f"{label} has {len(text):,} characters; the highlight report has room for "
                        f"{T.HIGHLIGHT_TEXT_LIMIT:,}.",
                        f"Shorten it to {T.HIGHLIGHT_TEXT_LIMIT:,} characters or fewer (the main points for "
                        "the board) and send the return again.",
                        sheet=sheet.name,
                        cell=cell,
                        value=text[:80],
                    )
                )
        elif text:
            known = {header_key(status): status for status in T.OVERALL_STATUSES}
            status = known.get(header_key(text))
            if status is None:
                findings.append(
                    finding(
                        "bad-overall-status",
                        f"Overall status {text!r} is not one of {', '.join(T.OVERALL_STATUSES)}.",
                        "Choose the partnership's overall status from the list, or leave it blank.",
                        sheet=sheet.name,
                        cell=cell,
                        value=text[:80],
                    )
                )
            text = status or ""
        answers[label] = text
    return Highlights(*(answers[label] for label in T.HIGHLIGHT_LABELS))
