"""The overrides workbook: officers' manual ratings (Period, Code, Rating, Reason, Who, and an optional Date).

A row whose rating the indicator's scheme does not have (Amber/Red on a 3-level indicator) is
refused with a finding naming the row, so `pipeline check` and the master workbook's Validation
sheet say so; the calculated rating then stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pipeline.domain.findings import Finding, finding
from pipeline.domain.periods import parse_period
from pipeline.domain.records import Register, Scheme
from pipeline.domain.text import header_key
from pipeline.rating.rag import Override, Rag, parse_rag, scheme_ratings

VERDICT = "refused"


@dataclass(frozen=True)
class Refused:
    """An overrides row that does not count, and why."""

    period: str
    partnership: str
    finding: Finding


@dataclass(frozen=True)
class Overrides:
    """The rows of the overrides workbook that count, by (period, code), and those refused."""

    source: str = ""  # the workbook's file name; "" when config.toml names none
    accepted: dict[tuple[str, str], Override] | None = None
    refused: tuple[Refused, ...] = ()

    def get(self, period: str, code: str) -> Override | None:
        return (self.accepted or {}).get((period, code))

    @property
    def findings(self) -> list[Finding]:
        return [r.finding for r in self.refused]


def _listed(ratings: tuple[Rag, ...], last: str) -> str:
    words = [r.value for r in ratings]
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _day(value: object) -> date | None:
    """A Date cell's day; None (not known) for a blank or anything but a date."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def read_overrides(path: Path | None, register: Register, default_scheme: Scheme) -> Overrides:
    """The officers' manual ratings: the workbook's first sheet (Overrides), refusing ratings outside a scheme."""
    if path is None:
        return Overrides()
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[book.sheetnames[0]]
        rows = sheet.iter_rows(values_only=True)
        header = [header_key(h) for h in next(rows, ())]
        accepted: dict[tuple[str, str], Override] = {}
        refused = []
        for number, values in enumerate(rows, start=2):
            record = dict(zip(header, values))
            rating = parse_rag(str(record.get("rating") or ""))
            if not record.get("code") or rating is None:
                continue
            period = str(parse_period(str(record.get("period"))))
            code = str(record["code"]).strip()
            indicator = register.by_code.get(code)
            if indicator is not None:
                scheme = indicator.scheme or default_scheme
                allowed = scheme_ratings(scheme)
                if rating not in allowed:
                    message = (
                        f"{path.name}: {code} cannot be rated {rating.value} for {period}: it is rated on the "
                        f"{scheme.value} scheme, whose ratings are {_listed(allowed, 'and')}, so the calculated "
                        "rating stands."
                    )
                    fix = f"Change the rating in row {number} to {_listed(allowed, 'or')}, or delete the row."
                    where = {"sheet": sheet.title, "row": number, "value": rating.value}
                    refused.append(
                        Refused(
                            period, indicator.partnership, finding("override-outside-scheme", message, fix, **where)
                        )
                    )
                    continue
            accepted[(period, code)] = Override(
                period=period,
                code=code,
                rating=rating,
                reason=str(record.get("reason") or ""),
                who=str(record.get("who") or ""),
                made_on=_day(record.get("date")),
            )
        return Overrides(path.name, accepted, tuple(refused))
    finally:
        book.close()
