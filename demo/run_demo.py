"""Run the whole quarterly cycle on the demo borough, as its officers would.

Each step is the `pipeline` command a person types; between them the script
plays the partnerships' part (filling returns and dropping them in the inbox,
with the dates they arrived). It starts from an empty inbox, outbox and state,
so it can be run again at any time.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import datetime, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.fill_returns import fill_demo_returns
from pipeline.cli.app import main
from pipeline.config.load import load_config
from pipeline.domain.calendar import add_working_days, board_paper_filename, deadline, templates_out
from pipeline.domain.periods import Period
from pipeline.register.workbook import read_register
from pipeline.returns.generate import template_folder

# Three years, so every quarterly indicator has 12 or more figures for its SPC chart and a forecast
# has two earlier complete years for its range.
HISTORY = [Period(year, q) for year in (2022, 2023, 2024) for q in (1, 2, 3, 4)]
Q1, Q2 = Period(2025, 1), Period(2025, 2)


CONFIG = ROOT / "config.toml"


def step(title: str, *argv: str, ok: tuple[int, ...] = (0,)) -> None:
    print(f"\n== {title}\n$ pipeline {' '.join(repr(a) if ' ' in a else a for a in argv)}", flush=True)
    code = pipeline(*argv)
    if code not in ok:
        sys.exit(f"demo: that step ended with exit code {code}")


def at(day, hour: int = 10) -> str:
    """A --received value: returns are dated by when the pipeline takes them in."""
    return datetime.combine(day, time(hour)).isoformat(timespec="minutes")


def fresh_start(config) -> None:
    if config.paths.register != (ROOT / "demo" / "register.xlsx").resolve():
        sys.exit("demo: config.toml does not point at the demo register; refusing to clear its folders.")
    for folder in (config.paths.inbox, config.paths.outbox, config.paths.state):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / ".gitkeep").touch() if folder != config.paths.state else None


def pipeline(*argv: str) -> int:
    """`pipeline ARGV` with the demo's config.toml (the tests run the demo with one of their own)."""
    return main(["--config", str(CONFIG), *argv])


def run(config_path: Path | None = None) -> None:
    """The demo; `config_path`: a config.toml of the demo register with its own inbox, outbox and state."""
    global CONFIG
    CONFIG = Path(config_path or CONFIG)
    os.chdir(ROOT)
    config = load_config(CONFIG)
    register, _ = read_register(config.paths.register)
    cal = config.calendar
    fresh_start(config)
    step("Check the indicator register (SMART checks)", "check")

    print("\n== Loading 2022-23 to 2024-25 as history: twelve quarters of returns from every partnership", flush=True)
    for period in HISTORY:
        pipeline("-q", "templates", "--period", str(period))
        fill_demo_returns(config, register, period, template_folder(config, period), config.paths.inbox)
        pipeline("-q", "run", "--no-pdf", "--received", at(add_working_days(deadline(period, cal), -2, cal.days_off)))

    step(f"{Q1}: make the return templates (pre-filled with history)", "templates", "--period", str(Q1))
    step(
        f"{Q1}: send them out on {templates_out(Q1, cal):%d %B %Y}",
        "chase",
        "--date",
        templates_out(Q1, cal).isoformat(),
    )
    fill_demo_returns(config, register, Q1, template_folder(config, Q1), config.paths.inbox)
    step(
        f"{Q1}: the returns arrive; one has a typing mistake",
        "run",
        "--no-pdf",
        "--received",
        at(add_working_days(deadline(Q1, cal), -3, cal.days_off)),
        ok=(0, 1),
    )
    fill_demo_returns(config, register, Q1, template_folder(config, Q1), config.paths.inbox, only="SKL", corrected=True)
    step(
        f"{Q1}: Skills sends a corrected return, two working days late",
        "run",
        "--received",
        at(add_working_days(deadline(Q1, cal), 2, cal.days_off)),
    )

    step(f"{Q2}: make the return templates", "templates", "--period", str(Q2))
    step(f"{Q2}: send them out", "chase", "--date", templates_out(Q2, cal).isoformat())
    fill_demo_returns(config, register, Q2, template_folder(config, Q2), config.paths.inbox)
    step(
        f"{Q2}: returns arrive (Safer Brackenford sends nothing)",
        "run",
        "--received",
        at(add_working_days(deadline(Q2, cal), -1, cal.days_off)),
        ok=(0, 1),
    )
    overdue = add_working_days(deadline(Q2, cal), cal.escalate_after_working_days, cal.days_off)
    step(f"{Q2}: {overdue:%d %B %Y}: chase the missing returns and escalate", "chase", "--date", overdue.isoformat())
    step(f"{Q2}: who has returned", "status", "--period", str(Q2))
    print(
        f"\nDone. The packs are in {config.paths.outbox}/{Q1.slug} and {config.paths.outbox}/{Q2.slug};"
        f" e-mails in {config.paths.outbox}/mail; feedback in {config.paths.outbox}/feedback."
        f" The year-end outturn report for {HISTORY[-1].fy}, made from the history, is"
        f" {config.paths.outbox}/{HISTORY[-1].slug}/{board_paper_filename(HISTORY[-1])}."
    )


if __name__ == "__main__":
    run()
