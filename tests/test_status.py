"""`pipeline status`'s Last message column: the right kind, and the acknowledgement once a return is in."""

from __future__ import annotations

from pipeline.status import last_message
from pipeline.store import MessageRecord


def _message(key: str, kind: str, sent_at: str, status: str = "sent") -> MessageRecord:
    return MessageRecord(key=f"2025-26-Q2/HSG/{key}", kind=kind, partnership="HSG", period="2025-26 Q2",
                         recipients="housing@example.org", subject="", created_at=sent_at, sent_at=sent_at,
                         status=status, attempts=1, last_error="", location="")


def test_an_escalation_sent_in_the_same_pass_as_a_reminder_is_shown_as_the_escalation():
    at = "2025-10-28T09:00:00Z"
    messages = [_message("overdue-3", "reminder", at), _message("escalation", "escalation", at)]
    assert last_message(messages, returned=False) == "escalation (sent) 2025-10-28"


def test_feedback_on_a_later_file_does_not_hide_the_accepted_returns_acknowledgement():
    messages = [_message("templates-out", "templates-out", "2025-09-23T09:00:00Z"),
                _message("acknowledgement-29", "acknowledgement", "2025-10-20T10:00:00Z"),
                _message("feedback-31", "feedback", "2025-10-22T11:00:00Z")]
    assert last_message(messages, returned=True) == (
        "acknowledgement (sent) 2025-10-20; then feedback on a later file (sent) 2025-10-22")


def test_without_an_accepted_return_the_latest_message_is_shown():
    messages = [_message("feedback-27", "feedback", "2025-10-20T10:00:00Z"),
                _message("escalation", "escalation", "2025-10-28T09:00:00Z", status="failed")]
    assert last_message(messages, returned=False) == "escalation (failed) 2025-10-28"


def test_no_messages_show_nothing():
    assert last_message([], returned=False) == ""
