"""A blank register workbook for a new council: the four sheets with their headers, a drop-down
wherever the register allows only some values, input help on every header, and a Guidance sheet
that explains every column with an example.

The columns come from workbook.SHEETS, the same declaration the reader matches, so a blank
register always reads; COLUMN_HELP must explain each of them (a test holds the two together).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.domain.records import UNITS, Frequency, Polarity, Publish, Scheme
from pipeline.register.workbook import SHEETS

# (sheet, header) -> (what it means, an example). Examples are a fictional borough's, as the demo's.
COLUMN_HELP: dict[tuple[str, str], tuple[str, str]] = {
    ("Partnerships", "Name"): (
        "The thematic partnership's full name, as reports show it.",
        "Safer Eastvale Partnership",
    ),
    ("Partnerships", "Short name"): (
        "A short code for the partnership: letters, digits, '-' or '_', at most 30 characters. File names use it.",
        "CSP",
    ),
    ("Partnerships", "Chair"): ("Who chairs the partnership and signs off its return.", "Supt. Jo Bell"),
    ("Partnerships", "Lead officer"): ("The officer who completes the return.", "Sam Patel"),
    ("Partnerships", "Email"): (
        "Where templates and reminders go (one address, or several separated by ';').",
        "safer.eastvale@eastvale.example.org",
    ),
    ("Indicators", "Code"): ("A unique code: letters, digits, '-', '_' and '.'.", "CSP-01"),
    ("Indicators", "Title"): ("The indicator's name as reports show it.", "Anti-social behaviour incidents"),
    ("Indicators", "Partnership"): (
        "The partnership that owns it: its short name or its full name from the Partnerships sheet.",
        "CSP",
    ),
    ("Indicators", "Unit"): ("What the figure counts: pick from the list.", "number"),
    ("Indicators", "Polarity"): ("Whether a higher figure is better: pick from the list.", "Lower is better"),
    ("Indicators", "Frequency"): ("How often it is reported: pick from the list.", "Quarterly"),
    ("Indicators", "Cumulative"): ("Yes when each quarter's figure is the year's running total.", "No"),
    ("Indicators", "Baseline"): ("The figure the target improves on.", "1250"),
    ("Indicators", "Baseline period"): ("When the baseline was measured.", "2024-25"),
    ("Indicators", "Annual target"): (
        "The target for the year (for a cumulative indicator, the year's total).",
        "1150",
    ),
    ("Indicators", "Q1 target"): ("Optional: the target for April-June; blank uses the annual target.", "1150"),
    ("Indicators", "Q2 target"): ("Optional: the target for July-September.", "1150"),
    ("Indicators", "Q3 target"): ("Optional: the target for October-December.", "1150"),
    ("Indicators", "Q4 target"): (
        "Optional: the target for January-March (a cumulative indicator's must be the annual target).",
        "1150",
    ),
    ("Indicators", "Final target"): ("Where the indicator should be by the final target year.", "1000"),
    ("Indicators", "Final target year"): ("The year the final target is for.", "2027-28"),
    ("Indicators", "Tolerance"): (
        "How far from target is still Amber: a percentage of the target or an amount; blank uses config.toml's.",
        "5%",
    ),
    ("Indicators", "RAG scheme"): ("How it is rated: pick from the list; blank uses config.toml's.", "3-level"),
    ("Indicators", "Target lead"): ("Who is accountable for the target.", "Community Safety Manager"),
    ("Indicators", "Delivery group"): ("The group that delivers it.", "ASB Tasking Group"),
    ("Indicators", "Data source"): ("Where the figure comes from.", "Police recorded incidents"),
    ("Indicators", "Definition"): (
        "How the figure is worked out, so anyone would count it the same way.",
        "Incidents recorded as anti-social behaviour in the quarter",
    ),
    ("Indicators", "Areas"): (
        "Optional: areas reported separately, separated by ';', the comparison area last.",
        "Neighbourhood renewal areas; Rest of borough",
    ),
    ("Indicators", "Public name"): (
        "Optional: the plain-English name the public summary uses; blank uses the Title.",
        "Nuisance and anti-social behaviour reported",
    ),
    ("Indicators", "Publish"): (
        "Optional: whether its figures may be published. Blank or 'Suppress small numbers' hides a count "
        "below the threshold in public outputs; 'Yes' publishes it as it is (no disclosure risk, such as homes "
        "built); 'No' keeps it out of every public output.",
        "Suppress small numbers",
    ),
    ("Indicators", "Numerator and denominator"): (
        "Optional: Yes if the return should ask for the figure's numerator and denominator (a percentage's "
        "part and whole, a rate's events and population), for its 95% confidence interval and comparators.",
        "No",
    ),
    ("Actions", "Ref"): ("A unique reference for the action.", "CSP-A1"),
    ("Actions", "Partnership"): ("The partnership that owns it: short or full name.", "CSP"),
    ("Actions", "Action"): ("What will be done.", "Extend the evening youth outreach to two more wards"),
    ("Actions", "Owner"): ("Who is responsible for it.", "Youth Services Lead"),
    ("Actions", "Start date"): ("When it starts (a date).", "01/04/2026"),
    ("Actions", "Due date"): ("When it is due to be complete (a date).", "31/03/2027"),
    ("Risks", "Ref"): ("A unique reference for the risk.", "CSP-R1"),
    ("Risks", "Partnership"): ("The partnership that owns it: short or full name.", "CSP"),
    ("Risks", "Risk"): ("What could go wrong.", "Loss of grant funding for outreach"),
    ("Risks", "Owner"): ("Who manages the risk.", "Head of Community Safety"),
    ("Risks", "Likelihood (1-5)"): ("How likely it is, from 1 (rare) to 5 (almost certain).", "3"),
    ("Risks", "Impact (1-5)"): ("How bad it would be, from 1 (negligible) to 5 (severe).", "4"),
    ("Risks", "Mitigation"): ("What is done to reduce it.", "Bid to the Safer Streets fund"),
}

_ROWS = 500  # drop-downs and input help reach this far down each sheet

# header -> the values its drop-down allows
_CHOICES: dict[str, list[str]] = {
    "Unit": list(UNITS),
    "Polarity": [p.value for p in Polarity],
    "Frequency": [f.value for f in Frequency],
    "Cumulative": ["Yes", "No"],
    "Numerator and denominator": ["Yes", "No"],
    "RAG scheme": [s.value for s in Scheme],
    "Publish": [p.value for p in Publish],
}


def write_blank_register(path: Path) -> Path:
    """Write a register workbook with no rows yet, ready for an officer to fill in Excel."""
    import xlsxwriter  # lazy: keeps `pipeline --help` fast

    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for sheet, columns in SHEETS.items():
        ws = book.add_worksheet(sheet)
        ws.freeze_panes(1, 0)
        for c, column in enumerate(columns):
            meaning, example = COLUMN_HELP[(sheet, column.label)]
            ws.write_string(0, c, column.label, header)
            ws.set_column(c, c, max(12, min(40, len(column.label) + 4)))
            # Excel limits an input message to 255 characters and its title to 32.
            message = f"{meaning} e.g. {example}"[:255]
            ws.data_validation(
                0, c, _ROWS, c, {"validate": "any", "input_title": column.label[:32], "input_message": message}
            )
            choices = _CHOICES.get(column.label)
            if choices is not None:
                ws.data_validation(
                    1,
                    c,
                    _ROWS,
                    c,
                    {
                        "validate": "list",
                        "source": choices,
                        "input_title": column.label[:32],
                        "input_message": message,
                        "error_title": f"Not a {column.label.lower()}",
                        "error_message": "Pick one of: " + ", ".join(choices),
                    },
                )
            elif column.label in ("Start date", "Due date"):
                ws.set_column(c, c, 14, date_format)
    guide = book.add_worksheet("Guidance")
    guide.set_column(0, 0, 14)
    guide.set_column(1, 1, 20)
    guide.set_column(2, 2, 70, wrap)
    guide.set_column(3, 3, 40, wrap)
    guide.write_string(0, 0, "How to fill in the register", header)
    guide.write_string(
        1,
        0,
        "One row per partnership, indicator, action and risk. Headers are matched by name, so columns may be "
        "moved; `pipeline check` names every problem with its sheet, row and fix.",
    )
    for c, label in enumerate(("Sheet", "Column", "What it means", "Example")):
        guide.write_string(3, c, label, header)
    row = 4
    for sheet, columns in SHEETS.items():
        for column in columns:
            meaning, example = COLUMN_HELP[(sheet, column.label)]
            optional = "" if column.required else " (optional column)"
            guide.write_row(row, 0, [sheet, column.label + optional, meaning, example])
            row += 1
    book.close()
    return path
