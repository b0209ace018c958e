"""Recognition: which template, version, partnership and period a file is, and finding the
tables by their labels however people have moved, re-cased, sorted or padded them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from spoil import (
    Workspace,
    add_sheet,
    drop_sheet,
    edit_header,
    editing,
    header_column,
    merge,
    outcome,
    recase_headers,
    rename_sheet,
    set_cover,
    set_meta,
    sort_rows,
    swap_columns,
)
from spoil import insert_blank_row as insert_row


def run(workspace: Workspace, path):
    return outcome(workspace.run(), path.name)


def the_error(result):
    assert result.verdict == "rejected", result
    errors = [f for f in result.findings if f.severity == "error"]
    assert len(errors) == 1, [f.line() for f in errors]
    return errors[0]


def accepted_with_figures(workspace: Workspace, result) -> dict[str, Decimal | None]:
    assert result.verdict == "accepted", [f.line() for f in result.findings]
    assert result.destination.startswith("archive/2025-26-Q1/CYP/")
    with workspace.store() as store:
        return {h.code: h.actual for h in store.history()}


TYPED = {"CYP-01": Decimal("5.2"), "CYP-03": Decimal("7.4"), "CYP-04": Decimal("31"), "CYP-05": Decimal("640")}


@pytest.fixture
def typed_return(workspace: Workspace):
    """A correct CYP 2025-26 Q1 return with a different figure in every row, not yet in the inbox."""
    return workspace.fill("CYP return.xlsx", indicators={code: {"actual": v} for code, v in TYPED.items()})


# -- what was expected, when the file is not what it should be ---------------------------------


@pytest.fixture
def return_with_renamed_indicators_sheet(workspace, typed_return):
    return workspace.drop(rename_sheet(typed_return, "Indicators", "Indicators Q1"))


def test_renamed_indicators_sheet_is_rejected_saying_what_was_expected(workspace, return_with_renamed_indicators_sheet):
    error = the_error(run(workspace, return_with_renamed_indicators_sheet))

    assert (error.code, error.sheet) == ("renamed-sheet", "Indicators")
    assert error.message == (
        "The sheet 'Indicators' is missing; it may have been renamed or deleted "
        "(the file has: Guidance, Cover, Indicators Q1, Actions, Risks, Areas)."
    )
    assert error.fix == "Rename the sheet back to 'Indicators', or start again from the template."


def test_a_return_rejected_for_a_renamed_sheet_is_still_known_as_its_partnership_s(
    workspace, return_with_renamed_indicators_sheet
):
    result = run(workspace, return_with_renamed_indicators_sheet)

    assert result.verdict == "rejected"
    assert (result.partnership, result.period) == ("CYP", "2025-26 Q1"), "so the feedback goes to CYP"
    assert (workspace.outbox / "feedback" / "2025-26-Q1").is_dir()
    assert not (workspace.outbox / "feedback" / "unrecognised").exists()


def test_a_cover_changed_to_another_period_is_rejected_at_the_cover_cell(workspace, typed_return):
    result = run(workspace, workspace.drop(set_cover(typed_return, "Period", "2025-26 Q2")))

    error = the_error(result)
    assert (error.code, error.sheet, error.cell, error.value) == ("cover-mismatch", "Cover", "B4", "2025-26 Q2")
    assert error.message == (
        "The Cover says this return is for 2025-26 Q2, but it was made from the 2025-26 Q1 "
        "template, whose rows are that quarter's."
    )


def test_a_cover_changed_to_another_partnership_is_rejected_at_the_cover_cell(workspace, typed_return):
    result = run(workspace, workspace.drop(set_cover(typed_return, "Partnership", "Safer Brackenford Partnership")))

    error = the_error(result)
    assert (error.code, error.cell) == ("cover-mismatch", "B3")
    assert "The Cover says this return is from Safer Brackenford Partnership" in error.message
    assert error.fix.startswith("If the figures are CSP's, put them in CSP's template")


@pytest.fixture
def return_with_edited_actual_header(workspace, typed_return):
    return workspace.drop(edit_header(typed_return, "Indicators", "Actual", "Actual figure"))


def test_edited_actual_header_is_rejected_naming_the_column(workspace, return_with_edited_actual_header):
    error = the_error(run(workspace, return_with_edited_actual_header))

    assert (error.code, error.sheet, error.row, error.value) == ("edited-header", "Indicators", 1, "Actual")
    column = get_column_letter(header_column(load_workbook(workspace.template())["Indicators"], "Actual"))
    assert error.cell == f"{column}1", "the cell where the header belongs, so the marked-up copy can show it"
    assert error.line() == (
        f"Indicators!{column}1: The column headed 'Actual' is missing from the header row; "
        "its header may have been changed or deleted. "
        "Put the header 'Actual' back exactly as in the template."
    )


def test_a_missing_header_is_placed_after_its_neighbour_even_when_a_column_was_inserted_before(workspace, typed_return):
    path = edit_header(typed_return, "Indicators", "Actual", "Actual figure")
    with editing(path) as book:
        book["Indicators"].insert_cols(1)  # a column of the officer's own, before everything
    error = the_error(run(workspace, workspace.drop(path)))
    column = header_column(load_workbook(workspace.template())["Indicators"], "Actual") + 1
    assert error.cell == f"{get_column_letter(column)}1"


@pytest.fixture
def return_with_template_version_changed_in_meta(workspace, typed_return):
    return workspace.drop(set_meta(typed_return, "template_version", "0"))


def test_out_of_date_template_version_is_rejected(workspace, return_with_template_version_changed_in_meta):
    error = the_error(run(workspace, return_with_template_version_changed_in_meta))

    assert error.code == "old-template"
    assert error.message == "This return was made from template version 0; the current version is 1."
    assert "current template" in error.fix


@pytest.fixture
def return_with_impossible_template_version(workspace, typed_return):
    return workspace.drop(set_meta(typed_return, "template_version", "1e999"))


def test_impossible_template_version_is_rejected_not_a_crash(workspace, return_with_impossible_template_version):
    assert the_error(run(workspace, return_with_impossible_template_version)).code == "old-template"


@pytest.fixture
def return_for_unknown_partnership(workspace, typed_return):
    return workspace.drop(set_meta(typed_return, "partnership", "XYZ"))


def test_return_for_unknown_partnership_is_rejected_listing_the_partnerships(workspace, return_for_unknown_partnership):
    error = the_error(run(workspace, return_for_unknown_partnership))

    assert (error.code, error.sheet) == ("unknown-partnership-return", "Cover")
    assert error.message == "The return is for partnership 'XYZ', which is not in the register."
    assert error.fix == "Use the template made for your partnership (one of CYP, CSP, HWB, HSG, SKL)."


@pytest.fixture
def return_with_bad_period_text(workspace, typed_return):
    return workspace.drop(set_meta(typed_return, "period", "Spring 2025"))


def test_return_with_bad_period_text_is_rejected(workspace, return_with_bad_period_text):
    error = the_error(run(workspace, return_with_bad_period_text))

    assert (error.code, error.sheet) == ("unknown-period", "Cover")
    assert error.message == "The return's period 'Spring 2025' is not a reporting period."


@pytest.fixture
def workbook_not_made_from_the_template(workspace):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Q1 figures"
    book.active.append(["Code", "Actual"])
    book.active.append(["CYP-01", 5.2])
    book.save(workspace.drafts / "my own sheet.xlsx")
    return workspace.drop(workspace.drafts / "my own sheet.xlsx")


def test_workbook_not_made_from_the_template_is_rejected_asking_for_the_template(
    workspace, workbook_not_made_from_the_template
):
    error = the_error(run(workspace, workbook_not_made_from_the_template))

    assert error.code == "not-a-return"
    assert "its sheets are: Q1 figures" in error.message
    assert "LSP" not in error.message, "officers are not expected to know the acronym"
    assert error.fix == "Fill in the return template that was sent to you for this period, and send that."


# -- reading however people have rearranged it ----------------------------------------------------


@pytest.fixture
def return_with_actual_and_commentary_columns_swapped(workspace, typed_return):
    return workspace.drop(swap_columns(typed_return, "Indicators", "Actual", "Commentary"))


def test_columns_moved_are_found_by_their_headers(workspace, return_with_actual_and_commentary_columns_swapped):
    result = run(workspace, return_with_actual_and_commentary_columns_swapped)

    assert accepted_with_figures(workspace, result) == TYPED


@pytest.fixture
def return_with_headers_recased(workspace, typed_return):
    return workspace.drop(recase_headers(typed_return, "Indicators"))


def test_recased_headers_are_recognised(workspace, return_with_headers_recased):
    assert accepted_with_figures(workspace, run(workspace, return_with_headers_recased)) == TYPED


@pytest.fixture
def return_with_rows_sorted_z_to_a(workspace, typed_return):
    return workspace.drop(sort_rows(typed_return, "Indicators"))


def test_rows_sorted_keep_each_figure_with_its_code(workspace, return_with_rows_sorted_z_to_a):
    assert accepted_with_figures(workspace, run(workspace, return_with_rows_sorted_z_to_a)) == TYPED


@pytest.fixture
def return_with_a_blank_row_inserted(workspace, typed_return):
    return workspace.drop(insert_row(typed_return, "Indicators", 3))


def test_blank_row_inserted_is_skipped(workspace, return_with_a_blank_row_inserted):
    assert accepted_with_figures(workspace, run(workspace, return_with_a_blank_row_inserted)) == TYPED


@pytest.fixture
def return_with_an_extra_sheet(workspace, typed_return):
    return workspace.drop(add_sheet(typed_return, "My workings"))


def test_extra_sheet_is_ignored(workspace, return_with_an_extra_sheet):
    assert accepted_with_figures(workspace, run(workspace, return_with_an_extra_sheet)) == TYPED


@pytest.fixture
def return_with_merged_commentary_cells(workspace):
    path = workspace.fill("merged.xlsx", indicators={"CYP-01": {"commentary": "Both figures improved."}})
    return workspace.drop(merge(path, "Indicators", "L2:L3"))


def test_merged_cells_in_a_text_column_are_read(workspace, return_with_merged_commentary_cells):
    run(workspace, return_with_merged_commentary_cells)

    with workspace.store() as store:
        commentary = {h.code: h.commentary for h in store.history()}
    assert commentary["CYP-01"] == "Both figures improved."
    assert commentary["CYP-03"] == ""


@pytest.fixture
def return_with_meta_sheet_deleted(workspace, typed_return):
    """What some programs do to a very hidden sheet on saving."""
    return workspace.drop(drop_sheet(typed_return, "_meta"))


def test_return_without_meta_sheet_is_recognised_from_the_cover(workspace, return_with_meta_sheet_deleted):
    result = run(workspace, return_with_meta_sheet_deleted)

    assert (result.partnership, result.period) == ("CYP", "2025-26 Q1")
    assert accepted_with_figures(workspace, result) == TYPED


@pytest.fixture
def return_without_meta_for_another_period_on_the_cover(workspace, typed_return):
    drop_sheet(typed_return, "_meta")
    return workspace.drop(set_cover(typed_return, "Period", "2025-26 Q7"))


def test_cover_fallback_still_checks_the_period(workspace, return_without_meta_for_another_period_on_the_cover):
    error = the_error(run(workspace, return_without_meta_for_another_period_on_the_cover))

    assert (error.code, error.message) == (
        "unknown-period",
        "The return's period '2025-26 Q7' is not a reporting period.",
    )
