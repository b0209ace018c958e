"""The returns mailbox, against a real Dovecot on 127.0.0.1: each spreadsheet attached to a new
message becomes one inbox file, with who sent it and when, and the message moves to Processed; the
mailbox's records kept on both back ends (SQLite and PostgreSQL)."""

from __future__ import annotations

import email
import io
import urllib.parse
import zipfile
from email import policy

import pytest
from mailbox_helpers import CSP, CYP, PASSWORD_ENV, fetch, inbox_names, letter, point_at

from pipeline.domain import mailbox as mb
from pipeline.domain.errors import MailboxError
from pipeline.intake.mailbox.imap import Conversation
from pipeline.runtime.cycle import run_once


@pytest.fixture
def store_url(both_backends: str) -> str:
    return both_backends


def mail_records(workspace):
    with workspace.store() as store:
        return store.mail_messages()


def sent_mail(workspace) -> list:
    """The messages the pipeline wrote (mail.mode = "files"), parsed."""
    folder = workspace.outbox / "mail"
    if not folder.is_dir():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def test_mailbox_is_off_unless_configured(workspace):
    assert not workspace.config.mailbox.enabled
    assert fetch(workspace).messages == []


def test_a_returned_workbook_is_taken_into_the_inbox_and_accepted_with_its_sender(box):
    workspace, server, user = box
    server.deliver(user, letter(attachments=[("CYP Q1 return.xlsx", workspace.fill().read_bytes())]))
    report = fetch(workspace)
    assert report.written == ["CYP Q1 return.xlsx"]
    assert inbox_names(workspace.inbox) == ["CYP Q1 return.xlsx"]
    assert server.uids(user) == [] and len(server.uids(user, "Processed")) == 1  # Processed made, message moved
    outcome = workspace.run().outcomes[0]
    assert (outcome.name, outcome.verdict) == ("CYP Q1 return.xlsx", "accepted")
    with workspace.store() as store:
        origin = store.mail_origin(outcome.file_id)
    assert (origin.sender, origin.subject, origin.date) == (CYP, "Our Q1 return", "2025-07-10T08:15:00Z")


def test_a_return_is_received_when_the_mail_server_received_it_not_when_the_pipeline_got_to_it(box):
    from datetime import UTC, datetime

    workspace, server, user = box
    arrived = datetime(2025, 7, 10, 8, 20, tzinfo=UTC)  # before the Q1 deadline
    server.deliver(user, letter(attachments=[("return.xlsx", workspace.fill().read_bytes())]), arrived=arrived)
    workspace.now = datetime(2025, 8, 4, 9, 0, tzinfo=UTC)  # the pipeline was down until after it
    fetch(workspace)
    outcome = workspace.run().outcomes[0]
    with workspace.store() as store:
        assert store.file(outcome.file_id).received_at == "2025-07-10T08:20:00Z"


def test_a_message_already_read_by_an_officer_is_still_taken(box):
    workspace, server, user = box
    server.deliver(user, letter(attachments=[("return.xlsx", workspace.fill().read_bytes())]), flags=r"\Seen")
    assert fetch(workspace).written == ["return.xlsx"]


def test_a_second_pass_takes_nothing_twice(box):
    workspace, server, user = box
    server.deliver(user, letter(attachments=[("return.xlsx", workspace.fill().read_bytes())]))
    fetch(workspace)
    workspace.run()
    assert fetch(workspace).written == []
    assert inbox_names(workspace.inbox) == []
    assert len(mail_records(workspace)) == 1


def test_two_attachments_with_one_name_never_overwrite_each_other(box):
    workspace, server, user = box
    first = workspace.fill("a.xlsx").read_bytes()
    second = workspace.fill("b.xlsx", short="CSP", cover={"email": CSP}).read_bytes()
    server.deliver(user, letter(attachments=[("return.xlsx", first)]))
    server.deliver(user, letter(sender=CSP, attachments=[("return.xlsx", second)]))
    fetch(workspace)
    assert inbox_names(workspace.inbox) == ["return (2).xlsx", "return.xlsx"]
    assert (workspace.inbox / "return.xlsx").read_bytes() == first
    assert (workspace.inbox / "return (2).xlsx").read_bytes() == second


