"""Typed records shared by the stages: what the register says about each
partnership, indicator, action and risk.

Figures that are compared with targets are Decimal, so that 76 against a target
of 80 with 5% tolerance is exactly on the tolerance edge, never a hair over it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum


class Polarity(str, Enum):
    HIGHER = "Higher is better"
    LOWER = "Lower is better"
    NONE = "No polarity"


class Frequency(str, Enum):
    QUARTERLY = "Quarterly"
    SIX_MONTHLY = "Six-monthly"
    ANNUAL = "Annual"

    def due_in(self, quarter: int) -> bool:
        """Whether an indicator of this frequency is reported in quarter 1-4."""
        if self is Frequency.QUARTERLY:
            return True
        if self is Frequency.SIX_MONTHLY:
            return quarter in (2, 4)
        return quarter == 4


class Publish(str, Enum):
    """The register's Publish column: whether an indicator's figures may go out to the public."""

    SUPPRESS = "Suppress small numbers"  # the default: a count below the threshold is hidden
    YES = "Yes"  # published as it is: no disclosure risk (homes built, say)
    NO = "No"  # never in a public output; the page says how many were withheld


class Scheme(str, Enum):
    THREE_LEVEL = "3-level"
    FOUR_LEVEL = "4-level"
    IMPROVEMENT = "improvement"


# Units whose figures count people or events, which statistical disclosure control hides when small.
COUNT_UNITS = ("count", "number")
UNITS = ("number", "%", "rate per 1,000", "£", "days", "count")
# Units whose values cannot be negative (a rate or a percentage can't be either).
NON_NEGATIVE_UNITS = ("%", "rate per 1,000", "count", "days")


@dataclass(frozen=True)
class Tolerance:
    """How far from target still counts as 'near': a share of the target or an amount."""

    amount: Decimal
    is_percent: bool

    def band(self, target: Decimal) -> Decimal:
        """The tolerance as an amount in the indicator's unit, for this target."""
        if self.is_percent:
            return abs(target) * self.amount / Decimal(100)
        return self.amount

    def __str__(self) -> str:
        text = format(self.amount.normalize(), "f")
        return f"{text}%" if self.is_percent else text


_TOLERANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


def parse_tolerance(text: object) -> Tolerance | None:
    """Read '5%', '5 %', '2' or 2.5 as a Tolerance; None if it is not one.

    A fraction typed into a percentage-formatted Excel cell arrives as 0.05 with
    no sign; it is read as an amount, which is what the cell holds.
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, (int, float, Decimal)):
        try:
            value = Decimal(str(text))
        except InvalidOperation:
            return None
        return Tolerance(value, False) if value >= 0 else None
    match = _TOLERANCE.match(str(text))
    if not match:
        return None
    return Tolerance(Decimal(match.group(1)), bool(match.group(2)))


@dataclass(frozen=True)
class Partnership:
    name: str
    short_name: str
    chair: str
    lead_officer: str
    email: str
    row: int = 0  # row on the register's Partnerships sheet, for messages


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    partnership: str  # short name of the owning partnership
    unit: str
    polarity: Polarity
    frequency: Frequency
    cumulative: bool
    baseline: Decimal | None
    baseline_period: str
    annual_target: Decimal | None
    quarter_targets: tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]
    final_target: Decimal | None
    final_target_year: str
    tolerance: Tolerance | None  # None: use the default from config.toml
    scheme: Scheme | None  # None: use the default from config.toml
    target_lead: str
    delivery_group: str
    data_source: str
    definition: str
    # Narrowing the gap: the areas reported separately, the last being the one the others are
    # compared with (e.g. ("Neighbourhood renewal areas", "Rest of borough")); () for most indicators.
    areas: tuple[str, ...] = ()
    # The plain-English name on the public summary ('Children in the care of the council' for
    # 'Looked-after children'); "" when the register gives none, and the title is used.
    public_name: str = ""
    # The register's optional "Numerator and denominator" (Yes): the return asks for both, for a 95%
    # interval (Wilson, Byar) and the comparators; the Actual must agree with them.
    counts: bool = False
    publish: Publish = Publish.SUPPRESS
    row: int = 0  # row on the register's Indicators sheet, for messages

    @property
    def plain_name(self) -> str:
        """The name the public reads: the register's Public name, else the Title."""
        return self.public_name or self.title

    @property
    def gap_pairs(self) -> tuple[tuple[str, str], ...]:
        """(area, the area it is compared with) for each gap this indicator reports."""
        if len(self.areas) < 2:
            return ()
        return tuple((area, self.areas[-1]) for area in self.areas[:-1])


