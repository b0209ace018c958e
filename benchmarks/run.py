"""Benchmarks at county scale: `make bench` (or `python benchmarks/run.py [--quick] [--profile] [--ingest]`).

Builds a county (12 partnerships x 40 indicators, twelve quarters of history
ingested through the real pipeline, see county.py) in benchmarks/work/, then
times each stage of the next quarter's cycle (median of several runs), ingest
per file against python-calamine's raw read of the same file, a full cycle
on the demo, a no-change re-run, `pipeline --help` start-up, and a scale
series of 100, 500 and 2,000 returns, each in a fresh process so its peak
memory is its own. Prints a table and writes benchmarks/results.json. It
reports against the goals; it never fails because a goal is missed.

`--ingest` times the ingest of the county's quarter alone (per return, the safety screen
alone, and the bare python-calamine read, all in the same runs), for a look at one tree;
benchmarks/ab.py runs the A/B against another tree, interleaved round by round.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import itertools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import county

from pipeline.config.load import load_config
from pipeline.domain.settings import Config

WORK = HERE / "work"
PIPELINE = Path(sys.executable).with_name("pipeline")

GOALS = {
    "county_cycle_cli": ("full county cycle without PDF (CLI)", 3.0),
    "no_change_cli": ("no-change re-run (CLI)", 0.5),
    "no_change": ("no-change re-run (run_once)", 0.5),
    "help": ("pipeline --help", 0.3),
}


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def median_of(runs: int, function, *args, **kwargs) -> float:
    return statistics.median(timed(function, *args, **kwargs)[0] for _ in range(runs))


def cli(config: Path | None, *argv: str) -> tuple[float, int, str]:
    """Run the `pipeline` command; (seconds, exit code, stderr)."""
    command = [str(PIPELINE)] + (["--config", str(config)] if config else []) + list(argv)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode, done.stderr


def restore(folder: Path, snapshot: Path) -> None:
    """Put state/ and outbox/ back as they were after the history was ingested; empty the inbox."""
    for name in ("state", "outbox", "inbox"):
        shutil.rmtree(folder / name, ignore_errors=True)
        if (snapshot / name).exists():
            shutil.copytree(snapshot / name, folder / name)
        else:
            (folder / name).mkdir()


def raw_read(path: Path) -> float:
    """The floor: python-calamine reading every sheet of the file into Python values."""
    import python_calamine as pc

    start = time.perf_counter()
    book = pc.CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
    return time.perf_counter() - start


def screen_alone(path: Path) -> float:
    """The safety screen of one file, in this process: what the reading child does before parsing."""
    from pipeline.intake.screen.safety import screen

    start = time.perf_counter()
    screen(path)
    return time.perf_counter() - start


def timed_pass(config: Config) -> tuple[float, list[float]]:
    """One ingest pass (no feedback, no outputs): total seconds and seconds per file examined."""
    from pipeline.intake.ingest import run_pass
    from pipeline.runtime.lock import RunLock
    from pipeline.store import open_store

    marks: list[float] = []
    start = time.perf_counter()
    with RunLock(config.paths.state), open_store(config) as store:
        run_pass(config, store, progress=lambda _name: marks.append(time.perf_counter()))
    end = time.perf_counter()
    bounds = marks + [end]
    return end - start, [b - a for a, b in itertools.pairwise(bounds)]


def archived_returns(config: Config) -> list[Path]:
    return sorted(p for p in (config.paths.state / "archive").rglob("*.xlsx") if "duplicates" not in p.parts)


def peak_memory_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child (the reader), in MB.

    Linux carries ru_maxrss across exec, so a process started by a big parent would report
    the parent's peak; /proc/self/status VmHWM is this program's own high-water mark.
    """
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale
    return own, child


# -- one scale point, in its own process ---------------------------------------------------


