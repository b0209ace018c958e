"""One pass at a time: an exclusive lock on a file in the state folder.

The operating system releases the lock when the holder dies (even on kill -9),
so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from pipeline.errors import LockHeld


class RunLock:
    def __init__(self, state: Path, name: str = "pipeline.lock") -> None:
        self.path = Path(state) / name
        self._handle = None

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
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
