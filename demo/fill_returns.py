"""Fill the demo borough's sample returns for 2025-26 Q1 and Q2, the way partnership officers do.

Run `python demo/fill_returns.py` after `pipeline templates` for both periods
(it makes any missing templates itself). Figures are worked out from each
indicator's target, polarity and tolerance, so an "on target" figure really is
Green and an "off target" one really is Red; nothing is random and nothing
depends on today's date. Returns land in the inbox under the names people give
them, which are not the template's names: ingest must recognise the file by
what is inside it.

The story, for the README:

| Partnership | 2025-26 Q1 | 2025-26 Q2 |
|---|---|---|
| CYP (Children and Young People) | Signed off. CYP-03 persistent absence just misses its target (Amber family on its 4-level scheme) and CYP-04 under-18 conceptions is off target (Red); both have commentary and remedial action. | Signed off, but CYP-04 is off target again and its Commentary is blank: the return is rejected with a message naming the cell. |
| CSP (Safer Brackenford) | Signed off. ASB incidents typed as "2,156" (thousands separator, accepted). CSP-05 repeat domestic abuse off target, with commentary and remedial action. | Never returned: chased, then escalated to the board officer. |
| HWB (Health and Wellbeing) | Signed off. Everything on target; HWB-06 has no polarity, so it is reported but not rated. | Not signed off by the chair: accepted, reported as provisional. Six-monthly HWB-01 is due and just misses. |
| HSG (Housing) | Signed off. HSG-05 not available (Actual blank, Data quality "Not available"); HSG-03 is an estimate. | Signed off. HSG-03 temporary accommodation off target; a new action and a new risk added in the blank rows; HSG-R2 re-scored up; only 3 empty homes back in use (HSG-06), a small number the public summary suppresses. |
| SKL (Skills and Employability) | Mistakes: SKL-05 typed as "twelve" (rejected: not a number) and SKL-01 typed as "12.5 %" (read as 12.5). | Signed off and correct. SKL-03 employment rate off target, with commentary and remedial action. |

Narrowing the gap: CYP-01 (NEET) and SKL-01 (out-of-work benefits) are also
reported for the neighbourhood renewal areas and the rest of the borough, and
CSP-01 for two wards and the rest of the borough. The gaps narrow quarter by
quarter; SKL-01's narrows by more than chance allows in 2025-26 Q1, when the
renewal areas' job clubs open, and widens again in Q2 after the Eastgate closure.

Alcohol-related admissions (HWB-06, no polarity) rise through 2024-25, then fall
below the process limits in 2025-26 Q2, when the hospital's alcohol care team
starts: the SPC chart's "Special cause: lower".
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo.fill import (
    ActionEntry,
    AreaEntry,
    CoverEntry,
    IndicatorEntry,
    NewAction,
    NewRisk,
    RiskEntry,
    fill_return,
)
from pipeline.config.load import load_config
from pipeline.domain.calendar import add_working_days
from pipeline.domain.periods import Period, parse_period
from pipeline.domain.records import Action, Indicator, Polarity, Register
from pipeline.domain.settings import Config
from pipeline.rating.rag import period_target
from pipeline.register.workbook import read_register
from pipeline.returns.generate import due_indicators, template_folder, write_templates
from pipeline.returns.layout import template_filename

log = logging.getLogger(__name__)

Q1, Q2 = Period(2025, 1), Period(2025, 2)
DEMO_PERIODS = (Q1, Q2)


class Typed(NamedTuple):
    """A figure typed as text, exactly as the officer typed it."""

    text: str


# code -> (Q1 outcome, Q2 outcome): "on" target, "near" (misses within tolerance), "off" (Red),
# "n/a" (not available), or Typed text. Indicators not due in a quarter are simply not asked for.
STORY: dict[str, tuple[object, object]] = {
    "CYP-01": ("on", "on"),
    "CYP-03": ("near", "near"),
    "CYP-04": ("off", "off"),
    "CYP-05": ("on", "near"),
    "CYP-06": (None, "near"),
    "CSP-01": ("on", None),
    "CSP-02": ("near", None),
    "CSP-03": ("on", None),
    "CSP-05": ("off", None),
    "CSP-06": ("on", None),
    "HWB-01": (None, "near"),
    "HWB-02": ("on", "on"),
    "HWB-04": ("on", "near"),
    "HWB-06": ("on", "on"),
    "HSG-01": ("on", "on"),
    "HSG-02": ("near", "on"),
    "HSG-03": ("on", "off"),
    "HSG-04": ("on", "on"),
    "HSG-05": ("n/a", "on"),
    "HSG-06": ("on", Typed("3")),  # a small number: the public summary suppresses it
    "SKL-01": (Typed("12.5 %"), "on"),
    "SKL-02": ("on", "on"),
    "SKL-03": ("near", "off"),
    "SKL-05": (Typed("twelve"), "near"),
    "SKL-06": ("on", "on"),
}
NEVER_RETURNED = {(Q2, "CSP")}
NOT_SIGNED_OFF = {(Q2, "HWB")}
THOUSANDS_TYPED = {(Q1, "CSP-03")}  # typed "2,156", as people do
COMMENTARY_FORGOTTEN = {(Q2, "CYP-04")}
DATA_QUALITY = {(Q1, "HSG-03"): "Estimate", (Q1, "HSG-05"): "Not available"}

# Why the Red ones are off target and what is being done: (commentary, remedial action).
RED_REASONS = {
    "CYP-04": (
        "Conceptions rose in two wards after the school nurse service lost two posts.",
        "Outreach clinics restored in both wards from September; Dr Chloe Adams to report progress.",
    ),
    "CSP-05": (
        "More repeat referrals since the MARAC threshold was lowered; more victims are being identified.",
        "Second advocate post recruited; repeat cases reviewed monthly by Gemma Rowe.",
    ),
    "HSG-03": (
        "Evictions from the private rented sector rose sharply over the summer.",
        "Prevention fund doubled and a landlord liaison officer in post from October (Neil Foster).",
    ),
    "SKL-03": (
        "Closure of the Eastgate distribution centre cost 350 jobs in August.",
        "Rapid response team with the jobcentre; jobs fair for affected staff in October (Imran Hussain).",
    ),
}
AT_RISK_ACTIONS = {
    (Q1, "SKL-A2"): "Pledges slower than planned: 30 of 100 so far.",
    (Q2, "CYP-A2"): "Second hub delayed by the builder; opening moves to February.",
}
RESCORED_RISKS = {(Q2, "HSG-R2"): (4, 5, "Evictions rising; likelihood raised from 3 to 4.")}
NEW_ENTRIES = {
    (Q2, "HSG"): (
        [
            NewAction(
                "HSG-A4",
                "Landlord incentive scheme to end homelessness duty in private rented homes",
                "Neil Foster",
                date(2026, 3, 31),
                "On track",
                10,
                "Scheme approved by cabinet in August.",
            )
        ],
        [
            NewRisk(
                "HSG-R3",
                "Temporary accommodation units lost when leases end",
                "Neil Foster",
                3,
                4,
                "Negotiate lease extensions; procure modular units",
                "New risk this quarter.",
            )
        ],
    ),
}
OVERALL = {
    "CYP": "A steady quarter; teenage conceptions remain the main concern.",
    "CSP": "Crime continues to fall; domestic abuse demand is rising.",
    "HWB": "Most indicators on track; physical activity and falls admissions slightly behind, with plans to recover.",
    "HSG": "Delivery on track; temporary accommodation is under pressure.",
    "SKL": "Employment affected by a major closure; apprenticeships ahead of profile.",
}
# The Cover's optional answers for the highlight report, in 2025-26 Q2: (key achievements, plans for
# next quarter, issues and decisions for the board, overall status). HWB leaves them blank, as a
# partnership may; CSP sends no return.
HIGHLIGHTS = {
    "CYP": (
        "Forty-two young people started apprenticeships through the NEET tracking panel. "
        "Persistent absence fell in five of the seven secondary schools.",
        "Restore the school nurse outreach clinics in Eastgate and Northfield; start the summer "
        "holiday activities evaluation.",
        "The board is asked to support a joint bid with health partners for a sexual health outreach worker.",
        "Some concerns",
    ),
    "HSG": (
        "Ninety-one net additional homes, ahead of profile; two new supported housing schemes opened.",
        "Open the second family hostel; agree the private rented sector enforcement plan.",
        "Temporary accommodation is rising with evictions from private rentals: the board is asked to "
        "note the pressure on the council's budget.",
        "Some concerns",
    ),
    "SKL": (
        "Apprenticeship starts ahead of profile; the Eastgate jobs fair placed 120 people.",
        "Redundancy support for the workers of the closed Eastgate plant; a second jobs fair in March.",
        "None this quarter.",
        "On track",
    ),
}
# The names officers give the files they send back: rarely the template's.
FILE_NAMES = {
    "CYP": "CYP return {period} FINAL.xlsx",
    "CSP": "Safer Brackenford {period}.xlsx",
    "HWB": "Copy of HWB-return-{slug}.xlsx",
    "HSG": "Housing Partnership return {slug} v2.xlsx",
    "SKL": "SKL {slug}.xlsx",
}
_PLACES = {"%": 1, "rate per 1,000": 2, "days": 1}
# Narrowing the gap: the gap between the first area and the comparison area in 2024-25 Q1, as a
# share of the borough figure (so a cumulative figure's gap grows through the year with it); it
# narrows by 6% of that each quarter (WIDENED: the quarters it grows instead).
FIRST_GAPS = {"CYP-01": Decimal("0.6"), "CSP-01": Decimal("0.8"), "SKL-01": Decimal("0.45")}
WIDENED = {(Q2, "SKL-01")}
# The quarters a gap closes faster, to this share of its first size: with SKL-01's tens of thousands of
# residents, a change that size is statistically significant, as CYP-01's smaller steps are not.
NARROWED = {(Q1, "SKL-01"): Decimal("0.5")}


def fill_demo_returns(
    config: Config,
    register: Register,
    period: Period,
    template_dir: Path,
    inbox: Path,
    *,
    only: str | None = None,
    corrected: bool = False,
) -> list[Path]:
    """Fill the demo's returns for `period` from the templates in `template_dir` into `inbox`.

    2025-26 Q1 and Q2 follow the story above; earlier quarters are the history
    the demo starts from (every partnership returns, mostly near target).
    `only` fills one partnership; `corrected` fills the version sent after
    feedback: typing mistakes put right and forgotten commentary added.
    """
    written = []
    for partnership in register.partnerships:
        short = partnership.short_name
        if only is not None and short != only:
            continue
        if (period, short) in NEVER_RETURNED:
            log.info("demo: %s sends no return for %s", short, period)
            continue
        template = Path(template_dir) / template_filename(short, period)
        if not template.is_file():
            raise FileNotFoundError(f'No template {template}: run `pipeline templates --period "{period}"` first.')
        new_actions, new_risks = NEW_ENTRIES.get((period, short), ([], []))
        name = FILE_NAMES.get(short, "{slug} return.xlsx").format(period=period, slug=period.slug)
        if corrected:
            name = name.replace(".xlsx", " corrected.xlsx")
        entries = {
            i.code: _indicator_entry(config, i, period, corrected) for i in due_indicators(register, short, period)
        }
        written.append(
            fill_return(
                template,
                Path(inbox) / name,
                indicators=entries,
                areas={
                    key: _area_entry(i, key, value)
                    for i in due_indicators(register, short, period)
                    for key, value in area_figures(i, period, entries[i.code].actual).items()
                },
                actions={a.ref: _action_entry(a, period) for a in register.actions_of(short)},
                risks={r.ref: _risk_entry(r.ref, period) for r in register.risks_of(short)},
                cover=CoverEntry(
                    completed_by=partnership.lead_officer,
                    email=partnership.email,
                    date_completed=add_working_days(period.end, 8, config.calendar.days_off),
                    signed_off="No" if (period, short) in NOT_SIGNED_OFF else "Yes",
                    overall_commentary=OVERALL.get(short, "") if period in DEMO_PERIODS else "",
                    **_highlights(short, period),
                ),
                new_actions=new_actions,
                new_risks=new_risks,
            )
        )
    # As if they landed a minute ago: the inbox waits for files still changing (ingest.settle_seconds).
    landed = time.time() - 60
    for n, path in enumerate(written):  # a second apart, in the order they were filled
        os.utime(path, (landed + n, landed + n))
    return written


def _highlights(short: str, period: Period) -> dict[str, str]:
    """The CoverEntry fields of a partnership's highlight answers, if it gave any that quarter."""
    if period != Q2 or short not in HIGHLIGHTS:
        return {}
    fields = ("key_achievements", "next_quarter_plans", "board_issues", "overall_status")
    return dict(zip(fields, HIGHLIGHTS[short], strict=True))


