"""The store's tables on PostgreSQL: the same numbered Migrations as SQLite's (schema.py), run through
the dialect, with the version kept in the `meta` table (PostgreSQL has no user_version).

As on SQLite: a database at the current version costs one read; an older one is migrated forward in
ONE transaction (PostgreSQL's DDL is transactional too), so a failure or a lost connection part-way
leaves it at the version it had; a newer one, or one with tables the pipeline never made, is refused
untouched. Machines that open the database at once queue on an advisory lock to migrate it, and each
reads the version again once it holds the lock.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.store.base import Sql
from pipeline.store.errors import StoreFault
from pipeline.store.postgres.errors import newer, problem, unusable
from pipeline.store.schema import Migration, tables_made_by

# Advisory locks take two keys: what is locked (a number no other program on the database uses), and
# the schema, so histories kept in several schemas of one database do not wait for each other.
MIGRATION_LOCK = 0x5049_4D31  # "PIM1"


def _tables(db: Sql) -> set[str]:
    return {
        name
        for (name,) in db.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    }


def _version(db: Sql, tables: set[str]) -> int:
    if "meta" not in tables:
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def open_schema(db: Sql, where: str, migrations: Sequence[Migration], transaction) -> None:
    """Check that `db` is a pipeline store this code can use, and bring its schema up to date.

    Raises StoreUnusable for another program's database or a newer pipeline's, having written nothing.
    `transaction()` is the connection's transaction.
    """
    latest = migrations[-1].version
    tables = _tables(db)
    version = _version(db, tables)
    _check(where, tables, version, migrations)
    if version >= latest:
        return
    import psycopg

    start = version
    try:
        with transaction():
            db.execute("SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))", (MIGRATION_LOCK,))
            tables = _tables(db)  # again, now no other machine is migrating: one may have done it meanwhile
            start = version = _version(db, tables)
            _check(where, tables, version, migrations)
            for migration in migrations:
                if migration.version <= version:
                    continue
                for statement in migration.statements():
                    db.execute(statement)
                version = migration.version
            db.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(version),),
            )
    except psycopg.Error as exc:
        failed = next(m.version for m in migrations if m.version > version)
        raise problem(exc, where) or StoreFault(
            f"could not bring the PostgreSQL database {where} from schema version {start} to {latest}: migration "
            f"{failed} failed ({type(exc).__name__}: {str(exc).strip()}); the database is left at version {start}, "
            "as it was"
        ) from exc


def _check(where: str, tables: set[str], version: int, migrations: Sequence[Migration]) -> None:
    latest = migrations[-1].version
    if version > latest:
        raise newer(where, version, latest)
    strange = tables - tables_made_by(migrations)
    if strange:
        raise unusable(
            where,
            f"belongs to another program (it has tables such as {', '.join(sorted(strange)[:3])}, which the "
            "pipeline never made)",
        )
