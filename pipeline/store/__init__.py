"""The history store: the only code that knows SQL.

Stages open it with `open_store(config)` (or `Store(path)` for a SQLite file) and pass the records of
pipeline.domain.history in and out. What a store raises: StoreBusy (another program holds it, or the
server is out of reach: StoreUnreachable), OutputError (it cannot be written), StoreUnusable (damaged,
another program's, or a newer pipeline's) and StoreFault (a fault of ours).

`Store` (store.py) is the interface, its methods grouped by what they keep: files.py (files, verdicts,
findings, follow-up work), history.py (accepted returns and their figures) and messages.py, written once
in SQL both back ends run. Two back ends supply the connection: SqliteStore (sqlite.py over
connection.py, the embedded default) and PostgresStore (postgres/, when [store] url names a server).
The tables and their numbered migrations are in schema.py, for both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.domain.errors import OutputError, StoreBusy, StoreUnreachable, StoreUnusable
from pipeline.store.errors import StoreFault
from pipeline.store.sqlite import SqliteStore
from pipeline.store.store import Store

if TYPE_CHECKING:
    from pipeline.domain.settings import Config

# What a store raises that is no one file's or message's problem: the next write would fail the same
# way, so a loop that carries on past one item's failure stops the pass on these instead (exit 7 or 8,
# or a fault), rather than failing every item in turn.
STOPS_THE_PASS = (StoreBusy, StoreUnusable, StoreFault)


def open_store(config: Config) -> Store:
    """The store config.toml names: the PostgreSQL database of [store] url, or the SQLite file under
    the state folder. psycopg is imported only for the first."""
    if config.store.url:
        from pipeline.store.postgres.store import PostgresStore

        return PostgresStore(config.store)
    return SqliteStore(config.paths.database)


__all__ = [
    "STOPS_THE_PASS",
    "OutputError",
    "SqliteStore",
    "Store",
    "StoreBusy",
    "StoreFault",
    "StoreUnreachable",
    "StoreUnusable",
    "open_store",
]
