"""One connection to the SQLite file: opening it (schema checked, and migrated when older),
closing it, transactions, and what SQLite's errors mean."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from pipeline.store.base import Database
from pipeline.store.errors import speaks_sql, translated
from pipeline.store.schema import MIGRATIONS, Migration, open_schema

# How long a write waits for another program (a database browser) to let go before the pass gives up
# with StoreBusy and is tried again later. SQLite waits in C, where no signal handler runs, so this
# also bounds how long a second Ctrl-C can take to stop `watch`.
BUSY_TIMEOUT_SECONDS = 5.0


class Connection(Database):
    """The pipeline's SQLite database. Use as a context manager, or call close()."""

    _db: sqlite3.Connection

    def __init__(self, path: Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.path = path = Path(path)
        self.where = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), never implicit.
            self._db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
        except sqlite3.Error as exc:
            raise translated(exc, path) from exc
        try:
            open_schema(self._db, path, migrations)
        except sqlite3.Error as exc:
            self._db.close()
            raise translated(exc, path) from exc
        except BaseException:
            self._db.close()
            raise

    def _translated(self, exc: Exception) -> Exception | None:
        return translated(exc, self.path) if isinstance(exc, sqlite3.Error) else None

    def close(self) -> None:
        self._db.close()

    class _Transaction:
        def __init__(self, store: Connection) -> None:
            self._translated = store._translated  # for speaks_sql
            self.db = store._db
            self.nested = False

        @speaks_sql
        def __enter__(self):
            self.nested = self.db.in_transaction
            self.db.execute("SAVEPOINT inner" if self.nested else "BEGIN IMMEDIATE")
            return self

        @speaks_sql
        def __exit__(self, kind, value, tb) -> None:
            if kind is not None and not self.db.in_transaction:
                return  # SQLite rolled it all back itself (disk full, I/O error): let that error through
            if not self.nested:
                self.db.execute("COMMIT" if kind is None else "ROLLBACK")
                return
            if kind is not None:
                self.db.execute("ROLLBACK TO inner")
            self.db.execute("RELEASE inner")

    def transaction(self) -> _Transaction:
        """All statements inside commit together or not at all.

        Inside another transaction this is a savepoint, made durable by the outer commit: a
        caller groups many small writes into one commit, and each commit costs an fsync.
        """
        return Connection._Transaction(self)
