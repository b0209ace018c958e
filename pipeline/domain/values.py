"""Reading cell values as people type them into Excel: numbers, dates and scores, as typed records.

Pure functions that never raise for any input. A value that could be read more
than one way is reported as ambiguous with a plain-English note, never guessed:
the partnership is asked to retype it, which is cheaper than a wrong figure in
a board paper. Text kept as text (and yes/no) is read in text.py.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

NUMBER = "number"
BLANK = "blank"
NOT_AVAILABLE = "not-available"
INVALID = "invalid"
AMBIGUOUS = "ambiguous"
DATE = "date"
KINDS = (NUMBER, BLANK, NOT_AVAILABLE, INVALID, AMBIGUOUS)

# Larger than any figure a partnership reports; beyond it Decimal arithmetic
# downstream could overflow a context, so it is refused here.
_LIMIT = Decimal("1e15")
_MAX_CHARS = 100
_EXCEL_DIGITS = 15  # significant digits Excel shows
# No return means a figure nearer zero than this: 1e-322 is a formula's rounding residue or a
# slip, and charts and ratio arithmetic cannot show it. The largest figure each unit can mean;
# a percentage is held to 0 to 100 by its own check, the other units to _LIMIT.
SMALLEST = Decimal("1e-9")
LARGEST = {"rate per 1,000": Decimal("1e6"), "days": Decimal("1e7")}


@dataclass(frozen=True)
class Parsed:
    """What a cell holds: kind is one of KINDS; number is set exactly when kind is NUMBER."""

    kind: str
    number: Decimal | None = None
    # When invalid or ambiguous: "<what is wrong>; <what to type>" in plain English, the second
    # half when there is a fix to give. The caller shows the value typed, so the note need not.
    note: str = ""
    # When ambiguous between figures: each figure it could be (0.45 as a percentage: 45 or 0.45).
    readings: tuple[Decimal, ...] = ()


@dataclass(frozen=True)
class ParsedDate:
    """A date cell read: kind is DATE, BLANK, NOT_AVAILABLE, INVALID or AMBIGUOUS; value set exactly for DATE."""

    kind: str
    value: date | None = None
    note: str = ""


_NOT_AVAILABLE = frozenset(
    {
        "n/a",
        "na",
        "n.a.",
        "n.a",
        "n/k",
        "nk",
        "not available",
        "not known",
        "unknown",
        "no data",
        "tbc",
        "tba",
        "awaited",
        "not yet available",
        "-",
        "--",
        "–",
        "—",
        "..",
        "x",
    }
)
# Words that some people use for zero and others for "nothing to report".
_ZERO_OR_NOTHING = frozenset({"nil", "none", "nothing"})
_EXCEL_ERRORS = frozenset(
    {
        "#div/0!",
        "#n/a",
        "#name?",
        "#null!",
        "#num!",
        "#ref!",
        "#value!",
        "#spill!",
        "#calc!",
        "#getting_data",
    }
)
_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")
_DASHES_AS_MINUS = "\u2212\u2013\u2014\ufe63\uff0d"
# Unsigned: the sign is taken off first. A short exponent keeps Decimal arithmetic cheap.
_PLAIN = re.compile(r"^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DIGITS_WITH_SEPARATORS = re.compile(r"^[\d.,' ]*\d[\d.,' ]*$")
_BRACKETED = re.compile(r"^\(\s*£?\s*([\d.,]+)\s*%?\s*\)$")
_HAS_DIGIT = re.compile(r"\d")


def _clean(text: str) -> str:
    """NFKC (full-width digits become ASCII), odd spaces become one space, one leading apostrophe dropped."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return _SPACES.sub(" ", text)


def _number(value: Decimal) -> Parsed:
    if not value.is_finite():
        return Parsed(INVALID, None, "is not a finite number")
    if abs(value) >= _LIMIT:
        return Parsed(INVALID, None, "is far too large to be a figure; check for a typing slip")
    # One spelling per figure (12.5, not 12.500 or 1.25E+1), so outputs show what was meant.
    value = (value + 0).normalize()  # + 0 turns -0 into 0
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        value = value.quantize(Decimal(1))
    return Parsed(NUMBER, value)


def implausible(value: Decimal, unit: str) -> str:
    """Why `value` cannot be a figure in `unit`, as "<what is wrong>; <what to type>"; "" when it can be."""
    size = abs(value)
    if 0 < size < SMALLEST:
        return (
            "is too small to be a figure (nearer zero than 0.000000001); "
            "type the figure as the source gives it, or 0 if it is nothing"
        )
    largest = LARGEST.get(unit, _LIMIT)
    if size > largest:
        return f"is far larger than a figure in {unit} can be (at most {largest:,f}); check for a typing slip"
    return ""


