"""Text from cells as a person meant it, yes/no answers, and text made safe from being taken for a formula.

Pure functions that never raise for any input; values.py reads figures and dates.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time
from decimal import Decimal

# C0 controls other than tab and newline: XML (so xlsx and docx) cannot hold them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_text(raw: object) -> str:
    """A text cell as a person meant it: trimmed, one leading apostrophe dropped, odd spaces and line ends normalised.

    Numbers read back as typed (12, not 12.0), dates as 31/03/2026.
    """
    if type(raw) is str and raw.isprintable():
        # Nearly every text cell: no line ends, odd spaces or control characters to normalise
        # (isprintable is False for each of them), and ingest reads hundreds per return.
        text = raw.strip()
        return text[1:].strip() if text.startswith("'") else text
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, int):
        # Via Decimal: str() of an int over 4,300 digits raises in Python 3.11.
        return format(Decimal(raw), "f")
    if isinstance(raw, Decimal):
        return format(raw, "f") if raw.is_finite() else str(raw)
    if isinstance(raw, datetime):
        return f"{raw:%d/%m/%Y}" if raw.time() == time(0) else f"{raw:%d/%m/%Y %H:%M}"
    if isinstance(raw, date):
        return f"{raw:%d/%m/%Y}"
    text = raw if isinstance(raw, str) else str(raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u202f", " ")
    text = _CONTROL.sub("", text).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return text


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


_PLAIN_SIGNED = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?$")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula; a plain number such as '-5' is not one."""
    # Spaces are skipped because some programs trim them before deciding what a cell holds.
    stripped = text.lstrip(" ")
    return stripped.startswith(_FORMULA_START) and not _PLAIN_SIGNED.match(stripped)


def safe_for_sheet(text: str) -> str:
    """Text made safe for a CSV cell: a leading apostrophe stops a formula or link from being formed.

    Only for CSV. xlsx writers must use xlsxwriter's write_string (never write()),
    which stores text as text; an apostrophe there would show in the cell.
    """
    return "'" + text if looks_like_formula(text) else text


_YES = frozenset({"yes", "y", "true", "1", "✓", "✔", "x"})
_NO = frozenset({"no", "n", "false", "0"})


def parse_yes_no(raw: object) -> bool | None:
    """Yes/No as typed ('Yes', 'y', TRUE, 1, a tick); None when blank or anything else."""
    if isinstance(raw, bool):
        return raw
    key = parse_text(raw).casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def header_key(label: object) -> str:
    """Fold a header so 'Q1 Target', 'q1  target' and 'Q1-target' match."""
    return _header_key(str(label or ""))


@functools.lru_cache(maxsize=4096)  # ingest folds the same few labels for every row of every return
def _header_key(label: str) -> str:
    text = label.casefold().replace("&", "and")
    text = re.sub(r"\(.*?\)", "", text)  # '(1-5)' is a hint, not part of the name
    return re.sub(r"[^a-z0-9£%]+", "", text)
