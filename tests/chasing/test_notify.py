"""E-mail through the whole cycle, over real SMTP to a server on 127.0.0.1: templates out,
acknowledgements, feedback, reminders only to those who have not returned, retries
when the server is down, and no retries of what the server refuses for good until the
address is corrected."""

from __future__ import annotations

import email
import email.policy
import logging
from datetime import UTC, date, datetime, time

import pytest
from registers import demo_book, run_cli, write_config, write_register
from smtp_server import Inbox, free_port, start
from spoil import Q1, Workspace

from demo.fill import IndicatorEntry
from pipeline.config.load import load_config
from pipeline.domain.calendar import add_working_days, deadline, templates_out
from pipeline.runtime.cycle import chase, run_once
from pipeline.store import Store

CYP_EMAIL = "cyp.partnership@brackenford.example.org"
CYP_TEMPLATES_OUT = "2025-26-Q1/CYP/templates-out"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = start(inbox)
    yield inbox, controller.port
    controller.stop()


def _smtp_settings(port: int) -> dict[str, str]:
    return {
        'mode = "files"': 'mode = "smtp"',
        "port = 25": f"port = {port}",
        'host = "localhost"': 'host = "127.0.0.1"',
    }


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


def _chase_on(config, day: date, **options):
    """`pipeline chase` run on `day` at 09:00, as the watch loop runs it: the clock agrees with the day."""
    moment = datetime.combine(day, time(9), tzinfo=UTC)
    return chase(config, day, now=lambda: moment, **options)


def test_templates_go_out_with_the_workbook_attached(tmp_path, register, return_templates, smtp):
    inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    day = templates_out(Q1, ws.config.calendar)
    result = chase(ws.config, day)
    assert len(result.sent) == len(register.partnerships)
    by_recipient = {rcpt[0]: message for _sender, rcpt, message in inbox.received}
    cyp = by_recipient["cyp.partnership@brackenford.example.org"]
    assert "2025-26 Q1" in cyp["Subject"]
    [attachment] = list(cyp.iter_attachments())
    assert attachment.get_filename() == "CYP-return-2025-26-Q1.xlsx"
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert chase(ws.config, day).sent == []  # a restart never sends them twice


def test_a_template_sent_late_gives_in_its_guidance_the_later_deadline_its_e_mail_gives(
    tmp_path, register, return_templates, smtp
):
    import io

    from openpyxl import load_workbook

    from pipeline.domain.calendar import deadline, deadline_for

    inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    late = date(2025, 7, 14)  # a first run a week before the published deadline of 21 July
    moved = deadline_for(Q1, ws.config.calendar, late)
    assert moved > deadline(Q1, ws.config.calendar)
    chase(ws.config, late)

    cyp = next(m for _s, rcpt, m in inbox.received if rcpt == [CYP_EMAIL])
    said = f"{moved:%A} {moved.day} {moved:%B %Y}"
    assert said in cyp.get_body(("plain",)).get_content()
    [attachment] = list(cyp.iter_attachments())
    guidance = load_workbook(io.BytesIO(attachment.get_content()))["Guidance"]
    text = " ".join(str(c.value) for (c,) in guidance.iter_rows(max_col=1) if c.value)
    assert said in text and "21 July 2025" not in text


def test_reminders_skip_partnerships_that_have_returned(tmp_path, register, return_templates, smtp):
    inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    ws.drop(ws.fill("cyp.xlsx"))
    run_once(ws.config, now=lambda: ws.now, pdf=False)
    acknowledgements = _received(inbox)
    assert acknowledgements == [
        (
            ["cyp.partnership@brackenford.example.org"],
            "Thank you: Children and Young People Partnership return for 2025-26 Q1 accepted",
        )
    ]
    cal = ws.config.calendar
    _chase_on(ws.config, templates_out(Q1, cal))
    before = len(inbox.received)
    _chase_on(ws.config, add_working_days(deadline(Q1, cal), -3, cal.days_off))
    reminded = {rcpt[0]: subject for rcpt, subject in _received(inbox)[before:]}
    assert "cyp.partnership@brackenford.example.org" not in reminded
    assert "reminder" in reminded["safer.brackenford@brackenford.example.org"].lower()