def scale_point(config_path: Path) -> dict:
    """Ingest everything in the inbox, then write every period's master workbook; timings and peak memory.

    Feedback, mail and Word packs are left out here: they cost the same per return or per
    period at any scale, and the county cycle measures them.
    """
    from pipeline.domain.periods import parse_period
    from pipeline.outputs.assemble import assemble
    from pipeline.outputs.master import write_master
    from pipeline.register.workbook import load_register
    from pipeline.store import open_store

    config = load_config(config_path)
    files = sum(1 for p in config.paths.inbox.iterdir() if p.suffix == ".xlsx")
    ingest, per_file = timed_pass(config)
    register = load_register(config.paths.register)
    start = time.perf_counter()
    with open_store(config) as store:
        for text in store.stale_periods():
            write_master(assemble(config, register, store, parse_period(text)), config.paths.outbox)
    masters = time.perf_counter() - start
    own, child = peak_memory_mb()
    sample = archived_returns(config)[:100]
    raw = [raw_read(p) for p in sample]
    return {
        "returns": files,
        "ingest_s": ingest,
        "per_file_median_s": statistics.median(per_file),
        "master_workbooks_s": masters,
        "raw_read_median_s": statistics.median(raw),
        "peak_rss_mb": round(own, 1),
        "peak_reader_rss_mb": round(child, 1),
    }


def run_scale(county_info: county.County, sizes: list[int]) -> list[dict]:
    bases = list(county_info.history_returns) + list(county_info.cycle_returns)
    results = []
    for size in sizes:
        folder = WORK / f"scale-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        config_path = county.write_config(folder, county_info.folder / "register.xlsx")
        inbox = folder / "inbox"
        for n in range(size):
            base = bases[n % len(bases)]
            county.distinct_copy(base, inbox / f"{n:05d} {base.name}", f"copy {n}")
        done = subprocess.run(
            [sys.executable, __file__, "--scale-point", str(config_path)], capture_output=True, text=True
        )
        if done.returncode != 0:
            results.append({"returns": size, "error": done.stderr.strip().splitlines()[-1:]})
            continue
        point = json.loads(done.stdout.strip().splitlines()[-1])
        point["ingest_vs_raw"] = round(point["per_file_median_s"] / point["raw_read_median_s"], 2)
        results.append(point)
        shutil.rmtree(folder, ignore_errors=True)
    return results


def linear_fit(points: list[dict]) -> dict:
    """ingest seconds = fixed + per_file * returns, by least squares over the scale points."""
    xs = [p["returns"] for p in points if "ingest_s" in p]
    ys = [p["ingest_s"] for p in points if "ingest_s" in p]
    if len(xs) < 2:
        return {}
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return {"per_file_s": slope, "fixed_s": my - slope * mx}


# -- the county cycle ------------------------------------------------------------------------


