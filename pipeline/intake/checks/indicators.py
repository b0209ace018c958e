"""The Indicators sheet: each due indicator's actual, data quality, commentary and remedial action."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pipeline.domain.findings import Finding, finding
from pipeline.domain.history import IndicatorValue
from pipeline.domain.periods import Period
from pipeline.domain.records import NON_NEGATIVE_UNITS, Indicator, Register
from pipeline.domain.settings import Config
from pipeline.domain.text import header_key, parse_text
from pipeline.domain.values import AMBIGUOUS, BLANK, INVALID, NOT_AVAILABLE, implausible
from pipeline.domain.wording import figure
from pipeline.intake.checks.cells import in_range, read_figure, read_text, unreadable
from pipeline.intake.checks.counts import read_counts
from pipeline.intake.checks.outliers import check_outlier
from pipeline.intake.recognise import Identity, Table
from pipeline.rating.rag import period_target, rate
from pipeline.returns import layout as T

NOT_AVAILABLE_QUALITY = "Not available"


@lru_cache(maxsize=64)
def _name(period: Period) -> str:
    return str(period)


@lru_cache(maxsize=64)
def _last_year(period: Period) -> str:
    return str(period.same_last_year())


_QUALITIES = {header_key(q): q for q in T.DATA_QUALITY}  # folded choice -> the choice as the template spells it


def check_indicators(
    table: Table,
    who: Identity,
    register: Register,
    config: Config,
    history: dict[str, list[tuple[str, Decimal]]],
    findings: list[Finding],
    outdated: bool = False,
) -> list[IndicatorValue]:
    """Each indicator row's figure and words; findings for unknown, repeated and missing rows."""
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
        values.append(_indicator_row(table, row, indicator, who, config, history, findings, outdated))
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
    outdated: bool = False,
) -> IndicatorValue:
    sheet = table.sheet.name
    cell = table.a1(row, "Actual")
    quality = parse_text(table.cell(row, "Data quality"))
    commentary = read_text(table, row, "Commentary", findings)
    remedial = read_text(table, row, "Remedial action", findings)
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
    parsed, shown = read_figure(table, row, i.unit)
    counts = read_counts(table, row, i, parsed, shown, findings)
    if counts.worked_out is not None:  # a blank Actual, worked out from the numerator and denominator
        parsed, shown = counts.worked_out, str(counts.worked_out.number)
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
        findings.append(unreadable(i.code, parsed, shown, sheet, cell, example))
        possible = tuple(r for r in parsed.readings if _possible(i, r))
        if possible:  # asked to retype it, the submitter is told now what every reading of it needs
            _check_commentary(
                table,
                row,
                i,
                possible,
                who,
                config,
                history,
                commentary,
                remedial,
                findings,
                ambiguous=True,
                outdated=outdated,
            )
    elif actual is not None and in_range(i, actual, sheet, cell, shown, findings):
        # An impossible figure is a typing slip: asking why it is off target would only confuse.
        check_outlier(
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
        _check_commentary(
            table, row, i, (actual,), who, config, history, commentary, remedial, findings, outdated=outdated
        )
    return IndicatorValue(
        code=i.code,
        actual=actual if parsed.kind not in (INVALID, AMBIGUOUS) else None,
        data_quality=quality,
        commentary=commentary,
        remedial_action=remedial,
        cell=cell,
        numerator=counts.numerator,
        denominator=counts.denominator,
    )


def _possible(i: Indicator, figure: Decimal) -> bool:
    """Whether a figure could be the indicator's at all (as in_range judges, without a finding)."""
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
    outdated: bool = False,
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
    # The target is named: the officer compares it with the template's, which may be older.
    target = period_target(i, who.period.quarter)
    against = f"its target of {figure(target, i.unit)}" if target is not None else "its target"
    if outdated:
        against += " (the register's now: it has changed since this template was made)"
    said = (
        f"would be off target against {against} whichever way its figure is read"
        if ambiguous
        else f"is {rags[0].value} against {against}"
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
