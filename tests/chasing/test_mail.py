"""E-mail: the shipped templates, a real SMTP server on 127.0.0.1 (aiosmtpd), and .eml files.

The server is started by the fixture on a free port and keeps every message it
receives, so tests assert on what actually crossed the wire.
"""

from __future__ import annotations

import email
import shutil
import smtplib
import socket
import ssl
from dataclasses import replace
from datetime import UTC, date, datetime, time
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from certificates import self_signed
from openpyxl import Workbook
from smtp_server import Inbox, Server, free_port, start

from pipeline.chasing.mail import Message, build_email, compose, eml_name, render
from pipeline.chasing.mailbox import plan_mail_answer
from pipeline.chasing.reminders import (
    BoardContact,
    MessageKind,
    PlannedMessage,
    plan_acknowledgement,
    plan_feedback,
    plan_internal_error,
    plan_reminders,
    plan_templates_out,
)
from pipeline.chasing.sending import Mailer
from pipeline.domain import mailbox as mb
from pipeline.domain.errors import MailError, MailRefused, TemplateError
from pipeline.domain.findings import ERROR, WARNING, Finding
from pipeline.domain.mailbox import MailAttachment, MailRecord
from pipeline.domain.periods import Period
from pipeline.domain.records import Partnership, Register
from pipeline.domain.settings import CalendarSettings, MailSettings

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOW = datetime(2026, 1, 8, 9, 0, tzinfo=UTC)
Q3 = Period(2025, 3)
CALENDAR = CalendarSettings(
    templates_out_working_days=5,
    deadline_working_days=15,
    reminder_working_days=(10, 3),
    remind_on_deadline=True,
    overdue_every_working_days=3,
    escalate_after_working_days=5,
    days_off=(date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1)),
    reminder_time=time(9, 0),
)
BOARD = BoardContact(
    "Brackenford Borough Partnership",
    "Brackenford Partnership Board",
    "Alex Morgan, Partnership Performance Manager",
    "performance@brackenford.example.org",
)
CSP = Partnership(
    "Safer Brackenford Partnership", "CSP", "Supt. Alan Greaves", "Priya Nair", "safer@brackenford.example.org"
)


def clock() -> datetime:
    return NOW


@pytest.fixture
def server():
    inbox = Inbox()
    controller = start(inbox)
    yield Server(inbox, controller.port)
    controller.stop()


def accept_only(login: bytes, password: bytes):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (login, password)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 itself

    return authenticator


def mail_settings(port: int = 25, **changes) -> MailSettings:
    base = MailSettings(
        mode="smtp",
        host="127.0.0.1",
        port=port,
        sender="performance@brackenford.example.org",
        reply_to="",
        starttls=False,
        username="",
        password_env="PIPELINE_SMTP_PASSWORD",
    )
    return replace(base, **changes)


@pytest.fixture
def workbook(tmp_path) -> Path:
    path = tmp_path / "CSP-2025-26-Q3-return.xlsx"
    book = Workbook()
    book.active["A1"] = "Safer Brackenford Partnership"
    book.save(path)
    return path


# The planners chase only partnerships whose templates-out is recorded: here, on the day it was due.
OPENED = {("CSP", "templates-out"): date(2025, 12, 22)}
CHASED_ONCE = {
    **OPENED,
    ("CSP", "overdue-3"): date(2026, 1, 27),
}  # reminded once, overdue: escalation is due on 29 January


def reminder() -> Message:
    [planned] = plan_reminders(
        period=Q3,
        today=date(2026, 1, 8),
        settings=CALENDAR,
        partnerships=[CSP],
        accepted=set(),
        already_sent=OPENED,
        board=BOARD,
    )
    return compose(planned, TEMPLATES)


def templates_out_message(workbook: Path) -> Message:
    [planned] = plan_templates_out(
        period=Q3,
        today=date(2025, 12, 22),
        settings=CALENDAR,
        partnerships=[CSP],
        workbooks={"CSP": workbook},
        accepted=set(),
        already_sent=set(),
        board=BOARD,
    )
    return compose(planned, TEMPLATES)


def attachments_of(message) -> list[tuple[str, str, bytes]]:
    return [(part.get_filename(), part.get_content_type(), part.get_content()) for part in message.iter_attachments()]


# --- templates ---------------------------------------------------------------


