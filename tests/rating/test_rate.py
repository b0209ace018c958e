"""The rating engine, pinned case by case: each row's id says the behaviour."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from pipeline.domain.records import Frequency, Indicator, Polarity, Scheme, Tolerance
from pipeline.rating.rag import (
    ActionRag,
    Direction,
    GapTrend,
    Movement,
    Override,
    Rag,
    RiskBand,
    RiskBands,
    apply_override,
    direction,
    expected_percent,
    gap,
    parse_rag,
    period_target,
    rate,
    rate_action,
    rate_indicator,
    risk_band,
    risk_movement,
    risk_score,
)

HIGHER, LOWER, NONE = Polarity.HIGHER, Polarity.LOWER, Polarity.NONE
THREE, FOUR, IMPROVEMENT = Scheme.THREE_LEVEL, Scheme.FOUR_LEVEL, Scheme.IMPROVEMENT
PCT5 = Tolerance(D("5"), True)
ABS2 = Tolerance(D("2"), False)


def case(id_, *values):
    return pytest.param(*values, id=id_)


@pytest.mark.parametrize(
    "polarity, scheme, tolerance, target, actual, expected",
    [
        case("exactly_on_target_is_green", HIGHER, THREE, PCT5, D("80"), D("80"), Rag.GREEN),
        case("beating_target_is_green", HIGHER, THREE, PCT5, D("80"), D("95"), Rag.GREEN),
        case("missed_by_exactly_the_tolerance_is_amber", HIGHER, THREE, PCT5, D("80"), D("76"), Rag.AMBER),
        case("missed_just_past_the_tolerance_is_red", HIGHER, THREE, PCT5, D("80"), D("75.99"), Rag.RED),
        case("missed_by_a_hair_is_amber", HIGHER, THREE, PCT5, D("80"), D("79.999"), Rag.AMBER),
        case("lower_is_better_under_target_is_green", LOWER, THREE, PCT5, D("80"), D("70"), Rag.GREEN),
        case("lower_is_better_on_target_is_green", LOWER, THREE, PCT5, D("80"), D("80"), Rag.GREEN),
        case("lower_is_better_on_tolerance_edge_is_amber", LOWER, THREE, PCT5, D("80"), D("84"), Rag.AMBER),
        case("lower_is_better_past_tolerance_is_red", LOWER, THREE, PCT5, D("80"), D("84.01"), Rag.RED),
        case("target_zero_absolute_tolerance_edge_is_amber", LOWER, THREE, ABS2, D("0"), D("2"), Rag.AMBER),
        case("target_zero_absolute_tolerance_past_is_red", LOWER, THREE, ABS2, D("0"), D("2.1"), Rag.RED),
        case("target_zero_percent_tolerance_any_miss_is_red", LOWER, THREE, PCT5, D("0"), D("0.01"), Rag.RED),
        case("target_zero_met_is_green", LOWER, THREE, PCT5, D("0"), D("0"), Rag.GREEN),
        case("negative_target_band_uses_its_size", HIGHER, THREE, PCT5, D("-20"), D("-21"), Rag.AMBER),
        case("negative_target_past_band_is_red", HIGHER, THREE, PCT5, D("-20"), D("-21.01"), Rag.RED),
        case("negative_actual_lower_is_better_is_green", LOWER, THREE, ABS2, D("-5"), D("-6"), Rag.GREEN),
        case("absolute_tolerance_edge_is_amber", HIGHER, THREE, ABS2, D("10"), D("8"), Rag.AMBER),
        case("zero_tolerance_any_miss_is_red", HIGHER, THREE, Tolerance(D(0), True), D("10"), D("9.99"), Rag.RED),
        case("four_level_on_target_is_green", HIGHER, FOUR, PCT5, D("80"), D("80"), Rag.GREEN),
        case("four_level_first_half_of_band_is_amber_green", HIGHER, FOUR, PCT5, D("80"), D("79"), Rag.AMBER_GREEN),
        case("four_level_split_edge_is_amber_green", HIGHER, FOUR, PCT5, D("80"), D("78"), Rag.AMBER_GREEN),
        case("four_level_just_past_split_is_amber_red", HIGHER, FOUR, PCT5, D("80"), D("77.99"), Rag.AMBER_RED),
        case("four_level_tolerance_edge_is_amber_red", HIGHER, FOUR, PCT5, D("80"), D("76"), Rag.AMBER_RED),
        case("four_level_past_tolerance_is_red", HIGHER, FOUR, PCT5, D("80"), D("75.9"), Rag.RED),
        case("four_level_lower_is_better_split_edge", LOWER, FOUR, ABS2, D("10"), D("11"), Rag.AMBER_GREEN),
        case("four_level_lower_is_better_rest_of_band", LOWER, FOUR, ABS2, D("10"), D("11.5"), Rag.AMBER_RED),
        case("four_level_zero_band_any_miss_is_red", HIGHER, FOUR, PCT5, D("0"), D("-1"), Rag.RED),
    ],
)
def test_three_and_four_level_schemes(polarity, scheme, tolerance, target, actual, expected):
    rag = rate_indicator(polarity=polarity, scheme=scheme, tolerance=tolerance, target=target, actual=actual)
    assert rag is expected


def test_four_level_split_point_is_configurable():
    common = dict(polarity=HIGHER, scheme=FOUR, tolerance=PCT5, target=D("80"))
    assert rate_indicator(**common, actual=D("77"), four_level_split=D("75")) is Rag.AMBER_GREEN
    assert rate_indicator(**common, actual=D("77"), four_level_split=D("25")) is Rag.AMBER_RED


def test_four_level_split_outside_0_to_100_is_a_programming_error():
    with pytest.raises(ValueError, match="0-100"):
        rate_indicator(
            polarity=HIGHER, scheme=FOUR, tolerance=PCT5, target=D(1), actual=D(1), four_level_split=D("150")
        )


@pytest.mark.parametrize(
    "polarity, actual, last_year, expected",
    [
        case("on_target_is_green_whatever_last_year", HIGHER, D("80"), D("90"), Rag.GREEN),
        case("within_tolerance_is_green", HIGHER, D("76"), D("90"), Rag.GREEN),
        case("outside_tolerance_but_improved_is_amber", HIGHER, D("70"), D("60"), Rag.AMBER),
        case("outside_tolerance_and_maintained_is_amber", HIGHER, D("70"), D("70"), Rag.AMBER),
        case("outside_tolerance_and_worse_is_red", HIGHER, D("70"), D("71"), Rag.RED),
        case("outside_tolerance_no_last_year_is_red", HIGHER, D("70"), None, Rag.RED),
        case("lower_is_better_improved_is_amber", LOWER, D("90"), D("95"), Rag.AMBER),
        case("lower_is_better_worse_is_red", LOWER, D("90"), D("89"), Rag.RED),
        case("lower_is_better_tolerance_edge_is_green", LOWER, D("84"), D("70"), Rag.GREEN),
    ],
)
def test_improvement_scheme(polarity, actual, last_year, expected):
    rag = rate_indicator(
        polarity=polarity,
        scheme=IMPROVEMENT,
        tolerance=PCT5,
        target=D("80"),
        actual=actual,
        same_period_last_year=last_year,
    )
    assert rag is expected


@pytest.mark.parametrize(
    "polarity, target, actual, expected",
    [
        case("no_polarity_is_not_rated", NONE, D("80"), D("10"), Rag.NOT_RATED),
        case("no_polarity_without_target_is_not_rated", NONE, None, D("10"), Rag.NOT_RATED),
        case("no_target_is_no_target", HIGHER, None, D("10"), Rag.NO_TARGET),
        case("no_target_and_no_actual_is_no_data", HIGHER, None, None, Rag.NO_DATA),
        case("no_polarity_and_no_actual_is_no_data", NONE, D("80"), None, Rag.NO_DATA),
        case("no_actual_is_no_data", LOWER, D("80"), None, Rag.NO_DATA),
    ],
)
@pytest.mark.parametrize("scheme", [THREE, FOUR, IMPROVEMENT])
def test_unrated_outcomes_under_every_scheme(scheme, polarity, target, actual, expected):
    assert rate_indicator(polarity=polarity, scheme=scheme, tolerance=PCT5, target=target, actual=actual) is expected


def test_seventy_six_against_eighty_is_amber_even_when_figures_arrive_as_float_text():
    # The reader turns a float cell into Decimal via its repr, so 76.0 stays exactly 76.
    actual = D(repr(76.0))
    assert rate_indicator(polarity=HIGHER, scheme=THREE, tolerance=PCT5, target=D("80"), actual=actual) is Rag.AMBER


def indicator(
    *, annual=D("100"), profile=(None, None, None, None), cumulative=False, polarity=HIGHER, tolerance=None, scheme=None
):
    return Indicator(
        code="CS1",
        title="Test",
        partnership="CS",
        unit="number",
        polarity=polarity,
        frequency=Frequency.QUARTERLY,
        cumulative=cumulative,
        baseline=None,
        baseline_period="",
        annual_target=annual,
        quarter_targets=profile,
        final_target=annual,
        final_target_year="2027",
        tolerance=tolerance,
        scheme=scheme,
        target_lead="",
        delivery_group="",
        data_source="",
        definition="",
    )


@pytest.mark.parametrize(
    "ind, targets",
    [
        case(
            "cumulative_without_profile_is_straight_line",
            indicator(cumulative=True),
            (D("25"), D("50"), D("75"), D("100")),
        ),
        case(
            "cumulative_straight_line_is_exact_for_odd_annuals",
            indicator(annual=D("10"), cumulative=True),
            (D("2.5"), D("5"), D("7.5"), D("10")),
        ),
        case(
            "profile_wins_over_straight_line",
            indicator(cumulative=True, profile=(D(10), D(40), D(70), D(100))),
            (D("10"), D("40"), D("70"), D("100")),
        ),
        case(
            "partly_profiled_cumulative_fills_gaps_straight_line",
            indicator(cumulative=True, profile=(D(10), None, None, D(100))),
            (D("10"), D("50"), D("75"), D("100")),
        ),
        case(
            "non_cumulative_without_profile_uses_annual_every_quarter",
            indicator(),
            (D("100"), D("100"), D("100"), D("100")),
        ),
        case(
            "non_cumulative_profile_is_used",
            indicator(profile=(D(90), D(92), D(95), D(100))),
            (D("90"), D("92"), D("95"), D("100")),
        ),
        case("no_annual_target_gives_none", indicator(annual=None, cumulative=True), (None, None, None, None)),
    ],
)
def test_period_target_across_four_quarters(ind, targets):
    assert tuple(period_target(ind, q) for q in (1, 2, 3, 4)) == targets


def test_period_target_rejects_a_quarter_outside_1_to_4():
    with pytest.raises(ValueError, match="1-4"):
        period_target(indicator(), 5)


@pytest.mark.parametrize(
    "ind, quarter, actual, expected",
    [
        case("cumulative_q2_rated_against_half_the_annual", indicator(cumulative=True), 2, D("50"), Rag.GREEN),
        case("cumulative_q2_within_defaults_is_amber", indicator(cumulative=True), 2, D("47.5"), Rag.AMBER),
        case("register_tolerance_overrides_default", indicator(tolerance=ABS2), 1, D("97"), Rag.RED),
        case("register_scheme_overrides_default", indicator(scheme=FOUR), 1, D("99"), Rag.AMBER_GREEN),
    ],
)
def test_rate_uses_period_target_and_config_defaults(ind, quarter, actual, expected):
    assert rate(ind, quarter, actual, default_scheme=THREE, default_tolerance=PCT5) is expected


@pytest.mark.parametrize(
    "polarity, current, previous, band, expected",
    [
        case("higher_is_better_up_is_improving", HIGHER, D("12"), D("10"), D(0), Direction.IMPROVING),
        case("higher_is_better_down_is_worsening", HIGHER, D("8"), D("10"), D(0), Direction.WORSENING),
        case("lower_is_better_down_is_improving", LOWER, D("8"), D("10"), D(0), Direction.IMPROVING),
        case("lower_is_better_up_is_worsening", LOWER, D("12"), D("10"), D(0), Direction.WORSENING),
        case("same_figure_is_no_change", HIGHER, D("10"), D("10"), D(0), Direction.NO_CHANGE),
        case("no_polarity_up_is_increasing", NONE, D("12"), D("10"), D(0), Direction.INCREASING),
        case("no_polarity_down_is_decreasing", NONE, D("8"), D("10"), D(0), Direction.DECREASING),
        case("no_polarity_same_is_no_change", NONE, D("10"), D("10"), D(0), Direction.NO_CHANGE),
        case("move_exactly_on_band_edge_is_no_change", HIGHER, D("10.2"), D("10"), D(2), Direction.NO_CHANGE),
        case("move_just_past_band_is_improving", HIGHER, D("10.21"), D("10"), D(2), Direction.IMPROVING),
        case("fall_within_band_is_no_change", LOWER, D("9.9"), D("10"), D(2), Direction.NO_CHANGE),
        case("band_on_negative_previous_uses_its_size", HIGHER, D("-9.8"), D("-10"), D(2), Direction.NO_CHANGE),
        case("previous_zero_band_is_zero", HIGHER, D("0.01"), D("0"), D(50), Direction.IMPROVING),
        case("missing_current_is_not_comparable", HIGHER, None, D("10"), D(0), Direction.NOT_COMPARABLE),
        case("missing_previous_is_not_comparable", NONE, D("10"), None, D(0), Direction.NOT_COMPARABLE),
    ],
)
def test_direction_of_travel(polarity, current, previous, band, expected):
    assert direction(polarity=polarity, current=current, previous=previous, no_change_band=band) is expected


def test_every_direction_has_words_and_an_arrow_that_means_better_or_higher():
    assert {d: d.arrow for d in Direction} == {
        Direction.IMPROVING: "▲",
        Direction.INCREASING: "▲",
        Direction.WORSENING: "▼",
        Direction.DECREASING: "▼",
        Direction.NO_CHANGE: "►",
        Direction.NOT_COMPARABLE: "",
    }


def test_ratings_sort_worst_first_with_the_unrated_last():
    assert sorted(Rag, key=lambda r: r.rank) == [
        Rag.RED,
        Rag.AMBER_RED,
        Rag.AMBER,
        Rag.AMBER_GREEN,
        Rag.GREEN,
        Rag.NO_DATA,
        Rag.NO_TARGET,
        Rag.NOT_RATED,
    ]


def test_exceptions_are_red_amber_red_and_amber_not_amber_green():
    assert {r for r in Rag if r.is_exception} == {Rag.RED, Rag.AMBER_RED, Rag.AMBER}


def test_unrated_outcomes_are_grey_and_rated_ones_each_have_their_own_fill():
    greys = {r.colour for r in (Rag.NO_TARGET, Rag.NO_DATA, Rag.NOT_RATED)}
    rated = [r.colour for r in Rag if r.is_rated]
    assert len(greys) == 1 and len(set(rated)) == 5 and not greys & set(rated)
    assert all(c.startswith("#") and len(c) == 7 for c in greys | set(rated))


@pytest.mark.parametrize(
    "text, expected",
    [
        case("full_word", "Red", Rag.RED),
        case("lower_case_with_spaces", " amber / green ", Rag.AMBER_GREEN),
        case("hyphenated", "Amber-Red", Rag.AMBER_RED),
        case("short_form", "A/G", Rag.AMBER_GREEN),
        case("single_letter", "g", Rag.GREEN),
        case("unrated_value", "no data", Rag.NO_DATA),
        case("unknown_word", "purple", None),
    ],
)
def test_parse_rag_reads_an_officers_override(text, expected):
    assert parse_rag(text) is expected


def test_override_keeps_computed_rating_beside_the_final_one():
    override = Override(period="2025-26 Q3", code="CS1", rating=Rag.AMBER, reason="Data lag", who="J Smith")
    outcome = apply_override(Rag.RED, override)
    assert (outcome.computed, outcome.final, outcome.overridden, outcome.reason, outcome.who) == (
        Rag.RED,
        Rag.AMBER,
        True,
        "Data lag",
        "J Smith",
    )


def test_no_override_leaves_the_computed_rating():
    outcome = apply_override(Rag.GREEN, None)
    assert (outcome.computed, outcome.final, outcome.overridden, outcome.reason) == (Rag.GREEN, Rag.GREEN, False, "")


START, DUE = date(2026, 1, 1), date(2026, 12, 31)
MID = date(2026, 7, 2)  # 182 of 364 days: exactly 50% expected


@pytest.mark.parametrize(
    "status, percent, start, due, as_at, expected",
    [
        case("reported_complete_is_complete", "Complete", D("60"), START, DUE, MID, ActionRag.COMPLETE),
        case("completed_spelling_is_complete", " completed ", None, START, DUE, date(2027, 3, 1), ActionRag.COMPLETE),
        case("hundred_percent_is_complete", "On track", D("100"), START, DUE, MID, ActionRag.COMPLETE),
        case(
            "cancelled_is_cancelled_even_if_overdue",
            "Cancelled",
            D("10"),
            START,
            DUE,
            date(2027, 3, 1),
            ActionRag.CANCELLED,
        ),
        case("overdue_and_not_complete_is_red", "On track", D("95"), START, DUE, date(2027, 1, 1), ActionRag.RED),
        case("on_due_date_is_not_overdue", "On track", D("100") - D("0.1"), START, DUE, DUE, ActionRag.AMBER),
        case("ahead_of_expected_is_green", "At risk", D("70"), START, DUE, MID, ActionRag.GREEN),
        case("exactly_expected_is_green", "", D("50"), START, DUE, MID, ActionRag.GREEN),
        case("behind_within_tolerance_is_amber", "On track", D("45"), START, DUE, MID, ActionRag.AMBER),
        case("behind_by_exactly_tolerance_is_amber", "On track", D("40"), START, DUE, MID, ActionRag.AMBER),
        case("far_behind_is_red", "On track", D("39.9"), START, DUE, MID, ActionRag.RED),
        case("before_start_nothing_is_expected", "Not started", D("0"), START, DUE, date(2025, 12, 1), ActionRag.GREEN),
        case(
            "not_started_before_start_date_is_green",
            "Not started",
            None,
            START,
            DUE,
            date(2025, 12, 1),
            ActionRag.GREEN,
        ),
        case("not_started_after_start_date_is_amber", "Not started", None, START, DUE, MID, ActionRag.AMBER),
        case("not_started_without_dates_is_amber", "not-started", None, None, None, MID, ActionRag.AMBER),
        case("no_percent_on_track_is_green", "On track", None, START, DUE, MID, ActionRag.GREEN),
        case("no_percent_at_risk_is_amber", "AT RISK", None, START, DUE, MID, ActionRag.AMBER),
        case("no_percent_off_track_is_red", "Off track", None, START, DUE, MID, ActionRag.RED),
        case("percent_without_dates_uses_status", "At risk", D("50"), None, None, MID, ActionRag.AMBER),
        case("nothing_to_go_on_is_no_data", "", None, START, DUE, MID, ActionRag.NO_DATA),
        case("unknown_status_is_no_data", "Going well", None, None, None, MID, ActionRag.NO_DATA),
    ],
)
def test_rate_action(status, percent, start, due, as_at, expected):
    rating = rate_action(reported_status=status, percent_complete=percent, start=start, due=due, as_at=as_at)
    assert rating.rating is expected
    assert rating.reported_status == status


def test_action_rating_explains_itself_and_shows_expected_progress():
    rating = rate_action(reported_status="On track", percent_complete=D("30"), start=START, due=DUE, as_at=MID)
    assert rating.expected_percent == D("50")
    assert rating.reason == "30% complete against 50% expected, more than 10 points behind"


def test_overdue_action_names_the_due_date():
    rating = rate_action(
        reported_status="On track", percent_complete=None, start=START, due=DUE, as_at=date(2027, 1, 5)
    )
    assert rating.reason == "overdue: was due 31/12/2026 and is not complete"


def test_action_tolerance_is_configurable():
    rating = rate_action(
        reported_status="", percent_complete=D("45"), start=START, due=DUE, as_at=MID, tolerance_points=D("2")
    )
    assert rating.rating is ActionRag.RED


@pytest.mark.parametrize(
    "start, due, as_at, expected",
    [
        case("before_start_is_zero", START, DUE, date(2025, 6, 1), D("0")),
        case("on_start_is_zero", START, DUE, START, D("0")),
        case("half_way_is_fifty", START, DUE, MID, D("50")),
        case("thirds_round_down_to_a_tenth", date(2026, 1, 1), date(2026, 1, 4), date(2026, 1, 2), D("33.3")),
        case("on_due_is_hundred", START, DUE, DUE, D("100")),
        case("same_day_start_and_due_does_not_divide_by_zero", START, START, START, D("0")),
    ],
)
def test_expected_percent_is_straight_line(start, due, as_at, expected):
    assert expected_percent(start, due, as_at) == expected


@pytest.mark.parametrize(
    "likelihood, impact, score",
    [
        case("one_by_one", 1, 1, 1),
        case("five_by_five", 5, 5, 25),
        case("three_by_four", 3, 4, 12),
        case("missing_likelihood", None, 4, None),
        case("out_of_range_impact", 3, 6, None),
        case("zero_likelihood", 0, 3, None),
        case("boolean_is_not_a_score", True, 3, None),
    ],
)
def test_risk_score(likelihood, impact, score):
    assert risk_score(likelihood, impact) == score


@pytest.mark.parametrize(
    "score, bands, expected",
    [
        case("one_is_low", 1, RiskBands(), RiskBand.LOW),
        case("four_is_low_edge", 4, RiskBands(), RiskBand.LOW),
        case("five_is_medium", 5, RiskBands(), RiskBand.MEDIUM),
        case("twelve_is_medium_edge", 12, RiskBands(), RiskBand.MEDIUM),
        case("fifteen_is_high", 15, RiskBands(), RiskBand.HIGH),
        case("twenty_five_is_high", 25, RiskBands(), RiskBand.HIGH),
        case("impossible_thirteen_is_high", 13, RiskBands(), RiskBand.HIGH),
        case("configured_bands_move_the_edges", 6, RiskBands(low_max=6, medium_max=15), RiskBand.LOW),
        case("no_score_is_not_scored", None, RiskBands(), RiskBand.NOT_SCORED),
    ],
)
def test_risk_band(score, bands, expected):
    assert risk_band(score, bands) is expected


def test_risk_bands_must_be_in_order():
    with pytest.raises(ValueError, match="low_max < medium_max"):
        RiskBands(low_max=12, medium_max=4)


@pytest.mark.parametrize(
    "previous, score, expected",
    [
        case("first_quarter_on_the_register_is_new", None, 9, Movement.NEW),
        case("higher_score_is_increased", 6, 9, Movement.INCREASED),
        case("lower_score_is_reduced", 9, 6, Movement.REDUCED),
        case("same_score_is_no_change", 9, 9, Movement.NO_CHANGE),
        case("no_score_now_is_not_scored", 9, None, Movement.NOT_SCORED),
    ],
)
def test_risk_movement(previous, score, expected):
    assert risk_movement(previous, score) is expected


@pytest.mark.parametrize(
    "polarity, area, rest, prev_area, prev_rest, now, before, trend, behind",
    [
        case(
            "area_catching_up_is_narrowing",
            HIGHER,
            D("60"),
            D("70"),
            D("50"),
            D("70"),
            D("10"),
            D("20"),
            GapTrend.NARROWING,
            True,
        ),
        case(
            "area_falling_back_is_widening",
            HIGHER,
            D("45"),
            D("70"),
            D("50"),
            D("70"),
            D("25"),
            D("20"),
            GapTrend.WIDENING,
            True,
        ),
        case(
            "same_gap_is_no_change", LOWER, D("12"), D("10"), D("14"), D("12"), D("2"), D("2"), GapTrend.NO_CHANGE, True
        ),
        case(
            "lower_is_better_area_below_rest_is_ahead",
            LOWER,
            D("8"),
            D("10"),
            D("7"),
            D("10"),
            D("2"),
            D("3"),
            GapTrend.NARROWING,
            False,
        ),
        case(
            "gap_closed_is_narrowing_and_level",
            HIGHER,
            D("70"),
            D("70"),
            D("60"),
            D("70"),
            D("0"),
            D("10"),
            GapTrend.NARROWING,
            None,
        ),
        case(
            "no_polarity_has_no_behind", NONE, D("5"), D("9"), D("5"), D("8"), D("4"), D("3"), GapTrend.WIDENING, None
        ),
        case(
            "missing_last_figure_is_not_comparable",
            HIGHER,
            D("60"),
            D("70"),
            None,
            D("70"),
            D("10"),
            None,
            GapTrend.NOT_COMPARABLE,
            True,
        ),
        case(
            "missing_area_now_is_not_comparable",
            HIGHER,
            None,
            D("70"),
            D("60"),
            D("70"),
            None,
            D("10"),
            GapTrend.NOT_COMPARABLE,
            None,
        ),
    ],
)
def test_narrowing_the_gap(polarity, area, rest, prev_area, prev_rest, now, before, trend, behind):
    result = gap(polarity=polarity, area_value=area, rest_value=rest, previous_area=prev_area, previous_rest=prev_rest)
    assert (result.now, result.before, result.trend, result.area_behind) == (now, before, trend, behind)
