"""Validation of a recognised return: each cell read as people type it, each
problem a finding naming sheet, cell, value and fix.

Errors reject the return; warnings are listed in the acknowledgement and the
feedback report. Nothing here raises for a bad cell.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

from pipeline.domain.findings import Finding, finding
from pipeline.domain.history import ActionUpdate, IndicatorValue, RiskUpdate, Submission
from pipeline.domain.periods import Period, parse_period
from pipeline.domain.records import NON_NEGATIVE_UNITS, Frequency, Indicator, Register
from pipeline.domain.settings import Config
from pipeline.domain.values import (
    AMBIGUOUS,
    BLANK,
    DATE,
    INVALID,
    NOT_AVAILABLE,
    Parsed,
    implausible,
    looks_like_formula,
    parse_date,
    parse_number,
    parse_text,
    parse_yes_no,
)
from pipeline.intake.read.reader import Workbook
from pipeline.intake.recognise import Identity, Table, find_table
from pipeline.rating.rag import rate
from pipeline.register.workbook import header_key
from pipeline.returns import layout as T

NOT_AVAILABLE_QUALITY = "Not available"
_DONE = ("complete", "cancelled")
# The outlier check compares every history entry of every indicator with the return's period:
# a few dozen period names, parsed thousands of times per pass without this cache.
_period = lru_cache(maxsize=1024)(parse_period)


@lru_cache(maxsize=64)
def _name(period: Period) -> str:
    return str(period)


@lru_cache(maxsize=64)
def _last_year(period: Period) -> str:
    return str(period.same_last_year())


_QUALITIES = {header_key(q): q for q in T.DATA_QUALITY}  # folded choice -> the choice as the template spells it


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
    tables = {}
    for name, headers, required in (
        (T.INDICATORS, T.INDICATOR_HEADERS, ("Code",) + T.INDICATOR_INPUTS),
        (T.ACTIONS, T.ACTION_HEADERS, ("Ref", "Action", "Owner", "Due date") + T.ACTION_INPUTS),
        (T.RISKS, T.RISK_HEADERS, ("Ref", "Risk", "Owner") + T.RISK_INPUTS),
    ):
        table, problems = find_table(book.sheet(name), headers, required)
        findings += problems
        tables[name] = table
    if any(t is None for t in tables.values()):
        return Checked(None, tuple(findings))
    short = who.partnership.short_name
    values = _indicators(tables[T.INDICATORS], who, register, config, history, findings, outdated)
    values = _areas(book, who, register, values, findings)
    actions = _actions(tables[T.ACTIONS], who, register, findings)
    risks = _risks(tables[T.RISKS], who, register, findings)
    cover = _cover(book, findings)
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
        completed_by=cover["Completed by"],
        email=cover["Email"],
        date_completed=cover["Date completed"],
        signed_off=cover["Signed off by chair (Yes/No)"] == "Yes",
        overall_commentary=cover["Overall commentary"],
        values=tuple(values),
        actions=tuple(actions),
        risks=tuple(risks),
    )
    return Checked(submission, tuple(findings))


def _text(table: Table, row: int, label: str, findings: list[Finding]) -> str:
    text = parse_text(table.cell(row, label))
    # Only '=' and '@' read as formulas to a person; a bullet like '- fewer referrals' is just text.
    if text and looks_like_formula(text) and text.lstrip()[:1] in ("=", "@", "\uff1d", "\uff20"):
        findings.append(
            finding(
                "formula-text",
                f"{label} starts with {text[:1]!r}, like a formula; it is kept as plain text.",
                "No action is needed unless you meant something else.",
                sheet=table.sheet.name,
                cell=table.a1(row, label),
                value=text[:80],
            )
        )
    return text


def _indicators(
    table: Table,
    who: Identity,
    register: Register,
    config: Config,
    history: dict[str, list[tuple[str, Decimal]]],
    findings: list[Finding],
    outdated: bool = False,
) -> list[IndicatorValue]:
    sheet = table.sheet.name
    mine = {i.code.casefold(): i for i in register.indicators_of(who.partnership.short_name)}
    due = {c for c, i in mine.items() if i.frequency.due_in(who.period.quarter)}
    seen: set[str] = set()
    values = []
    for row in table.data_rows():
        code = parse_text(table.cell(row, "Code"))
        if not code:
            continue
        indicator = mine.get(code.casefold())
        where = {"sheet": sheet, "cell": table.a1(row, "Code"), "value": code}
        if indicator is None and outdated:
            findings.append(
                finding(
                    "retired-indicator",
                    f"{code} is no longer one of {who.partnership.short_name}'s indicators in the "
                    "register, so its figure was not used.",
                    "Nothing to do: the register changed after this template was made.",
                    **where,
                )
            )
            continue
        if indicator is None:
            findings.append(
                finding(
                    "unknown-indicator",
                    f"Indicator code {code!r} is not one of {who.partnership.short_name}'s indicators.",
                    "Check the code against the template; do not add indicators to the return.",
                    **where,
                )
            )
            continue
        if indicator.code.casefold() in seen:
            findings.append(
                finding(
                    "duplicate-indicator", f"{code} appears more than once.", "Keep one row per indicator.", **where
                )
            )
            continue
        seen.add(indicator.code.casefold())
        values.append(_indicator_row(table, row, indicator, who, config, history, findings))
    for code in sorted(due - seen):
        if outdated:
            findings.append(
                finding(
                    "missing-indicator",
                    f"{mine[code].code} is due this period, but this return's template was "
                    "made before it was in the register, so there is no row for it.",
                    "It shows as No data: send the figure to the performance team, or ask them for the new template.",
                    sheet=sheet,
                )
            )
            continue
        findings.append(
            finding(
                "missing-indicator",
                f"{mine[code].code} is due this period but its row is missing.",
                "Use the template's rows as they are; the indicator will show as No data.",
                sheet=sheet,
            )
        )
    return values


def _indicator_row(
    table: Table,
    row: int,
    i: Indicator,
    who: Identity,
    config: Config,
    history: dict[str, list[tuple[str, Decimal]]],
    findings: list[Finding],
) -> IndicatorValue:
    sheet = table.sheet.name
    cell = table.a1(row, "Actual")
    quality = parse_text(table.cell(row, "Data quality"))
    commentary = _text(table, row, "Commentary", findings)
    remedial = _text(table, row, "Remedial action", findings)
    if quality and header_key(quality) not in _QUALITIES:
        findings.append(
            finding(
                "bad-data-quality",
                f"{i.code}: data quality {quality!r} is not one of the choices.",
                f"Pick one of: {', '.join(T.DATA_QUALITY)}.",
                sheet=sheet,
                cell=table.a1(row, "Data quality"),
                value=quality,
            )
        )
    quality = _QUALITIES.get(header_key(quality), quality)
    parsed, shown = _figure(table, row, i.unit)
    actual = parsed.number
    if parsed.kind in (BLANK, NOT_AVAILABLE):
        if parsed.kind == NOT_AVAILABLE and quality in ("", NOT_AVAILABLE_QUALITY):
            quality = NOT_AVAILABLE_QUALITY
        elif quality != NOT_AVAILABLE_QUALITY:
            findings.append(
                finding(
                    "missing-actual",
                    f"{i.code} has no actual" + (f" ({shown!r})" if shown else "") + ".",
                    "Type the figure, or choose 'Not available' in Data quality and say why in Commentary.",
                    sheet=sheet,
                    cell=cell,
                    value=shown,
                )
            )
    elif parsed.kind in (INVALID, AMBIGUOUS):
        example = f"Type the actual as a number, e.g. 12.5{'' if i.unit != '%' else ' for 12.5%'}."
        findings.append(_unreadable(i.code, parsed, shown, sheet, cell, example))
        possible = tuple(r for r in parsed.readings if _possible(i, r))
        if possible:  # asked to retype it, the submitter is told now what every reading of it needs
            _check_commentary(
                table, row, i, possible, who, config, history, commentary, remedial, findings, ambiguous=True
            )
    elif actual is not None and _in_range(i, actual, sheet, cell, shown, findings):
        # An impossible figure is a typing slip: asking why it is off target would only confuse.
        _check_outlier(
            i,
            actual,
            history.get(i.code, []),
            _name(who.period),
            config,
            sheet,
            cell,
            shown,
            findings,
            explained=bool(commentary),
        )
        _check_commentary(table, row, i, (actual,), who, config, history, commentary, remedial, findings)
    return IndicatorValue(
        code=i.code,
        actual=actual if parsed.kind not in (INVALID, AMBIGUOUS) else None,
        data_quality=quality,
        commentary=commentary,
        remedial_action=remedial,
        cell=cell,
    )


def _areas(
    book: Workbook, who: Identity, register: Register, values: list[IndicatorValue], findings: list[Finding]
) -> list[IndicatorValue]:
    """Attach each indicator's figures by area (narrowing the gap), read from the Areas sheet."""
    wanted = {
        i.code: i
        for i in register.indicators_of(who.partnership.short_name)
        if i.areas and i.frequency.due_in(who.period.quarter)
    }
    if not wanted:
        return values
    sheet = book.sheet(T.AREAS)
    if sheet is None:
        findings.append(
            finding(
                "area-sheet-missing",
                f"The {T.AREAS} sheet is missing, so the figures by area for {', '.join(wanted)} cannot be reported.",
                "Use this period's template, which has the Areas sheet, for your next return.",
                sheet=T.AREAS,
            )
        )
        return values
    table, problems = find_table(sheet, T.AREA_HEADERS, ("Code", "Area", "Actual"))
    findings += problems
    if table is None:
        return values
    areas = {code: {a.casefold(): a for a in i.areas} for code, i in wanted.items()}
    codes = {code.casefold(): code for code in wanted}
    figures: dict[tuple[str, str], Decimal | None] = {}
    cells: dict[tuple[str, str], str] = {}
    blank: set[tuple[str, str]] = set()
    for row in table.data_rows():
        code_text, area_text = parse_text(table.cell(row, "Code")), parse_text(table.cell(row, "Area"))
        if not (code_text or area_text):
            continue
        code = codes.get(code_text.casefold())
        area = areas[code].get(" ".join(area_text.split()).casefold()) if code else None
        if area is None:
            findings.append(
                finding(
                    "unknown-area",
                    f"{code_text or '(no code)'} / {area_text or '(no area)'} is not an indicator "
                    "and area in the register; the row is ignored.",
                    "Use the Areas sheet's rows as they are.",
                    sheet=sheet.name,
                    cell=table.a1(row, "Code"),
                    value=f"{code_text} / {area_text}",
                )
            )
            continue
        cells[code, area] = table.a1(row, "Actual")
        parsed, shown = _figure(table, row, wanted[code].unit)
        if parsed.kind in (BLANK, NOT_AVAILABLE):
            blank.add((code, area))
        figures[code, area] = _area_figure(table, row, wanted[code], area, parsed, shown, findings)
    reported = {v.code for v in values if v.actual is not None}
    for code in sorted(reported & set(wanted)):
        for area in wanted[code].areas:
            if (code, area) not in cells:
                findings.append(
                    finding(
                        "missing-area-value",
                        f"{code} has no row for {area} on the {T.AREAS} sheet.",
                        "Use the Areas sheet's rows as they are; the gap for this area is not reported.",
                        sheet=sheet.name,
                    )
                )
            elif (code, area) in blank:
                findings.append(
                    finding(
                        "missing-area-value",
                        f"{code} has a figure but none for {area}.",
                        "Type the figure for this area; if it is not available, the gap is reported as not available.",
                        sheet=sheet.name,
                        cell=cells[code, area],
                    )
                )
    return [
        replace(v, area_values=tuple((a, figures.get((v.code, a))) for a in wanted[v.code].areas))
        if v.code in wanted
        else v
        for v in values
    ]


