"""The store's tables, and the checks made when a store is opened."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from pipeline.store.errors import unusable

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


def open_schema(db: sqlite3.Connection, path: Path) -> None:
    """Check that `db` is a pipeline store, and make its tables if it has none (or not all of them)."""
    # Read before anything is written: a file that is not ours (damaged, or another program's
    # database put here by mistake) is left exactly as it is, WAL files and all.
    tables = {
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not name.startswith("sqlite_")
    }
    if tables - _TABLES:
        raise unusable(
            path,
            f"belongs to another program (it has tables such as "
            f"{', '.join(sorted(tables - _TABLES)[:3])}, which the pipeline never made)",
        )
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    if tables != _TABLES:  # new, or made by a run killed before its tables were all there
        # One transaction, so a kill leaves all of the tables or none.
        db.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA} INSERT OR IGNORE INTO meta VALUES "
            f"('schema_version', '{SCHEMA_VERSION}'); COMMIT;"
        )
