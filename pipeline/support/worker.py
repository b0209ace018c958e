"""One call run in a forked process while this one goes on: the second core's share of a pass.

While a pass renders the board paper and highlight reports, forked children write
the annotated feedback workbooks, the master workbook and the other highlight
reports (shared out by Claims). Such a call must only write files, atomically and
idempotently: if the child fails or is killed, the call is simply made again here,
so the caller sees the real result or the real error.

A Standby is such a child forked before its call is known, so that it can import
what the call needs while the pass ingests, when the second core is mostly idle.
"""

from __future__ import annotations

import gc
import logging
import logging.handlers
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Background(Generic[T]):
    """fn(*args) started in a forked child at once; result() waits for it.

    With fork=False (nothing to gain), where fork is missing, or where only one CPU may
    be used, result() makes the call here.
    """

    def __init__(self, fn: Callable[..., T], *args: Any, fork: bool = True) -> None:
        self._fn, self._args = fn, args
        # Both set, or both None: the child and the end of the pipe its result comes back on.
        self._child: BaseProcess | None = None
        self._pipe: Connection | None = None
        if fork and hasattr(os, "fork") and _cpus() > 1:
            # fork, as in ReaderPool: the child starts in milliseconds with everything
            # already imported, and no __main__ module is run again.
            context = multiprocessing.get_context("fork")
            self._pipe, sender = context.Pipe(duplex=False)
            self._child = context.Process(
                target=_run, args=(sender, self._pipe, fn, args, os.getpid()), daemon=True, name="pipeline-background"
            )
            # Everything made so far (modules, the report) is frozen out of the collector's
            # reach before the fork: the child's collections then look only at what it makes
            # itself, instead of walking a few hundred thousand inherited objects each time.
            gc.freeze()
            try:
                self._child.start()
            except OSError as exc:  # no process to be had (EAGAIN, ENOMEM): do the work here instead
                log.info("Could not start a second process (%s); working in this one", exc)
                self._pipe.close()
                self._child = self._pipe = None
            finally:
                gc.unfreeze()
                sender.close()  # the child holds the only sending end: its death reads as EOF here

    @classmethod
    def _adopt(cls, fn: Callable[..., T], args: tuple, child: BaseProcess, pipe: Connection) -> Background[T]:
        """A Background for a call handed to a child that is already running (Standby.start)."""
        job = cls(fn, *args, fork=False)
        job._child, job._pipe = child, pipe
        return job

    def result(self) -> T:
        if self._child is None:
            return self._fn(*self._args)
        assert self._pipe is not None  # set with the child
        try:
            done, value = self._pipe.recv()
        except (EOFError, OSError):
            done, value = False, None
        finally:
            self._close()
        if done:
            return value
        log.info("The background %s did not finish; doing it here", getattr(self._fn, "__name__", "call"))
        return self._fn(*self._args)

    def _close(self) -> None:
        if self._child is not None:
            assert self._pipe is not None  # set with the child
            # Closed before the join: a child still sending a result nobody will read gets a
            # broken pipe and leaves, instead of blocking on a full pipe while we wait for it.
            self._pipe.close()
            self._child.join()
            self._child = None

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, *exc_info) -> None:
        self._close()  # after an error in the caller: let the child finish its files, then go on


