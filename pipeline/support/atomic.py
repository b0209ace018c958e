"""Atomic output: a reader sees the old file or the new one, never half of either.

Outputs are written to a temporary file in the destination folder, flushed to
disk, then renamed over the target. A failure (disk full, read-only folder)
leaves the previous output intact and raises OutputError naming the file.
Only a kill -9 between the two steps leaves a temporary behind; the next run
that writes to the folder sweeps it away (sweep_temporaries).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.domain.errors import OutputError

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `target`."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix + ".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _output_error(target, exc) from None
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); outputs are shared, so give the usual mode.
        os.chmod(temporary, 0o666 & ~_UMASK)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _output_error(target, exc) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def inside(folder: Path, name: str) -> Path:
    """folder / name, refused (OutputError) when it would land outside `folder`.

    For every path built from data (a short name, a stored file's name): whatever the register
    or the inbox holds, nothing is written elsewhere. Judged on the path's words ('..', an
    absolute name), not by resolving links: an officer may have made a folder a link to another disk.
    """
    path = Path(folder) / name
    base, where = os.path.abspath(folder), os.path.abspath(path)  # abspath normalises, without following links
    if where == base or os.path.commonpath([base, where]) != base:
        raise OutputError(
            f"Refused to write {name!r}: it would land outside {folder}.",
            fix="Run `pipeline check` and correct the register's short names and codes.",
        )
    return path


def sweep_temporaries(folder: Path) -> list[Path]:
    """Delete the temporaries a killed run left under `folder`; call only while holding the run lock."""
    removed = []
    if Path(folder).is_dir():
        for path in Path(folder).rglob(".*.tmp"):
            if path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def write_bytes(target: Path, data: bytes) -> Path:
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)
    return target


def write_text(target: Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def write_with(target: Path, writer: Callable[[Path], object]) -> Path:
    """Call writer(temporary_path), then move the result into place."""
    with atomic_path(target) as temporary:
        writer(temporary)
    return target


def _output_error(target: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or type(exc).__name__
    blocked = next((p for p in (target.parent, *target.parent.parents) if p.exists() and not p.is_dir()), None)
    if blocked is not None:  # mkdir says only "File exists" or "Not a directory"
        reason = f"{blocked} is a file where a folder should be"
    return OutputError(
        f"Could not write {target}: {reason}.",
        fix="Check there is free disk space and that the folder is writable; the previous file is unchanged.",
    )
