"""The history store: the only module that speaks SQL.

SQLite by default (one file under the state folder, WAL mode so readers never
block the writer). Every other module talks to `Store` through plain records,
so a PostgreSQL back end can replace this file without touching the stages.

Exactly-once rests on three rules kept here: a file's row is created before it
leaves incoming/, its outcome (submission, values, findings, verdict) is
written in one transaction, and a verdict is final: a re-run only finishes
moving the file to where its verdict says.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.domain.errors import OutputError, PipelineError, StoreBusy, StoreUnusable
from pipeline.domain.findings import Finding

SCHEMA_VERSION = 1

_SCHEMA = """
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
_TABLES = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", _SCHEMA))

# How long a write waits for another program (a database browser) to let go before the pass gives up
# with StoreBusy and is tried again later. SQLite waits in C, where no signal handler runs, so this
# also bounds how long a second Ctrl-C can take to stop `watch`.
BUSY_TIMEOUT_SECONDS = 5.0


def _problem(exc: sqlite3.Error, path: Path) -> PipelineError | None:
    """The user-facing problem an SQLite error stands for; None for one that is a bug of ours."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy(
            f"The pipeline's database {path} is in use by another program (a database browser, or a "
            "backup, holding it open for writing), so nothing was changed: returns stay in the inbox.",
            fix="Close that program, or try again later; `pipeline watch` tries again by itself.",
        )
    if any(words in text for words in ("readonly", "read-only", "disk is full", "unable to open", "disk i/o")):
        return OutputError(
            f"The pipeline's database {path} could not be written ({exc}). Nothing was lost: check the "
            "state folder has free space and may be written to, and run again."
        )
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return unusable(path, "is not a SQLite database, or is damaged" if "not a database" in text else "is damaged")
    return None


def unusable(path: Path, why: str) -> StoreUnusable:
    return StoreUnusable(
        f"The pipeline's database {path} {why} ({path.name} is the history of every return, figure and "
        "message). The pipeline has not touched it and will not use it.",
        fix=f"Restore {path.name} from your backup. Or, to start a new history, move it aside (rename it, "
        "say to pipeline.sqlite3.old): the next run starts an empty database, and the record of the "
        "returns taken in, their figures and verdicts, and the messages sent is lost (the files in "
        "state/archive/ stay, and reminders already sent may be sent again).",
    )


def _speaks_sql(method: Callable) -> Callable:
    """Wrap a Store method so SQLite's errors come out as the pipeline's (busy, unusable, unwritable)."""

    def translate(owner: Any, exc: sqlite3.Error) -> None:  # owner: a Store or its _Transaction
        problem = _problem(exc, owner.path)
        if problem is not None:
            raise problem from exc

    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self, *args, **kwargs):
            try:
                yield from method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                translate(self, exc)
                raise

        return generator

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            translate(self, exc)
            raise

    return wrapper


@dataclass(frozen=True)
class FileRecord:
    id: int
    sha256: str
    name: str
    size: int
    received_at: str
    location: str
    verdict: str
    destination: str | None
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
    counts: bool
    superseded_by: int | None
    file_name: str
    file_location: str


@dataclass(frozen=True)
class HistoryValue:
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
    key: str
    kind: str
    partnership: str
    period: str
    recipients: str
    subject: str
    created_at: str
    sent_at: str | None
    status: str
    attempts: int
    last_error: str
    location: str


def _area_text(values: AreaValues) -> str:
    # JSON, so an area's name may hold any character; figures as text, like every other figure here.
    return json.dumps([[area, _text(value)] for area, value in values], ensure_ascii=False) if values else ""


def _area_values(text: str) -> AreaValues:
    return tuple((area, _dec(value)) for area, value in json.loads(text)) if text else ()


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class Store:
    """The pipeline's database. Use as a context manager, or call close()."""

    def __init__(self, path: Path) -> None:
        self.path = path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), never implicit.
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
        except sqlite3.Error as exc:
            problem = _problem(exc, path)
            if problem is None:
                raise
            raise problem from exc
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    @_speaks_sql
    def _open(self) -> None:
        # Read before anything is written: a file that is not ours (damaged, or another program's
        # database put here by mistake) is left exactly as it is, WAL files and all.
        tables = {
            name
            for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        }
        if tables - _TABLES:
            raise unusable(
                self.path,
                f"belongs to another program (it has tables such as "
                f"{', '.join(sorted(tables - _TABLES)[:3])}, which the pipeline never made)",
            )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        if tables != _TABLES:  # new, or made by a run killed before its tables were all there
            # One transaction, so a kill leaves all of the tables or none.
            self._db.executescript(
                f"BEGIN IMMEDIATE; {_SCHEMA} INSERT OR IGNORE INTO meta VALUES "
                f"('schema_version', '{SCHEMA_VERSION}'); COMMIT;"
            )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    class _Transaction:
        def __init__(self, store: Store) -> None:
            self.path = store.path  # _speaks_sql names the file in its messages
            self.db = store._db
            self.nested = False

        @_speaks_sql
        def __enter__(self):
            self.nested = self.db.in_transaction
            self.db.execute("SAVEPOINT inner" if self.nested else "BEGIN IMMEDIATE")
            return self

        @_speaks_sql
        def __exit__(self, kind, value, tb) -> None:
            if kind is not None and not self.db.in_transaction:
                return  # SQLite rolled it all back itself (disk full, I/O error): let that error through
            if not self.nested:
                self.db.execute("COMMIT" if kind is None else "ROLLBACK")
                return
            if kind is not None:
                self.db.execute("ROLLBACK TO inner")
            self.db.execute("RELEASE inner")

    def transaction(self) -> _Transaction:
        """All statements inside commit together or not at all.

        Inside another transaction this is a savepoint, made durable by the outer commit: a
        caller groups many small writes into one commit, and each commit costs an fsync.
        """
        return Store._Transaction(self)

    # -- files ---------------------------------------------------------------

    def add_file(self, *, sha256: str, name: str, size: int, received_at: str, location: str) -> int:
        with self.transaction():
            cursor = self._db.execute(
                "INSERT INTO files (sha256, name, size, received_at, location) VALUES (?, ?, ?, ?, ?)",
                (sha256, name, size, received_at, location),
            )
        return int(cursor.lastrowid)

    def file(self, file_id: int) -> FileRecord:
        row = self._db.execute("SELECT * FROM files WHERE id = ?", (file_id,)).fetchone()
        return FileRecord(*row)

    def file_at(self, location: str) -> FileRecord | None:
        row = self._db.execute(
            "SELECT * FROM files WHERE location = ? ORDER BY id DESC LIMIT 1", (location,)
        ).fetchone()
        return FileRecord(*row) if row else None

    def files(self, *, period: str | None = None) -> list[FileRecord]:
        if period is None:
            rows = self._db.execute("SELECT * FROM files ORDER BY id").fetchall()
        else:
            rows = self._db.execute("SELECT * FROM files WHERE period = ? ORDER BY id", (period,)).fetchall()
        return [FileRecord(*r) for r in rows]

    def pending_files(self) -> list[FileRecord]:
        """Files received but not yet at their verdict's destination (after a crash)."""
        rows = self._db.execute(
            "SELECT * FROM files WHERE verdict = 'pending' OR location != destination ORDER BY id"
        ).fetchall()
        return [FileRecord(*r) for r in rows]

    def decided_with_same_bytes(self, sha256: str, exclude_id: int) -> FileRecord | None:
        """An earlier accepted file with these bytes. A copy of a rejected file is examined afresh: what
        rejected it may have changed since (the quarter has started, the register has been corrected)."""
        row = self._db.execute(
            "SELECT * FROM files WHERE sha256 = ? AND id != ? AND verdict = 'accepted' ORDER BY id LIMIT 1",
            (sha256, exclude_id),
        ).fetchone()
        return FileRecord(*row) if row else None

    def replaced_by(self, file_id: int) -> FileRecord | None:
        """The file whose return now counts in place of this (accepted, since replaced) file's."""
        row = self._db.execute(
            "SELECT f.* FROM submissions s JOIN submissions later ON later.partnership = s.partnership "
            "AND later.period = s.period AND later.counts = 1 JOIN files f ON f.id = later.file_id "
            "WHERE s.file_id = ? AND s.counts = 0",
            (file_id,),
        ).fetchone()
        return FileRecord(*row) if row else None

    def moved(self, file_id: int, location: str) -> None:
        with self.transaction():
            self._db.execute("UPDATE files SET location = ? WHERE id = ?", (location, file_id))

    def decide(
        self,
        file_id: int,
        *,
        verdict: str,
        destination: str,
        reason: str,
        decided_at: str,
        findings: Iterable[Finding] = (),
        period: str = "",
        partnership: str = "",
        submission: Submission | None = None,
        duplicate_of: int | None = None,
    ) -> int | None:
        """Record a file's verdict with everything that follows from it, atomically.

        Returns the new submission's id when a return is accepted.
        """
        with self.transaction():
            self._db.execute(
                "UPDATE files SET verdict = ?, destination = ?, reason = ?, decided_at = ?, period = ?, "
                "partnership = ?, duplicate_of = ? WHERE id = ? AND verdict = 'pending'",
                (verdict, destination, reason, decided_at, period, partnership, duplicate_of, file_id),
            )
            self._db.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (file_id, n, f.code, f.severity, f.sheet, f.cell, f.row, f.value, f.message, f.fix)
                    for n, f in enumerate(findings)
                ],
            )
            if verdict != "duplicate":  # a copy changes no figure and no count in the outputs
                self._db.execute("INSERT OR IGNORE INTO feedback_due VALUES (?)", (file_id,))
                if period:
                    self._db.execute("INSERT OR IGNORE INTO stale_periods VALUES (?)", (period,))
            if submission is None:
                return None
            return self._add_submission(file_id, submission)

    def _add_submission(self, file_id: int, s: Submission) -> int:
        received_at = self._db.execute("SELECT received_at FROM files WHERE id = ?", (file_id,)).fetchone()[0]
        cursor = self._db.execute(
            "INSERT INTO submissions (file_id, partnership, period, template_version, completed_by, email, "
            "date_completed, signed_off, overall_commentary, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                file_id,
                s.partnership,
                s.period,
                s.template_version,
                s.completed_by,
                s.email,
                s.date_completed,
                int(s.signed_off),
                s.overall_commentary,
                received_at,
            ),
        )
        sid = int(cursor.lastrowid)
        # The latest return received counts; earlier ones stay for the audit trail. Received, not
        # examined: old returns loaded out of order with `run --received` must not undo a later one.
        later = self._db.execute(
            "SELECT id FROM submissions WHERE partnership = ? AND period = ? AND id != ? AND counts = 1 "
            "AND received_at > ?",
            (s.partnership, s.period, sid, received_at),
        ).fetchone()
        if later is not None:
            self._db.execute("UPDATE submissions SET counts = 0, superseded_by = ? WHERE id = ?", (later[0], sid))
        else:
            self._db.execute(
                "UPDATE submissions SET counts = 0, superseded_by = ? "
                "WHERE partnership = ? AND period = ? AND id != ? AND counts = 1",
                (sid, s.partnership, s.period, sid),
            )
        self._db.executemany(
            "INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    sid,
                    v.code,
                    _text(v.actual),
                    v.data_quality,
                    v.commentary,
                    v.remedial_action,
                    v.cell,
                    _area_text(v.area_values),
                )
                for v in s.values
            ],
        )
        self._db.executemany(
            "INSERT INTO action_updates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (sid, a.ref, a.action, a.owner, a.due, a.status, _text(a.percent_complete), a.commentary, int(a.is_new))
                for a in s.actions
            ],
        )
        self._db.executemany(
            "INSERT INTO risk_updates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (sid, r.ref, r.risk, r.owner, r.likelihood, r.impact, r.mitigation, r.commentary, int(r.is_new))
                for r in s.risks
            ],
        )
        return sid

    def findings_for(self, file_id: int) -> list[Finding]:
        rows = self._db.execute(
            "SELECT code, severity, message, fix, sheet, cell, row, value FROM findings WHERE file_id = ? ORDER BY seq",
            (file_id,),
        ).fetchall()
        return [
            Finding(code=r[0], severity=r[1], message=r[2], fix=r[3], sheet=r[4], cell=r[5], row=r[6], value=r[7])
            for r in rows
        ]

    # -- follow-up work that must survive a crash ------------------------------

    def feedback_due(self) -> list[int]:
        return [r[0] for r in self._db.execute("SELECT file_id FROM feedback_due ORDER BY file_id")]

    def feedback_done(self, file_id: int) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM feedback_due WHERE file_id = ?", (file_id,))

    def stale_periods(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT period FROM stale_periods ORDER BY period")]

    def mark_stale(self, period: str) -> None:
        with self.transaction():
            self._db.execute("INSERT OR IGNORE INTO stale_periods VALUES (?)", (period,))

    def period_built(self, period: str) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM stale_periods WHERE period = ?", (period,))

    # -- submissions and history ---------------------------------------------

    def submissions(self, *, period: str | None = None, counting_only: bool = False) -> list[SubmissionRecord]:
        sql = (
            "SELECT s.id, s.file_id, s.partnership, s.period, s.template_version, s.completed_by, s.email, "
            "s.date_completed, s.signed_off, s.overall_commentary, s.received_at, s.counts, "
            "s.superseded_by, f.name, f.location FROM submissions s JOIN files f ON f.id = s.file_id"
        )
        where, args = [], []
        if period is not None:
            where.append("s.period = ?")
            args.append(period)
        if counting_only:
            where.append("s.counts = 1")
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY s.id", args).fetchall()
        return [SubmissionRecord(*r[:8], bool(r[8]), r[9], r[10], bool(r[11]), *r[12:]) for r in rows]

    def first_received(self, period: str) -> dict[str, str]:
        """Partnership -> when its first accepted return for the period arrived (superseded or not):
        lateness is judged by it, so a correction sent after the deadline does not make it late."""
        return dict(
            self._db.execute(
                "SELECT partnership, MIN(received_at) FROM submissions WHERE period = ? GROUP BY partnership", (period,)
            )
        )

    def history(self, codes: Iterable[str] | None = None) -> Iterator[HistoryValue]:
        """Every counting indicator value, oldest period first."""
        sql = (
            "SELECT v.code, s.period, v.actual, v.data_quality, v.commentary, v.remedial_action, "
            "v.area_values, s.id, f.name, s.received_at FROM indicator_values v "
            "JOIN submissions s ON s.id = v.submission_id JOIN files f ON f.id = s.file_id "
            "WHERE s.counts = 1"
        )
        args: list = []
        if codes is not None:
            codes = list(codes)
            sql += f" AND v.code IN ({','.join('?' * len(codes))})"
            args = codes
        for r in self._db.execute(sql + " ORDER BY s.period, v.code", args):
            yield HistoryValue(r[0], r[1], _dec(r[2]), r[3], r[4], r[5], _area_values(r[6]), *r[7:])

    def actuals(self) -> dict[tuple[str, str], Decimal]:
        """(code, period) -> the counting actual, oldest period first: what templates pre-fill
        from and ingest's outlier checks compare with. Only the figures are read: every pass
        that examines a file asks for the whole history."""
        rows = self._db.execute(
            "SELECT v.code, s.period, v.actual FROM indicator_values v JOIN submissions s "
            "ON s.id = v.submission_id WHERE s.counts = 1 AND v.actual IS NOT NULL ORDER BY s.period, v.code"
        )
        return {(code, period): Decimal(actual) for code, period, actual in rows}

    def action_updates(self, submission_id: int) -> list[ActionUpdate]:
        rows = self._db.execute(
            "SELECT ref, action, owner, due, status, percent_complete, commentary, is_new "
            "FROM action_updates WHERE submission_id = ? ORDER BY ref",
            (submission_id,),
        ).fetchall()
        return [ActionUpdate(r[0], r[1], r[2], r[3], r[4], _dec(r[5]), r[6], bool(r[7])) for r in rows]

    def risk_updates(self, submission_id: int) -> list[RiskUpdate]:
        rows = self._db.execute(
            "SELECT ref, risk, owner, likelihood, impact, mitigation, commentary, is_new "
            "FROM risk_updates WHERE submission_id = ? ORDER BY ref",
            (submission_id,),
        ).fetchall()
        return [RiskUpdate(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows]

    def periods(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT period FROM files WHERE period != '' ORDER BY period")]

    # -- messages ------------------------------------------------------------

    def message(self, key: str) -> MessageRecord | None:
        row = self._db.execute("SELECT * FROM messages WHERE key = ?", (key,)).fetchone()
        return MessageRecord(*row) if row else None

    def messages(self, *, period: str | None = None, status: str | None = None) -> list[MessageRecord]:
        sql, args = "SELECT * FROM messages", []
        where = []
        if period is not None:
            where.append("period = ?")
            args.append(period)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [MessageRecord(*r) for r in self._db.execute(sql + " ORDER BY created_at, key", args)]

    def queue_message(
        self, *, key: str, kind: str, partnership: str, period: str, recipients: str, subject: str, created_at: str
    ) -> None:
        """Record a message about to be sent. A message tried before is queued again with its
        recipients and subject as they are now (an address may have been corrected); a sent one
        is left alone, and keeps the time it was first queued."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO messages (key, kind, partnership, period, recipients, subject, created_at, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'queued') ON CONFLICT (key) DO UPDATE SET "
                "recipients = excluded.recipients, subject = excluded.subject, status = 'queued' "
                "WHERE messages.status != 'sent'",
                (key, kind, partnership, period, recipients, subject, created_at),
            )

    def message_sent(self, key: str, *, sent_at: str, location: str = "") -> None:
        with self.transaction():
            self._db.execute(
                "UPDATE messages SET status = 'sent', sent_at = ?, attempts = attempts + 1, location = ?, "
                "last_error = '' WHERE key = ?",
                (sent_at, location, key),
            )

    def message_failed(self, key: str, error: str) -> None:
        """The attempt failed for a reason that may pass (server down, a 4xx reply): retried next pass."""
        with self.transaction():
            self._db.execute(
                "UPDATE messages SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE key = ?",
                (error, key),
            )

    def message_withdrawn(self, key: str) -> None:
        """A message not sent that is no longer owed (its return was replaced before it went)."""
        with self.transaction():
            self._db.execute("UPDATE messages SET status = 'withdrawn' WHERE key = ? AND status != 'sent'", (key,))

    def message_refused(self, key: str, error: str, *, recipients: str) -> None:
        """The server refused the message for good (5xx) for `recipients`: not retried until they change."""
        with self.transaction():
            self._db.execute(
                "UPDATE messages SET status = 'refused', attempts = attempts + 1, last_error = ?, recipients = ? "
                "WHERE key = ?",
                (error, recipients, key),
            )


# Every public method speaks SQL, so every one says what SQLite's errors mean for the user.
for _name, _method in list(vars(Store).items()):
    if inspect.isfunction(_method) and not _name.startswith("_"):
        setattr(Store, _name, _speaks_sql(_method))
