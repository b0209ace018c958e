"""Test helpers for ingest: a workspace with an inbox, returns filled like a person fills
them, and spoilers that each break ONE thing in a filled return the way people do.

A return is made by the project's own template generator (pipeline.returns.generate) and
filled by header label (demo.fill); a spoiler then opens it with openpyxl,
changes one thing and saves it, as Excel would.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from registers import DEMO_REGISTER, write_config

from demo.fill import (
    ActionEntry,
    CoverEntry,
    IndicatorEntry,
    NewAction,
    NewRisk,
    RiskEntry,
    fill_return,
)
from pipeline.config.load import load_config
from pipeline.domain.periods import Period
from pipeline.domain.records import Register
from pipeline.domain.settings import Config
from pipeline.domain.text import header_key
from pipeline.intake.ingest import Outcome, PassReport, run_pass
from pipeline.outputs.assemble import assemble
from pipeline.outputs.feedback import annotate_all, write_summary
from pipeline.outputs.master import write_master
from pipeline.rating.rag import period_target
from pipeline.returns.generate import due_indicators
from pipeline.returns.layout import template_filename
from pipeline.runtime.cycle import feedback_due
from pipeline.store import Store, open_store

Q1, Q2, Q3, Q4 = (Period(2025, q) for q in (1, 2, 3, 4))
PERIODS = (Q1, Q2, Q3, Q4)
PARTNERSHIPS = ("CYP", "CSP")

RECEIVED = datetime(2025, 7, 10, 9, 30, tzinfo=UTC)  # ten days after 2025-26 Q1 ended
CLEAN_COVER = CoverEntry(
    completed_by="Daniel Price",
    email="cyp.partnership@brackenford.example.org",
    date_completed=date(2025, 7, 10),
    signed_off="Yes",
    overall_commentary="A steady quarter.",
)

# -- the workspace ----------------------------------------------------------------


def on_target(indicator, period: Period):
    """A figure exactly on the period's target (Green), or the baseline when there is no target."""
    target = period_target(indicator, period.quarter)
    return target if target is not None else indicator.baseline


def _merge(defaults: dict, changes: Mapping | None) -> dict:
    """Apply per-key changes: an entry replaces the default, a dict changes some of its fields."""
    out = dict(defaults)
    for key, change in (changes or {}).items():
        if isinstance(change, Mapping):
            out[key] = dataclasses.replace(out[key], **change)
        else:
            out[key] = change
    return out


