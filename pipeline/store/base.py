"""What every back end gives the store's tables: a connection that runs SQL, transactions, and the
translation of its driver's errors into the pipeline's.

The tables' code (files.py, history.py, messages.py, store.py) is written once, in SQL that SQLite
and PostgreSQL both run, with `?` for parameters; a back end (sqlite.py, postgres/) supplies the
connection and, for PostgreSQL, turns the few words that differ into its own (postgres/dialect.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, Self


class Rows(Protocol):
    """A cursor after a statement: sqlite3's and psycopg's both are."""

    @property
    def description(self) -> Any:
        """The columns of a SELECT, each a sequence that starts with its name."""

    @property
    def rowcount(self) -> int:
        """How many rows an UPDATE or DELETE changed."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Sql(Protocol):
    """A connection that runs a statement with `?` parameters."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Rows: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


class Database:
    """One open database. Use as a context manager, or call close()."""

    _db: Sql
    where: str  # the database as its messages name it: a file's path, or a server's address without password

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Any]:
        """All statements inside commit together or not at all; inside another transaction, a savepoint."""
        raise NotImplementedError

    shared = False  # True for a server that several machines use at once

    def lock_passes(self) -> str | None:
        """Take the lock that keeps passes on every machine one at a time, or say who holds it. Only a
        shared database has one; passes over a file are kept apart by runtime.lock.RunLock."""
        raise NotImplementedError

    def unlock_passes(self) -> None:
        raise NotImplementedError

    def _translated(self, exc: Exception) -> Exception | None:
        """The pipeline's error for a driver's error (see errors.py); None for any other exception."""
        raise NotImplementedError
