"""Validation of a recognised return: figures read as people type them; each defect rejects
with a finding naming the sheet, the cell and the fix; warnings accept."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from spoil import (
    Q1,
    Q2,
    Q3,
    Q4,
    NewAction,
    Workspace,
    as_text_number,
    cell_of,
    editing,
    header_column,
    outcome,
    row_of,
)

from pipeline.domain.periods import Period


def verdict_of(workspace: Workspace, path: Path):
    """Run a pass over the inbox and give the outcome for the file at `path`."""
    return outcome(workspace.run(), path.name)


def the_error(result):
    """The one error finding of a rejected return (one defect, one finding)."""
    assert result.verdict == "rejected", result
    errors = [f for f in result.findings if f.severity == "error"]
    assert len(errors) == 1, [f.line() for f in errors]
    return errors[0]


def stored(workspace: Workspace, code: str):
    with workspace.store() as store:
        [value] = [h for h in store.history() if h.code == code]
    return value


# -- each defect rejects, naming sheet, cell and fix ---------------------------------------


@pytest.fixture
def return_with_text_in_a_number_cell(workspace):
    return workspace.submit("twelve.xlsx", indicators={"CYP-05": {"actual": "twelve"}})


def test_text_in_a_number_cell_is_rejected_naming_the_cell(workspace, return_with_text_in_a_number_cell):
    error = the_error(verdict_of(workspace, return_with_text_in_a_number_cell))

    assert (error.code, error.sheet, error.cell, error.value) == ("not-a-number", "Indicators", "J5", "twelve")
    assert error.line() == 'Indicators!J5: CYP-05: "twelve" is not a number. Type the figure in digits, e.g. 12.5.'


@pytest.fixture
def return_with_percentage_over_100(workspace):
    return workspace.submit("150pc.xlsx", indicators={"CYP-01": {"actual": 150}})


def test_percentage_over_100_is_rejected_without_asking_why_it_is_off_target(
    workspace, return_with_percentage_over_100
):
    error = the_error(verdict_of(workspace, return_with_percentage_over_100))

    assert (error.code, error.where) == ("percent-out-of-range", "Indicators!J2")
    assert error.message == "CYP-01: 150 is not a percentage from 0 to 100."
    assert "e.g. 12.5 for 12.5%" in error.fix


@pytest.fixture
def return_with_negative_count(workspace):
    return workspace.submit("negative.xlsx", indicators={"CYP-05": {"actual": -3}})


def test_negative_count_is_rejected(workspace, return_with_negative_count):
    error = the_error(verdict_of(workspace, return_with_negative_count))

    assert (error.code, error.where) == ("negative-count", "Indicators!J5")
    assert error.message == "CYP-05: -3 is negative, which a count cannot be."


@pytest.fixture
def return_with_missing_actual(workspace):
    return workspace.submit("blank.xlsx", indicators={"CYP-05": {"actual": ""}})


def test_missing_actual_without_not_available_is_rejected(workspace, return_with_missing_actual):
    error = the_error(verdict_of(workspace, return_with_missing_actual))

    assert (error.code, error.where) == ("missing-actual", "Indicators!J5")
    assert error.message == "CYP-05 has no actual."
    assert "choose 'Not available' in Data quality" in error.fix


@pytest.fixture
def return_with_na_typed_and_not_available_chosen(workspace):
    return workspace.submit(
        "na.xlsx",
        indicators={
            "CYP-05": {
                "actual": "n/a",
                "data_quality": "Not available",
                "commentary": "Provider figures due in August.",
            }
        },
    )


def test_na_with_not_available_is_accepted_as_no_data(workspace, return_with_na_typed_and_not_available_chosen):
    result = verdict_of(workspace, return_with_na_typed_and_not_available_chosen)

    assert result.verdict == "accepted", [f.line() for f in result.findings]
    value = stored(workspace, "CYP-05")
    assert (value.actual, value.data_quality) == (None, "Not available")


@pytest.fixture
def return_with_red_indicator_without_commentary(workspace):
    return workspace.submit(
        "red-no-why.xlsx", indicators={"CYP-04": {"actual": 60, "remedial_action": "Targeted clinics from September."}}
    )


def test_off_target_indicator_without_commentary_is_rejected(workspace, return_with_red_indicator_without_commentary):
    error = the_error(verdict_of(workspace, return_with_red_indicator_without_commentary))

    assert (error.code, error.where) == ("off-target-no-commentary", "Indicators!L4")
    assert error.message == "CYP-04 is Red against its target of 34 per 1,000, but has no commentary."
    assert error.fix == "Say in Commentary why the indicator is off target."


@pytest.fixture
def return_with_red_indicator_without_remedial_action(workspace):
    return workspace.submit(
        "red-no-plan.xlsx", indicators={"CYP-04": {"actual": 60, "commentary": "Two clinics closed in the spring."}}
    )


def test_off_target_indicator_without_remedial_action_is_rejected(
    workspace, return_with_red_indicator_without_remedial_action
):
    error = the_error(verdict_of(workspace, return_with_red_indicator_without_remedial_action))

    assert (error.code, error.where) == ("off-target-no-remedial-action", "Indicators!M4")
    assert error.message == "CYP-04 is Red against its target of 34 per 1,000, but has no remedial action."


def test_off_target_indicator_with_commentary_and_remedial_action_is_accepted(workspace):
    path = workspace.submit(
        "red-explained.xlsx",
        indicators={
            "CYP-04": {
                "actual": 60,
                "commentary": "Two clinics closed.",
                "remedial_action": "Targeted clinics from September.",
            }
        },
    )

    assert verdict_of(workspace, path).verdict == "accepted"
    assert stored(workspace, "CYP-04").remedial_action == "Targeted clinics from September."


@pytest.fixture
def return_with_unknown_indicator_code(workspace):
    path = workspace.fill("unknown-code.xlsx")
    with editing(path) as book:
        book["Indicators"]["A5"].value = "CYP-99"
    return workspace.drop(path)


def test_unknown_indicator_code_is_rejected_naming_the_code(workspace, return_with_unknown_indicator_code):
    result = verdict_of(workspace, return_with_unknown_indicator_code)
    error = the_error(result)

    assert (error.code, error.where, error.value) == ("unknown-indicator", "Indicators!A5", "CYP-99")
    assert error.message == "Indicator code 'CYP-99' is not one of CYP's indicators."
    warnings = [f for f in result.findings if f.severity == "warning"]
    assert [(f.code, f.message) for f in warnings] == [
        ("missing-indicator", "CYP-05 is due this period but its row is missing.")
    ]


@pytest.fixture
def return_with_likelihood_7(workspace):
    return workspace.submit("likelihood-7.xlsx", risks={"CYP-R1": {"likelihood": 7}})


def test_likelihood_7_is_rejected(workspace, return_with_likelihood_7):
    error = the_error(verdict_of(workspace, return_with_likelihood_7))

    assert (error.code, error.where, error.value) == ("bad-likelihood-impact", "Risks!D2", "7")
    assert (
        error.line() == "Risks!D2: Risk 'CYP-R1': likelihood '7' is not a whole number from 1 to 5. "
        "Pick 1, 2, 3, 4 or 5."
    )


@pytest.fixture
def return_with_percent_complete_150(workspace):
    return workspace.submit("150-done.xlsx", actions={"CYP-A1": {"percent_complete": 150}})


def test_percent_complete_150_is_rejected(workspace, return_with_percent_complete_150):
    error = the_error(verdict_of(workspace, return_with_percent_complete_150))

    assert (error.code, error.where) == ("bad-percent-complete", "Actions!F2")
    assert error.message == "Action 'CYP-A1': % complete '150' is outside 0 to 100."


@pytest.fixture
def return_with_bad_status(workspace):
    return workspace.submit("nearly.xlsx", actions={"CYP-A1": {"status": "Nearly there"}})


def test_status_not_in_the_list_is_rejected_listing_the_choices(workspace, return_with_bad_status):
    error = the_error(verdict_of(workspace, return_with_bad_status))

    assert (error.code, error.where, error.value) == ("bad-status", "Actions!E2", "Nearly there")
    assert error.fix == "Pick one of: Not started, On track, At risk, Off track, Complete, Cancelled."


# -- reading as people type -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "typed", "read", "extra"),
    [
        ("CYP-05", "1,234", Decimal("1234"), {}),
        ("CYP-01", "12.5 %", Decimal("12.5"), {"commentary": "More leavers.", "remedial_action": "Follow-up."}),
        ("CYP-01", "5.5%", Decimal("5.5"), {}),
        ("CYP-03", " 7 ", Decimal("7"), {}),
        ("CYP-04", "'30", Decimal("30"), {}),
        ("CYP-05", "\u00a0612\u00a0", Decimal("612"), {}),
    ],
    ids=[
        "thousands-comma",
        "percent-sign-after-space",
        "percent-sign",
        "spaces-around",
        "leading-apostrophe",
        "non-breaking-spaces",
    ],
)
def test_figures_typed_as_people_type_them_are_read_as_meant(workspace, code, typed, read, extra):
    path = workspace.submit("typed.xlsx", indicators={code: {"actual": typed, **extra}})

    result = verdict_of(workspace, path)

    assert result.verdict == "accepted", [f.line() for f in result.findings]
    assert stored(workspace, code).actual == read


@pytest.fixture
def return_with_numbers_stored_as_text(workspace):
    path = workspace.fill("as-text.xlsx")
    for code in ("CYP-01", "CYP-04", "CYP-05"):
        as_text_number(path, "Indicators", code, "Actual")
    return workspace.drop(path)


def test_numbers_stored_as_text_are_read_as_numbers(workspace, return_with_numbers_stored_as_text):
    assert verdict_of(workspace, return_with_numbers_stored_as_text).verdict == "accepted"
    assert [stored(workspace, c).actual for c in ("CYP-01", "CYP-04", "CYP-05")] == [
        Decimal("6"),
        Decimal("34"),
        Decimal("500"),
    ]


@pytest.fixture
def return_with_excel_apostrophe_prefix(workspace):
    """What Excel saves when someone types '34: the text "34" with the quote-prefix style."""
    path = workspace.fill("quote-prefix.xlsx")
    with editing(path) as book:
        ws = book["Indicators"]
        cell = ws.cell(row_of(ws, "CYP-04"), header_column(ws, "Actual"))
        cell.value = "34"
        cell.data_type = "s"
        cell.quotePrefix = True
    return workspace.drop(path)


