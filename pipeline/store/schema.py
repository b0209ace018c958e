"""The store's tables, and how a store made by an older pipeline is brought up to date.

The schema's version is SQLite's `PRAGMA user_version`, read each time a store is opened. A
store at the current version costs that read and nothing else. An older store is migrated
forward, version by version, in ONE transaction: a failure or a kill part-way leaves it at
the version it had. There is no way back: a store newer than this code is refused
(StoreUnusable, exit 8), untouched, with a message that says to upgrade the pipeline.

To change the schema, append a Migration with the next version number; never edit one that
has shipped, since stores out there have already run it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.store.errors import StoreFault, newer, problem, unusable


@dataclass(frozen=True)
class Migration:
    """The SQL that brings a store from version `version - 1` to `version`."""

    version: int
    why: str
    sql: str  # one or more statements; they run inside the migration's transaction, so no BEGIN or COMMIT

    def statements(self) -> list[str]:
        """The statements one at a time (Python's executescript would commit the transaction first)."""
        found, statement = [], ""
        for line in self.sql.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):  # SQLite's own tokenizer: a ';' in a comment is no end
                found.append(statement.strip())
                statement = ""
        if statement.strip():
            raise ValueError(f"migration {self.version} ends in the middle of a statement: {statement.strip()!r}")
        return found


