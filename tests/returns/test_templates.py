"""The return template: its layout is a contract, so labels, protection, validation and metadata are pinned."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from pipeline.domain.errors import UsageError
from pipeline.domain.periods import Period
from pipeline.returns.generate import build_return, due_indicators, generated_at, register_hash, write_templates
from pipeline.returns.layout import (
    ACTION_HEADERS,
    ACTION_STATUSES,
    ACTIONS,
    COVER,
    COVER_LABELS,
    COVER_ROWS,
    DATA_QUALITY,
    GUIDANCE,
    INDICATOR_HEADERS,
    INDICATORS,
    META,
    META_KEYS,
    NEW_ACTION_ROWS,
    NEW_RISK_ROWS,
    RISK_HEADERS,
    RISKS,
    TEMPLATE_NAME,
    TEMPLATE_VERSION,
    template_filename,
)
from pipeline.returns.sheets import list_source

Q1, Q2, Q4 = Period(2025, 1), Period(2025, 2), Period(2025, 4)


def build(
    tmp_path: Path, config, register, short: str = "CYP", period: Period = Q1, history=None, name: str = "return.xlsx"
) -> Path:
    if history is None:
        history = {}
    return build_return(
        tmp_path / name,
        config=config,
        register=register,
        partnership=register.partnership(short),
        period=period,
        history=history,
    )


def load(path: Path):
    return openpyxl.load_workbook(path)


def header(ws) -> tuple:
    return tuple(c.value for c in ws[1])


def column(ws, label: str) -> int:
    return header(ws).index(label) + 1


def codes(ws) -> list[str]:
    return [ws.cell(row, 1).value for row in range(2, ws.max_row + 1) if ws.cell(row, 1).value]


def meta(book) -> dict[str, str]:
    return dict(book[META].iter_rows(values_only=True))


@pytest.fixture
def template(tmp_path, config, register) -> Path:
    return build(tmp_path, config, register)


# -- the contract: names, order, labels ------------------------------------------------------


def test_the_contract_labels_are_pinned():
    assert INDICATOR_HEADERS == (
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
    assert ACTION_HEADERS == ("Ref", "Action", "Owner", "Due date", "Status", "% complete", "Commentary")
    assert RISK_HEADERS == ("Ref", "Risk", "Owner", "Likelihood (1-5)", "Impact (1-5)", "Mitigation", "Commentary")
    assert COVER_LABELS == (
        "Partnership",
        "Period",
        "Completed by",
        "Email",
        "Date completed",
        "Signed off by chair (Yes/No)",
        "Overall commentary",
    )
    assert DATA_QUALITY == ("Validated", "Provisional", "Estimate", "Not available")
    assert ACTION_STATUSES == ("Not started", "On track", "At risk", "Off track", "Complete", "Cancelled")
    assert (TEMPLATE_NAME, TEMPLATE_VERSION) == ("LSP quarterly return", 1)


def test_sheets_come_in_the_contract_order_and_the_guidance_opens_first(template):
    book = load(template)
    # CYP-01 is reported by area, so CYP's return has the Areas sheet.
    assert book.sheetnames == ["Guidance", "Cover", "Indicators", "Actions", "Risks", "Areas", "_meta"]
    assert book.active.title == GUIDANCE


def test_each_table_has_its_header_labels_in_row_1(template):
    book = load(template)
    # CYP's NEET and conceptions indicators ask for their numerator and denominator: two columns after the rest.
    assert header(book[INDICATORS]) == (*INDICATOR_HEADERS, "Numerator", "Denominator")
    assert header(book[ACTIONS]) == ACTION_HEADERS
    assert header(book[RISKS]) == RISK_HEADERS


def test_cover_labels_sit_in_column_a_with_the_partnership_and_period_filled_in(template):
    ws = load(template)[COVER]
    labels = {ws.cell(row, 1).value: row for row in range(1, ws.max_row + 1) if ws.cell(row, 1).value}
    for label in COVER_LABELS:
        assert labels[label] == COVER_ROWS[label]
    assert ws.cell(COVER_ROWS["Partnership"], 2).value == "Children and Young People Partnership"
    assert ws.cell(COVER_ROWS["Period"], 2).value == "2025-26 Q1"


def test_the_cover_title_spans_the_page_and_a_long_hint_gets_a_row_tall_enough(template):
    ws = load(template)[COVER]
    assert "A1:C1" in {str(r) for r in ws.merged_cells.ranges}, "in column A alone it wrapped and was cut off"
    signed = COVER_ROWS["Signed off by chair (Yes/No)"]
    assert len(ws.cell(signed, 3).value) > 60 and ws.row_dimensions[signed].height >= 30, "two lines of hint"


def test_cover_repeats_the_files_identity_for_a_program_that_drops_the_hidden_sheet(template):
    ws = load(template)[COVER]
    record = {
        ws.cell(COVER_ROWS[label], 1).value: ws.cell(COVER_ROWS[label], 2).value
        for label in ("Template", "Template version", "Partnership code")
    }
    assert record == {"Template": TEMPLATE_NAME, "Template version": TEMPLATE_VERSION, "Partnership code": "CYP"}
    assert ws.cell(COVER_ROWS["Template version"], 2).protection.locked


def test_files_are_named_by_short_name_and_period_without_spaces():
    assert template_filename("CYP", Q1) == "CYP-return-2025-26-Q1.xlsx"
    assert template_filename("Safer B'ford", Q1) == "Safer-B-ford-return-2025-26-Q1.xlsx"


# -- what a person can type, and where -------------------------------------------------------


@pytest.mark.parametrize(
    "sheet, inputs",
    [
        # The first row is CYP-01, whose register row asks for its numerator and denominator.
        (INDICATORS, {"Actual", "Data quality", "Commentary", "Remedial action", "Numerator", "Denominator"}),
        (ACTIONS, {"Status", "% complete", "Commentary"}),
        (RISKS, {"Likelihood (1-5)", "Impact (1-5)", "Mitigation", "Commentary"}),
    ],
)
def test_register_rows_lock_everything_but_the_input_columns(template, register, sheet, inputs):
    ws = load(template)[sheet]
    assert ws.protection.sheet
    labels = header(ws)
    first_row = [ws.cell(2, col) for col in range(1, len(labels) + 1)]
    unlocked = {label for label, cell in zip(labels, first_row) if not cell.protection.locked}
    assert unlocked == inputs
    assert all(c.protection.locked for c in ws[1])
    shaded = {label for label, cell in zip(labels, first_row) if cell.fill.fgColor.rgb not in (None, "00000000")}
    assert shaded == inputs


@pytest.mark.parametrize("sheet, count, registered", [(ACTIONS, NEW_ACTION_ROWS, 3), (RISKS, NEW_RISK_ROWS, 2)])
def test_blank_rows_below_the_register_rows_are_wholly_unlocked_for_new_entries(template, sheet, count, registered):
    ws = load(template)[sheet]
    rows = range(2 + registered, 2 + registered + count)
    assert ws.max_row == 1 + registered + count
    for row in rows:
        assert all(ws.cell(row, col).value is None for col in range(1, ws.max_column + 1))
        assert not any(ws.cell(row, col).protection.locked for col in range(1, ws.max_column + 1))


def test_cover_inputs_are_unlocked_and_the_rest_locked(template):
    ws = load(template)[COVER]
    assert ws.protection.sheet
    for label in COVER_LABELS:
        cell = ws.cell(COVER_ROWS[label], 2)
        assert cell.protection.locked == (label in ("Partnership", "Period")), label


def test_every_sheet_is_protected_without_a_password_by_default(template):
    book = load(template)
    assert all(ws.protection.sheet for ws in book.worksheets)
    assert all(not ws.protection.password for ws in book.worksheets)


def test_the_configured_password_protects_every_sheet(tmp_path, config, register):
    book = load(build(tmp_path, dataclasses.replace(config, template_password="s3cret"), register))
    assert all(ws.protection.sheet and ws.protection.password for ws in book.worksheets)


def validations(ws) -> dict[str, list]:
    """Validations by the header label (or Cover label) of the column or row they cover."""
    found: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        first = str(dv.sqref).split()[0].split(":")[0]
        cell = ws[first]
        label = ws.cell(cell.row, 1).value if ws.title == COVER else ws.cell(1, cell.column).value
        found.setdefault(label, []).append(dv)
    return found


def test_drop_downs_offer_the_contract_lists(template):
    book = load(template)
    quality = validations(book[INDICATORS])["Data quality"][0]
    status = validations(book[ACTIONS])["Status"][0]
    signed = validations(book[COVER])["Signed off by chair (Yes/No)"][0]
    assert (quality.type, quality.formula1) == ("list", '"Validated,Provisional,Estimate,Not available"')
    assert (status.type, status.formula1) == ("list", '"Not started,On track,At risk,Off track,Complete,Cancelled"')
    assert (signed.type, signed.formula1) == ("list", '"Yes,No"')
    assert str(status.sqref) == f"E2:E{1 + 3 + NEW_ACTION_ROWS}"  # new-action rows included


def test_every_list_validation_source_fits_excels_255_characters(tmp_path, config, register):
    for path in write_templates(config, register, Q4, out_dir=tmp_path):
        for ws in load(path).worksheets:
            for dv in ws.data_validations.dataValidation:
                if dv.type == "list":
                    assert len(dv.formula1.strip('"')) <= 255


def test_a_list_excel_would_silently_drop_is_refused():
    with pytest.raises(ValueError, match="255"):
        list_source(["x" * 100, "y" * 100, "z" * 60])


def test_actual_must_be_a_number_and_the_message_says_how_to_type_a_percentage(template):
    ws = load(template)[INDICATORS]
    actuals = validations(ws)["Actual"]
    assert len(actuals) == len(codes(ws))
    by_row = {ws[str(dv.sqref)].row: dv for dv in actuals}
    neet = by_row[codes(ws).index("CYP-01") + 2]  # a % indicator, lower is better, never negative
    assert neet.type == "decimal" and neet.formula1 == "0"
    assert "type 12.5 for 12.5%" in neet.prompt
    assert "Not available" in neet.prompt
    assert neet.errorStyle in (None, "stop")  # None is openpyxl's reading of the default, stop
    rate = by_row[codes(ws).index("CYP-04") + 2]
    assert "rate per 1,000" in rate.prompt
    assert all(len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32 for dv in actuals)


def test_percent_complete_is_0_to_100_and_scores_are_whole_numbers_1_to_5(template):
    book = load(template)
    complete = validations(book[ACTIONS])["% complete"][0]
    assert (complete.type, complete.formula1, complete.formula2) == ("decimal", "0", "100")
    risks = validations(book[RISKS])
    for label in ("Likelihood (1-5)", "Impact (1-5)"):
        dv = risks[label][0]
        assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1", "5")
        assert (
            str(dv.sqref) == f"{'D' if label.startswith('L') else 'E'}2:{'D' if label.startswith('L') else 'E'}"
            f"{1 + 2 + NEW_RISK_ROWS}"
        )


def test_commentary_columns_explain_when_they_are_needed(template):
    found = validations(load(template)[INDICATORS])
    assert "misses its target" in found["Commentary"][0].prompt
    assert "misses its target" in found["Remedial action"][0].prompt


# -- what is filled in ----------------------------------------------------------------------


def test_frequency_decides_which_indicators_are_due(register):
    def due(period):
        return [i.code for i in due_indicators(register, "CYP", period)]

    assert due(Q1) == ["CYP-01", "CYP-03", "CYP-04", "CYP-05"]  # no six-monthly, no annual
    assert due(Q2) == ["CYP-01", "CYP-03", "CYP-04", "CYP-05", "CYP-06"]  # six-monthly CYP-06 joins
    assert due(Period(2025, 3)) == due(Q1)
    assert due(Q4) == ["CYP-01", "CYP-02", "CYP-03", "CYP-04", "CYP-05", "CYP-06"]  # annual CYP-02 too


def test_the_indicators_sheet_lists_exactly_the_due_indicators(tmp_path, config, register):
    assert codes(load(build(tmp_path, config, register, period=Q2))[INDICATORS]) == [
        "CYP-01",
        "CYP-03",
        "CYP-04",
        "CYP-05",
        "CYP-06",
    ]


def test_register_values_and_the_period_target_are_filled_in(tmp_path, config, register):
    ws = load(build(tmp_path, config, register, short="CSP", period=Q2))[INDICATORS]
    rows = {ws.cell(row, 1).value: [c.value for c in ws[row]] for row in range(2, ws.max_row + 1)}
    values = dict(zip(INDICATOR_HEADERS, rows["CSP-01"]))
    assert values["Indicator"] == "Serious acquisitive crime per 1,000 population"
    assert (values["Unit"], values["Polarity"]) == ("rate per 1,000", "Lower is better")
    assert (values["Baseline"], values["Annual target"]) == (14.8, 13.5)
    assert values["Target this period"] == 6.8  # the register's Q2 profile
    cumulative = dict(zip(INDICATOR_HEADERS, rows["CSP-03"]))
    assert cumulative["Target this period"] == 4400  # straight line: 8800 x 2/4
    assert all(values[label] is None for label in ("Actual", "Data quality", "Commentary", "Remedial action"))


def test_history_fills_same_period_last_year_and_previous_period(tmp_path, config, register):
    history = {
        ("CYP-01", "2024-25 Q2"): D("6.8"),
        ("CYP-01", "2025-26 Q1"): D("6.25"),
        ("CYP-03", "2025-26 Q1"): D("8"),
        ("CYP-01", "2023-24 Q2"): D("99"),
    }
    ws = load(build(tmp_path, config, register, period=Q2, history=history))[INDICATORS]
    rows = {
        ws.cell(row, 1).value: dict(zip(INDICATOR_HEADERS, (c.value for c in ws[row])))
        for row in range(2, ws.max_row + 1)
    }
    assert (rows["CYP-01"]["Same period last year"], rows["CYP-01"]["Previous period"]) == (6.8, 6.25)
    assert (rows["CYP-03"]["Same period last year"], rows["CYP-03"]["Previous period"]) == (None, 8)
    assert (rows["CYP-04"]["Same period last year"], rows["CYP-04"]["Previous period"]) == (None, None)


def test_risks_carry_the_registers_current_scores_and_mitigation_as_editable_inputs(template):
    ws = load(template)[RISKS]
    row = list(ws[2])
    assert [c.value for c in row[:6]] == [
        "CYP-R1",
        "Loss of grant funding for youth services",
        "Marcus Grey",
        3,
        4,
        "Bid to the lottery fund; prioritise hubs in deprived wards",
    ]
    assert not row[3].protection.locked and not row[4].protection.locked


def test_due_dates_are_real_dates_shown_as_dd_mm_yyyy(template):
    ws = load(template)[ACTIONS]
    assert ws["D2"].value == datetime(2026, 3, 31)
    assert ws["D2"].number_format == "dd/mm/yyyy"
    assert ws.cell(5, 4).number_format == "dd/mm/yyyy"  # the first new-action row


def test_text_starting_with_equals_is_written_as_text_not_a_formula(tmp_path, config, register):
    risks = tuple(
        dataclasses.replace(r, mitigation="=SUM(A1:A9) is not a plan") if r.ref == "CYP-R1" else r
        for r in register.risks
    )
    spoiled = dataclasses.replace(register, risks=risks, by_code={})
    ws = load(build(tmp_path, config, spoiled))[RISKS]
    assert ws["F2"].value == "=SUM(A1:A9) is not a plan"
    assert ws["F2"].data_type == "s"


def test_no_cell_holds_a_formula(template):
    for ws in load(template).worksheets:
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"], ws.title


def test_guidance_gives_the_deadline_contacts_and_the_rules(template, config):
    text = "\n".join(str(v) for (v,) in load(template)[GUIDANCE].iter_rows(max_col=1, values_only=True) if v)
    assert "Monday 21 July 2025" in text  # 15 working days after Monday 30 June 2025
    assert "Daniel Price" in text and "cyp.partnership@brackenford.example.org" in text
    assert config.board_officer in text and config.board_officer_email in text
    assert "Green: on target or better" in text and "5% of the target" in text
    assert "Commentary" in text and "Remedial action" in text and "sent back" in text
    assert "type 12.5 for 12.5%" in text
    assert "provisional" in text


def test_guidance_prints_on_a_portrait_page_without_lines_over_each_other(template):
    ws = load(template)[GUIDANCE]
    assert ws.page_setup.orientation == "portrait"
    assert ws.column_dimensions["A"].width <= 90, "wider than a portrait A4 page: the text is cut off"
    long_rows = [c.row for (c,) in ws.iter_rows(max_col=1) if isinstance(c.value, str) and len(c.value) > 100]
    assert long_rows
    for row in long_rows:
        lines = -(-len(ws.cell(row, 1).value) // 88)
        assert ws.row_dimensions[row].height >= 15 * lines


def test_tables_print_landscape_one_page_wide_repeating_a_frozen_header(template):
    for name in (INDICATORS, ACTIONS, RISKS):
        ws = load(template)[name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1)  # omitted means 1 in the file format
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$1"
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["B"].width > 40


# -- hidden metadata and reproducibility ----------------------------------------------------


def test_meta_is_very_hidden_and_names_the_template_partnership_and_period(template, config, register):
    book = load(template)
    assert book[META].sheet_state == "veryHidden"
    values = meta(book)
    assert tuple(values) == META_KEYS
    assert values == {
        "template": "LSP quarterly return",
        "template_version": "1",
        "partnership": "CYP",
        "period": "2025-26 Q1",
        "generated": "2025-06-23T09:00:00",  # 5 working days before 30 June 2025, never the clock
        "register_hash": register_hash(register, "CYP"),
        "indicators": "CYP-01,CYP-03,CYP-04,CYP-05",
        "actions": "CYP-A1,CYP-A2,CYP-A3",
        "risks": "CYP-R1,CYP-R2",
    }
    assert book.properties.created == generated_at(config, Q1) == datetime(2025, 6, 23, 9, 0)


def test_the_register_hash_changes_with_the_partnerships_rows_only(register):
    before = register_hash(register, "CYP")
    assert len(before) == 64
    reordered = dataclasses.replace(register, indicators=tuple(reversed(register.indicators)), by_code={})
    assert register_hash(reordered, "CYP") == before
    retargeted = dataclasses.replace(
        register,
        by_code={},
        indicators=tuple(
            dataclasses.replace(i, annual_target=D("5.5")) if i.code == "CYP-01" else i for i in register.indicators
        ),
    )
    assert register_hash(retargeted, "CYP") != before
    assert register_hash(retargeted, "CSP") == register_hash(register, "CSP")


def test_rebuilding_gives_byte_identical_files(tmp_path, config, register):
    history = {("CYP-01", "2025-26 Q1"): D("6.1")}
    first = build(tmp_path, config, register, period=Q2, history=history, name="first.xlsx")
    second = build(tmp_path, config, register, period=Q2, history=history, name="second.xlsx")
    assert first.read_bytes() == second.read_bytes()


# -- writing the period's set ---------------------------------------------------------------


def test_write_templates_puts_one_file_per_partnership_under_outbox_templates_period(tmp_path, config, register):
    local = dataclasses.replace(config, paths=dataclasses.replace(config.paths, outbox=tmp_path / "outbox"))
    paths = write_templates(local, register, Q1)
    folder = tmp_path / "outbox" / "templates" / "2025-26-Q1"
    assert paths == [folder / f"{short}-return-2025-26-Q1.xlsx" for short in ("CYP", "CSP", "HWB", "HSG", "SKL")]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)  # no temporary files left


def test_write_templates_for_one_partnership_accepts_its_name_in_any_case(tmp_path, config, register):
    assert [p.name for p in write_templates(config, register, Q1, ["hsg"], out_dir=tmp_path)] == [
        "HSG-return-2025-26-Q1.xlsx"
    ]


def test_an_unknown_partnership_is_refused_naming_the_known_ones(tmp_path, config, register):
    with pytest.raises(UsageError) as caught:
        write_templates(config, register, Q1, ["XYZ"], out_dir=tmp_path)
    assert "'XYZ'" in caught.value.message
    assert caught.value.fix == "Use one of the short names: CYP, CSP, HWB, HSG, SKL."
    assert not list(tmp_path.iterdir())
