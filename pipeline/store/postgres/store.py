"""The PostgreSQL store: the store's tables over one connection to the server config.toml names."""

from __future__ import annotations

from pipeline.store.errors import speaking
from pipeline.store.postgres.connection import PgConnection
from pipeline.store.store import Store


@speaking
class PostgresStore(PgConnection, Store):
    """The history in a PostgreSQL database, shared by machines and boards."""