def _history_outcome(code: str, period: Period) -> str:
    """Earlier quarters: a fixed, varied mix, mostly just short of target (things improve in 2025-26),
    except where the demo's SPC charts are to show something (HISTORY_SHAPES)."""
    if code in HISTORY_SHAPES:
        return HISTORY_SHAPES[code](period)
    return ("near", "on", "near", "off")[(sum(map(ord, code)) + period.quarter + period.year) % 4]


# Three years of history give every quarterly indicator 12 or more figures for its SPC chart, and two
# earlier complete years for a forecast's range. Shaped so the packs show each judgement:
HISTORY_SHAPES = {
    # NEET off target until late 2023, then better for seven quarters running: special cause, improving.
    "CYP-01": lambda p: "off" if p < Period(2023, 3) else "near",
    # Conceptions always off target: the target lies below the process limits, consistently failing.
    "CYP-04": lambda p: "off",
    # Temporary accommodation steady on target until 2025-26 Q2's jump: outside the limits, concerning.
    "HSG-03": lambda p: "on",
    # Falls admissions always under target, by more than the process varies: consistently passing.
    "HWB-04": lambda p: "on",
}
RISING = {"HWB-06": 12}  # alcohol admissions (no polarity) up by this much a quarter from 2023-24 Q4: "higher"
RISING_FROM = Period(2023, 4)
# ... until the quarter they fall to this share of the risen figure, below the process limits: "lower".
FALLEN = {(Q2, "HWB-06"): Decimal("0.85")}
# Numerator and denominator for the indicators the register asks them for: the population each is out of.
DENOMINATORS = {"CYP-01": 4000, "CYP-04": 3100, "SKL-01": 95000, "SKL-03": 121500, "HWB-06": 152000}
AREA_DENOMINATORS = {
    ("CYP-01", "Neighbourhood renewal areas"): 1200,
    ("CYP-01", "Rest of borough"): 2800,
    ("SKL-01", "Neighbourhood renewal areas"): 27000,
    ("SKL-01", "Rest of borough"): 68000,
}
_PER = {"%": 100, "rate per 1,000": 1000}


