"""UK financial-year quarters: `2025-26 Q1` is April to June 2025.

Periods are parsed from the forms people type and give the arithmetic the
stages need: previous quarter, same quarter last year, start and end dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from pipeline.domain.errors import PeriodError

ACCEPTED_FORMS = "2025-26 Q1, 2025/26 Q1, Q1 2025-26 or 2025-26-Q1"

_YEAR = r"(?P<y1>\d{4})\s*[-/–]\s*(?P<y2>\d{2}|\d{4})"
_QUARTER = r"Q(?P<q>[1-4])"
_FORMS = (
    re.compile(rf"^{_YEAR}\s*[- ]?\s*{_QUARTER}$", re.IGNORECASE),
    re.compile(rf"^{_QUARTER}\s*[- ]?\s*{_YEAR}$", re.IGNORECASE),
)


@dataclass(frozen=True, order=True)
class Period:
    """A quarter of a UK financial year (April to March)."""

    year: int  # the calendar year the financial year starts in: 2025 for 2025-26
    quarter: int  # 1 = Apr-Jun, 2 = Jul-Sep, 3 = Oct-Dec, 4 = Jan-Mar

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise PeriodError(f"Quarter {self.quarter} does not exist.", fix="Use Q1 to Q4.")

    def __str__(self) -> str:
        return _name(self.year, self.quarter)

    @property
    def fy(self) -> str:
        """The financial year, e.g. '2025-26'."""
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def slug(self) -> str:
        """A form safe for file and folder names: '2025-26-Q1'."""
        return f"{self.fy}-Q{self.quarter}"

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.quarter - 1)
        year = self.year
        if month > 12:
            month -= 12
            year += 1
        return date(year, month, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def label(self) -> str:
        """Months covered, for people: 'April to June 2025'."""
        return f"{self.start:%B} to {self.end:%B %Y}"

    def next(self) -> Period:
        if self.quarter == 4:
            return Period(self.year + 1, 1)
        return Period(self.year, self.quarter + 1)

    def previous(self) -> Period:
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def same_last_year(self) -> Period:
        return Period(self.year - 1, self.quarter)

    def previous_due(self, due_in) -> Period:
        """The last earlier quarter in which an indicator is reported (`due_in(quarter)`):
        the quarter before for quarterly figures, six months back for six-monthly ones."""
        earlier = self.previous()
        while not due_in(earlier.quarter):
            earlier = earlier.previous()
        return earlier

    def back(self, n: int) -> list[Period]:
        """This period and the n-1 before it, oldest first."""
        periods = [self]
        for _ in range(n - 1):
            periods.append(periods[-1].previous())
        return periods[::-1]


# A report names its periods tens of thousands of times (every figure is looked up by its period's
# name) and there are only a few dozen of them: each name is made once.
@cache
def _name(year: int, quarter: int) -> str:
    return f"{year}-{(year + 1) % 100:02d} Q{quarter}"


@cache
def stored_period(text: str) -> Period:
    """The period a stored figure names (as str(Period) wrote it): read once a name, not once a figure."""
    return parse_period(text)


def parse_period(text: str) -> Period:
    """Read a period in any of the accepted forms, or explain what is accepted."""
    cleaned = " ".join(str(text).split())
    for form in _FORMS:
        match = form.match(cleaned)
        if not match:
            continue
        y1 = int(match.group("y1"))
        y2 = int(match.group("y2"))
        if y2 != (y1 + 1 if y2 >= 100 else (y1 + 1) % 100):
            raise PeriodError(
                f'"{text}" is not a financial year: {y1} must be followed by {y1 + 1}.',
                fix=f"Use the form {ACCEPTED_FORMS}.",
            )
        if not 1990 <= y1 <= 2099:  # a typing slip, and beyond the dates the calendar can count in
            raise PeriodError(
                f'"{text}" is not a reporting period: the year {y1} is out of range.',
                fix=f"Use the form {ACCEPTED_FORMS}, for a year from 1990-91 to 2099-00.",
            )
        return Period(y1, int(match.group("q")))
    raise PeriodError(f'"{text}" is not a period.', fix=f"Use one of: {ACCEPTED_FORMS}.")


def period_containing(day: date) -> Period:
    """The quarter a calendar date falls in."""
    year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return Period(year, quarter)


def last_completed(today: date) -> Period:
    """The most recent quarter that has ended: the one returns are due for."""
    return period_containing(today).previous()
