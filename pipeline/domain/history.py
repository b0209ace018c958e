"""What the history keeps, as the stages pass it: files and their verdicts, accepted returns with
their figures, action and risk updates, and the messages sent.

The store turns these into rows and back; nothing here knows how they are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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


@dataclass(frozen=True)
class IndicatorValue:
    code: str
    actual: Decimal | None
    data_quality: str
    commentary: str
    remedial_action: str
    cell: str = ""
    area_values: AreaValues = ()  # narrowing the gap: (area, figure or None) in the register's order


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
    submission_id: int
    file_name: str
    received_at: str


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
    """One figure as analysts read it (the `indicator_history` view): one row per indicator, period and
    area, with the register's words and the rating the pass worked out when it built the period's pack."""

    period: str
    partnership: str  # short name
    partnership_name: str
    code: str
    indicator: str  # the register's title
    area: str  # "" for the whole area
    unit: str
    polarity: str
    cumulative: bool
    target: Decimal | None
    actual: Decimal | None
    rating: str  # the rating that counts (an officer's override included); "" for an area's own figure
    direction: str  # against the previous period
    data_quality: str
    provisional: bool  # from a return not yet signed off by the chair
    source: str  # the file it came from
    received: str  # when that file arrived (UTC, ISO)