def every_planned_message(tmp_path: Path) -> list[PlannedMessage]:
    """One planned message of each template, as the planners make them (files need not exist to plan)."""
    annotated = tmp_path / "CSP-annotated.xlsx"
    findings = [
        Finding(
            "not-a-number", ERROR, "The actual is not a number.", fix="Type a number.", sheet="Indicators", cell="J14"
        ),
        Finding("outlier", WARNING, "The actual is unusually far from last quarter.", sheet="Indicators", cell="J15"),
    ]
    common = dict(period=Q3, settings=CALENDAR, partnerships=[CSP], accepted=set(), board=BOARD)
    planned = plan_templates_out(
        today=date(2025, 12, 22), workbooks={"CSP": tmp_path / "CSP-return.xlsx"}, already_sent=set(), **common
    )
    for day in (date(2026, 1, 8), date(2026, 1, 22), date(2026, 1, 27)):
        planned += plan_reminders(today=day, already_sent=OPENED, **common)
    planned += plan_reminders(today=date(2026, 1, 29), already_sent=CHASED_ONCE, **common)
    for received in (date(2026, 1, 14), date(2026, 1, 28)):  # on time, then late
        planned.append(
            plan_acknowledgement(
                period=Q3,
                partnership=CSP,
                submission="1",
                received=received,
                warnings=findings[1:],
                settings=CALENDAR,
                board=BOARD,
            )
        )
        planned.append(
            plan_feedback(
                period=Q3,
                partnership=CSP,
                submission="2",
                received=received,
                findings=findings,
                annotated=annotated,
                settings=CALENDAR,
                board=BOARD,
            )
        )
    for partnership in (CSP, None):  # a fault after the file said whose it is, and one before
        planned.append(
            plan_internal_error(
                period=Q3,
                partnership=partnership,
                submission="3",
                file_name="CSP Q3.xlsx",
                received=date(2026, 1, 14),
                kept_at=tmp_path / "quarantine" / "CSP Q3.xlsx",
                reason="This file could not be checked because of a fault in the pipeline.",
                feedback=tmp_path / "CSP Q3.feedback.txt",
                log_file=tmp_path / "pipeline.log",
                board=BOARD,
            )
        )
    # The returns mailbox's answers: about a message, not a partnership's return for a period.
    for outcome in (*mb.REPLIES, mb.HELD):
        record = MailRecord(
            id=7,
            mailbox="returns@imap.example.org/INBOX",
            uidvalidity=1,
            uid=7,
            sender="someone@brackenford.example.org",
            subject="Our return",
            date="",
            fetched_at="2026-01-14T09:00:00Z",
            arrived_at="2026-01-14T08:58:00Z",
            outcome=outcome,
            reason="why",
            stage=mb.MOVED,
            replied=False,
            attachments=(MailAttachment(0, "r.xlsx", "quarantine/mail/r.xlsx", "0" * 64, True),),
        )
        planned.append(
            plan_mail_answer(
                record, Register((CSP,), (), (), ()), BOARD, max_message_mb=25, max_attachments=20, kept="held"
            )
        )
    return planned


def test_every_shipped_template_renders_and_its_subject_names_partnership_and_period(tmp_path):
    planned = every_planned_message(tmp_path)
    assert {p.template for p in planned} == {t.name for t in TEMPLATES.glob("*.txt")}
    for p in planned:
        subject, body = render(TEMPLATES, p.template, p.context)
        # A file the pipeline failed on before it said whose it is; the mailbox's answers about a message.
        if p.partnership not in ("unrecognised", "mailbox"):
            assert "Safer Brackenford Partnership" in subject and "2025-26 Q3" in subject, p.template
        assert body.endswith("\n") and not body.startswith("\n") and "\n\n\n" not in body, p.template


def test_reminder_reads_as_a_friendly_letter():
    message = reminder()
    assert message.subject == (
        "Reminder: Safer Brackenford Partnership return for 2025-26 Q3 is due on Thursday 22 January 2026"
    )
    assert message.body.startswith("Dear Priya Nair,\n\n")
    assert "which is 10 working days from today." in message.body
    assert message.body.endswith("Alex Morgan, Partnership Performance Manager\nBrackenford Borough Partnership\n")


def test_feedback_lists_the_findings_and_names_the_attachment(tmp_path):
    [feedback] = [p for p in every_planned_message(tmp_path) if p.kind is MessageKind.FEEDBACK][:1]
    _, body = render(TEMPLATES, feedback.template, feedback.context)
    assert "we found 1 problem that must be corrected first" in body
    assert "- Indicators!J14: The actual is not a number. Type a number.\n" in body
    assert "(CSP-annotated.xlsx)" in body