def _area_figure(
    table: Table, row: int, i: Indicator, area: str, parsed: Parsed, shown: str, findings: list[Finding]
) -> Decimal | None:
    """The area's figure, or None with a finding saying why (a blank is judged by the caller)."""
    sheet, cell = table.sheet.name, table.a1(row, "Actual")
    if parsed.kind in (BLANK, NOT_AVAILABLE):
        return None
    if parsed.kind in (INVALID, AMBIGUOUS):
        findings.append(
            _unreadable(f"{i.code}, {area}", parsed, shown, sheet, cell, "Type the figure as a number, e.g. 12.5.")
        )
        return None
    return parsed.number if _in_range(i, parsed.number, sheet, cell, shown, findings) else None


def _figure(table: Table, row: int, unit: str) -> tuple[Parsed, str]:
    """A row's Actual read as a figure, and the figure as the submitter sees it in Excel.

    Excel keeps 12.5% typed in a cell as 0.125 with a percent format: for a percentage that is
    read as 12.5 and shown as 12.5%, since 0.125 is neither what was typed nor what shows."""
    raw = table.cell(row, "Actual")
    percent = unit == "%" and table.sheet.percent_formatted(row, table.columns["Actual"])
    parsed = parse_number(raw, unit, percent_format=percent)
    if percent and parsed.number is not None and not isinstance(raw, str):
        return parsed, f"{_number(parsed.number)}%"
    return parsed, parse_text(raw)