def _wobble(code: str, period: Period) -> int:
    """Steps a history figure is moved, -2 to 2, fixed by code and quarter: real figures vary."""
    return (sum(map(ord, code)) * 7 + period.year * period.quarter * 3 + period.quarter**2) % 5 - 2


def _counted(indicator: Indicator, actual: Decimal, denominator: int) -> tuple[Decimal, int]:
    """The Actual as the counts give it, rounded as the unit is reported, and the numerator (for a
    count, the count itself: the denominator is the population it comes from)."""
    if indicator.unit not in _PER:
        return actual, int(actual)
    per = _PER[indicator.unit]
    numerator = int((actual * denominator / per).quantize(Decimal(1), ROUND_HALF_EVEN))
    step = Decimal(1).scaleb(-_PLACES.get(indicator.unit, 0))
    return (Decimal(numerator) * per / denominator).quantize(step, ROUND_HALF_EVEN), numerator


def demo_actual(config: Config, indicator: Indicator, period: Period, outcome: str) -> Decimal:
    """A figure with the given outcome against the period's target, rounded as the unit is reported."""
    step = Decimal(1).scaleb(-_PLACES.get(indicator.unit, 0))
    target = period_target(indicator, period.quarter)
    if target is None or indicator.polarity is Polarity.NONE:
        base = indicator.baseline or Decimal(100)
        if indicator.cumulative:
            base = base * period.quarter / 4
        return (base * Decimal("1.03")).quantize(step, ROUND_HALF_EVEN)
    better = 1 if indicator.polarity is Polarity.HIGHER else -1
    band = (indicator.tolerance or config.rag.tolerance).band(target)
    value = {
        "on": target + better * max(abs(target) * Decimal("0.02"), step),
        "near": target - better * band / 2,
        "off": target - better * band * Decimal("2.5"),
    }[outcome].quantize(step, ROUND_HALF_EVEN)
    if outcome == "near" and value == target:
        value -= better * step  # rounding must not turn a near miss into a hit
    return value


