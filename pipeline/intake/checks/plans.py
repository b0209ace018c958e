"""The Actions and Risks sheets: each action's status and progress, each risk's scores."""

from __future__ import annotations

from datetime import date

from pipeline.domain.findings import Finding, finding
from pipeline.domain.history import ActionUpdate, RiskUpdate
from pipeline.domain.records import Register
from pipeline.domain.text import header_key, parse_text
from pipeline.domain.values import BLANK, DATE, parse_date, parse_number
from pipeline.intake.checks.cells import read_text
from pipeline.intake.recognise import Identity, Table
from pipeline.returns import layout as T

_DONE = ("complete", "cancelled")


def check_actions(table: Table, who: Identity, register: Register, findings: list[Finding]) -> list[ActionUpdate]:
    """Each action's update, new actions included, keyed by ref (a repeated ref keeps its last row)."""
    sheet = table.sheet.name
    known = {a.ref.casefold(): a for a in register.actions_of(who.partnership.short_name)}
    statuses = {header_key(s): s for s in T.ACTION_STATUSES}
    updates: dict[str, ActionUpdate] = {}
    for row in table.data_rows():
        ref = parse_text(table.cell(row, "Ref"))
        text = read_text(table, row, "Action", findings)
        status_text = parse_text(table.cell(row, "Status"))
        percent_raw = table.cell(row, "% complete")
        commentary = read_text(table, row, "Commentary", findings)
        if not (ref or text) or (ref.casefold() not in known and not (text or status_text)):
            continue
        action = known.get(ref.casefold())
        status = statuses.get(header_key(status_text))
        if status is None:
            findings.append(
                finding(
                    "bad-status" if status_text else "no-action-update",
                    f"Action {ref or text[:40]!r}: status {status_text!r} is not one of the choices."
                    if status_text
                    else f"Action {ref or text[:40]!r} has no status update.",
                    f"Pick one of: {', '.join(T.ACTION_STATUSES)}.",
                    sheet=sheet,
                    cell=table.a1(row, "Status"),
                    value=status_text,
                )
            )
            status = ""
        # 40% typed in Excel is kept as 0.4 in a percent-formatted cell: read as 40 there.
        percent = parse_number(
            percent_raw, "%", percent_format=table.sheet.percent_formatted(row, table.columns["% complete"])
        )
        if percent.kind not in (BLANK,) and (percent.number is None or not 0 <= percent.number <= 100):
            findings.append(
                finding(
                    "bad-percent-complete",
                    f"Action {ref or text[:40]!r}: % complete {parse_text(percent_raw)!r} "
                    + ("is outside 0 to 100." if percent.number is not None else "is not a number."),
                    "Type a number from 0 to 100, e.g. 40 for 40%.",
                    sheet=sheet,
                    cell=table.a1(row, "% complete"),
                    value=parse_text(percent_raw),
                )
            )
        due = action.due if action else _date(table.cell(row, "Due date"))
        if due and due < who.period.end and status.casefold() not in _DONE:
            findings.append(
                finding(
                    "action-overdue",
                    f"Action {ref or text[:40]!r} was due {due:%d/%m/%Y} and is not complete.",
                    "Say in Commentary why it is late and by when it will be done (the due date itself "
                    "stays as the register has it).",
                    sheet=sheet,
                    cell=table.a1(row, "Status"),
                    value=status,
                )
            )
        new_ref = ref or f"{who.partnership.short_name}-NEW-A{len(updates) + 1}"
        updates[new_ref.casefold()] = ActionUpdate(
            ref=action.ref if action else new_ref,
            action=action.action if action else text,
            owner=action.owner if action else parse_text(table.cell(row, "Owner")),
            due=due.isoformat() if due else None,
            status=status,
            percent_complete=percent.number if percent.number is not None and 0 <= percent.number <= 100 else None,
            commentary=commentary,
            is_new=action is None,
        )
    return list(updates.values())


def _date(raw: object) -> date | None:
    parsed = parse_date(raw)
    return parsed.value if parsed.kind == DATE else None


def check_risks(table: Table, who: Identity, register: Register, findings: list[Finding]) -> list[RiskUpdate]:
    """Each risk's update, new risks included, keyed by ref (a repeated ref keeps its last row)."""
    sheet = table.sheet.name
    known = {r.ref.casefold(): r for r in register.risks_of(who.partnership.short_name)}
    updates: dict[str, RiskUpdate] = {}
    for row in table.data_rows():
        ref = parse_text(table.cell(row, "Ref"))
        text = read_text(table, row, "Risk", findings)
        if not (ref or text) or (ref.casefold() not in known and not text):
            continue
        risk = known.get(ref.casefold())
        scores: dict[str, int | None] = {}
        for label in ("Likelihood (1-5)", "Impact (1-5)"):
            raw = table.cell(row, label)
            number = parse_number(raw).number
            good = number is not None and number == number.to_integral_value() and 1 <= number <= 5
            if not good:
                findings.append(
                    finding(
                        "bad-likelihood-impact",
                        f"Risk {ref or text[:40]!r}: {label.split(' ')[0].lower()} "
                        f"{parse_text(raw)!r} is not a whole number from 1 to 5.",
                        "Pick 1, 2, 3, 4 or 5.",
                        sheet=sheet,
                        cell=table.a1(row, label),
                        value=parse_text(raw),
                    )
                )
            scores[label] = None if number is None or not good else int(number)
        new_ref = ref or f"{who.partnership.short_name}-NEW-R{len(updates) + 1}"
        updates[new_ref.casefold()] = RiskUpdate(
            ref=risk.ref if risk else new_ref,
            risk=risk.risk if risk else text,
            owner=risk.owner if risk else parse_text(table.cell(row, "Owner")),
            likelihood=scores["Likelihood (1-5)"],
            impact=scores["Impact (1-5)"],
            mitigation=read_text(table, row, "Mitigation", findings),
            commentary=read_text(table, row, "Commentary", findings),
            is_new=risk is None,
        )
    return list(updates.values())