def test_number_typed_with_a_leading_apostrophe_is_read_as_a_number(workspace, return_with_excel_apostrophe_prefix):
    assert verdict_of(workspace, return_with_excel_apostrophe_prefix).verdict == "accepted"
    assert stored(workspace, "CYP-04").actual == Decimal("34")


# -- percentages typed the Excel way, and numbers that could be read two ways ----------------

# 12.5% is off CYP-01's target, so a return saying so needs both.
WHY_AND_PLAN = {"commentary": "More leavers this quarter.", "remedial_action": "Follow-up calls."}


def with_number_format(path: Path, sheet: str, ref: str, number_format: str) -> Path:
    """Give one cell a number format, as Excel does to a cell someone types 12.5% into."""
    with editing(path) as book:
        book[sheet][ref].number_format = number_format
    return path


@pytest.mark.parametrize(
    "number_format", ["0.0%", "0%", "0.0%;[Red]-0.0%"], ids=["one-place", "built-in-whole-percent", "red-negatives"]
)
def test_percentage_typed_with_a_percent_sign_in_excel_is_read_as_shown(workspace, number_format):
    """Excel keeps 12.5% as 0.125 in a %-formatted cell; the submitter typed and sees 12.5%."""
    path = workspace.fill("typed-percent.xlsx", indicators={"CYP-01": {"actual": 0.125, **WHY_AND_PLAN}})
    workspace.drop(
        with_number_format(path, "Indicators", cell_of(path, "Indicators", "CYP-01", "Actual"), number_format)
    )

    result = verdict_of(workspace, path)

    assert result.verdict == "accepted", [f.line() for f in result.findings]
    assert result.findings == ()
    assert stored(workspace, "CYP-01").actual == Decimal("12.5")