# Version 1 is the schema the pipeline had before its versions were numbered: those stores have
# user_version 0 and these tables. IF NOT EXISTS, so such a store is adopted as it is, and a first
# run killed before all its tables were made (by code older still) is finished.
_VERSION_1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,             -- the name it arrived with
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,      -- when it landed in the inbox (UTC, ISO)
    location TEXT NOT NULL,         -- where it is now, relative to the state folder
    verdict TEXT NOT NULL DEFAULT 'pending',  -- pending, accepted, rejected, duplicate
    destination TEXT,               -- where the verdict sends it, relative to the state folder
    reason TEXT NOT NULL DEFAULT '',
    period TEXT NOT NULL DEFAULT '',
    partnership TEXT NOT NULL DEFAULT '',
    duplicate_of INTEGER REFERENCES files(id),
    decided_at TEXT
);
CREATE INDEX IF NOT EXISTS files_sha ON files(sha256);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL UNIQUE REFERENCES files(id),
    partnership TEXT NOT NULL,
    period TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    completed_by TEXT NOT NULL,
    email TEXT NOT NULL,
    date_completed TEXT,
    signed_off INTEGER NOT NULL,
    overall_commentary TEXT NOT NULL,
    received_at TEXT NOT NULL,
    counts INTEGER NOT NULL DEFAULT 1,  -- 0 once a later accepted return supersedes it
    superseded_by INTEGER REFERENCES submissions(id)
);
CREATE INDEX IF NOT EXISTS submissions_pp ON submissions(period, partnership);
CREATE TABLE IF NOT EXISTS indicator_values (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    code TEXT NOT NULL,
    actual TEXT,                    -- Decimal as text; NULL when not available
    data_quality TEXT NOT NULL,
    commentary TEXT NOT NULL,
    remedial_action TEXT NOT NULL,
    cell TEXT NOT NULL,
    area_values TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, code)
);
CREATE TABLE IF NOT EXISTS action_updates (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    ref TEXT NOT NULL,
    action TEXT NOT NULL,
    owner TEXT NOT NULL,
    due TEXT,
    status TEXT NOT NULL,
    percent_complete TEXT,
    commentary TEXT NOT NULL,
    is_new INTEGER NOT NULL,
    PRIMARY KEY (submission_id, ref)
);
CREATE TABLE IF NOT EXISTS risk_updates (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    ref TEXT NOT NULL,
    risk TEXT NOT NULL,
    owner TEXT NOT NULL,
    likelihood INTEGER,
    impact INTEGER,
    mitigation TEXT NOT NULL,
    commentary TEXT NOT NULL,
    is_new INTEGER NOT NULL,
    PRIMARY KEY (submission_id, ref)
);
CREATE TABLE IF NOT EXISTS findings (
    file_id INTEGER NOT NULL REFERENCES files(id),
    seq INTEGER NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    sheet TEXT NOT NULL,
    cell TEXT NOT NULL,
    row INTEGER,
    value TEXT NOT NULL,
    message TEXT NOT NULL,
    fix TEXT NOT NULL,
    PRIMARY KEY (file_id, seq)
);
CREATE TABLE IF NOT EXISTS stale_periods (period TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS feedback_due (file_id INTEGER PRIMARY KEY REFERENCES files(id));
CREATE TABLE IF NOT EXISTS messages (
    key TEXT PRIMARY KEY,           -- kind/partnership/period/occasion: each is sent once
    kind TEXT NOT NULL,
    partnership TEXT NOT NULL,
    period TEXT NOT NULL,
    recipients TEXT NOT NULL,       -- to and cc; for a refused message, those it was refused for
    subject TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    status TEXT NOT NULL,           -- queued, sent, failed (retried), refused (5xx: waits for new recipients)
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT ''  -- .eml file, in files mode
);
"""

# Read-only views for analysts (Power BI, Excel, a notebook): plain column names, numbers as numbers.
# A rating needs the register and the rating rules, which SQL does not have: the pass stores each
# period's rated figures when it builds the period's pack (rated_figures), and the view reads them.
_ANALYSTS_VIEWS = """
CREATE TABLE rated_figures (
    partnership TEXT NOT NULL,
    partnership_name TEXT NOT NULL,
    code TEXT NOT NULL,
    indicator TEXT NOT NULL,
    period TEXT NOT NULL,
    area TEXT NOT NULL,             -- '' for the whole area
    unit TEXT NOT NULL,
    polarity TEXT NOT NULL,
    cumulative INTEGER,             -- NULL: the indicator is no longer in the register
    target TEXT,                    -- Decimal as text, as every figure here
    actual TEXT,
    rating TEXT NOT NULL,
    direction TEXT NOT NULL,
    direction_last_year TEXT NOT NULL,
    data_quality TEXT NOT NULL,
    provisional INTEGER NOT NULL,
    source TEXT NOT NULL,
    received TEXT NOT NULL,
    PRIMARY KEY (period, code, area)
);
CREATE VIEW indicator_history AS
SELECT partnership, partnership_name, code, indicator, period, area, unit, polarity,
       CASE cumulative WHEN 1 THEN 'Yes' WHEN 0 THEN 'No' END AS cumulative,
       CAST(target AS NUMERIC) AS target, CAST(actual AS NUMERIC) AS actual, rating, direction,
       direction_last_year, data_quality, CASE WHEN provisional = 1 THEN 'Yes' ELSE 'No' END AS provisional,
       source, received
FROM rated_figures;
CREATE VIEW returns_received AS
SELECT s.partnership, s.period, f.name AS file_name, s.received_at AS received, s.completed_by, s.email,
       CASE WHEN s.signed_off = 1 THEN 'Yes' ELSE 'No' END AS signed_off,
       CASE WHEN s.counts = 1 THEN 'Yes' ELSE 'No' END AS counts
FROM submissions s JOIN files f ON f.id = s.file_id;
CREATE VIEW files_received AS
SELECT name AS file_name, received_at AS received, verdict, reason, period, partnership, decided_at AS decided
FROM files;
"""

# The Cover's optional answers for the highlight report. '' for the returns accepted before, as for
# a return that leaves them blank. Plain ADD COLUMN with a constant default: SQLite and PostgreSQL alike.
_HIGHLIGHTS = """
ALTER TABLE submissions ADD COLUMN key_achievements TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN next_quarter_plans TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN board_issues TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN overall_status TEXT NOT NULL DEFAULT '';
"""

# The returns mailbox: each message recorded (by folder, UIDVALIDITY and UID) before its attachments are
# written, and each attachment with the inbox file it became, so that a kill never loses or doubles one.
_MAILBOX = """
CREATE TABLE mail_messages (
    id INTEGER PRIMARY KEY,
    mailbox TEXT NOT NULL,          -- user@host/folder
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    sender TEXT NOT NULL,           -- the From address, lower case
    subject TEXT NOT NULL,
    sent_date TEXT NOT NULL,        -- the Date header (UTC, ISO), '' when missing
    fetched_at TEXT NOT NULL,       -- when the pipeline took it (UTC, ISO)
    arrived_at TEXT NOT NULL,       -- when the mail server received it (INTERNALDATE; UTC, ISO), '' if unknown
    outcome TEXT NOT NULL,          -- taken, held, no-attachment, winmail, too-large, too-many-attachments, unreadable, ignored
    reason TEXT NOT NULL,
    stage TEXT NOT NULL,            -- recorded, written (attachments all written), moved (to the processed folder), gone
    replied INTEGER NOT NULL DEFAULT 0,  -- the reply it owes, or the board officer's message, has gone
    UNIQUE (mailbox, uidvalidity, uid)
);
CREATE TABLE mail_attachments (
    message_id INTEGER NOT NULL REFERENCES mail_messages(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    location TEXT NOT NULL,         -- 'inbox/<name>', or 'quarantine/mail/<name>' under the state folder
    sha256 TEXT NOT NULL,
    written INTEGER NOT NULL DEFAULT 0,
    file_id INTEGER REFERENCES files(id),  -- the file it became, once taken in from the inbox
    PRIMARY KEY (message_id, seq)
);
CREATE INDEX mail_attachments_file ON mail_attachments(file_id);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the tables of the pipeline before its schema versions were numbered", _VERSION_1),
    Migration(
        2, "a return's highlight-report answers from its Cover: achievements, plans, issues, status", _HIGHLIGHTS
    ),
    Migration(
        3,
        "past figures loaded by `pipeline import-history`, each with where it came from",
        """
CREATE TABLE imported_values (
    code TEXT NOT NULL,
    period TEXT NOT NULL,
    area TEXT NOT NULL DEFAULT '',      -- '' for the whole area
    actual TEXT,                        -- Decimal as text; NULL when not available
    data_quality TEXT NOT NULL,
    note TEXT NOT NULL,
    file_name TEXT NOT NULL,            -- the file it was imported from
    file_sha256 TEXT NOT NULL,
    source_row INTEGER NOT NULL,        -- its row in that file
    imported_at TEXT NOT NULL,          -- UTC, ISO
    replaces_return INTEGER NOT NULL DEFAULT 0,  -- 1: imported with --replace, it counts over a return's figure
    PRIMARY KEY (code, period, area)
);
""",
    ),
    Migration(4, "the returns mailbox: messages taken and the attachments they brought", _MAILBOX),
    Migration(
        5,
        "the numerator and denominator of an indicator's figure, and of each area's, for confidence intervals",
        """
ALTER TABLE indicator_values ADD COLUMN numerator TEXT;
ALTER TABLE indicator_values ADD COLUMN denominator TEXT;
ALTER TABLE indicator_values ADD COLUMN area_counts TEXT NOT NULL DEFAULT '';
""",
    ),
    Migration(6, "read-only views for analysts, and the rated figures the pass stores for them", _ANALYSTS_VIEWS),
    Migration(
        7,
        "the numerator and denominator of a past figure loaded by `pipeline import-history`",
        """
ALTER TABLE imported_values ADD COLUMN numerator TEXT;
ALTER TABLE imported_values ADD COLUMN denominator TEXT;
""",
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def open_schema(db: sqlite3.Connection, path: Path, migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """Check that `db` is a pipeline store this code can use, and bring its schema up to date.

    Raises StoreUnusable for another program's database or a newer pipeline's, having written nothing.
    """
    latest = migrations[-1].version
    # Read before anything is written: a file that is not ours (damaged, another program's database put
    # here by mistake, or a newer pipeline's) is left exactly as it is, WAL files and all.
    version = _version(db)
    tables = {
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not name.startswith("sqlite_")
    }
    if version > latest and "meta" in tables:  # ours, with tables a later version may have added
        raise newer(path, version, latest)
    strange = tables - tables_made_by(migrations)
    if strange:
        raise unusable(
            path,
            f"belongs to another program (it has tables such as {', '.join(sorted(strange)[:3])}, "
            "which the pipeline never made)",
        )
    if version > latest:
        raise newer(path, version, latest)
    db.execute("PRAGMA journal_mode=WAL")  # readers never block the writer; kept in the file once set
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    if version < latest:
        _migrate(db, path, migrations)


def _version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def tables_made_by(migrations: Sequence[Migration]) -> set[str]:
    return set(tables_in_order(migrations))


def tables_in_order(migrations: Sequence[Migration]) -> list[str]:
    """The tables the migrations make, in the order they make them: a table is made after those it refers to."""
    return list(
        dict.fromkeys(
            name
            for migration in migrations
            for name in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", migration.sql, re.IGNORECASE)
        )
    )


def _migrate(db: sqlite3.Connection, path: Path, migrations: Sequence[Migration]) -> None:
    """Run every migration past the store's version, and set the version, in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    # Read again now that no other program can write: another pass may have migrated it meanwhile.
    start = version = _version(db)
    try:
        for migration in migrations:
            if migration.version <= version:
                continue
            for statement in migration.statements():
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {int(migration.version)}")  # transactional, like any write
            version = migration.version
        # For people who look inside with a database browser: the same number, where version 1 put it.
        db.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(version),),
        )
        db.execute("COMMIT")
    except BaseException as exc:
        if db.in_transaction:  # SQLite may have rolled back already (disk full, I/O error)
            db.execute("ROLLBACK")
        if not isinstance(exc, sqlite3.Error):
            raise
        failed = next(m.version for m in migrations if m.version > version)
        raise problem(exc, path) or StoreFault(
            f"could not bring the pipeline's database {path} from schema version {start} to "
            f"{migrations[-1].version}: migration {failed} failed ({type(exc).__name__}: {exc}); the database is "
            f"left at version {start}, as it was"
        ) from exc
