"""Rated figures as rows: what the analysts' `indicator_history` view reads (schema.py, migration 2).

A rating needs the register and the rating rules, which the database does not have, so the pass
stores each period's figures as rated when it builds that period's pack, replacing what it stored
before: the view is as fresh as the latest pack.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pipeline.domain.history import RatedFigure
from pipeline.store.base import Database


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _row(f: RatedFigure) -> tuple:
    return (
        f.partnership, f.partnership_name, f.code, f.indicator, f.period, f.area, f.unit, f.polarity,
        None if f.cumulative is None else int(f.cumulative), _text(f.target), _text(f.actual), f.rating,
        f.direction, f.direction_last_year, f.data_quality, int(f.provisional), f.source, f.received,
    )  # fmt: skip


def _figure(r: tuple) -> RatedFigure:
    return RatedFigure(
        partnership=r[0],
        partnership_name=r[1],
        code=r[2],
        indicator=r[3],
        period=r[4],
        area=r[5],
        unit=r[6],
        polarity=r[7],
        cumulative=None if r[8] is None else bool(r[8]),
        target=_dec(r[9]),
        actual=_dec(r[10]),
        rating=r[11],
        direction=r[12],
        direction_last_year=r[13],
        data_quality=r[14],
        provisional=bool(r[15]),
        source=r[16],
        received=r[17],
    )


class Figures(Database):
    def rated(self, period: str, figures: Iterable[RatedFigure]) -> None:
        """The period's figures as rated now, in place of those stored before (in one transaction)."""
        with self.transaction():
            self._db.execute("DELETE FROM rated_figures WHERE period = ?", (period,))
            self._db.executemany(
                "INSERT INTO rated_figures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_row(f) for f in figures],
            )

    def rated_figures(self, period: str | None = None) -> list[RatedFigure]:
        sql, args = "SELECT * FROM rated_figures", []
        if period is not None:
            sql, args = sql + " WHERE period = ?", [period]
        rows = self._db.execute(sql + " ORDER BY period, partnership, code, area", args).fetchall()
        return [_figure(r) for r in rows]