class Standby:
    """A forked child that runs prepare() at once, then waits for the call start() hands it.

    For a call whose arguments are known only later but whose imports take a noticeable
    share of its time: the child imports while this process does something else. The call
    and its arguments are pickled to the child; its result comes back as from Background.
    Without a child (fork=False, no fork, one CPU), start() gives a Background as usual.
    """

    def __init__(self, prepare: Callable[[], object], *, fork: bool = True) -> None:
        # All three set, or all None: the child, the end its result comes back on, the end its call goes out on.
        self._child: BaseProcess | None = None
        self._replies: Connection | None = None
        self._orders: Connection | None = None
        if not (fork and hasattr(os, "fork") and _cpus() > 1):
            return
        context = multiprocessing.get_context("fork")
        self._replies, sender = context.Pipe(duplex=False)
        waiting, self._orders = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_stand_by,
            args=(sender, self._replies, waiting, self._orders, prepare, os.getpid()),
            daemon=True,
            name="pipeline-standby",
        )
        gc.freeze()  # as in Background
        try:
            self._child.start()
        except OSError as exc:
            log.info("Could not start a second process (%s); working in this one", exc)
            self._replies.close()
            self._orders.close()
            self._child = self._replies = self._orders = None
        finally:
            gc.unfreeze()
            sender.close()
            waiting.close()

    def start(self, fn: Callable[..., T], *args: Any, fork: bool = True) -> Background[T]:
        """fn(*args) in the waiting child; with fork=False, or when it is gone, a Background as usual."""
        if self._child is not None and fork:
            assert self._orders is not None and self._replies is not None  # set with the child
            try:
                self._orders.send((fn, args))
            except (OSError, ValueError, pickle.PicklingError, AttributeError, TypeError) as exc:
                log.info("Could not hand %s to the waiting process (%s)", getattr(fn, "__name__", "call"), exc)
            else:
                child, replies = self._child, self._replies
                self._orders.close()
                self._child = self._replies = self._orders = None
                return Background._adopt(fn, args, child, replies)
        self.close()
        return Background(fn, *args, fork=fork)

    def close(self) -> None:
        """Stop the waiting child, if start() never gave it a call: it has only been preparing."""
        if self._child is None:
            return
        assert self._orders is not None and self._replies is not None  # set with the child
        self._orders.close()
        self._replies.close()
        self._child.kill()
        self._child.join()
        self._child = self._replies = self._orders = None

    def __enter__(self) -> Standby:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class _Lock(Protocol):
    """What Claims needs of a lock: a multiprocessing one shared with children, or a thread's."""

    def acquire(self, *, timeout: float) -> bool: ...

    def release(self) -> None: ...


class Claims:
    """Hands out 0 .. n-1, each once, to whichever process asks first: this one or a forked child.

    Work shared this way balances itself between the processes. A number handed to a
    child that then dies is simply never done, so the caller does whatever is left over.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._lock: _Lock
        try:
            context = multiprocessing.get_context("fork")
            self._next, self._lock = context.RawValue("i", 0), context.Lock()
            self.shared = True
        except (ValueError, OSError, ImportError):  # no fork, or no shared semaphores (a bare container)
            self._next, self._lock = _Counter(), threading.Lock()
            self.shared = False  # so nothing may be handed to a child: callers pass fork=claims.shared

    def __iter__(self) -> Iterator[int]:
        while True:
            if not self._lock.acquire(timeout=10):  # its holder died holding it: leave the rest to the caller
                return
            try:
                claimed = self._next.value
                self._next.value = claimed + 1
            finally:
                self._lock.release()
            if claimed >= self.n:
                return
            yield claimed


class _Counter:
    value = 0


def _run(sender, receiver, fn: Callable[..., Any], args: tuple, parent: int) -> None:
    # The copy of the parent's end that fork gave us: kept open, a reply the parent no
    # longer reads would block for ever instead of failing as a broken pipe.
    receiver.close()
    # A child outliving a killed pass could finish after the next pass and put its older
    # files over the newer ones: it dies with its parent, leaving only temporaries to sweep.
    die_with_parent(parent)
    detach_from_display()
    _reply(sender, fn, args)


def _stand_by(sender, receiver, orders, orders_end, prepare: Callable[[], object], parent: int) -> None:
    receiver.close()
    orders_end.close()  # so that the parent's going away reads as EOF here
    die_with_parent(parent)
    detach_from_display()
    try:
        try:
            prepare()
        except Exception:
            log.debug("Preparing the waiting process failed", exc_info=True)
        fn, args = orders.recv()
    except (EOFError, OSError, KeyboardInterrupt):  # the pass ended or was stopped (Ctrl-C reaches us too)
        sender.close()
        return
    _reply(sender, fn, args)


def _reply(sender, fn: Callable[..., Any], args: tuple) -> None:
    try:
        sender.send((True, fn(*args)))
    except BaseException:
        log.debug("Background %s failed in the child", getattr(fn, "__name__", "call"), exc_info=True)
        try:
            sender.send((False, None))
        except OSError:
            pass  # the parent has gone
    finally:
        sender.close()


def detach_from_display() -> None:
    """In a forked child: write to the real stdout and stderr, and leave the log file's rotation
    to the parent.

    While rich shows a status line, sys.stdout and sys.stderr are its proxies, guarded by a
    lock its refresh thread holds while drawing. A fork during a redraw leaves the child that
    lock held by a thread it does not have: its first warning would block for ever. And two
    processes rotating one log file can rename it under each other.
    """
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    for handler in logging.getLogger("pipeline").handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            handler.maxBytes = 0  # never rolls over


def die_with_parent(parent: int) -> None:
    """In a forked child: ask Linux to SIGKILL this process when `parent` dies (no-op elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


def _cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))  # the CPUs this process may use, not all the machine has
    return os.cpu_count() or 1