def _show(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if len(text) <= 20 else str(value.normalize())


def parse_number(raw: object, unit: str = "number", *, percent_format: bool = False) -> Parsed:
    """Read a figure as typed: '1,234', '12.5%', ' 7 ', "'12", '£1,200', 'n/a', a float from a cell.

    For unit '%': '12.5%' and 12.5 both give 12.5. A number strictly between 0
    and 1 could be a fraction (0.125 for 12.5%) or a small percentage, so it is
    ambiguous unless `percent_format` says the cell is %-formatted, in which
    case Excel shows it multiplied by 100 and that shown figure is the one read.
    """
    if raw is None:
        return Parsed(BLANK)
    if isinstance(raw, bool):
        return Parsed(INVALID, None, "is TRUE or FALSE, not a number")
    if isinstance(raw, (datetime, date, time, timedelta)):
        return Parsed(INVALID, None, "looks like a date or time, not a number; format the cell as a number")
    if isinstance(raw, (int, float, Decimal)):
        return _from_cell_number(raw, unit, percent_format)
    if not isinstance(raw, str):
        return Parsed(INVALID, None, f"is a {type(raw).__name__}, not a number")
    return _from_text(raw, unit)


def _from_cell_number(raw: int | float | Decimal, unit: str, percent_format: bool) -> Parsed:
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return Parsed(INVALID, None, "is not a finite number")
        # As Excel shows it, to 15 significant digits: 0.1 is Decimal('0.1'), not 0.1000000000000000055...,
        # and a pasted 33.333333333333336 is the 33.3333333333333 on the submitter's screen.
        value = Decimal(int(raw)) if raw.is_integer() and abs(raw) < 1e15 else Decimal(f"{raw:.{_EXCEL_DIGITS}g}")
    else:
        value = Decimal(raw)
    if unit == "%" and value.is_finite():
        if percent_format:
            value = value * 100
        elif 0 < value < 1:
            return Parsed(
                AMBIGUOUS,
                None,
                f"could be a fraction meaning {_show(value * 100)}%, or {_show(value)}%; "
                "type the percentage as a number, e.g. 12.5 for 12.5%",
                (value * 100, value),
            )
    return _number(value)


def _from_text(raw: str, unit: str) -> Parsed:
    if len(raw) > _MAX_CHARS:
        return Parsed(INVALID, None, "is far too long to be a figure")
    text = _clean(raw)
    if not text:
        return Parsed(BLANK)
    key = text.casefold()
    if key in _NOT_AVAILABLE:
        return Parsed(NOT_AVAILABLE)
    if key in _ZERO_OR_NOTHING:
        return Parsed(AMBIGUOUS, None, 'could mean 0 or "not available"; type 0, or n/a if the figure is not available')
    if key in _EXCEL_ERRORS:
        return Parsed(INVALID, None, f"shows the spreadsheet error {text}; fix the formula or type the figure")
    if bracketed := _BRACKETED.match(text):
        inner = bracketed[1]
        figure = _digits(inner.rstrip("%").strip()).number
        return Parsed(
            AMBIGUOUS,
            None,
            "is in brackets, which accountants use for a negative amount; "
            f"type -{inner} for minus {inner}, or {inner} without brackets",
            (-figure, figure) if figure is not None else (),
        )
    if text[0] in _DASHES_AS_MINUS:
        text = "-" + text[1:]
    negative = text.startswith("-")
    body = text[1:].lstrip() if text[0] in "+-" else text
    percent = body.endswith("%")
    if percent:
        body = body[:-1].rstrip()
    pounds = body.startswith("£")
    if pounds:
        body = body[1:].lstrip()
    parsed = _digits(body, "-" if negative else "")
    if parsed.number is None:
        if parsed.kind == INVALID and parse_date(text).kind == DATE:
            return Parsed(INVALID, None, "looks like a date, not a number; type the figure, e.g. 12.5")
        return parsed
    if percent and unit != "%":
        return Parsed(
            AMBIGUOUS,
            None,
            f'has a % sign, but this indicator is not a percentage (its unit is "{unit}"); type the number alone',
        )
    if pounds and unit not in ("£", "number"):
        return Parsed(
            AMBIGUOUS,
            None,
            f'has a £ sign, but this indicator is not money (its unit is "{unit}"); type the number alone',
        )
    value = -parsed.number if negative else parsed.number
    if unit == "%" and not percent and 0 < value < 1:
        return _from_cell_number(value, unit, False)
    return _number(value)


def _digits(body: str, sign: str = "") -> Parsed:
    """The unsigned figure in `body`; `sign` ("-" or "") is the one typed before it, for the
    readings and wording of an ambiguous figure (the caller applies it to a plain one)."""
    if _PLAIN.match(body):
        return _number(Decimal(body))
    if _THOUSANDS.match(body):
        return _number(Decimal(body.replace(",", "")))
    if _DIGITS_WITH_SEPARATORS.match(body):
        if re.fullmatch(r"\d+,\d+", body):
            decimal, whole = sign + body.replace(",", "."), sign + body.replace(",", "")
            return Parsed(
                AMBIGUOUS,
                None,
                f"could use a decimal comma ({decimal}) or be the whole number "
                f"{whole}; type the figure with a full stop for decimals, "
                f"e.g. {decimal}",
                (Decimal(decimal), Decimal(whole)),
            )
        if " " in body:
            return Parsed(AMBIGUOUS, None, "has a space inside the number; type it without spaces")
        return Parsed(
            AMBIGUOUS,
            None,
            "has commas or points in unusual places; type the figure with a full stop "
            "for decimals and no other marks, e.g. 1234.5",
        )
    if _HAS_DIGIT.search(body):
        return Parsed(
            INVALID,
            None,
            "has words or symbols as well as a number; type the number alone and put any explanation in the commentary",
        )
    return Parsed(INVALID, None, "is not a number; type the figure in digits, e.g. 12.5")


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ -]([a-z]+)\.?,?[ -](\d{2}|\d{4})$")
_MONTH_NAME_DAY = re.compile(r"^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")
_DATE_HINT = "type the date as day/month/year, e.g. 31/03/2026"
# Excel's 1900 date system counts 29 February 1900, a day that never was (a Lotus 1-2-3 bug kept for
# compatibility), so serials from 61 on are one day further from 31 December 1899 than they look.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 31 December 9999


