"""A county-scale partnership cycle, made with the project's own tools, for benchmarks and robustness tests.

`write_register` writes a register workbook in the register format (the SHEETS
of pipeline/register.py): any number of partnerships, each with indicators of
every unit, both polarities and none, three frequencies, cumulative and
profiled targets, actions and risks. `fill_period` makes each partnership's
template with pipeline.returns.generate and fills it with demo.fill the way an
officer does: figures mostly on target, some near or off (with commentary and
remedial action), a few not available, some typed as text ("1,234",
"12.5 %"). Figures are worked out from the code and the period, never at
random, so the same call gives the same returns.

`build_county` puts it together: a work folder with config.toml, twelve
quarters of history ingested through the real pipeline (so every quarterly indicator has an SPC chart) (a few returns re-saved
by LibreOffice first, when it is installed) and the next quarter's returns
ready to drop into the inbox.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from demo.fill import ActionEntry, CoverEntry, IndicatorEntry, RiskEntry, fill_return
from pipeline.config.load import load_config
from pipeline.domain.periods import Period
from pipeline.domain.records import UNITS, Indicator, Polarity, Register
from pipeline.domain.settings import Config
from pipeline.rating.rag import period_target
from pipeline.register.workbook import SHEETS
from pipeline.returns.generate import due_indicators, write_templates
from pipeline.returns.layout import template_filename

ROOT = Path(__file__).resolve().parent.parent
FIRST = Period(2022, 3)


def quarters(first: Period, count: int) -> list[Period]:
    """`count` consecutive quarters starting at `first`."""
    out = [first]
    while len(out) < count:
        out.append(out[-1].next())
    return out


# Twelve quarters of history, then the quarter the benchmark cycle runs: with it, every quarterly
# indicator has 13 figures, enough for its SPC chart, and each forecast two earlier complete years.
HISTORY = tuple(quarters(FIRST, 12))  # 2022-23 Q3 .. 2025-26 Q2
CYCLE = HISTORY[-1].next()  # 2025-26 Q3

H, L, N = "Higher is better", "Lower is better", "No polarity"
_PLACES = {"%": 1, "rate per 1,000": 2, "days": 1}
_BASE = {"number": 400, "%": 40, "rate per 1,000": 12, "£": 25000, "days": 30, "count": 900}
# The names people give the files they send back: rarely the template's.
FILE_NAMES = (
    "{short} return {period} FINAL.xlsx",
    "Copy of {short}-return-{slug}.xlsx",
    "{short} {slug} v2.xlsx",
    "{short} quarterly return {slug}.xlsx",
)


def _stable_number(text: str) -> int:
    """A small stable number from text (Python's hash() changes between runs)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


# -- the register ------------------------------------------------------------------------


def partnership_codes(count: int) -> list[str]:
    return [f"P{n:02d}" for n in range(1, count + 1)]


def _indicator_row(short: str, k: int) -> dict[str, object]:
    unit = UNITS[k % len(UNITS)]
    polarity = N if k % 7 == 6 else (H if (k // 2) % 2 == 0 else L)
    frequency = "Six-monthly" if k % 10 == 8 else "Annual" if k % 10 == 9 else "Quarterly"
    cumulative = unit in ("number", "count", "£") and k % 3 == 0 and frequency == "Quarterly"
    baseline = Decimal(_BASE[unit]) * (1 + Decimal(k % 5) / 10)
    if unit == "%":
        baseline = Decimal(20 + (k * 7) % 60)
    step = Decimal(1).scaleb(-_PLACES.get(unit, 0))
    baseline = baseline.quantize(step)
    better = Decimal("1.08") if polarity == H else Decimal("0.92")
    annual = (baseline * better).quantize(step) if polarity != N else None
    profile: list[object] = [None] * 4
    if cumulative and annual is not None and k % 2 == 0:
        profile = [(annual * q / 4).quantize(step) for q in (1, 2, 3)] + [annual]
    row = {
        "Code": f"{short}-{k + 1:02d}",
        "Title": f"{short} indicator {k + 1}: {unit} measure",
        "Partnership": short,
        "Unit": unit,
        "Polarity": polarity,
        "Frequency": frequency,
        "Cumulative": "Yes" if cumulative else "No",
        "Baseline": baseline,
        "Baseline period": "2022-23",
        "Annual target": annual,
        "Q1 target": profile[0],
        "Q2 target": profile[1],
        "Q3 target": profile[2],
        "Q4 target": profile[3],
        "Final target": (annual * better).quantize(step) if annual is not None else None,
        "Final target year": "2027-28" if annual is not None else "",
        "Tolerance": ("5%", "2", "", "10%")[k % 4] if annual is not None else "",
        "RAG scheme": ("", "", "4-level", "improvement")[k % 4],
        "Target lead": f"Lead {short}-{k % 6 + 1}",
        "Delivery group": f"{short} delivery group {k % 3 + 1}",
        "Data source": "Partner records",
        "Definition": f"Indicator {k + 1} of the {short} partnership.",
    }
    if unit == "%" and annual is not None and annual > 100:
        row["Annual target"] = Decimal(95)
    return row


def write_register(
    path: Path, *, partnerships: int = 12, indicators: int = 40, actions: int = 5, risks: int = 4
) -> Path:
    """A register workbook of `partnerships` partnerships with `indicators` indicators each."""
    import xlsxwriter

    codes = partnership_codes(partnerships)
    tables: dict[str, list[dict[str, object]]] = {
        "Partnerships": [
            {
                "Name": f"Partnership {short}",
                "Short name": short,
                "Chair": f"Chair of {short}",
                "Lead officer": f"Officer {short}",
                "Email": f"{short.lower()}@county.example.org",
            }
            for short in codes
        ],
        "Indicators": [_indicator_row(short, k) for short in codes for k in range(indicators)],
        "Actions": [
            {
                "Ref": f"{short}-A{n}",
                "Partnership": short,
                "Action": f"Action {n} of {short}",
                "Owner": f"Owner {n}",
                "Start date": date(2023, 4, 1),
                "Due date": date(2024 + n % 4, 3, 31),
            }
            for short in codes
            for n in range(1, actions + 1)
        ],
        "Risks": [
            {
                "Ref": f"{short}-R{n}",
                "Partnership": short,
                "Risk": f"Risk {n} of {short}",
                "Owner": f"Owner {n}",
                "Likelihood (1-5)": 1 + n % 5,
                "Impact (1-5)": 1 + (n * 2) % 5,
                "Mitigation": f"Mitigation {n}",
            }
            for short in codes
            for n in range(1, risks + 1)
        ],
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, columns in SHEETS.items():
        ws = book.add_worksheet(name)
        labels = [c.label for c in columns]
        ws.write_row(0, 0, labels)
        for r, record in enumerate(tables[name], start=1):
            for c, label in enumerate(labels):
                value = record.get(label)
                if value is None or value == "":
                    continue
                if isinstance(value, date):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), dates)
                elif isinstance(value, (int, Decimal)):
                    ws.write_number(r, c, float(value))
                else:
                    ws.write_string(r, c, str(value))
    book.close()
    return path


def write_config(folder: Path, register: Path, store_url: str = "") -> Path:
    """config.toml in `folder` with the inbox, outbox and state inside it and no settling delay; the
    history in the PostgreSQL database `store_url`, if given, else the SQLite file."""
    folder = Path(folder)
    for name in ("inbox", "outbox", "state"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    replaced = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        if key == "name" and not replaced:
            line = 'name = "Benchmark County Partnership"'
        elif key == "register":
            line = f"register = {str(Path(register).resolve())!r}"
        elif key == "templates":
            line = f"templates = {str(ROOT / 'templates')!r}"
        elif key == "settle_seconds":
            line = "settle_seconds = 0"
        elif key == "overrides":
            line = 'overrides = ""'  # the demo's overrides name demo indicators
        elif key == "url" and store_url:
            line = f"url = {store_url!r}"
        elif key == "comparators":
            line = 'comparators = ""'  # and so do the demo's comparators
        replaced.append(line)
    path = folder / "config.toml"
    path.write_text("\n".join(replaced) + "\n", encoding="utf-8")
    return path


# -- returns -----------------------------------------------------------------------------


def outcome(code: str, period: Period) -> str:
    """How the officer's figure compares with the target: mostly on, sometimes near or off."""
    roll = _stable_number(f"{code}|{period}") % 100
    return "on" if roll < 72 else "near" if roll < 86 else "off" if roll < 96 else "n/a"


def actual(config: Config, indicator: Indicator, period: Period, result: str = "") -> Decimal | None:
    """The figure reported for `indicator` in `period` (None: not available); `result` overrides the outcome."""
    result = result or outcome(indicator.code, period)
    if result == "n/a":
        return None
    step = Decimal(1).scaleb(-_PLACES.get(indicator.unit, 0))
    target = period_target(indicator, period.quarter)
    if target is None or indicator.polarity is Polarity.NONE:
        base = indicator.baseline or Decimal(100)
        if indicator.cumulative:
            base = base * period.quarter / 4
        wobble = Decimal(_stable_number(f"{indicator.code}{period}") % 7 - 3) / 100
        return (base * (1 + wobble)).quantize(step, ROUND_HALF_EVEN)
    better = 1 if indicator.polarity is Polarity.HIGHER else -1
    band = (indicator.tolerance or config.rag.tolerance).band(target)
    value = {
        "on": target + better * max(abs(target) * Decimal("0.02"), step),
        "near": target - better * band / 2,
        "off": target - better * band * Decimal("2.5"),
    }[result].quantize(step, ROUND_HALF_EVEN)
    if result == "near" and value == target:
        value -= better * step
    if indicator.unit == "%":
        value = min(max(value, Decimal(0)), Decimal(100))
    return max(value, Decimal(0))


def history_values(config: Config, register: Register, periods: list[Period]) -> dict[tuple[str, str], Decimal]:
    """(code, period) -> figure, for pre-filling templates as the pipeline would from its store."""
    values = {}
    for period in periods:
        for i in register.indicators:
            if i.frequency.due_in(period.quarter):
                figure = actual(config, i, period)
                if figure is not None:
                    values[(i.code, str(period))] = figure
    return values


def indicator_entry(
    config: Config, indicator: Indicator, period: Period, *, typed: bool = True, result: str = ""
) -> IndicatorEntry:
    result = result or outcome(indicator.code, period)
    figure = actual(config, indicator, period, result)
    if figure is None:
        return IndicatorEntry(
            actual=None,
            data_quality="Not available",
            commentary="Source data is published next month; the figure follows next quarter.",
        )
    shown: object = figure
    roll = _stable_number(f"typed|{indicator.code}|{period}") % 20
    if typed and roll == 0 and figure >= 1000:
        shown = f"{figure:,}"  # typed with a thousands separator
    elif typed and roll == 1 and indicator.unit == "%":
        shown = f"{figure} %"
    elif typed and roll == 2:
        shown = f" {figure} "  # numbers stored as text, with spaces
    commentary = remedial = None
    if result in ("near", "off"):
        commentary = f"{'Slightly' if result == 'near' else 'Well'} behind target this quarter; see the delivery plan."
        remedial = f"{indicator.delivery_group} reviewing monthly ({indicator.target_lead})."
    quality = "Estimate" if roll == 3 else "Validated"
    return IndicatorEntry(actual=shown, data_quality=quality, commentary=commentary, remedial_action=remedial)


def action_entry(start: date | None, due: date | None, period: Period) -> ActionEntry:
    if start and period.end < start:
        return ActionEntry("Not started", 0, f"Starts on {start:%d/%m/%Y}.")
    if due and due <= period.end:
        return ActionEntry("Complete", 100, "Completed.")
    start, due = start or period.start, due or period.end
    expected = 100 * (period.end - start).days / max((due - start).days, 1)
    return ActionEntry("On track", int(5 * round(expected / 5)), "Progressing to plan.")


def return_name(short: str, period: Period, n: int = 0) -> str:
    pattern = FILE_NAMES[(_stable_number(short) + n) % len(FILE_NAMES)]
    return pattern.format(short=short, period=period, slug=period.slug)


def fill_one(
    config: Config,
    register: Register,
    template: Path,
    out: Path,
    short: str,
    period: Period,
    *,
    mistake: str = "",
    commentary: str = "",
    on_target: bool = False,
) -> Path:
    """Fill one partnership's template as its officer would; `mistake` spoils it ("not-a-number", "no-commentary").

    on_target: every figure on target (no exceptions, so no charts: the quickest return to process).
    """
    entries = {
        i.code: indicator_entry(config, i, period, result="on" if on_target else "")
        for i in due_indicators(register, short, period)
    }
    if mistake:
        code = next(iter(entries))
        if mistake == "not-a-number":
            entries[code] = IndicatorEntry(actual="twelve", data_quality="Validated")
        elif mistake == "no-commentary":
            indicator = register.by_code[code]
            target = period_target(indicator, period.quarter) or Decimal(100)
            worse = -1 if indicator.polarity is Polarity.HIGHER else 1
            entries[code] = IndicatorEntry(
                actual=max(target + worse * abs(target), Decimal(0)),
                data_quality="Validated",
                commentary="",
                remedial_action="",
            )
        else:
            raise ValueError(f"unknown mistake {mistake!r}")
    partnership = register.partnership(short)
    return fill_return(
        template,
        out,
        indicators=entries,
        actions={a.ref: action_entry(a.start, a.due, period) for a in register.actions_of(short)},
        risks={r.ref: RiskEntry(commentary="No change this quarter.") for r in register.risks_of(short)},
        cover=CoverEntry(
            completed_by=partnership.lead_officer,
            email=partnership.email,
            date_completed=period.end + timedelta(days=10),
            signed_off="No" if _stable_number(f"{short}{period}") % 9 == 0 else "Yes",
            overall_commentary=commentary or f"{partnership.name}: a steady quarter.",
        ),
    )


def fill_period(
    config: Config,
    register: Register,
    period: Period,
    out_dir: Path,
    *,
    template_dir: Path,
    history: dict | None = None,
    mistakes: dict[str, str] | None = None,
    partnerships: list[str] | None = None,
) -> list[Path]:
    """Templates for `period` into `template_dir`, then every partnership's filled return into `out_dir`."""
    chosen = partnerships or [p.short_name for p in register.partnerships]
    write_templates(config, register, period, chosen, history=history or {}, out_dir=template_dir)
    out_dir = Path(out_dir)
    return [
        fill_one(
            config,
            register,
            Path(template_dir) / template_filename(short, period),
            out_dir / return_name(short, period),
            short,
            period,
            mistake=(mistakes or {}).get(short, ""),
        )
        for short in chosen
    ]


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def resave_with_libreoffice(paths: list[Path], timeout: float = 180) -> list[Path]:
    """Open and save each file in headless LibreOffice, as an officer without Excel does; [] without soffice."""
    soffice = libreoffice()
    if not paths or soffice is None:
        return []
    with tempfile.TemporaryDirectory(prefix="lo-out-") as out:
        profile = Path(tempfile.gettempdir()) / f"lo-{uuid.uuid4().hex}"
        try:
            subprocess.run(
                [
                    soffice,
                    "--headless",
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to",
                    "xlsx",
                    "--outdir",
                    out,
                    *map(str, paths),
                ],
                check=True,
                timeout=timeout,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        saved = []
        for path in paths:
            converted = Path(out) / (path.stem + ".xlsx")
            if converted.is_file():
                shutil.move(converted, path)
                saved.append(path)
        return saved


def distinct_copy(source: Path, target: Path, mark: str) -> Path:
    """A byte-distinct copy of a return (a different zip comment), so it is a resubmission, not a duplicate."""
    shutil.copyfile(source, target)
    with zipfile.ZipFile(target, "a") as archive:
        archive.comment = mark.encode("ascii")
    return target


# -- the whole county ----------------------------------------------------------------------


@dataclass(frozen=True)
class County:
    folder: Path
    config_path: Path
    history_returns: tuple[Path, ...]  # every return ingested as history
    cycle_returns: tuple[Path, ...]  # the next quarter's returns, not yet in the inbox
    resaved: tuple[Path, ...]  # the returns LibreOffice re-saved

    @property
    def config(self) -> Config:
        return load_config(self.config_path)


def build_county(
    folder: Path, *, partnerships: int = 12, indicators: int = 40, resave: int = 3, ingest_history: bool = True
) -> County:
    """A work folder with the register, config, twelve quarters of history ingested, and the next quarter's returns."""
    from pipeline.register.workbook import load_register

    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    register_path = write_register(folder / "register.xlsx", partnerships=partnerships, indicators=indicators)
    config_path = write_config(folder, register_path)
    config = load_config(config_path)
    register = load_register(register_path)
    history, cycle = [], []
    for n, period in enumerate((*HISTORY, CYCLE)):
        earlier = history_values(config, register, list(HISTORY[:n]))  # what the store would pre-fill
        made = fill_period(
            config,
            register,
            period,
            folder / "returns" / period.slug,
            template_dir=folder / "templates" / period.slug,
            history=earlier,
            mistakes={register.partnerships[-1].short_name: "not-a-number"} if period == CYCLE else None,
        )
        (cycle if period == CYCLE else history).extend(made)
    # A few officers have LibreOffice, not Excel: their returns come back re-saved by it.
    resaved = (
        resave_with_libreoffice(
            [history[n] for n in range(0, len(history), max(len(history) // resave, 1))][:resave] + cycle[1:2]
        )
        if resave
        else []
    )
    if ingest_history:
        drop(history, config.paths.inbox)
        ingest_history_pass(config)
    return County(folder, config_path, tuple(history), tuple(cycle), tuple(resaved))


def ingest_history_pass(config: Config) -> None:
    """Ingest what is in the inbox through the real pass and write each period's master workbook.

    Feedback and Word documents of past quarters are left out: the benchmark's
    cycle then does only the work a new quarter brings.
    """
    from pipeline.domain.periods import parse_period
    from pipeline.intake.ingest import run_pass
    from pipeline.outputs.assemble import assemble
    from pipeline.outputs.master import write_master
    from pipeline.register.workbook import load_register
    from pipeline.runtime.lock import RunLock
    from pipeline.store import open_store

    register = load_register(config.paths.register)
    with RunLock(config.paths.state), open_store(config) as store:
        run_pass(config, store)
        for text in store.stale_periods():
            write_master(assemble(config, register, store, parse_period(text)), config.paths.outbox)
            store.period_built(text)
        for file_id in store.feedback_due():
            store.feedback_done(file_id)


def drop(paths, inbox: Path) -> list[Path]:
    """Copy returns into the inbox with a fresh modification time, as a person saving them there does."""
    dropped = []
    for path in paths:
        target = Path(inbox) / Path(path).name
        shutil.copyfile(path, target)
        os.utime(target)
        dropped.append(target)
    return dropped