class Workspace:
    """A config pointed at folders under `root`, with the demo register and shared blank templates."""

    def __init__(
        self, root: Path, register: Register, templates: Path, *, replace: dict | None = None, store_url: str = ""
    ):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.register = register
        self.templates = templates
        if store_url:  # a PostgreSQL database for the history, in place of the SQLite file
            replace = {**(replace or {}), 'url = ""': f'url = "{store_url}"'}
        self.config: Config = load_config(write_config(root, DEMO_REGISTER, replace=replace))
        self.now = RECEIVED  # the pass's clock; tests move it on instead of sleeping
        self.drafts = root / "drafts"
        self.drafts.mkdir(exist_ok=True)
        self.inbox.mkdir(parents=True, exist_ok=True)

    def templates_went_out(self, short: str, period: Period, sent_at: str) -> None:
        """Record the partnership's templates-out message as sent at `sent_at` (ISO, UTC): a template
        sent late moves that partnership's deadline."""
        key = f"{period.slug}/{short}/templates-out"
        with self.store() as store:
            store.queue_message(
                key=key,
                kind="templates-out",
                partnership=short,
                period=str(period),
                recipients=f"{short.lower()}@example.org",
                subject="Template",
                created_at=sent_at,
            )
            store.message_sent(key, sent_at=sent_at)

    def reporting(self, period: Period) -> None:
        """Move the clock on (never back) to ten days after `period` ended, when its returns arrive:
        a return for a quarter that has not started yet is rejected."""
        self.now = max(self.now, datetime.combine(period.end + timedelta(days=10), RECEIVED.timetz()))

    @property
    def inbox(self) -> Path:
        return self.config.paths.inbox

    @property
    def state(self) -> Path:
        return self.config.paths.state

    @property
    def outbox(self) -> Path:
        return self.config.paths.outbox

    def template(self, short: str = "CYP", period: Period = Q1) -> Path:
        return self.templates / template_filename(short, period)

    def fill(
        self,
        name: str = "return.xlsx",
        *,
        short: str = "CYP",
        period: Period = Q1,
        indicators: Mapping | None = None,
        actions: Mapping | None = None,
        risks: Mapping | None = None,
        cover: Mapping | None = None,
        new_actions=(),
        new_risks=(),
        areas: Mapping | None = None,
    ) -> Path:
        """A return in drafts/, correct in every cell unless told otherwise (all Green, signed off).

        Every area of an indicator reported by area has the indicator's figure (no gap)
        unless `areas` ({(code, area): figure}) says otherwise.
        """
        due = due_indicators(self.register, short, period)
        clean_indicators = {i.code: IndicatorEntry(actual=on_target(i, period), data_quality="Validated") for i in due}
        clean_areas = {(i.code, area): on_target(i, period) for i in due for area in i.areas}
        clean_actions = {
            a.ref: ActionEntry(status="On track", percent_complete=50, commentary="Going well.")
            for a in self.register.actions_of(short)
        }
        clean_risks = {r.ref: RiskEntry(commentary="No change.") for r in self.register.risks_of(short)}
        cover_entry = dataclasses.replace(CLEAN_COVER, **(cover or {}))
        return fill_return(
            self.template(short, period),
            self.drafts / name,
            indicators=_merge(clean_indicators, indicators),
            actions=_merge(clean_actions, actions),
            risks=_merge(clean_risks, risks),
            cover=cover_entry,
            new_actions=list(new_actions),
            new_risks=list(new_risks),
            areas={**clean_areas, **(areas or {})},
        )

    def drop(self, path: Path, name: str | None = None, *, age: float = 3600) -> Path:
        """Copy a file into the inbox, last modified `age` seconds ago (so it has settled).

        Settling is judged on the machine's clock, whatever `now` the pass is given.
        """
        target = self.inbox / (name or Path(path).name)
        shutil.copyfile(path, target)
        past = time.time() - age
        os.utime(target, (past, past))
        return target

    def submit(self, name: str = "return.xlsx", **fill) -> Path:
        """Fill a return and drop it in the inbox."""
        return self.drop(self.fill(name, **fill))

    def run(self) -> PassReport:
        """One ingest pass and its feedback files: `pipeline run` before mail and the Word pack."""
        with self.store() as store:
            report = run_pass(self.config, store, now=lambda: self.now)
            due = feedback_due(store)
            annotate_all(self.outbox, self.state, due)
            for d in due:
                write_summary(self.outbox, d.record, d.findings)
                store.feedback_done(d.record.id)
        return report

    def master(self, period: Period = Q1) -> Path:
        """The period's master workbook, built from what the store holds now."""
        with self.store() as store:
            return write_master(assemble(self.config, self.register, store, period), self.outbox)

    @contextmanager
    def store(self) -> Iterator[Store]:
        with open_store(self.config) as store:
            yield store


def outcome(report: PassReport, name: str) -> Outcome:
    """The one outcome for the file that arrived as `name`."""
    found = [o for o in report.outcomes if o.name == name]
    assert len(found) == 1, f"{name}: {report.outcomes}"
    return found[0]


# -- spoilers: each changes ONE thing, as a person would in Excel ------------------------


@contextmanager
def editing(path: Path):
    """Open a workbook with openpyxl, let the caller change it, save it in place."""
    book = load_workbook(path)
    yield book
    book.save(path)


def header_column(ws, label: str) -> int:
    """The 1-based column whose row-1 header is `label` (case and spacing ignored)."""
    for cell in ws[1]:
        if header_key(cell.value) == header_key(label):
            return cell.column
    raise LookupError(f"{ws.title} has no header {label!r}")


def row_of(ws, key: str) -> int:
    """The 1-based row whose first column (Code or Ref) holds `key`."""
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value == key:
            return row
    raise LookupError(f"{ws.title} has no row {key!r}")


def cell_of(path: Path, sheet: str, key: str, label: str) -> str:
    """The A1 reference of the cell in row `key` and column `label`."""
    book = load_workbook(path)
    ws = book[sheet]
    return f"{get_column_letter(header_column(ws, label))}{row_of(ws, key)}"


def put(path: Path, sheet: str, key: str, label: str, value) -> Path:
    """Type `value` in the row `key`, column `label`; text stays text (no formulas)."""
    with editing(path) as book:
        ws = book[sheet]
        cell = ws.cell(row_of(ws, key), header_column(ws, label))
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
    return path


def rename_sheet(path: Path, old: str, new: str) -> Path:
    with editing(path) as book:
        book[old].title = new
    return path


def edit_header(path: Path, sheet: str, label: str, new: str) -> Path:
    """Overwrite one column header, e.g. 'Actual' -> 'Actual figure'."""
    with editing(path) as book:
        ws = book[sheet]
        ws.cell(1, header_column(ws, label)).value = new
    return path


