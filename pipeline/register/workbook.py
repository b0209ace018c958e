"""The indicator register: the Excel workbook officers maintain, read into records.

Headers are matched by label, tolerant of case, spacing and punctuation, in any
column order, so an officer can re-arrange or re-case the sheet in Excel.
Cell-level problems become findings (see smart.py for the SMART checks);
only a missing sheet or column stops the read, since nothing sensible follows.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pipeline.domain.errors import OutputError, RegisterError
from pipeline.domain.findings import Finding, finding, has_errors
from pipeline.domain.records import (
    Action,
    Frequency,
    Indicator,
    Partnership,
    Polarity,
    Register,
    Risk,
    Scheme,
    parse_tolerance,
)
from pipeline.support.atomic import write_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    required: bool = True


SHEETS: dict[str, tuple[Column, ...]] = {
    "Partnerships": (
        Column("name", "Name"),
        Column("short_name", "Short name"),
        Column("chair", "Chair"),
        Column("lead_officer", "Lead officer"),
        Column("email", "Email"),
    ),
    "Indicators": (
        Column("code", "Code"),
        Column("title", "Title"),
        Column("partnership", "Partnership"),
        Column("unit", "Unit"),
        Column("polarity", "Polarity"),
        Column("frequency", "Frequency"),
        Column("cumulative", "Cumulative"),
        Column("baseline", "Baseline"),
        Column("baseline_period", "Baseline period"),
        Column("annual_target", "Annual target"),
        Column("q1", "Q1 target"),
        Column("q2", "Q2 target"),
        Column("q3", "Q3 target"),
        Column("q4", "Q4 target"),
        Column("final_target", "Final target"),
        Column("final_target_year", "Final target year"),
        Column("tolerance", "Tolerance"),
        Column("scheme", "RAG scheme"),
        Column("target_lead", "Target lead"),
        Column("delivery_group", "Delivery group"),
        Column("data_source", "Data source"),
        Column("definition", "Definition"),
        # Optional, so registers made before narrowing-the-gap reporting still read.
        Column("areas", "Areas", required=False),
    ),
    "Actions": (
        Column("ref", "Ref"),
        Column("partnership", "Partnership"),
        Column("action", "Action"),
        Column("owner", "Owner"),
        Column("start", "Start date"),
        Column("due", "Due date"),
    ),
    "Risks": (
        Column("ref", "Ref"),
        Column("partnership", "Partnership"),
        Column("risk", "Risk"),
        Column("owner", "Owner"),
        Column("likelihood", "Likelihood (1-5)"),
        Column("impact", "Impact (1-5)"),
        Column("mitigation", "Mitigation"),
    ),
}


def header_key(label: object) -> str:
    """Fold a header so 'Q1 Target', 'q1  target' and 'Q1-target' match."""
    return _header_key(str(label or ""))


@functools.lru_cache(maxsize=4096)  # ingest folds the same few labels for every row of every return
def _header_key(label: str) -> str:
    text = label.casefold().replace("&", "and")
    text = re.sub(r"\(.*?\)", "", text)  # '(1-5)' is a hint, not part of the name
    return re.sub(r"[^a-z0-9£%]+", "", text)


def read_register(path: Path) -> tuple[Register, list[Finding]]:
    """Read the register workbook into records and cell-level findings."""
    from openpyxl import load_workbook  # lazy: keeps `pipeline --help` fast

    path = Path(path)
    if not path.is_file():
        raise RegisterError(f"The register workbook {path} does not exist.", fix="Check paths.register in config.toml.")
    data = path.read_bytes()
    try:
        from io import BytesIO

        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any reader failure means the same thing to the officer
        raise RegisterError(
            f"The register {path.name} could not be opened as an Excel workbook ({type(exc).__name__}).",
            fix="Open it in Excel, check it is an .xlsx file, and save it again.",
        ) from None
    try:
        tables = {name: _table(book, path, name, columns) for name, columns in SHEETS.items()}
    finally:
        book.close()
    findings: list[Finding] = []
    partnerships = tuple(_partnership(row, r) for row, r in tables["Partnerships"])
    indicators = tuple(_indicator(row, r, findings) for row, r in tables["Indicators"])
    actions = tuple(_action(row, r, findings) for row, r in tables["Actions"])
    risks = tuple(_risk(row, r, findings) for row, r in tables["Risks"])
    register = Register(
        partnerships=partnerships,
        indicators=indicators,
        actions=actions,
        risks=risks,
        source=str(path),
        digest=hashlib.sha256(data).hexdigest(),
    )
    return register, findings


def load_register(path: Path, cache: Path | None = None) -> Register:
    """Read the register for a stage that needs it sound; errors stop the run.

    With `cache` (a folder), a sound register is kept there as pickled records, named by
    the workbook's bytes and this code: openpyxl takes most of a second to read a county
    register, every pass. An edited register, or a changed reader, misses the cache.
    """
    from pipeline.register.smart import check_register

    path = Path(path)
    digest, kept = _cached(path, cache) if cache is not None and path.is_file() else (None, None)
    if kept is not None and kept.is_file():
        try:
            register = pickle.loads(kept.read_bytes())
            if isinstance(register, Register) and register.digest == digest:
                return register
        except Exception:  # a damaged cache file is read again from the workbook
            log.info("Reading the register again: its cached copy %s could not be loaded", kept)
    register, findings = read_register(path)
    findings = findings + check_register(register)
    if has_errors(findings):
        first = next(f for f in findings if f.severity == "error")
        count = sum(f.severity == "error" for f in findings)
        raise RegisterError(
            f"The register {Path(path).name} has {count} error(s), the first at {first.where}: {first.message}",
            fix="Run `pipeline check` to see them all, correct the register, and try again.",
        )
    if kept is not None and register.digest == digest:  # else the workbook was saved again meanwhile
        for p in register.partnerships:  # worked out once here, kept in the cache, not once a pass
            register.rows_hash(p.short_name)
        _keep(register, kept)
    return register


def _cached(path: Path, cache: Path) -> tuple[str, Path]:
    """The workbook's digest, and where its records are kept: named by its bytes and the code reading them."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    key = hashlib.sha256(digest.encode("ascii"))
    key.update(str(path).encode("utf-8"))  # Register.source names the file as it was given
    key.update(_openpyxl_version().encode("ascii"))
    from pipeline.domain import findings, records
    from pipeline.register import smart

    for module in (sys.modules[__name__], records, smart, findings):
        key.update(Path(module.__file__).read_bytes())
    return digest, cache / f"register-{key.hexdigest()[:32]}.pickle"


