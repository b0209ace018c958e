"""The indicator register: the Excel workbook officers maintain, read into records.

Headers are matched by label, tolerant of case, spacing and punctuation, in any
column order, so an officer can re-arrange or re-case the sheet in Excel.
Cell-level problems become findings (rows.py reads each row into its record; see
smart.py for the SMART checks); only a missing sheet or column stops the read,
since nothing sensible follows.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.domain.errors import OutputError, RegisterError
from pipeline.domain.findings import Finding, has_errors
from pipeline.domain.records import Register
from pipeline.domain.text import header_key
from pipeline.register.rows import read_action, read_indicator, read_partnership, read_risk
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
        # Optional: the plain-English name the public summary uses; blank or absent, the Title.
        Column("public_name", "Public name", required=False),
        # Optional: whether the figures may be published; blank or absent, small numbers are suppressed.
        Column("publish", "Publish", required=False),
        Column("counts", "Numerator and denominator", required=False),
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
    partnerships = tuple(read_partnership(row, r) for row, r in tables["Partnerships"])
    # The Partnership column takes the full name as well as the short one: an officer types what they see.
    short = {p.name.casefold(): p.short_name for p in partnerships if p.name}
    short.update({p.short_name.casefold(): p.short_name for p in partnerships if p.short_name})

    def owned(record):
        found = short.get(" ".join(record.partnership.split()).casefold())
        return replace(record, partnership=found) if found and found != record.partnership else record

    indicators = tuple(owned(read_indicator(row, r, findings)) for row, r in tables["Indicators"])
    actions = tuple(owned(read_action(row, r, findings)) for row, r in tables["Actions"])
    risks = tuple(owned(read_risk(row, r, findings)) for row, r in tables["Risks"])
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
    from pipeline.domain import findings, records, text
    from pipeline.register import rows, smart

    for module in (sys.modules[__name__], rows, records, smart, findings, text):
        source = module.__file__
        assert source is not None  # our own modules, each imported from its file
        key.update(Path(source).read_bytes())
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