def test_the_same_workbook_in_two_messages_is_a_duplicate_as_for_files(box):
    workspace, server, user = box
    data = workspace.fill().read_bytes()
    server.deliver(user, letter(attachments=[("return.xlsx", data)]))
    server.deliver(user, letter(subject="Resending", attachments=[("return.xlsx", data)]))
    fetch(workspace)
    verdicts = sorted(o.verdict for o in workspace.run().outcomes)
    assert verdicts == ["accepted", "duplicate"]


def test_spreadsheets_inside_a_zip_are_taken_and_a_zip_that_climbs_out_gives_none(box):
    workspace, server, user = box
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("returns/CYP return.xlsx", workspace.fill().read_bytes())
        archive.writestr("notes.txt", "not a return")
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../evil.xlsx", b"PK")
    server.deliver(user, letter(attachments=[("returns.zip", packed.getvalue())]))
    server.deliver(user, letter(subject="another", attachments=[("evil.zip", evil.getvalue())]))
    fetch(workspace)
    assert inbox_names(workspace.inbox) == ["CYP return.xlsx"]
    assert [m.outcome for m in mail_records(workspace)] == [mb.TAKEN, mb.NO_ATTACHMENT]
    assert not (workspace.root / "evil.xlsx").exists()


@pytest.mark.parametrize(
    ("attached", "written"),
    [
        ("../../../etc/cron.d/x.xlsx", "x.xlsx"),
        ("C:\\Users\\dan\\Desktop\\CYP.xlsx", "CYP.xlsx"),
        ("line\r\nbreak\x07.xlsx", "line break.xlsx"),
        (".hidden.xlsx", "hidden.xlsx"),
        ("~$lockfile.xlsx", "lockfile.xlsx"),
        ("r\u00e9sum\u00e9 \u2013 Q1.xlsx", "r\u00e9sum\u00e9 \u2013 Q1.xlsx"),
    ],
)
def test_attachment_names_are_made_safe_and_stay_in_the_inbox(box, attached, written):
    workspace, server, user = box
    # RFC 2231's percent-encoding carries any character, line breaks included, as a hostile sender's would.
    encoded = "filename*=utf-8''" + urllib.parse.quote(attached, safe="")
    raw = letter(attachments=[("placeholder.xlsx", workspace.fill().read_bytes())])
    server.deliver(user, raw.replace(b'filename="placeholder.xlsx"', encoded.encode("ascii")))
    fetch(workspace)
    assert inbox_names(workspace.inbox) == [written]


def test_a_name_encoded_by_rfc_2231_is_decoded(box):
    workspace, server, user = box
    data = workspace.fill().read_bytes()
    raw = letter(attachments=[("placeholder.xlsx", data)]).replace(
        b'filename="placeholder.xlsx"', b"filename*=utf-8''Pr%C3%BCfung%20Q1.xlsx"
    )
    server.deliver(user, raw)
    fetch(workspace)
    assert inbox_names(workspace.inbox) == ["Pr\u00fcfung Q1.xlsx"]


def test_a_forwarded_message_gives_up_its_workbook(box):
    workspace, server, user = box
    inner = email.message_from_bytes(letter(attachments=[("fwd.xlsx", workspace.fill().read_bytes())]))
    outer = email.message.EmailMessage()
    outer["From"] = CYP
    outer["Subject"] = "Fwd: return"
    outer.set_content("See below.")
    outer.add_attachment(inner)
    server.deliver(user, outer.as_bytes())
    fetch(workspace)
    assert inbox_names(workspace.inbox) == ["fwd.xlsx"]


def test_a_wrong_password_is_a_mailbox_error_and_the_inbox_is_still_taken(box, monkeypatch):
    workspace, _server, _user = box
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    workspace.submit()
    report = fetch(workspace)
    assert isinstance(report.failure, MailboxError)
    assert "refused the login" in str(report.failure)
    assert [o.verdict for o in workspace.run().outcomes] == ["accepted"]


def test_no_password_in_the_environment_says_which_variable(box, monkeypatch):
    workspace, _server, _user = box
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(MailboxError, match=PASSWORD_ENV):
        Conversation(workspace.config.mailbox).__enter__()


def test_a_run_takes_the_mailbox_first_and_acknowledges_the_sender_and_the_partnership(box):
    workspace, server, user = box
    officer = "someone.else@brackenford.example.org"
    server.deliver(user, letter(sender=officer, attachments=[("return.xlsx", workspace.fill().read_bytes())]))
    point_at(workspace, server, user, allowed_senders=("brackenford.example.org",))
    report = run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert [o.verdict for o in report.ingest.outcomes] == ["accepted"]
    acknowledgements = [m for m in sent_mail(workspace) if m["Subject"].startswith("Thank you")]
    assert len(acknowledgements) == 1
    assert {a.strip() for a in acknowledgements[0]["To"].split(",")} == {CYP, officer}