def test_acknowledgement_of_a_late_return_says_so(tmp_path):
    acks = [p for p in every_planned_message(tmp_path) if p.kind is MessageKind.ACKNOWLEDGEMENT]
    on_time, late = (render(TEMPLATES, p.template, p.context)[1] for p in acks)
    assert "late return" not in on_time
    assert "it will be recorded as a late return" in late
    assert "- Indicators!J15: The actual is unusually far from last quarter.\n" in late


def write_template(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "broken.txt").write_text(text, encoding="utf-8")
    return folder / "broken.txt"


def test_template_using_an_unknown_name_is_a_template_error_naming_file_and_line(tmp_path):
    path = write_template(tmp_path, "Subject: Hello {{ partnership }}\n\nLine two\n{{ chiar }}\n")
    with pytest.raises(TemplateError) as caught:
        render(tmp_path, "broken.txt", {"partnership": "CSP"})
    assert f"{path}, line 4," in str(caught.value)
    assert "'chiar' is undefined" in str(caught.value)
    assert "Use only these names: partnership." in str(caught.value)


def test_template_with_a_syntax_error_names_the_line(tmp_path):
    path = write_template(tmp_path, "Subject: Hello\n\n{% if late %}\nLate\n")
    with pytest.raises(TemplateError, match=f"{path}, line 4, is broken: Unexpected end of template"):
        render(tmp_path, "broken.txt", {"late": True})


def test_template_without_a_subject_line_is_a_template_error(tmp_path):
    write_template(tmp_path, "Dear colleague,\n")
    with pytest.raises(TemplateError, match="must start with the subject line"):
        render(tmp_path, "broken.txt", {})


def test_missing_template_is_a_template_error(tmp_path):
    with pytest.raises(TemplateError, match=r"nothere\.txt does not exist"):
        render(tmp_path, "nothere.txt", {})


# --- SMTP --------------------------------------------------------------------


def test_a_server_that_fumbles_goodbye_after_taking_the_message_is_not_sent_it_again(server, monkeypatch):
    # 250 to the message's data, then 421 (or a dropped line) to QUIT: it was delivered, and a retry
    # on the next pass would deliver it twice.
    real = smtplib.SMTP.docmd

    def fumbled(self, cmd, args=""):
        return (421, b"4.3.2 Service shutting down") if cmd.upper() == "QUIT" else real(self, cmd, args)

    monkeypatch.setattr(smtplib.SMTP, "docmd", fumbled)
    record = Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock).send(reminder())
    assert len(server.inbox.received) == 1
    assert record.transport == "smtp"


def test_once_the_server_cannot_be_reached_the_pass_s_other_messages_are_not_tried(monkeypatch):
    # Each try at a server that does not answer waits out the timeout: 30 s apiece, one after another.
    tries = []
    real = smtplib.SMTP.__init__

    def counted(self, *args, **kwargs):
        tries.append(args)
        real(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "__init__", counted)
    mailer = Mailer(mail_settings(free_port()), folder=Path("unused"), clock=clock)  # nothing listens there
    with pytest.raises(MailError, match="refused the connection"):
        mailer.send(reminder())
    with pytest.raises(MailError, match="not tried, as the mail server could not be reached") as second:
        mailer.send(reminder())
    assert len(tries) == 1
    assert "Check mail.host and mail.port" in second.value.fix


def test_reminder_is_delivered_to_the_partnership(server):
    record = Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock).send(reminder())
    [(sender, recipients, received)] = server.inbox.received
    assert sender == "performance@brackenford.example.org"
    assert recipients == ["safer@brackenford.example.org"]
    assert received["Subject"] == reminder().subject
    assert received["Date"] == "Thu, 08 Jan 2026 09:00:00 +0000"
    assert received["Message-ID"] == record.message_id
    assert "10 working days from today" in received.get_body().get_content()
    assert (record.transport, record.key, record.partnership, record.sent_at) == (
        "smtp",
        "before-deadline-10",
        "CSP",
        NOW,
    )


