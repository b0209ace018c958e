"""Run the whole quarterly cycle on the demo borough, as an officer would.

Each step is the same `pipeline` command a person types; the script only
strings them together and prints where to look.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.cli import main  # noqa: E402


def step(title: str, *argv: str, ok: tuple[int, ...] = (0,)) -> None:
    print(f"\n== {title}: pipeline {' '.join(argv)}", flush=True)
    code = main(list(argv))
    if code not in ok:
        sys.exit(f"demo: step failed with exit code {code}")


def run() -> None:
    os.chdir(ROOT)
    step("Check the register", "check")


if __name__ == "__main__":
    run()
