"""The SQLite store: the store's tables over one connection to one file under the state folder
(WAL mode, so readers never block the writer). The embedded default: one board on one machine."""

from __future__ import annotations

from pipeline.store.connection import Connection
from pipeline.store.errors import speaking
from pipeline.store.store import Store


@speaking
class SqliteStore(Connection, Store):
    """The history in a SQLite file. `Store(path)` opens one too."""
