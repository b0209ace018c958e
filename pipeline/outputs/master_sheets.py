"""The master workbook's sheets of plans and process: exceptions, gaps, actions, risks, returns
and findings, each a function over `Sheets`.
"""

from __future__ import annotations

from pipeline.domain.calendar import part_quarter
from pipeline.outputs.assemble import PeriodReport
from pipeline.outputs.docx_context import travel
from pipeline.outputs.master_book import GAP_COLUMNS, WRAP_WIDTH, Sheets, figure


def exceptions_sheet(s: Sheets, report: PeriodReport) -> None:
    rows = []
    for p in report.partnerships:
        for i in p.exceptions:
            unit = i.indicator.unit
            rows.append(
                [
                    p.partnership.name,
                    i.indicator.code,
                    i.indicator.title,
                    s.figure(i.target, unit),
                    s.figure(i.actual, unit),
                    i.part_quarter,
                    (i.rag.value, s.rag[i.rag]),
                    travel(i.dot_previous),
                    i.commentary,
                    i.remedial_action,
                    i.indicator.target_lead,
                ]
            )
    s.table(
        "Exceptions",
        (
            "Partnership",
            "Code",
            "Indicator",
            "Target this period",
            "Actual",
            "Part quarter",
            "RAG",
            "Direction of travel",
            "Commentary",
            "Remedial action",
            "Target lead",
        ),
        rows,
        {
            "Partnership": WRAP_WIDTH,
            "Indicator": 40,
            "Commentary": 45,
            "Remedial action": 45,
            "Target lead": 18,
            "Direction of travel": 16,
            "Part quarter": 9,
        },
    )


def gap_side(area_behind: bool | None) -> str:
    """Whether the area does better or worse than the area it is compared with, in words."""
    return {True: "Behind", False: "Ahead", None: ""}[area_behind]


def gaps_sheet(s: Sheets, report: PeriodReport) -> None:
    rows = []
    for p in report.partnerships:
        for i in p.indicators:
            unit = i.indicator.unit
            for g in i.gaps:
                rows.append(
                    [
                        p.partnership.name,
                        i.indicator.code,
                        i.indicator.title,
                        i.indicator.unit,
                        i.indicator.polarity.value,
                        g.area,
                        s.figure(g.area_value, unit),
                        g.compared_with,
                        s.figure(g.compared_value, unit),
                        s.figure(g.result.now, unit),
                        gap_side(g.result.area_behind),
                        g.before_period,
                        s.figure(g.result.before, unit),
                        g.trend_words,
                        s.figure(g.limits[0] if g.limits else None, unit),
                        s.figure(g.limits[1] if g.limits else None, unit),
                        "" if g.change_significant is None else ("Yes" if g.change_significant else "No"),
                    ]
                )
    s.table(
        "Gaps",
        GAP_COLUMNS,
        rows,
        {
            "Partnership": WRAP_WIDTH,
            "Indicator": 40,
            "Area": 24,
            "Compared with": 20,
            "Compared with report": 14,
            "Gap trend": 16,
            "Change significant": 12,
        },
    )


def actions_sheet(s: Sheets, report: PeriodReport) -> None:
    rows = []
    for p in report.partnerships:
        for a in p.actions:
            r = a.rating
            rows.append(
                [
                    p.partnership.name,
                    a.ref,
                    a.action,
                    a.owner,
                    (a.due, s.day) if a.due else "",
                    figure(a.percent_complete, s.numbers["%"]),
                    figure(r.expected_percent, s.numbers["%"]),
                    (r.rating.value, s.fill(r.rating.colour)),
                    r.reported_status,
                    r.reason,
                    a.commentary,
                    "Yes" if a.is_new else "No",
                ]
            )
    s.table(
        "Actions",
        (
            "Partnership",
            "Ref",
            "Action",
            "Owner",
            "Due date",
            "% complete",
            "% expected",
            "Computed status",
            "Reported status",
            "Why",
            "Commentary",
            "New",
        ),
        rows,
        {"Partnership": WRAP_WIDTH, "Action": 45, "Commentary": 40, "Why": 30, "Owner": 18, "Computed status": 14},
    )


def risks_sheet(s: Sheets, report: PeriodReport) -> None:
    band_colour = {"Low": "#A9D08E", "Medium": "#FFD966", "High": "#FF8B8B"}
    rows = []
    for p in report.partnerships:
        for r in p.risks:
            rows.append(
                [
                    p.partnership.name,
                    r.ref,
                    r.risk,
                    r.owner,
                    r.likelihood,
                    r.impact,
                    r.score,
                    (r.band.value, s.fill(band_colour.get(r.band.value, "#D9D9D9"))),
                    r.previous_score,
                    r.movement.value,
                    r.mitigation,
                    r.commentary,
                ]
            )
    s.table(
        "Risks",
        (
            "Partnership",
            "Ref",
            "Risk",
            "Owner",
            "Likelihood",
            "Impact",
            "Score",
            "Band",
            "Previous score",
            "Movement",
            "Mitigation",
            "Commentary",
        ),
        rows,
        {"Partnership": WRAP_WIDTH, "Risk": 40, "Mitigation": 40, "Commentary": 40, "Owner": 18},
    )


def submissions_sheet(s: Sheets, report: PeriodReport) -> None:
    rows = [
        [
            x.partnership,
            x.file_name,
            s.moment(x.received_at),
            x.completed_by,
            x.email,
            s.calendar_day(x.date_completed),
            "Yes" if x.signed_off else "No",
            "Yes" if x.counts else "No (superseded)",
            # Sent before the quarter ended: it counts, but the full return is still owed.
            part_quarter(report.period, x.received_at),
            x.highlights.achievements,
            x.highlights.next_quarter,
            x.highlights.issues_for_board,
            x.highlights.overall_status,
            *_emailed(report.mail_origins.get(x.file_id), s),
        ]
        for x in report.submissions
    ]
    s.table(
        "Submissions",
        (
            "Partnership",
            "File",
            "Received at",
            "Completed by",
            "Email",
            "Date completed",
            "Signed off",
            "Counts",
            "Part quarter",
            # The Cover's optional highlight answers, in the Cover's order: blank where not given.
            "Key achievements",
            "Plans for next quarter",
            "Issues and decisions for the board",
            "Overall status",
            "E-mailed by",
            "E-mail subject",
            "E-mail sent",
        ),
        rows,
        {
            "File": 36,
            "Key achievements": 40,
            "Plans for next quarter": 40,
            "Issues and decisions for the board": 40,
            "Overall status": 14,
            "Email": 30,
            "Received at": 20,
            "Part quarter": 9,
            "E-mailed by": 30,
            "E-mail subject": 36,
            "E-mail sent": 20,
        },
    )


def _emailed(origin, s: Sheets) -> list:
    """Who e-mailed the return to the mailbox, the message's subject and when it was sent; blank for a file put
    in the inbox by hand."""
    if origin is None:
        return ["", "", ""]
    return [origin.sender, origin.subject, s.moment(origin.date) if origin.date else ""]


def validation_sheet(s: Sheets, report: PeriodReport) -> None:
    rows = [
        [
            f.file_name,
            f.partnership,
            f.verdict,
            f.finding.severity,
            f.finding.where,
            f.finding.code,
            f.finding.value,
            f.finding.message,
            f.finding.fix,
        ]
        for f in report.findings
    ]
    s.table(
        "Validation",
        ("File", "Partnership", "Verdict", "Severity", "Where", "Code", "Value", "Message", "Fix"),
        rows,
        {"File": 36, "Message": 50, "Fix": 40, "Where": 18},
    )
