"""Register workbooks for tests: the demo register, spoiled one defect at a time.

`demo_book()` gives the shipped demo's sheets as plain lists; a test changes one
thing (a cell, a header, the column order, a missing column or sheet) and
`write_register` saves it with xlsxwriter, the way Excel would. `write_config`
writes a config.toml under the test's folder that points at that workbook.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
DEMO_REGISTER = ROOT / "demo" / "register.xlsx"
SHIPPED_CONFIG = ROOT / "config.toml"
TEMPLATES = ROOT / "templates"


def _demo_module():
    """The demo's own data, so fixtures cannot drift from the shipped register."""
    spec = importlib.util.spec_from_file_location("demo_make_register", ROOT / "demo" / "make_register.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Sheet:
    """One sheet: a header row and data rows (Excel row 2 onwards), as plain lists."""

    headers: list
    rows: list[list]
    key: str  # the column that names each row: Code, Ref or Short name

    def column(self, label: str) -> int:
        return self.headers.index(label)

    def excel_row(self, key: str) -> int:
        """The Excel row number of the row whose key column holds `key` (a code, ref or short name)."""
        index = self.column(self.key)
        for number, row in enumerate(self.rows, start=2):
            if row and row[index] == key:
                return number
        raise KeyError(key)

    def set(self, key: str, label: str, value: object) -> int:
        """Put `value` under `label` in the row keyed `key`; return that row's Excel number."""
        number = self.excel_row(key)
        self.rows[number - 2][self.column(label)] = value
        return number

    def get(self, key: str, label: str) -> object:
        return self.rows[self.excel_row(key) - 2][self.column(label)]

    def drop_column(self, label: str) -> None:
        index = self.column(label)
        del self.headers[index]
        for row in self.rows:
            del row[index]

    def reverse_columns(self) -> None:
        self.headers.reverse()
        for row in self.rows:
            row.reverse()

    def rename_header(self, label: str, new: str) -> None:
        self.headers[self.column(label)] = new

    def copy_row(self, key: str) -> list:
        return list(self.rows[self.excel_row(key) - 2])


def demo_book() -> dict[str, Sheet]:
    """A fresh, editable copy of the demo register's four sheets."""
    demo = _demo_module()
    return {
        "Partnerships": Sheet(
            ["Name", "Short name", "Chair", "Lead officer", "Email"], [list(p) for p in demo.PARTNERSHIPS], "Short name"
        ),
        "Indicators": Sheet(list(demo.INDICATOR_HEADERS), demo.indicator_rows(), "Code"),
        "Actions": Sheet(
            ["Ref", "Partnership", "Action", "Owner", "Start date", "Due date"], [list(a) for a in demo.ACTIONS], "Ref"
        ),
        "Risks": Sheet(
            ["Ref", "Partnership", "Risk", "Owner", "Likelihood (1-5)", "Impact (1-5)", "Mitigation"],
            [list(r) for r in demo.RISKS],
            "Ref",
        ),
    }


def write_register(path: Path, book: dict[str, Sheet]) -> Path:
    """Save the sheets as an .xlsx workbook; blank cells are left empty, dates are real dates."""
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for name, sheet in book.items():
        ws = workbook.add_worksheet(name)
        for r, values in enumerate([sheet.headers, *sheet.rows]):
            for c, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, date):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), date_format)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(r, c, value)
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
    workbook.close()
    return path


def write_config(
    folder: Path, register: Path | str, *, replace: dict[str, str] | None = None, text: str | None = None
) -> Path:
    """A config.toml in `folder`: the shipped one, pointed at `register` and the repo's templates.

    `replace` swaps whole lines (old line -> new line) to spoil one key; `text`
    replaces the file's content outright.
    """
    if text is None:
        text = SHIPPED_CONFIG.read_text(encoding="utf-8")
        text = _swap(text, 'register = "demo/register.xlsx"', f"register = '{Path(register).as_posix()}'")
        # Tests date their files themselves (Workspace.drop): waiting for them to settle is tested on its own.
        text = _swap(text, "settle_seconds = 10", "settle_seconds = 0")
        text = _swap(text, 'templates = "templates"', f"templates = '{TEMPLATES.as_posix()}'")
        text = _swap(
            text,
            'overrides = "demo/overrides.xlsx"',
            f"overrides = '{(DEMO_REGISTER.parent / 'overrides.xlsx').as_posix()}'",
        )
        # The demo's comparators name the demo's codes: another register would refuse every row.
        comparators = (DEMO_REGISTER.parent / "comparators.xlsx").as_posix() if Path(register) == DEMO_REGISTER else ""
        text = _swap(text, 'comparators = "demo/comparators.xlsx"', f"comparators = '{comparators}'")
        for old, new in (replace or {}).items():
            text = _swap(text, old, new)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _swap(text: str, old: str, new: str) -> str:
    lines = text.splitlines()
    matches = [n for n, line in enumerate(lines) if line.strip() == old]
    if len(matches) != 1:
        raise AssertionError(f"config.toml has {len(matches)} lines reading {old!r}; the fixture needs one")
    lines[matches[0]] = new
    return "\n".join(lines) + "\n"


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run `pipeline ARGV` in-process; return the exit code, stdout and stderr.

    main() points the "pipeline" logger at its stderr and stops it propagating;
    that is put back afterwards so caplog keeps working in later tests.
    """
    import io
    import logging

    from pipeline.cli.app import main

    logger = logging.getLogger("pipeline")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(argv, stdout=out, stderr=err)
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved
    return code, out.getvalue(), err.getvalue()
