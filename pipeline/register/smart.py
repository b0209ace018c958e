"""SMART checks on the register: is every indicator specific, measurable,
owned and time-bound, and is the register consistent with itself?"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.domain.findings import Finding, finding
from pipeline.domain.records import UNITS, Partnership, Polarity, Register

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# A short name names the partnership's files and folders as it is: no '/', '.' or space that
# could take a file out of its folder or give two partnerships one file.
_SHORT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


# Names go into file names (255 bytes at most, with the period and more added) and into Word's
# document title (255 characters): far past what anyone calls a partnership.
MAX_SHORT_NAME = 30
MAX_NAME = 150


def check_register(register: Register) -> list[Finding]:
    """Every SMART and consistency finding for the register, in sheet order."""
    findings: list[Finding] = []
    findings += _check_partnerships(register)
    findings += _check_codes("Indicators", "Code", [(i.row, i.code) for i in register.indicators])
    findings += _check_codes("Actions", "Ref", [(a.row, a.ref) for a in register.actions])
    findings += _check_codes("Risks", "Ref", [(r.row, r.ref) for r in register.risks])
    known = {p.short_name for p in register.partnerships}
    for sheet, rows in (
        ("Indicators", [(i.row, i.partnership) for i in register.indicators]),
        ("Actions", [(a.row, a.partnership) for a in register.actions]),
        ("Risks", [(r.row, r.partnership) for r in register.risks]),
    ):
        for row, name in rows:
            if name not in known:
                findings.append(
                    finding(
                        "unknown-partnership",
                        f"Partnership {name!r} is not on the Partnerships sheet.",
                        f"Use one of the short names ({', '.join(sorted(known))}) or the full names.",
                        sheet=sheet,
                        row=row,
                        value=name,
                    )
                )
    for indicator in register.indicators:
        findings += _check_indicator(indicator)
    for action in register.actions:
        if not action.owner:
            findings.append(
                finding(
                    "no-lead",
                    f"Action {action.ref} has no owner.",
                    "Name the person accountable in the Owner column.",
                    sheet="Actions",
                    row=action.row,
                )
            )
        if action.start and action.due and action.due < action.start:
            findings.append(
                finding(
                    "bad-date",
                    f"Action {action.ref} is due before it starts.",
                    "Check the start and due dates.",
                    sheet="Actions",
                    row=action.row,
                )
            )
    for risk in register.risks:
        if not risk.owner:
            findings.append(
                finding(
                    "no-lead",
                    f"Risk {risk.ref} has no owner.",
                    "Name the person accountable in the Owner column.",
                    sheet="Risks",
                    row=risk.row,
                )
            )
    return findings


def _check_partnerships(register: Register) -> list[Finding]:
    findings = []
    seen = Counter(p.short_name.casefold() for p in register.partnerships)
    first_with_file: dict[
        str, Partnership
    ] = {}  # a short name's files, ignoring case -> the first partnership to have them
    for p in register.partnerships:
        row = p.row
        files = _file_part(p.short_name).casefold()
        earlier = first_with_file.setdefault(files, p)
        if not p.short_name or seen[p.short_name.casefold()] > 1:
            findings.append(
                finding(
                    "duplicate-code" if p.short_name else "malformed-code",
                    f"Short name {p.short_name!r} is blank or used twice.",
                    "Give each partnership its own short name.",
                    sheet="Partnerships",
                    row=row,
                    value=p.short_name,
                )
            )
            continue
        if not _SHORT_NAME.match(p.short_name):
            findings.append(
                finding(
                    "malformed-short-name",
                    f"Short name {p.short_name!r} has characters other "
                    "than letters, digits, '-' and '_'; it names the partnership's files and folders.",
                    f"Use only letters, digits, '-' and '_', e.g. {_file_part(p.short_name)}.",
                    sheet="Partnerships",
                    row=row,
                    value=p.short_name[:80],
                )
            )
        if earlier is not p:
            findings.append(
                finding(
                    "duplicate-code",
                    f"Short name {p.short_name!r} would give the same file names "
                    f"as {earlier.short_name!r} (row {earlier.row}).",
                    "Give each partnership a short name of its own.",
                    sheet="Partnerships",
                    row=row,
                    value=p.short_name[:80],
                )
            )
        if len(p.short_name) > MAX_SHORT_NAME:
            findings.append(
                finding(
                    "name-too-long",
                    f"Short name {p.short_name[:40]!r}... is {len(p.short_name)} "
                    "characters long; it names the partnership's files and folders.",
                    f"Keep it to {MAX_SHORT_NAME} characters or fewer, e.g. CSP.",
                    sheet="Partnerships",
                    row=row,
                    value=p.short_name[:80],
                )
            )
        if len(p.name) > MAX_NAME:
            findings.append(
                finding(
                    "name-too-long",
                    f"The name {p.name[:40]!r}... is {len(p.name)} characters "
                    "long; it titles every report and e-mail of the partnership.",
                    f"Keep it to {MAX_NAME} characters or fewer.",
                    sheet="Partnerships",
                    row=row,
                    value=p.name[:80],
                )
            )
        if not p.lead_officer:
            findings.append(
                finding(
                    "no-lead",
                    f"{p.name} has no lead officer.",
                    "Name the lead officer, who receives the return.",
                    sheet="Partnerships",
                    row=row,
                )
            )
        if not p.email:
            findings.append(
                finding(
                    "no-email",
                    f"{p.name} has no e-mail address.",
                    "Add the address templates and reminders go to.",
                    sheet="Partnerships",
                    row=row,
                )
            )
    return findings


def _file_part(short_name: str) -> str:
    """What a short name becomes in file names (documents.file_part, template_filename)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", short_name).strip("-") or "partnership"