# -- who may send ------------------------------------------------------------------------------


def test_a_return_from_a_stranger_is_held_never_counted_and_the_board_officer_told(box):
    workspace, server, user = box
    stranger = "someone@elsewhere.example.com"
    server.deliver(user, letter(sender=stranger, attachments=[("return.xlsx", workspace.fill().read_bytes())]))
    report = run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert report.ingest.outcomes == [] and inbox_names(workspace.inbox) == []
    held = workspace.state / "quarantine" / "mail"
    assert [p.name.endswith("-return.xlsx") for p in held.glob("*.xlsx")] == [True]
    assert "is not on the register's Partnerships sheet" in next(held.glob("*.reason.txt")).read_text()
    told = sent_mail(workspace)
    assert [m["To"] for m in told] == [workspace.config.board_officer_email]
    assert told[0]["Subject"].startswith(f"Return held: {stranger} may not send returns")
    assert server.uids(user, "Processed")  # handled: not looked at again


def test_a_domain_in_allowed_senders_lets_its_people_send(box):
    workspace, server, user = box
    point_at(workspace, server, user, allowed_senders=("police.example.uk",))
    sender = "analyst@police.example.uk"
    server.deliver(user, letter(sender=sender, attachments=[("return.xlsx", workspace.fill().read_bytes())]))
    assert fetch(workspace).written == ["return.xlsx"]


def test_a_return_sent_from_another_partnerships_address_is_accepted_with_a_warning(box):
    workspace, server, user = box
    server.deliver(user, letter(sender=CSP, attachments=[("cyp.xlsx", workspace.fill().read_bytes())]))
    fetch(workspace)
    outcome = workspace.run().outcomes[0]
    assert outcome.verdict == "accepted"
    (warning,) = [f for f in outcome.findings if f.code == "sender-other-partnership"]
    assert warning.message == (f"This return for CYP was e-mailed by {CSP}, the address the register gives CSP.")


def test_status_and_the_master_workbook_say_who_emailed_the_return(box):
    from openpyxl import load_workbook
    from spoil import Q1

    from pipeline.chasing.status import period_status

    workspace, server, user = box
    server.deliver(user, letter(attachments=[("return.xlsx", workspace.fill().read_bytes())]))
    fetch(workspace)
    workspace.run()
    with workspace.store() as store:
        rows = period_status(workspace.config, workspace.register, store, Q1)
    cyp = next(r for r in rows if r.partnership == "CYP")
    assert (cyp.emailed_by, cyp.email_subject, cyp.email_sent) == (CYP, "Our Q1 return", "2025-07-10T08:15:00Z")
    sheet = load_workbook(workspace.master(Q1))["Submissions"]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[header.index("E-mailed by")] == CYP
    assert row[header.index("E-mail subject")] == "Our Q1 return"


# -- hostile mail: each gets a verdict, never a crash, never a file outside the inbox ----------


def answers(workspace) -> list[str]:
    return [m["Subject"] for m in sent_mail(workspace)]


def test_a_message_without_a_return_gets_a_short_reply_saying_what_to_send(box):
    workspace, server, user = box
    server.deliver(user, letter(subject="Question about Q1"))
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    (reply,) = sent_mail(workspace)
    assert reply["To"] == CYP
    assert reply["Subject"] == "Re: Question about Q1: no return attached"
    assert "filled-in return workbook (.xlsx) attached" in reply.get_content()
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert len(sent_mail(workspace)) == 1  # answered once


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"List-Id": "<partners.lists.example.org>"},
        {"Precedence": "bulk"},
        {"Return-Path": "<>"},
    ],
    ids=["auto-submitted", "mailing-list", "bulk", "null-sender"],
)
def test_automatic_mail_is_never_answered(box, headers):
    workspace, server, user = box
    server.deliver(user, letter(subject="Out of office", headers=headers))
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert sent_mail(workspace) == []
    assert [m.outcome for m in mail_records(workspace)] == [mb.IGNORED]
    assert server.uids(user) == []