def _unreadable(who: str, parsed: Parsed, shown: str, sheet: str, cell: str, example: str) -> Finding:
    """The finding for a figure that is not a number, or could be read more than one way. The
    note reads "<what is wrong>; <what to type>": the first half ends the message, the second
    is the fix (`example` when there is none)."""
    what, _, how = parsed.note.partition("; ")
    code, wrong = (
        ("ambiguous-number", "could be read more than one way")
        if parsed.kind == AMBIGUOUS
        else ("not-a-number", "is not a number")
    )
    return finding(
        code,
        f'{who}: "{shown}" {what or wrong}.',
        f"{how[:1].upper()}{how[1:]}." if how else example,
        sheet=sheet,
        cell=cell,
        value=shown,
    )


def _in_range(i: Indicator, actual: Decimal, sheet: str, cell: str, shown: str, findings: list) -> bool:
    """Whether the figure is possible for its unit; a finding says why when it is not."""
    if i.unit == "%" and not Decimal(0) <= actual <= Decimal(100):
        findings.append(
            finding(
                "percent-out-of-range",
                f"{i.code}: {shown} is not a percentage from 0 to 100.",
                "Type the percentage as a number from 0 to 100, e.g. 12.5 for 12.5%.",
                sheet=sheet,
                cell=cell,
                value=shown,
            )
        )
        return False
    if i.unit in NON_NEGATIVE_UNITS and actual < 0:
        findings.append(
            finding(
                "negative-count",
                f"{i.code}: {shown} is negative, which a {i.unit} cannot be.",
                "Type the figure without a minus sign, or check it.",
                sheet=sheet,
                cell=cell,
                value=shown,
            )
        )
        return False
    if why := implausible(actual, i.unit):
        what, _, how = why.partition("; ")
        findings.append(
            finding(
                "implausible-figure",
                f'{i.code}: "{shown}" {what}.',
                f"{how[:1].upper()}{how[1:]}.",
                sheet=sheet,
                cell=cell,
                value=shown,
            )
        )
        return False
    return True


