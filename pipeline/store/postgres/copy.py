"""`pipeline store copy --to URL`: a history moved from its SQLite file (or another database) into an
empty PostgreSQL database, in ONE transaction on the target: the tables are made by the same numbered
migrations, every row is copied (PostgreSQL's COPY), the numbering of new rows is carried on, and the
row count and a digest of every table are compared on both sides before the commit. Any failure, or
any difference, rolls it all back: the target is left as empty as it was."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, LiteralString, cast

import psycopg
from psycopg import sql

from pipeline.domain.errors import UsageError
from pipeline.domain.history import CopiedTable
from pipeline.domain.settings import StoreSettings
from pipeline.store.base import Database
from pipeline.store.errors import StoreFault
from pipeline.store.postgres.connection import address, connect_options
from pipeline.store.postgres.dialect import statement
from pipeline.store.postgres.errors import translated
from pipeline.store.schema import MIGRATIONS, Migration, tables_in_order


def digest(rows: Sequence[Sequence[Any]]) -> str:
    """SHA-256 of a table's rows whatever order a database gives them in: each row as JSON, sorted."""
    lines = sorted(json.dumps(list(row), default=str, ensure_ascii=False) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def copy_store(
    source: Database, target: StoreSettings, migrations: Sequence[Migration] = MIGRATIONS
) -> list[CopiedTable]:
    """Copy every table of `source` (opened, so at the current schema) into the empty database `target`."""
    where = address(target.url)
    try:
        with psycopg.connect(target.url, **connect_options(target)) as pg, pg.transaction():
            _refuse_unless_empty(pg, where)
            for migration in migrations:
                for text in migration.statements():
                    pg.execute(cast(LiteralString, statement(text)), ())
            copied = [_copy_table(source, pg, table) for table in tables_in_order(migrations)]
            _carry_on_numbering(pg)
            return copied
    except psycopg.Error as exc:
        raise translated(exc, where) from exc


def _refuse_unless_empty(pg: psycopg.Connection, where: str) -> None:
    found = [
        name
        for (name,) in pg.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
        )
    ]
    if found:
        raise UsageError(
            f"The PostgreSQL database {where} is not empty (it has tables such as {', '.join(found[:3])}), so "
            "nothing was copied: `pipeline store copy` copies a history only into an empty database.",
            fix="Make an empty database for it (createdb), or point --to at one.",
        )


def _copy_table(source: Database, pg: psycopg.Connection, table: str) -> CopiedTable:
    cursor = source._db.execute(f"SELECT * FROM {table}")
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    with pg.cursor() as out, out.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)) as copy:
        for row in rows:
            copy.write_row(row)
    back = pg.execute(sql.SQL("SELECT {} FROM {}").format(names, sql.Identifier(table))).fetchall()
    expected, found = (len(rows), digest(rows)), (len(back), digest(back))
    if expected != found:  # rolled back by the caller's transaction
        raise StoreFault(
            f"the copy of table {table} does not match its source ({found[0]} rows, digest {found[1][:12]}, "
            f"against {expected[0]} rows, digest {expected[1][:12]}); nothing was copied"
        )
    return CopiedTable(table, len(rows), expected[1])


def _carry_on_numbering(pg: psycopg.Connection) -> None:
    """Rows were copied with their ids: each identity column goes on from the largest, not from 1."""
    identities = pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall()
    for table, column in identities:
        pg.execute(
            sql.SQL("SELECT setval(pg_get_serial_sequence({}, {}), max({})) FROM {} HAVING max({}) IS NOT NULL").format(
                sql.Literal(table),
                sql.Literal(column),
                sql.Identifier(column),
                sql.Identifier(table),
                sql.Identifier(column),
            )
        )


def refuse_a_bad_target(url: str) -> None:
    """The --to address must be a PostgreSQL one with no password in it (that comes from the environment)."""
    from urllib.parse import urlsplit

    if not url.startswith(("postgresql://", "postgres://")):
        raise UsageError(
            f"--to {url!r} is not a PostgreSQL database's address.",
            fix="Give it as postgresql://user@host:5432/dbname.",
        )
    if urlsplit(url).password is not None:
        raise UsageError(
            "--to has a password in it, which would be kept in the shell's history.",
            fix="Take it out, and set it in the environment variable [store] password_env names.",
        )