def county_cycle(info: county.County, runs: int, heavy: int, profile: bool) -> dict:
    """Each stage of the next quarter's cycle: `runs` runs of the quick stages, `heavy` of the slow ones."""
    from pipeline.outputs.assemble import assemble
    from pipeline.outputs.master import write_master
    from pipeline.register.workbook import load_register
    from pipeline.returns.generate import write_templates
    from pipeline.runtime.cycle import run_once
    from pipeline.store import open_store

    folder, config = info.folder, info.config
    # The quarter's templates were made from this register, so a real pass finds it in the
    # cache already (state/cache); reading the workbook itself is timed on its own below.
    register = load_register(config.paths.register, config.paths.cache)
    snapshot = WORK / "county-history"
    shutil.rmtree(snapshot, ignore_errors=True)
    for name in ("state", "outbox"):
        shutil.copytree(folder / name, snapshot / name)
    out: dict = {
        "partnerships": len(register.partnerships),
        "indicators": len(register.indicators),
        "history_quarters": len(county.HISTORY),
        "returns_this_quarter": len(info.cycle_returns),
        "resaved_by_libreoffice": len(info.resaved),
        "register_read_s": median_of(runs, load_register, config.paths.register),
    }

    with open_store(config) as store:
        history = store.actuals()
    with tempfile.TemporaryDirectory() as scratch:
        out["templates_s"] = median_of(
            runs, write_templates, config, register, county.CYCLE, history=history, out_dir=Path(scratch)
        )

    out.update(ingest_timings(info, snapshot, runs))

    with open_store(config) as store:
        out["rating_s"] = median_of(runs, assemble, config, register, store, county.CYCLE)
        report = assemble(config, register, store, county.CYCLE)
    with tempfile.TemporaryDirectory() as scratch:
        out["master_workbook_s"] = median_of(runs, write_master, report, Path(scratch))
    out.update(documents(report, config, heavy))

    cycle_runs, codes = [], set()
    for _ in range(heavy):
        restore(folder, snapshot)
        county.drop(info.cycle_returns, config.paths.inbox)
        seconds, code, err = cli(info.config_path, "-q", "run", "--no-pdf")
        cycle_runs.append(seconds)
        codes.add(code)
        if code not in (0, 1):
            out["county_cycle_cli_error"] = err.strip().splitlines()[-1:] if err.strip() else [f"exit {code}"]
    out["county_cycle_cli_s"] = statistics.median(cycle_runs)
    out["county_cycle_cli_exit_codes"] = sorted(codes)

    out["no_change_s"] = median_of(10, run_once, config, pdf=False)
    out["no_change_cli_s"] = statistics.median(cli(info.config_path, "-q", "run", "--no-pdf")[0] for _ in range(5))

    if profile:
        restore(folder, snapshot)
        county.drop(info.cycle_returns, config.paths.inbox)
        out["profile"] = str(profile_cycle(config))
    return out


def ingest_timings(info: county.County, snapshot: Path, runs: int) -> dict:
    """The quarter's returns ingested in one pass, `runs` times: per file, and beside each pass
    the bare python-calamine read and the safety screen alone of every return."""
    folder, config = info.folder, info.config
    # The raw reads are timed in each run, next to its pass: on a shared machine the speed of
    # the processors drifts by half from one minute to the next, and a ratio of figures taken
    # minutes apart would measure the drift.
    ingest_runs, per_file, raw, screens, ratios = [], [], [], [], []
    for _ in range(runs):
        restore(folder, snapshot)
        county.drop(info.cycle_returns, config.paths.inbox)
        floor = [raw_read(p) for p in info.cycle_returns]
        screens += [screen_alone(p) for p in info.cycle_returns]
        seconds, files = timed_pass(config)
        floor += [raw_read(p) for p in info.cycle_returns]
        screens += [screen_alone(p) for p in info.cycle_returns]
        ingest_runs.append(seconds)
        per_file += files
        raw += floor
        ratios.append(statistics.median(files) / statistics.median(floor))
    ingest = statistics.median(ingest_runs)
    return {
        "ingest_s": ingest,
        "ingest_per_file_s": statistics.median(per_file),
        "raw_read_per_file_s": statistics.median(raw),
        "screen_per_file_s": statistics.median(screens),
        "ingest_vs_raw": round(statistics.median(ratios), 2),
        "ingest_fixed_s": ingest - sum(per_file) / runs,
    }


def ingest_only(runs: int) -> dict:
    """`--ingest`: the county built, then its quarter's ingest timed alone."""
    snapshot = WORK / "county-history"
    setup, info = timed(county.build_county, WORK / "county")
    shutil.rmtree(snapshot, ignore_errors=True)
    for name in ("state", "outbox"):
        shutil.copytree(info.folder / name, snapshot / name)
    out = {"setup_s": setup, "returns_this_quarter": len(info.cycle_returns)}
    out.update(ingest_timings(info, snapshot, runs))
    return out