# --- catching up: a first run, or a restart, long after the deadline -----------------------


def test_a_first_chase_after_the_deadline_sends_only_the_templates_and_no_overdue_or_escalation(workspace):
    cal = workspace.config.calendar
    escalation_day = add_working_days(deadline(Q1, cal), cal.escalate_after_working_days + 3, cal.days_off)
    first = _chase_on(workspace.config, escalation_day)
    assert {key.rsplit("/", 1)[-1] for key in first.sent} == {"templates-out"}
    assert len(first.sent) == 5
    with Store(workspace.config.paths.database) as store:
        assert {m.kind for m in store.messages()} == {"templates-out"}
    # The next working day: still nothing, since the partnerships now have time to make the return.
    assert _chase_on(workspace.config, add_working_days(escalation_day, 1, cal.days_off)).sent == []
    [eml] = (workspace.outbox / "mail").glob("2025-26-Q1_CYP_templates-out*.eml")
    body = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default).get_body(("plain",))
    # Sent on Thursday 31 July, 10 days after the 21 July deadline: 15 working days from then.
    assert escalation_day == date(2025, 7, 31)
    assert "by Thursday 21 August 2025." in " ".join(body.get_content().split())


# --- dry run: nothing sent, made or recorded ------------------------------------------------


def test_a_dry_run_writes_previews_apart_and_makes_and_records_nothing(workspace):
    day = templates_out(Q1, workspace.config.calendar)
    result = _chase_on(workspace.config, day, dry_run=True)
    assert len(result.sent) == 5
    mail = workspace.outbox / "mail"
    assert sorted(p.name for p in mail.iterdir()) == ["dry-run"]  # never beside the real messages
    assert len(list((mail / "dry-run").glob("2025-26-Q1_*_templates-out_templates-out.eml"))) == 5
    assert not (workspace.outbox / "templates").exists()  # the return templates are not made
    with Store(workspace.config.paths.database) as store:
        assert store.messages() == []
    real = _chase_on(workspace.config, day)
    assert len(real.sent) == 5
    assert len(list(mail.glob("*.eml"))) == 5
    assert len(list((mail / "dry-run").glob("*.eml"))) == 5  # the previews were not overwritten either


def test_chase_dry_run_says_would_send_and_not_sent(workspace):
    day = templates_out(Q1, workspace.config.calendar).isoformat()
    code, out, _err = run_cli(["--config", str(workspace.config.source), "chase", "--dry-run", "--date", day])
    assert code == 0
    assert "would send 2025-26-Q1/CYP/templates-out\n" in out
    assert "sent    " not in out
    assert out.endswith(
        f"5 message(s) would be sent (dry run: previews in {workspace.outbox / 'mail' / 'dry-run'}; "
        "nothing was sent or recorded).\n"
    )
    # Dated at the configured reminder time as people in the UK read it: 09:00 in July is 08:00 UTC.
    [preview] = [p for p in (workspace.outbox / "mail" / "dry-run").glob("*.eml") if "CYP" in p.name]
    message = email.message_from_bytes(preview.read_bytes(), policy=email.policy.default)
    assert message["Date"].datetime.astimezone(UTC).hour == 8


def test_a_correction_after_the_deadline_is_not_told_it_is_late(tmp_path, register, return_templates, smtp):
    inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    ws.submit("cyp.xlsx")  # 10 July: on time for 21 July
    run_once(ws.config, now=lambda: ws.now, pdf=False)
    ws.now = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)
    ws.submit("cyp v2.xlsx", indicators={"CYP-05": {"actual": 501}})
    run_once(ws.config, now=lambda: ws.now, pdf=False)

    thanks = [m for _s, _r, m in inbox.received if m["Subject"].startswith("Thank you")]
    assert len(thanks) == 2
    assert "late return" not in thanks[1].get_body(("plain",)).get_content(), "the partnership met the deadline"


