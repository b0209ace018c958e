"""A council that is not the demo adopts the pipeline, following the README's "Set up your own
council" section word for word, in a folder outside the repository, with the command installed
from a wheel as `pip install .` would install it (so the built-in templates must really be package
data).

Two things differ from what a reader does, both so the test needs no network: the project is
installed from a wheel built beforehand, without its dependencies, into a virtual environment that
finds them where the test's own environment has them; and `python3` is this interpreter's own
Python, so that those dependencies' compiled parts match. Every other command runs as written.
Between the README's blocks the test does what the section tells the officer to do by hand: fill
in the register and copy last years' figures into a workbook, both with openpyxl.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from registers import ROOT, demo_book
from spoil import on_target

from demo.fill import ActionEntry, CoverEntry, IndicatorEntry, RiskEntry, fill_return
from pipeline.domain.periods import Period, parse_period
from pipeline.domain.records import Register
from pipeline.register.workbook import read_register
from pipeline.returns.generate import due_indicators
from pipeline.returns.layout import template_filename

SECTION = "## Set up your own council"
SHORTS = ("CYP", "CSP")  # two of the demo's partnerships stand for the new council's
PAST_YEARS = (2024, 2025)  # 2024-25 and 2025-26: the two years before the README's first quarter


def readme_blocks(language: str) -> list[str]:
    """The code blocks of the README's set-up section (up to the next top-level heading) in `language`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