def _check_codes(sheet: str, label: str, rows: list[tuple[int, str]]) -> list[Finding]:
    findings = []
    counts = Counter(code.casefold() for _, code in rows)
    for row, code in rows:
        if not _CODE.match(code):
            findings.append(
                finding(
                    "malformed-code",
                    f"{label} {code!r} is blank or malformed.",
                    "Use letters, digits, '-', '_' or '.', e.g. CS-01.",
                    sheet=sheet,
                    row=row,
                    value=code,
                )
            )
        elif counts[code.casefold()] > 1:
            findings.append(
                finding(
                    "duplicate-code",
                    f"{label} {code!r} is used on more than one row.",
                    f"Give each row its own {label.lower()}.",
                    sheet=sheet,
                    row=row,
                    value=code,
                )
            )
    return findings


def _check_indicator(i) -> list[Finding]:
    findings = []
    where = {"sheet": "Indicators", "row": i.row}
    if i.unit not in UNITS:
        findings.append(
            finding(
                "bad-unit",
                f"{i.code}: unit {i.unit!r} is not allowed.",
                f"Choose one of: {', '.join(UNITS)}.",
                value=i.unit,
                **where,
            )
        )
    has_target = i.annual_target is not None or any(t is not None for t in i.quarter_targets)
    if i.polarity is not Polarity.NONE and not has_target:
        findings.append(
            finding(
                "no-target",
                f"{i.code} has no annual or quarterly target.",
                "Add an annual target, or set polarity to No polarity to track it only.",
                **where,
            )
        )
    if has_target and not i.final_target_year:
        findings.append(
            finding(
                "no-target-year",
                f"{i.code} has no final target year.",
                "Say by when the final target is to be met, e.g. 2027-28.",
                **where,
            )
        )
    if not i.target_lead:
        findings.append(
            finding("no-lead", f"{i.code} has no target lead.", "Name the person accountable for the target.", **where)
        )
    if i.baseline is not None and i.annual_target is not None:
        worse = (i.polarity is Polarity.HIGHER and i.annual_target < i.baseline) or (
            i.polarity is Polarity.LOWER and i.annual_target > i.baseline
        )
        if worse:
            findings.append(
                finding(
                    "target-worse-than-baseline",
                    f"{i.code}: the annual target {i.annual_target} is worse than the baseline "
                    f"{i.baseline} for an indicator where {i.polarity.value.lower()}.",
                    "Check the target and the polarity; a target may be set to limit a decline.",
                    **where,
                )
            )
    q4 = i.quarter_targets[3]
    if i.cumulative and q4 is not None and i.annual_target is not None and q4 != i.annual_target:
        findings.append(
            finding(
                "profile-not-ending-at-annual",
                f"{i.code} is cumulative, but its Q4 target {q4} is not its annual target {i.annual_target}.",
                "Make the Q4 target equal the annual target, or correct the profile.",
                **where,
            )
        )
    findings += _check_areas(i, where)
    return findings


MAX_AREAS = 6  # the Areas sheet of a return has one row per indicator per area: keep it short
MAX_AREA_NAME = 60


def _check_areas(i, where: dict) -> list[Finding]:
    """Areas must name at least one area and, last, the area it is compared with, each once."""
    if not i.areas:
        return []
    listed = "; ".join(i.areas)
    fix = (
        "List the areas separated by semicolons, the comparison area last, e.g. "
        "'Neighbourhood renewal areas; Rest of borough'; or leave Areas blank."
    )
    if len(i.areas) == 1:
        return [
            finding(
                "bad-areas", f"{i.code} names one area ({listed!r}), but a gap needs two.", fix, value=listed, **where
            )
        ]
    if len(i.areas) > MAX_AREAS:
        return [
            finding(
                "bad-areas",
                f"{i.code} names {len(i.areas)} areas; at most {MAX_AREAS} can be reported.",
                fix,
                value=listed,
                **where,
            )
        ]
    folded = [a.casefold() for a in i.areas]
    if len(set(folded)) != len(folded):
        return [finding("bad-areas", f"{i.code} names the same area twice ({listed!r}).", fix, value=listed, **where)]
    long = [a for a in i.areas if len(a) > MAX_AREA_NAME]
    if long:
        return [
            finding(
                "bad-areas",
                f"{i.code}: the area name {long[0][:40]!r}... is over {MAX_AREA_NAME} characters.",
                "Shorten the area name.",
                value=listed,
                **where,
            )
        ]
    return []
