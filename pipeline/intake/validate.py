"""Validation of a recognised return: each cell read as people type it, each
problem a finding naming sheet, cell, value and fix.

Errors reject the return; warnings are listed in the acknowledgement and the
feedback report. Nothing here raises for a bad cell. Each sheet's checks are in
intake/checks/; this module finds the tables and assembles the submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pipeline.domain.findings import Finding, finding
from pipeline.domain.history import Submission
from pipeline.domain.records import Register
from pipeline.domain.settings import Config
from pipeline.intake.checks.areas import check_areas
from pipeline.intake.checks.cover import read_cover
from pipeline.intake.checks.indicators import check_indicators
from pipeline.intake.checks.plans import check_actions, check_risks
from pipeline.intake.read.reader import Sheet, Workbook
from pipeline.intake.recognise import Identity, find_table
from pipeline.returns import layout as T


@dataclass(frozen=True)
class Checked:
    submission: Submission | None
    findings: tuple[Finding, ...]


def check_return(
    book: Workbook,
    who: Identity,
    register: Register,
    config: Config,
    history: dict[str, list[tuple[str, Decimal]]],
    *,
    outdated: bool = False,
) -> Checked:
    """Read and validate every sheet of a recognised return; `outdated` when its template was made
    from an earlier register (rows added or retired since are then not the submitter's doing)."""
    findings: list[Finding] = []
    tables = []
    for name, headers, required in (
        (T.INDICATORS, T.INDICATOR_HEADERS + T.COUNT_HEADERS, ("Code",) + T.INDICATOR_INPUTS),
        (T.ACTIONS, T.ACTION_HEADERS, ("Ref", "Action", "Owner", "Due date") + T.ACTION_INPUTS),
        (T.RISKS, T.RISK_HEADERS, ("Ref", "Risk", "Owner") + T.RISK_INPUTS),
    ):
        table, problems = find_table(_required_sheet(book, name), headers, required)
        findings += problems
        tables.append(table)
    indicator_table, action_table, risk_table = tables
    if indicator_table is None or action_table is None or risk_table is None:
        return Checked(None, tuple(findings))
    short = who.partnership.short_name
    values = check_indicators(indicator_table, who, register, config, history, findings, outdated)
    values = check_areas(book, who, register, values, findings)
    actions = check_actions(action_table, who, register, findings)
    risks = check_risks(risk_table, who, register, findings)
    cover = read_cover(_required_sheet(book, T.COVER), findings)
    if not any(v.actual is not None for v in values) and not any(a.status for a in actions):
        findings.append(
            finding(
                "no-data",
                "The return has no figures and no action updates.",
                "Fill in the Actual column on the Indicators sheet and send it again.",
                sheet=T.INDICATORS,
            )
        )
    submission = Submission(
        partnership=short,
        period=str(who.period),
        template_version=who.version,
        completed_by=cover.text["Completed by"],
        email=cover.text["Email"],
        date_completed=cover.date_completed,
        signed_off=cover.signed_off,
        overall_commentary=cover.text["Overall commentary"],
        values=tuple(values),
        actions=tuple(actions),
        risks=tuple(risks),
        highlights=cover.highlights,
    )
    return Checked(submission, tuple(findings))


def _required_sheet(book: Workbook, name: str) -> Sheet:
    sheet = book.sheet(name)
    # identify() finds an error in a return without each of T.REQUIRED_SHEETS, and such a return is not checked.
    assert sheet is not None, f"{name} sheet missing from a recognised return"
    return sheet
