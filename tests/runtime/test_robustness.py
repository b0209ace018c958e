"""Nothing is lost and nothing counts twice: kill -9 at random points, two runs at once, an outbox that
cannot be written.

Returns are made by the benchmarks' county generator (benchmarks/county.py) with
the project's own template generator and fill, then dropped into an inbox and
taken through the real command, `python -m pipeline run --no-pdf`, in child
processes, exactly as cron or an officer would run it.
"""

from __future__ import annotations

import collections
import errno
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import contextlib

import county

from pipeline.config.load import load_config
from pipeline.domain.errors import OutputError
from pipeline.register.workbook import load_register
from pipeline.returns.generate import write_templates
from pipeline.returns.layout import template_filename
from pipeline.support.atomic import write_with

PERIODS = county.HISTORY[:2]
KILLS = 20
SEED = 20251


@dataclass(frozen=True)
class Batch:
    """Thirty returns as officers send them: good ones, resubmissions, mistakes, junk and one duplicate."""

    folder: Path
    register: Path
    good: tuple[Path, ...]  # accepted: one first return per partnership and period, then resubmissions
    rejected: tuple[Path, ...]
    duplicate: Path  # the same bytes as good[0], under another name
    combinations: int  # distinct (partnership, period) among the good returns

    @property
    def all(self) -> tuple[Path, ...]:
        return (*self.good, *self.rejected, self.duplicate)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    folder = tmp_path_factory.mktemp("returns")
    register_path = county.write_register(folder / "register.xlsx", partnerships=3, indicators=5, actions=2, risks=2)
    config = load_config(county.write_config(folder / "setup", register_path))
    register = load_register(register_path)
    shorts = [p.short_name for p in register.partnerships]
    templates = {}
    for period in PERIODS:
        write_templates(config, register, period, history={}, out_dir=folder / "t" / period.slug)
        for short in shorts:
            templates[(short, period)] = folder / "t" / period.slug / template_filename(short, period)
    combos = list(templates)
    out = folder / "batch"
    out.mkdir()

    def fill(n: int, combo, **spoil) -> Path:
        short, period = combo
        return county.fill_one(
            config,
            register,
            templates[combo],
            out / f"{n:02d} {short} {period.slug}.xlsx",
            short,
            period,
            on_target=True,
            **spoil,
        )

    good = [fill(n, combo) for n, combo in enumerate(combos)]
    good += [
        fill(n, combos[n % len(combos)], commentary=f"Corrected return, version {n}.") for n in range(len(good), 20)
    ]
    rejected = [fill(20 + n, combos[n % len(combos)], mistake="not-a-number") for n in range(3)]
    rejected += [fill(23 + n, combos[n % len(combos)], mistake="no-commentary") for n in range(2)]
    junk = random.Random(SEED).randbytes(4000)
    for name, data in (
        ("25 scan of the return.xlsx", junk),
        ("26 half uploaded.xlsx", good[0].read_bytes()[:3000]),
        ("27 empty.xlsx", b""),
        ("28 covering note.txt", b"Please find our return attached.\n"),
    ):
        (out / name).write_bytes(data)
        rejected.append(out / name)
    duplicate = out / f"29 Copy of {good[0].name}"
    shutil.copyfile(good[0], duplicate)
    made = Batch(folder, register_path, tuple(good), tuple(rejected), duplicate, len(combos))
    assert len(made.all) == 30
    return made


def setup_run(batch: Batch, folder: Path, store_url: str = "") -> Path:
    """A fresh work folder with the batch in its inbox (duplicate last); returns config.toml's path.
    The history is in the PostgreSQL database `store_url`, if given, else the SQLite file."""
    config_path = county.write_config(folder, batch.register, store_url)
    inbox = folder / "inbox"
    start = time.time() - 100
    for n, path in enumerate(batch.all):
        target = inbox / path.name
        shutil.copyfile(path, target)
        os.utime(target, (start + n, start + n))  # arrival order: the duplicate comes after its original
    return config_path


@dataclass
class Run:
    """`pipeline run --no-pdf` in a child process, its output going to files beside config.toml."""

    process: subprocess.Popen
    out: Path
    err: Path

    @property
    def pid(self) -> int:
        return self.process.pid


_started: list[Run] = []


@pytest.fixture(autouse=True)
def no_leftover_processes():
    """Kill what a killed run leaves behind (its reader child), by process group, after each test."""
    yield
    while _started:
        kill_group(_started.pop())


