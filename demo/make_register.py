"""Build the demo register for the fictional Brackenford Borough Partnership.

Run `python demo/make_register.py` to rebuild demo/register.xlsx byte for byte.
The figures are invented, modelled on national-indicator-style measures.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent

PARTNERSHIPS = [
    ("Children and Young People Partnership", "CYP", "Cllr Ruth Okafor", "Daniel Price",
     "cyp.partnership@brackenford.example.org"),
    ("Safer Brackenford Partnership", "CSP", "Supt. Alan Greaves", "Priya Nair",
     "safer.brackenford@brackenford.example.org"),
    ("Health and Wellbeing Partnership", "HWB", "Dr Helen Marsh", "Tom Whitfield",
     "health.wellbeing@brackenford.example.org"),
    ("Housing Partnership", "HSG", "Cllr Sam Ellery", "Joanne Clarke",
     "housing.partnership@brackenford.example.org"),
    ("Skills and Employability Partnership", "SKL", "Margaret Lowe", "Imran Hussain",
     "skills.partnership@brackenford.example.org"),
]

H, L, N = "Higher is better", "Lower is better", "No polarity"
Q, S, A = "Quarterly", "Six-monthly", "Annual"

# code, title, partnership, unit, polarity, frequency, cumulative, baseline, baseline period,
# annual target, (q1..q4 targets), final target, final year, tolerance, scheme, lead, group, source
INDICATORS = [
    ("CYP-01", "16-18 year olds not in education, employment or training (NEET)", "CYP", "%", L, Q, "No",
     7.2, "2023-24", 6.0, (None,) * 4, 5.0, "2027-28", "5%", "", "Daniel Price", "14-19 Group",
     "Connexions client caseload"),
    ("CYP-02", "Pupils achieving 5+ GCSEs A*-C incl. English and maths", "CYP", "%", H, A, "No",
     48.5, "2023-24", 52.0, (None,) * 4, 56.0, "2027-28", "2", "", "Sarah Bell", "School Improvement Board",
     "DfE performance tables"),
    ("CYP-03", "Persistent absence in secondary schools", "CYP", "%", L, Q, "No",
     9.1, "2023-24", 8.0, (None,) * 4, 7.0, "2027-28", "5%", "4-level", "Sarah Bell",
     "School Improvement Board", "School census"),
    ("CYP-04", "Under-18 conceptions per 1,000 females aged 15-17", "CYP", "rate per 1,000", L, Q, "No",
     38.4, "2023-24", 34.0, (None,) * 4, 30.0, "2027-28", "5%", "", "Dr Chloe Adams",
     "Teenage Pregnancy Board", "ONS conception statistics"),
    ("CYP-05", "Young people participating in positive activities", "CYP", "count", H, Q, "Yes",
     2100, "2023-24", 2400, (500, 1100, 1700, 2400), 2800, "2027-28", "5%", "", "Marcus Grey",
     "Youth Service", "Youth service records"),
    ("CYP-06", "Children's centres reach in most deprived areas", "CYP", "%", H, S, "No",
     62.0, "2023-24", 70.0, (None,) * 4, 80.0, "2027-28", "5%", "improvement", "Daniel Price",
     "Early Years Group", "Children's centre records"),
    ("CSP-01", "Serious acquisitive crime per 1,000 population", "CSP", "rate per 1,000", L, Q, "Yes",
     14.8, "2023-24", 13.5, (3.4, 6.8, 10.1, 13.5), 12.0, "2027-28", "5%", "", "Insp. Kate Morley",
     "Crime Reduction Group", "Police recorded crime"),
    ("CSP-02", "Assault with injury per 1,000 population", "CSP", "rate per 1,000", L, Q, "Yes",
     6.1, "2023-24", 5.6, (None,) * 4, 5.0, "2027-28", "5%", "4-level", "Insp. Kate Morley",
     "Violent Crime Group", "Police recorded crime"),
    ("CSP-03", "Anti-social behaviour incidents reported", "CSP", "count", L, Q, "Yes",
     9400, "2023-24", 8800, (None,) * 4, 8000, "2027-28", "5%", "", "Lee Parsons",
     "ASB Task Group", "Police and council ASB logs"),
    ("CSP-04", "Residents who feel safe outside after dark", "CSP", "%", H, A, "No",
     58.0, "2023-24", 62.0, (None,) * 4, 65.0, "2027-28", "2", "", "Priya Nair",
     "Community Confidence Group", "Residents' survey"),
    ("CSP-05", "Repeat incidents of domestic abuse (MARAC)", "CSP", "%", L, Q, "No",
     31.0, "2023-24", 28.0, (None,) * 4, 25.0, "2027-28", "5%", "", "Gemma Rowe",
     "Domestic Abuse Forum", "MARAC records"),
    ("CSP-06", "Re-offending rate of prolific and priority offenders", "CSP", "%", L, Q, "No",
     22.0, "2023-24", 20.0, (None,) * 4, 18.0, "2027-28", "5%", "", "Owen Hart",
     "Reducing Reoffending Group", "Probation service"),
    ("HWB-01", "Adult participation in sport and active recreation", "HWB", "%", H, S, "No",
     21.3, "2023-24", 23.0, (None,) * 4, 25.0, "2027-28", "5%", "", "Tom Whitfield",
     "Active Brackenford", "Active Lives survey"),
    ("HWB-02", "Smoking quitters at four weeks", "HWB", "count", H, Q, "Yes",
     880, "2023-24", 960, (200, 440, 700, 960), 1100, "2027-28", "5%", "", "Dr Helen Marsh",
     "Tobacco Control Alliance", "Stop smoking service"),
    ("HWB-03", "Obesity among primary school children in Year 6", "HWB", "%", L, A, "No",
     20.4, "2023-24", 19.5, (None,) * 4, 18.0, "2027-28", "5%", "", "Dr Chloe Adams",
     "Healthy Weight Group", "National Child Measurement Programme"),
    ("HWB-04", "Emergency hospital admissions for falls, people aged 65+", "HWB", "rate per 1,000", L, Q,
     "No", 23.5, "2023-24", 22.0, (None,) * 4, 20.0, "2027-28", "5%", "", "Rachel Kerr",
     "Healthy Ageing Group", "Hospital episode statistics"),
    ("HWB-05", "Mortality from all circulatory diseases at ages under 75", "HWB", "rate per 1,000", L, A,
     "No", 0.92, "2023-24", 0.85, (None,) * 4, 0.78, "2027-28", "5%", "", "Dr Helen Marsh",
     "Health Inequalities Group", "Public health outcomes framework"),
    ("HWB-06", "Alcohol-related hospital admissions", "HWB", "count", N, Q, "No",
     1320, "2023-24", None, (None,) * 4, None, "", "", "", "Rachel Kerr", "Alcohol Harm Group",
     "Hospital episode statistics"),
    ("HSG-01", "Net additional homes provided", "HSG", "number", H, Q, "Yes",
     410, "2023-24", 480, (None,) * 4, 500, "2027-28", "5%", "", "Joanne Clarke",
     "Housing Delivery Group", "Planning completions"),
    ("HSG-02", "Affordable homes delivered", "HSG", "number", H, Q, "Yes",
     120, "2023-24", 150, (30, 70, 110, 150), 180, "2027-28", "5%", "", "Joanne Clarke",
     "Housing Delivery Group", "Registered providers"),
    ("HSG-03", "Households in temporary accommodation", "HSG", "count", L, Q, "No",
     145, "2023-24", 120, (None,) * 4, 100, "2027-28", "5%", "", "Neil Foster",
     "Homelessness Forum", "Housing options service"),
    ("HSG-04", "Average days to re-let council homes", "HSG", "days", L, Q, "No",
     34, "2023-24", 28, (None,) * 4, 25, "2027-28", "2", "", "Neil Foster", "Landlord Services",
     "Housing management system"),
    ("HSG-05", "Private sector homes made decent", "HSG", "number", H, Q, "Yes",
     260, "2023-24", 300, (None,) * 4, 320, "2027-28", "5%", "", "Alison Kay",
     "Private Housing Group", "Environmental health"),
    ("HSG-06", "Empty homes brought back into use", "HSG", "number", H, Q, "Yes",
     45, "2023-24", None, (None,) * 4, None, "2027-28", "", "", "Alison Kay",
     "Private Housing Group", "Council tax records"),
    ("SKL-01", "Working-age people on out-of-work benefits", "SKL", "%", L, Q, "No",
     13.8, "2023-24", 12.5, (None,) * 4, 11.0, "2027-28", "5%", "", "Imran Hussain",
     "Worklessness Group", "DWP benefit claimants"),
    ("SKL-02", "Adults gaining a first level 2 qualification", "SKL", "count", H, Q, "Yes",
     640, "2023-24", 720, (None,) * 4, 800, "2027-28", "5%", "", "Fiona Marsh",
     "Adult Learning Group", "Learning and Skills records"),
    ("SKL-03", "Overall employment rate (working age)", "SKL", "%", H, Q, "No",
     71.2, "2023-24", 73.0, (None,) * 4, 75.0, "2027-28", "2", "improvement", "Imran Hussain",
     "Worklessness Group", "Annual population survey"),
    ("SKL-04", "New business registrations per 10,000 adults", "SKL", "number", H, A, "No",
     48.0, "2023-24", 52.0, (None,) * 4, 55.0, "2027-28", "5%", "", "Peter Quinn",
     "Enterprise Group", "VAT/PAYE registrations"),
    ("SKL-05", "Sickness absence days per employee (partner organisations)", "SKL", "days", L, Q, "No",
     9.6, "2023-24", 8.5, (None,) * 4, 8.0, "2027-28", "0.5", "", "Margaret Lowe",
     "Workforce Group", "Partner HR systems"),
    ("SKL-06", "Apprenticeship starts", "SKL", "count", H, Q, "Yes",
     380, "2023-24", 420, (90, 200, 310, 420), 460, "2027-28", "5%", "", "Fiona Marsh",
     "Adult Learning Group", "Apprenticeship service"),
]

ACTIONS = [
    ("CYP-A1", "CYP", "Roll out the NEET early-warning tool to all secondary schools", "Daniel Price",
     date(2025, 4, 1), date(2026, 3, 31)),
    ("CYP-A2", "CYP", "Open two new youth hubs in the most deprived wards", "Marcus Grey",
     date(2025, 4, 1), date(2025, 12, 31)),
    ("CYP-A3", "CYP", "Attendance improvement programme in five secondary schools", "Sarah Bell",
     date(2025, 6, 1), date(2026, 7, 31)),
    ("CSP-A1", "CSP", "Target-harden 400 homes in burglary hotspots", "Insp. Kate Morley",
     date(2025, 4, 1), date(2025, 9, 30)),
    ("CSP-A2", "CSP", "Launch the town-centre night-time economy plan", "Lee Parsons",
     date(2025, 4, 1), date(2026, 3, 31)),
    ("CSP-A3", "CSP", "Commission an independent domestic violence advocate service", "Gemma Rowe",
     date(2025, 5, 1), date(2025, 11, 30)),
    ("HWB-A1", "HWB", "Free swimming for under-16s and over-60s", "Tom Whitfield",
     date(2025, 4, 1), date(2026, 3, 31)),
    ("HWB-A2", "HWB", "Falls prevention service across all GP practices", "Rachel Kerr",
     date(2025, 4, 1), date(2026, 1, 31)),
    ("HSG-A1", "HSG", "Adopt the homelessness prevention strategy", "Neil Foster",
     date(2025, 4, 1), date(2025, 9, 30)),
    ("HSG-A2", "HSG", "Empty homes loan scheme with two registered providers", "Alison Kay",
     date(2025, 4, 1), date(2026, 3, 31)),
    ("HSG-A3", "HSG", "Void turnaround improvement plan", "Neil Foster",
     date(2025, 7, 1), date(2026, 6, 30)),
    ("SKL-A1", "SKL", "Jobs fair in each neighbourhood-renewal area", "Imran Hussain",
     date(2025, 4, 1), date(2026, 3, 31)),
    ("SKL-A2", "SKL", "Employer pledge for 100 new apprenticeships", "Fiona Marsh",
     date(2025, 4, 1), date(2025, 12, 31)),
]

RISKS = [
    ("CYP-R1", "CYP", "Loss of grant funding for youth services", "Marcus Grey", 3, 4,
     "Bid to the lottery fund; prioritise hubs in deprived wards"),
    ("CYP-R2", "CYP", "School data not shared in time for tracking", "Sarah Bell", 2, 3,
     "Data-sharing agreement signed by head teachers"),
    ("CSP-R1", "CSP", "Police restructure reduces neighbourhood policing hours", "Supt. Alan Greaves", 3, 3,
     "Ring-fence neighbourhood teams in the policing plan"),
    ("CSP-R2", "CSP", "Rise in demand for domestic abuse services outstrips capacity", "Gemma Rowe", 4, 4,
     "Second advocate post; triage through MARAC"),
    ("HWB-R1", "HWB", "GP practices do not sign up to the falls pathway", "Rachel Kerr", 2, 4,
     "Incentive through the primary care network"),
    ("HWB-R2", "HWB", "Leisure centre closure for repairs", "Tom Whitfield", 2, 2,
     "Outreach sessions in community venues"),
    ("HSG-R1", "HSG", "Developers delay starts because of build costs", "Joanne Clarke", 4, 3,
     "Review section 106 phasing with developers"),
    ("HSG-R2", "HSG", "Rising evictions increase temporary accommodation", "Neil Foster", 3, 5,
     "Prevention fund and landlord liaison officer"),
    ("SKL-R1", "SKL", "Major employer closure", "Imran Hussain", 2, 5,
     "Rapid response team with the jobcentre"),
    ("SKL-R2", "SKL", "Low take-up of adult courses in deprived wards", "Fiona Marsh", 3, 2,
     "Outreach through community centres"),
]

# Narrowing the gap: indicators also reported for named areas, the comparison area last.
AREAS = {
    "CYP-01": "Neighbourhood renewal areas; Rest of borough",
    "CSP-01": "Eastgate ward; Northfield ward; Rest of borough",
    "SKL-01": "Neighbourhood renewal areas; Rest of borough",
}

INDICATOR_HEADERS = [
    "Code", "Title", "Partnership", "Unit", "Polarity", "Frequency", "Cumulative", "Baseline",
    "Baseline period", "Annual target", "Q1 target", "Q2 target", "Q3 target", "Q4 target",
    "Final target", "Final target year", "Tolerance", "RAG scheme", "Target lead", "Delivery group",
    "Data source", "Definition", "Areas",
]


def indicator_rows() -> list[list]:
    """The Indicators sheet's rows, in INDICATOR_HEADERS order."""
    rows = []
    for (code, title, p, unit, pol, freq, cum, base, base_p, annual, profile, final, final_y, tol,
         scheme, lead, group, source) in INDICATORS:
        rows.append([code, title, p, unit, pol, freq, cum, base, base_p, annual, *profile, final, final_y,
                     tol, scheme, lead, group, source, f"{title}, as reported by {source.lower()}.",
                     AREAS.get(code, "")])
    return rows