def recase_headers(path: Path, sheet: str) -> Path:
    """Every header upper-cased with stray spaces, as after a careless tidy-up."""
    with editing(path) as book:
        for cell in book[sheet][1]:
            if isinstance(cell.value, str):
                cell.value = f" {cell.value.upper()} "
    return path


def swap_columns(path: Path, sheet: str, first: str, second: str) -> Path:
    """Swap two whole columns, headers included (cut and paste in Excel)."""
    with editing(path) as book:
        ws = book[sheet]
        a, b = header_column(ws, first), header_column(ws, second)
        for row in range(1, ws.max_row + 1):
            ca, cb = ws.cell(row, a), ws.cell(row, b)
            va, vb = ca.value, cb.value
            ca.value, cb.value = vb, va
            for cell, value in ((ca, vb), (cb, va)):
                if isinstance(value, str):
                    cell.data_type = "s"
    return path


def insert_blank_row(path: Path, sheet: str, before: int) -> Path:
    with editing(path) as book:
        book[sheet].insert_rows(before)
    return path


def sort_rows(path: Path, sheet: str, *, reverse: bool = True) -> Path:
    """Sort the data rows by the first column (Code), Z to A by default."""
    with editing(path) as book:
        ws = book[sheet]
        width = ws.max_column
        rows = [
            [ws.cell(r, c).value for c in range(1, width + 1)]
            for r in range(2, ws.max_row + 1)
            if ws.cell(r, 1).value is not None
        ]
        rows.sort(key=lambda values: str(values[0]), reverse=reverse)
        for r, values in enumerate(rows, start=2):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(r, c)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"
    return path


def merge(path: Path, sheet: str, cells: str) -> Path:
    with editing(path) as book:
        book[sheet].merge_cells(cells)
    return path


def add_sheet(path: Path, name: str = "My notes", text: str = "Figures checked with the data team.") -> Path:
    with editing(path) as book:
        book.create_sheet(name)["A1"] = text
    return path


def drop_sheet(path: Path, name: str) -> Path:
    with editing(path) as book:
        del book[name]
    return path


def set_meta(path: Path, key: str, value: str) -> Path:
    """Change one value on the hidden _meta sheet (key in column A, value in column B)."""
    with editing(path) as book:
        ws = book["_meta"]
        for row in range(1, ws.max_row + 1):
            if ws.cell(row, 1).value == key:
                ws.cell(row, 2).value = value
                return path
    raise LookupError(f"_meta has no key {key!r}")


def set_cover(path: Path, label: str, value) -> Path:
    """Change the value next to a Cover label (column B)."""
    with editing(path) as book:
        ws = book["Cover"]
        for row in range(1, ws.max_row + 1):
            if ws.cell(row, 1).value == label:
                ws.cell(row, 2).value = value
                return path
    raise LookupError(f"Cover has no label {label!r}")


def as_text_number(path: Path, sheet: str, key: str, label: str) -> Path:
    """Turn a number cell into the same number stored as text (the green-triangle cell)."""
    with editing(path) as book:
        ws = book[sheet]
        cell = ws.cell(row_of(ws, key), header_column(ws, label))
        cell.value = format(cell.value, "g") if isinstance(cell.value, (int, float)) else str(cell.value)
        cell.data_type = "s"
    return path


def set_raw(path: Path, sheet: str, ref: str, value) -> Path:
    """Set one cell by A1 reference, text kept as text."""
    with editing(path) as book:
        cell = book[sheet][ref]
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
    return path


__all__ = [
    "PARTNERSHIPS",
    "PERIODS",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "ActionEntry",
    "CoverEntry",
    "IndicatorEntry",
    "NewAction",
    "NewRisk",
    "RiskEntry",
    "Workspace",
    "add_sheet",
    "as_text_number",
    "cell_of",
    "drop_sheet",
    "edit_header",
    "editing",
    "header_column",
    "insert_blank_row",
    "merge",
    "on_target",
    "outcome",
    "put",
    "recase_headers",
    "rename_sheet",
    "row_of",
    "set_cover",
    "set_meta",
    "set_raw",
    "sort_rows",
    "swap_columns",
]


def saved_by_libreoffice(path: Path, folder: Path, kind: str = "ods") -> Path:
    """`path` opened and saved as .ods (or another `kind`) by LibreOffice, headless, as a Calc
    user's return is made: the new file, in `folder`. Needs soffice (.ci/run installs LibreOffice)."""
    import subprocess

    converted = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{folder}/lo",
            "--convert-to",
            kind,
            "--outdir",
            str(folder / kind),
            str(path),
        ],
        capture_output=True,
        timeout=180,
    )
    assert converted.returncode == 0, converted.stderr
    return folder / kind / f"{path.stem}.{kind}"
