"""A year unattended in a few minutes: a real `pipeline watch` process, and everything at once.

While the loop runs, the test drops poisoned and hostile files among good returns, points mail at
a server that drips its greeting, holds the database's write lock from another process, and gives
the loop a disk that fills up (RLIMIT_FSIZE set on the running process with prlimit, so the test
runs without the right to mount a tmpfs). Then the faults are taken away, and afterwards:

- every file dropped has exactly one verdict (archived or quarantined), none is lost or counted twice;
- every message that fell due was sent once the mail server answered;
- `watch` is still running, and stops within 5 seconds of SIGTERM.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from smtp_server import Inbox, start
from spoil import Workspace

from pipeline.domain.periods import parse_period
from pipeline.store import Store

Q2 = parse_period("2025-26 Q2")

WAIT = 180  # seconds: a bound on waiting for the loop to get somewhere, not a speed requirement
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
HOSTILE = (
    "gen-zip-bomb-1GB-sheet.xlsx",
    "gen-billion-laughs.xlsx",
    "gen-truncated.xlsx",
    "gen-empty-0-bytes.xlsx",
    "poi-password.xls",
    "gen-zip-slip.xlsx",
)


class SwitchableServer:
    """An SMTP front on 127.0.0.1 that either drips its greeting for ever (one '220-' line every half
    second, each inside any socket timeout) or relays the conversation to a real server behind it."""

    def __init__(self, backend_port: int) -> None:
        self.backend_port = backend_port
        self.dripping = True
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closed = threading.Event()
        self.dripped = 0  # conversations the loop gave up on
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            target = self._drip if self.dripping else self._relay
            threading.Thread(target=target, args=(client,), daemon=True).start()

    def _drip(self, client: socket.socket) -> None:
        self.dripped += 1
        with client, contextlib.suppress(OSError):
            while not self.closed.wait(0.5):
                client.sendall(b"220-mail.example.org is thinking\r\n")

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.backend_port)) as backend:

            def pump(source: socket.socket, sink: socket.socket) -> None:
                with contextlib.suppress(OSError):
                    while data := source.recv(65536):
                        sink.sendall(data)
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)

            other = threading.Thread(target=pump, args=(backend, client), daemon=True)
            other.start()
            pump(client, backend)
            other.join(timeout=30)

    def close(self) -> None:
        self.closed.set()
        self.listener.close()


@contextlib.contextmanager
def database_held(database: Path, seconds: float) -> Iterator[None]:
    """Another program (a DB browser, say) holds the store's write lock for `seconds`."""
    program = (
        "import sqlite3, sys, time\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN IMMEDIATE')\n"
        "print('held', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "db.execute('ROLLBACK')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", program, str(database), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.wait(timeout=WAIT)


def fsize_limit(pid: int, limit: int) -> None:
    """The disk as `pid` sees it: no file it writes may grow past `limit` bytes (EFBIG past it)."""
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))


def wait_for(condition, what: str, watch: subprocess.Popen, explain=lambda: "") -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        if watch.poll() is not None:
            raise AssertionError(f"watch stopped ({watch.returncode}) before {what}: {watch.console.read_text()}")
        time.sleep(0.2)
    raise AssertionError(
        f"gave up waiting for {what}; the log says:\n{log_text(watch)}\n"
        f"the console:\n{watch.console.read_text()[-3000:]}\n{explain()}"
    )


def log_text(watch: subprocess.Popen) -> str:
    path = getattr(watch, "log_path", None)
    return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path and path.exists() else ""


def verdicts(ws: Workspace) -> dict[str, list[str]]:
    """Every file the store knows, by the name it arrived as: its verdicts (one each, if nothing was
    lost or counted twice)."""
    found: dict[str, list[str]] = {}
    with Store(ws.config.paths.database) as store:
        for record in store.files():
            found.setdefault(record.name, []).append(record.verdict)
    return found


def inbox_empty(ws: Workspace) -> bool:
    return not [p for p in ws.inbox.iterdir() if not p.name.startswith(".")]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the hostile corpus is in ../shared/corpus")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prlimit on another process is Linux's")
