"""The returns mailbox when things go wrong: a server that drops the connection mid-fetch, one that drips
its replies for ever, and `pipeline run` killed (SIGKILL) at random moments while it fetches. Each
attachment ends up taken exactly once: never lost, never twice."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import imap_server
import pytest
from mailbox_helpers import CYP, PASSWORD_ENV, config_text, fetch, inbox_names, letter, new_user, point_at
from registers import DEMO_REGISTER, write_config

from pipeline.domain import mailbox as mb
from pipeline.domain.errors import MailboxError
from pipeline.intake.mailbox.fetch import fetch_mail
from pipeline.store import Store

ROOT = Path(__file__).resolve().parents[2]


def attachment(n: int) -> tuple[str, bytes]:
    """A spreadsheet-named attachment with bytes of its own (the screen rejects it quickly, which is all
    these tests need: each is counted by its digest)."""
    return (f"return-{n}.xlsx", f"not really a workbook, number {n}\n".encode() * 50)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("limit", [10, 200, 700, 1500, 3000, 6000])
def test_a_server_dropping_the_connection_mid_fetch_loses_nothing_and_doubles_nothing(box, limit):
    workspace, server, user = box
    sent = [attachment(n) for n in range(4)]
    for pair in (sent[:2], sent[2:]):
        server.deliver(user, letter(attachments=pair))
    dropper = imap_server.Dropper(server, limit)
    try:
        point_at(workspace, server, user, port=dropper.port)
        report = fetch(workspace)
    finally:
        dropper.close()
    assert isinstance(report.failure, MailboxError)
    point_at(workspace, server, user)
    assert fetch(workspace).failure is None
    written = sorted((workspace.inbox / name).read_bytes() for name in inbox_names(workspace.inbox))
    assert written == sorted(data for _name, data in sent)
    assert server.uids(user) == [] and len(server.uids(user, "Processed")) == 2


def test_a_server_that_drips_its_replies_is_cut_off_at_the_deadline(box):
    workspace, server, user = box
    drip = imap_server.Drip()
    try:
        point_at(workspace, server, user, port=drip.port, deadline_seconds=1)
        report = fetch(workspace)
    finally:
        drip.close()
    assert "did not finish the conversation within 1 seconds (mailbox.deadline_seconds" in str(report.failure)


def test_a_killed_fetch_is_finished_by_the_next_pass_without_a_second_copy(box):
    workspace, server, user = box
    first, second = attachment(1), attachment(2)
    server.deliver(user, letter(attachments=[first, second]))
    # What a pass killed after writing the first attachment, before marking it, leaves behind.
    with workspace.store() as store:
        with Conversation_for(workspace) as imap:
            uidvalidity, (uid,) = imap.uidvalidity, imap.uids()
        store.record_mail(
            mailbox=f"{user}@{server.host}/INBOX",
            uidvalidity=uidvalidity,
            uid=uid,
            sender=CYP,
            subject="Our Q1 return",
            date="",
            fetched_at="2025-07-10T09:30:00Z",
            outcome=mb.TAKEN,
            reason="2 spreadsheet(s)",
            attachments=[(n, f"inbox/{n}", digest(d)) for n, d in (first, second)],
        )
    (workspace.inbox / first[0]).write_bytes(first[1])
    os.utime(workspace.inbox / first[0], (time.time() - 60, time.time() - 60))
    report = fetch(workspace)
    assert report.failure is None and report.written == [second[0]]
    assert inbox_names(workspace.inbox) == sorted([first[0], second[0]])
    assert server.uids(user) == []


def Conversation_for(workspace):
    from pipeline.intake.mailbox.imap import Conversation

    return Conversation(workspace.config.mailbox)


def _recorded(database: Path) -> int:
    """How many messages the store has recorded, read beside the running pass (0 before it has the table)."""
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute("SELECT count(*) FROM mail_messages").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_9_during_fetching_in_a_loop_takes_every_attachment_exactly_once(tmp_path, dovecot):
    """`pipeline run` killed again and again at random moments while it fetches, as a crash or a power
    cut would; then left to finish. Every attachment of every message is then in the store exactly once."""
    user = new_user()
    config = write_config(tmp_path, DEMO_REGISTER)
    config.write_text(config_text(config.read_text(), dovecot, user), encoding="utf-8")
    sent = [attachment(n) for n in range(60)]
    for n in range(0, len(sent), 2):
        dovecot.deliver(user, letter(subject=f"Returns {n}", attachments=sent[n : n + 2]))
    environment = {**os.environ, PASSWORD_ENV: "correct-horse-battery", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pipeline", "-q", "--config", str(config), "run", "--no-pdf"]
    database = tmp_path / "state" / "pipeline.sqlite3"
    chance = random.Random(23)
    killed_mid_fetch = 0
    for _ in range(60):
        before = _recorded(database)
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Killed a moment after it records a message, however loaded the machine: while it fetches.
        while process.poll() is None and _recorded(database) == before:
            time.sleep(0.005)
        time.sleep(chance.uniform(0, 0.04))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed_mid_fetch += bool(dovecot.uids(user))
        process.wait()
        if not dovecot.uids(user):
            break
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    # 1: the attachments are not real returns
    assert finished.returncode in (0, 1), finished.stdout + finished.stderr
    assert killed_mid_fetch >= 3, "the loop should have killed several passes while they fetched"
    with Store(database) as store:
        taken = [f.sha256 for f in store.files()]
        messages = store.mail_messages()
    assert sorted(taken) == sorted(digest(data) for _name, data in sent), finished.stdout
    assert len(messages) == 30 and {m.stage for m in messages} == {mb.MOVED}
    assert sorted(m.uid for m in messages) == sorted({m.uid for m in messages})
    assert dovecot.uids(user) == [] and len(dovecot.uids(user, "Processed")) == 30
    assert inbox_names(tmp_path / "inbox") == []
    assert list((tmp_path / "inbox").glob(".*")) == []  # no half-written attachment left behind


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_the_mailbox_is_read_over_tls(box, security):
    import functools
    import ssl

    from pipeline.intake.mailbox.imap import Conversation

    workspace, server, user = box
    server.deliver(user, letter(attachments=[attachment(1)]))
    port = server.secure_port if security == "tls" else server.port
    point_at(workspace, server, user, security=security, port=port)
    trusted = ssl.create_default_context(cafile=str(server.certificate))
    with workspace.store() as store:
        report = fetch_mail(
            workspace.config,
            store,
            lambda: workspace.register,
            now=lambda: workspace.now,
            conversation=functools.partial(Conversation, ssl_context=trusted),
        )
    assert report.failure is None and report.written == ["return-1.xlsx"]


def test_a_certificate_that_is_not_trusted_is_refused(box):
    workspace, server, user = box
    point_at(workspace, server, user, security="tls", port=server.secure_port)
    report = fetch(workspace)
    assert "the secure connection to 127.0.0.1" in str(report.failure)
    assert "certificate" in str(report.failure)


def test_watch_told_to_stop_abandons_the_mailbox_conversation(box):
    import threading

    from pipeline.chasing.sending import Hangup

    workspace, server, user = box
    drip = imap_server.Drip()
    hangup = Hangup()
    try:
        point_at(workspace, server, user, port=drip.port, deadline_seconds=600)
        threading.Timer(0.5, hangup).start()
        with workspace.store() as store:
            report = fetch_mail(
                workspace.config, store, lambda: workspace.register, now=lambda: workspace.now, hangup=hangup
            )
    finally:
        drip.close()
    # The drip answers the greeting's CAPABILITY for ever, so imaplib is still connecting when told.
    assert "was abandoned while connecting, as the pipeline was stopping" in str(report.failure)
    assert hangup.conversation is None
