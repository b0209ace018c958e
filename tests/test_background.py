"""A call made in a forked process while the pass goes on: its result, or the call made again here."""

from __future__ import annotations

import os
import signal

import pytest

from pipeline.background import Background, Claims

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