def test_names_outside_ascii_arrive_intact(server):
    welsh = replace(CSP, name="Partneriaeth Diogelwch Cymunedol – Llanelli", lead_officer="Siân Jones")
    [planned] = plan_reminders(
        period=Q3,
        today=date(2026, 1, 8),
        settings=CALENDAR,
        partnerships=[welsh],
        accepted=set(),
        already_sent=OPENED,
        board=BOARD,
    )
    Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock).send(compose(planned, TEMPLATES))
    [(_, _, received)] = server.inbox.received
    assert "Partneriaeth Diogelwch Cymunedol – Llanelli" in received["Subject"]
    assert received.get_body().get_content().startswith("Dear Siân Jones,")


def test_templates_out_arrives_with_the_workbook_attached(server, workbook):
    message = templates_out_message(workbook)
    Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock).send(message)
    [(_, recipients, received)] = server.inbox.received
    assert recipients == ["safer@brackenford.example.org"]
    assert received["Subject"] == (
        "Safer Brackenford Partnership: performance return for 2025-26 Q3 (October to December 2025)"
    )
    assert attachments_of(received) == [("CSP-2025-26-Q3-return.xlsx", XLSX, workbook.read_bytes())]


def test_escalation_reaches_the_board_officer_and_copies_the_lead(server):
    planned = plan_reminders(
        period=Q3,
        today=date(2026, 1, 29),
        settings=CALENDAR,
        partnerships=[CSP],
        accepted=set(),
        already_sent=CHASED_ONCE,
        board=BOARD,
    )
    [escalation] = [compose(p, TEMPLATES) for p in planned if p.kind is MessageKind.ESCALATION]
    Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock).send(escalation)
    [(_, recipients, received)] = server.inbox.received
    assert recipients == ["performance@brackenford.example.org", "safer@brackenford.example.org"]
    assert received["Cc"] == "safer@brackenford.example.org"
    assert received["Subject"] == (
        "Escalation: Safer Brackenford Partnership return for 2025-26 Q3 is 5 working days overdue"
    )


def test_login_uses_the_password_from_the_environment():
    inbox = Inbox()
    # Login over plain SMTP (a local relay); auth_required stays off because aiosmtpd
    # warns about requiring it without TLS. A wrong password is still refused.
    controller = start(inbox, authenticator=accept_only(b"perf", b"s3cret"), auth_require_tls=False)
    try:
        settings = mail_settings(controller.port, username="perf")
        mailer = Mailer(settings, folder=Path("unused"), clock=clock, environ={"PIPELINE_SMTP_PASSWORD": "s3cret"})
        mailer.send(reminder())
        assert len(inbox.received) == 1
        wrong = Mailer(settings, folder=Path("unused"), clock=clock, environ={"PIPELINE_SMTP_PASSWORD": "guess"})
        with pytest.raises(MailError, match="refused the login for 'perf'.*PIPELINE_SMTP_PASSWORD") as caught:
            wrong.send(reminder())
        assert not isinstance(caught.value, MailRefused)  # a login problem stops every message: retried
    finally:
        controller.stop()
    assert len(inbox.received) == 1


def test_username_without_the_password_variable_is_a_mail_error_with_the_fix():
    mailer = Mailer(mail_settings(username="perf"), folder=Path("unused"), clock=clock, environ={})
    with pytest.raises(MailError) as caught:
        mailer.send(reminder())
    assert "environment variable PIPELINE_SMTP_PASSWORD" in caught.value.message
    assert "never read from config.toml" in caught.value.fix


@pytest.fixture
def certificate(tmp_path) -> Path:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    self_signed(tmp_path)
    return tmp_path


def test_starttls_then_login(certificate):
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")
    inbox = Inbox()
    # auth_require_tls is left on: the login is only accepted after STARTTLS.
    controller = start(
        inbox,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=accept_only(b"perf", b"s3cret"),
        auth_required=True,
    )
    try:
        mailer = Mailer(
            mail_settings(controller.port, starttls=True, username="perf"),
            folder=Path("unused"),
            clock=clock,
            environ={"PIPELINE_SMTP_PASSWORD": "s3cret"},
            ssl_context=ssl.create_default_context(cafile=str(certificate / "cert.pem")),
        )
        mailer.send(reminder())
    finally:
        controller.stop()
    assert len(inbox.received) == 1