def pipeline_run(config_path: Path) -> Run:
    """Start a run in its own process group. Output goes to files, not pipes: a reader orphaned by
    kill -9 keeps inherited pipes open, and waiting for them to close would wait for ever."""
    n = len(_started)
    out, err = config_path.with_name(f"run{n}.out"), config_path.with_name(f"run{n}.err")
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "--config", str(config_path), "run", "--no-pdf"],
            cwd=config_path.parent,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    run = Run(process, out, err)
    _started.append(run)
    return run


def kill_group(run: Run) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(run.pid, signal.SIGKILL)


def finish(run: Run, timeout: float = 120) -> tuple[int, str, str]:
    """Wait for the run to end; (exit code, stdout, stderr)."""
    code = run.process.wait(timeout)
    return code, run.out.read_text(), run.err.read_text()


def wait_for_moves(run: Run, state: Path, moves: int, limit: float) -> None:
    """Wait until the run has moved `moves` more files out of incoming/ (or has ended, or `limit` passed)."""
    target = len(stored_files(state)) + moves
    deadline = time.monotonic() + limit
    while run.process.poll() is None and time.monotonic() < deadline and len(stored_files(state)) < target:
        time.sleep(0.002)


def stored_files(state: Path) -> list[Path]:
    """Every return the pipeline holds in archive/ or quarantine/ (not its .reason.txt notes)."""
    return sorted(
        p
        for where in ("archive", "quarantine")
        for p in (state / where).rglob("*")
        if p.is_file() and not p.name.endswith(".reason.txt")
    )


def original_name(stored: Path) -> str:
    """'20251001T101010Z-0123456789ab-SKL return.xlsx' -> 'SKL return.xlsx'."""
    return stored.name.split("-", 2)[2]


class _Database:
    """The history, read directly as an analyst would: the SQLite file, or the PostgreSQL database."""

    def __init__(self, state: Path, store_url: str) -> None:
        if store_url:
            import psycopg

            self._db = psycopg.connect(store_url, autocommit=True)
        else:
            self._db = sqlite3.connect(state / "pipeline.sqlite3")

    def execute(self, sql: str):
        return self._db.execute(sql)

    def close(self) -> None:
        self._db.close()


def assert_everything_processed_once(batch: Batch, folder: Path, store_url: str = "") -> None:
    state = folder / "state"
    dropped = collections.Counter(p.name for p in batch.all)
    assert [p.name for p in (folder / "inbox").iterdir()] == []
    assert not (state / "incoming").exists() or list((state / "incoming").iterdir()) == []
    assert collections.Counter(original_name(p) for p in stored_files(state)) == dropped

    db = _Database(state, store_url)
    try:
        files = db.execute("SELECT name, verdict, location, destination FROM files").fetchall()
        assert collections.Counter(name for name, *_ in files) == dropped
        verdicts = collections.Counter(verdict for _, verdict, *_ in files)
        assert verdicts == {"accepted": len(batch.good), "rejected": len(batch.rejected), "duplicate": 1}
        assert all(location == destination for _, _, location, destination in files)
        submissions, counting, pairs = db.execute(
            "SELECT count(*), sum(counts), count(DISTINCT partnership || period) FROM submissions"
        ).fetchone()
        counting = int(counting)  # PostgreSQL's sum of integers is a bigint's sum, a Decimal
        assert (submissions, counting, pairs) == (len(batch.good), batch.combinations, batch.combinations)
        assert db.execute(
            "SELECT count(*) FROM submissions s WHERE NOT EXISTS "
            "(SELECT 1 FROM indicator_values v WHERE v.submission_id = s.id)"
        ).fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM stale_periods").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM feedback_due").fetchone() == (0,)
    finally:
        db.close()
    assert_masters_open(folder)


def assert_masters_open(folder: Path) -> None:
    from openpyxl import load_workbook

    register = load_register(load_config(folder / "config.toml").paths.register)
    for period in PERIODS:
        master = folder / "outbox" / period.slug / f"master-{period.slug}.xlsx"
        book = load_workbook(master, read_only=True)
        try:
            rows = list(book["Indicators"].iter_rows(min_row=2, values_only=True))
            due = [i for i in register.indicators if i.frequency.due_in(period.quarter)]
            assert len(rows) == len(due), master
        finally:
            book.close()
    assert list((folder / "outbox").rglob("*.tmp")) == []


