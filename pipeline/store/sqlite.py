"""The SQLite store: files, history and messages over one connection to one file under the
state folder (WAL mode, so readers never block the writer).

Exactly-once rests on three rules kept here: a file's row is created before it leaves
incoming/, its outcome (submission, values, findings, verdict) is written in one transaction
(`decide`, the one write that spans files and history), and a verdict is final: a re-run
only finishes moving the file to where its verdict says.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from pipeline.domain.findings import Finding
from pipeline.domain.history import Submission
from pipeline.domain.verdicts import Verdict
from pipeline.store.errors import speaks_sql
from pipeline.store.files import Files
from pipeline.store.history import History
from pipeline.store.mailbox import Mailbox
from pipeline.store.messages import Messages


class Store(Files, History, Messages, Mailbox):
    """The pipeline's database. Use as a context manager, or call close()."""

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
                self._db.execute("INSERT OR IGNORE INTO feedback_due VALUES (?)", (file_id,))
                if period:
                    self._db.execute("INSERT OR IGNORE INTO stale_periods VALUES (?)", (period,))
            if submission is None:
                return None
            return self._add_submission(file_id, submission)


# Every public method speaks SQL, so every one says what SQLite's errors mean for the user.
for _name, _method in inspect.getmembers(Store, inspect.isfunction):
    if not _name.startswith("_"):
        setattr(Store, _name, speaks_sql(_method))