def test_percent_complete_typed_with_a_percent_sign_in_excel_is_read_as_shown(workspace):
    path = workspace.fill("typed-progress.xlsx", actions={"CYP-A1": {"percent_complete": 0.4}})
    workspace.drop(with_number_format(path, "Actions", cell_of(path, "Actions", "CYP-A1", "% complete"), "0%"))

    result = verdict_of(workspace, path)

    assert result.verdict == "accepted", [f.line() for f in result.findings]
    with workspace.store() as store:
        [update] = [u for s in store.submissions() for u in store.action_updates(s.id) if u.ref == "CYP-A1"]
    assert update.percent_complete == Decimal(40)


@pytest.mark.parametrize(
    "number_format", ["General", '0.00" pts"', "0.000\\%"], ids=["general", "points-suffix", "escaped-percent-sign"]
)
def test_a_fraction_in_a_percentage_cell_without_a_percent_format_is_ambiguous_naming_the_indicator(
    workspace, number_format
):
    path = workspace.fill("fraction.xlsx", indicators={"CYP-01": {"actual": 0.125}})
    workspace.drop(with_number_format(path, "Indicators", "J2", number_format))

    error = the_error(verdict_of(workspace, path))

    assert (error.code, error.where, error.value) == ("ambiguous-number", "Indicators!J2", "0.125")
    assert error.line() == (
        'Indicators!J2: CYP-01: "0.125" could be a fraction meaning 12.5%, or 0.125%. '
        "Type the percentage as a number, e.g. 12.5 for 12.5%."
    )


