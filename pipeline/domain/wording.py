"""Times, counts, differences and figures in their units as a board member reads them, for the Word
documents and the public summary.

The store keeps every time in UTC ("2025-10-20T10:00:00Z"), which suits sorting and
spreadsheets; people read "20 October 2025 at 11:00" in UK local time. The conversion
uses the IANA zone Europe/London, so the clocks' change in March and October is right
(the tzdata package supplies the zone where the system has none, e.g. on Windows).
Everything is derived from the stamp given, never from the clock, so the same data
gives the same words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from pathlib import PurePath

UK_ZONE = "Europe/London"


@functools.lru_cache(maxsize=1)
def uk_zone() -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(UK_ZONE)


def parse_stamp(stamp: str) -> datetime | None:
    """A stored ISO time as an aware datetime (UTC when it names no zone); None if it is not one."""
    try:
        moment = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def uk_time(stamp: str) -> str:
    """'20 October 2025 at 11:00': a stored time in UK local time (BST or GMT); '' for none.

    A stamp that is not an ISO time is shown as stored rather than dropped; a date alone (an
    override's day, when it is the latest thing a report knows) is shown without a time.
    """
    day = _plain_iso_date(stamp)
    if day is not None:
        return plain_date(day)
    moment = parse_stamp(stamp)
    if moment is None:
        return (stamp or "").strip()
    local = moment.astimezone(uk_zone())
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _plain_iso_date(stamp: str) -> date | None:
    text = (stamp or "").strip()
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def uk_today() -> date:
    """Today as people in the UK count it: the deadlines and the quarter being collected turn on it,
    and just after midnight in summer the machine's UTC date is still yesterday."""
    return datetime.now(uk_zone()).date()


def uk_day(stamp: str) -> date | None:
    """The UK local date of a stored time: what 'received on' and 'sent on' mean to the people
    told (a return at 00:30 BST on 22 July arrived on the 22nd, though its UTC date is the 21st)."""
    moment = parse_stamp(stamp)
    return moment.astimezone(uk_zone()).date() if moment else None


def uk_date(stamp: str) -> str:
    """'20 October 2025': the UK local date of a stored time (not the UTC date, which differs before 1 a.m. BST)."""
    moment = parse_stamp(stamp)
    if moment is None:
        return (stamp or "").strip()
    local = moment.astimezone(uk_zone())
    return f"{local.day} {local:%B %Y}"


def plain_date(day: date) -> str:
    """'4 November 2025' (strftime's %-d is not portable)."""
    return f"{day.day} {day:%B %Y}"


def letter_date(day: date) -> str:
    """'Tuesday 4 November 2025': the form used in letters and on the return's Guidance sheet."""
    return f"{day:%A} {plain_date(day)}"


def plural(count: int, word: str, many: str = "") -> str:
    """'1 return', '2 returns', '0 returns'; `many` for a word that does not just add an s."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def percent(part: int, whole: int) -> Decimal:
    """`part` of `whole` as a whole percentage, a half to even; 100 when there is nothing to count
    (a return's completeness: due indicators with a figure, of those due)."""
    if not whole:
        return Decimal(100)
    return (Decimal(part) * 100 / whole).quantize(Decimal("1"))


def were(count: int) -> str:
    return "was" if count == 1 else "were"


# Control characters (line breaks, tab, NUL, escape, NEL U+0085) and the line and paragraph
# separators U+2028 and U+2029: each run becomes one space.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")  # a byte that was not UTF-8, kept by surrogateescape


def clean_name(name: str) -> str:
    """A name someone else chose (a submitted file's), safe to put in a mail header, an attachment,
    a file name, a status row or a log line: line breaks and control characters become a space;
    invisible format characters (bidi overrides and isolates, which can show 'xlsx.exe' as
    'exe.xlsx', zero-width spaces and joiners, byte-order marks) are dropped; a byte that was not
    UTF-8 becomes U+FFFD; letters are composed one way (NFC). A clean name is left as it is."""
    return one_line(name) or "unnamed file"


def one_line(text: str) -> str:
    """clean_name for any text bound for a header or a log line; '' stays ''."""
    text = unicodedata.normalize("NFC", _SURROGATES.sub("\ufffd", text))
    return _BREAKS.sub(" ", "".join(c for c in text if unicodedata.category(c) != "Cf")).strip()


# How incoming/ and the archive store a file: receipt time, a digest and a copy number in
# front of the sender's name ('20251020T090000Z-bfb20eeba71b-CYP Q2.xlsx').
STORED_AT = re.compile(r"^(\d{8}T\d{6}Z)-[0-9a-f]{12}(?:\.\d+)?-(.+)$")


def shown_name(path: PurePath | str) -> str:
    """A stored file's name as its sender knows it: without the receipt time and digest in front
    (STORED_AT), which mean nothing to them. Cleaned (clean_name): it goes into mail headers and
    attachments."""
    name = PurePath(path).name
    found = STORED_AT.match(name)
    return clean_name(found.group(2) if found else name)


def figure(value: Decimal | None, unit: str, missing: str = "No data") -> str:
    """A figure in its unit, as every document and the public summary write it: 72.5%, £1,200,
    14 days, 1 day, 22.55 per 1,000, 3,456; `missing` when there is none."""
    if value is None:
        return missing
    text = format(value.normalize(), ",f")
    if text == "-0":
        text = "0"
    if unit == "%":
        return f"{text}%"
    if unit == "£":
        if "." in text:  # pence: always two places, as money is written
            text = format(value.quantize(Decimal("0.01")), ",f")
        return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"
    if unit == "days":
        return "1 day" if value == 1 else f"{text} days"
    if unit.startswith("rate "):  # 'rate per 1,000': the figure is read '22.55 per 1,000'
        return f"{text} {unit.removeprefix('rate ').strip()}"
    return text


def difference(value: Decimal | None, unit: str, missing: str = "No data") -> str:
    """A difference between two figures: in percentage points for a % unit (16.2% - 10.2% is 6 points,
    not 6%), else in the unit as figure writes it."""
    if value is None or unit != "%":
        return figure(value, unit, missing)
    return f"{figure(value, 'number')} percentage point{'' if abs(value) == 1 else 's'}"
