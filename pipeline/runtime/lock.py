"""One pass at a time: an exclusive lock on a file in the state folder, or, when the history is on
a PostgreSQL server that several machines share, the server's advisory lock (`locked_store`).

The operating system releases the lock when the holder dies (even on kill -9),
so a crashed run never leaves a stale lock behind. A flock belongs to the open
file, which a forked child (the reading process) inherits: left open there, a
reader orphaned by a kill -9 would hold the lock for ever, so children close it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from pipeline.domain.errors import LockHeld
from pipeline.domain.settings import Config
from pipeline.store import Store, open_store

_held: set[int] = set()  # descriptors of the locks this process holds


def _drop_inherited_locks() -> None:
    """In a forked child: let go of the parent's lock descriptors (closing them does not unlock)."""
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_drop_inherited_locks)


class RunLock:
    def __init__(self, state: Path, name: str = "pipeline.runtime.lock") -> None:
        self.path = Path(state) / name
        self._handle: TextIO | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            what = "pipeline watch" if self.path.name == "watch.lock" else "pipeline run"
            raise LockHeld(
                f"Another {what} ({holder}) is already working on {self.path.parent}.",
                fix="Wait for it to finish (or stop it), then try again; this run changed nothing.",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        self._handle = handle
        _held.add(handle.fileno())
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            _held.discard(self._handle.fileno())
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


@contextlib.contextmanager
def locked_store(config: Config) -> Iterator[Store]:
    """The store, opened for a pass that no other pass may run beside.

    With the SQLite file, the file lock in the state folder, taken first. With a PostgreSQL server, a
    file lock would keep apart only the passes of one machine: the lock is the server's, held by the
    store's own connection, so it goes when that connection goes (see PostgresStore.lock_passes).
    """
    if not config.store.url:
        with RunLock(config.paths.state), open_store(config) as store:
            yield store
        return
    with open_store(config) as store:
        holder = store.lock_passes()
        if holder is not None:
            raise LockHeld(
                f"Another pipeline run ({holder}) is already working on the database {store.where}.",
                fix="Wait for it to finish (or stop it), then try again; this run changed nothing.",
            )
        try:
            yield store
        finally:
            with contextlib.suppress(Exception):  # a connection already lost has let go of the lock with it
                store.unlock_passes()
