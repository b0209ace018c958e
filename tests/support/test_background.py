"""A call made in a forked process while the pass goes on: its result, or the call made again here."""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from pipeline.support.worker import Background, Claims, Standby

PARENT = os.getpid()


def where() -> int:
    return os.getpid()


def fails() -> None:
    raise ValueError("the real error")


def dies_in_the_child() -> int:
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


def fails_only_in_the_child() -> int:
    if os.getpid() != PARENT:
        raise MemoryError
    return os.getpid()


pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to fork")


def test_the_call_is_made_in_another_process():
    with Background(where) as job:
        assert job.result() != PARENT


def test_with_fork_false_the_call_is_made_here_when_asked_for():
    assert Background(where, fork=False).result() == PARENT


def test_an_error_in_the_child_is_raised_here_as_itself():
    with pytest.raises(ValueError, match="the real error"):
        Background(fails).result()


def test_a_child_that_is_killed_leaves_the_call_to_be_made_here():
    assert Background(dies_in_the_child).result() == PARENT


def test_a_child_that_fails_leaves_the_call_to_be_made_here():
    assert Background(fails_only_in_the_child).result() == PARENT


def test_claims_hand_each_number_to_one_process_only():
    claims = Claims(50)
    with Background(list, claims) as child:
        here = list(claims)
        there = child.result()
    assert sorted(here + there) == list(range(50))


def test_claims_run_out_for_everyone_once_handed_out():
    claims = Claims(3)
    assert list(claims) == [0, 1, 2]
    assert list(claims) == []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return not any(line.startswith("State:") and "Z" in line for line in status)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_dies_with_a_killed_parent_so_it_cannot_overwrite_a_later_pass(tmp_path):
    marker = tmp_path / "child.pid"
    program = textwrap.dedent(f"""
        import os, time
        from pathlib import Path
        from pipeline.support.worker import Background

        def work():
            Path({str(marker)!r}).write_text(str(os.getpid()))
            time.sleep(60)

        Background(work)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", program])
    try:
        for _ in range(200):
            if marker.exists() and marker.read_text():
                break
            time.sleep(0.05)
        child = int(marker.read_text())
        assert _alive(child)
    finally:
        parent.kill()
        parent.wait()
    for _ in range(100):
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child)


def test_without_shared_semaphores_claims_work_in_this_process_alone(monkeypatch):
    import multiprocessing.context

    def no_semaphores(self, *args, **kwargs):
        raise OSError("sem_open is not available here")

    monkeypatch.setattr(multiprocessing.context.BaseContext, "Lock", no_semaphores)
    claims = Claims(4)
    assert not claims.shared
    assert list(claims) == [0, 1, 2, 3] and list(claims) == []


def frozen_in_the_child() -> int:
    import gc

    return gc.get_freeze_count()


def test_the_child_leaves_inherited_objects_to_the_collector_and_this_process_does_not():
    import gc

    with Background(frozen_in_the_child) as job:
        assert gc.get_freeze_count() == 0, "a long watch loop must not keep its garbage frozen"
        assert job.result() > 1000


def writes_through() -> bool:
    return sys.stderr is sys.__stderr__ and sys.stdout is sys.__stdout__


def test_a_child_writes_to_the_real_stderr_not_through_a_status_display(monkeypatch):
    # rich replaces both with proxies while its status line shows; a child forked mid-redraw
    # would block on the proxy's lock the first time it printed a warning.
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert Background(writes_through).result() is True


def test_when_no_process_can_be_started_the_call_is_made_here(monkeypatch):
    import multiprocessing.process

    def refused(self):
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refused)
    assert Background(where).result() == PARENT


def test_a_big_result_nobody_asks_for_does_not_hold_up_the_caller(tmp_path):
    # The caller failed before asking for the result; the child's reply fills the pipe.
    program = textwrap.dedent("""
        from pipeline.support.worker import Background

        def big():
            return b"x" * 500_000

        try:
            with Background(big):
                raise RuntimeError("the caller failed first")
        except RuntimeError:
            print("went on")
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "went on", done.stderr


def rotates() -> int:
    import logging

    return logging.getLogger("pipeline").handlers[-1].maxBytes


def test_only_the_parent_rotates_the_log_file(tmp_path):
    import logging
    from logging.handlers import RotatingFileHandler

    logger = logging.getLogger("pipeline")
    handler = RotatingFileHandler(tmp_path / "pipeline.log", maxBytes=1_000_000, backupCount=5)
    logger.addHandler(handler)
    try:
        assert Background(rotates).result() == 0
        assert handler.maxBytes == 1_000_000
    finally:
        logger.removeHandler(handler)
        handler.close()


# -- a child made ready before its call is known -----------------------------------------

PREPARED: list[int] = []


def prepare() -> None:
    PREPARED.append(os.getpid())


def prepared_where() -> tuple[list[int], int]:
    return list(PREPARED), os.getpid()


def cannot_prepare() -> None:
    raise ImportError("no such library")


def test_a_standby_makes_the_call_in_the_child_that_prepared_for_it():
    with Standby(prepare) as standby:
        prepared, pid = standby.start(prepared_where).result()
    assert pid != PARENT and prepared == [pid]
    assert PREPARED == [], "preparing happens in the child only"


def test_a_standby_given_no_call_is_stopped_at_once():
    standby = Standby(prepare)
    child = standby._child
    standby.close()
    assert child.exitcode is not None


def test_a_standby_told_not_to_fork_makes_the_call_here_and_stops_its_child():
    standby = Standby(prepare)
    child = standby._child
    assert standby.start(prepared_where, fork=False).result() == ([], PARENT)
    assert child.exitcode is not None


def test_without_a_waiting_child_start_is_an_ordinary_background_call():
    prepared, pid = Standby(prepare, fork=False).start(prepared_where).result()
    assert pid != PARENT and prepared == []


def test_a_standby_that_died_before_its_call_leaves_it_to_be_made_anyway():
    standby = Standby(prepare)
    os.kill(standby._child.pid, signal.SIGKILL)
    standby._child.join()
    _prepared, pid = standby.start(prepared_where).result()
    assert pid > 0  # made by a fresh child or here: either way, made


def test_a_call_that_cannot_be_sent_to_the_child_is_made_all_the_same():
    with Standby(prepare) as standby:
        result = standby.start(lambda: os.getpid()).result()  # a lambda does not pickle
    assert result > 0


def test_a_failed_preparation_does_not_stop_the_call():
    with Standby(cannot_prepare) as standby:
        assert standby.start(where).result() != PARENT


def test_ctrl_c_while_a_standby_prepares_prints_no_traceback():
    program = textwrap.dedent("""
        import os, signal, time
        from pipeline.support.worker import Standby

        standby = Standby(lambda: time.sleep(5))
        time.sleep(0.5)
        os.kill(standby._child.pid, signal.SIGINT)  # Ctrl-C reaches every process of the terminal
        standby._child.join(10)
        print(standby._child.exitcode)
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "0"
    assert "Traceback" not in done.stderr, done.stderr