def area_figures(indicator: Indicator, period: Period, actual: object) -> dict[tuple[str, str], Decimal]:
    """The figure for each of the indicator's areas: the first area(s) behind, the last ahead."""
    if not indicator.areas or actual is None:
        return {}
    try:
        figure = Decimal(str(actual).replace(",", "").rstrip(" %"))
    except InvalidOperation:
        return {}  # the typing mistake is on the Indicators sheet; the areas are left for the correction
    step = Decimal(1).scaleb(-_PLACES.get(indicator.unit, 0))
    quarters = (period.year - 2024) * 4 + period.quarter - 1
    first = figure * FIRST_GAPS.get(indicator.code, Decimal("0.2"))
    gap = first * (Decimal(1) - Decimal("0.06") * quarters)
    if (period, indicator.code) in WIDENED:
        gap = first * Decimal("1.1")
    if (period, indicator.code) in NARROWED:
        gap = first * NARROWED[period, indicator.code]
    worse = -1 if indicator.polarity is Polarity.HIGHER else 1
    figures = {}
    for n, area in enumerate(indicator.areas[:-1]):
        # Further areas trail by a little less, so each has its own gap.
        figures[indicator.code, area] = figure + worse * gap * (Decimal(2) / 3 - Decimal(n) / 10)
    figures[indicator.code, indicator.areas[-1]] = figure - worse * gap / 3
    return {key: max(value, Decimal(0)).quantize(step, ROUND_HALF_EVEN) for key, value in figures.items()}


