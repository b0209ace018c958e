"""Accepted returns as rows: a submission with its indicator values, action updates and risk
updates written together, which return counts for a partnership and period, and the history
of counting figures that rating, templates and the packs read.

Figures are kept as text, never floats, and come back as the Decimal they went in as.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from pipeline.domain.history import (
    ActionUpdate,
    AreaCounts,
    AreaValues,
    Highlights,
    HistoryValue,
    RiskUpdate,
    Submission,
    SubmissionRecord,
    with_imported,
)
from pipeline.store.imported import Imported


def _area_text(values: AreaValues) -> str:
    # JSON, so an area's name may hold any character; figures as text, like every other figure here.
    return json.dumps([[area, _text(value)] for area, value in values], ensure_ascii=False) if values else ""


def _area_values(text: str) -> AreaValues:
    return tuple((area, _dec(value)) for area, value in json.loads(text)) if text else ()


def _counts_text(counts: AreaCounts) -> str:
    return json.dumps([[area, _text(x), _text(n)] for area, x, n in counts], ensure_ascii=False) if counts else ""


def _area_counts(text: str) -> AreaCounts:
    return tuple((area, _dec(x), _dec(n)) for area, x, n in json.loads(text)) if text else ()


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _submission_record(row: tuple) -> SubmissionRecord:
    """A row of History.submissions' SELECT as a record; SQLite keeps the two flags as 0 or 1."""
    return SubmissionRecord(
        id=row[0],
        file_id=row[1],
        partnership=row[2],
        period=row[3],
        template_version=row[4],
        completed_by=row[5],
        email=row[6],
        date_completed=row[7],
        signed_off=bool(row[8]),
        overall_commentary=row[9],
        received_at=row[10],
        counts=bool(row[11]),
        superseded_by=row[12],
        file_name=row[13],
        file_location=row[14],
        highlights=Highlights(*row[15:19]),
    )


class History(Imported):
    def _add_submission(self, file_id: int, s: Submission) -> int:
        """Write an accepted return and make it the one that counts, unless a later-received one does.
        Called inside the transaction that records the file's verdict."""
        received_at = self._db.execute("SELECT received_at FROM files WHERE id = ?", (file_id,)).fetchone()[0]
        (sid,) = self._db.execute(
            "INSERT INTO submissions (file_id, partnership, period, template_version, completed_by, email, "
            "date_completed, signed_off, overall_commentary, received_at, key_achievements, next_quarter_plans, "
            "board_issues, overall_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                s.highlights.achievements,
                s.highlights.next_quarter,
                s.highlights.issues_for_board,
                s.highlights.overall_status,
            ),
        ).fetchone()
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
            "INSERT INTO indicator_values (submission_id, code, actual, data_quality, commentary, remedial_action, "
            "cell, area_values, numerator, denominator, area_counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    _text(v.numerator),
                    _text(v.denominator),
                    _counts_text(v.area_counts),
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

    def submissions(self, *, period: str | None = None, counting_only: bool = False) -> list[SubmissionRecord]:
        sql = (
            "SELECT s.id, s.file_id, s.partnership, s.period, s.template_version, s.completed_by, s.email, "
            "s.date_completed, s.signed_off, s.overall_commentary, s.received_at, s.counts, "
            "s.superseded_by, f.name, f.location, s.key_achievements, s.next_quarter_plans, s.board_issues, "
            "s.overall_status FROM submissions s JOIN files f ON f.id = s.file_id"
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
        return [_submission_record(r) for r in rows]

    def first_received(self, period: str) -> dict[str, str]:
        """Partnership -> when its first accepted return for the period arrived (superseded or not):
        lateness is judged by it, so a correction sent after the deadline does not make it late."""
        return dict(
            self._db.execute(
                "SELECT partnership, MIN(received_at) FROM submissions WHERE period = ? GROUP BY partnership", (period,)
            )
        )

    def history(self, codes: Iterable[str] | None = None) -> Iterator[HistoryValue]:
        """Every counting indicator value, oldest period first: the returns', and the imported
        figures where no return gives one (domain.history.with_imported)."""
        codes = None if codes is None else list(codes)
        yield from with_imported(list(self._returned(codes)), self.imported_values(codes))

    def _returned(self, codes: list[str] | None) -> Iterator[HistoryValue]:
        sql = (
            "SELECT v.code, s.period, v.actual, v.data_quality, v.commentary, v.remedial_action, "
            "v.area_values, s.id, f.name, s.received_at, v.cell, s.signed_off, v.numerator, v.denominator, "
            "v.area_counts FROM indicator_values v "
            "JOIN submissions s ON s.id = v.submission_id JOIN files f ON f.id = s.file_id "
            "WHERE s.counts = 1"
        )
        args: list = []
        if codes is not None:
            sql += f" AND v.code IN ({','.join('?' * len(codes))})"
            args = codes
        for r in self._db.execute(sql + " ORDER BY s.period, v.code", args):
            yield HistoryValue(
                r[0],
                r[1],
                _dec(r[2]),
                r[3],
                r[4],
                r[5],
                _area_values(r[6]),
                r[7],
                r[8],
                r[9],
                cell=r[10],
                signed_off=bool(r[11]),
                numerator=_dec(r[12]),
                denominator=_dec(r[13]),
                area_counts=_area_counts(r[14]),
            )

    def actuals(self, *, returns_only: bool = False) -> dict[tuple[str, str], Decimal]:
        """(code, period) -> the counting actual, oldest period first: what templates pre-fill
        from and ingest's outlier checks compare with, imported figures included unless
        `returns_only` (what a partnership has sent). Only the figures are read: every pass
        that examines a file asks for the whole history."""
        rows = self._db.execute(
            "SELECT v.code, s.period, v.actual FROM indicator_values v JOIN submissions s "
            "ON s.id = v.submission_id WHERE s.counts = 1 AND v.actual IS NOT NULL ORDER BY s.period, v.code"
        )
        returned = {(code, period): Decimal(actual) for code, period, actual in rows}
        if returns_only:
            return returned
        imported = self._db.execute(
            "SELECT code, period, actual, replaces_return FROM imported_values WHERE area = '' AND actual IS NOT NULL"
        ).fetchall()
        if not imported:
            return returned
        for code, period, actual, replaces in imported:
            if replaces or (code, period) not in returned:
                returned[(code, period)] = Decimal(actual)
        return dict(sorted(returned.items(), key=lambda item: (item[0][1], item[0][0])))

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