def documents(report, config: Config, runs: int) -> dict:
    """Word packs (and their PDFs, when LibreOffice is installed), if the documents stage exists."""
    try:
        from pipeline.outputs.documents import write_documents
    except ImportError:
        return {"word_packs": "pipeline.outputs.documents not present"}
    from pipeline.outputs.pdf import convert_to_pdf, find_soffice

    out: dict = {}
    times, written = [], []
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as scratch:
        for n in range(runs):  # a fresh chart cache each time: a new quarter draws its charts
            try:
                seconds, written = timed(
                    write_documents,
                    report,
                    config,
                    Path(scratch) / f"out{n}",
                    pdf=False,
                    chart_dir=Path(scratch) / f"charts{n}",
                )
            except Exception as exc:  # the documents stage is being built alongside: report it
                return {"word_packs_error": f"{type(exc).__name__}: {exc}"[:300]}
            times.append(seconds)
        out["word_packs_s"] = statistics.median(times)
        out["word_documents"] = len(written)
        docx = [p for p in written if p.suffix == ".docx"]
        if find_soffice() and docx:
            out["pdf_s"] = median_of(1, convert_to_pdf, docx, Path(scratch) / "pdf")
    return out


def profile_cycle(config: Config) -> Path:
    """A pyinstrument profile of one county cycle (without PDF), as text."""
    from pyinstrument import Profiler

    from pipeline.runtime.cycle import run_once

    profiler = Profiler(interval=0.001)
    profiler.start()
    with contextlib.suppress(Exception):
        run_once(config, pdf=False)
    profiler.stop()
    path = WORK / "profile-cycle.txt"
    path.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
    return path


# -- the demo ----------------------------------------------------------------------------


def demo_cycle(runs: int) -> dict:
    """The shipped demo's two quarters, filled by demo/fill_returns.py, through `pipeline run --no-pdf`."""
    from pipeline.register.workbook import load_register
    from pipeline.returns.generate import template_folder, write_templates

    folder = WORK / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    config_path = county.write_config(folder, ROOT / "demo" / "register.xlsx")
    config = load_config(config_path)
    register = load_register(config.paths.register)
    returns = folder / "returns"
    returns.mkdir()
    try:
        from demo.fill_returns import DEMO_PERIODS, fill_demo_returns
    except ImportError:
        return {"demo": "demo/fill_returns.py not present"}
    made = []
    for period in DEMO_PERIODS:
        write_templates(config, register, period)
        made += fill_demo_returns(config, register, period, template_folder(config, period), returns)
    times, codes = [], set()
    for _ in range(runs):
        restore(folder, WORK / "no-such-snapshot")
        county.drop(made, config.paths.inbox)
        seconds, code, _err = cli(config_path, "-q", "run", "--no-pdf")
        times.append(seconds)
        codes.add(code)
    return {"demo_returns": len(made), "demo_cycle_cli_s": statistics.median(times), "demo_exit_codes": sorted(codes)}


