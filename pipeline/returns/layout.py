"""The return template's layout: the contract between the generator, ingest, the demo and the tests.

Everything a reader of a return relies on is named here once: sheet names and
order, header labels, which columns are inputs, the drop-down lists, the Cover
labels and the keys of the hidden `_meta` sheet. Rows and columns are 1-based,
as Excel and openpyxl count them. Changing a label or a position is a new
TEMPLATE_VERSION, because returns made from the old template are still in the
post.
"""

from __future__ import annotations

import re

from pipeline.domain.periods import Period

TEMPLATE_NAME = "LSP quarterly return"
TEMPLATE_VERSION = 1

GUIDANCE = "Guidance"
COVER = "Cover"
INDICATORS = "Indicators"
ACTIONS = "Actions"
RISKS = "Risks"
AREAS = "Areas"
META = "_meta"
# Areas is written only when an indicator due that period reports figures by area (narrowing the
# gap). Adding it was not a new TEMPLATE_VERSION: no existing label or position moved, and a
# return without it still reads (its gaps are reported as not available).
SHEET_ORDER = (GUIDANCE, COVER, INDICATORS, ACTIONS, RISKS, AREAS, META)
REQUIRED_SHEETS = (GUIDANCE, COVER, INDICATORS, ACTIONS, RISKS)  # the sheets every return has, visibly

# Indicators, Actions and Risks: one header row, then one row per register entry.
HEADER_ROW = 1
FIRST_DATA_ROW = 2

INDICATOR_HEADERS = (
    "Code",
    "Indicator",
    "Unit",
    "Polarity",
    "Baseline",
    "Same period last year",
    "Previous period",
    "Target this period",
    "Annual target",
    "Actual",
    "Data quality",
    "Commentary",
    "Remedial action",
)
INDICATOR_INPUTS = ("Actual", "Data quality", "Commentary", "Remedial action")

ACTION_HEADERS = ("Ref", "Action", "Owner", "Due date", "Status", "% complete", "Commentary")
ACTION_INPUTS = ("Status", "% complete", "Commentary")

RISK_HEADERS = ("Ref", "Risk", "Owner", "Likelihood (1-5)", "Impact (1-5)", "Mitigation", "Commentary")
# Likelihood, Impact and Mitigation are pre-filled from the register, but stay inputs:
# the partnership re-scores the risk and updates the mitigation each quarter.
RISK_INPUTS = ("Likelihood (1-5)", "Impact (1-5)", "Mitigation", "Commentary")

# Numerator and Denominator: two columns after the last of the Indicators (and Areas) sheet's, written
# only when an indicator due that period has "Numerator and denominator" in the register, input cells
# on its rows alone. Like the Areas sheet, not a new TEMPLATE_VERSION: no label or position before
# them moved, and a return from a template without them still reads.
COUNT_HEADERS = ("Numerator", "Denominator")
COUNT_WIDTHS = (12, 12)

# Areas: one row per indicator per area, in the register's order of areas.
AREA_HEADERS = ("Code", "Indicator", "Area", "Unit", "Polarity", "Actual")
AREA_INPUTS = ("Actual",)

# Blank rows under the register's actions and risks, every cell an input, for new ones.
NEW_ACTION_ROWS = 5
NEW_RISK_ROWS = 5

DATA_QUALITY = ("Validated", "Provisional", "Estimate", "Not available")
ACTION_STATUSES = ("Not started", "On track", "At risk", "Off track", "Complete", "Cancelled")
YES_NO = ("Yes", "No")

# Cover: label in column A, value in column B, a hint in column C.
COVER_LABEL_COLUMN = 1
COVER_VALUE_COLUMN = 2
COVER_LABELS = (
    "Partnership",
    "Period",
    "Completed by",
    "Email",
    "Date completed",
    "Signed off by chair (Yes/No)",
    "Overall commentary",
)
# The highlight report's answers, all optional, under the file's identity. Adding them was not a
# new TEMPLATE_VERSION: no label or position above them moved, and the Cover is read by label, so
# a return from a template sent out before them reads as one that left them blank.
HIGHLIGHT_HEADING = "For the highlight report (optional)"
HIGHLIGHT_TEXT_LABELS = ("Key achievements", "Plans for next quarter", "Issues and decisions for the board")
HIGHLIGHT_LABELS = (*HIGHLIGHT_TEXT_LABELS, "Overall status")
OVERALL_STATUSES = ("On track", "Some concerns", "Off track")
# Longest answer to each highlight question, in characters: about a third of a page in the
# highlight report. The template's cells refuse longer text; ingest checks it too (pasted text
# and other spreadsheet programs get past a cell's validation).
HIGHLIGHT_TEXT_LIMIT = 1500
COVER_INPUTS = COVER_LABELS[2:] + HIGHLIGHT_LABELS  # Partnership and Period are pre-filled and locked
# Locked copies of the file's identity, for a file re-saved by a program that dropped `_meta`.
COVER_RECORD_LABELS = ("Template", "Template version", "Partnership code")
COVER_ROWS: dict[str, int] = {
    **{label: 3 + i for i, label in enumerate(COVER_LABELS)},
    **{label: 12 + i for i, label in enumerate(COVER_RECORD_LABELS)},
    **{label: 17 + i for i, label in enumerate(HIGHLIGHT_LABELS)},
}

# `_meta`: key in column A, value in column B, every value written as text.
# indicators/actions/risks are the codes and refs on the sheets, comma-separated.
META_KEYS = (
    "template",
    "template_version",
    "partnership",
    "period",
    "generated",
    "register_hash",
    "indicators",
    "actions",
    "risks",
)

# Excel drops a list validation whose items, joined with commas, exceed this.
LIST_SOURCE_LIMIT = 255


def template_filename(short_name: str, period: Period) -> str:
    """'CYP-return-2025-26-Q1.xlsx': no spaces, safe on every file system and in e-mail."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", short_name).strip("-") or "partnership"
    return f"{safe}-return-{period.slug}.xlsx"
