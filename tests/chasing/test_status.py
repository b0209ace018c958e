"""`pipeline status`'s Last message column: the right kind, and the acknowledgement once a return is in."""

from __future__ import annotations

from datetime import UTC

from pipeline.chasing.status import last_message
from pipeline.domain.history import MessageRecord


def _message(key: str, kind: str, sent_at: str, status: str = "sent") -> MessageRecord:
    return MessageRecord(
        key=f"2025-26-Q2/HSG/{key}",
        kind=kind,
        partnership="HSG",
        period="2025-26 Q2",
        recipients="housing@example.org",
        subject="",
        created_at=sent_at,
        sent_at=sent_at,
        status=status,
        attempts=1,
        last_error="",
        location="",
    )


def test_an_escalation_sent_in_the_same_pass_as_a_reminder_is_shown_as_the_escalation():
    at = "2025-10-28T09:00:00Z"
    messages = [_message("overdue-3", "reminder", at), _message("escalation", "escalation", at)]
    assert last_message(messages, returned=False) == "escalation (sent) 28/10/2025"


def test_feedback_on_a_later_file_does_not_hide_the_accepted_returns_acknowledgement():
    messages = [
        _message("templates-out", "templates-out", "2025-09-23T09:00:00Z"),
        _message("acknowledgement-29", "acknowledgement", "2025-10-20T10:00:00Z"),
        _message("feedback-31", "feedback", "2025-10-22T11:00:00Z"),
    ]
    assert last_message(messages, returned=True) == (
        "acknowledgement (sent) 20/10/2025; then feedback on a later file (sent) 22/10/2025"
    )


def test_without_an_accepted_return_the_latest_message_is_shown():
    messages = [
        _message("feedback-27", "feedback", "2025-10-20T10:00:00Z"),
        _message("escalation", "escalation", "2025-10-28T09:00:00Z", status="failed"),
    ]
    assert last_message(messages, returned=False) == "escalation (failed) 28/10/2025"


def test_no_messages_show_nothing():
    assert last_message([], returned=False) == ""


def test_the_table_shows_times_and_days_as_people_in_the_uk_saw_them():
    from datetime import date

    from pipeline.chasing.status import StatusRow, render
    from pipeline.domain.periods import Period

    late_evening = "2025-10-20T23:30:00Z"  # 00:30 BST on the 21st
    row = StatusRow(
        **{
            **dict.fromkeys(StatusRow.__dataclass_fields__, ""),
            "partnership": "HSG",
            "indicators_due": 6,
            "state": "accepted",
            "received_at": late_evening,
            "completeness": 100,
            "outstanding_actions": 0,
            "rejected_attempts": 0,
            "last_message": last_message(
                [_message("acknowledgement-1", "acknowledgement", late_evening)], returned=True
            ),
        }
    )
    table = render([row], "table", Period(2025, 2), date(2025, 10, 21))
    assert "21/10/2025 00:30" in table and "acknowledgement (sent) 21/10/2025" in table
    as_json = render([row], "json", Period(2025, 2), date(2025, 10, 21))
    assert row.received_at in as_json and '"deadline": "2025-10-21"' in as_json, "machines get ISO times"


def test_a_name_typed_as_a_formula_stays_text_in_the_csv(workspace):
    import csv
    import io
    from datetime import date

    from spoil import Q1

    from pipeline.chasing.status import period_status, render

    workspace.submit("cyp.xlsx", cover={"completed_by": '=HYPERLINK("http://evil.example","Daniel")'})
    [warned] = [f for f in workspace.run().outcomes[0].findings if f.code == "formula-text"]
    assert (warned.sheet, warned.cell) == ("Cover", "B5")
    with workspace.store() as store:
        rows = period_status(workspace.config, workspace.register, store, Q1, today=date(2025, 7, 11))
    out = render(rows, "csv", Q1, date(2025, 7, 21))
    [cyp] = [r for r in csv.DictReader(io.StringIO(out)) if r["partnership"] == "CYP"]
    assert cyp["completed_by"] == '\'=HYPERLINK("http://evil.example","Daniel")'