def test_starttls_with_an_untrusted_certificate_is_a_mail_error(certificate):
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")
    inbox = Inbox()
    controller = start(inbox, tls_context=server_tls, require_starttls=True)
    try:
        mailer = Mailer(mail_settings(controller.port, starttls=True), folder=Path("unused"), clock=clock)
        with pytest.raises(MailError, match="the secure connection to 127.0.0.1.* failed"):
            mailer.send(reminder())
    finally:
        controller.stop()
    assert inbox.received == []


def test_no_server_listening_is_a_mail_error_saying_it_will_be_retried():
    mailer = Mailer(mail_settings(free_port()), folder=Path("unused"), clock=clock)
    with pytest.raises(MailError) as caught:
        mailer.send(reminder())
    assert "refused the connection" in caught.value.message
    assert "will be tried again on the next pass" in caught.value.fix


def test_a_server_that_never_answers_is_a_mail_error_after_the_timeout():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mailer = Mailer(mail_settings(silent.getsockname()[1]), folder=Path("unused"), clock=clock, timeout=0.2)
        with pytest.raises(MailError, match="did not answer within 0.2 seconds"):
            mailer.send(reminder())


def test_a_refused_recipient_is_recorded_while_the_others_get_the_message(server):
    server.inbox.refuse.add("safer@brackenford.example.org")
    planned = plan_reminders(
        period=Q3,
        today=date(2026, 1, 29),
        settings=CALENDAR,
        partnerships=[CSP],
        accepted=set(),
        already_sent=CHASED_ONCE,
        board=BOARD,
    )
    [escalation] = [compose(p, TEMPLATES) for p in planned if p.kind is MessageKind.ESCALATION]
    record = Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock).send(escalation)
    assert record.refused == ("safer@brackenford.example.org",)
    assert [recipients for _, recipients, _ in server.inbox.received] == [["performance@brackenford.example.org"]]


def test_every_recipient_refused_with_550_is_a_refusal_naming_them_the_reply_and_the_fix(server):
    server.inbox.refuse.add("safer@brackenford.example.org")
    mailer = Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock)
    with pytest.raises(MailRefused) as caught:
        mailer.send(reminder())
    assert "refused every recipient (safer@brackenford.example.org: 550 5.1.1 No such mailbox)" in caught.value.message
    assert caught.value.recipients == ("safer@brackenford.example.org",)
    assert caught.value.fix.startswith("Correct the address on the register's Partnerships sheet")
    assert "not tried again until its address changes" in caught.value.fix


def test_every_recipient_refused_with_451_is_a_failure_to_retry_not_a_refusal(server):
    server.inbox.refuse.add("safer@brackenford.example.org")
    server.inbox.refusal = "451 4.3.0 Mailbox busy, try later"
    mailer = Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock)
    with pytest.raises(MailError) as caught:
        mailer.send(reminder())
    assert not isinstance(caught.value, MailRefused)
    assert "safer@brackenford.example.org: 451 4.3.0 Mailbox busy, try later" in caught.value.message
    assert "will be tried again on the next pass" in caught.value.fix


def test_a_message_rejected_with_554_while_sending_is_a_refusal_quoting_the_server(server):
    server.inbox.reject_message = "554 5.7.1 Message rejected as spam"
    mailer = Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock)
    with pytest.raises(MailRefused) as caught:
        mailer.send(reminder())
    assert "refused the message (554 5.7.1 Message rejected as spam)" in caught.value.message
    assert caught.value.recipients == ("safer@brackenford.example.org",)
    assert "not tried again unless its recipients change" in caught.value.fix


def test_a_temporary_reply_to_the_message_is_a_failure_to_retry(server):
    server.inbox.reject_message = "452 4.3.1 Insufficient system storage"
    mailer = Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock)
    with pytest.raises(MailError) as caught:
        mailer.send(reminder())
    assert not isinstance(caught.value, MailRefused)
    assert "will be tried again on the next pass" in caught.value.fix


def test_a_refused_sender_is_a_configuration_problem_retried_not_a_refusal_of_the_message(server):
    # Every message would meet it: it says nothing about this message or its recipients.
    server.inbox.refuse_sender = "553 5.7.1 Sender address not allowed"
    mailer = Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock)
    with pytest.raises(MailError) as caught:
        mailer.send(reminder())
    assert not isinstance(caught.value, MailRefused)
    assert "refused the sender address" in caught.value.message and "Check mail.from" in caught.value.fix


