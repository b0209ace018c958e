"""A/B of the ingest against another tree of this project, interleaved on one machine:
`python benchmarks/ab.py OTHER_TREE [--rounds N]` (OTHER_TREE: e.g. a `git worktree add` of an
earlier commit).

On a shared machine the speed of the processors drifts by half from one minute to the next, so
figures taken by running the benchmark on each tree in turn compare the minutes, not the trees.
Here each tree gets a worker process that stays up, and the rounds alternate between them, which
goes first changing each round. Each tree builds its own county (its own benchmarks/county.py:
the trees' stores need not share a schema), and each round

- screens the same files (this tree's county's quarter of returns) in both trees, five times
  each, each time in a fresh process as a pass's reading child screens them, timed as CPU time of
  the screen alone, which other work on the machine barely moves, and
  beside it the bare python-calamine read of the same files (the same library in both trees: a
  check on the drift between them); and
- ingests each tree's own quarter in one pass (restored from a snapshot first), timed as wall
  time a return (the whole pass over the returns, and the median from one file's start to the
  next's, which leaves out the pass's fixed cost), and as the CPU time a return of the pass's
  process and of its reading child (the child is reaped as the pass ends, so its CPU time is
  counted by then).

It prints one JSON line: per tree the median and range over the rounds, and the round-by-round
ratio of the other tree to this one (below 1: the other tree is faster). The worker imports the
tree's own modules by their place in either layout (before the move into subpackages, and after).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCREENS = 5  # screens of each file a round (and bare reads)

# What the worker needs, by its place after the move into subpackages, then before it.
PLACES = {
    "screen": ("pipeline.intake.screen.safety", "pipeline.safety"),
    "run_pass": ("pipeline.intake.ingest", "pipeline.ingest"),
    "open_store": ("pipeline.runtime.cycle", "pipeline.cycle"),
    "RunLock": ("pipeline.runtime.lock", "pipeline.lock"),
}


def _find(tree: Path, name: str):
    """`name` from whichever of its modules this tree has."""
    for module in PLACES[name]:
        if (tree / (module.replace(".", "/") + ".py")).exists():
            return getattr(importlib.import_module(module), name)
    raise ImportError(f"{name} is in none of {PLACES[name]} in {tree}")


def screen_cpu(screen, files: list[Path]) -> float:
    """CPU time a file of screening `files` once each in a fresh fork of the worker, which has
    screened nothing itself: as a pass's reading child starts, with nothing kept from earlier
    screens (the screen keeps what returns made from one template share)."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        start = time.process_time()
        for path in files:
            screen(path)
        os.write(write_end, repr(time.process_time() - start).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        took = float(pipe.read())
    os.waitpid(child, 0)
    return took / len(files)


def bare_read(path: Path) -> None:
    """The floor: python-calamine reading every sheet of the file into Python values."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def worker(tree: Path, work: Path) -> None:
    """Build the tree's county in `work`, then answer the driver's commands, one JSON line each."""
    sys.path[:0] = [str(tree), str(tree / "benchmarks")]
    import county  # the tree's own

    screen, run_pass = _find(tree, "screen"), _find(tree, "run_pass")
    open_store, run_lock = _find(tree, "open_store"), _find(tree, "RunLock")
    info = county.build_county(work / "county")
    config, snapshot = info.config, work / "snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    for name in ("state", "outbox"):
        shutil.copytree(info.folder / name, snapshot / name)
    print(json.dumps({"returns": [str(p) for p in info.cycle_returns]}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "screen":
            files = [Path(p) for p in command["files"]]
            screens = statistics.fmean(screen_cpu(screen, files) for _ in range(SCREENS))
            start = time.process_time()
            for _ in range(SCREENS):
                for path in files:
                    bare_read(path)
            reads = (time.process_time() - start) / len(files) / SCREENS
            print(json.dumps({"cpu": screens, "bare_read_cpu": reads}), flush=True)
        elif command["do"] == "ingest":
            for name in ("state", "outbox", "inbox"):  # as the quarter's history left them, the inbox empty
                shutil.rmtree(info.folder / name, ignore_errors=True)
                if (snapshot / name).exists():
                    shutil.copytree(snapshot / name, info.folder / name)
                else:
                    (info.folder / name).mkdir()
            county.drop(info.cycle_returns, config.paths.inbox)
            count = len(info.cycle_returns)
            marks: list[float] = []
            wall, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
            with run_lock(config.paths.state), open_store(config) as store:
                run_pass(config, store, progress=lambda _name, marks=marks: marks.append(time.perf_counter()))
            end = time.perf_counter()
            between = [b - a for a, b in zip(marks, marks[1:] + [end])]  # from each file's start to the next's
            answer = {
                "wall": (end - wall) / count,
                "wall_per_file": statistics.median(between),
                "cpu": (time.process_time() - cpu) / count,
                "child_cpu": (_children_cpu() - child) / count,
            }
            print(json.dumps(answer), flush=True)


class Worker:
    """A worker process for one tree, driven over its standard input and output."""

    def __init__(self, tree: Path, work: Path) -> None:
        environment = dict(os.environ, PYTHONPATH=str(tree))
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(tree), str(work)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=tree,
            env=environment,
        )
        self.ready = self._answer()

    def ask(self, **command) -> dict:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def _answer(self) -> dict:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker stopped (exit {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()


def spread(values: list[float], scale: float = 1000.0, places: int = 2) -> dict:
    """Median and range, in milliseconds unless `scale` says otherwise."""
    return {
        "median": round(statistics.median(values) * scale, places),
        "range": [round(min(values) * scale, places), round(max(values) * scale, places)],
    }


def drive(other: Path, rounds: int, work: Path) -> dict:
    trees = {"this": ROOT, "other": other.resolve()}
    workers = {name: Worker(tree, work / name) for name, tree in trees.items()}
    try:
        files = workers["this"].ready["returns"]
        took: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
        for turn in range(rounds):
            order = list(trees) if turn % 2 == 0 else list(reversed(trees))
            for name in order:
                screened = workers[name].ask(do="screen", files=files)
                took[name].setdefault("screen_cpu", []).append(screened["cpu"])
                took[name].setdefault("bare_read_cpu", []).append(screened["bare_read_cpu"])
            for name in order:
                for key, value in workers[name].ask(do="ingest").items():
                    took[name].setdefault(f"ingest_{key}", []).append(value)
    finally:
        for each in workers.values():
            each.close()
    out: dict = {"rounds": rounds, "returns": len(files), "trees": {k: str(v) for k, v in trees.items()}}
    for name in trees:
        out[name] = {key: spread(values) for key, values in took[name].items()}
    out["other_over_this"] = {
        key: spread([b / a for a, b in zip(took["this"][key], took["other"][key])], scale=1.0) for key in took["this"]
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, nargs="?", help="the other tree (a checkout of this project)")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument("--work", type=Path, default=HERE / "work" / "ab", help="where the counties are built")
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    if args.other is None:
        parser.error("name the other tree")
    print(json.dumps(drive(args.other, args.rounds, args.work)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