@dataclass(frozen=True)
class Action:
    ref: str
    partnership: str
    action: str
    owner: str
    start: date | None
    due: date | None
    row: int = 0


@dataclass(frozen=True)
class Risk:
    ref: str
    partnership: str
    risk: str
    owner: str
    likelihood: int | None
    impact: int | None
    mitigation: str
    row: int = 0


# Fields left out of Register.rows_hash: the row number, and the public name and Publish, which no
# return template shows, so setting them does not make the partnerships' returns out of date.
UNHASHED = ("row", "public_name", "publish")
# Fields hashed only when they differ from their default, so a register without the newer optional
# columns keeps the hash its partnerships' templates carry (a Yes does change the template).
UNHASHED_DEFAULTS = (("counts", False),)


@dataclass(frozen=True)
class Register:
    partnerships: tuple[Partnership, ...]
    indicators: tuple[Indicator, ...]
    actions: tuple[Action, ...]
    risks: tuple[Risk, ...]
    source: str = ""  # the workbook it was read from
    digest: str = ""  # SHA-256 of the workbook's bytes
    by_code: dict[str, Indicator] = field(default_factory=dict, compare=False, repr=False)
    # Memo of rows_hash: about 4 ms a partnership, and the register cache keeps it. Not an init
    # field, so a register made with dataclasses.replace starts without its original's hashes.
    _rows_hashes: dict[str, str] = field(default_factory=dict, init=False, compare=False, repr=False)
    # Each partnership's rows, as indicators_of and its kin give them: ingest asks for them for
    # every return, and a county register has hundreds of rows to filter.
    _rows_of: dict[tuple[str, str], tuple] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_code.update({i.code: i for i in self.indicators})

    def partnership(self, short_name: str) -> Partnership | None:
        wanted = short_name.strip().casefold()
        for p in self.partnerships:
            if p.short_name.casefold() == wanted or p.name.casefold() == wanted:
                return p
        return None

    def rows_hash(self, short_name: str) -> str:
        """SHA-256 of the rows a partnership's template is made from, as canonical JSON: the
        templates carry it, so a return can tell whether the register changed since.

        Row numbers are left out and rows are sorted, so re-ordering the register does not
        change the hash; changing any value does.
        """
        if short_name not in self._rows_hashes:
            partnership = self.partnership(short_name)

            def rows(records, key):
                return sorted(
                    (
                        {k: v for k, v in asdict(r).items() if k not in UNHASHED and (k, v) not in UNHASHED_DEFAULTS}
                        for r in records
                    ),
                    key=lambda d: d[key],
                )

            canonical = {
                "partnership": asdict(partnership) if partnership else None,
                "indicators": rows(self.indicators_of(short_name), "code"),
                "actions": rows(self.actions_of(short_name), "ref"),
                "risks": rows(self.risks_of(short_name), "ref"),
            }
            text = json.dumps(canonical, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
            self._rows_hashes[short_name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self._rows_hashes[short_name]

    def indicators_of(self, short_name: str) -> tuple[Indicator, ...]:
        return self._of("indicators", short_name)

    def actions_of(self, short_name: str) -> tuple[Action, ...]:
        return self._of("actions", short_name)

    def risks_of(self, short_name: str) -> tuple[Risk, ...]:
        return self._of("risks", short_name)

    def _of(self, kind: str, short_name: str) -> tuple:
        key = (kind, short_name)
        if key not in self._rows_of:
            self._rows_of[key] = tuple(r for r in getattr(self, kind) if r.partnership == short_name)
        return self._rows_of[key]
