"""Make the return workbooks: one protected, pre-filled template per partnership per period.

The layout is the contract in template_layout.py (re-exported here). Workbooks
are written with xlsxwriter, which is fast but quiet about its limits: a list
validation over 255 characters is dropped and a string starting with '=' becomes
a formula unless told otherwise, so both are guarded here. Every date in the file
comes from the period, never the clock, so re-running gives the same bytes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from pipeline.domain.calendar import deadline_for, templates_out
from pipeline.domain.errors import UsageError
from pipeline.domain.periods import Period
from pipeline.domain.records import Indicator, Partnership, Register
from pipeline.domain.settings import Config
from pipeline.domain.wording import letter_date
from pipeline.rating.rag import period_target
from pipeline.returns.layout import (  # re-exported (see __all__): the contract lives in one place
    ACTION_HEADERS,
    ACTION_INPUTS,
    ACTION_STATUSES,
    ACTIONS,
    AREA_HEADERS,
    AREA_INPUTS,
    AREAS,
    COVER,
    COVER_INPUTS,
    COVER_LABEL_COLUMN,
    COVER_LABELS,
    COVER_RECORD_LABELS,
    COVER_ROWS,
    COVER_VALUE_COLUMN,
    DATA_QUALITY,
    FIRST_DATA_ROW,
    GUIDANCE,
    HEADER_ROW,
    INDICATOR_HEADERS,
    INDICATOR_INPUTS,
    INDICATORS,
    LIST_SOURCE_LIMIT,
    META,
    META_KEYS,
    NEW_ACTION_ROWS,
    NEW_RISK_ROWS,
    RISK_HEADERS,
    RISK_INPUTS,
    RISKS,
    SHEET_ORDER,
    TEMPLATE_NAME,
    TEMPLATE_VERSION,
    YES_NO,
    template_filename,
)
from pipeline.returns.sheets import Sheets
from pipeline.support.atomic import inside, write_bytes

__all__ = [
    "ACTIONS",
    "ACTION_HEADERS",
    "ACTION_INPUTS",
    "ACTION_STATUSES",
    "AREAS",
    "AREA_HEADERS",
    "AREA_INPUTS",
    "COVER",
    "COVER_INPUTS",
    "COVER_LABELS",
    "COVER_LABEL_COLUMN",
    "COVER_RECORD_LABELS",
    "COVER_ROWS",
    "COVER_VALUE_COLUMN",
    "DATA_QUALITY",
    "FIRST_DATA_ROW",
    "GUIDANCE",
    "HEADER_ROW",
    "INDICATORS",
    "INDICATOR_HEADERS",
    "INDICATOR_INPUTS",
    "LIST_SOURCE_LIMIT",
    "META",
    "META_KEYS",
    "NEW_ACTION_ROWS",
    "NEW_RISK_ROWS",
    "RISKS",
    "RISK_HEADERS",
    "RISK_INPUTS",
    "SHEET_ORDER",
    "TEMPLATE_NAME",
    "TEMPLATE_VERSION",
    "YES_NO",
    "History",
    "build_return",
    "due_indicators",
    "generated_at",
    "register_hash",
    "template_filename",
    "template_folder",
    "write_atomically",
    "write_templates",
]

log = logging.getLogger(__name__)

History = Mapping[tuple[str, str], Decimal]  # (indicator code, str(period)) -> value


def due_indicators(register: Register, partnership_short: str, period: Period) -> tuple[Indicator, ...]:
    """The partnership's indicators reported in this period's quarter, in register order."""
    return tuple(i for i in register.indicators_of(partnership_short) if i.frequency.due_in(period.quarter))


def register_hash(register: Register, partnership_short: str) -> str:
    """SHA-256 of the register rows a partnership's template is made from (Register.rows_hash)."""
    return register.rows_hash(partnership_short)


def generated_at(config: Config, period: Period) -> datetime:
    """The fixed 'generated' time of a period's templates: 09:00 on the day they are due to go out."""
    return datetime.combine(templates_out(period, config.calendar), time(9, 0))


def template_folder(config: Config, period: Period) -> Path:
    """outbox/templates/<period slug>/"""
    return config.paths.outbox / "templates" / period.slug