def _check_outlier(
    i: Indicator,
    actual: Decimal,
    past: list[tuple[str, Decimal]],
    current: str,
    config: Config,
    sheet: str,
    cell: str,
    shown: str,
    findings: list,
    *,
    explained: bool = False,
) -> None:
    """`current` is the return's period by name. `past` is in period order (the store gives history
    so, and Examiner.remember keeps it so), and names in the form "2025-26 Q3" sort as periods do."""
    earlier = past[: bisect_left(past, current, key=itemgetter(0))]
    figure = actual
    if i.cumulative:
        # A running total starts again each April: its Q1 is not a drop from last March, so
        # the quarters' own amounts are what is compared.
        amounts = _quarterly_amounts(i, earlier + [(current, actual)])
        if not amounts or amounts[-1][0] != current:
            return
        (_, figure), earlier = amounts[-1], amounts[:-1]
    if len(earlier) < 3:
        return  # too little history to say what is unusual
    figures = [v for _, v in earlier]
    moves = [abs(b - a) for a, b in itertools.pairwise(figures)]
    usual = sum(moves) / len(moves)
    if usual == 0:
        usual = abs(figures[-1]) / 10 or Decimal(1)
    if abs(figure - figures[-1]) <= config.ingest.outlier_factor * usual:
        return
    unit = "%" if i.unit == "%" else ""  # every figure in the message in the same form, whatever was typed
    if i.cumulative:
        said = f"{_number(actual)}{unit} (a running total: {_number(figure)}{unit} this quarter)"
        compared = "the amounts of earlier quarters"
    else:
        said, compared = f"{_number(actual)}{unit}", "the previous values"
    shown_history = ", ".join(f"{p}: {_number(v)}{unit}" for p, v in earlier[-4:])
    findings.append(
        finding(
            "outlier",
            f"{i.code}: {said} is far from {compared} ({shown_history}).",
            "Check the figure is right, and that Commentary says why it changed."
            if explained
            else "Check the figure; if it is right, explain the change in Commentary.",
            sheet=sheet,
            cell=cell,
            value=shown,
        )
    )