def test_a_decimal_comma_is_ambiguous_with_the_figure_shown_once_and_a_full_stop_in_the_fix(workspace):
    path = workspace.submit("comma.xlsx", indicators={"CYP-04": {"actual": "1,5"}})

    error = the_error(verdict_of(workspace, path))

    assert error.line() == (
        'Indicators!J4: CYP-04: "1,5" could use a decimal comma (1.5) or be the whole number '
        "15. Type the figure with a full stop for decimals, e.g. 1.5."
    )


def test_a_whole_percentage_in_a_percent_formatted_cell_is_out_of_range_as_excel_shows_it(workspace):
    """12.5 typed and then formatted as % shows as 1250%: that is what the message names."""
    path = workspace.fill("1250pc.xlsx", indicators={"CYP-01": {"actual": 12.5, **WHY_AND_PLAN}})
    workspace.drop(with_number_format(path, "Indicators", "J2", "0%"))

    error = the_error(verdict_of(workspace, path))

    assert (error.code, error.where, error.value) == ("percent-out-of-range", "Indicators!J2", "1,250%")
    assert error.message == "CYP-01: 1,250% is not a percentage from 0 to 100."


def test_an_area_percentage_typed_with_a_percent_sign_in_excel_is_read_as_shown(workspace):
    nra, rest = "Neighbourhood renewal areas", "Rest of borough"
    path = workspace.fill("areas-percent.xlsx", areas={("CYP-01", nra): 0.091, ("CYP-01", rest): Decimal("4.4")})
    workspace.drop(with_number_format(path, "Areas", "F2", "0.0%"))

    assert verdict_of(workspace, path).verdict == "accepted"
    assert stored(workspace, "CYP-01").area_values == ((nra, Decimal("9.1")), (rest, Decimal("4.4")))


# -- warnings accept ------------------------------------------------------------------------


@pytest.fixture
def return_not_signed_off(workspace):
    return workspace.submit("unsigned.xlsx", cover={"signed_off": "No"})


def test_return_not_signed_off_is_accepted_as_provisional(workspace, return_not_signed_off):
    result = verdict_of(workspace, return_not_signed_off)

    assert (result.verdict, result.reason) == ("accepted", "Accepted as provisional (not signed off by the chair)")
    [warning] = result.findings
    assert (warning.code, warning.severity, warning.where) == ("not-signed-off", "warning", "Cover!B8")
    assert warning.message == "The chair has not signed off this return, so its figures are provisional."
    with workspace.store() as store:
        [submission] = store.submissions()
    assert submission.signed_off is False and submission.counts is True


@pytest.fixture
def return_with_overdue_action(workspace):
    # CYP-A2 was due on 31/12/2025; by the end of 2025-26 Q4 it is overdue, still "On track".
    workspace.now += timedelta(days=270)
    return workspace.submit("q4.xlsx", period=Q4, cover={"date_completed": date(2026, 4, 10)})