def test_watch_survives_poison_files_a_busy_database_a_slow_mail_server_and_a_full_disk(
    tmp_path, register, return_templates
):
    inbox = Inbox()
    backend = start(inbox)
    front = SwitchableServer(backend.port)
    ws = Workspace(
        tmp_path / "ws",
        register,
        return_templates,
        replace={
            "interval_seconds = 60": "interval_seconds = 1",
            'mode = "files"': 'mode = "smtp"',
            'host = "localhost"': 'host = "127.0.0.1"',
            "port = 25": f"port = {front.port}",
            "deadline_seconds = 60": "deadline_seconds = 2",
        },
    )
    # Its console goes to a file: a pipe nobody drains would stop the loop once full, which is the
    # test's fault, not the pipeline's.
    console = (tmp_path / "console.txt").open("w")
    watch = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--config", str(ws.config.source), "watch", "--no-pdf"],
        stdout=console,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watch.console = tmp_path / "console.txt"  # type: ignore[attr-defined]
    watch.log_path = ws.state / "logs" / "pipeline.log"  # type: ignore[attr-defined]
    dropped: list[str] = []

    def drop(path: Path, name: str) -> None:
        ws.drop(path, name)
        dropped.append(name)

    try:
        wait_for(lambda: "Watching" in log_text(watch), "the loop to start", watch)

        # Poisoned names and hostile files among good returns, while mail drips.
        drop(ws.fill("cyp.xlsx", short="CYP"), "cyp.xlsx")
        drop(ws.fill("csp.xlsx", short="CSP"), "CSP return\nQ1.xlsx")
        drop(ws.fill("cyp-q2.xlsx", short="CYP", period=Q2), "CYP \u202ereturn\u202c\u2028Q2.xlsx")
        for name in HOSTILE:
            drop(CORPUS / name, name)
        wait_for(lambda: inbox_empty(ws) and len(verdicts(ws)) == len(dropped), "verdicts on the first files", watch)
        wait_for(lambda: front.dripped >= 1, "a mail conversation given up on", watch)

        # Another program holds the database while a return arrives: it waits, then is taken in.
        with database_held(ws.config.paths.database, seconds=4):
            drop(ws.fill("csp-q2.xlsx", short="CSP", period=Q2), "csp-q2.xlsx")
            time.sleep(2)  # the loop meets the lock on at least one pass
            # Nothing could be recorded while the lock was held: the return has no verdict yet, and
            # waits in the inbox or in incoming/ for the next pass.
            assert "csp-q2.xlsx" not in verdicts(ws)
            assert [
                p
                for p in (ws.inbox, ws.state / "incoming")
                if (p / "csp-q2.xlsx").exists() or any(q.name.endswith("csp-q2.xlsx") for q in p.iterdir())
            ]
        wait_for(lambda: inbox_empty(ws) and "csp-q2.xlsx" in verdicts(ws), "the return held up by the lock", watch)

        # The disk fills: a correction arrives that cannot be written anywhere.
        fsize_limit(watch.pid, 4096)
        drop(ws.fill("cyp-corrected.xlsx", short="CYP"), "cyp-corrected.xlsx")
        time.sleep(4)  # a few passes meet the full disk
        fsize_limit(watch.pid, resource.RLIM_INFINITY)
        wait_for(
            lambda: inbox_empty(ws) and "cyp-corrected.xlsx" in verdicts(ws), "the correction after the disk", watch
        )

        # The mail server recovers: everything owed goes.
        front.dripping = False
        wait_for(lambda: all_sent(ws), "every message owed to be sent", watch, lambda: unsent(ws))
        with Store(ws.config.paths.database) as store:
            owed = {m.key for m in store.messages(status="sent")}

        assert watch.poll() is None, "watch stopped"
        watch.send_signal(signal.SIGTERM)
        assert watch.wait(timeout=5) == 0
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()
        front.close()
        backend.stop()
        console.close()

    found = verdicts(ws)
    clean = {
        name: " ".join(name.replace("\u2028", " ").replace("\u202e", "").replace("\u202c", "").split())
        for name in dropped
    }
    assert sorted(found) == sorted(clean.values())
    assert all(len(v) == 1 for v in found.values()), found
    assert {found[clean[n]][0] for n in ("cyp.xlsx", "csp-q2.xlsx", "cyp-corrected.xlsx")} == {"accepted"}
    assert all(found[clean[n]] == ["rejected"] for n in HOSTILE), found
    archived = sorted(p.name for p in (ws.state / "archive").rglob("*") if p.is_file())
    quarantined = [p for p in (ws.state / "quarantine").rglob("*") if p.is_file() and not p.name.endswith(".txt")]
    assert len(archived) + len(quarantined) >= len(dropped)
    subjects = [message["Subject"] for _sender, _rcpt, message in inbox.received]
    assert all("\n" not in s and "\u202e" not in s for s in subjects)
    ids = [message["Message-ID"] for _sender, _rcpt, message in inbox.received]
    assert len(ids) == len(set(ids)) >= len(owed), subjects  # each owed message went, none twice


def all_sent(ws: Workspace) -> bool:
    """Every message the pipeline has queued went, but those no longer owed (an acknowledgement of a
    return that a correction replaced before the mail server answered)."""
    with Store(ws.config.paths.database) as store:
        return all(m.status in ("sent", "withdrawn") for m in store.messages())


def unsent(ws: Workspace) -> str:
    with Store(ws.config.paths.database) as store:
        return "\n".join(f"{m.key}: {m.status} {m.last_error}" for m in store.messages() if m.status != "sent")