def parse_date(raw: object) -> ParsedDate:
    """Read a date as typed: a date cell, an Excel serial, '31/03/2026', '2026-03-31', '31 March 2026', '31-Mar-26'.

    Day first, as in the UK; a date that only makes sense month first (03/31/2026) is ambiguous.
    Two-digit years follow Excel: 00-29 are 2000s, 30-99 are 1900s.
    """
    if raw is None:
        return ParsedDate(BLANK)
    if isinstance(raw, datetime):
        return ParsedDate(DATE, raw.date())
    if isinstance(raw, date):
        return ParsedDate(DATE, raw)
    if isinstance(raw, bool):
        return ParsedDate(INVALID, None, f"is TRUE or FALSE, not a date; {_DATE_HINT}")
    if isinstance(raw, (int, float, Decimal)):
        return _from_serial(raw)
    if not isinstance(raw, str):
        return ParsedDate(INVALID, None, f"is a {type(raw).__name__}, not a date; {_DATE_HINT}")
    if len(raw) > _MAX_CHARS:
        return ParsedDate(INVALID, None, f"is far too long to be a date; {_DATE_HINT}")
    text = _clean(raw).casefold()
    if not text:
        return ParsedDate(BLANK)
    if text in _NOT_AVAILABLE:
        return ParsedDate(NOT_AVAILABLE)
    if match := _ISO.match(text):
        return _checked(int(match[1]), int(match[2]), int(match[3]))
    if match := _NUMERIC.match(text):
        day, month, year = int(match[1]), int(match[2]), _full_year(match[3])
        if month > 12 and day <= 12 and _valid(year, day, month):
            return ParsedDate(AMBIGUOUS, None, f"looks like a US-style date (month first); {_DATE_HINT}")
        return _checked(year, month, day)
    if match := _DAY_MONTH_NAME.match(text):
        return _named(match[3], match[2], match[1])
    if match := _MONTH_NAME_DAY.match(text):
        return _named(match[3], match[1], match[2])
    return ParsedDate(INVALID, None, f"is not a date; {_DATE_HINT}")


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 30 else 1900
    return year


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _checked(year: int, month: int, day: int) -> ParsedDate:
    if not _valid(year, month, day):
        return ParsedDate(INVALID, None, f"is not a real date; {_DATE_HINT}")
    return ParsedDate(DATE, date(year, month, day))


def _named(year: str, month_name: str, day: str) -> ParsedDate:
    month = _MONTHS.get(month_name)
    if month is None:
        return ParsedDate(INVALID, None, f'"{month_name}" is not a month; {_DATE_HINT}')
    return _checked(_full_year(year), month, int(day))


def _from_serial(raw: int | float | Decimal) -> ParsedDate:
    finite = raw.is_finite() if isinstance(raw, Decimal) else isinstance(raw, int) or math.isfinite(raw)
    if not finite or not 1 <= raw < _EXCEL_MAX_SERIAL + 1:
        return ParsedDate(INVALID, None, f"is a number, not a date; {_DATE_HINT}")
    serial = int(raw)  # the fraction is the time of day
    if serial == 60:
        return ParsedDate(
            INVALID, None, f"is 29 February 1900, a date Excel has but the calendar does not; {_DATE_HINT}"
        )
    return ParsedDate(DATE, _EXCEL_EPOCH + timedelta(days=serial if serial > 60 else serial + 1))


def parse_score(raw: object) -> int | None:
    """A likelihood or impact: a whole number 1-5 (3, 3.0, ' 3 '); None for blank or anything else."""
    parsed = parse_number(raw)
    if parsed.number is None or parsed.number != parsed.number.to_integral_value():
        return None
    score = int(parsed.number)
    return score if 1 <= score <= 5 else None