def test_a_message_over_the_server_s_size_limit_is_refused_for_good_not_retried_as_a_sender_problem(server):
    server.inbox.refuse_sender = "552 5.3.4 Message size exceeds fixed limit"
    mailer = Mailer(mail_settings(server.port), folder=Path("unused"), clock=clock)
    with pytest.raises(MailRefused) as caught:
        mailer.send(reminder())
    assert "too large" in caught.value.message and "size limit" in caught.value.fix


# --- files mode --------------------------------------------------------------


def test_files_mode_writes_a_parseable_eml_named_for_the_message(tmp_path, workbook):
    folder = tmp_path / "outbox" / "mail"
    message = templates_out_message(workbook)
    record = Mailer(mail_settings(mode="files"), folder=folder, clock=clock).send(message)
    assert record.path == folder / "2025-26-Q3_CSP_templates-out_templates-out.eml"
    assert [p.name for p in folder.iterdir()] == [record.path.name]  # no temporary file left behind
    parsed = email.message_from_bytes(record.path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "safer@brackenford.example.org"
    assert parsed["Subject"] == message.subject
    assert attachments_of(parsed) == [("CSP-2025-26-Q3-return.xlsx", XLSX, workbook.read_bytes())]
    assert record.transport == "files"


def test_dry_run_writes_files_even_when_smtp_is_configured(tmp_path):
    # Nothing listens on this port: a send would fail.
    mailer = Mailer(mail_settings(free_port()), folder=tmp_path, clock=clock, dry_run=True)
    record = mailer.send(reminder())
    assert record.path == tmp_path / "2025-26-Q3_CSP_reminder_before-deadline-10.eml"


def test_same_message_gives_the_same_bytes_and_resending_overwrites_the_file(tmp_path, workbook):
    message = templates_out_message(workbook)
    first = build_email(message, sender="a@x.org", reply_to="", when=NOW).as_bytes()
    assert build_email(message, sender="a@x.org", reply_to="", when=NOW).as_bytes() == first
    mailer = Mailer(mail_settings(mode="files"), folder=tmp_path / "mail", clock=clock)
    written = mailer.send(message).path.read_bytes()
    assert mailer.send(message).path.read_bytes() == written
    assert len(list((tmp_path / "mail").iterdir())) == 1


def test_message_ids_differ_between_partnerships_and_reminders():
    base = reminder()
    other_key = replace(base, key="before-deadline-3")
    other_partnership = replace(base, partnership="HWB")
    ids = {
        build_email(m, sender="a@x.org", reply_to="", when=NOW)["Message-ID"]
        for m in (base, other_key, other_partnership)
    }
    assert len(ids) == 3
    assert all(i.endswith("@x.org>") for i in ids)


def test_eml_names_are_safe_for_any_file_system():
    message = replace(reminder(), partnership="C/S P", key="feedback-a:b")
    assert eml_name(message) == "2025-26-Q3_C-S-P_reminder_feedback-a-b.eml"


def test_reply_to_is_set_when_configured(tmp_path):
    mailer = Mailer(mail_settings(mode="files", reply_to="team@brackenford.example.org"), folder=tmp_path, clock=clock)
    parsed = email.message_from_bytes(mailer.send(reminder()).path.read_bytes(), policy=policy.default)
    assert parsed["Reply-To"] == "team@brackenford.example.org"


def test_a_missing_attachment_is_a_mail_error_naming_the_file(tmp_path, workbook):
    message = templates_out_message(workbook)
    workbook.unlink()
    with pytest.raises(MailError, match="Could not attach .*CSP-2025-26-Q3-return.xlsx"):
        Mailer(mail_settings(mode="files"), folder=tmp_path, clock=clock).send(message)


def test_a_long_subject_stays_on_the_subject_line(tmp_path):
    # Folded at 78 characters, Python put the whole Subject on a continuation line ("Subject:\r\n Thank..."),
    # shown with a leading space by some mail programs.
    from pipeline.chasing.mail import build_email

    subject = "Thank you: Safer Brackenford Partnership return for 2024-25 Q1 accepted, with two warnings"
    message = Message(
        kind="acknowledgement",
        key="acknowledgement-2",
        partnership="CSP",
        period=Period(2024, 1),
        to=("safer@example.org",),
        cc=(),
        subject=subject,
        body="Thank you.\n",
    )
    raw = build_email(
        message, sender="performance@example.org", reply_to="", when=datetime(2024, 7, 17, 9, tzinfo=UTC)
    ).as_bytes()
    assert f"Subject: {subject}\n".encode() in raw
