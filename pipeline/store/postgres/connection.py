"""One connection to the PostgreSQL database named by config.toml's [store]: opening it (password from
the environment, TLS options passed through, schema checked and migrated when older), closing it,
transactions, and what PostgreSQL's errors mean."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterable, Sequence
from typing import Any, LiteralString, cast

import psycopg
from psycopg.conninfo import conninfo_to_dict

from pipeline.domain.settings import StoreSettings
from pipeline.store.base import Database, Rows
from pipeline.store.errors import speaks_sql
from pipeline.store.postgres.dialect import statement
from pipeline.store.postgres.errors import translated
from pipeline.store.postgres.schema import open_schema
from pipeline.store.schema import MIGRATIONS, Migration

CONNECT_TIMEOUT_SECONDS = 10
PASS_LOCK = 0x5049_5031  # "PIP1": one pass at a time (see postgres/schema.py for the second key)
# TCP keepalives: a server that vanished without a word (its machine lost, a cable pulled) is noticed in
# about a minute, not when the operating system gives up on the connection two hours later.
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


_sockets: set[int] = set()  # the connections this process has open


def _drop_inherited_connections() -> None:
    """In a forked child (the reading process, the second core's workers): close the parent's connections.
    Left open there, a child orphaned by a kill -9 would keep the server's session, and so the pass
    lock, alive until it ended. psycopg itself never ends a connection from a process that did not
    open it, so closing the socket here is all there is to do."""
    for fd in _sockets:
        with contextlib.suppress(OSError):
            os.close(fd)
    _sockets.clear()


os.register_at_fork(after_in_child=_drop_inherited_connections)


def address(url: str) -> str:
    """The database as messages name it: user, host, port and database, never a password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(the [store] url in config.toml, which is not a database address)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host') or 'localhost'}{port}/{parts.get('dbname') or ''}"


def connect_options(settings: StoreSettings) -> dict[str, Any]:
    """What psycopg is given besides the url: the password from the environment, TLS, and timeouts."""
    options: dict[str, Any] = {
        "autocommit": True,  # transactions are explicit (transaction()), never implicit
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        # who holds the pass lock, as another machine's refusal names it
        "application_name": f"pipeline on {socket.gethostname()}, process {os.getpid()}"[:63],
        **_KEEPALIVES,
    }
    password = os.environ.get(settings.password_env)
    if password:
        options["password"] = password
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if getattr(settings, key):
            options[key] = getattr(settings, key)
    return options


class _Sql:
    """psycopg's connection as the tables' code uses a connection: statements with `?`, in SQLite's words."""

    def __init__(self, pg: psycopg.Connection) -> None:
        self.pg = pg

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Rows:
        return self.pg.execute(cast(LiteralString, statement(sql)), tuple(parameters))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        rows = [tuple(p) for p in parameters]
        if not rows:  # psycopg would still go to the server and back (its pipeline's sync): a return with no findings
            return
        with self.pg.cursor() as cursor:
            cursor.executemany(cast(LiteralString, statement(sql)), rows)


class PgConnection(Database):
    """The pipeline's PostgreSQL database. Use as a context manager, or call close()."""

    _db: _Sql
    shared = True

    def __init__(self, settings: StoreSettings, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.settings = settings
        self.where = address(settings.url)
        try:
            self._pg = psycopg.connect(settings.url, **connect_options(settings))
        except psycopg.Error as exc:
            raise translated(exc, self.where) from exc
        self._socket = self._pg.pgconn.socket
        _sockets.add(self._socket)
        self._db = _Sql(self._pg)
        self._depth = 0  # savepoints open inside the transaction
        try:
            open_schema(self._db, self.where, migrations, self.transaction)
        except psycopg.Error as exc:
            self.close()
            raise translated(exc, self.where) from exc
        except BaseException:
            self.close()
            raise

    def _translated(self, exc: Exception) -> Exception | None:
        return translated(exc, self.where) if isinstance(exc, psycopg.Error) else None

    def close(self) -> None:
        _sockets.discard(self._socket)
        self._pg.close()

    # -- one pass at a time, across machines ---------------------------------------

    def lock_passes(self) -> str | None:
        """Take the pass lock, or say who holds it. A session-level advisory lock, held by this store's
        own connection: the server lets go of it when the connection ends however it ends (a pass
        killed with -9, a machine lost), and a pass whose connection is lost can write nothing more,
        so it cannot go on working beside the next one."""
        for _attempt in range(2):  # a holder that ends between the two questions has let go: ask again
            (taken,) = self._db.execute(
                "SELECT pg_try_advisory_lock(?, hashtext(current_schema()))", (PASS_LOCK,)
            ).fetchone()
            if taken:
                return None
            row = self._db.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ? AND l.objid::integer = "
                "hashtext(current_schema()) AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
                (PASS_LOCK,),
            ).fetchone()
            if row is not None:
                return row[0] or "another pipeline"
        return "another pipeline"

    def unlock_passes(self) -> None:
        self._db.execute("SELECT pg_advisory_unlock(?, hashtext(current_schema()))", (PASS_LOCK,))

    class _Transaction:
        """psycopg's transaction outside any other; inside one, a savepoint of our own, which is never
        released: a commit releases every savepoint at once, so a file's writes inside a pass's batch
        cost one trip to the server for the savepoint, not two (RELEASE is the second)."""

        def __init__(self, store: PgConnection) -> None:
            self._translated = store._translated  # for speaks_sql
            self._store = store
            self._pg = store._pg
            self._outer: psycopg.Transaction | None = None
            self.nested = False

        @speaks_sql
        def __enter__(self):
            self.nested = self._pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
            if self.nested:
                self._store._depth += 1
                self._pg.execute(f"SAVEPOINT pipeline_{self._store._depth}".encode())
            else:
                self._outer = self._pg.transaction()
                self._outer.__enter__()
            return self

        @speaks_sql
        def __exit__(self, kind, value, tb) -> None:
            if self._outer is not None:
                self._outer.__exit__(kind, value, tb)
                return
            depth, self._store._depth = self._store._depth, self._store._depth - 1
            if kind is not None and not self._pg.closed:  # undo this part alone; the same name is the latest one
                self._pg.execute(f"ROLLBACK TO SAVEPOINT pipeline_{depth}".encode())

    def transaction(self) -> _Transaction:
        """All statements inside commit together or not at all; inside another transaction, a savepoint."""
        return PgConnection._Transaction(self)
