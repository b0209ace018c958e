"""The schema's numbered migrations: a store written by an earlier pipeline is brought up to date
with everything in it kept, all at once or not at all, and a store from a newer pipeline is refused
untouched with exit 8."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from registers import run_cli

from pipeline.domain.errors import ExitStatus
from pipeline.domain.history import Highlights
from pipeline.store import Store, StoreFault, StoreUnusable
from pipeline.store.schema import MIGRATIONS, SCHEMA_VERSION, Migration

# Made by the pipeline at 410eaea, before schema versions were numbered (user_version 0): see make_v1_store.py.
V1_STORE = Path(__file__).parent / "fixtures" / "v1-store.sqlite3"
TABLES = (
    "files",
    "submissions",
    "indicator_values",
    "action_updates",
    "risk_updates",
    "findings",
    "stale_periods",
    "feedback_due",
    "messages",
)


def _copy_of_v1_store(folder: Path) -> Path:
    path = folder / "pipeline.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(V1_STORE, path)
    return path


def _raw(path: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def _version(path: Path) -> int:
    return _raw(path, "PRAGMA user_version")[0][0]


def _rows(path: Path) -> dict[str, list[tuple]]:
    return {table: _raw(path, f"SELECT * FROM {table} ORDER BY 1") for table in TABLES}


def test_a_store_written_before_versions_were_numbered_is_migrated_with_everything_in_it_kept(tmp_path):
    path = _copy_of_v1_store(tmp_path)
    assert _version(path) == 0
    before = _rows(path)

    with Store(path) as store:
        files = store.files()
        submissions = store.submissions()
        history = list(store.history())
        messages = store.messages()
        findings = store.findings_for(2)

    assert _version(path) == SCHEMA_VERSION
    assert _raw(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
    after = _rows(path)
    # Every row of every table as it was; a submission gains migration 2's highlight answers, blank, and a
    # figure migration 4's numerator, denominator and areas' counts, none.
    width = len(before["submissions"][0])
    assert [row[:width] for row in after.pop("submissions")] == before.pop("submissions")
    assert {row[width:] for row in _raw(path, "SELECT * FROM submissions")} == {("", "", "", "")}
    assert after.pop("indicator_values") == [(*row, None, None, "") for row in before.pop("indicator_values")]
    assert after == before
    assert all(s.highlights == Highlights() for s in submissions)
    assert [dataclasses.astuple(f) for f in files] == before["files"]
    assert [(f.name, f.verdict) for f in files] == [
        ("CYP Q1.xlsx", "accepted"),
        ("CSP Q1.xlsx", "rejected"),
        ("CYP Q1 copy.xlsx", "duplicate"),
        ("CYP Q1 corrected.xlsx", "accepted"),
        ("CSP Q1 fixed.xlsx", "accepted"),
        ("CYP Q2.xlsx", "accepted"),
    ]
    assert [(s.file_name, s.counts, s.superseded_by) for s in submissions] == [
        ("CYP Q1.xlsx", False, 2),
        ("CYP Q1 corrected.xlsx", True, None),
        ("CSP Q1 fixed.xlsx", True, None),
        ("CYP Q2.xlsx", True, None),
    ]
    counting = [v for v in history if v.code == "CYP-01"]
    assert [(v.period, v.actual, v.file_name) for v in counting] == [
        ("2025-26 Q1", Decimal("5.6"), "CYP Q1 corrected.xlsx"),
        ("2025-26 Q2", counting[1].actual, "CYP Q2.xlsx"),
    ]
    assert [(f.code, f.cell) for f in findings] == [("not-a-number", findings[0].cell)]
    assert [(m.key, m.status) for m in messages] == [
        ("2025-26-Q1/CSP/templates-out", "sent"),
        ("2025-26-Q1/CYP/templates-out", "sent"),
        ("2025-26-Q1/CSP/reminder-1", "failed"),
    ]


def test_a_migrated_store_is_read_by_status_as_before(workspace):
    path = _copy_of_v1_store(workspace.config.paths.state)
    code, out, err = run_cli(["--config", str(workspace.config.source), "status", "--period", "2025-26 Q1"])
    assert code == ExitStatus.OK, err
    assert "CYP" in out and "CSP" in out
    assert _version(path) == SCHEMA_VERSION


def test_a_new_store_starts_at_the_current_version(tmp_path):
    with Store(tmp_path / "db.sqlite3") as store:
        assert store.files() == []
    assert _version(tmp_path / "db.sqlite3") == SCHEMA_VERSION


def test_opening_a_store_at_the_current_version_changes_nothing_in_it(tmp_path):
    path = _copy_of_v1_store(tmp_path)
    Store(path).close()  # migrated
    before = path.read_bytes()
    with Store(path) as store:
        store.files()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.sqlite3"]


@pytest.mark.parametrize("command", [["run", "--no-pdf"], ["status"]])
def test_a_store_from_a_newer_pipeline_is_exit_8_naming_the_file_saying_to_upgrade_and_left_untouched(
    workspace, command
):
    path = _copy_of_v1_store(workspace.config.paths.state)
    Store(path).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        db.execute("CREATE TABLE added_later (a TEXT)")  # a newer schema may have tables this code never made
    before = path.read_bytes()
    dropped = workspace.submit("cyp.xlsx")

    code, _out, err = run_cli(["--config", str(workspace.config.source), "-q", *command])

    assert code == ExitStatus.STORE_UNUSABLE == 8, err
    assert err.startswith(f"pipeline: error: The pipeline's database {path} was written by a newer version")
    assert f"its schema is version {SCHEMA_VERSION + 1}" in err
    assert "Upgrade the pipeline" in err and "do not move it aside" in err
    assert "Traceback" not in err and "internal error" not in err
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name)) == [path.name]
    assert dropped.exists()


def _with(*extra: Migration) -> tuple[Migration, ...]:
    return (*MIGRATIONS, *extra)


NEXT = SCHEMA_VERSION + 1


def test_a_later_migration_runs_once_and_moves_the_version_on(tmp_path):
    path = _copy_of_v1_store(tmp_path)
    # Not IF NOT EXISTS: run a second time, it would fail.
    migrations = _with(Migration(NEXT, "an index the queries want", "CREATE INDEX files_location ON files(location);"))
    Store(path, migrations=migrations).close()
    assert _version(path) == NEXT
    assert _raw(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(NEXT),)]
    assert _raw(path, "SELECT name FROM sqlite_master WHERE name = 'files_location'") == [("files_location",)]

    with Store(path, migrations=migrations) as store:
        assert len(store.files()) == 6

    with pytest.raises(StoreUnusable, match="newer version of the pipeline"):
        Store(path)  # this code's migrations stop short of it


def test_a_migration_that_fails_part_way_leaves_the_store_at_its_old_version_with_nothing_changed(tmp_path):
    path = _copy_of_v1_store(tmp_path)
    before, schema = _rows(path), _raw(path, "SELECT sql FROM sqlite_master ORDER BY name")
    broken = Migration(
        NEXT,
        "a table, then a statement that fails",
        "CREATE TABLE extra (a TEXT);\nINSERT INTO extra VALUES ('x');\nCREATE INDEX broken ON no_such_table (a);",
    )

    with pytest.raises(StoreFault) as caught:
        Store(path, migrations=_with(broken))

    message = str(caught.value)
    assert f"{path} from schema version 0 to {NEXT}: migration {NEXT} failed" in message
    assert "no such table: main.no_such_table" in message and "left at version 0, as it was" in message
    assert _version(path) == 0  # migration 1 ran in the same transaction, and was undone with it
    assert _raw(path, "SELECT sql FROM sqlite_master ORDER BY name") == schema
    assert _rows(path) == before
    with Store(path) as store:  # the pipeline of the day still opens it, and migrates it itself
        assert len(store.files()) == 6
    assert _version(path) == SCHEMA_VERSION


def test_migrations_are_numbered_one_by_one_from_1_and_split_into_whole_statements():
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert MIGRATIONS[-1].version == SCHEMA_VERSION
    for migration in MIGRATIONS:
        statements = migration.statements()
        assert statements and all(sqlite3.complete_statement(s) for s in statements)
        assert not any(s.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")) for s in statements)
    # A ';' inside a comment does not end a statement.
    assert (
        len(Migration(9, "", "CREATE TABLE t (\n  a TEXT -- this; that\n);\nCREATE INDEX i ON t(a);").statements()) == 2
    )