def _wheel(tmp: Path) -> Path:
    """The project built as `pip install .` builds it, from a copy (building in the clone would leave build/ there)."""
    source = tmp / "clone"
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "templates", source / "templates")
    shutil.copytree(ROOT / "pipeline", source / "pipeline", symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    return next(wheels.glob("*.whl"))


def _shell(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done


def _fill_register(path: Path) -> Register:
    """Type the demo's rows for two partnerships into the blank register, under its own headers."""
    book = load_workbook(path)
    for name, sheet in demo_book().items():
        ws = book[name]
        where = {cell.value: cell.column for cell in ws[1]}
        key = "Short name" if name == "Partnerships" else "Partnership"
        rows = [r for r in sheet.rows if r[sheet.column(key)] in SHORTS]
        for n, row in enumerate(rows, start=2):
            for label, value in zip(sheet.headers, row):
                if value not in (None, ""):
                    ws.cell(n, where[label], value)
    book.save(path)
    register, findings = read_register(path)
    assert [f for f in findings if f.severity == "error"] == []
    return register


def _past_figure(indicator, period: Period) -> Decimal:
    """Last years' figure: the target missed a little, so the new quarter's on-target figure is an improvement."""
    figure = on_target(indicator, period) or Decimal(10)
    step = Decimal("1.1") if indicator.polarity.value == "Lower is better" else Decimal("0.9")
    return (figure * step).quantize(Decimal("0.1"))


def _write_past_figures(path: Path, register: Register) -> int:
    """Last two years' figures in long form, as an officer copies them out of the old master spreadsheet.
    Percentages are typed in %-formatted cells, as Excel keeps them (12.5% is 0.125)."""
    book = Workbook()
    ws = book.active
    ws.title = "Figures"
    ws.append(["Code", "Period", "Actual", "Area", "Data quality", "Note"])
    count = 0
    for i in register.indicators:
        for year in PAST_YEARS:
            for quarter in (1, 2, 3, 4):
                period = Period(year, quarter)
                if not i.frequency.due_in(quarter):
                    continue
                figure = _past_figure(i, period)
                for area in ("", *i.areas):
                    ws.append([i.code, str(period), figure, area or None, "Validated", "From the 2025 master sheet"])
                    if i.unit == "%":
                        ws.cell(ws.max_row, 3).value = float(figure / 100)
                        ws.cell(ws.max_row, 3).number_format = "0.0%"
                    count += 1
    book.save(path)
    return count


def _drop_returns(council: Path, register: Register, period: Period) -> int:
    """Each partnership's template filled on target and dropped in the inbox, settled."""
    figures = 0
    for short in SHORTS:
        due = due_indicators(register, short, period)
        target = council / "inbox" / f"{short.lower()}-return.xlsx"
        fill_return(
            council / "outbox" / "templates" / period.slug / template_filename(short, period),
            target,
            indicators={i.code: IndicatorEntry(actual=on_target(i, period), data_quality="Validated") for i in due},
            actions={a.ref: ActionEntry("On track", 50, "Going well.") for a in register.actions_of(short)},
            risks={r.ref: RiskEntry(commentary="No change.") for r in register.risks_of(short)},
            areas={(i.code, area): on_target(i, period) for i in due for area in i.areas},
            cover=CoverEntry("An officer", "officer@example.org", datetime.now(UTC).date(), "Yes", "A first quarter."),
        )
        past = time.time() - 3600
        os.utime(target, (past, past))
        figures += sum(1 + len(i.areas) for i in due)
    return figures


def test_a_new_council_follows_the_readme_from_nothing_to_its_first_packs(tmp_path):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    assert not work.resolve().is_relative_to(ROOT)
    install, start, first_quarter = readme_blocks("sh")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HOME"] = str(home)

    # Install as the README says, offline (see the module's docstring).
    wheel = _wheel(tmp_path)
    venv_line, pip_line, path_line = install.strip().splitlines()
    assert venv_line.startswith("python3 -m venv ") and pip_line.endswith(" install .")
    base = Path(sys._base_executable) if hasattr(sys, "_base_executable") else Path(sys.executable)
    _shell(venv_line.replace("python3", str(base), 1), work, env)
    venv = home / "pipeline-venv"
    site = Path(
        subprocess.run(
            [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # Last on the path, so the wheel's pipeline comes first and the dependencies come from here.
    (site / "zz-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _shell(pip_line.replace(" install .", f" install -q --no-deps --no-index {wheel}"), work, env)
    installed = _shell(
        f"{path_line}\ncommand -v pipeline\npython -c 'import pipeline; print(pipeline.__file__)'", work, env
    )
    assert installed.stdout.splitlines()[0] == str(venv / "bin" / "pipeline")
    assert installed.stdout.splitlines()[1].startswith(str(site))  # the installed copy, not the clone

    # pipeline init, cd, pipeline check: word for word.
    done = _shell(f"{path_line}\n{start}", work, env)
    council = work / "eastvale"
    assert "pipeline check" in done.stdout and "import-history" in done.stdout
    assert {p.name for p in council.iterdir()} == {
        "config.toml",
        "register.xlsx",
        "inbox",
        "outbox",
        "state",
        "templates",
    }
    assert (council / "templates" / "board-paper.docx").is_file()
    assert (council / "templates" / "mail" / "reminder-overdue.txt").is_file()

    # What the officer does by hand: the register, and last years' figures in long form.
    register = _fill_register(council / "register.xlsx")
    imported = _write_past_figures(council / "past-figures.xlsx", register)

    # pipeline import-history, pipeline templates: word for word.
    done = _shell(f"{path_line}\ncd eastvale\n{first_quarter}", work, env)
    assert (
        f"{imported} figure(s) read from past-figures.xlsx for 2024-25 Q1 to 2025-26 Q4: {imported} added"
        in done.stdout
    )
    period = parse_period(re.search(r'--period "([^"]+)"', first_quarter).group(1))

    returned = _drop_returns(council, register, period)
    _shell(f"{path_line}\ncd eastvale\npipeline run --no-pdf", work, env)

    master = load_workbook(council / "outbox" / period.slug / f"master-{period.slug}.xlsx", read_only=True)
    rows = list(master["Indicators"].iter_rows(values_only=True))
    header_at = next(n for n, r in enumerate(rows) if r and "Code" in r and "Direction vs last year" in r)
    header = rows[header_at]
    lines = [dict(zip(header, r)) for r in rows[header_at + 1 :] if r and r[header.index("Code")]]
    quarterly = [line for line in lines if register.by_code[line["Code"]].frequency.value == "Quarterly"]
    assert quarterly
    for line in quarterly:  # last year's figure missed the target, this year's is on it
        indicator = register.by_code[line["Code"]]
        expected = "Increasing" if indicator.polarity.value == "No polarity" else "Improving"
        assert str(line["Direction vs last year"]).startswith(expected), line

    # pipeline export, and the notebook's DataFrame, from the installed command.
    done = _shell(f"{path_line}\ncd eastvale\npipeline export -o figures.csv", work, env)
    assert f"{imported + returned} figure(s) written." in done.stdout
    import pandas as pd

    table = pd.read_csv(council / "figures.csv", encoding="utf-8-sig", keep_default_na=False)
    assert len(table) == imported + returned
    assert table["Source"].str.startswith("imported: past-figures.xlsx, row ").sum() == imported
    assert set(table["Period"]) == {str(Period(y, q)) for y in PAST_YEARS for q in (1, 2, 3, 4)} | {str(period)}
    assert not table.duplicated(["Code", "Period", "Area"]).any()
    (notebook,) = readme_blocks("python")
    script = f"{notebook}\nprint(len(df), len(q1))\n"
    done = _shell(f"{path_line}\ncd eastvale\npython - <<'EOF'\n{script}EOF", work, env)
    assert done.stdout.split() == [str(imported + returned), str(returned)]
