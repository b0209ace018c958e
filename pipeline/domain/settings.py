"""The settings a run works with, as plain typed records: what config.toml says once it has been
read and checked (pipeline.config reads and checks it; nothing here knows the file)."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from pathlib import Path

from pipeline.domain.records import Scheme, Tolerance


@dataclass(frozen=True)
class Paths:
    inbox: Path
    outbox: Path
    register: Path
    templates: Path
    state: Path  # holds the SQLite database, archive/, quarantine/, logs/ and cache/
    overrides: Path | None
    comparators: Path | None = None  # the comparators workbook (England, region, neighbours); None: none

    @property
    def database(self) -> Path:
        return self.state / "pipeline.sqlite3"

    @property
    def archive(self) -> Path:
        return self.state / "archive"

    @property
    def quarantine(self) -> Path:
        return self.state / "quarantine"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def cache(self) -> Path:
        return self.state / "cache"  # derived data only: deleting it costs time, never data


@dataclass(frozen=True)
class RagSettings:
    scheme: Scheme
    tolerance: Tolerance
    four_level_split: Decimal  # % of the tolerance band that is Amber/Green
    no_change_band: Decimal  # % change treated as "No change" in direction of travel
    action_tolerance: Decimal  # percentage points behind expected progress still Amber
    risk_low_max: int
    risk_medium_max: int


@dataclass(frozen=True)
class CalendarSettings:
    templates_out_working_days: int  # before quarter end (negative: after)
    deadline_working_days: int  # after quarter end
    reminder_working_days: tuple[int, ...]  # before the deadline
    remind_on_deadline: bool
    overdue_every_working_days: int
    escalate_after_working_days: int
    days_off: Container[date]  # besides weekends: a DaysOff (the nation's bank holidays and closure days)
    reminder_time: time
    board_meetings: tuple[date, ...] = ()  # the board's meeting dates, when the year's diary is set; else none is known


@dataclass(frozen=True)
class IngestSettings:
    settle_seconds: float
    max_file_mb: int
    reader_timeout_seconds: float
    reader_memory_mb: int
    outlier_factor: Decimal  # how many times the usual movement counts as an outlier


@dataclass(frozen=True)
class MailSettings:
    mode: str  # "files" writes .eml to outbox/mail; "smtp" sends
    host: str
    port: int
    sender: str
    reply_to: str
    starttls: bool
    username: str
    password_env: str  # name of the environment variable holding the password
    deadline_seconds: float = 60.0  # one SMTP conversation, however the server drips its replies


@dataclass(frozen=True)
class StoreSettings:
    """Where the history is kept: the SQLite file under the state folder (no url), or a PostgreSQL server."""

    url: str = ""  # postgresql://user@host:5432/dbname; "" for the SQLite file
    password_env: str = "PIPELINE_DB_PASSWORD"  # name of the environment variable holding the password
    # TLS, passed to the server's client library as they are ("" leaves its default)
    sslmode: str = ""
    sslrootcert: str = ""
    sslcert: str = ""
    sslkey: str = ""


@dataclass(frozen=True)
class MailboxSettings:
    """The shared mailbox that returns are e-mailed to (IMAP); off while `host` is ""."""

    host: str = ""
    port: int = 993
    security: str = "tls"  # "tls" (implicit, port 993), "starttls" (port 143) or "none" (a test server)
    username: str = ""
    password_env: str = "PIPELINE_IMAP_PASSWORD"  # name of the environment variable holding the password
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    allowed_senders: tuple[str, ...] = ()  # domains ("brackenford.gov.uk") or whole addresses
    max_message_mb: int = 25
    max_attachments: int = 20
    deadline_seconds: float = 120.0  # one IMAP conversation, however the server drips its replies

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class BoardPaperSettings:
    """The board paper's standing sections in the committee format: the officer's words for each,
    the same every quarter unless config.toml's [board_paper] says otherwise."""

    policy_implications: str = (
        "There are no policy implications arising directly from this report. Where remedial action calls for "
        "a change of policy, the partnership concerned will bring it to the board."
    )
    financial_implications: str = (
        "There are no financial implications arising directly from this report. Remedial action is met from "
        "the partnerships' existing budgets unless the board is asked otherwise."
    )
    priorities_implications: str = (
        "The indicators in this report measure progress against the partnership's priorities. Those rated Red "
        "or Amber (section 5.0) show where a priority is at risk of not being met."
    )
    risk_analysis: str = (
        "An indicator off target is a risk to the priority it measures; section 8.0 lists the risks the "
        "partnerships rate High, with their mitigation. Returns not accepted (section 9.0) leave performance "
        "unknown, itself a risk the board is asked to act on."
    )
    equality_and_diversity: str = (
        "Narrowing the gap (section 6.0) shows whether outcomes in the most deprived areas are moving closer to "
        "those of the rest of the area. There are no other equality and diversity issues arising directly from "
        "this report."
    )


@dataclass(frozen=True)
class PublishingSettings:
    """What may go out to the public: statistical disclosure control and the accessibility statement."""

    threshold: int = 5  # a count from 1 to threshold - 1 is not published
    marker: str = "[c]"  # shown instead of a figure that is not published
    public_board_paper: bool = False  # also make a board paper with the public summary's suppression
    accessibility_statement: str = ""  # the URL of the organisation's accessibility statement


@dataclass(frozen=True)
class Config:
    source: Path
    organisation: str
    board: str
    board_officer: str
    board_officer_email: str
    area: str
    template_password: str
    watch_interval_seconds: int
    paths: Paths
    rag: RagSettings
    calendar: CalendarSettings
    ingest: IngestSettings
    mail: MailSettings
    board_officer_telephone: str = ""
    board_paper: BoardPaperSettings = BoardPaperSettings()
    store: StoreSettings = StoreSettings()
    mailbox: MailboxSettings = MailboxSettings()
    publishing: PublishingSettings = PublishingSettings()
