"""Reading values as people type them: each row's id says what a person typed and what it means."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.domain.text import looks_like_formula, parse_text, parse_yes_no, safe_for_sheet
from pipeline.domain.values import (
    AMBIGUOUS,
    BLANK,
    DATE,
    INVALID,
    KINDS,
    NOT_AVAILABLE,
    NUMBER,
    parse_date,
    parse_number,
    parse_score,
)


def case(id_, *values):
    return pytest.param(*values, id=id_)


@pytest.mark.parametrize(
    "raw, expected",
    [
        case("whole_number_as_text", "7", D("7")),
        case("spaces_round_a_number", " 7 ", D("7")),
        case("thousands_separator", "1,234", D("1234")),
        case("thousands_and_decimals", "1,234.5", D("1234.5")),
        case("millions", "1,234,567", D("1234567")),
        case("decimal_as_text", "12.5", D("12.5")),
        case("leading_apostrophe", "'12", D("12")),
        case("pound_sign", "£1,200", D("1200")),
        case("pound_sign_with_space", "£ 1,200.50", D("1200.50")),
        case("negative", "-5", D("-5")),
        case("unicode_minus", "\u22125", D("-5")),
        case("en_dash_used_as_minus", "\u20135", D("-5")),
        case("negative_pounds", "-£5", D("-5")),
        case("plus_sign", "+5", D("5")),
        case("non_breaking_spaces_round", "\u00a012\u00a0", D("12")),
        case("full_width_digits", "\uff11\uff12", D("12")),
        case("trailing_point", "12.", D("12")),
        case("leading_point", ".5", D("0.5")),
        case("scientific_from_a_csv_export", "1.2E+05", D("120000")),
        case("minus_zero_is_zero", "-0", D("0")),
        case("int_cell", 12, D("12")),
        case("float_cell", 12.5, D("12.5")),
        case("float_cell_keeps_its_shortest_decimal", 0.1, D("0.1")),
        case("whole_float_cell_is_whole", 76.0, D("76")),
        case("negative_float_cell", -3.25, D("-3.25")),
        case("decimal_value", D("4.20"), D("4.20")),
    ],
)
def test_numbers_as_people_type_them(raw, expected):
    parsed = parse_number(raw)
    assert (parsed.kind, parsed.number) == (NUMBER, expected)


@pytest.mark.parametrize(
    "raw, percent_format, shown",
    [
        case("whole_float", 76.0, False, "76"),
        case("decimal_float", 12.5, False, "12.5"),
        case("trailing_zeros_typed", "12.500", False, "12.5"),
        case("large_whole_number_not_in_exponent_form", "1.2E+05", False, "120000"),
        case("percent_formatted_fraction", 0.125, True, "12.5"),
        case("percent_formatted_whole", 0.07, True, "7"),
    ],
)
def test_each_figure_has_one_plain_spelling_for_outputs(raw, percent_format, shown):
    assert str(parse_number(raw, "%", percent_format=percent_format).number) == shown


@pytest.mark.parametrize(
    "raw, unit, percent_format, expected",
    [
        case("percent_sign", "12.5%", "%", False, D("12.5")),
        case("percent_sign_after_a_space", "12.5 %", "%", False, D("12.5")),
        case("plain_number_for_a_percentage", "12.5", "%", False, D("12.5")),
        case("plain_float_for_a_percentage", 12.5, "%", False, D("12.5")),
        case("small_percentage_with_its_sign", "0.5%", "%", False, D("0.5")),
        case("one_is_one_percent", 1.0, "%", False, D("1")),
        case("zero_is_zero_percent", 0.0, "%", False, D("0")),
        case("percent_formatted_cell_reads_as_shown", 0.125, "%", True, D("12.5")),
        case("percent_formatted_cell_of_one_is_a_hundred", 1, "%", True, D("100")),
        case("percent_formatted_small_percentage", 0.005, "%", True, D("0.5")),
        case("percent_format_is_ignored_for_a_count", 0.125, "count", True, D("0.125")),
    ],
)
def test_percentages(raw, unit, percent_format, expected):
    parsed = parse_number(raw, unit, percent_format=percent_format)
    assert (parsed.kind, parsed.number) == (NUMBER, expected)


@pytest.mark.parametrize(
    "raw, kind",
    [
        case("none_is_blank", None, BLANK),
        case("empty_text_is_blank", "", BLANK),
        case("spaces_are_blank", "   ", BLANK),
        case("non_breaking_space_is_blank", "\u00a0", BLANK),
        case("lone_apostrophe_is_blank", "'", BLANK),
        case("n_slash_a", "n/a", NOT_AVAILABLE),
        case("upper_case_n_slash_a", "N/A", NOT_AVAILABLE),
        case("na", "na", NOT_AVAILABLE),
        case("hyphen", "-", NOT_AVAILABLE),
        case("en_dash", "–", NOT_AVAILABLE),
        case("em_dash", "—", NOT_AVAILABLE),
        case("not_available_in_words", "Not available", NOT_AVAILABLE),
        case("to_be_confirmed", "TBC", NOT_AVAILABLE),
    ],
)
def test_blank_and_not_available(raw, kind):
    parsed = parse_number(raw)
    assert (parsed.kind, parsed.number, parsed.note) == (kind, None, "")


@pytest.mark.parametrize(
    "raw, unit, note",
    [
        case(
            "fraction_in_a_percentage_column",
            0.125,
            "%",
            "could be a fraction meaning 12.5%, or 0.125%; type the percentage as a number, e.g. 12.5 for 12.5%",
        ),
        case(
            "fraction_typed_as_text_in_a_percentage_column",
            "0.5",
            "%",
            "could be a fraction meaning 50%, or 0.5%; type the percentage as a number, e.g. 12.5 for 12.5%",
        ),
        case(
            "decimal_comma",
            "1,5",
            "number",
            "could use a decimal comma (1.5) or be the whole number 15; "
            "type the figure with a full stop for decimals, e.g. 1.5",
        ),
        case(
            "decimal_comma_keeps_its_minus_sign",
            "-1,5",
            "number",
            "could use a decimal comma (-1.5) or be the "
            "whole number -15; type the figure with a full stop for decimals, e.g. -1.5",
        ),
        case(
            "decimal_comma_with_two_places",
            "12,50",
            "number",
            "could use a decimal comma (12.50) or be the whole "
            "number 1250; type the figure with a full stop for decimals, e.g. 12.50",
        ),
        case(
            "european_thousands_point",
            "1.234,5",
            "number",
            "has commas or points in unusual places; type the "
            "figure with a full stop for decimals and no other marks, e.g. 1234.5",
        ),
        case("space_inside_the_number", "1 234", "number", "has a space inside the number; type it without spaces"),
        case(
            "brackets_for_negative",
            "(12)",
            "£",
            "is in brackets, which accountants use for a negative amount; "
            "type -12 for minus 12, or 12 without brackets",
        ),
        case(
            "brackets_name_the_figure_typed",
            "(£1,200.50)",
            "£",
            "is in brackets, which accountants use for a "
            "negative amount; type -1,200.50 for minus 1,200.50, or 1,200.50 without brackets",
        ),
        case(
            "nil_could_be_zero_or_nothing",
            "Nil",
            "count",
            'could mean 0 or "not available"; type 0, or n/a if the figure is not available',
        ),
        case(
            "percent_sign_on_a_count",
            "12%",
            "count",
            'has a % sign, but this indicator is not a percentage (its unit is "count"); type the number alone',
        ),
        case(
            "pound_sign_on_a_percentage",
            "£12",
            "%",
            'has a £ sign, but this indicator is not money (its unit is "%"); type the number alone',
        ),
        case(
            "tiny_fraction_note_stays_short",
            1e-30,
            "%",
            "could be a fraction meaning 1E-28%, or 1E-30%; type the percentage as a number, e.g. 12.5 for 12.5%",
        ),
    ],
)
def test_ambiguous_values_are_reported_not_guessed(raw, unit, note):
    parsed = parse_number(raw, unit)
    assert (parsed.kind, parsed.number, parsed.note) == (AMBIGUOUS, None, note)


@pytest.mark.parametrize(
    "raw, note",
    [
        case("number_in_words", "twelve", "is not a number; type the figure in digits, e.g. 12.5"),
        case(
            "number_with_words",
            "approx 12",
            "has words or symbols as well as a number; type the number alone and put any explanation in the commentary",
        ),
        case(
            "suppressed_small_number",
            "<5",
            "has words or symbols as well as a number; type the number alone and put any explanation in the commentary",
        ),
        case("excel_error_text", "#DIV/0!", "shows the spreadsheet error #DIV/0!; fix the formula or type the figure"),
        case(
            "date_typed_in_a_number_cell", "31/03/2026", "looks like a date, not a number; type the figure, e.g. 12.5"
        ),
        case("date_cell", date(2026, 3, 31), "looks like a date or time, not a number; format the cell as a number"),
        case(
            "datetime_cell",
            datetime(2026, 3, 31),
            "looks like a date or time, not a number; format the cell as a number",
        ),
        case("true_cell", True, "is TRUE or FALSE, not a number"),
        case("false_cell", False, "is TRUE or FALSE, not a number"),
        case("nan_float", float("nan"), "is not a finite number"),
        case("infinite_float", float("inf"), "is not a finite number"),
        case("nan_decimal", D("NaN"), "is not a finite number"),
        case("huge_float", 1e300, "is far too large to be a figure; check for a typing slip"),
        case("huge_exponent_text", "1e999", "is far too large to be a figure; check for a typing slip"),
        case("absurdly_long_text", "1" * 500, "is far too long to be a figure"),
        case(
            "double_minus",
            "--5",
            "has words or symbols as well as a number; type the number alone and put any explanation in the commentary",
        ),
        case("list_object", [1], "is a list, not a number"),
        case("lone_percent_sign", "%", "is not a number; type the figure in digits, e.g. 12.5"),
        case("lone_pound_sign", "£", "is not a number; type the figure in digits, e.g. 12.5"),
    ],
)
def test_invalid_values_say_why(raw, note):
    parsed = parse_number(raw)
    assert (parsed.kind, parsed.number, parsed.note) == (INVALID, None, note)


@pytest.mark.parametrize(
    "raw, expected",
    [
        case("uk_slashes", "31/03/2026", date(2026, 3, 31)),
        case("uk_day_first_when_both_could_be_months", "03/04/2026", date(2026, 4, 3)),
        case("iso", "2026-03-31", date(2026, 3, 31)),
        case("iso_with_time_from_a_csv", "2026-03-31T00:00:00", date(2026, 3, 31)),
        case("iso_with_slashes", "2026/03/31", date(2026, 3, 31)),
        case("day_month_name_year", "31 March 2026", date(2026, 3, 31)),
        case("ordinal_day", "31st March 2026", date(2026, 3, 31)),
        case("excel_display_format", "31-Mar-26", date(2026, 3, 31)),
        case("short_month_full_year", "1 Sept 2026", date(2026, 9, 1)),
        case("month_name_first", "March 31, 2026", date(2026, 3, 31)),
        case("two_digit_year", "31/03/26", date(2026, 3, 31)),
        case("two_digit_year_thirty_is_nineteen_thirty", "1/1/30", date(1930, 1, 1)),
        case("dots", "31.03.2026", date(2026, 3, 31)),
        case("apostrophe_and_spaces", " '31/03/2026 ", date(2026, 3, 31)),
        case("date_cell", date(2026, 3, 31), date(2026, 3, 31)),
        case("datetime_cell", datetime(2026, 3, 31, 14, 5), date(2026, 3, 31)),
        case("excel_serial_float", 46112.0, date(2026, 3, 31)),
        case("excel_serial_with_time", 46112.75, date(2026, 3, 31)),
        case("excel_serial_before_the_phantom_leap_day", 59, date(1900, 2, 28)),
        case("excel_serial_after_the_phantom_leap_day", 61, date(1900, 3, 1)),
    ],
)
def test_dates_as_people_type_them(raw, expected):
    parsed = parse_date(raw)
    assert (parsed.kind, parsed.value) == (DATE, expected)


@pytest.mark.parametrize(
    "raw, kind, note",
    [
        case("blank", None, BLANK, ""),
        case("spaces", "  ", BLANK, ""),
        case("not_available", "n/a", NOT_AVAILABLE, ""),
        case(
            "us_month_first",
            "03/31/2026",
            AMBIGUOUS,
            "looks like a US-style date (month first); type the date as day/month/year, e.g. 31/03/2026",
        ),
        case(
            "impossible_day",
            "31/02/2026",
            INVALID,
            "is not a real date; type the date as day/month/year, e.g. 31/03/2026",
        ),
        case(
            "misspelt_month",
            "31 Marhc 2026",
            INVALID,
            '"marhc" is not a month; type the date as day/month/year, e.g. 31/03/2026',
        ),
        case("words", "end of March", INVALID, "is not a date; type the date as day/month/year, e.g. 31/03/2026"),
        case(
            "boolean", True, INVALID, "is TRUE or FALSE, not a date; type the date as day/month/year, e.g. 31/03/2026"
        ),
        case(
            "negative_serial",
            -5.0,
            INVALID,
            "is a number, not a date; type the date as day/month/year, e.g. 31/03/2026",
        ),
        case(
            "nan_serial",
            float("nan"),
            INVALID,
            "is a number, not a date; type the date as day/month/year, e.g. 31/03/2026",
        ),
        case(
            "phantom_leap_day",
            60,
            INVALID,
            "is 29 February 1900, a date Excel has but the calendar does not; "
            "type the date as day/month/year, e.g. 31/03/2026",
        ),
    ],
)
def test_dates_that_are_not_read(raw, kind, note):
    parsed = parse_date(raw)
    assert (parsed.kind, parsed.value, parsed.note) == (kind, None, note)


@pytest.mark.parametrize(
    "raw, expected",
    [
        case("none_is_empty", None, ""),
        case("trimmed", "  Youth Offending Team \n", "Youth Offending Team"),
        case("leading_apostrophe_dropped_once", "''quoted'", "'quoted'"),
        case("apostrophe_before_a_formula_like_text", "'=SUM(A1)", "=SUM(A1)"),
        case("windows_line_ends", "line one\r\nline two\rline three", "line one\nline two\nline three"),
        case("non_breaking_spaces", "Q3\u00a02025-26", "Q3 2025-26"),
        case("control_characters_xml_cannot_hold_are_dropped", "a\x00b\x0bc\td", "abc\td"),
        case("whole_float_has_no_point_zero", 12.0, "12"),
        case("float_keeps_its_decimals", 12.5, "12.5"),
        case("int", 7, "7"),
        case("huge_int", 10**5000, "1" + "0" * 5000),
        case("decimal", D("1.50"), "1.50"),
        case("boolean", True, "TRUE"),
        case("date", date(2026, 3, 31), "31/03/2026"),
        case("midnight_datetime_is_a_date", datetime(2026, 3, 31), "31/03/2026"),
        case("datetime_with_time", datetime(2026, 3, 31, 9, 30), "31/03/2026 09:30"),
    ],
)
def test_parse_text(raw, expected):
    assert parse_text(raw) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        case("equals", "=1+1", True),
        case("plus_text", "+44 20 7946 0000", True),
        case("minus_text", "-cmd|' /C calc'!A0", True),
        case("at_sign", "@SUM(A1)", True),
        case("tab", "\t=1", True),
        case("carriage_return", "\r=1", True),
        case("equals_after_spaces", '  =HYPERLINK("http://x")', True),
        case("full_width_equals", "\uff1d1+1", True),
        case("plain_negative_number", "-5", False),
        case("plain_negative_decimal", "-5.25", False),
        case("plain_positive_number", "+5", False),
        case("negative_percentage", "-5%", False),
        case("ordinary_text", "Reduce re-offending", False),
        case("empty", "", False),
    ],
)
def test_looks_like_formula(text, expected):
    assert looks_like_formula(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        case("formula_gets_an_apostrophe", "=1+1", "'=1+1"),
        case("link_gets_an_apostrophe", "@SUM(A1)", "'@SUM(A1)"),
        case("negative_number_left_alone", "-5", "-5"),
        case("plain_text_left_alone", "On track", "On track"),
    ],
)
def test_safe_for_sheet(text, expected):
    assert safe_for_sheet(text) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        case("yes", "Yes", True),
        case("y", " y ", True),
        case("true_cell", True, True),
        case("one", 1, True),
        case("tick", "✓", True),
        case("no", "NO", False),
        case("false_cell", False, False),
        case("zero_float", 0.0, False),
        case("blank", None, None),
        case("maybe", "maybe", None),
    ],
)
def test_parse_yes_no(raw, expected):
    assert parse_yes_no(raw) is expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        case("int", 3, 3),
        case("float_cell", 3.0, 3),
        case("text_with_spaces", " 5 ", 5),
        case("one_is_the_lowest", "1", 1),
        case("zero_is_out_of_range", 0, None),
        case("six_is_out_of_range", 6, None),
        case("half_is_not_whole", 3.5, None),
        case("boolean_is_not_a_score", True, None),
        case("blank", None, None),
        case("word", "high", None),
    ],
)
def test_parse_score(raw, expected):
    assert parse_score(raw) == expected


def check_invariants(parsed):
    assert parsed.kind in KINDS
    assert (parsed.kind == NUMBER) == (parsed.number is not None)
    assert bool(parsed.note) == (parsed.kind in (INVALID, AMBIGUOUS))
    if parsed.kind == AMBIGUOUS:  # validation ends its message with the first half and gives the second as the fix
        what, _, how = parsed.note.partition("; ")
        assert what and how


units = st.sampled_from(["number", "%", "rate per 1,000", "£", "days", "count"])
cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
    st.just(object()),
    st.lists(st.integers(), max_size=2),
)
# Text built from the characters people actually put round figures, so the
# interesting branches (signs, separators, brackets, units) are reached often.
typed_text = st.text(alphabet="0123456789.,-+%£()' \u00a0\u2212naN/Ee", max_size=12)


@given(st.text(), units)
def test_parse_number_never_raises_on_any_text(text, unit):
    check_invariants(parse_number(text, unit))


@given(typed_text, units)
def test_parse_number_never_raises_on_figure_like_text(text, unit):
    check_invariants(parse_number(text, unit))


@given(st.floats(allow_nan=True, allow_infinity=True), units, st.booleans())
def test_parse_number_never_raises_on_any_float(value, unit, percent_format):
    check_invariants(parse_number(value, unit, percent_format=percent_format))


@given(cell_values, units)
def test_parse_number_never_raises_on_any_cell_value(value, unit):
    check_invariants(parse_number(value, unit))


@given(st.one_of(cell_values, typed_text))
def test_parse_text_and_parse_date_never_raise(value):
    assert isinstance(parse_text(value), str)
    parsed = parse_date(value)
    assert (parsed.kind == DATE) == (parsed.value is not None)


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=D("-1e12"), max_value=D("1e12"), places=4))
def test_a_figure_written_as_text_reads_back_as_the_same_figure(value):
    assert parse_number(format(value, "f")).number == value


@given(st.text())
def test_safe_for_sheet_never_leaves_a_formula(text):
    assert not looks_like_formula(safe_for_sheet(text))


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_thousands_separators_read_back_as_the_same_whole_number(value):
    assert parse_number(f"{value:,}").number == value


def test_timedelta_and_time_cells_are_not_numbers():
    assert parse_number(timedelta(days=1)).kind == INVALID
    assert parse_number(time(9, 30)).kind == INVALID


@pytest.mark.parametrize(
    "raw, unit, readings",
    [
        case("a_fraction_in_a_percentage_column", 0.45, "%", (D("45"), D("0.45"))),
        case("a_decimal_comma", "12,5", "number", (D("12.5"), D("125"))),
        case("a_negative_decimal_comma", "-1,5", "count", (D("-1.5"), D("-15"))),
        case("an_amount_in_brackets", "(12)", "£", (D("-12"), D("12"))),
    ],
)
def test_an_ambiguous_figure_carries_each_figure_it_could_be(raw, unit, readings):
    parsed = parse_number(raw, unit)
    assert (parsed.kind, parsed.readings) == (AMBIGUOUS, readings)
