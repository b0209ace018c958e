"""Every figure in the store as one tidy table, for analysts: one row an indicator, period and area
(blank for the whole area), with the register's description, the target and rating the rating
engine gives that period under today's register, direction of travel, and where the figure came from.

In a notebook:

    from pipeline.outputs.export import figures
    df = figures("config.toml")                      # every figure, a pandas DataFrame
    df = figures("config.toml", period="2025-26 Q2")  # one quarter's

`pipeline export` writes the same table as CSV or an Excel workbook. pandas is imported here
only, so `pipeline --help` and the passes never pay for it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.domain.errors import UsageError
from pipeline.domain.periods import parse_period
from pipeline.domain.records import Register
from pipeline.domain.settings import Config
from pipeline.domain.text import safe_for_sheet
from pipeline.outputs.master_history import TIDY_COLUMNS, lines_of, tidy_rows
from pipeline.outputs.overrides import read_overrides
from pipeline.store import Store, open_store
from pipeline.support.atomic import write_with

if TYPE_CHECKING:
    import pandas

FORMATS = ("csv", "xlsx")


def tidy_table(config: Config, register: Register, store: Store, period: str | None = None) -> pandas.DataFrame:
    """The tidy table as a DataFrame: TIDY_COLUMNS, Actual and Target as floats (blank: NaN), Received a
    UTC time, Cumulative and Provisional booleans. `period` keeps one quarter's figures."""
    import pandas as pd  # lazy: keeps `pipeline --help` fast

    history = list(store.history())
    wanted = str(parse_period(period)) if period else None
    overrides = read_overrides(config.paths.overrides, register, config.rag.scheme)
    lines = lines_of(history, register.indicators, register.partnerships, config.rag, overrides)
    if wanted is not None:
        lines = [line for line in lines if line.value.period == wanted]
    frame = pd.DataFrame([r.values() for r in tidy_rows(lines)], columns=list(TIDY_COLUMNS))
    # Decimal figures as floats: what pandas and every notebook library compute with; the exact
    # Decimals stay in the store and the workbooks.
    for column in ("Target", "Actual"):
        frame[column] = pd.to_numeric(frame[column].map(lambda v: None if v is None else float(v)), errors="coerce")
    frame["Received"] = pd.to_datetime(frame["Received"], utc=True, errors="coerce", format="ISO8601")
    return frame


def figures(config: Config | Path | str, period: str | None = None) -> pandas.DataFrame:
    """Every figure in the store as a pandas DataFrame (see the module's docstring); `config` is a
    Config or the path of config.toml."""
    from pipeline.config.load import load_config
    from pipeline.register.workbook import load_register

    if not isinstance(config, Config):
        config = load_config(config)
    register = load_register(config.paths.register, config.paths.cache)
    with open_store(config) as store:
        return tidy_table(config, register, store, period)


def refuse_target(config: Config, target: Path) -> None:
    """Refuse (UsageError) to write the table where it would do harm: in the inbox (the next pass would
    take it in as a return), in the state folder, over a file the pipeline reads, or over a folder."""
    target = Path(target)
    is_folder = False
    with contextlib.suppress(OSError):  # a name too long to look up is named when it is written
        is_folder = target.is_dir()
    if is_folder:
        raise UsageError(f"{target} is a folder.", fix=f"Give the file to write, e.g. -o {target / 'figures.csv'}.")
    where = target.resolve()  # links followed, as the config's own folder checks do
    paths = config.paths
    read = {config.source, paths.register, paths.overrides, paths.comparators, paths.database}
    if any(p is not None and Path(p).resolve() == where for p in read):
        raise UsageError(
            f"{target} is a file the pipeline reads: the export would overwrite it.",
            fix="Give the export a file name of its own, e.g. -o figures.csv.",
        )
    for key, folder, why in (
        ("inbox", paths.inbox, "the pipeline would take it in as a return"),
        ("state", paths.state, "it holds the pipeline's own records"),
    ):
        if where.is_relative_to(folder.resolve()):
            raise UsageError(
                f"{target} is inside paths.{key} ({folder}): {why}.",
                fix=f"Write it elsewhere; by default it goes to {paths.outbox / 'export'}.",
            )


def write_table(frame: pandas.DataFrame, target: Path, form: str) -> Path:
    """Write the table as CSV (UTF-8 with a byte-order mark, so Excel opens it as UTF-8) or an .xlsx
    workbook, atomically: a failure (a path that cannot be a file, a full disk) leaves the previous
    export whole and raises OutputError naming the file and why."""

    def csv_to(path: Path) -> None:
        # A submitter names their file: one named '=HYPERLINK(...).xlsx' must not become a formula when
        # the CSV is opened in Excel, so text that starts like one is written with a leading apostrophe.
        safe = frame.map(lambda v: safe_for_sheet(v) if isinstance(v, str) else v)
        safe.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%dT%H:%M:%SZ")

    def xlsx_to(path: Path) -> None:
        local = frame.copy()
        # Excel keeps no time zone: the times go in as UK clock times, as every document shows them.
        local["Received"] = local["Received"].dt.tz_convert("Europe/London").dt.tz_localize(None)
        with pandas_excel(path) as writer:
            local.to_excel(writer, sheet_name="Figures", index=False, freeze_panes=(1, 0))

    return write_with(Path(target), csv_to if form == "csv" else xlsx_to)


def pandas_excel(target: Path):
    import pandas as pd

    return pd.ExcelWriter(
        target, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}
    )