def test_overdue_action_is_a_warning_and_the_return_is_accepted(workspace, return_with_overdue_action):
    result = verdict_of(workspace, return_with_overdue_action)

    assert result.verdict == "accepted"
    [warning] = [f for f in result.findings if f.code == "action-overdue"]
    assert (warning.severity, warning.where) == ("warning", "Actions!E3")
    assert warning.message == "Action 'CYP-A2' was due 31/12/2025 and is not complete."


def test_new_action_already_past_its_due_date_is_a_warning(workspace):
    path = workspace.submit(
        "new-action.xlsx",
        new_actions=[
            NewAction(
                action="Recruit two youth workers",
                owner="Sam Lee",
                due=date(2025, 5, 1),
                status="On track",
                percent_complete=20,
            )
        ],
    )

    result = verdict_of(workspace, path)

    assert result.verdict == "accepted"
    assert [(f.code, f.where) for f in result.findings] == [("action-overdue", "Actions!E5")]


def _history_of_cyp03(workspace, figures):
    """Accepted CYP returns for Q1-Q3, one pass each, with these CYP-03 figures."""
    for quarter, figure in zip((Q1, Q2, Q3), figures):
        workspace.reporting(quarter)
        workspace.submit(f"cyp-{quarter.slug}.xlsx", period=quarter, indicators={"CYP-03": {"actual": figure}})
        assert outcome(workspace.run(), f"cyp-{quarter.slug}.xlsx").verdict == "accepted"


def test_outlier_against_three_periods_of_history_is_a_warning_naming_the_previous_values(workspace):
    _history_of_cyp03(workspace, [Decimal("7.9"), Decimal("7.8"), Decimal("7.95")])
    workspace.reporting(Q4)
    path = workspace.submit("cyp-q4.xlsx", period=Q4, indicators={"CYP-03": {"actual": 2}})

    result = verdict_of(workspace, path)

    assert result.verdict == "accepted"
    [warning] = [f for f in result.findings if f.code == "outlier"]
    assert (warning.severity, warning.sheet) == ("warning", "Indicators")
    assert warning.cell == cell_of(workspace.template(period=Q4), "Indicators", "CYP-03", "Actual")
    assert warning.message == (
        "CYP-03: 2% is far from the previous values (2025-26 Q1: 7.9%, 2025-26 Q2: 7.8%, 2025-26 Q3: 7.95%)."
    )
    assert warning.fix == "Check the figure; if it is right, explain the change in Commentary."


def test_outlier_is_flagged_when_the_history_arrives_in_the_same_pass(workspace):
    workspace.reporting(Q4)
    for quarter, figure in zip((Q1, Q2, Q3, Q4), ("7.9", "7.8", "7.95", "2")):
        workspace.submit(f"cyp-{quarter.slug}.xlsx", period=quarter, indicators={"CYP-03": {"actual": figure}})

    result = outcome(workspace.run(), "cyp-2025-26-Q4.xlsx")

    assert [f.code for f in result.findings if f.code == "outlier"] == ["outlier"]


def test_figure_in_line_with_history_is_not_an_outlier(workspace):
    _history_of_cyp03(workspace, [Decimal("7.9"), Decimal("7.8"), Decimal("7.95")])
    workspace.reporting(Q4)
    path = workspace.submit("cyp-q4.xlsx", period=Q4, indicators={"CYP-03": {"actual": Decimal("7.85")}})

    assert [f.code for f in verdict_of(workspace, path).findings if f.code == "outlier"] == []


EXPLAINED = {"commentary": "Seasonal rise.", "remedial_action": "Extra patrols."}


def _history_of_csp03(workspace, totals):
    """Accepted CSP returns for 2025-26 Q1-Q4 with these running totals of CSP-03 (cumulative)."""
    for quarter, total in zip((Q1, Q2, Q3, Q4), totals):
        workspace.reporting(quarter)
        workspace.submit(
            f"csp-{quarter.slug}.xlsx",
            short="CSP",
            period=quarter,
            indicators={"CSP-03": {"actual": total, **EXPLAINED}},
        )
        assert outcome(workspace.run(), f"csp-{quarter.slug}.xlsx").verdict == "accepted"


def _next_year_templates(workspace, *quarters):
    from pipeline.returns.generate import write_templates

    for quarter in quarters:
        write_templates(
            workspace.config, workspace.register, Period(2026, quarter), ["CSP"], out_dir=workspace.templates
        )