def test_a_return_replaced_in_the_same_pass_is_not_acknowledged_only_its_replacement(
    tmp_path, register, return_templates, smtp
):
    inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    ws.drop(ws.fill("cyp draft.xlsx", indicators={"CYP-05": {"actual": 500}}), age=7200)
    ws.drop(ws.fill("cyp final.xlsx", indicators={"CYP-05": {"actual": 530}}), age=3600)

    run_once(ws.config, now=lambda: ws.now, pdf=False)

    assert len([m for _s, _r, m in inbox.received if m["Subject"].startswith("Thank you")]) == 1
    with Store(ws.config.paths.database) as store:
        final = next(f for f in store.files() if f.name == "cyp final.xlsx")
        assert [m.key for m in store.messages() if m.kind == "acknowledgement"] == [
            f"2025-26-Q1/CYP/acknowledgement-{final.id}"
        ]
        assert store.feedback_due() == [], "the draft's turn is over, not owed"


def test_a_rejected_return_gets_feedback_with_the_annotated_workbook(tmp_path, register, return_templates, smtp):
    inbox, port = smtp
    ws = _workspace(tmp_path, register, return_templates, port)
    ws.drop(ws.fill("cyp.xlsx", indicators={"CYP-01": IndicatorEntry(actual="twelve")}))
    run_once(ws.config, now=lambda: ws.now, pdf=False)
    [(_sender, _rcpt, message)] = inbox.received
    assert "could not be accepted" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert '"twelve" is not a number' in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "cyp.feedback.xlsx", "named as the file they sent, without the store's prefix"
    assert "attached copy of your workbook (cyp.feedback.xlsx)" in body
    assert "It is described below and marked" in body, "one problem, no smaller points: no 'problems first'"


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
        later = datetime(2025, 7, 10, 10, 0, tzinfo=UTC)
        second = run_once(ws.config, now=lambda: later, pdf=False)
    finally:
        controller.stop()
    assert second.mail_failed == []
    assert [s for _f, _r, m in inbox.received for s in [m["Subject"]]] == [
        "Thank you: Children and Young People Partnership return for 2025-26 Q1 accepted"
    ]
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


# --- what the server refuses for good -----------------------------------------------------


def test_an_address_refused_for_good_is_recorded_and_not_tried_again_on_the_next_pass(
    tmp_path, register, return_templates, smtp, caplog
):
    inbox, port = smtp
    inbox.refuse.add(CYP_EMAIL)
    ws = _workspace(tmp_path, register, return_templates, port)
    day = templates_out(Q1, ws.config.calendar)
    first = chase(ws.config, day)
    assert (first.refused, first.failed) == ([CYP_TEMPLATES_OUT], [CYP_TEMPLATES_OUT])
    assert len(first.sent) == len(register.partnerships) - 1  # the others are not held up
    with Store(ws.config.paths.database) as store:
        message = store.message(CYP_TEMPLATES_OUT)
    assert (message.status, message.recipients, message.attempts) == ("refused", CYP_EMAIL, 1)
    assert f"{CYP_EMAIL}: 550 5.1.1 No such mailbox" in message.last_error

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pipeline"):
        second = chase(ws.config, add_working_days(day, 1, ws.config.calendar.days_off))
    assert inbox.asked.count(CYP_EMAIL) == 1  # the server was not asked again
    assert (second.held, second.failed, second.sent) == ([CYP_TEMPLATES_OUT], [], [])
    [told] = [r for r in caplog.records if CYP_TEMPLATES_OUT in r.getMessage()]
    assert told.levelno == logging.INFO  # said loudly once, when it was refused; not a warning every pass
    assert f"refused it for {CYP_EMAIL} before" in told.getMessage()