def _indicator_entry(config: Config, indicator: Indicator, period: Period, corrected: bool = False) -> IndicatorEntry:
    if period in DEMO_PERIODS:
        outcome = STORY.get(indicator.code, ("on", "on"))[period.quarter - 1] or "on"
    else:
        outcome = _history_outcome(indicator.code, period)
    key = (period, indicator.code)
    if corrected and isinstance(outcome, Typed) and outcome.text == "twelve":
        outcome = "near"
    if isinstance(outcome, Typed):
        return IndicatorEntry(actual=outcome.text, data_quality="Validated")
    if outcome == "n/a":
        return IndicatorEntry(
            actual=None,
            data_quality="Not available",
            commentary="Figures were not ready in time; they will follow with the Q2 return.",
        )
    figure = demo_actual(config, indicator, period, outcome)
    step = Decimal(1).scaleb(-_PLACES.get(indicator.unit, 0))
    if period not in DEMO_PERIODS:
        # A figure worked out from counts moves in steps of one count: about 1% a step, so it shows.
        spread = max(step, (abs(figure) / 100).quantize(step, ROUND_HALF_EVEN)) if indicator.counts else step
        figure = max(figure + _wobble(indicator.code, period) * spread, Decimal(0))
    if indicator.code in RISING and period >= RISING_FROM:
        figure += RISING[indicator.code] * (
            (period.year - RISING_FROM.year) * 4 + period.quarter - RISING_FROM.quarter + 1
        )
    if key in FALLEN:
        figure = (figure * FALLEN[key]).quantize(step, ROUND_HALF_EVEN)
    numerator = denominator = None
    if indicator.counts and indicator.code in DENOMINATORS:
        denominator = DENOMINATORS[indicator.code]
        figure, numerator = _counted(indicator, figure, denominator)
    actual: Decimal | str = figure
    if key in THOUSANDS_TYPED:
        actual = f"{actual:,}"
    commentary = remedial = None
    if outcome == "off":
        commentary, remedial = RED_REASONS.get(indicator.code, ("Off target this quarter.", "Recovery plan agreed."))
    elif outcome == "near":
        commentary = "Slightly behind target; the gap is within the usual quarter-to-quarter variation."
        remedial = f"{indicator.delivery_group} reviewing progress monthly ({indicator.target_lead})."
    if key in COMMENTARY_FORGOTTEN and not corrected:
        commentary = None
    quality = DATA_QUALITY.get(key, "Provisional" if (period, indicator.partnership) in NOT_SIGNED_OFF else "Validated")
    return IndicatorEntry(
        actual=actual,
        data_quality=quality,
        commentary=commentary,
        remedial_action=remedial,
        numerator=numerator,
        denominator=denominator,
    )


