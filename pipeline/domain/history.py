"""What the history keeps, as the stages pass it: files and their verdicts, accepted returns with
their figures, action and risk updates, and the messages sent.

The store turns these into rows and back; nothing here knows how they are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pipeline.domain.calendar import part_quarter
from pipeline.domain.periods import stored_period
from pipeline.domain.verdicts import Verdict


@dataclass(frozen=True)
class FileRecord:
    """A file that entered the inbox: where it is now, and what became of it."""

    id: int
    sha256: str
    name: str  # the name it arrived with
    size: int
    received_at: str  # when it landed in the inbox (UTC, ISO)
    location: str  # where it is now, relative to the state folder
    verdict: Verdict
    destination: str | None  # where the verdict sends it, relative to the state folder
    reason: str
    period: str
    partnership: str
    duplicate_of: int | None
    decided_at: str | None


AreaValues = tuple[tuple[str, Decimal | None], ...]
# Confidence intervals and gaps tested: (area, numerator, denominator) where the return gives them.
AreaCounts = tuple[tuple[str, Decimal | None, Decimal | None], ...]


@dataclass(frozen=True)
class IndicatorValue:
    code: str
    actual: Decimal | None
    data_quality: str
    commentary: str
    remedial_action: str
    cell: str = ""
    area_values: AreaValues = ()  # narrowing the gap: (area, figure or None) in the register's order
    # An indicator whose register row says "Numerator and denominator": the counts the Actual is from.
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    area_counts: AreaCounts = ()


@dataclass(frozen=True)
class ActionUpdate:
    ref: str
    action: str
    owner: str
    due: str | None  # ISO date
    status: str
    percent_complete: Decimal | None
    commentary: str
    is_new: bool


@dataclass(frozen=True)
class RiskUpdate:
    ref: str
    risk: str
    owner: str
    likelihood: int | None
    impact: int | None
    mitigation: str
    commentary: str
    is_new: bool


@dataclass(frozen=True)
class Highlights:
    """The Cover's optional answers for the highlight report; "" for each one not given (and for
    every one in a return made from a template sent out before they were asked)."""

    achievements: str = ""
    next_quarter: str = ""
    issues_for_board: str = ""
    overall_status: str = ""  # On track, Some concerns or Off track

    @property
    def given(self) -> bool:
        return any((self.achievements, self.next_quarter, self.issues_for_board, self.overall_status))


@dataclass(frozen=True)
class Submission:
    """An accepted return: who sent what, for which partnership and period."""

    partnership: str
    period: str
    template_version: int
    completed_by: str
    email: str
    date_completed: str | None
    signed_off: bool
    overall_commentary: str
    values: tuple[IndicatorValue, ...]
    actions: tuple[ActionUpdate, ...]
    risks: tuple[RiskUpdate, ...]
    highlights: Highlights = Highlights()


@dataclass(frozen=True)
class SubmissionRecord:
    """An accepted return as kept: whether it still counts, and the file it came in."""

    id: int
    file_id: int
    partnership: str
    period: str
    template_version: int
    completed_by: str
    email: str
    date_completed: str | None
    signed_off: bool
    overall_commentary: str
    received_at: str
    counts: bool  # False once a later accepted return for the same partnership and period supersedes it
    superseded_by: int | None
    file_name: str
    file_location: str
    highlights: Highlights = Highlights()


@dataclass(frozen=True)
class HistoryValue:
    """One counting figure, with the return and file it came from."""

    code: str
    period: str
    actual: Decimal | None
    data_quality: str
    commentary: str
    remedial_action: str
    area_values: AreaValues
    submission_id: int  # 0 for a figure loaded by `pipeline import-history`
    file_name: str
    received_at: str  # for an imported figure, when it was imported
    cell: str = ""  # the Actual's cell on the return's Indicators sheet
    imported_row: int = 0  # an imported figure's row in the file it came from; 0 for a return's
    signed_off: bool = True  # False: the return was not signed off by the chair, so its figures are provisional
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    area_counts: AreaCounts = ()

    @property
    def imported(self) -> bool:
        return self.imported_row > 0

    @property
    def source(self) -> str:
        """Where the figure came from, as people find it again: the file and its cell, or the imported row."""
        if self.imported:
            return f"imported: {self.file_name}, row {self.imported_row}"
        where = f"{self.file_name}, Indicators!{self.cell}" if self.cell else self.file_name
        # A return sent before its quarter ended holds figures for part of it, wherever they are shown.
        return f"{where} (part quarter)" if part_quarter(stored_period(self.period), self.received_at) else where


@dataclass(frozen=True)
class ImportedValue:
    """One past figure as `pipeline import-history` read it: history, never a return."""

    code: str
    period: str
    area: str  # "" for the whole area
    actual: Decimal | None
    data_quality: str
    note: str
    file_name: str
    file_sha256: str
    row: int  # its row in the file
    imported_at: str = ""  # UTC, ISO; set when it is kept
    replaces_return: bool = False
    # An indicator whose register row says "Numerator and denominator": the counts, where the file gives them.
    numerator: Decimal | None = None
    denominator: Decimal | None = None


@dataclass(frozen=True)
class MessageRecord:
    """A message owed to someone, and how sending it has gone: each key is sent once."""

    key: str  # kind/partnership/period/occasion
    kind: str
    partnership: str
    period: str
    recipients: str  # to and cc; for a refused message, those it was refused for
    subject: str
    created_at: str
    sent_at: str | None
    status: str  # queued, sent, failed (retried), refused (waits for new recipients), withdrawn
    attempts: int
    last_error: str
    location: str  # the .eml file, in files mode


@dataclass(frozen=True)
class CopiedTable:
    """One table of the history copied to another database (`pipeline store copy`), checked on both sides."""

    name: str
    rows: int
    digest: str  # SHA-256 of the table's rows, in an order and a form both databases give alike


@dataclass(frozen=True)
class RatedFigure:
    """One figure as analysts read it (the `indicator_history` view): a row of the tidy table
    (outputs.master_history.TidyRow, the export's columns), as the pass rated it when it built the
    period's pack. One row per indicator, period and area."""

    partnership: str  # short name
    partnership_name: str
    code: str
    indicator: str  # the register's title
    period: str
    area: str  # "" for the whole area
    unit: str
    polarity: str
    cumulative: bool | None  # None: the indicator is no longer in the register
    target: Decimal | None
    actual: Decimal | None
    rating: str  # the rating that counts (an officer's override included); "" for an area's own figure
    direction: str  # against the previous period
    direction_last_year: str
    data_quality: str
    provisional: bool
    source: str  # the file it came from, or imported
    received: str  # UTC, ISO


def with_imported(returned: list[HistoryValue], imported: list[ImportedValue]) -> list[HistoryValue]:
    """The counting figures: each return's, with imported figures where no return gives one (or where
    one was imported with --replace), an imported area's figure joining its indicator's area figures.
    Oldest period first, then by code, as the store gives them."""
    by_key = {(h.code, h.period): h for h in returned}
    overruled = {(v.code, v.period) for v in imported if v.replaces_return and not v.area}
    whole = {(v.code, v.period): v for v in imported if not v.area}
    areas: dict[tuple[str, str], list[tuple[str, Decimal | None]]] = {}
    counts: dict[tuple[str, str], list[tuple[str, Decimal | None, Decimal | None]]] = {}
    for each in imported:
        if each.area:
            areas.setdefault((each.code, each.period), []).append((each.area, each.actual))
            if each.numerator is not None or each.denominator is not None:
                counts.setdefault((each.code, each.period), []).append((each.area, each.numerator, each.denominator))
    out = [h for key, h in by_key.items() if key not in overruled]
    for key in sorted((set(whole) | set(areas)) - (set(by_key) - overruled)):
        v: ImportedValue | None = whole.get(key)
        first = v if v is not None else next(i for i in imported if (i.code, i.period) == key)
        out.append(
            HistoryValue(
                code=key[0],
                period=key[1],
                actual=v.actual if v else None,
                data_quality=v.data_quality if v else "",
                commentary=v.note if v else "",
                remedial_action="",
                area_values=tuple(areas.get(key, ())),
                submission_id=0,
                file_name=first.file_name,
                received_at=first.imported_at,
                imported_row=first.row,
                numerator=v.numerator if v else None,
                denominator=v.denominator if v else None,
                area_counts=tuple(counts.get(key, ())),
            )
        )
    return sorted(out, key=lambda h: (h.period, h.code))