def test_a_refused_message_is_sent_on_the_next_pass_once_the_address_is_corrected(
    tmp_path, register, return_templates, smtp
):
    inbox, port = smtp
    inbox.refuse.add(CYP_EMAIL)
    ws = _workspace(tmp_path, register, return_templates, port)
    day = templates_out(Q1, ws.config.calendar)
    chase(ws.config, day)
    _correct_email(ws, port, "CYP", "cyp.performance@brackenford.example.org")
    again = chase(ws.config, day)
    assert again.sent == [CYP_TEMPLATES_OUT]
    [subject] = [subject for rcpt, subject in _received(inbox) if rcpt == ["cyp.performance@brackenford.example.org"]]
    assert "Children and Young People Partnership" in subject
    with Store(ws.config.paths.database) as store:
        message = store.message(CYP_TEMPLATES_OUT)
    assert (message.status, message.recipients, message.attempts) == (
        "sent",
        "cyp.performance@brackenford.example.org",
        2,
    )


def test_a_temporary_refusal_is_tried_again_on_the_next_pass(tmp_path, register, return_templates, smtp):
    inbox, port = smtp
    inbox.refuse.add(CYP_EMAIL)
    inbox.refusal = "451 4.2.1 Mailbox busy, try again later"
    ws = _workspace(tmp_path, register, return_templates, port)
    day = templates_out(Q1, ws.config.calendar)
    first = chase(ws.config, day)
    assert (first.failed, first.refused) == ([CYP_TEMPLATES_OUT], [])
    with Store(ws.config.paths.database) as store:
        assert store.message(CYP_TEMPLATES_OUT).status == "failed"
    inbox.refuse.clear()  # the mailbox is free again
    second = chase(ws.config, day)
    assert second.sent == [CYP_TEMPLATES_OUT]
    assert inbox.asked.count(CYP_EMAIL) == 2


def test_chase_shows_a_refusal_with_exit_code_6_then_holds_it_back_quietly(tmp_path, register, return_templates, smtp):
    inbox, port = smtp
    inbox.refuse.add(CYP_EMAIL)
    ws = _workspace(tmp_path, register, return_templates, port)
    day = templates_out(Q1, ws.config.calendar).isoformat()
    code, out, err = run_cli(["--config", str(ws.config.source), "chase", "--date", day])
    assert code == 6
    assert f"REFUSED {CYP_TEMPLATES_OUT} (refused for good: see the error; not retried until its address" in out
    assert out.endswith("message(s) sent, 0 failed, 1 refused.\n")
    assert "ERROR: The mail server refused 2025-26-Q1/CYP/templates-out" in err
    assert "550 5.1.1 No such mailbox" in err and "Correct the address on the register's Partnerships sheet" in err
    assert "Traceback" not in err

    code, out, err = run_cli(["--config", str(ws.config.source), "-q", "chase", "--date", day])
    assert code == 0
    assert f"held    {CYP_TEMPLATES_OUT} (refused before; sent once the address is corrected)" in out
    assert err == ""  # nothing new to warn about

    code, out, _err = run_cli(["--config", str(ws.config.source), "status", "--period", "2025-26 Q1"])
    [cyp] = [line for line in out.splitlines() if line.startswith("CYP ")]
    assert "templates-out (refused)" in cyp


