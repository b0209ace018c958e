"""The store's transactions: one commit for many writes, and a failed part undone on its own;
and its record of each message: sent, failed, or refused for the addresses it was refused for.
The same on both back ends (the `backend` fixture: SQLite, then PostgreSQL)."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from pipeline.store import Store


def _add(store: Store, name: str) -> int:
    return store.add_file(
        sha256="0" * 64, name=name, size=1, received_at="2025-07-10T09:30:00Z", location=f"incoming/{name}"
    )


def test_writes_grouped_in_one_transaction_are_seen_by_others_only_once_it_commits(backend):
    with backend.open() as store, backend.open() as other:
        with store.transaction():
            _add(store, "a.xlsx")  # each opens its own transaction, which joins the outer one
            _add(store, "b.xlsx")
            assert other.files() == []
        assert [f.name for f in other.files()] == ["a.xlsx", "b.xlsx"]


def test_a_failed_inner_transaction_is_undone_and_the_rest_still_commits(backend):
    with backend.open() as store:
        with store.transaction():
            _add(store, "kept.xlsx")
            with pytest.raises(RuntimeError), store.transaction():
                _add(store, "undone.xlsx")
                raise RuntimeError("a fault halfway through one file's writes")
            _add(store, "also kept.xlsx")
        assert [f.name for f in store.files()] == ["kept.xlsx", "also kept.xlsx"]


def test_a_failed_outer_transaction_undoes_everything_inside_it(backend):
    with backend.open() as store:
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


KEY = "2025-26-Q1/CYP/templates-out"
REFUSAL = (
    "Could not send 'Templates' to cyp@brackenford.example.org: 127.0.0.1:2525 refused every recipient "
    "(cyp@brackenford.example.org: 550 5.1.1 No such mailbox)."
)


def _queue(store: Store, recipients: str, created_at: str = "2025-06-23T09:00:00Z") -> None:
    store.queue_message(
        key=KEY,
        kind="templates-out",
        partnership="CYP",
        period="2025-26 Q1",
        recipients=recipients,
        subject="Templates",
        created_at=created_at,
    )


def test_a_refused_message_keeps_the_addresses_it_was_refused_for_and_the_reply(backend):
    with backend.open() as store:
        _queue(store, "cyp@brackenford.example.org")
        store.message_refused(KEY, REFUSAL, recipients="cyp@brackenford.example.org")
        message = store.message(KEY)
    assert (message.status, message.recipients, message.attempts) == ("refused", "cyp@brackenford.example.org", 1)
    assert message.last_error == REFUSAL


def test_a_refused_message_queued_again_takes_the_corrected_address_and_keeps_its_history(backend):
    with backend.open() as store:
        _queue(store, "cyp@brackenford.example.org")
        store.message_refused(KEY, REFUSAL, recipients="cyp@brackenford.example.org")
        _queue(store, "cyp.team@brackenford.example.org", created_at="2025-06-24T09:00:00Z")
        message = store.message(KEY)
    assert (message.status, message.recipients) == ("queued", "cyp.team@brackenford.example.org")
    assert (message.created_at, message.attempts, message.last_error) == ("2025-06-23T09:00:00Z", 1, REFUSAL)


def test_a_sent_message_is_left_as_it_was_sent_when_queued_again(backend):
    with backend.open() as store:
        _queue(store, "cyp@brackenford.example.org")
        store.message_sent(KEY, sent_at="2025-06-23T09:00:05Z")
        _queue(store, "someone.else@brackenford.example.org")
        message = store.message(KEY)
    assert (message.status, message.recipients, message.sent_at) == (
        "sent",
        "cyp@brackenford.example.org",
        "2025-06-23T09:00:05Z",
    )


def test_a_database_that_cannot_be_written_is_an_output_failure_naming_it(tmp_path):
    from pipeline.domain.errors import OutputError

    with Store(tmp_path / "db.sqlite3") as store:
        store._db.execute("PRAGMA query_only = ON")  # SQLite's answer is as for a read-only file
        with pytest.raises(OutputError) as caught:
            _add(store, "a.xlsx")
    assert caught.value.message.startswith(f"The pipeline's database {tmp_path / 'db.sqlite3'} could not be written")
    assert "Nothing was lost" in caught.value.message


def test_tables_a_killed_first_run_left_half_made_are_finished_not_taken_for_another_program_s(tmp_path):
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    with Store(tmp_path / "db.sqlite3") as store:
        assert store.files() == []


def test_an_sql_error_that_is_a_fault_of_ours_comes_out_as_a_store_fault_naming_the_file(tmp_path):
    from pipeline.store import StoreFault

    with Store(tmp_path / "db.sqlite3") as store:
        store._db.execute("DROP TABLE findings")  # as if the code asked for a table its schema lacks
        with pytest.raises(StoreFault, match="no such table: findings") as caught:
            store.findings_for(1)
    assert str(tmp_path / "db.sqlite3") in str(caught.value)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)


def test_a_postgresql_database_that_cannot_be_written_is_an_output_failure_naming_it(postgresql):
    from pipeline.domain.errors import OutputError

    with postgresql.open() as store:
        store._db.execute("SET default_transaction_read_only = on")  # as for a role that may only read
        with pytest.raises(OutputError) as caught:
            _add(store, "a.xlsx")
    assert caught.value.message.startswith("The PostgreSQL database postgresql://pipeline@127.0.0.1:")
    assert "could not be written" in caught.value.message and "Nothing was lost" in caught.value.message


def test_a_postgresql_error_that_is_a_fault_of_ours_comes_out_as_a_store_fault_naming_the_database(postgresql):
    from pipeline.store import StoreFault

    with postgresql.open() as store:
        store._db.execute("DROP TABLE findings")
        with pytest.raises(StoreFault, match='relation "findings" does not exist') as caught:
            store.findings_for(1)
    assert "The PostgreSQL database" not in str(caught.value) and "postgresql://pipeline@127.0.0.1" in str(caught.value)


def test_every_figure_and_record_comes_back_as_it_went_in_on_both_back_ends(backend):
    """Decimals as the text they were, flags as booleans, JSON area figures, superseding by received time."""
    from decimal import Decimal

    from pipeline.domain.history import ActionUpdate, IndicatorValue, RiskUpdate, Submission

    def submit(store, name, received_at, actual):
        file_id = store.add_file(
            sha256="1" * 64, name=name, size=9, received_at=received_at, location=f"incoming/{name}"
        )
        values = (IndicatorValue("CYP01", actual, "Validated", "Up.", "", "J14", (("North", Decimal("1.50")),)),)
        actions = (ActionUpdate("A1", "Do it", "Sam", "2025-09-30", "On track", Decimal("50"), "Fine.", False),)
        risks = (RiskUpdate("R1", "Slip", "Sam", 2, 3, "Watch", "Same.", True),)
        submission = Submission(
            "CYP", "2025-26 Q1", 3, "Dan", "d@example.org", "2025-07-10", True, "Ok.", values, actions, risks
        )
        return store.decide(
            file_id,
            verdict="accepted",
            destination=f"archive/{name}",
            reason="",
            decided_at=received_at,
            period="2025-26 Q1",
            partnership="CYP",
            submission=submission,
        )

    with backend.open() as store:
        first = submit(store, "late.xlsx", "2025-07-12T09:00:00Z", Decimal("12.50"))
        second = submit(store, "early.xlsx", "2025-07-10T09:00:00Z", Decimal("11"))  # loaded later, received earlier
        counting = store.submissions(counting_only=True)
        history = list(store.history())
        assert [s.id for s in counting] == [first]
        assert [(s.id, s.counts, s.superseded_by, s.signed_off) for s in store.submissions()] == [
            (first, True, None, True),
            (second, False, first, True),
        ]
        assert [(h.code, h.period, h.actual, h.area_values) for h in history] == [
            ("CYP01", "2025-26 Q1", Decimal("12.50"), (("North", Decimal("1.50")),))
        ]
        assert store.actuals() == {("CYP01", "2025-26 Q1"): Decimal("12.50")}
        assert store.action_updates(first)[0].percent_complete == Decimal("50")
        assert store.risk_updates(first)[0].is_new is True
        assert store.first_received("2025-26 Q1") == {"CYP": "2025-07-10T09:00:00Z"}
        assert store.stale_periods() == ["2025-26 Q1"] and store.periods() == ["2025-26 Q1"]
        assert store.feedback_due() == [1, 2]


def test_text_is_ordered_byte_by_byte_on_both_back_ends_whatever_the_server_s_language(backend):
    """The test server sorts by English rules (ICU en-GB), where 'b' comes before 'C': the store's
    columns order as SQLite does, so a list of messages or periods reads the same on both."""
    keys = ["2025-26-Q1/cyp/a", "2025-26-Q1/CYP/b", "2025-26-Q1/CYP/B", "2025-26-Q1/CYP-2/a"]
    with backend.open() as store:
        for key in keys:
            store.queue_message(
                key=key, kind="k", partnership="CYP", period="2025-26 Q1", recipients="r", subject="s", created_at="t"
            )
        assert [m.key for m in store.messages()] == sorted(keys)  # Python's order is the bytes' order


def test_a_statement_the_database_refuses_inside_an_inner_transaction_is_undone_with_it_alone(backend):
    """PostgreSQL abandons a whole transaction at a refused statement unless a savepoint catches it."""
    with backend.open() as store:
        with store.transaction():
            _add(store, "kept.xlsx")
            for _attempt in range(2):  # the same savepoint name twice over: each undoes its own part
                with contextlib.suppress(Exception), store.transaction():
                    store._db.execute("INSERT INTO stale_periods VALUES ('2025-26 Q1')")
                    store._db.execute("INSERT INTO stale_periods VALUES ('2025-26 Q1')")  # refused: the key is taken
            _add(store, "also kept.xlsx")
        assert [f.name for f in store.files()] == ["kept.xlsx", "also kept.xlsx"]
        assert store.stale_periods() == []