def test_a_return_still_missing_after_its_deadline_shows_as_overdue(workspace):
    from datetime import date

    from spoil import Q1

    from pipeline.chasing.status import period_status

    workspace.templates_went_out("CSP", Q1, "2025-06-23T09:00:00Z")  # on the calendar's day
    workspace.submit("cyp.xlsx")
    workspace.run()
    with workspace.store() as store:
        before = {
            r.partnership: r.on_time
            for r in period_status(workspace.config, workspace.register, store, Q1, today=date(2025, 7, 21))
        }
        after = {
            r.partnership: r.on_time
            for r in period_status(workspace.config, workspace.register, store, Q1, today=date(2025, 7, 22))
        }
    assert (before["CYP"], before["CSP"]) == ("on time", "")
    assert (after["CYP"], after["CSP"]) == ("on time", "overdue")


def test_a_correction_after_the_deadline_shows_when_the_first_return_came(workspace):
    from datetime import date, datetime

    from spoil import Q1

    from pipeline.chasing.status import period_status

    workspace.submit("cyp.xlsx")  # 10 July, on time
    workspace.run()
    workspace.now = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)
    workspace.submit("cyp v2.xlsx", indicators={"CYP-05": {"actual": 501}})
    workspace.run()
    with workspace.store() as store:
        [cyp] = [
            r
            for r in period_status(workspace.config, workspace.register, store, Q1, today=date(2025, 8, 21))
            if r.partnership == "CYP"
        ]
    assert cyp.received_at.startswith("2025-08-20")
    assert cyp.on_time == "on time (first return 10/07/2025)"


def test_the_header_says_whose_deadline_moved_because_their_template_went_out_late(workspace):
    from datetime import date

    from spoil import Q1

    from pipeline.chasing.status import period_status, render
    from pipeline.domain.calendar import deadline, deadline_for

    workspace.templates_went_out("CYP", Q1, "2025-07-14T09:00:00Z")  # a week before the published deadline
    with workspace.store() as store:
        rows = period_status(workspace.config, workspace.register, store, Q1, today=date(2025, 7, 28))
    table = render(rows, "table", Q1, deadline(Q1, workspace.config.calendar))
    moved = deadline_for(Q1, workspace.config.calendar, date(2025, 7, 14))
    assert table.startswith(
        f"Returns for 2025-26 Q1, due by 21/07/2025 (CYP by {moved:%d/%m/%Y}: its template went out late)"
    )
    assert {r.partnership: r.deadline for r in rows}["CYP"] == moved.isoformat()
    assert {r.partnership: r.on_time for r in rows}["CYP"] == "", "not overdue against its own deadline"


def test_before_its_templates_went_out_a_missing_return_is_not_overdue_but_templates_not_yet_sent(workspace):
    from datetime import date

    from spoil import Q1

    from pipeline.chasing.status import period_status

    with workspace.store() as store:
        rows = period_status(workspace.config, workspace.register, store, Q1, today=date(2025, 7, 22))
    assert {r.partnership: r.on_time for r in rows}["CSP"] == "templates not yet sent"


def test_a_return_sent_before_the_quarter_ended_is_part_quarter_until_a_full_one_comes(workspace):
    from datetime import date, datetime

    from spoil import Q1

    from pipeline.chasing.status import period_status, render

    workspace.now = datetime(2025, 6, 27, 9, 0, tzinfo=UTC)  # Q1 ends on 30 June
    workspace.submit("cyp-early.xlsx")
    workspace.run()
    with workspace.store() as store:
        [early] = [
            r
            for r in period_status(workspace.config, workspace.register, store, Q1, today=date(2025, 7, 1))
            if r.partnership == "CYP"
        ]
    assert (early.state, early.part_quarter, early.on_time) == ("accepted", True, "full return due 21/07/2025")
    assert "accepted, part quarter" in render([early], "table", Q1, date(2025, 7, 21))
    with workspace.store() as store:
        assert all(h.source.endswith("(part quarter)") for h in store.history())  # the History sheet, the export
    workspace.now = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)  # after the deadline
    workspace.submit("cyp-full.xlsx")
    workspace.run()
    with workspace.store() as store:
        [full] = [
            r
            for r in period_status(workspace.config, workspace.register, store, Q1, today=date(2025, 7, 25))
            if r.partnership == "CYP"
        ]
    assert (full.part_quarter, full.on_time) == (False, "late")  # judged by the first full return, not the early one