def test_feedback_refused_for_good_is_given_once_and_the_officer_is_told_what_to_do(
    tmp_path, register, return_templates, smtp
):
    inbox, port = smtp
    inbox.refuse.add(CYP_EMAIL)
    ws = _workspace(tmp_path, register, return_templates, port)
    ws.drop(ws.fill("cyp.xlsx", indicators={"CYP-01": IndicatorEntry(actual="twelve")}))
    run = ["--config", str(ws.config.source), "-q", "run", "--no-pdf", "--received", "2025-07-10T09:30"]
    code, _out, err = run_cli(run)
    assert code == 6  # the submitter was not told: more urgent than their return being rejected
    [told] = [line for line in err.splitlines() if "cyp.xlsx" in line]
    assert told.startswith("ERROR: The feedback on the return cyp.xlsx (CYP, 2025-26 Q1) was refused")
    assert f"{CYP_EMAIL}: 550 5.1.1 No such mailbox" in told
    assert f"from {ws.outbox / 'feedback' / '2025-26-Q1'} to the partnership by hand" in told
    assert "correct the address on the register's Partnerships sheet" in told
    with Store(ws.config.paths.database) as store:
        assert store.feedback_due() == []  # given: later passes do not redo it
        [message] = store.messages()
        assert (message.kind, message.status, message.recipients) == ("feedback", "refused", CYP_EMAIL)

    code, out, err = run_cli(run)
    assert (code, out, err) == (0, "Nothing new in the inbox.\n", "")
    assert inbox.asked == [CYP_EMAIL]


def test_run_exits_6_and_names_the_message_when_the_mail_server_is_down(tmp_path, register, return_templates):
    import io

    from pipeline.cli.app import main

    ws = _workspace(tmp_path, register, return_templates, free_port())  # nothing listens there
    ws.drop(ws.fill("cyp.xlsx"))
    out = io.StringIO()
    code = main(
        ["--config", str(ws.root / "config.toml"), "-q", "run", "--no-pdf", "--received", "2025-07-09T10:00"],
        stdout=out,
    )
    assert code == 6
    assert "ACCEPTED" in out.getvalue() and "MAIL" in out.getvalue() and "not sent" in out.getvalue()

    again = io.StringIO()  # nothing new arrives; the acknowledgement is still owed and still cannot go
    assert main(["--config", str(ws.root / "config.toml"), "-q", "run", "--no-pdf"], stdout=again) == 6
    assert "Nothing new" not in again.getvalue() and "not sent" in again.getvalue()


# -- one poisoned name, message or feedback never stops the others ---------------------------

CSP_EMAIL = "safer.brackenford@brackenford.example.org"
BOARD_OFFICER_EMAIL = "partnership.performance@brackenford.example.org"
POISONED = "CYP return\nQ2.xlsx"


def _run_argv(ws: Workspace) -> list[str]:
    return ["--config", str(ws.config.source), "-q", "run", "--no-pdf", "--received", "2025-07-10T09:30"]