# -- report ------------------------------------------------------------------------------


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(results: dict) -> str:
    c, d = results["county"], results.get("demo", {})
    rows = [
        ("Stage (county: 12 x 40, median)", "Time", "Goal", ""),
        ("register read (openpyxl; cached after)", fmt(c.get("register_read_s")), "", ""),
        ("templates (12 workbooks)", fmt(c.get("templates_s")), "", ""),
        (f"ingest ({c['returns_this_quarter']} returns, one pass)", fmt(c.get("ingest_s")), "", ""),
        ("  safety screen alone, per file", fmt(c.get("screen_per_file_s")), "", ""),
        (
            "  per file / raw calamine read (ratio: median of runs)",
            f"{fmt(c['ingest_per_file_s'])} / {fmt(c['raw_read_per_file_s'])}: {c['ingest_vs_raw']}x",
            "< 2x + fixed",
            "ok" if c["ingest_vs_raw"] < 2 else "MISSED",
        ),
        ("  fixed cost of a pass", fmt(c.get("ingest_fixed_s")), "small", ""),
        ("rating (assemble)", fmt(c.get("rating_s")), "", ""),
        ("master workbook", fmt(c.get("master_workbook_s")), "", ""),
        (
            f"Word packs ({c.get('word_documents', 0)} documents)",
            fmt(c.get("word_packs_s"))
            if "word_packs_s" in c
            else c.get("word_packs_error", c.get("word_packs", "-"))[:60],
            "",
            "",
        ),
        ("PDF (LibreOffice)", fmt(c.get("pdf_s")), "", ""),
    ]
    for key, (label, goal) in GOALS.items():
        value = c.get(f"{key}_s") if key != "help" else results.get("help_s")
        rows.append((label, fmt(value), f"< {fmt(goal)}", "-" if value is None else "ok" if value < goal else "MISSED"))
    if "demo_cycle_cli_s" in d:
        rows.append((f"demo cycle ({d['demo_returns']} returns, CLI)", fmt(d["demo_cycle_cli_s"]), "", ""))
    for p in results.get("scale", []):
        if "error" in p:
            rows.append((f"scale {p['returns']} returns", "error", "", str(p["error"])[:60]))
            continue
        rows.append(
            (
                f"scale {p['returns']}: ingest / per file",
                f"{fmt(p['ingest_s'])} / {fmt(p['per_file_median_s'])} ({p['ingest_vs_raw']}x raw)",
                "linear",
                "",
            )
        )
        rows.append(
            (
                f"scale {p['returns']}: 9 masters; peak RSS",
                f"{fmt(p['master_workbooks_s'])}; {p['peak_rss_mb']} MB (reader {p['peak_reader_rss_mb']} MB)",
                "flat",
                "",
            )
        )
    fit = results.get("scale_fit")
    if fit:
        rows.append(("scale fit: fixed + per file", f"{fmt(fit['fixed_s'])} + {fmt(fit['per_file_s'])} x n", "", ""))
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and a shorter scale series (100, 500)")
    parser.add_argument("--profile", action="store_true", help="also write a pyinstrument profile of the cycle")
    parser.add_argument(
        "--ingest",
        type=int,
        metavar="RUNS",
        help="only the county quarter's ingest, RUNS times (for A/B runs of the screen or reader)",
    )
    parser.add_argument("--scale-point", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale_point:
        print(json.dumps(scale_point(args.scale_point)))
        return 0
    if args.ingest:
        WORK.mkdir(exist_ok=True)
        print(json.dumps(ingest_only(args.ingest)))
        return 0
    runs, heavy = (3, 1) if args.quick else (5, 3)
    sizes = [100, 500] if args.quick else [100, 500, 2000]
    started = time.perf_counter()
    WORK.mkdir(exist_ok=True)
    # The CLI runs are timed as an installed pipeline runs: with its modules' bytecode cached.
    # pip compiles it on install and Python on first import, unless PYTHONDONTWRITEBYTECODE is
    # set (as in some sandboxes and containers), which would add a compile of every module to
    # every timed run. Python reads bytecode even then; compileall writes it regardless.
    compileall.compile_dir(str(ROOT / "pipeline"), quiet=1)
    print("Building the county (register, templates, 13 quarters of filled returns, history ingest)...", flush=True)
    setup, info = timed(county.build_county, WORK / "county")
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "quick": args.quick,
        "setup_s": setup,
    }
    print(f"  done in {setup:.1f} s; timing the cycle...", flush=True)
    results["county"] = county_cycle(info, runs, heavy, args.profile)
    results["help_s"] = statistics.median(cli(None, "--help")[0] for _ in range(10))
    print("  timing the demo...", flush=True)
    results["demo"] = demo_cycle(heavy)
    print(f"  scale series {sizes}...", flush=True)
    results["scale"] = run_scale(info, sizes)
    results["scale_fit"] = linear_fit(results["scale"])
    results["total_s"] = time.perf_counter() - started
    (HERE / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print()
    print(table(results))
    for key in ("county_cycle_cli_error", "word_packs_error"):
        if key in results["county"]:
            print(f"\nNote: {key}: {results['county'][key]}")
    print(f"\nWritten to {HERE / 'results.json'} ({results['total_s']:.0f} s in all).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
