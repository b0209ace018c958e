"""Unattended for a year: a slow mail server, another program holding the database and a damaged
database, each met through the real command (`python -m pipeline ...` in a child process) with real
components: an SMTP server on 127.0.0.1 that drips its greeting, and `sqlite3` holding the write lock.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from spoil import Workspace

WAIT = 120  # seconds: a bound on waiting for a child, not a speed requirement


def pipeline(config: Path, *args: str, timeout: float = WAIT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_watch(config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--config", str(config), "watch", "--no-pdf"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, what: str, process: subprocess.Popen | None = None, *, within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"watch exited early ({process.returncode}) before {what}: {process.stderr.read()}")
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def log_text(ws: Workspace) -> str:
    path = ws.state / "logs" / "pipeline.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@contextlib.contextmanager
def stopped_at_the_end(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# --- point 4: a slow mail server ----------------------------------------------------------------


class DrippingServer:
    """An SMTP server on 127.0.0.1 that never finishes its greeting: one continuation line ('220-')
    every `every` seconds, each well inside any socket timeout, for as long as the client listens."""

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(client,), daemon=True).start()

    def _drip(self, client: socket.socket) -> None:
        with client:
            try:
                while not self.closed.wait(self.every):
                    client.sendall(b"220-mail.example.org is thinking\r\n")
            except OSError:  # the client hung up
                return

    def close(self) -> None:
        self.closed.set()
        self.listener.close()


@pytest.fixture
def dripping() -> Iterator[DrippingServer]:
    server = DrippingServer()
    yield server
    server.close()


def smtp_workspace(tmp_path: Path, register, return_templates, port: int, **replace: str) -> Workspace:
    return Workspace(
        tmp_path / "ws",
        register,
        return_templates,
        replace={
            'mode = "files"': 'mode = "smtp"',
            'host = "localhost"': 'host = "127.0.0.1"',
            "port = 25": f"port = {port}",
            **replace,
        },
    )


def message_states(ws: Workspace) -> list[tuple[str, str]]:
    with ws.store() as store:
        return [(m.status, m.last_error) for m in store.messages()]


def test_run_gives_up_on_a_mail_server_that_drips_its_greeting_at_the_deadline(
    tmp_path, register, return_templates, dripping
):
    ws = smtp_workspace(
        tmp_path, register, return_templates, dripping.port, **{"deadline_seconds = 60": "deadline_seconds = 2"}
    )
    ws.submit("cyp.xlsx")
    started = time.monotonic()
    result = pipeline(ws.config.source, "run", "--no-pdf", timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 6, result.stderr
    assert "not sent" in result.stdout
    [(status, error)] = message_states(ws)
    assert status == "failed"
    assert "did not finish the conversation within 2 seconds" in error
    assert "tried again on the next pass" in error
    assert verdicts(ws) == [("cyp.xlsx", "accepted")]
    # The lock went with the run, and the next pass tries the message again.
    again = pipeline(ws.config.source, "-q", "run", "--no-pdf", timeout=60)
    assert again.returncode == 6, again.stderr
    assert dripping.connections == 2


def test_sigterm_stops_watch_within_5_seconds_while_a_mail_server_drips(tmp_path, register, return_templates, dripping):
    ws = smtp_workspace(tmp_path, register, return_templates, dripping.port)  # deadline 60 s, as shipped
    ws.submit("cyp.xlsx")
    with stopped_at_the_end(start_watch(ws.config.source)) as watch:
        wait_for(lambda: dripping.connections == 1, "the mail conversation", watch)
        time.sleep(1)  # well into the greeting
        watch.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert watch.wait(timeout=WAIT) == 0
        assert time.monotonic() - started < 5
    log = log_text(ws)
    assert "Stopped cleanly" in log
    [(status, error)] = message_states(ws)  # the acknowledgement; the day's reminders wait for the next start
    assert status == "failed"
    assert "was abandoned while connecting, as the pipeline was stopping" in error
    assert "tried again on the next pass" in error
    assert pipeline(ws.config.source, "status").returncode == 0  # nothing holds the lock


# --- point 5: another program holding the database ---------------------------------------------


@contextlib.contextmanager
def write_lock_held(database: Path) -> Iterator[None]:
    """A second process (the sqlite3 shell, as a DB browser would) holding a write transaction open."""
    holder = subprocess.Popen(["sqlite3", str(database)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        holder.stdin.write("BEGIN IMMEDIATE;\nSELECT 'holding';\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "holding"
        yield
    finally:
        holder.stdin.write("ROLLBACK;\n.quit\n")
        holder.stdin.close()
        holder.wait(timeout=WAIT)


def verdicts(ws: Workspace) -> list[tuple[str, str]]:
    with ws.store() as store:
        return [(record.name, record.verdict) for record in store.files()]


def test_a_database_held_by_another_program_is_exit_7_and_the_return_waits_in_the_inbox(workspace):
    config = workspace.config.source
    assert pipeline(config, "status").returncode == 0  # the database exists, as after any earlier pass
    dropped = workspace.submit("cyp.xlsx")
    with write_lock_held(workspace.config.paths.database):
        busy = pipeline(config, "-q", "run", "--no-pdf")
        assert busy.returncode == 7, busy.stderr
        assert busy.stderr.startswith(
            f"pipeline: error: The pipeline's database {workspace.config.paths.database} is in use by another program"
        )
        assert "try again later" in busy.stderr.lower()
        assert "internal error" not in busy.stderr and "Traceback" not in busy.stderr
        assert dropped.exists(), "nothing is moved while the database is busy"
        status = pipeline(config, "status")  # reading is not blocked by a writer
        assert status.returncode == 0, status.stderr
    done = pipeline(config, "-q", "run", "--no-pdf")
    assert done.returncode in (0, 1), done.stderr
    assert not dropped.exists()
    assert verdicts(workspace) == [("cyp.xlsx", "accepted")]


def test_watch_goes_on_while_another_program_holds_the_database_and_takes_the_return_in_after(
    tmp_path, register, return_templates
):
    ws = Workspace(
        tmp_path / "ws", register, return_templates, replace={"interval_seconds = 60": "interval_seconds = 1"}
    )
    assert pipeline(ws.config.source, "status").returncode == 0
    with stopped_at_the_end(start_watch(ws.config.source)) as watch:
        wait_for(lambda: "Watching" in log_text(ws), "the loop", watch)
        with write_lock_held(ws.config.paths.database):
            dropped = ws.submit("cyp.xlsx")
            wait_for(lambda: "is in use by another program" in log_text(ws), "a busy pass", watch)
            assert watch.poll() is None, "watch goes on"
            assert dropped.exists()
        wait_for(lambda: verdicts(ws) == [("cyp.xlsx", "accepted")], "the return's verdict", watch)
        wait_for(lambda: not dropped.exists(), "the inbox emptied", watch)
        watch.send_signal(signal.SIGTERM)
        assert watch.wait(timeout=WAIT) == 0
    assert "Stopped cleanly" in log_text(ws)


# --- point 6: a damaged or foreign database ----------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(b"These are not the bytes of a database.\n" * 200)


def _foreign(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        db.execute("INSERT INTO contacts VALUES ('Ann', '01632 960000')")


@pytest.mark.parametrize(
    "spoil, why", [(_garbage, "is not a SQLite database"), (_foreign, "belongs to another program")]
)
@pytest.mark.parametrize("command", [["run", "--no-pdf"], ["status"]])
def test_a_damaged_or_foreign_database_is_exit_8_naming_the_file_and_left_untouched(workspace, spoil, why, command):
    database = workspace.config.paths.database
    database.parent.mkdir(parents=True, exist_ok=True)
    spoil(database)
    before = database.read_bytes()
    dropped = workspace.submit("cyp.xlsx")
    result = pipeline(workspace.config.source, "-q", *command)
    assert result.returncode == 8, result.stderr
    assert result.stderr.startswith(f"pipeline: error: The pipeline's database {database} {why}")
    assert "has not touched it" in result.stderr
    assert "backup" in result.stderr and "move it aside" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert database.read_bytes() == before
    assert sorted(p.name for p in database.parent.iterdir() if p.name.startswith("pipeline.sqlite3")) == [
        "pipeline.sqlite3"
    ]
    assert dropped.exists()


def test_a_store_that_goes_away_while_feedback_is_given_stops_the_pass_once_with_exit_7(workspace, monkeypatch):
    """The store failing is no one file's problem: the feedback loop, which carries on past one file's
    failure, stops the pass on it instead of failing each of the files in turn (seen with a PostgreSQL
    server stopped while a pass gave feedback on 25 returns: 25 errors, exit 6)."""
    from registers import run_cli

    from pipeline.chasing.notify import Notifier
    from pipeline.domain.errors import StoreUnreachable

    for n in range(3):
        workspace.submit(f"cyp-{n}.xlsx", indicators={"CYP-05": {"actual": "lots"}})  # each rejected: feedback due

    def server_gone(self, record, feedback, register):  # as the first feedback is recorded
        raise StoreUnreachable("The database could not be reached. Nothing was written half-way.")

    monkeypatch.setattr(Notifier, "outcome", server_gone)
    code, _out, err = run_cli(["--config", str(workspace.root / "config.toml"), "run", "--no-pdf"])
    assert code == 7, err
    assert "Could not give feedback" not in err
    assert err.count("could not be reached") == 1, err


def test_a_store_that_goes_away_while_a_return_is_checked_stops_the_pass_and_rejects_nothing(workspace, monkeypatch):
    """A query of the store failing while a return is checked is not the return's fault: it is not
    rejected as an internal error (seen with a PostgreSQL server stopped mid-pass); the pass stops
    with exit 7 and the return is taken in by the next pass."""
    from registers import run_cli

    from pipeline.domain.errors import StoreUnreachable
    from pipeline.intake.examine import Examiner

    workspace.submit("cyp.xlsx")

    def server_gone(self, who, record):
        raise StoreUnreachable("The database could not be reached. Nothing was written half-way.")

    monkeypatch.setattr(Examiner, "_reported_already", server_gone)
    config = str(workspace.root / "config.toml")
    code, _out, err = run_cli(["--config", config, "run", "--no-pdf"])
    assert code == 7, err
    assert "internal error" not in err
    monkeypatch.undo()
    code, out, err = run_cli(["--config", config, "run", "--no-pdf"])
    assert code == 0, err
    assert "1 accepted" in out + err