def _mails(ws: Workspace) -> list[email.message.EmailMessage]:
    """The messages written to outbox/mail (the tests' config has mail.mode = "files")."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((ws.outbox / "mail").glob("*.eml"))
    ]


def _by_subject(ws: Workspace, start: str) -> list[email.message.EmailMessage]:
    return [m for m in _mails(ws) if m["Subject"].startswith(start)]


def _poisoned_and_two_good_returns(ws: Workspace) -> None:
    """A rejected CYP return named with a line break, which arrived first, then two good returns."""
    ws.drop(ws.fill("typo.xlsx", indicators={"CYP-05": {"actual": "twelve"}}), POISONED, age=7200)
    ws.submit("cyp.xlsx")
    ws.submit("csp.xlsx", short="CSP")


def test_a_return_named_with_a_line_break_is_quarantined_and_the_good_returns_are_acknowledged(workspace):
    ws = workspace
    _poisoned_and_two_good_returns(ws)
    code, out, err = run_cli([arg for arg in _run_argv(ws) if arg != "-q"])  # with the log's INFO lines
    assert code == 1, err  # a rejected return, nothing worse
    assert "REJECTED  CYP 2025-26 Q1   CYP return Q2.xlsx\n" in out
    assert sorted(m["To"] for m in _by_subject(ws, "Thank you")) == [CYP_EMAIL, CSP_EMAIL]
    [feedback] = _by_subject(ws, "Action needed")
    assert feedback["Subject"] == (
        "Action needed: Children and Young People Partnership return for 2025-26 Q1 could not be accepted"
    )
    [attachment] = feedback.iter_attachments()
    assert attachment.get_filename() == "CYP return Q2.feedback.xlsx"
    assert "(CYP return Q2.feedback.xlsx)" in feedback.get_body().get_content()
    [reason] = (ws.state / "quarantine").glob("*.reason.txt")
    assert reason.name.endswith("-CYP return Q2.xlsx.reason.txt")
    assert reason.read_text(encoding="utf-8").startswith('CYP return Q2.xlsx: CYP-05: "twelve" is not a number.')
    made = [*ws.state.rglob("*"), *ws.outbox.rglob("*")]
    assert not [p for p in made if "\n" in p.name]
    assert "INFO: CYP return Q2.xlsx: rejected" in err and "return\nQ2" not in err
    log = (ws.state / "logs" / "pipeline.log").read_text(encoding="utf-8")
    assert "CYP return Q2.xlsx: rejected" in log and "return\nQ2" not in log

    assert run_cli(_run_argv(ws)) == (0, "Nothing new in the inbox.\n", "")


def test_a_pipeline_wedged_by_a_poisoned_name_before_names_were_cleaned_recovers_on_its_next_pass(
    workspace, monkeypatch
):
    import pipeline.intake.ingest

    ws = workspace
    _poisoned_and_two_good_returns(ws)
    # The name went into the store, incoming/ and the quarantine as it came, as it did before.
    monkeypatch.setattr(pipeline.intake.ingest, "readable", lambda name: name)
    monkeypatch.setattr(pipeline.intake.ingest, "clean_name", lambda name: name, raising=False)
    with monkeypatch.context() as patched:
        import pipeline.chasing.notify

        patched.setattr(
            pipeline.chasing.notify.Notifier, "outcome", lambda *args: False
        )  # killed before telling anyone
        run_cli(_run_argv(ws))
    monkeypatch.undo()
    with ws.store() as store:
        assert any("\n" in f.name for f in store.files()), "the old pass stored the name as it came"

    code, _out, err = run_cli(_run_argv(ws))
    assert code == 0, err
    assert sorted(m["To"] for m in _by_subject(ws, "Thank you")) == [CYP_EMAIL, CSP_EMAIL]
    [feedback] = _by_subject(ws, "Action needed")
    [attachment] = feedback.iter_attachments()
    assert attachment.get_filename() == "CYP return Q2.feedback.xlsx"
    assert not [p for p in ws.outbox.rglob("*") if "\n" in p.name]


def test_a_message_that_cannot_be_built_is_named_and_retried_while_the_others_go(workspace, monkeypatch):
    import pipeline.chasing.sending

    ws = workspace
    _poisoned_and_two_good_returns(ws)
    real = pipeline.chasing.sending.build_email

    def faulty(message, **kwargs):
        if message.partnership == "CSP":
            raise RuntimeError("a fault in the pipeline")
        return real(message, **kwargs)

    monkeypatch.setattr(pipeline.chasing.sending, "build_email", faulty)
    code, out, err = run_cli(_run_argv(ws))
    assert code == 70  # a bug: reported, but only once everything else was done
    assert [m["To"] for m in _by_subject(ws, "Thank you")] == [CYP_EMAIL]
    assert len(_by_subject(ws, "Action needed")) == 1
    assert "MAIL      -                2025-26-Q1/CSP/acknowledgement-3: not sent" in out
    [said] = [line for line in err.splitlines() if "2025-26-Q1/CSP/acknowledgement-3" in line]
    assert said.startswith(
        "ERROR: Could not send 2025-26-Q1/CSP/acknowledgement-3 because of a fault in the "
        "pipeline (RuntimeError: a fault in the pipeline)"
    )
    assert "tried again on the next pass" in said and "Traceback" not in err
    log = (ws.state / "logs" / "pipeline.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "RuntimeError: a fault in the pipeline" in log

    monkeypatch.undo()
    code, out, err = run_cli(_run_argv(ws))
    assert (code, err) == (0, "")
    assert sorted(m["To"] for m in _by_subject(ws, "Thank you")) == [CYP_EMAIL, CSP_EMAIL]


def test_a_broken_feedback_template_holds_back_only_the_feedback(tmp_path, register, return_templates):
    import shutil

    from registers import TEMPLATES

    folder = shutil.copytree(TEMPLATES, tmp_path / "templates")
    (folder / "mail" / "feedback.txt").write_text("Subject: {{ no_such_thing }}\n", encoding="utf-8")
    ws = Workspace(
        tmp_path / "ws",
        register,
        return_templates,
        replace={f"templates = '{TEMPLATES.as_posix()}'": f"templates = '{folder.as_posix()}'"},
    )
    _poisoned_and_two_good_returns(ws)
    code, _out, err = run_cli(_run_argv(ws))
    assert code == 5
    assert "feedback.txt" in err and "no_such_thing" in err
    assert sorted(m["To"] for m in _by_subject(ws, "Thank you")) == [CYP_EMAIL, CSP_EMAIL]
    with Store(ws.config.paths.database) as store:
        assert len(store.feedback_due()) == 1, "given on a pass after the template is mended"


def test_feedback_that_cannot_be_written_is_named_and_retried_while_the_others_go(workspace, monkeypatch):
    import pipeline.outputs.feedback
    from pipeline.domain.errors import OutputError

    ws = workspace
    _poisoned_and_two_good_returns(ws)
    real = pipeline.outputs.feedback.write_summary

    def full(outbox, record, *args):
        if record.name == "csp.xlsx":
            raise OutputError("Could not write csp.feedback.txt: the disk is full.")
        return real(outbox, record, *args)

    monkeypatch.setattr(pipeline.outputs.feedback, "write_summary", full)
    code, out, err = run_cli(_run_argv(ws))
    assert code == 4
    assert [m["To"] for m in _by_subject(ws, "Thank you")] == [CYP_EMAIL]
    assert len(_by_subject(ws, "Action needed")) == 1
    assert "ERROR: Could not give feedback on csp.xlsx: Could not write csp.feedback.txt: the disk is full." in err
    assert "FAILED    -                csp.xlsx: feedback not given (the log says why); tried again next pass" in out

    monkeypatch.undo()
    assert run_cli(_run_argv(ws))[0] == 0
    assert sorted(m["To"] for m in _by_subject(ws, "Thank you")) == [CYP_EMAIL, CSP_EMAIL]


# -- an internal error while reading a file: the board officer is told, once -----------------


@pytest.mark.parametrize(
    "where, partnership",
    [
        ("check_return", "Children and Young People Partnership (CYP)"),  # recognised, then a fault in validation
        ("identify", "not known"),  # a fault before the file says whose it is
    ],
)
def test_a_file_that_could_not_be_checked_for_a_fault_in_the_pipeline_is_told_to_the_board_officer_once(
    workspace, monkeypatch, where, partnership
):
    import pipeline.intake.examine

    ws = workspace
    real, calls = getattr(pipeline.intake.examine, where), []

    def faulty_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("a bug in the pipeline")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.intake.examine, where, faulty_once)
    ws.drop(ws.fill("odd.xlsx"), age=7200)  # read first
    ws.submit("csp.xlsx", short="CSP")
    code, _out, err = run_cli(_run_argv(ws))
    assert code == 1, err
    [told] = [m for m in _mails(ws) if m["To"] == BOARD_OFFICER_EMAIL]
    assert told["Subject"] == "Pipeline fault: odd.xlsx could not be checked" + (
        "" if partnership == "not known" else " (Children and Young People Partnership, 2025-26 Q1)"
    )
    body = told.get_body().get_content()
    assert "File: odd.xlsx" in body.splitlines()
    assert [line for line in body.splitlines() if line.startswith(f"Partnership: {partnership}")]
    [kept] = (ws.state / "quarantine").glob("*-odd.xlsx")
    assert f"{kept}" in body and f"{kept}.reason.txt" in body
    assert "This file could not be checked because of a fault in the pipeline." in body
    [summary] = (ws.outbox / "feedback").rglob("*odd.feedback.txt")
    assert "the board officer has been told and will contact you" in summary.read_text(encoding="utf-8")
    assert [m["To"] for m in _by_subject(ws, "Thank you")] == [CSP_EMAIL]
    submitter = _by_subject(ws, "Action needed")
    if partnership == "not known":
        assert submitter == []  # nobody to write to: the officer is
    else:
        [feedback] = submitter
        assert "the board officer has been told and will contact you" in feedback.get_body().get_content()

    monkeypatch.undo()
    ws.drop(ws.fill("cyp.xlsx"))
    assert run_cli(_run_argv(ws))[0] == 0
    assert len([m for m in _mails(ws) if m["To"] == BOARD_OFFICER_EMAIL]) == 1, "told once"
    with Store(ws.config.paths.database) as store:
        [record] = [m for m in store.messages() if m.kind == "internal-error"]
        assert record.status == "sent"


# --- a return sent before its quarter ended -------------------------------------------------------


def test_a_part_quarter_return_is_still_reminded_until_the_same_file_comes_again_after_the_quarter(workspace):
    cal = workspace.config.calendar
    _chase_on(workspace.config, templates_out(Q1, cal))  # 23 June: templates out
    workspace.now = datetime(2025, 6, 25, 9, 0, tzinfo=UTC)  # an eager officer replies at once
    early = workspace.fill("cyp.xlsx")
    workspace.drop(early)
    [first] = run_once(workspace.config, now=lambda: workspace.now, pdf=False).ingest.outcomes
    assert first.verdict == "accepted"
    assert any(f.code == "period-not-ended" for f in first.findings)
    reminder_day = add_working_days(deadline(Q1, cal), -3, cal.days_off)
    reminded = _chase_on(workspace.config, reminder_day).sent
    assert any(key.startswith("2025-26-Q1/CYP/") for key in reminded), "a part quarter is not the quarter's return"

    workspace.now = datetime(2025, 7, 2, 9, 0, tzinfo=UTC)  # the quarter is over: the same file again
    workspace.drop(early, "cyp again.xlsx")
    [again] = run_once(workspace.config, now=lambda: workspace.now, pdf=False).ingest.outcomes
    assert again.verdict == "accepted", again.reason
    [note] = [f for f in again.findings if f.code == "period-not-ended"]
    assert "sent again: it now counts as the quarter's return" in note.message
    deadline_day = deadline(Q1, cal)
    assert not any(key.startswith("2025-26-Q1/CYP/") for key in _chase_on(workspace.config, deadline_day).sent)


def test_templates_made_ahead_on_another_day_are_made_again_with_the_deadline_of_the_day_they_go(workspace):
    from openpyxl import load_workbook

    # Made today, long after the day Q1's templates were due out: they give the deadline that would hold today.
    assert run_cli(["--config", str(workspace.config.source), "-q", "templates", "--period", str(Q1)])[0] == 0
    made = workspace.outbox / "templates" / Q1.slug / "CYP-return-2025-26-Q1.xlsx"

    def guidance() -> str:
        return " ".join(str(c.value) for (c,) in load_workbook(made)["Guidance"].iter_rows(max_col=1) if c.value)

    assert "Monday 21 July 2025" not in guidance()
    _chase_on(workspace.config, templates_out(Q1, workspace.config.calendar))  # sent on the calendar's day
    assert "Monday 21 July 2025" in guidance()