def _area_entry(indicator: Indicator, key: tuple[str, str], figure: Decimal) -> Decimal | AreaEntry:
    """An area's figure, with its counts when the register asks for them."""
    if not indicator.counts or key not in AREA_DENOMINATORS:
        return figure
    actual, numerator = _counted(indicator, figure, AREA_DENOMINATORS[key])
    return AreaEntry(actual=actual, numerator=numerator, denominator=AREA_DENOMINATORS[key])


def _action_entry(action: Action, period: Period) -> ActionEntry:
    reason = AT_RISK_ACTIONS.get((period, action.ref))
    if action.start and period.end < action.start:
        return ActionEntry("Not started", 0, f"Starts on {action.start:%d/%m/%Y}.")
    if action.due and action.due <= period.end:
        return ActionEntry("Complete", 100, "Completed on time.")
    start, due = action.start or period.start, action.due or period.end
    expected = 100 * (period.end - start).days / max((due - start).days, 1)
    percent = min(100, int(5 * math.ceil(expected / 5)))  # an action on track is not behind its profile
    if reason:
        return ActionEntry("At risk", max(percent - 15, 0), reason)
    return ActionEntry("On track", percent, "Progressing to plan.")


def _risk_entry(ref: str, period: Period) -> RiskEntry:
    rescored = RESCORED_RISKS.get((period, ref))
    if rescored:
        likelihood, impact, why = rescored
        return RiskEntry(likelihood=likelihood, impact=impact, commentary=why)
    return RiskEntry(commentary="No change this quarter.")


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = load_config(ROOT / "config.toml")
    register, _findings = read_register(config.paths.register)
    periods = [parse_period(text) for text in argv] or list(DEMO_PERIODS)
    for period in periods:
        folder = template_folder(config, period)
        if not folder.is_dir():
            write_templates(config, register, period)
        for path in fill_demo_returns(config, register, period, folder, config.paths.inbox):
            print(f"{period}: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
