"""What the databases' errors mean for the person running the pipeline (SQLite's here; PostgreSQL's in
postgres/errors.py).

A database held by another program is StoreBusy (exit 7), one that cannot be written an
OutputError (exit 4), one that is damaged, another program's or a newer pipeline's
StoreUnusable (exit 8). Anything else is a fault of ours, StoreFault: the pass stops and it
is reported as a bug. No code outside the store sees a driver's error.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable
from pathlib import Path

from pipeline.domain.errors import OutputError, PipelineError, StoreBusy, StoreUnusable


class StoreFault(Exception):
    """The database refused a statement for a reason that is a fault in the pipeline (its SQL or its
    schema), not the machine's or another program's doing. Not a PipelineError: it is a bug, and it
    stops the pass rather than being put down to one file or one message."""


def problem(exc: sqlite3.Error, path: Path) -> PipelineError | None:
    """The user-facing problem an SQLite error stands for; None for one that is a bug of ours."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy(
            f"The pipeline's database {path} is in use by another program (a database browser, or a "
            "backup, holding it open for writing), so nothing was changed: returns stay in the inbox.",
            fix="Close that program, or try again later; `pipeline watch` tries again by itself.",
        )
    if any(words in text for words in ("readonly", "read-only", "disk is full", "unable to open", "disk i/o")):
        return OutputError(
            f"The pipeline's database {path} could not be written ({exc}). Nothing was lost: check the "
            "state folder has free space and may be written to, and run again."
        )
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return unusable(path, "is not a SQLite database, or is damaged" if "not a database" in text else "is damaged")
    return None


def translated(exc: sqlite3.Error, path: Path) -> Exception:
    """The pipeline's error for an SQLite error: a problem the user can act on, or a StoreFault."""
    return problem(exc, path) or StoreFault(f"the database {path} refused a statement: {type(exc).__name__}: {exc}")


def unusable(path: Path, why: str) -> StoreUnusable:
    return StoreUnusable(
        f"The pipeline's database {path} {why} ({path.name} is the history of every return, figure and "
        "message). The pipeline has not touched it and will not use it.",
        fix=f"Restore {path.name} from your backup. Or, to start a new history, move it aside (rename it, "
        "say to pipeline.sqlite3.old): the next run starts an empty database, and the record of the "
        "returns taken in, their figures and verdicts, and the messages sent is lost (the files in "
        "state/archive/ stay, and reminders already sent may be sent again).",
    )


def newer(path: Path, version: int, known: int) -> StoreUnusable:
    return StoreUnusable(
        f"The pipeline's database {path} was written by a newer version of the pipeline (its schema is "
        f"version {version}; this version of the pipeline knows versions up to {known}). The pipeline has "
        "not touched it and will not use it.",
        fix="Upgrade the pipeline to the version that wrote it, or a later one, and run again. The "
        f"database is not damaged: keep {path.name} as it is, and do not move it aside.",
    )


def speaks_sql(method: Callable) -> Callable:
    """Wrap a store method so its driver's errors come out as the pipeline's: the owner (a store, or one
    of its transactions) says what each means with `_translated` (None: not a driver's error)."""

    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self, *args, **kwargs):
            try:
                yield from method(self, *args, **kwargs)
            except Exception as exc:
                mapped = self._translated(exc)
                if mapped is None:
                    raise
                raise mapped from exc

        return generator

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            mapped = self._translated(exc)
            if mapped is None:
                raise
            raise mapped from exc

    return wrapper


def speaking(cls: type) -> type:
    """Wrap every public method of `cls` (its own and inherited) with speaks_sql: every one speaks SQL."""
    for name, method in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_"):
            setattr(cls, name, speaks_sql(method))
    return cls