def build_return(
    path: Path,
    *,
    config: Config,
    register: Register,
    partnership: Partnership,
    period: Period,
    history: History = {},  # noqa: B006 (read only)
    issued: date | None = None,
) -> Path:
    """Write one partnership's return workbook for a period to `path`, atomically."""
    import xlsxwriter  # lazy: keeps `pipeline --help` fast

    short = partnership.short_name
    indicators = due_indicators(register, short, period)
    actions = register.actions_of(short)
    risks = register.risks_of(short)
    generated = generated_at(config, period)
    output = io.BytesIO()
    book = xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            # A commentary or title starting with '=' or 'http' is text, never a formula or link.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    title = f"{config.organisation} quarterly return: {partnership.name}, {period}"
    book.set_properties(
        {
            "title": title,
            "subject": f"{TEMPLATE_NAME} v{TEMPLATE_VERSION}",
            "author": config.organisation,
            "company": config.organisation,
            "comments": f"Generated by the partnership pipeline for {short}, {period}.",
            "created": generated,
        }
    )
    # Custom properties are a third copy of the identity; LibreOffice and Excel keep them on save.
    book.set_custom_property("LSP template", TEMPLATE_NAME)
    book.set_custom_property("LSP template version", str(TEMPLATE_VERSION))
    book.set_custom_property("LSP partnership", short)
    book.set_custom_property("LSP period", str(period))

    sheets = Sheets(book, config.template_password)
    sheets.guidance(_guidance_lines(config, partnership, period, indicators, issued))
    sheets.cover(title, _cover_values(partnership, period))
    sheets.indicators([_indicator_row(i, period, history) for i in indicators], [i.unit for i in indicators], period)
    sheets.actions([(a.ref, a.action, a.owner, a.due) for a in actions])
    sheets.risks([(r.ref, r.risk, r.owner, r.likelihood, r.impact, r.mitigation) for r in risks])
    area_rows = [(i.code, i.title, area, i.unit, i.polarity.value) for i in indicators for area in i.areas]
    if area_rows:
        sheets.areas(area_rows, period)
    sheets.meta(
        {
            "template": TEMPLATE_NAME,
            "template_version": str(TEMPLATE_VERSION),
            "partnership": short,
            "period": str(period),
            "generated": generated.isoformat(),
            "register_hash": register_hash(register, short),
            "indicators": ",".join(i.code for i in indicators),
            "actions": ",".join(a.ref for a in actions),
            "risks": ",".join(r.ref for r in risks),
        }
    )
    book.close()
    write_atomically(Path(path), output.getvalue())
    log.info("wrote %s template for %s (%d indicators)", period, short, len(indicators))
    return Path(path)


def write_templates(
    config: Config,
    register: Register,
    period: Period,
    partnerships: list[str] | None = None,
    history: History = {},  # noqa: B006 (read only)
    out_dir: Path | None = None,
    issued: date | None = None,
) -> list[Path]:
    """Write the period's templates for the named partnerships (short names; None: all).

    They go to outbox/templates/<period slug>/ unless `out_dir` is given. `issued` is the
    day they go out when that is late: their Guidance then gives the deadline it moves to
    (calendar.deadline_for), as the e-mail bringing them does.
    """
    if partnerships is None:
        chosen = list(register.partnerships)
    else:
        chosen = []
        for name in partnerships:
            found = register.partnership(name)
            if found is None:
                known = ", ".join(p.short_name for p in register.partnerships)
                raise UsageError(
                    f"There is no partnership called {name!r} in the register.",
                    fix=f"Use one of the short names: {known}.",
                )
            chosen.append(found)
    folder = Path(out_dir) if out_dir is not None else template_folder(config, period)
    return [
        build_return(
            inside(folder, template_filename(p.short_name, period)),
            config=config,
            register=register,
            partnership=p,
            period=period,
            history=history,
            issued=issued,
        )
        for p in chosen
    ]


def _indicator_row(indicator: Indicator, period: Period, history: History) -> tuple:
    """The pre-filled (locked) values of one Indicators row, in INDICATOR_HEADERS order."""
    return (
        indicator.code,
        indicator.title,
        indicator.unit,
        indicator.polarity.value,
        indicator.baseline,
        history.get((indicator.code, str(period.same_last_year()))),
        history.get((indicator.code, str(period.previous_due(indicator.frequency.due_in)))),
        period_target(indicator, period.quarter),
        indicator.annual_target,
    )


def _cover_values(partnership: Partnership, period: Period) -> list[tuple[str, object, str]]:
    """(label, pre-filled value, hint) for every Cover row; inputs have value None."""
    return [
        ("Partnership", partnership.name, ""),
        ("Period", str(period), period.label),
        ("Completed by", None, "Your name."),
        ("Email", None, "Your e-mail address, for questions about this return."),
        ("Date completed", None, "The date you finished the return, as dd/mm/yyyy."),
        (
            "Signed off by chair (Yes/No)",
            None,
            "Choose Yes once the chair has agreed the return; a return not signed off is reported as provisional.",
        ),
        ("Overall commentary", None, "A few sentences on the quarter for the board."),
        ("Template", TEMPLATE_NAME, ""),
        ("Template version", TEMPLATE_VERSION, ""),
        ("Partnership code", partnership.short_name, ""),
    ]