def test_a_running_total_starting_again_in_april_is_not_an_outlier(workspace):
    # Most of the year's incidents fall in its first quarter: 2,900 after March's 4,800 is a new year.
    _history_of_csp03(workspace, [3000, 3600, 4200, 4800])
    _next_year_templates(workspace, 1)
    workspace.reporting(Period(2026, 1))
    path = workspace.submit(
        "csp-next-q1.xlsx", short="CSP", period=Period(2026, 1), indicators={"CSP-03": {"actual": 2900, **EXPLAINED}}
    )

    assert [f.message for f in verdict_of(workspace, path).findings if f.code == "outlier"] == []


def test_a_running_total_is_judged_by_the_quarter_s_own_amount(workspace):
    _history_of_csp03(workspace, [2156, 4475, 6850, 9020])
    _next_year_templates(workspace, 1, 2)
    workspace.reporting(Period(2026, 1))
    workspace.submit(
        "csp-next-q1.xlsx", short="CSP", period=Period(2026, 1), indicators={"CSP-03": {"actual": 2200, **EXPLAINED}}
    )
    workspace.run()
    workspace.reporting(Period(2026, 2))
    path = workspace.submit(
        "csp-next-q2.xlsx", short="CSP", period=Period(2026, 2), indicators={"CSP-03": {"actual": 12200, **EXPLAINED}}
    )

    [warning] = [f for f in verdict_of(workspace, path).findings if f.code == "outlier"]
    assert warning.message == (
        "CSP-03: 12,200 (a running total: 10,000 this quarter) is far from the amounts of "
        "earlier quarters (2025-26 Q2: 2,319, 2025-26 Q3: 2,375, 2025-26 Q4: 2,170, "
        "2026-27 Q1: 2,200)."
    )
    assert warning.fix == "Check the figure is right, and that Commentary says why it changed.", (
        "the return explains it already: not asked again"
    )


def _register_now(workspace, book) -> None:
    """The officer edits the register after the quarter's templates went out."""
    from registers import DEMO_REGISTER, write_register

    from pipeline.config.load import load_config

    register = write_register(workspace.root / "edited-register.xlsx", book)
    config = workspace.root / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(DEMO_REGISTER.as_posix(), register.as_posix()), encoding="utf-8"
    )
    workspace.config = load_config(config)
    assert workspace.config.paths.register == register


def test_an_indicator_added_to_the_register_after_the_template_is_not_blamed_on_the_submitter(workspace):
    from registers import demo_book

    path = workspace.fill("cyp.xlsx")  # from the template the partnership was sent
    book = demo_book()
    added = book["Indicators"].copy_row("CYP-01")
    added[book["Indicators"].column("Code")] = "CYP-09"
    book["Indicators"].rows.append(added)
    _register_now(workspace, book)

    result = verdict_of(workspace, workspace.drop(path))

    assert result.verdict == "accepted"
    codes = {f.code: f for f in result.findings}
    assert "earlier register" in codes["register-changed"].message
    assert "made before it was in the register" in codes["missing-indicator"].message


def test_a_target_changed_after_the_template_went_out_is_named_with_the_change(workspace):
    from registers import demo_book

    path = workspace.fill("cyp.xlsx", indicators={"CYP-04": {"actual": 35, "commentary": "", "remedial_action": "x"}})
    book = demo_book()
    book["Indicators"].set("CYP-04", "Q1 target", 30)  # the template said 34 per 1,000
    _register_now(workspace, book)

    result = verdict_of(workspace, workspace.drop(path))

    [error] = [f for f in result.findings if f.code == "off-target-no-commentary"]
    assert error.message == (
        "CYP-04 is Red against its target of 30 per 1,000 (the register's now: it has changed since this "
        "template was made), but has no commentary."
    )


def test_a_row_for_an_indicator_taken_out_of_the_register_is_set_aside_not_rejected(workspace):
    from registers import demo_book

    path = workspace.fill("cyp.xlsx")
    book = demo_book()
    table = book["Indicators"]
    del table.rows[table.excel_row("CYP-05") - 2]
    _register_now(workspace, book)

    result = verdict_of(workspace, workspace.drop(path))

    assert result.verdict == "accepted"
    [retired] = [f for f in result.findings if f.code == "retired-indicator"]
    assert retired.value == "CYP-05" and "not used" in retired.message