def test_killing_the_run_at_random_points_loses_nothing_and_counts_nothing_twice(batch, tmp_path):
    timing = setup_run(batch, tmp_path / "timing")
    started = time.perf_counter()
    code, _out, err = finish(pipeline_run(timing))
    full_pass = time.perf_counter() - started
    assert code in (0, 1), err

    folder = tmp_path / "killed"
    config_path = setup_run(batch, folder)
    chance = random.Random(SEED)
    for round_ in range(KILLS):
        run = pipeline_run(config_path)
        if round_ < KILLS // 2:
            # Ingest takes a small part of a pass: aim these kills into it, just after the
            # run has moved a random number (0-2) of further files to their verdicts.
            wait_for_moves(run, folder / "state", chance.randint(0, 2), full_pass)
        else:  # anywhere: feedback, mail, master workbook, Word documents, or a pass with nothing to do
            time.sleep(chance.uniform(0, full_pass))
        if run.process.poll() is None:  # a run with little left to do may have finished already
            os.kill(run.pid, signal.SIGKILL)  # the pipeline process only: its reader child lives on, orphaned
        finish(run)
    code, _out, err = finish(pipeline_run(config_path))
    assert code in (0, 1), err
    assert "Traceback" not in err
    assert_everything_processed_once(batch, tmp_path / "killed")


def test_two_runs_started_together_never_process_a_file_twice(batch, tmp_path):
    config_path = setup_run(batch, tmp_path)
    first, second = pipeline_run(config_path), pipeline_run(config_path)
    results = [finish(first), finish(second)]
    codes = sorted(code for code, _out, _err in results)
    assert codes in ([0, 3], [1, 3], [0, 0], [0, 1], [1, 1]), results
    for code, _out, err in results:
        assert "Traceback" not in err
        if code == 3:
            assert err.strip().startswith("pipeline: error: Another pipeline run"), err
            assert len(err.strip().splitlines()) == 1, err
    assert_everything_processed_once(batch, tmp_path)


def test_an_outbox_that_cannot_be_written_fails_clearly_and_keeps_the_previous_outputs(batch, tmp_path):
    config_path = county.write_config(tmp_path, batch.register)
    first, later = PERIODS
    firsts = [p for p in batch.good if first.slug in p.name][:3]
    for path in firsts:
        shutil.copyfile(path, tmp_path / "inbox" / path.name)
    code, _out, err = finish(pipeline_run(config_path))
    assert code in (0, 1), err
    outbox = tmp_path / "outbox"
    before = {p: p.read_bytes() for p in outbox.rglob("*") if p.is_file()}
    assert outbox / first.slug / f"master-{first.slug}.xlsx" in before

    # Works as root too (chmod would not stop root): the period's output folder is blocked by a file.
    blocker = outbox / later.slug
    blocker.write_text("not a folder")
    laters = [p for p in batch.good if later.slug in p.name][:2]
    for path in laters:
        shutil.copyfile(path, tmp_path / "inbox" / path.name)
    code, _out, err = finish(pipeline_run(config_path))

    assert code == 4, err
    assert "Traceback" not in err
    # The master workbook and the Word packs are written side by side: either may be the first to fail.
    assert re.match(
        rf"pipeline: error: Could not write {re.escape(str(blocker))}/[^/ ]+\.(xlsx|docx): "
        rf"{re.escape(str(blocker))} is a file where a folder should be\.",
        err.strip().splitlines()[-1],
    )
    for path, data in before.items():
        assert path.read_bytes() == data, f"{path} changed"
    assert list(outbox.rglob("*.tmp")) == []
    assert sorted(original_name(p) for p in stored_files(tmp_path / "state")) == sorted(p.name for p in firsts + laters)

    blocker.unlink()  # the officer frees the folder; the next run finishes the job
    code, _out, err = finish(pipeline_run(config_path))
    assert code in (0, 1), err
    assert (outbox / later.slug / f"master-{later.slug}.xlsx").is_file()


def test_a_disk_that_fills_while_an_output_is_written_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "outbox" / "master.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"the previous master workbook")

    def write_until_the_disk_is_full(temporary: Path) -> None:
        temporary.write_bytes(b"half a new workbook")
        with open("/dev/full", "wb") as disk:  # a real ENOSPC from the operating system
            disk.write(b"x" * 65536)
            disk.flush()

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with pytest.raises(OutputError) as raised:
        write_with(target, write_until_the_disk_is_full)
    assert str(target) in str(raised.value)
    assert os.strerror(errno.ENOSPC) in str(raised.value)
    assert target.read_bytes() == b"the previous master workbook"
    assert [p.name for p in target.parent.iterdir()] == ["master.xlsx"]


