"""Filling a template the way a person does, and the file surviving another spreadsheet program."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from demo.fill import (
    ActionEntry,
    CoverEntry,
    FillError,
    IndicatorEntry,
    NewAction,
    NewRisk,
    RiskEntry,
    fill_return,
)
from pipeline.domain.periods import Period
from pipeline.returns.generate import build_return, write_templates
from pipeline.returns.layout import (
    ACTION_HEADERS,
    COVER_ROWS,
    INDICATOR_HEADERS,
    META,
    META_KEYS,
    NEW_ACTION_ROWS,
    RISK_HEADERS,
)

ROOT = Path(__file__).resolve().parents[2]
Q1, Q2 = Period(2025, 1), Period(2025, 2)

INDICATORS = {
    "CYP-01": IndicatorEntry(actual=D("5.9"), data_quality="Validated"),
    "CYP-03": IndicatorEntry(
        actual="12.5 %",
        data_quality="Provisional",
        commentary="Two schools closed early.",
        remedial_action="Attendance officers in both schools.",
    ),
    "CYP-04": IndicatorEntry(
        actual="twelve",
        data_quality="Estimate",
        commentary="=a person's note, not a formula",
        remedial_action="+ more outreach",
    ),
    "CYP-05": IndicatorEntry(actual="1,234", data_quality="Validated"),
}
ACTIONS = {
    "CYP-A1": ActionEntry("On track", 25, "Tool live in 9 of 12 schools."),
    "CYP-A2": ActionEntry("At risk", D("12.5"), "Builder delays."),
}
RISKS = {
    "CYP-R1": RiskEntry(likelihood=4, commentary="Grant decision due in August."),
    "CYP-R2": RiskEntry(impact="", mitigation="Agreement re-signed."),
}
COVER = CoverEntry(
    "Daniel Price", "cyp.partnership@brackenford.example.org", date(2025, 7, 10), "Yes", "A steady quarter."
)
NEW_ACTIONS = [
    NewAction(
        "CYP-A4", "Summer reading scheme", "Marcus Grey", date(2025, 9, 30), "Not started", 0, "Starts in August."
    )
]
NEW_RISKS = [NewRisk("CYP-R3", "Youth worker vacancies", "Marcus Grey", 3, 2, "Agency cover", "New.")]


@pytest.fixture
def template(tmp_path, config, register) -> Path:
    return build_return(
        tmp_path / "template.xlsx", config=config, register=register, partnership=register.partnership("CYP"), period=Q1
    )


@pytest.fixture
def filled(tmp_path, template) -> Path:
    return fill_return(
        template,
        tmp_path / "filled.xlsx",
        indicators=INDICATORS,
        actions=ACTIONS,
        risks=RISKS,
        cover=COVER,
        new_actions=NEW_ACTIONS,
        new_risks=NEW_RISKS,
    )


def table(ws) -> dict[str, dict[str, object]]:
    """Rows by their first cell (Code or Ref), each a dict by header label, as ingest would see them."""
    labels = [c.value for c in ws[1]]
    return {row[0]: dict(zip(labels, row)) for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}


def same(cell_value, typed) -> bool:
    """A read-back value equals what was typed: text exactly, numbers and dates by value."""
    if isinstance(typed, str):
        return cell_value == (typed or None)
    if isinstance(typed, date) and not isinstance(typed, datetime):
        return cell_value == datetime(typed.year, typed.month, typed.day)
    return D(str(cell_value)) == D(str(typed))


def assert_every_value_reads_back(book) -> None:
    indicators, actions, risks = table(book["Indicators"]), table(book["Actions"]), table(book["Risks"])
    for code, entry in INDICATORS.items():
        row = indicators[code]
        for label, typed in (
            ("Actual", entry.actual),
            ("Data quality", entry.data_quality),
            ("Commentary", entry.commentary),
            ("Remedial action", entry.remedial_action),
        ):
            assert same(row[label], typed) if typed is not None else row[label] is None, (code, label, row[label])
    assert same(actions["CYP-A1"]["% complete"], 25) and actions["CYP-A1"]["Status"] == "On track"
    assert same(actions["CYP-A2"]["% complete"], D("12.5"))
    assert actions["CYP-A2"]["Commentary"] == "Builder delays."
    new_action = actions["CYP-A4"]
    assert [new_action[label] for label in ACTION_HEADERS] == [
        "CYP-A4",
        "Summer reading scheme",
        "Marcus Grey",
        datetime(2025, 9, 30),
        "Not started",
        0,
        "Starts in August.",
    ]
    assert (risks["CYP-R1"]["Likelihood (1-5)"], risks["CYP-R1"]["Impact (1-5)"]) == (4, 4)  # impact kept
    assert risks["CYP-R1"]["Commentary"] == "Grant decision due in August."
    assert (risks["CYP-R2"]["Likelihood (1-5)"], risks["CYP-R2"]["Impact (1-5)"]) == (2, None)  # impact cleared
    assert risks["CYP-R2"]["Mitigation"] == "Agreement re-signed."
    assert [risks["CYP-R3"][label] for label in RISK_HEADERS] == [
        "CYP-R3",
        "Youth worker vacancies",
        "Marcus Grey",
        3,
        2,
        "Agency cover",
        "New.",
    ]
    cover = book["Cover"]
    assert [
        cover.cell(COVER_ROWS[label], 2).value
        for label in ("Completed by", "Email", "Date completed", "Signed off by chair (Yes/No)", "Overall commentary")
    ] == ["Daniel Price", "cyp.partnership@brackenford.example.org", datetime(2025, 7, 10), "Yes", "A steady quarter."]


def meta(book) -> dict[str, str]:
    return dict(book[META].iter_rows(values_only=True))


def test_a_fill_by_header_label_reads_back_with_every_value(filled):
    assert_every_value_reads_back(openpyxl.load_workbook(filled))


def test_text_is_kept_exactly_as_typed_and_never_becomes_a_formula(filled):
    ws = openpyxl.load_workbook(filled)["Indicators"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    commentary = ws.cell(rows["CYP-04"], INDICATOR_HEADERS.index("Commentary") + 1)
    assert (commentary.value, commentary.data_type) == ("=a person's note, not a formula", "s")
    actual = ws.cell(rows["CYP-05"], INDICATOR_HEADERS.index("Actual") + 1)
    assert (actual.value, actual.data_type) == ("1,234", "s")
    assert not [
        c.coordinate
        for s in openpyxl.load_workbook(filled).worksheets
        for row in s.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def test_filling_keeps_the_hidden_metadata_protection_and_validations(template, filled):
    before, after = openpyxl.load_workbook(template), openpyxl.load_workbook(filled)
    assert after.sheetnames == before.sheetnames
    assert after[META].sheet_state == "veryHidden"
    assert meta(after) == meta(before)
    for name in ("Cover", "Indicators", "Actions", "Risks"):
        assert after[name].protection.sheet
        assert len(after[name].data_validations.dataValidation) == len(before[name].data_validations.dataValidation)


def test_columns_are_found_by_label_even_when_a_person_has_moved_them(tmp_path, template):
    moved = tmp_path / "moved.xlsx"
    book = openpyxl.load_workbook(template)
    ws = book["Indicators"]
    actual, commentary = INDICATOR_HEADERS.index("Actual") + 1, INDICATOR_HEADERS.index("Commentary") + 1
    for row in range(1, ws.max_row + 1):  # swap the two columns' contents, headers included
        a, c = ws.cell(row, actual), ws.cell(row, commentary)
        a.value, c.value = c.value, a.value
    book.save(moved)
    out = fill_return(
        moved, tmp_path / "out.xlsx", indicators={"CYP-01": IndicatorEntry(actual=D("6.1"), commentary="Moved.")}
    )
    rows = table(openpyxl.load_workbook(out)["Indicators"])
    assert (rows["CYP-01"]["Actual"], rows["CYP-01"]["Commentary"]) == (6.1, "Moved.")


def test_a_code_not_on_the_sheet_is_refused_naming_the_codes_there(tmp_path, template):
    with pytest.raises(FillError, match=r"'CYP-02' is not on the Indicators sheet \(it has CYP-01, CYP-03"):
        fill_return(template, tmp_path / "out.xlsx", indicators={"CYP-02": IndicatorEntry(actual=1)})
    assert not (tmp_path / "out.xlsx").exists()


def test_more_new_actions_than_blank_rows_is_refused(tmp_path, template):
    too_many = [NewAction(f"N{i}", "x") for i in range(NEW_ACTION_ROWS + 1)]
    with pytest.raises(FillError, match=f"has {NEW_ACTION_ROWS} blank rows for new entries, not {NEW_ACTION_ROWS + 1}"):
        fill_return(template, tmp_path / "out.xlsx", indicators={}, new_actions=too_many)


# -- another spreadsheet program ------------------------------------------------------------


def convert_with_libreoffice(source: Path, folder: Path) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    folder.mkdir()
    profile = (folder.parent / "lo-profile").as_uri()  # a private profile: parallel runs don't collide
    result = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = folder / source.name
    assert result.returncode == 0 and converted.is_file(), result.stderr
    return converted


def test_a_filled_return_saved_by_libreoffice_still_reads_back_with_every_value(tmp_path, filled, register):
    converted = convert_with_libreoffice(filled, tmp_path / "libreoffice")
    book = openpyxl.load_workbook(converted)
    assert book.sheetnames == ["Guidance", "Cover", "Indicators", "Actions", "Risks", "Areas", "_meta"]
    assert_every_value_reads_back(book)
    # LibreOffice has no 'very hidden': it keeps the sheet, hidden.
    assert book[META].sheet_state in ("hidden", "veryHidden")
    values = meta(book)
    assert tuple(values) == META_KEYS
    assert (values["partnership"], values["period"], values["template_version"]) == ("CYP", "2025-26 Q1", "1")
    assert book["Indicators"].protection.sheet
    assert not book["Indicators"]["J2"].protection.locked


# -- the demo's sample returns --------------------------------------------------------------


def demo_module():
    spec = importlib.util.spec_from_file_location("demo_fill_returns", ROOT / "demo" / "fill_returns.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo():
    return demo_module()


def demo_returns(tmp_path, config, register, demo, period) -> dict[str, openpyxl.Workbook]:
    folder = tmp_path / "templates" / period.slug
    write_templates(config, register, period, out_dir=folder)
    paths = demo.fill_demo_returns(config, register, period, folder, tmp_path / "inbox")
    books = {p.name: openpyxl.load_workbook(p) for p in paths}
    return {meta(book)["partnership"]: book for book in books.values()}


def test_the_demo_q1_returns_tell_the_story(tmp_path, config, register, demo):
    books = demo_returns(tmp_path, config, register, demo, Q1)
    assert sorted(books) == ["CSP", "CYP", "HSG", "HWB", "SKL"]
    skills = table(books["SKL"]["Indicators"])
    assert (skills["SKL-05"]["Actual"], skills["SKL-01"]["Actual"]) == ("twelve", "12.5 %")
    assert table(books["CSP"]["Indicators"])["CSP-03"]["Actual"] == "2,156"
    red = table(books["CYP"]["Indicators"])["CYP-04"]
    assert red["Actual"] > red["Target this period"] and red["Commentary"] and red["Remedial action"]
    housing = table(books["HSG"]["Indicators"])["HSG-05"]
    assert (housing["Actual"], housing["Data quality"]) == (None, "Not available")


def test_the_demo_q2_returns_tell_the_story(tmp_path, config, register, demo):
    books = demo_returns(tmp_path, config, register, demo, Q2)
    assert sorted(books) == ["CYP", "HSG", "HWB", "SKL"]  # CSP never returns
    red = table(books["CYP"]["Indicators"])["CYP-04"]
    assert red["Actual"] > red["Target this period"] and red["Commentary"] is None and red["Remedial action"]
    assert books["HWB"]["Cover"].cell(COVER_ROWS["Signed off by chair (Yes/No)"], 2).value == "No"
    assert "HSG-A4" in table(books["HSG"]["Actions"]) and "HSG-R3" in table(books["HSG"]["Risks"])


def test_the_demo_fills_the_same_figures_every_time(tmp_path, config, register, demo):
    def figures(folder):
        books = demo_returns(folder, config, register, demo, Q2)
        return {short: list(book["Indicators"].iter_rows(values_only=True)) for short, book in books.items()}

    assert figures(tmp_path / "first") == figures(tmp_path / "second")


def test_the_demo_fills_a_history_quarter_for_every_partnership(tmp_path, config, register, demo):
    history = Period(2024, 3)
    write_templates(config, register, history, out_dir=tmp_path / "templates")
    filled = demo.fill_demo_returns(config, register, history, tmp_path / "templates", tmp_path / "inbox")
    assert len(filled) == len(register.partnerships)


def test_the_demo_fills_a_corrected_return_for_one_partnership(tmp_path, config, register, demo):
    q1 = Period(2025, 1)
    write_templates(config, register, q1, out_dir=tmp_path / "templates")
    [path] = demo.fill_demo_returns(
        config, register, q1, tmp_path / "templates", tmp_path / "inbox", only="SKL", corrected=True
    )
    assert path.name.endswith(" corrected.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(path)["Indicators"]
    actuals = [row[9].value for row in sheet.iter_rows(min_row=2) if row[0].value]
    assert "twelve" not in actuals
