"""PostgreSQL against SQLite on the same machine: `python benchmarks/backends.py [--quick] [--returns N]`.

Builds the county of benchmarks/run.py (12 partnerships x 40 indicators, eight quarters of history
ingested) on SQLite, starts a throw-away PostgreSQL server on 127.0.0.1 (Debian's package, as the
tests do: tests/postgres.py), and times on each back end in turn, alternating so that the shared
machine's drift falls on both alike:

- the county cycle: the next quarter's 12 returns through `pipeline -q run --no-pdf` (a whole
  process: ingest, feedback, the master workbook and Word packs), from the history as it was, which
  for PostgreSQL is a copy of the SQLite history made with `pipeline store copy` before each run;
- the ingest of 2,000 returns (distinct copies of the county's) into an empty store, in a fresh
  process each (run.py's scale point), then each period's master workbook from what was stored.

Prints each figure, the ratio PostgreSQL / SQLite (the aim: within 1.5x), and writes
benchmarks/results-postgres.json. It reports; it never fails because the aim is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT / "tests")]

import county
import postgres
from run import PIPELINE, WORK, cli, restore

AIM = 1.5


def _with_url(folder: Path, register: Path, url: str) -> Path:
    """The county's config.toml in `folder`, its history in `url` ("" for the SQLite file)."""
    return county.write_config(folder, register, url)


def _copied_history(server: postgres.Server, config_path: Path) -> str:
    """A new PostgreSQL schema holding a copy of the SQLite history under config_path's state folder."""
    url = server.new_schema()
    done = subprocess.run(
        [str(PIPELINE), "--config", str(config_path), "-q", "store", "copy", "--to", url],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"store copy failed: {done.stderr.strip()}")
    return url


def county_cycle(server: postgres.Server, info: county.County, runs: int) -> dict:
    register = info.folder / "register.xlsx"
    snapshot = WORK / "county-history"
    shutil.rmtree(snapshot, ignore_errors=True)
    for name in ("state", "outbox"):
        shutil.copytree(info.folder / name, snapshot / name)
    pg_folder = WORK / "county-postgres"
    shutil.rmtree(pg_folder, ignore_errors=True)
    shutil.copytree(info.folder, pg_folder, ignore=shutil.ignore_patterns("state", "outbox", "inbox"))
    times: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    codes: dict[str, set[int]] = {"sqlite": set(), "postgresql": set()}
    for _ in range(runs):
        for backend in ("sqlite", "postgresql"):
            folder = info.folder if backend == "sqlite" else pg_folder
            restore(folder, snapshot)
            config_path = _with_url(folder, register, "")
            if backend == "postgresql":
                config_path = _with_url(folder, register, _copied_history(server, config_path))
            county.drop(info.cycle_returns, folder / "inbox")
            seconds, code, _err = cli(config_path, "-q", "run", "--no-pdf")
            times[backend].append(seconds)
            codes[backend].add(code)
    return {
        backend: {"median_s": statistics.median(t), "runs_s": t, "exit_codes": sorted(codes[backend])}
        for backend, t in times.items()
    }


def many_returns(server: postgres.Server, info: county.County, size: int, rounds: int) -> dict:
    """`size` returns into an empty store, `rounds` times on each back end in turn; the median run of each."""
    bases = list(info.history_returns) + list(info.cycle_returns)
    points: dict[str, list[dict]] = {"sqlite": [], "postgresql": []}
    for _ in range(rounds):
        for backend in points:
            folder = WORK / f"returns-{size}-{backend}"
            shutil.rmtree(folder, ignore_errors=True)
            url = server.new_schema() if backend == "postgresql" else ""
            config_path = _with_url(folder, info.folder / "register.xlsx", url)
            for n in range(size):
                base = bases[n % len(bases)]
                county.distinct_copy(base, folder / "inbox" / f"{n:05d} {base.name}", f"copy {n}")
            done = subprocess.run(
                [sys.executable, str(HERE / "run.py"), "--scale-point", str(config_path)],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise RuntimeError(f"{backend}: {done.stderr.strip()[-500:]}")
            points[backend].append(json.loads(done.stdout.strip().splitlines()[-1]))
            shutil.rmtree(folder, ignore_errors=True)
    return {
        backend: {
            **sorted(runs, key=lambda p: p["ingest_s"])[len(runs) // 2],
            "ingest_runs_s": [p["ingest_s"] for p in runs],
        }
        for backend, runs in points.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each on each back end, not three and two")
    parser.add_argument("--returns", type=int, default=2000, help="how many returns to ingest (default 2,000)")
    args = parser.parse_args(argv)
    if postgres.binaries() is None:
        print("PostgreSQL is not installed (apt-get install postgresql): nothing to compare.")
        return 1
    WORK.mkdir(exist_ok=True)
    started = time.perf_counter()
    print("Building the county (register, 9 quarters of filled returns, history ingest on SQLite)...", flush=True)
    info = county.build_county(WORK / "county", resave=0)
    results: dict = {}
    for server in postgres.start_server():
        assert server is not None
        print("Timing the county cycle on each back end...", flush=True)
        results["county_cycle_cli"] = county_cycle(server, info, 1 if args.quick else 3)
        print(f"Timing the ingest of {args.returns:,} returns on each back end...", flush=True)
        results["ingest"] = many_returns(server, info, args.returns, 1 if args.quick else 2)
    cycle, ingest = results["county_cycle_cli"], results["ingest"]
    rows = [
        ("county cycle, CLI, no PDF", cycle["sqlite"]["median_s"], cycle["postgresql"]["median_s"]),
        (f"ingest of {args.returns:,} returns", ingest["sqlite"]["ingest_s"], ingest["postgresql"]["ingest_s"]),
        ("  per return (median)", ingest["sqlite"]["per_file_median_s"], ingest["postgresql"]["per_file_median_s"]),
        (
            f"  then {len(info.history_returns) // 12 + 1} master workbooks",
            ingest["sqlite"]["master_workbooks_s"],
            ingest["postgresql"]["master_workbooks_s"],
        ),
    ]
    results["ratios"] = {name.strip(): pg / lite for name, lite, pg in rows}
    results["total_s"] = time.perf_counter() - started
    (HERE / "results-postgres.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\n| {'What':<34} | SQLite | PostgreSQL | ratio | within {AIM}x |")
    print(f"|{'-' * 36}|--------|------------|-------|------------|")
    for name, lite, pg in rows:
        ratio = pg / lite
        print(f"| {name:<34} | {lite:6.3f} s | {pg:6.3f} s | {ratio:5.2f} | {'yes' if ratio <= AIM else 'no'} |")
    print(f"\nWritten to {HERE / 'results-postgres.json'} ({results['total_s']:.0f} s in all).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
