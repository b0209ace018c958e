"""Past figures loaded by `pipeline import-history`: kept apart from returns, with where each came
from, so they are history (direction of travel, last year, trends) and never count as a return."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from pipeline.domain.history import ImportedValue
from pipeline.store.base import Database


@dataclass(frozen=True)
class ImportCount:
    """What keeping a file's figures changed: new figures, figures that differed and were replaced, and the same again."""

    added: int
    changed: int
    unchanged: int


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _same(row: tuple, v: ImportedValue) -> bool:
    return (_decimal(row[0]), row[1], row[2], bool(row[3]), _decimal(row[4]), _decimal(row[5])) == (
        v.actual,
        v.data_quality,
        v.note,
        v.replaces_return,
        v.numerator,
        v.denominator,
    )


class Imported(Database):
    def keep_imported(self, values: Iterable[ImportedValue], *, now: str) -> ImportCount:
        """Keep each figure (one per code, period and area), in one transaction. A figure already kept
        as it is stays untouched, time and all, so importing the same file again changes nothing."""
        added = changed = unchanged = 0
        with self.transaction():
            for v in values:
                row = self._db.execute(
                    "SELECT actual, data_quality, note, replaces_return, numerator, denominator FROM imported_values "
                    "WHERE code = ? AND period = ? AND area = ?",
                    (v.code, v.period, v.area),
                ).fetchone()
                if row is not None and _same(row, v):
                    unchanged += 1
                    continue
                if row is None:
                    added += 1
                else:
                    changed += 1
                self._db.execute(
                    "DELETE FROM imported_values WHERE code = ? AND period = ? AND area = ?",
                    (v.code, v.period, v.area),
                )
                self._db.execute(
                    "INSERT INTO imported_values (code, period, area, actual, data_quality, note, file_name, "
                    "file_sha256, source_row, imported_at, replaces_return, numerator, denominator) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        v.code,
                        v.period,
                        v.area,
                        _text(v.actual),
                        v.data_quality,
                        v.note,
                        v.file_name,
                        v.file_sha256,
                        v.row,
                        now,
                        int(v.replaces_return),
                        _text(v.numerator),
                        _text(v.denominator),
                    ),
                )
        return ImportCount(added, changed, unchanged)

    def imported_values(self, codes: Iterable[str] | None = None) -> list[ImportedValue]:
        """Every imported figure, oldest period first."""
        sql = (
            "SELECT code, period, area, actual, data_quality, note, file_name, file_sha256, source_row, "
            "imported_at, replaces_return, numerator, denominator FROM imported_values"
        )
        args: list = []
        if codes is not None:
            args = list(codes)
            sql += f" WHERE code IN ({','.join('?' * len(args))})"
        rows = self._db.execute(sql + " ORDER BY period, code, area", args).fetchall()
        return [
            ImportedValue(
                r[0],
                r[1],
                r[2],
                _decimal(r[3]),
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                bool(r[10]),
                _decimal(r[11]),
                _decimal(r[12]),
            )
            for r in rows
        ]
