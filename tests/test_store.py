"""The store's transactions: one commit for many writes, and a failed part undone on its own."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from pipeline.store import Store


def _add(store: Store, name: str) -> int:
    return store.add_file(sha256="0" * 64, name=name, size=1, received_at="2025-07-10T09:30:00Z",
                          location=f"incoming/{name}")


def test_writes_grouped_in_one_transaction_are_seen_by_others_only_once_it_commits(tmp_path):
    with Store(tmp_path / "db.sqlite3") as store, Store(tmp_path / "db.sqlite3") as other:
        with store.transaction():
            _add(store, "a.xlsx")  # each opens its own transaction, which joins the outer one
            _add(store, "b.xlsx")
            assert other.files() == []
        assert [f.name for f in other.files()] == ["a.xlsx", "b.xlsx"]


def test_a_failed_inner_transaction_is_undone_and_the_rest_still_commits(tmp_path):
    with Store(tmp_path / "db.sqlite3") as store:
        with store.transaction():
            _add(store, "kept.xlsx")
            with pytest.raises(RuntimeError), store.transaction():
                _add(store, "undone.xlsx")
                raise RuntimeError("a fault halfway through one file's writes")
            _add(store, "also kept.xlsx")
        assert [f.name for f in store.files()] == ["kept.xlsx", "also kept.xlsx"]


def test_a_failed_outer_transaction_undoes_everything_inside_it(tmp_path):
    with Store(tmp_path / "db.sqlite3") as store:
        with pytest.raises(RuntimeError), store.transaction():
            _add(store, "a.xlsx")
            raise RuntimeError("killed before the commit")
        assert store.files() == []


@pytest.mark.parametrize("nested", [False, True])
def test_when_sqlite_has_rolled_everything_back_itself_its_own_error_comes_through(tmp_path, nested):
    """A full disk or an I/O error makes SQLite abandon the whole transaction; undoing it
    again must not replace that error with 'no such savepoint' or 'cannot rollback'."""
    with Store(tmp_path / "db.sqlite3") as store:
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full"), store.transaction():
            _add(store, "a.xlsx")
            with store.transaction() if nested else contextlib.nullcontext():
                store._db.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL
                raise sqlite3.OperationalError("database or disk is full")
        assert store.files() == []
