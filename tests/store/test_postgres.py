"""The store on PostgreSQL: the schema's migrations on both back ends, `pipeline store init` on an
empty database, and a database the pipeline must not use (a newer pipeline's, another program's)
refused untouched with exit 8."""

from __future__ import annotations

import pytest
from registers import run_cli
from spoil import Workspace

from pipeline.domain.errors import ExitStatus
from pipeline.store import StoreFault
from pipeline.store.schema import MIGRATIONS, SCHEMA_VERSION, Migration

NEXT = SCHEMA_VERSION + 1
# A migration as another change would write it, in SQLite's words: a numbered row id, INSERT OR IGNORE,
# a REAL, and a comment with an apostrophe and a '%'.
NOTES = Migration(
    NEXT,
    "notes on a file",
    "CREATE TABLE notes (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    file_id INTEGER NOT NULL REFERENCES files(id),\n"
    "    text TEXT NOT NULL,  -- the officer's words; 100% free text\n"
    "    weight REAL\n"
    ");\n"
    "INSERT OR IGNORE INTO meta VALUES ('notes', 'kept');\n"
    "INSERT OR IGNORE INTO meta VALUES ('notes', 'kept');\n",
)


@pytest.fixture
def pg_workspace(tmp_path, register, return_templates, postgresql) -> Workspace:
    return Workspace(tmp_path / "workspace", register, return_templates, store_url=postgresql.url)


def _cli(workspace: Workspace, *command: str) -> tuple[int, str, str]:
    return run_cli(["--config", str(workspace.config.source), *command])


def test_store_init_makes_the_tables_in_an_empty_postgresql_database_and_says_its_version(pg_workspace, postgresql):
    code, out, err = _cli(pg_workspace, "store", "init")

    assert code == ExitStatus.OK, err
    assert out == f"The PostgreSQL database {postgresql.url.split('?')[0]} is ready: schema version {SCHEMA_VERSION}.\n"
    assert postgresql.raw("SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
    assert not (pg_workspace.state / "pipeline.sqlite3").exists()  # the history is on the server, not here
    assert _cli(pg_workspace, "store", "init")[:2] == (code, out)  # again: nothing to do, the same answer


def test_store_init_without_a_url_makes_the_sqlite_file(workspace):
    code, out, err = _cli(workspace, "store", "init")

    assert code == ExitStatus.OK, err
    path = workspace.state / "pipeline.sqlite3"
    assert out == f"The SQLite database {path} is ready: schema version {SCHEMA_VERSION}.\n"
    assert path.exists()


def test_a_migration_in_sqlite_s_words_runs_on_both_back_ends_and_its_table_numbers_its_rows(backend):
    with backend.open(migrations=(*MIGRATIONS, NOTES)) as store:
        file_id = store.add_file(sha256="0" * 64, name="a.xlsx", size=1, received_at="t", location="incoming/a.xlsx")
        with store.transaction():
            for text in ("first", "second"):
                store._db.execute("INSERT INTO notes (file_id, text, weight) VALUES (?, ?, ?)", (file_id, text, 0.5))
        assert store.schema_version() == NEXT
    assert backend.raw("SELECT id, text, weight FROM notes ORDER BY id") == [(1, "first", 0.5), (2, "second", 0.5)]
    assert backend.raw("SELECT value FROM meta WHERE key = 'notes'") == [("kept",)]


def test_a_migration_that_fails_part_way_leaves_a_postgresql_database_as_it_was(postgresql):
    broken = Migration(
        NEXT, "a table, then a statement that fails", "CREATE TABLE extra (a TEXT);\nSELECT * FROM nowhere;"
    )
    with pytest.raises(StoreFault) as caught:
        postgresql.open(migrations=(*MIGRATIONS, broken))

    assert f"from schema version 0 to {NEXT}: migration {NEXT} failed" in str(caught.value)
    assert 'relation "nowhere" does not exist' in str(caught.value)
    assert "left at version 0, as it was" in str(caught.value)
    tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    assert postgresql.raw(tables) == []  # migration 1 ran in the same transaction, and was undone with it
    with postgresql.open() as store:
        assert store.schema_version() == SCHEMA_VERSION


@pytest.mark.parametrize("command", [["run", "--no-pdf"], ["status"], ["store", "init"]])
def test_a_postgresql_database_from_a_newer_pipeline_is_exit_8_saying_to_upgrade_and_left_untouched(
    pg_workspace, postgresql, command
):
    postgresql.open(migrations=(*MIGRATIONS, NOTES)).close()
    before = postgresql.raw("SELECT * FROM meta ORDER BY key")
    dropped = pg_workspace.submit("cyp.xlsx")

    code, _out, err = _cli(pg_workspace, "-q", *command)

    assert code == ExitStatus.STORE_UNUSABLE == 8, err
    assert err.startswith(
        f"pipeline: error: The PostgreSQL database {postgresql.url.split('?')[0]} was written by a newer"
    )
    assert f"its schema is version {NEXT}; this version of the pipeline knows versions up to {SCHEMA_VERSION}" in err
    assert "Upgrade the pipeline" in err and "Traceback" not in err
    assert postgresql.raw("SELECT * FROM meta ORDER BY key") == before
    assert dropped.exists()


def test_a_postgresql_database_of_another_program_s_is_exit_8_and_left_untouched(pg_workspace, postgresql):
    postgresql.raw("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total NUMERIC)")

    code, _out, err = _cli(pg_workspace, "store", "init")

    assert code == ExitStatus.STORE_UNUSABLE, err
    assert "belongs to another program (it has tables such as invoices, which the pipeline never made)" in err
    tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    assert postgresql.raw(tables) == [("invoices",)]


def test_a_wrong_database_name_is_a_configuration_problem_naming_the_keys_to_check(
    tmp_path, register, return_templates, postgres_server
):
    if postgres_server is None:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql); CI runs these")
    url = postgres_server.base_url.replace("/postgres", "/no_such_database")
    workspace = Workspace(tmp_path / "workspace", register, return_templates, store_url=url)

    code, _out, err = _cli(workspace, "store", "init")

    assert code == ExitStatus.BAD_CONFIG, err
    assert 'database "no_such_database" does not exist' in err
    assert "Check [store] url in config.toml" in err
