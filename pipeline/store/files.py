"""Files as rows: each file that entered the inbox, where it is, its verdict and its findings,
and the follow-up work a verdict leaves (feedback to give, packs to build) that must survive a crash."""

from __future__ import annotations

from pipeline.domain.findings import Finding
from pipeline.domain.history import FileRecord
from pipeline.domain.verdicts import Verdict
from pipeline.store.base import Database


def file_record(row: tuple) -> FileRecord:
    """A row of `files` (SELECT *, columns in the order the schema makes them) as a record; the verdict
    is kept as its word."""
    return FileRecord(
        id=row[0],
        sha256=row[1],
        name=row[2],
        size=row[3],
        received_at=row[4],
        location=row[5],
        verdict=Verdict(row[6]),
        destination=row[7],
        reason=row[8],
        period=row[9],
        partnership=row[10],
        duplicate_of=row[11],
        decided_at=row[12],
    )


class Files(Database):
    def add_file(self, *, sha256: str, name: str, size: int, received_at: str, location: str) -> int:
        with self.transaction():
            # RETURNING, not the cursor's lastrowid, which PostgreSQL's driver does not give.
            return self._db.execute(
                "INSERT INTO files (sha256, name, size, received_at, location) VALUES (?, ?, ?, ?, ?) RETURNING id",
                (sha256, name, size, received_at, location),
            ).fetchone()[0]

    def file(self, file_id: int) -> FileRecord:
        return file_record(self._db.execute("SELECT * FROM files WHERE id = ?", (file_id,)).fetchone())

    def file_at(self, location: str) -> FileRecord | None:
        row = self._db.execute(
            "SELECT * FROM files WHERE location = ? ORDER BY id DESC LIMIT 1", (location,)
        ).fetchone()
        return file_record(row) if row else None

    def files(self, *, period: str | None = None) -> list[FileRecord]:
        if period is None:
            rows = self._db.execute("SELECT * FROM files ORDER BY id").fetchall()
        else:
            rows = self._db.execute("SELECT * FROM files WHERE period = ? ORDER BY id", (period,)).fetchall()
        return [file_record(r) for r in rows]

    def pending_files(self) -> list[FileRecord]:
        """Files received but not yet at their verdict's destination (after a crash)."""
        rows = self._db.execute(
            "SELECT * FROM files WHERE verdict = 'pending' OR location != destination ORDER BY id"
        ).fetchall()
        return [file_record(r) for r in rows]

    def decided_with_same_bytes(self, sha256: str, exclude_id: int) -> FileRecord | None:
        """An earlier accepted file with these bytes. A copy of a rejected file is examined afresh: what
        rejected it may have changed since (the quarter has started, the register has been corrected)."""
        row = self._db.execute(
            "SELECT * FROM files WHERE sha256 = ? AND id != ? AND verdict = 'accepted' ORDER BY id LIMIT 1",
            (sha256, exclude_id),
        ).fetchone()
        return file_record(row) if row else None

    def replaced_by(self, file_id: int) -> FileRecord | None:
        """The file whose return now counts in place of this (accepted, since replaced) file's."""
        row = self._db.execute(
            "SELECT f.* FROM submissions s JOIN submissions later ON later.partnership = s.partnership "
            "AND later.period = s.period AND later.counts = 1 JOIN files f ON f.id = later.file_id "
            "WHERE s.file_id = ? AND s.counts = 0",
            (file_id,),
        ).fetchone()
        return file_record(row) if row else None

    def moved(self, file_id: int, location: str) -> None:
        with self.transaction():
            self._db.execute("UPDATE files SET location = ? WHERE id = ?", (location, file_id))

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
            self._db.execute("INSERT INTO stale_periods VALUES (?) ON CONFLICT DO NOTHING", (period,))

    def period_built(self, period: str) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM stale_periods WHERE period = ?", (period,))