def _guidance_lines(
    config: Config, partnership: Partnership, period: Period, indicators: tuple[Indicator, ...], issued: date | None
) -> list[tuple[str, str]]:
    """The Guidance sheet as (style, text) lines; style is 'title', 'heading' or 'text'."""
    due = deadline_for(period, config.calendar, issued)
    send_to = (
        f"e-mail it to {config.board_officer_email}"
        if config.board_officer_email
        else "send it back to the partnership performance team"
    )
    board_contact = config.board_officer or "the partnership performance team"
    if config.board_officer_email:
        board_contact += f" ({config.board_officer_email})"
    tolerance = config.rag.tolerance
    tolerance_text = f"{tolerance} of the target" if tolerance.is_percent else f"{tolerance} in the indicator's unit"
    count = len(indicators)
    return [
        ("title", f"{config.organisation}: quarterly performance return"),
        ("text", f"{partnership.name}, {period} ({period.label})."),
        ("heading", "By when"),
        ("text", f"Please complete this workbook and {send_to} by {letter_date(due)}."),
        ("heading", "What to fill in"),
        (
            "text",
            "You can only type in the shaded cells; everything else is locked. Where a cell offers a "
            "drop-down list, choose from it.",
        ),
        (
            "text",
            "Cover: your name, e-mail address and the date you completed the return; whether the chair "
            "has signed it off (Yes/No); and an overall commentary on the quarter.",
        ),
        (
            "text",
            f"Indicators: the {count} indicator{'s' if count != 1 else ''} due this quarter. For each, type "
            "the Actual figure and choose its Data quality. Baseline, targets and past figures are shown "
            "for reference.",
        ),
        (
            "text",
            "Actions: the Status, % complete (0 to 100) and a commentary for each action. Add any new "
            "action in the blank shaded rows at the bottom, with its owner and due date.",
        ),
        (
            "text",
            "Risks: the current Likelihood and Impact (whole numbers 1 to 5; last scores are filled in, "
            "change them if they have changed), the mitigation and a commentary. Add any new risk in the "
            "blank shaded rows at the bottom.",
        ),
        *_area_guidance(indicators),
        ("heading", "How to type figures"),
        (
            "text",
            "Type figures as plain numbers, e.g. 1234.5, with no words or units. For percentages type 12.5 "
            "for 12.5%, not 0.125. If a figure is not available, leave Actual blank, choose 'Not available' "
            "as its Data quality and say in the commentary when it will be. Type dates as dd/mm/yyyy.",
        ),
        (
            "text",
            "Data quality: Validated (checked and final); Provisional (may change when the data is "
            "finalised); Estimate (your best estimate: say how it was made in the commentary); Not "
            "available.",
        ),
        ("heading", "How indicators are rated"),
        (
            "text",
            "Each figure is compared with the target for the period. Green: on target or better. Amber: "
            f"misses the target by no more than the tolerance (usually {tolerance_text}; some indicators "
            "have their own). Red: misses by more than the tolerance. Some indicators split Amber into "
            "Amber/Green and Amber/Red, and some are Amber rather than Red when they are better than the "
            "same period last year. Indicators with no polarity are reported but not rated. The "
            "performance team works out the ratings: you only type the figures.",
        ),
        ("heading", "Off target? Commentary and remedial action"),
        (
            "text",
            "Every indicator that misses its target needs a Commentary (why it is off target) and a "
            "Remedial action (what is being done about it, by whom and by when). A return with a Red "
            "indicator that lacks them is sent back for correction.",
        ),
        ("heading", "What happens to your return"),
        (
            "text",
            "Your return is checked as soon as it arrives. If anything needs correcting you will receive a "
            "message naming the sheet, the cell and what to change; correct it and send the whole workbook "
            f"again. Accepted figures are rated and reported to the {config.board}. A return the chair has "
            "not signed off is reported as provisional.",
        ),
        (
            "text",
            "Please do not add, delete, rename or re-order sheets, columns or rows (new actions and risks "
            "go in the blank shaded rows). You may rename the file.",
        ),
        ("heading", "Who to contact"),
        (
            "text",
            f"{partnership.lead_officer}, lead officer for the {partnership.name} ({partnership.email}); "
            f"or {board_contact}.",
        ),
    ]


def _area_guidance(indicators: tuple[Indicator, ...]) -> list[tuple[str, str]]:
    with_areas = [i for i in indicators if i.areas]
    if not with_areas:
        return []
    codes = ", ".join(i.code for i in with_areas)
    return [
        (
            "text",
            f"Areas: {codes} {'is' if len(with_areas) == 1 else 'are'} also reported for named areas, "
            "so the board can see whether the gap between them is narrowing. Type the Actual for each "
            "area, in the same unit as on the Indicators sheet; leave it blank only if the figure is not "
            "available.",
        )
    ]


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, so a reader never sees half a workbook."""
    write_bytes(Path(path), data)
