"""`pipeline watch` end to end, in a subprocess: start, drop a return, see the outputs, stop with SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from pathlib import Path

import pytest
from spoil import Workspace

from pipeline.runtime.watch import Watcher, reminders_due

WAIT = 120  # seconds: a bound on waiting for the loop, not a speed requirement


def _wait_for(condition, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            raise AssertionError(
                f"watch exited early ({process.returncode}) before {what}: {process.stderr.read().decode()}"
            )
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"gave up waiting for {what}")


def _start(config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--config", str(config), "watch", "--no-pdf"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_watch_ingests_a_dropped_return_and_stops_cleanly_on_sigterm(tmp_path, register, return_templates):
    ws = Workspace(
        tmp_path / "ws", register, return_templates, replace={"interval_seconds = 60": "interval_seconds = 1"}
    )
    config = ws.config.source
    process = _start(config)
    try:
        _wait_for(lambda: (ws.state / "logs" / "pipeline.log").exists(), "the log file", process)
        ws.submit("cyp.xlsx")
        master = ws.outbox / "2025-26-Q1" / "master-2025-26-Q1.xlsx"
        _wait_for(master.exists, "the master workbook", process)
        _wait_for(lambda: list((ws.state / "archive").rglob("*cyp.xlsx")), "the archived return", process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT) == 0
    finally:
        if process.poll() is None:
            process.kill()
    log = (ws.state / "logs" / "pipeline.log").read_text()
    assert "cyp.xlsx: accepted" in log
    assert "Stopped cleanly" in log
    assert list(ws.inbox.iterdir()) == []


def test_a_second_watch_refuses_to_start_with_exit_code_3(tmp_path, register, return_templates):
    ws = Workspace(
        tmp_path / "ws", register, return_templates, replace={"interval_seconds = 60": "interval_seconds = 1"}
    )
    first = _start(ws.config.source)
    try:
        _wait_for(lambda: (ws.state / "logs" / "pipeline.log").exists(), "the first watch", first)
        _wait_for(lambda: "Watching" in (ws.state / "logs" / "pipeline.log").read_text(), "the loop", first)
        second = subprocess.run(
            [sys.executable, "-m", "pipeline", "--config", str(ws.config.source), "watch"],
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert second.returncode == 3
        assert "Another pipeline watch" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=WAIT) == 0


# --- when the reminders go: at calendar.reminder_time on the UK clock, never as the loop happens to start ------


class _Recording(Watcher):
    """A watch loop whose jobs only note that they ran, on a clock the test sets (UTC, as machines keep it)."""

    def __init__(self, config, started: datetime, *, chases_fail: int = 0) -> None:
        self.clock = started
        super().__init__(config, now=lambda: self.clock)
        self.ran: list[str] = []
        self.chases_fail = chases_fail  # this many chases find the mail server down

    def inbox_job(self) -> None:
        self.ran.append("inbox")

    def reminder_job(self) -> bool:
        self.ran.append("reminders")
        self.chases_fail -= 1
        return self.chases_fail < 0


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _start_once(watcher: _Recording):
    import schedule

    scheduler = schedule.Scheduler()
    watcher.run(sleep=lambda _seconds: watcher.stop(), scheduler=scheduler)
    return scheduler


def test_a_watch_started_at_4am_leaves_the_reminders_to_the_reminder_time(workspace):
    watcher = _Recording(workspace.config, _utc(2026, 11, 30, 4, 22))
    scheduler = _start_once(watcher)
    assert watcher.ran == ["inbox"]  # no reminders at 04:22
    [check] = [job for job in scheduler.jobs if job.job_func.func == watcher.reminder_check]
    assert (check.interval, check.unit) == (1, "minutes")  # it looks at the UK clock every minute


def test_a_watch_restarted_after_the_reminder_time_catches_up_on_the_days_reminders(workspace):
    watcher = _Recording(workspace.config, _utc(2026, 11, 30, 14, 5))
    _start_once(watcher)
    assert watcher.ran == ["inbox", "reminders"]


@pytest.mark.parametrize(
    "machine_utc, reminded",
    [
        pytest.param(_utc(2026, 7, 15, 7, 30), False, id="07:30_utc_in_july_is_08:30_uk"),
        pytest.param(_utc(2026, 7, 15, 8, 30), True, id="08:30_utc_in_july_is_09:30_uk"),
        pytest.param(_utc(2026, 12, 7, 8, 30), False, id="08:30_utc_in_december_is_08:30_uk"),
        pytest.param(_utc(2026, 12, 7, 9, 0), True, id="09:00_utc_in_december_is_09:00_uk"),
    ],
)
def test_on_a_machine_in_utc_the_reminders_keep_uk_time(workspace, machine_utc, reminded):
    watcher = _Recording(workspace.config, machine_utc)
    _start_once(watcher)
    assert ("reminders" in watcher.ran) is reminded


def test_the_reminders_go_once_a_uk_day_at_the_reminder_time(workspace):
    watcher = _Recording(workspace.config, _utc(2026, 7, 15, 3, 22))  # 04:22 BST
    _start_once(watcher)
    for clock in (
        _utc(2026, 7, 15, 7, 59),
        _utc(2026, 7, 15, 8, 0),
        _utc(2026, 7, 15, 8, 1),
        _utc(2026, 7, 15, 22, 0),
        _utc(2026, 7, 16, 7, 59),
        _utc(2026, 7, 16, 8, 0),
    ):
        watcher.clock = clock
        watcher.reminder_check()
    # 09:00 BST on the 15th and on the 16th, nothing more.
    assert watcher.ran == ["inbox", "reminders", "reminders"]


def test_reminders_that_did_not_all_go_are_tried_again_at_the_next_look_the_same_day(workspace):
    watcher = _Recording(workspace.config, _utc(2026, 12, 7, 9, 0), chases_fail=2)
    _start_once(watcher)  # 09:00: the mail server is down
    watcher.stopping = False  # _start_once stopped the loop after one turn; it goes on here
    for clock in (_utc(2026, 12, 7, 9, 1), _utc(2026, 12, 7, 9, 2), _utc(2026, 12, 7, 9, 3)):
        watcher.clock = clock
        watcher.reminder_check()
    # Down at 09:00 and 09:01, through at 09:02; nothing more that day.
    assert watcher.ran == ["inbox", "reminders", "reminders", "reminders"]


def test_the_reminders_are_for_the_uk_date_just_after_midnight_in_summer(workspace):
    watcher = _Recording(workspace.config, _utc(2026, 7, 31, 23, 30))  # 00:30 on 1 August in the UK
    assert watcher.today() == date(2026, 8, 1)


@pytest.mark.parametrize(
    "now, chased_on, due",
    [
        pytest.param(datetime(2026, 11, 30, 4, 22), None, False, id="before"),
        pytest.param(datetime(2026, 11, 30, 9, 0), None, True, id="on_the_minute"),
        pytest.param(datetime(2026, 11, 30, 23, 59), None, True, id="late_evening"),
        pytest.param(datetime(2026, 11, 30, 9, 1), date(2026, 11, 30), False, id="already_sent_today"),
        pytest.param(datetime(2026, 12, 1, 9, 0), date(2026, 11, 30), True, id="sent_yesterday"),
    ],
)
def test_reminders_due(now, chased_on, due):
    assert reminders_due(now, time_of_day(9, 0), chased_on) is due


# --- only a signal stops the loop -----------------------------------------------------------------


def test_a_pass_that_fails_with_a_bug_is_logged_and_retried_less_often_while_it_goes_on_failing(
    workspace, monkeypatch, caplog
):
    import pipeline.runtime.cycle

    outcomes = [ZeroDivisionError("division by zero")] * 4 + [None]
    calls = []

    def run_once(*args, **kwargs):
        calls.append(len(calls))
        failure = outcomes[min(len(calls) - 1, len(outcomes) - 1)]
        if failure is not None:
            raise failure
        return pipeline.runtime.cycle.CycleReport(ingest=None)

    monkeypatch.setattr(pipeline.runtime.cycle, "run_once", run_once)
    watcher = Watcher(workspace.config)
    with caplog.at_level("INFO", logger="pipeline"):
        for _ in range(12):
            watcher.inbox_job()
    # Tried on passes 1, 2, 4 (one skipped), 8 (three skipped); the fifth try, on pass 16, is not reached.
    assert len(calls) == 4
    assert (watcher.failures, watcher.skipping) == (4, 7 - 4)
    [first, *_] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert first.getMessage().startswith(
        "The pass failed with an internal error, ZeroDivisionError: division by zero "
        "(the next try is in 60 s; the traceback is in "
    )
    assert first.exc_info is not None, "the traceback goes to the log file"
    for _ in range(4):
        watcher.inbox_job()
    assert (len(calls), watcher.failures) == (5, 0), "a pass that succeeds resets the back-off"


def test_the_console_shows_one_line_for_a_failed_pass_and_the_log_file_its_traceback(workspace, capsys):
    import logging

    from pipeline.cli.logs import configure_logging, log_to_file

    class Args:
        verbose = quiet = traceback = False

    logger = logging.getLogger("pipeline")
    saved = logger.handlers[:], logger.level, logger.propagate
    try:
        configure_logging(Args(), sys.stderr)
        log_to_file(workspace.config)
        watcher = Watcher(workspace.config)
        try:
            raise ZeroDivisionError("division by zero")
        except ZeroDivisionError as exc:
            watcher._failed(exc)
        for handler in logger.handlers:
            handler.flush()
    finally:
        for handler in logger.handlers:
            if handler not in saved[0]:
                handler.close()
        logger.handlers[:], logger.level, logger.propagate = saved
    console = capsys.readouterr().err
    assert console.count("\n") == 1 and "ZeroDivisionError: division by zero" in console
    assert "Traceback (most recent call last)" in (workspace.state / "logs" / "pipeline.log").read_text()


def test_a_log_file_that_cannot_be_written_is_said_once_and_written_again_once_it_can(workspace, capsys):
    import logging

    from pipeline.cli.logs import log_to_file

    class FullDisk:
        closed = False

        def write(self, text):
            raise OSError(27, "File too large")

        def flush(self):
            pass

        def close(self):
            pass

    logger = logging.getLogger("pipeline")
    saved = logger.handlers[:], logger.level, logger.propagate
    try:
        logger.handlers[:] = []
        logger.setLevel(logging.INFO)
        log_to_file(workspace.config)
        [handler] = logger.handlers
        handler.stream = FullDisk()
        for n in range(3):
            logger.info("lost line %d", n)
        logger.info("the disk has room again")
        handler.flush()
    finally:
        for handler in logger.handlers:
            handler.close()
        logger.handlers[:], logger.level, logger.propagate = saved
    console = capsys.readouterr().err
    assert console.count("could not write the log file") == 1, console
    assert "Traceback" not in console
    assert "the disk has room again" in (workspace.state / "logs" / "pipeline.log").read_text()


class _Busy(Watcher):
    """A watch loop whose pass is long work in hand (a stand-in for a big quarter's packs)."""

    def inbox_job(self) -> None:
        time.sleep(30)


def test_a_second_signal_stops_watch_at_once_and_releases_its_lock(workspace):
    import os
    import threading

    from pipeline.runtime.lock import RunLock

    def signal_twice() -> None:
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)  # finish the work in hand...
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)  # ...no: stop now

    watcher = _Busy(workspace.config, now=lambda: datetime(2026, 11, 30, 4, 22, tzinfo=UTC))
    sender = threading.Thread(target=signal_twice)
    started = time.monotonic()
    sender.start()
    with pytest.raises(KeyboardInterrupt):
        watcher.run()
    sender.join()
    assert time.monotonic() - started < 5
    assert watcher.hangup.called, "the first signal abandons any mail conversation in progress"
    with RunLock(workspace.state, name="watch.lock"):
        pass
    assert signal.getsignal(signal.SIGTERM) is not watcher.stop