def test_a_bounce_is_never_answered_nor_its_attachment_taken(box):
    workspace, server, user = box
    template = workspace.template().read_bytes()  # our own templates-out message, come back
    server.deliver(user, letter(sender="MAILER-DAEMON@mail.example.org", attachments=[("t.xlsx", template)]))
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert sent_mail(workspace) == [] and inbox_names(workspace.inbox) == []


def test_a_stranger_without_a_return_gets_no_reply(box):
    workspace, server, user = box
    server.deliver(user, letter(sender="spam@elsewhere.example.com", subject="Offer"))
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert sent_mail(workspace) == []


def test_winmail_dat_gets_a_reply_asking_for_the_workbook(box):
    workspace, server, user = box
    raw = letter(attachments=[("winmail.dat", b"\x78\x9f\x3e\x22 TNEF")])
    server.deliver(user, raw)
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    (reply,) = sent_mail(workspace)
    assert reply["Subject"] == "Re: Our Q1 return: please send the workbook again"
    assert "winmail.dat" in reply.get_content()


def test_an_oversized_message_is_not_downloaded_and_its_sender_told(box):
    workspace, server, user = box
    point_at(workspace, server, user, max_message_mb=1)
    server.deliver(user, letter(attachments=[("huge.xlsx", bytes(1_200_000))]))
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert inbox_names(workspace.inbox) == []
    assert answers(workspace) == ["Re: Our Q1 return: too large to take in"]


def test_hundreds_of_attachments_are_refused_whole(box):
    workspace, server, user = box
    data = workspace.fill().read_bytes()
    server.deliver(user, letter(attachments=[(f"r{n}.xlsx", data) for n in range(300)]))
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert inbox_names(workspace.inbox) == []
    assert answers(workspace) == ["Re: Our Q1 return: too many attachments"]
    assert [m.reason for m in mail_records(workspace)] == ["it has 300 spreadsheets"]


@pytest.mark.parametrize(
    "raw",
    [
        b"From: "
        + CYP.encode()
        + b"\r\nSubject: broken\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all\r\n",
        b"From: " + CYP.encode() + b'\r\nSubject: cut\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b'Content-Type: application/vnd.ms-excel; name="x.xls"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        b"!!!not base64!!!",
        b"\x00\xff\xfe garbage with no headers at all \r\n\r\n\x00",
        b"From: =?utf-8?q?broken=ZZ?= <" + CYP.encode() + b">\r\nSubject: =?bogus?x?y?=\r\nDate: yesterday\r\n\r\nhi",
    ],
    ids=["multipart-without-boundary", "bad-base64", "garbage", "broken-encoded-words"],
)
def test_malformed_mime_gets_a_verdict_and_never_a_crash(box, raw):
    workspace, server, user = box
    server.deliver(user, raw)
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    (record,) = mail_records(workspace)
    assert record.stage == mb.MOVED
    assert all(p.parent == workspace.inbox for p in workspace.inbox.rglob("*"))


def test_each_watch_pass_takes_the_mailbox_first(box):
    from pipeline.runtime.watch import Watcher

    workspace, server, user = box
    watcher = Watcher(workspace.config, pdf=False, now=lambda: workspace.now)
    server.deliver(user, letter(attachments=[("first.xlsx", workspace.fill("a.xlsx").read_bytes())]))
    watcher.inbox_job()
    server.deliver(
        user, letter(sender=CSP, attachments=[("second.xlsx", workspace.fill("b.xlsx", short="CSP").read_bytes())])
    )
    watcher.inbox_job()
    archived = sorted(p.name.rsplit("-", 1)[-1] for p in (workspace.state / "archive").rglob("*.xlsx"))
    assert archived == ["first.xlsx", "second.xlsx"]
    assert watcher.failures == 0


def test_an_emailed_file_that_is_no_return_gets_its_sender_the_feedback(box):
    workspace, server, user = box
    server.deliver(user, letter(attachments=[("budget.xlsx", b"this is no spreadsheet at all")]))
    report = run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert [o.verdict for o in report.ingest.outcomes] == ["rejected"]
    (reply,) = sent_mail(workspace)
    assert reply["To"] == CYP
    assert reply["Subject"] == "Re: Our Q1 return: budget.xlsx could not be taken as a return"
    assert "We could not take the attached budget.xlsx as a performance return:\r\n\r\n- " in reply.get_content()
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    assert len(sent_mail(workspace)) == 1
