"""`pipeline store copy --to URL`: an existing SQLite history moved into an empty PostgreSQL database
in one transaction, every table checked by its row count and digest; a failure leaves the target empty."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3

from registers import run_cli
from spoil import Q1

from pipeline.domain.errors import ExitStatus
from pipeline.store.schema import SCHEMA_VERSION

TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"


def _history(workspace) -> None:
    """Returns as officers send them: accepted, corrected, rejected and a copy; feedback and a message."""
    workspace.submit("cyp.xlsx", short="CYP", period=Q1)
    workspace.submit("csp.xlsx", short="CSP", period=Q1, indicators={"CSP-01": {"actual": "lots"}})
    workspace.run()
    workspace.submit("cyp corrected.xlsx", short="CYP", period=Q1, cover={"overall_commentary": "Corrected."})
    workspace.drop(workspace.drafts / "cyp.xlsx", "cyp again.xlsx")
    workspace.run()
    workspace.templates_went_out("CYP", Q1, "2025-06-23T09:00:00Z")


def _everything(store) -> tuple:
    return (
        [dataclasses.astuple(f) for f in store.files()],
        store.submissions(),
        list(store.history()),
        store.messages(),
        [store.findings_for(f.id) for f in store.files()],
        store.actuals(),
        store.schema_version(),
    )


def _copy(workspace, url: str) -> tuple[int, str, str]:
    return run_cli(["--config", str(workspace.config.source), "store", "copy", "--to", url])


def test_a_sqlite_history_copied_to_postgresql_reads_back_the_same_and_goes_on_numbering(workspace, postgresql):
    _history(workspace)
    with workspace.store() as store:
        before = _everything(store)

    code, out, err = _copy(workspace, postgresql.url)

    assert code == ExitStatus.OK, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["meta", "1", "row"] and lines[0].endswith("the same on both")
    assert lines[1].split()[:3] == ["files", "4", "rows"]
    total = sum(int(line.split()[1]) for line in lines[:-1])
    assert lines[-1].startswith(f"Copied {total} row(s) in {len(lines) - 1} tables from {workspace.state}")
    assert f"to {postgresql.url.split('?')[0]}, and checked every table's rows and digest there." in lines[-1]
    with postgresql.open() as copied:
        assert _everything(copied) == before
        assert copied.schema_version() == SCHEMA_VERSION
        new = copied.add_file(sha256="f" * 64, name="next.xlsx", size=1, received_at="t", location="incoming/n")
        assert new == max(f.id for f in copied.files()[:-1]) + 1  # numbering goes on from the copied rows


def test_copying_into_a_database_that_is_not_empty_copies_nothing_and_says_why(workspace, postgresql):
    _history(workspace)
    postgresql.open().close()  # a pipeline store already: its tables are there

    code, _out, err = _copy(workspace, postgresql.url)

    assert code == ExitStatus.BAD_CONFIG, err
    assert "is not empty (it has tables such as action_updates, feedback_due, files), so nothing was copied" in err
    with postgresql.open() as store:
        assert store.files() == []


def test_a_copy_that_fails_part_way_leaves_the_target_empty(workspace, postgresql):
    _history(workspace)
    # A finding for a file the history does not have (as a store damaged by hand might hold): PostgreSQL
    # refuses it when the findings table is copied, long after files and submissions were.
    with contextlib.closing(sqlite3.connect(workspace.state / "pipeline.sqlite3")) as db, db:
        db.execute("INSERT INTO findings VALUES (999, 0, 'x', 'error', 'Cover', 'B2', NULL, '', 'm', 'f')")

    code, _out, err = _copy(workspace, postgresql.url)

    assert code == ExitStatus.BUG, err
    assert "foreign key" in err
    assert postgresql.raw(TABLES) == []  # not a table made, not a row kept


def test_a_password_in_the_target_address_is_refused_before_anything_is_done(workspace):
    code, _out, err = _copy(workspace, "postgresql://pipeline:s3cret@db.example.org/performance")

    assert code == ExitStatus.BAD_CONFIG
    assert "--to has a password in it" in err and "s3cret" not in err