def test_the_same_file_sent_again_in_the_same_second_as_an_interrupted_copy_is_kept_twice(batch, tmp_path):
    from pipeline.intake.ingest import take_in
    from pipeline.runtime.cycle import run_once
    from pipeline.store import Store

    config = load_config(county.write_config(tmp_path, batch.register))
    moment = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
    dropped = config.paths.inbox / batch.good[0].name
    with Store(config.paths.database) as store:
        for _ in range(2):  # a pass killed just after taking the file in; a sync tool delivers it again
            shutil.copyfile(batch.good[0], dropped)
            take_in(config, store, [dropped], moment)
    run_once(config, pdf=False)

    assert sorted(original_name(p) for p in stored_files(config.paths.state)) == [dropped.name] * 2
    db = sqlite3.connect(config.paths.database)
    try:
        assert sorted(v for (v,) in db.execute("SELECT verdict FROM files")) == ["accepted", "duplicate"]
    finally:
        db.close()


# -- PostgreSQL: several machines over one database and one inbox --------------------------------

PG_ROUNDS = 8


def test_two_passes_at_once_on_postgresql_killed_at_random_points_process_every_file_exactly_once(
    batch, tmp_path, postgresql
):
    """Two machines' passes over one shared inbox and one database, started together again and again,
    one of the two killed with -9 at a random moment each time: the server's pass lock lets one work
    at a time, and a killed pass leaves nothing that blocks the next (its lock goes with its connection)."""
    folder = tmp_path / "shared"
    config_path = setup_run(batch, folder, postgresql.url)
    chance = random.Random(SEED)
    refused = 0
    for _ in range(PG_ROUNDS):
        runs = [pipeline_run(config_path), pipeline_run(config_path)]
        time.sleep(chance.uniform(0.5, 3.0))
        running = [run for run in runs if run.process.poll() is None]
        victim = chance.choice(running) if running else None  # the pass at work, mostly: the other was refused
        if victim is not None:
            os.kill(victim.pid, signal.SIGKILL)
        for run in runs:
            code, _out, err = finish(run)
            if run is victim:
                continue
            assert code in (0, 1, 3), err
            assert "Traceback" not in err
            if code == 3:
                refused += 1
                # the holder's machine and process, unless it ended as this pass asked who it was
                assert err.startswith(
                    (
                        "pipeline: error: Another pipeline run (pipeline on ",
                        "pipeline: error: Another pipeline run (another pipeline)",
                    )
                ), err
                assert f"is already working on the database {postgresql.url.split('?')[0]}" in err
    code, _out, err = finish(pipeline_run(config_path))
    assert code in (0, 1), err
    assert refused, "the two passes never met: the test did not test the lock"
    assert_everything_processed_once(batch, folder, postgresql.url)


def test_the_database_server_stopping_during_a_pass_is_exit_7_with_nothing_half_written_and_the_next_pass_carries_on(
    batch, tmp_path, postgresql, postgres_server
):
    folder = tmp_path / "work"
    config_path = setup_run(batch, folder, postgresql.url)
    run = pipeline_run(config_path)
    try:
        wait_for_moves(run, folder / "state", 1, 120)  # a verdict recorded and carried out, most not
        postgres_server.stop("immediate")  # as if it crashed, or its machine restarted
        code, _out, err = finish(run)
    finally:
        postgres_server.start()

    assert code == 7, err
    said = err.strip().splitlines()[-1]  # after the INFO lines of the files it did decide
    assert said.startswith(f"pipeline: error: The PostgreSQL database {postgresql.url.split('?')[0]} could not be ")
    assert "Nothing was written half-way: returns not yet recorded stay in the inbox." in said
    assert "Traceback" not in err and "ERROR" not in err, err
    db = _Database(folder / "state", postgresql.url)
    try:
        # What was committed is whole: every accepted file has its return and its figures.
        assert db.execute(
            "SELECT count(*) FROM files f WHERE f.verdict = 'accepted' AND NOT EXISTS (SELECT 1 FROM submissions s "
            "JOIN indicator_values v ON v.submission_id = s.id WHERE s.file_id = f.id)"
        ).fetchone() == (0,)
        waiting = db.execute("SELECT count(*) FROM files WHERE verdict = 'pending'").fetchone()[0]
        unbuilt = db.execute("SELECT count(*) FROM stale_periods").fetchone()[0]
    finally:
        db.close()
    # The pass really was stopped part-way: files wait in incoming/ for their verdicts, or (on a quick
    # machine, where every verdict was in before the server went) the packs wait to be built.
    assert waiting > 0 or unbuilt > 0
    assert len(list((folder / "state" / "incoming").iterdir())) >= waiting

    code, _out, err = finish(pipeline_run(config_path))
    assert code in (0, 1), err
    assert_everything_processed_once(batch, folder, postgresql.url)