def _board_paper_made(workspace, period) -> None:
    """The period's pack, board paper and all, made as `pipeline report` makes it."""
    from pipeline.runtime.cycle import report_period

    assert any(p.name.startswith("board-paper-") for p in report_period(workspace.config, period, pdf=False))


def test_a_return_for_a_quarter_already_reported_to_the_board_is_accepted_with_a_warning_saying_so(workspace):
    from datetime import datetime

    _board_paper_made(workspace, Q1)
    workspace.now = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)  # Q1 went to the board on 4 August
    result = verdict_of(workspace, workspace.submit("cyp-q1-late.xlsx", period=Q1))

    assert result.verdict == "accepted"
    [warning] = [f for f in result.findings if f.code == "reported-period"]
    assert "2025-26 Q1, which went to the board on 4 August 2025" in warning.message
    assert "the board saw that quarter without CYP's figures, which are now added" in warning.message


def test_without_a_meeting_in_the_diary_a_late_return_is_not_said_to_have_gone_to_the_board(
    tmp_path, register, return_templates
):
    from datetime import datetime

    workspace = Workspace(
        tmp_path / "no-diary",
        register,
        return_templates,
        replace={'board_meetings = ["2025-08-04", "2025-11-04", "2026-02-05", "2026-05-08"]': "board_meetings = []"},
    )
    workspace.now = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
    result = verdict_of(workspace, workspace.submit("cyp-q1-late.xlsx", period=Q1))

    assert result.verdict == "accepted"
    assert [f for f in result.findings if f.code == "reported-period"] == []


def test_a_quarter_whose_board_paper_was_never_made_is_not_said_to_have_gone_to_the_board(workspace):
    from datetime import datetime

    workspace.now = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)  # after 4 August, but no paper was made for it
    result = verdict_of(workspace, workspace.submit("cyp-q1-late.xlsx", period=Q1))
    assert [f for f in result.findings if f.code == "reported-period"] == []


def test_the_meeting_is_the_first_after_the_deadlines_moved_by_templates_sent_late(workspace):
    from datetime import datetime

    # CSP's template went out on 28 July, so its deadline moved past the 4 August meeting: the
    # quarter goes to the one on 4 November, and a return in October is before it.
    workspace.templates_went_out("CSP", Q1, "2025-07-28T09:00:00Z")
    _board_paper_made(workspace, Q1)
    workspace.now = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
    result = verdict_of(workspace, workspace.submit("cyp-q1-late.xlsx", period=Q1))
    assert [f for f in result.findings if f.code == "reported-period"] == []
    workspace.now = datetime(2025, 11, 10, 9, 0, tzinfo=UTC)
    result = verdict_of(
        workspace, workspace.submit("cyp-q1-later.xlsx", period=Q1, indicators={"CYP-05": {"actual": 501}})
    )
    [warning] = [f for f in result.findings if f.code == "reported-period"]
    assert "went to the board on 4 November 2025" in warning.message


def test_a_changed_return_after_the_board_meeting_says_it_replaces_what_the_board_saw(workspace):
    from datetime import datetime

    workspace.submit("cyp-q1.xlsx", period=Q1)
    workspace.run()
    _board_paper_made(workspace, Q1)
    workspace.now = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
    result = verdict_of(
        workspace, workspace.submit("cyp-q1-v2.xlsx", period=Q1, indicators={"CYP-05": {"actual": 501}})
    )

    [warning] = [f for f in result.findings if f.code == "reported-period"]
    assert "its figures replace those reported then" in warning.message


def test_a_rejected_return_for_a_reported_quarter_is_not_said_to_replace_anything(workspace):
    from datetime import datetime

    workspace.now = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
    result = verdict_of(workspace, workspace.submit("cyp-q1.xlsx", period=Q1, indicators={"CYP-05": {"actual": "x"}}))

    assert result.verdict == "rejected"
    assert [f for f in result.findings if f.code == "reported-period"] == []