def _quarterly_amounts(i: Indicator, totals: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Each period's own amount from running totals of the financial year, where the total before it
    (the previous due quarter of the same year) is known; the first quarter of a year is its total."""
    by_period = dict(totals)
    amounts = []
    for text, total in totals:
        before = _total_before(text, i.frequency)
        if before is None:
            amounts.append((text, total))
        elif before in by_period:
            amounts.append((text, total - by_period[before]))
    return amounts


@lru_cache(maxsize=1024)
def _total_before(period: str, frequency: Frequency) -> str | None:
    """The period whose running total a period's own amount is counted from: the previous due
    quarter of the same financial year, or None in a year's first due quarter."""
    this = _period(period)
    before = this.previous_due(frequency.due_in)
    return str(before) if before.year == this.year else None


def _number(value: Decimal) -> str:
    return format(value.normalize(), ",f")


def _possible(i: Indicator, figure: Decimal) -> bool:
    """Whether a figure could be the indicator's at all (as _in_range judges, without a finding)."""
    if i.unit == "%" and not 0 <= figure <= 100:
        return False
    return not (i.unit in NON_NEGATIVE_UNITS and figure < 0) and not implausible(figure, i.unit)


def _check_commentary(
    table: Table,
    row: int,
    i: Indicator,
    readings: tuple[Decimal, ...],
    who: Identity,
    config: Config,
    history,
    commentary: str,
    remedial: str,
    findings: list,
    *,
    ambiguous: bool = False,
) -> None:
    """Commentary and remedial action for a figure off target; for a figure that could be read more
    than one way, when every reading is off target (the submitter fixes both in one go)."""
    if commentary and remedial:
        return
    wanted = _last_year(who.period)
    last_year = next((v for p, v in history.get(i.code, ()) if p == wanted), None)
    rags = [
        rate(
            i,
            who.period.quarter,
            actual,
            last_year,
            default_scheme=config.rag.scheme,
            default_tolerance=config.rag.tolerance,
            four_level_split=config.rag.four_level_split,
        )
        for actual in readings
    ]
    if not all(rag.is_exception for rag in rags):
        return
    said = (
        "would be off target whichever way its figure is read"
        if ambiguous
        else f"is {rags[0].value} against its target"
    )
    sheet = table.sheet.name
    if not commentary:
        findings.append(
            finding(
                "off-target-no-commentary",
                f"{i.code} {said}, but has no commentary.",
                "Say in Commentary why the indicator is off target.",
                sheet=sheet,
                cell=table.a1(row, "Commentary"),
            )
        )
    if not remedial:
        findings.append(
            finding(
                "off-target-no-remedial-action",
                f"{i.code} {said}, but has no remedial action.",
                "Say in Remedial action what is being done to bring it back on track.",
                sheet=sheet,
                cell=table.a1(row, "Remedial action"),
            )
        )


def _actions(table: Table, who: Identity, register: Register, findings: list[Finding]) -> list[ActionUpdate]:
    sheet = table.sheet.name
    known = {a.ref.casefold(): a for a in register.actions_of(who.partnership.short_name)}
    statuses = {header_key(s): s for s in T.ACTION_STATUSES}
    updates: dict[str, ActionUpdate] = {}
    for row in table.data_rows():
        ref = parse_text(table.cell(row, "Ref"))
        text = _text(table, row, "Action", findings)
        status_text = parse_text(table.cell(row, "Status"))
        percent_raw = table.cell(row, "% complete")
        commentary = _text(table, row, "Commentary", findings)
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


def _risks(table: Table, who: Identity, register: Register, findings: list[Finding]) -> list[RiskUpdate]:
    sheet = table.sheet.name
    known = {r.ref.casefold(): r for r in register.risks_of(who.partnership.short_name)}
    updates: dict[str, RiskUpdate] = {}
    for row in table.data_rows():
        ref = parse_text(table.cell(row, "Ref"))
        text = _text(table, row, "Risk", findings)
        if not (ref or text) or (ref.casefold() not in known and not text):
            continue
        risk = known.get(ref.casefold())
        scores = {}
        for label in ("Likelihood (1-5)", "Impact (1-5)"):
            raw = table.cell(row, label)
            parsed = parse_number(raw)
            good = (
                parsed.number is not None
                and parsed.number == parsed.number.to_integral_value()
                and 1 <= parsed.number <= 5
            )
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
            scores[label] = int(parsed.number) if good else None
        new_ref = ref or f"{who.partnership.short_name}-NEW-R{len(updates) + 1}"
        updates[new_ref.casefold()] = RiskUpdate(
            ref=risk.ref if risk else new_ref,
            risk=risk.risk if risk else text,
            owner=risk.owner if risk else parse_text(table.cell(row, "Owner")),
            likelihood=scores["Likelihood (1-5)"],
            impact=scores["Impact (1-5)"],
            mitigation=_text(table, row, "Mitigation", findings),
            commentary=_text(table, row, "Commentary", findings),
            is_new=risk is None,
        )
    return list(updates.values())


def _cover(book: Workbook, findings: list[Finding]) -> dict[str, str | None]:
    sheet = book.sheet(T.COVER)
    label_col, value_col = T.COVER_LABEL_COLUMN - 1, T.COVER_VALUE_COLUMN - 1
    where = {}
    for (r, c), value in sheet.cells.items():
        if c == label_col and isinstance(value, str):
            where.setdefault(header_key(value), r)
    out: dict[str, str | None] = {}
    for label in T.COVER_LABELS:
        row = where.get(header_key(label))
        raw = sheet.value(row, value_col) if row is not None else None
        cell = sheet.a1(row, value_col) if row is not None else ""
        if label == "Date completed":
            parsed = parse_date(raw)
            if parsed.kind not in (DATE, BLANK):
                findings.append(
                    finding(
                        "bad-cover-date",
                        f"Date completed {parse_text(raw)!r} is not a date.",
                        "Type the date as 31/03/2026.",
                        sheet=sheet.name,
                        cell=cell,
                        value=parse_text(raw),
                    )
                )
            out[label] = parsed.value.isoformat() if parsed.kind == DATE else None
        elif label.startswith("Signed off"):
            signed = parse_yes_no(raw)
            if signed is not True:
                findings.append(
                    finding(
                        "not-signed-off",
                        "The chair has not signed off this return, so its figures are provisional.",
                        "When the chair has agreed it, choose Yes and send the return again.",
                        sheet=sheet.name,
                        cell=cell,
                        value=parse_text(raw),
                    )
                )
            out[label] = "Yes" if signed else "No"
        else:
            out[label] = text = parse_text(raw)
            if text and looks_like_formula(text) and text.lstrip()[:1] in ("=", "@", "\uff1d", "\uff20"):
                findings.append(
                    finding(
                        "formula-text",
                        f"{label} starts with {text[:1]!r}, like a formula; it is kept as plain text.",
                        "No action is needed unless you meant something else.",
                        sheet=sheet.name,
                        cell=cell,
                        value=text[:80],
                    )
                )
    return out
