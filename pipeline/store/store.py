"""The store's interface: files, history and messages, the same on every back end (SqliteStore in
sqlite.py, PostgresStore in postgres/store.py), with the same records and the same errors.

Exactly-once rests on three rules kept here: a file's row is created before it leaves
incoming/, its outcome (submission, values, findings, verdict) is written in one transaction
(`decide`, the one write that spans files and history), and a verdict is final: a re-run
only finishes moving the file to where its verdict says.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.domain.findings import Finding
from pipeline.domain.history import Submission
from pipeline.domain.verdicts import Verdict
from pipeline.store.errors import speaking
from pipeline.store.figures import Figures
from pipeline.store.files import Files
from pipeline.store.history import History
from pipeline.store.mailbox import Mailbox
from pipeline.store.messages import Messages


@speaking  # every public method speaks SQL, so every one says what its back end's errors mean
class Store(Files, History, Messages, Mailbox, Figures):
    """The pipeline's database. Use as a context manager, or call close().

    `Store(path)` opens the SQLite file at `path`, the embedded default; `open_store(config)` (in
    pipeline.store) opens the back end config.toml names.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Store:  # the interface itself: the SQLite back end, as before there were two
            from pipeline.store.sqlite import SqliteStore

            return super().__new__(SqliteStore)
        return super().__new__(cls)

    def schema_version(self) -> int:
        """The version of the schema the database is at (the last of schema.MIGRATIONS once opened)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def decide(
        self,
        file_id: int,
        *,
        verdict: Verdict | str,
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
        verdict = Verdict(verdict)
        with self.transaction():
            self._db.execute(
                "UPDATE files SET verdict = ?, destination = ?, reason = ?, decided_at = ?, period = ?, "
                "partnership = ?, duplicate_of = ? WHERE id = ? AND verdict = 'pending'",
                (verdict.value, destination, reason, decided_at, period, partnership, duplicate_of, file_id),
            )
            self._db.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (file_id, n, f.code, f.severity, f.sheet, f.cell, f.row, f.value, f.message, f.fix)
                    for n, f in enumerate(findings)
                ],
            )
            if verdict is not Verdict.DUPLICATE:  # a copy changes no figure and no count in the outputs
                self._db.execute("INSERT INTO feedback_due VALUES (?) ON CONFLICT DO NOTHING", (file_id,))
                if period:
                    self._db.execute("INSERT INTO stale_periods VALUES (?) ON CONFLICT DO NOTHING", (period,))
            if submission is None:
                return None
            return self._add_submission(file_id, submission)
