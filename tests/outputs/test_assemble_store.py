"""A rejected return's details and an indicator's run of Reds, assembled from a real store: returns
filled as a person fills them, passes run over them, messages recorded as sent; on both back ends
(SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from docx import Document
from spoil import Q1, Q2, Workspace

from demo.fill import IndicatorEntry
from pipeline.outputs.assemble import PeriodReport, assemble
from pipeline.outputs.documents import write_documents
from pipeline.rating.rag import Rag


@pytest.fixture
def store_url(both_backends: str) -> str:
    return both_backends


RED_CYP_01 = IndicatorEntry(
    actual=12, data_quality="Validated", commentary="Twice the target.", remedial_action="A NEET tracking panel."
)


def _report(ws: Workspace, period) -> PeriodReport:
    with ws.store() as store:
        return assemble(ws.config, ws.register, store, period)


def _cyp(report: PeriodReport):
    return next(p for p in report.partnerships if p.partnership.short_name == "CYP")


def _sent(ws: Workspace, key: str, kind: str, period, sent_at: str) -> None:
    """Record a message as sent, as the mail step does once the server takes it."""
    with ws.store() as store:
        store.queue_message(
            key=key,
            kind=kind,
            partnership="CYP",
            period=str(period),
            recipients="cyp@example.org",
            subject=kind,
            created_at=sent_at,
        )
        store.message_sent(key, sent_at=sent_at)


def _rejected_q2_after_accepted_q1(ws: Workspace) -> None:
    ws.submit("q1.xlsx", period=Q1, indicators={"CYP-01": IndicatorEntry(actual=5.5, data_quality="Validated")})
    ws.run()
    ws.reporting(Q2)
    ws.submit("q2.xlsx", period=Q2, indicators={"CYP-05": {"actual": "lots"}})
    ws.run()


def test_a_rejected_return_after_an_accepted_one_gives_why_when_and_the_last_figures(workspace):
    _rejected_q2_after_accepted_q1(workspace)
    with workspace.store() as store:
        [rejected] = store.files(period=str(Q2))
    received = rejected.received_at
    assert received.startswith("2025-10-10T09:30"), received
    _sent(workspace, "feedback-q2", "feedback", Q2, "2025-10-10T10:00:00+00:00")
    _sent(workspace, "escalation-q2", "escalation", Q2, "2025-10-20T09:00:00+00:00")

    report = _report(workspace, Q2)
    cyp = _cyp(report)
    assert cyp.status.state == "rejected"
    assert cyp.status.rejected_attempts == 1
    rejection = cyp.rejection
    assert rejection is not None
    assert rejection.file_name.endswith("q2.xlsx")
    assert rejection.received_at == received
    assert any("CYP-05" in r and "lots" in r for r in rejection.reasons), rejection.reasons
    assert rejection.feedback_at == "2025-10-10T10:00:00+00:00"
    assert rejection.escalated_at == "2025-10-20T09:00:00+00:00"
    assert rejection.last_period == str(Q1)
    figures = {code: (actual, unit) for code, _title, actual, unit in rejection.last_figures}
    assert figures["CYP-01"] == (Decimal("5.5"), "%")
    assert figures["CYP-05"] == (Decimal(500), "count")
    assert "CYP-06" not in figures, "a six-monthly indicator has no Q1 figure"
    # Only the rejected partnership has one.
    assert all(p.rejection is None for p in report.partnerships if p is not cyp)


def test_a_rejected_return_with_no_feedback_or_escalation_yet_says_so(workspace):
    _rejected_q2_after_accepted_q1(workspace)
    # Feedback sent before this return arrived (on an earlier one) is not this return's.
    _sent(workspace, "feedback-old", "feedback", Q2, "2025-07-01T09:00:00+00:00")
    rejection = _cyp(_report(workspace, Q2)).rejection
    assert rejection is not None
    assert (rejection.feedback_at, rejection.escalated_at) == ("", "")
    assert rejection.last_period == str(Q1)


def test_a_first_return_rejected_has_no_last_figures(workspace):
    workspace.submit("q1.xlsx", period=Q1, indicators={"CYP-05": {"actual": "lots"}})
    workspace.run()
    rejection = _cyp(_report(workspace, Q1)).rejection
    assert rejection is not None
    assert (rejection.last_period, rejection.last_figures) == ("", ())


def test_an_accepted_correction_leaves_no_rejection(workspace):
    _rejected_q2_after_accepted_q1(workspace)
    workspace.submit("q2-again.xlsx", period=Q2)
    workspace.run()
    cyp = _cyp(_report(workspace, Q2))
    assert cyp.status.state == "accepted"
    assert cyp.rejection is None


def test_an_indicator_red_two_quarters_running_is_recommended_for_a_deep_dive(workspace, tmp_path):
    workspace.submit("q1.xlsx", period=Q1, indicators={"CYP-01": RED_CYP_01})
    workspace.run()
    workspace.reporting(Q2)
    workspace.submit("q2.xlsx", period=Q2, indicators={"CYP-01": RED_CYP_01})
    workspace.run()

    q1 = next(i for i in _cyp(_report(workspace, Q1)).indicators if i.indicator.code == "CYP-01")
    assert (q1.rag, q1.red_run) == (Rag.RED, 1)
    report = _report(workspace, Q2)
    by_code = {i.indicator.code: i for i in _cyp(report).indicators}
    assert (by_code["CYP-01"].rag, by_code["CYP-01"].red_run) == (Rag.RED, 2)
    assert by_code["CYP-03"].red_run == 0, "a Green indicator has no run"

    paths = write_documents(report, workspace.config, tmp_path / "out", pdf=False)
    paper = next(p for p in paths if p.name.startswith("board-paper"))
    text = "\n".join(p.text for p in Document(str(paper)).paragraphs)
    deep_dives = [line for line in text.splitlines() if "deep dive" in line]
    assert len(deep_dives) == 1, deep_dives
    assert "CYP-01 16-18 year olds not in education, employment or training (NEET)" in deep_dives[0]
    assert "rated Red for 2 quarters running" in deep_dives[0]


def test_a_green_quarter_between_reds_ends_the_run(workspace):
    workspace.submit("q1.xlsx", period=Q1, indicators={"CYP-01": RED_CYP_01})
    workspace.run()
    workspace.reporting(Q2)
    workspace.submit("q2.xlsx", period=Q2)
    workspace.run()
    by_code = {i.indicator.code: i for i in _cyp(_report(workspace, Q2)).indicators}
    assert by_code["CYP-01"].rag is Rag.GREEN
    assert by_code["CYP-01"].red_run == 0
