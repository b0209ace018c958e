"""E-mail through the whole cycle, over real SMTP to a server on 127.0.0.1: templates out,
acknowledgements, feedback, reminders only to those who have not returned, retries
when the server is down, and no retries of what the server refuses for good until the
address is corrected."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone

import pytest

from pipeline.calendar import add_working_days, deadline, templates_out
from pipeline.config import load_config
from pipeline.cycle import chase, run_once
from pipeline.fill import IndicatorEntry
from pipeline.store import Store
from registers import demo_book, run_cli, write_config, write_register
from spoil import Q1, Workspace
from test_mail import Inbox, free_port, start

CYP_EMAIL = "cyp.partnership@brackenford.example.org"
CYP_TEMPLATES_OUT = "2025-26-Q1/CYP/templates-out"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = start(inbox)
    yield inbox, controller.port
    controller.stop()


def _smtp_settings(port: int) -> dict[str, str]:
    return {'mode = "files"': 'mode = "smtp"', "port = 25": f"port = {port}",
            'host = "localhost"': 'host = "127.0.0.1"'}


def _workspace(tmp_path, register, return_templates, port: int) -> Workspace:
    return Workspace(tmp_path / "ws", register, return_templates, replace=_smtp_settings(port))


def _correct_email(ws: Workspace, port: int, short: str, email: str) -> None:
    """The officer puts the right address on the register's Partnerships sheet."""
    book = demo_book()
    book["Partnerships"].set(short, "Email", email)
    register = write_register(ws.root / "corrected-register.xlsx", book)
    ws.config = load_config(write_config(ws.root, register, replace=_smtp_settings(port)))


def _received(inbox: Inbox) -> list[tuple[list[str], str]]:
    return [(rcpt, message["Subject"]) for _sender, rcpt, message in inbox.received]


def test_templates_go_out_with_the_workbook_attached(tmp_path, register, return_templates, smtp):
    inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    day = templates_out(Q1, ws.config.calendar)
    result = chase(ws.config, day)
    assert len(result.sent) == len(register.partnerships)
    by_recipient = {rcpt[0]: message for _sender, rcpt, message in inbox.received}
    cyp = by_recipient["cyp.partnership@brackenford.example.org"]
    assert "2025-26 Q1" in cyp["Subject"]
    [attachment] = [part for part in cyp.iter_attachments()]
    assert attachment.get_filename() == "CYP-return-2025-26-Q1.xlsx"
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert chase(ws.config, day).sent == []  # a restart never sends them twice


def test_reminders_skip_partnerships_that_have_returned(tmp_path, register, return_templates, smtp):
    inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    ws.drop(ws.fill("cyp.xlsx"))
    run_once(ws.config, now=lambda: ws.now, pdf=False)
    acknowledgements = _received(inbox)
    assert acknowledgements == [(["cyp.partnership@brackenford.example.org"],
                                 "Thank you: Children and Young People Partnership return for 2025-26 Q1 accepted")]
    cal = ws.config.calendar
    chase(ws.config, add_working_days(deadline(Q1, cal), -3, cal.bank_holidays))
    reminded = {rcpt[0] for rcpt, _subject in _received(inbox)[1:]}
    assert "cyp.partnership@brackenford.example.org" not in reminded
    assert "safer.brackenford@brackenford.example.org" in reminded


def test_a_rejected_return_gets_feedback_with_the_annotated_workbook(tmp_path, register, return_templates, smtp):
    inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    ws.drop(ws.fill("cyp.xlsx", indicators={"CYP-01": IndicatorEntry(actual="twelve")}))
    run_once(ws.config, now=lambda: ws.now, pdf=False)
    [(_sender, rcpt, message)] = inbox.received
    assert "could not be accepted" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert '"twelve" is not a number' in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".feedback.xlsx")


def test_a_mail_server_that_is_down_is_retried_on_the_next_pass(tmp_path, register, return_templates):
    port = free_port()  # nothing listens here yet
    ws = _workspace(tmp_path, register, return_templates, port)
    ws.drop(ws.fill("cyp.xlsx"))
    first = run_once(ws.config, now=lambda: ws.now, pdf=False)
    assert len(first.mail_failed) == 1
    assert len(first.ingest.accepted) == 1  # the return itself is not held up
    with Store(ws.config.paths.database) as store:
        [message] = store.messages()
        assert message.status == "failed" and message.attempts == 1
        assert store.feedback_due()  # still owed
    inbox = Inbox()
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        later = datetime(2025, 7, 10, 10, 0, tzinfo=timezone.utc)
        second = run_once(ws.config, now=lambda: later, pdf=False)
    finally:
        controller.stop()
    assert second.mail_failed == []
    assert [s for _f, _r, m in inbox.received for s in [m["Subject"]]] == [
        "Thank you: Children and Young People Partnership return for 2025-26 Q1 accepted"]
    with Store(ws.config.paths.database) as store:
        [message] = store.messages()
        assert message.status == "sent" and message.attempts == 2
        assert store.feedback_due() == []
        assert len(store.submissions()) == 1  # nothing was counted twice


def test_status_shows_what_was_sent(tmp_path, register, return_templates, smtp):
    _inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    chase(ws.config, templates_out(Q1, ws.config.calendar))
    code, out, _err = run_cli(["--config", str(ws.config.source), "status", "--period", "2025-26 Q1"])
    assert code == 0
    assert "templates-out (sent)" in out
    assert date(2025, 7, 21).strftime("%d/%m/%Y") in out