def build(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": "Brackenford Borough Partnership indicator register",
                         "author": "Brackenford Partnership Team", "created": datetime(2025, 4, 1)})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})

    def sheet(name, headers, rows, widths):
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, headers, bold)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, date):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), date_format)
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(rows), len(headers) - 1)

    sheet("Partnerships", ["Name", "Short name", "Chair", "Lead officer", "Email"], PARTNERSHIPS,
          [40, 12, 24, 20, 44])
    sheet("Indicators", INDICATOR_HEADERS, indicator_rows(),
          [9, 50, 11, 14, 16, 12, 11, 9, 9, 9, 8, 8, 8, 8, 9, 10, 9, 11, 18, 24, 28, 50, 40])
    sheet("Actions", ["Ref", "Partnership", "Action", "Owner", "Start date", "Due date"], ACTIONS,
          [9, 11, 60, 20, 12, 12])
    sheet("Risks", ["Ref", "Partnership", "Risk", "Owner", "Likelihood (1-5)", "Impact (1-5)",
                    "Mitigation"], RISKS, [9, 11, 50, 20, 10, 10, 50])
    book.close()


# Manual ratings agreed by the management group: Period, Code, Rating, Reason, Who.
OVERRIDES = [
    ("2025-26 Q2", "HSG-03", "Amber/Red",
     "Includes 18 households placed after the Eastgate hostel fire, a one-off; without them the figure is "
     "within tolerance. Agreed at the management group on 28 October 2025.", "Alex Morgan"),
]


def build_overrides(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": "Brackenford rating overrides", "created": datetime(2025, 4, 1)})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    ws = book.add_worksheet("Overrides")
    ws.write_row(0, 0, ["Period", "Code", "Rating", "Reason", "Who"], bold)
    for r, row in enumerate(OVERRIDES, start=1):
        for c, value in enumerate(row):
            ws.write_string(r, c, value)
    ws.set_column(0, 2, 12)
    ws.set_column(3, 3, 80)
    ws.set_column(4, 4, 16)
    book.close()


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "register.xlsx")
    build_overrides(Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "overrides.xlsx")