@functools.lru_cache(maxsize=1)  # a watch loop asks every pass
def _openpyxl_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openpyxl")  # the package's metadata: importing openpyxl would cost what the cache saves
    except PackageNotFoundError:
        return ""


def _keep(register: Register, kept: Path) -> None:
    """Save the register's records as `kept`, the only cached register (older ones are stale)."""
    try:
        write_bytes(kept, pickle.dumps(register, protocol=pickle.HIGHEST_PROTOCOL))
        for old in kept.parent.glob("register-*.pickle"):
            if old != kept:
                old.unlink(missing_ok=True)
    except (OSError, OutputError) as exc:  # a cache that cannot be written costs time on the next pass, nothing else
        log.info("Could not cache the register in %s (%s)", kept.parent, exc)


def _table(book, path: Path, name: str, columns: tuple[Column, ...]) -> list[tuple[int, dict]]:
    sheets = {header_key(s): s for s in book.sheetnames}
    actual = sheets.get(header_key(name))
    if actual is None:
        raise RegisterError(
            f"The register {path.name} has no sheet called {name!r} (it has: {', '.join(book.sheetnames)}).",
            fix=f"Add or rename a sheet to {name!r}.",
        )
    rows = book[actual].iter_rows(values_only=True)
    header = next(rows, ())
    positions = {header_key(label): i for i, label in enumerate(header) if label is not None}
    where: dict[str, int] = {}
    for column in columns:
        index = positions.get(header_key(column.label))
        if index is None:
            if column.required:
                raise RegisterError(
                    f"The register's {name} sheet has no {column.label!r} column.",
                    fix=f"Add a column headed {column.label!r} to row 1 of the {name} sheet.",
                )
            continue
        where[column.field] = index
    table = []
    for number, values in enumerate(rows, start=2):
        record = {f: (values[i] if i < len(values) else None) for f, i in where.items()}
        if all(v is None or str(v).strip() == "" for v in record.values()):
            continue  # blank rows between blocks are normal in officers' sheets
        table.append((number, record))
    return table


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


_LARGEST = Decimal(10) ** 15  # as the return template's validations allow


def _number(row: int, r: dict, field: str, label: str, sheet: str, findings: list) -> Decimal | None:
    value = r.get(field)
    text = _text(value)
    if not text:
        return None
    if not isinstance(value, bool):
        try:
            number = Decimal(text.replace(",", "").rstrip("%").strip())
        except InvalidOperation:
            number = None
        # 'NaN' and 'inf' parse, but are not figures; nor is 1e1000, which no target is and which
        # would overflow the arithmetic of every rating made with it.
        if number is not None and number.is_finite() and abs(number) < _LARGEST:
            return number
    findings.append(
        finding(
            "bad-number",
            f"{label} {text!r} is not a number.",
            "Type a number (no words or units).",
            sheet=sheet,
            row=row,
            value=text,
        )
    )
    return None