def test_a_return_for_a_quarter_that_had_not_started_is_rejected(workspace):
    # RECEIVED is in July 2025, during Q2: Q3's template was made ahead, or the year typed wrong. Its cells
    # (a figure that is no number) are not gone through: the return cannot be for that quarter at all.
    result = verdict_of(workspace, workspace.submit("cyp-q3.xlsx", period=Q3, indicators={"CYP-05": {"actual": "x"}}))

    assert the_error(result).code == "future-period"
    assert the_error(result).message == (
        "This return is for 2025-26 Q3 (October to December 2025), which had not "
        "started when it arrived on 10 July 2025, so it cannot hold that "
        "quarter's figures."
    )


def test_the_same_file_sent_again_once_its_quarter_has_started_is_examined_afresh_and_accepted(workspace):
    from datetime import datetime

    early = workspace.submit("cyp-q3.xlsx", period=Q3)
    assert the_error(verdict_of(workspace, early)).code == "future-period"
    workspace.now = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    workspace.drop(workspace.drafts / "cyp-q3.xlsx", "cyp-q3 again.xlsx")

    again = outcome(workspace.run(), "cyp-q3 again.xlsx")

    assert again.verdict == "accepted", "a copy of a rejected file is not a duplicate: what rejected it may be gone"


def test_a_return_for_the_quarter_still_running_is_accepted_with_a_warning(workspace):
    result = verdict_of(workspace, workspace.submit("cyp-q2.xlsx", period=Q2))

    assert result.verdict == "accepted"
    [warning] = [f for f in result.findings if f.code == "period-not-ended"]
    assert "2025-26 Q2, which does not end until 30 September 2025" in warning.message


def test_the_console_says_so_when_a_return_replaces_figures_the_board_has_seen(workspace):
    import io

    from pipeline.cli.app import main

    _board_paper_made(workspace, Q1)
    workspace.submit("cyp-q1-late.xlsx", period=Q1)
    out = io.StringIO()
    main(
        ["--config", str(workspace.root / "config.toml"), "-q", "run", "--no-pdf", "--received", "2025-10-01T09:00"],
        stdout=out,
    )
    assert "ACCEPTED" in out.getvalue() and "went to the board on 4 August 2025" in out.getvalue()


def test_a_return_before_its_board_meeting_carries_no_such_warning(workspace):
    result = verdict_of(workspace, workspace.submit("cyp-q1.xlsx", period=Q1))
    assert [f for f in result.findings if f.code == "reported-period"] == []


def test_a_figure_read_two_ways_off_target_either_way_asks_for_commentary_in_the_same_round(workspace):
    # "12,5" is 12.5 or 125; 125 cannot be a percentage, and 12.5 is far above CYP-01's target of 6 (lower
    # is better): retyping the figure alone would only bring the return back for its commentary.
    path = workspace.submit(
        "cyp.xlsx", indicators={"CYP-01": {"actual": "12,5", "commentary": "", "remedial_action": ""}}
    )

    result = verdict_of(workspace, path)

    codes = sorted(f.code for f in result.findings if f.severity == "error")
    assert codes == ["ambiguous-number", "off-target-no-commentary", "off-target-no-remedial-action"]
    [asked] = [f for f in result.findings if f.code == "off-target-no-commentary"]
    assert asked.message == (
        "CYP-01 would be off target against its target of 6% whichever way its figure is read, but has no commentary."
    )


def test_a_figure_read_two_ways_on_target_one_way_asks_only_for_the_figure(workspace):
    path = workspace.submit(
        "cyp.xlsx", indicators={"CYP-01": {"actual": 0.05, "commentary": "", "remedial_action": ""}}
    )  # 5% or 0.05%: both fine

    result = verdict_of(workspace, path)

    assert [f.code for f in result.findings if f.severity == "error"] == ["ambiguous-number"]


# -- injection-safe ------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://x","y")'


def test_formula_like_commentary_is_stored_as_text_with_a_warning(workspace):
    path = workspace.submit("formula.xlsx", indicators={"CYP-01": {"commentary": FORMULA}})

    result = verdict_of(workspace, path)

    assert result.verdict == "accepted"
    assert [(f.code, f.where) for f in result.findings] == [("formula-text", "Indicators!L2")]
    assert stored(workspace, "CYP-01").commentary == FORMULA
    archived = load_workbook(workspace.state / result.destination)
    assert archived["Indicators"]["L2"].data_type == "s", "the fixture typed text, not a formula"
