"""Each row of the register, as the sheet reader gives it (field -> cell value), read into its record.

A cell that is not what its column needs becomes a finding naming sheet, row and value, and
the record gets None (or the column's default) there: the officer sees every problem at once.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from pipeline.domain.findings import finding
from pipeline.domain.records import (
    COUNT_UNITS,
    UNITS,
    Action,
    Frequency,
    Indicator,
    Partnership,
    Polarity,
    Publish,
    Risk,
    Scheme,
    parse_tolerance,
)
from pipeline.domain.text import header_key


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


_LARGEST = Decimal(10) ** 15  # as the return template's validations allow


def _number(row: int, r: dict, field: str, label: str, sheet: str, findings: list) -> Decimal | None:
    value = r.get(field)
    text = _text(value)
    if not text:
        return None
    if not isinstance(value, bool):
        try:
            number = Decimal(text.replace(",", "").rstrip("%").strip())
        except InvalidOperation:
            number = None
        # 'NaN' and 'inf' parse, but are not figures; nor is 1e1000, which no target is and which
        # would overflow the arithmetic of every rating made with it.
        if number is not None and number.is_finite() and abs(number) < _LARGEST:
            return number
    findings.append(
        finding(
            "bad-number",
            f"{label} {text!r} is not a number.",
            "Type a number (no words or units).",
            sheet=sheet,
            row=row,
            value=text,
        )
    )
    return None


def _date(row: int, r: dict, field: str, label: str, sheet: str, findings: list) -> date | None:
    value = r.get(field)
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for form in ("%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(_text(value), form).date()
        except ValueError:
            continue
    findings.append(
        finding(
            "bad-date",
            f"{label} {_text(value)!r} is not a date.",
            "Type a date such as 31/03/2026.",
            sheet=sheet,
            row=row,
            value=_text(value),
        )
    )
    return None


def _choice(row, r, field, label, sheet, enum, code, findings):
    text = _text(r.get(field))
    for member in enum:
        if header_key(member.value) == header_key(text):
            return member
    allowed = ", ".join(m.value for m in enum)
    if text or code != "bad-scheme":
        findings.append(
            finding(
                code,
                f"{label} {text!r} is not one of: {allowed}.",
                f"Choose one of: {allowed}.",
                sheet=sheet,
                row=row,
                value=text,
            )
        )
    return None


def read_partnership(row: int, r: dict) -> Partnership:
    """A Partnerships row as its record."""
    return Partnership(
        name=_text(r["name"]),
        short_name=_text(r["short_name"]),
        chair=_text(r["chair"]),
        lead_officer=_text(r["lead_officer"]),
        email=_text(r["email"]),
        row=row,
    )


# Units a figure is worked out from a numerator and denominator in (pipeline.analysis.intervals).
_COUNTED_UNITS = ("%", "rate per 1,000", *COUNT_UNITS)


def read_indicator(row: int, r: dict, findings: list) -> Indicator:
    """An Indicators row as its record; cells that are not what their column needs become findings."""
    sheet = "Indicators"
    cumulative_text = _text(r["cumulative"]).casefold()
    if cumulative_text not in ("yes", "no", "y", "n", ""):
        findings.append(
            finding(
                "bad-yes-no",
                f"Cumulative {_text(r['cumulative'])!r} is not Yes or No.",
                "Type Yes or No.",
                sheet=sheet,
                row=row,
                value=_text(r["cumulative"]),
            )
        )
    counts_text = _text(r.get("counts")).casefold()
    if counts_text not in ("yes", "no", "y", "n", ""):
        findings.append(
            finding(
                "bad-yes-no",
                f"Numerator and denominator {_text(r.get('counts'))!r} is not Yes or No.",
                "Type Yes if the return should ask for the numerator and denominator, else No or leave it blank.",
                sheet=sheet,
                row=row,
                value=_text(r.get("counts")),
            )
        )
    unit = _text(r["unit"])
    if counts_text in ("yes", "y") and unit in UNITS and unit not in _COUNTED_UNITS:
        findings.append(
            finding(
                "counts-not-used",
                f"{_text(r['code'])} asks for a numerator and denominator, but its unit, {unit}, is not worked out "
                "from them: they would give no check of the Actual and no interval.",
                "Set Numerator and denominator to No, or check the Unit.",
                sheet=sheet,
                row=row,
                value=_text(r.get("counts")),
            )
        )
    tolerance_text = _text(r["tolerance"])
    tolerance = parse_tolerance(r["tolerance"]) if tolerance_text else None
    if tolerance_text and tolerance is None:
        findings.append(
            finding(
                "malformed-tolerance",
                f"Tolerance {tolerance_text!r} is not understood.",
                "Type a percentage of the target such as 5% or an amount such as 2.",
                sheet=sheet,
                row=row,
                value=tolerance_text,
            )
        )
    scheme = (
        _choice(row, r, "scheme", "RAG scheme", sheet, Scheme, "bad-scheme", findings) if _text(r["scheme"]) else None
    )
    return Indicator(
        code=_text(r["code"]),
        title=_text(r["title"]),
        partnership=_text(r["partnership"]),
        unit=_text(r["unit"]),
        polarity=_choice(row, r, "polarity", "Polarity", sheet, Polarity, "bad-polarity", findings) or Polarity.NONE,
        frequency=_choice(row, r, "frequency", "Frequency", sheet, Frequency, "bad-frequency", findings)
        or Frequency.QUARTERLY,
        cumulative=cumulative_text in ("yes", "y"),
        baseline=_number(row, r, "baseline", "Baseline", sheet, findings),
        baseline_period=_text(r["baseline_period"]),
        annual_target=_number(row, r, "annual_target", "Annual target", sheet, findings),
        quarter_targets=(
            _number(row, r, "q1", "Q1 target", sheet, findings),
            _number(row, r, "q2", "Q2 target", sheet, findings),
            _number(row, r, "q3", "Q3 target", sheet, findings),
            _number(row, r, "q4", "Q4 target", sheet, findings),
        ),
        final_target=_number(row, r, "final_target", "Final target", sheet, findings),
        final_target_year=_text(r["final_target_year"]),
        tolerance=tolerance,
        scheme=scheme,
        target_lead=_text(r["target_lead"]),
        delivery_group=_text(r["delivery_group"]),
        data_source=_text(r["data_source"]),
        definition=_text(r["definition"]),
        areas=split_areas(r.get("areas")),
        public_name=_text(r.get("public_name")),
        counts=counts_text in ("yes", "y"),
        publish=_publish(row, r, findings),
        row=row,
    )


def _publish(row: int, r: dict, findings: list) -> Publish:
    """The Publish cell: blank (or no column) suppresses small numbers, the safe default."""
    if not _text(r.get("publish")):
        return Publish.SUPPRESS
    return _choice(row, r, "publish", "Publish", "Indicators", Publish, "bad-publish", findings) or Publish.SUPPRESS


def split_areas(value: object) -> tuple[str, ...]:
    """'Neighbourhood renewal areas; Rest of borough' -> the two names, in order (blanks dropped)."""
    return tuple(name for name in (_text(part) for part in _text(value).split(";")) if name)


def read_action(row: int, r: dict, findings: list) -> Action:
    """An Actions row as its record; a date that is not a date becomes a finding."""
    return Action(
        ref=_text(r["ref"]),
        partnership=_text(r["partnership"]),
        action=_text(r["action"]),
        owner=_text(r["owner"]),
        start=_date(row, r, "start", "Start date", "Actions", findings),
        due=_date(row, r, "due", "Due date", "Actions", findings),
        row=row,
    )


def _score(row: int, r: dict, field: str, label: str, findings: list) -> int | None:
    value = r.get(field)
    if value is None or _text(value) == "":
        return None
    try:
        number = Decimal(_text(value))
    except InvalidOperation:
        number = Decimal(-1)
    if number.is_finite() and number == number.to_integral_value() and 1 <= number <= 5:
        return int(number)
    findings.append(
        finding(
            "bad-score",
            f"{label} {_text(value)!r} is not a whole number from 1 to 5.",
            "Type 1, 2, 3, 4 or 5.",
            sheet="Risks",
            row=row,
            value=_text(value),
        )
    )
    return None


def read_risk(row: int, r: dict, findings: list) -> Risk:
    """A Risks row as its record; a score that is not 1 to 5 becomes a finding."""
    return Risk(
        ref=_text(r["ref"]),
        partnership=_text(r["partnership"]),
        risk=_text(r["risk"]),
        owner=_text(r["owner"]),
        likelihood=_score(row, r, "likelihood", "Likelihood", findings),
        impact=_score(row, r, "impact", "Impact", findings),
        mitigation=_text(r["mitigation"]),
        row=row,
    )