def _date(row: int, r: dict, field: str, label: str, sheet: str, findings: list) -> date | None:
    value = r.get(field)
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for form in ("%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(_text(value), form).date()
        except ValueError:
            continue
    findings.append(
        finding(
            "bad-date",
            f"{label} {_text(value)!r} is not a date.",
            "Type a date such as 31/03/2026.",
            sheet=sheet,
            row=row,
            value=_text(value),
        )
    )
    return None


def _choice(row, r, field, label, sheet, enum, code, findings):
    text = _text(r.get(field))
    for member in enum:
        if header_key(member.value) == header_key(text):
            return member
    allowed = ", ".join(m.value for m in enum)
    if text or code != "bad-scheme":
        findings.append(
            finding(
                code,
                f"{label} {text!r} is not one of: {allowed}.",
                f"Choose one of: {allowed}.",
                sheet=sheet,
                row=row,
                value=text,
            )
        )
    return None


def _partnership(row: int, r: dict) -> Partnership:
    return Partnership(*(_text(r[f]) for f in ("name", "short_name", "chair", "lead_officer", "email")), row=row)


def _indicator(row: int, r: dict, findings: list) -> Indicator:
    sheet = "Indicators"
    cumulative_text = _text(r["cumulative"]).casefold()
    if cumulative_text not in ("yes", "no", "y", "n", ""):
        findings.append(
            finding(
                "bad-yes-no",
                f"Cumulative {_text(r['cumulative'])!r} is not Yes or No.",
                "Type Yes or No.",
                sheet=sheet,
                row=row,
                value=_text(r["cumulative"]),
            )
        )
    tolerance_text = _text(r["tolerance"])
    tolerance = parse_tolerance(r["tolerance"]) if tolerance_text else None
    if tolerance_text and tolerance is None:
        findings.append(
            finding(
                "malformed-tolerance",
                f"Tolerance {tolerance_text!r} is not understood.",
                "Type a percentage of the target such as 5% or an amount such as 2.",
                sheet=sheet,
                row=row,
                value=tolerance_text,
            )
        )
    scheme = (
        _choice(row, r, "scheme", "RAG scheme", sheet, Scheme, "bad-scheme", findings) if _text(r["scheme"]) else None
    )
    return Indicator(
        code=_text(r["code"]),
        title=_text(r["title"]),
        partnership=_text(r["partnership"]),
        unit=_text(r["unit"]),
        polarity=_choice(row, r, "polarity", "Polarity", sheet, Polarity, "bad-polarity", findings) or Polarity.NONE,
        frequency=_choice(row, r, "frequency", "Frequency", sheet, Frequency, "bad-frequency", findings)
        or Frequency.QUARTERLY,
        cumulative=cumulative_text in ("yes", "y"),
        baseline=_number(row, r, "baseline", "Baseline", sheet, findings),
        baseline_period=_text(r["baseline_period"]),
        annual_target=_number(row, r, "annual_target", "Annual target", sheet, findings),
        quarter_targets=tuple(_number(row, r, f"q{q}", f"Q{q} target", sheet, findings) for q in (1, 2, 3, 4)),
        final_target=_number(row, r, "final_target", "Final target", sheet, findings),
        final_target_year=_text(r["final_target_year"]),
        tolerance=tolerance,
        scheme=scheme,
        target_lead=_text(r["target_lead"]),
        delivery_group=_text(r["delivery_group"]),
        data_source=_text(r["data_source"]),
        definition=_text(r["definition"]),
        areas=split_areas(r.get("areas")),
        row=row,
    )


def split_areas(value: object) -> tuple[str, ...]:
    """'Neighbourhood renewal areas; Rest of borough' -> the two names, in order (blanks dropped)."""
    return tuple(name for name in (_text(part) for part in _text(value).split(";")) if name)


def _action(row: int, r: dict, findings: list) -> Action:
    return Action(
        ref=_text(r["ref"]),
        partnership=_text(r["partnership"]),
        action=_text(r["action"]),
        owner=_text(r["owner"]),
        start=_date(row, r, "start", "Start date", "Actions", findings),
        due=_date(row, r, "due", "Due date", "Actions", findings),
        row=row,
    )


def _score(row: int, r: dict, field: str, label: str, findings: list) -> int | None:
    value = r.get(field)
    if value is None or _text(value) == "":
        return None
    try:
        number = Decimal(_text(value))
    except InvalidOperation:
        number = Decimal(-1)
    if number.is_finite() and number == number.to_integral_value() and 1 <= number <= 5:
        return int(number)
    findings.append(
        finding(
            "bad-score",
            f"{label} {_text(value)!r} is not a whole number from 1 to 5.",
            "Type 1, 2, 3, 4 or 5.",
            sheet="Risks",
            row=row,
            value=_text(value),
        )
    )
    return None


def _risk(row: int, r: dict, findings: list) -> Risk:
    return Risk(
        ref=_text(r["ref"]),
        partnership=_text(r["partnership"]),
        risk=_text(r["risk"]),
        owner=_text(r["owner"]),
        likelihood=_score(row, r, "likelihood", "Likelihood", findings),
        impact=_score(row, r, "impact", "Impact", findings),
        mitigation=_text(r["mitigation"]),
        row=row,
    )
