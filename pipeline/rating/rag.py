"""The rating engine: RAG ratings, direction of travel, actions, risks and gaps.

Pure functions over Decimal figures; no I/O. Every band edge is inclusive in
the partnership's favour (exactly on target is Green; missing by exactly the
tolerance is still within it), and the arithmetic is exact decimal, so a
figure never tips into a worse band through floating-point error.

Over 400 lines on purpose: the four ratings (indicators, actions, risks, gaps) share the
fills and the rule that a band edge favours the partnership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import Enum

from pipeline.domain.actions import CANCELLED, COMPLETE, status_key
from pipeline.domain.records import Indicator, Polarity, Scheme, Tolerance

_HUNDRED = Decimal(100)
_GREY = "#D9D9D9"
# Light fills, so black text stays readable on every one of them (the rating is
# always spelled out too: colour alone tells a colour-blind reader nothing).
_FILLS = {"Green": "#A9D08E", "Amber/Green": "#D8E4A0", "Amber": "#FFD966", "Amber/Red": "#F8CBAD", "Red": "#FF8B8B"}


class Rag(str, Enum):
    """The rating of an indicator for a period."""

    GREEN = "Green"
    AMBER_GREEN = "Amber/Green"
    AMBER = "Amber"
    AMBER_RED = "Amber/Red"
    RED = "Red"
    NO_TARGET = "No target"
    NO_DATA = "No data"
    NOT_RATED = "Not rated"

    @property
    def colour(self) -> str:
        """Hex fill for Excel and Word cells; grey for anything not rated."""
        return _FILLS.get(self.value, _GREY)

    @property
    def rank(self) -> int:
        """Sort key, worst first: Red, Amber/Red, Amber, Amber/Green, Green, then the unrated."""
        return _RAG_ORDER.index(self)

    @property
    def is_exception(self) -> bool:
        """Whether the exception report lists it: Red, Amber/Red and Amber (Amber/Green is near enough)."""
        return self in (Rag.RED, Rag.AMBER_RED, Rag.AMBER)

    @property
    def is_rated(self) -> bool:
        return self.value in _FILLS


_RAG_ORDER = (Rag.RED, Rag.AMBER_RED, Rag.AMBER, Rag.AMBER_GREEN, Rag.GREEN, Rag.NO_DATA, Rag.NO_TARGET, Rag.NOT_RATED)


def _rag_key(text: str) -> str:
    return "".join(str(text).split()).casefold().replace("-", "/")


_RAG_BY_KEY = {_rag_key(r.value): r for r in Rag} | {
    "g": Rag.GREEN,
    "a/g": Rag.AMBER_GREEN,
    "a": Rag.AMBER,
    "a/r": Rag.AMBER_RED,
    "r": Rag.RED,
}


def parse_rag(text: str) -> Rag | None:
    """Read a rating as an officer types it in the overrides sheet ('red', 'A/G'); None if not one."""
    return _RAG_BY_KEY.get(_rag_key(text))


def period_target(indicator: Indicator, quarter: int) -> Decimal | None:
    """The target for quarter 1-4: the register's profile, else straight-line if cumulative, else annual."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, not {quarter!r}")
    profiled = indicator.quarter_targets[quarter - 1]
    if profiled is not None:
        return profiled
    if indicator.cumulative and indicator.annual_target is not None:
        # Quarters divide by 4, so the profile is always an exact decimal.
        return indicator.annual_target * quarter / 4
    return indicator.annual_target


def _shortfall(polarity: Polarity, target: Decimal, actual: Decimal) -> Decimal:
    """How far the actual is worse than the target; zero or less means met."""
    return target - actual if polarity is Polarity.HIGHER else actual - target


def _no_worse(polarity: Polarity, current: Decimal, previous: Decimal) -> bool:
    return current >= previous if polarity is Polarity.HIGHER else current <= previous


def rate_indicator(
    *,
    polarity: Polarity,
    scheme: Scheme,
    tolerance: Tolerance,
    target: Decimal | None,
    actual: Decimal | None,
    same_period_last_year: Decimal | None = None,
    four_level_split: Decimal = Decimal("50"),
) -> Rag:
    """Rate one actual against its target under a scheme.

    `four_level_split` is the percentage of the tolerance band that counts as
    Amber/Green in the 4-level scheme. Under the improvement scheme an indicator
    outside tolerance with no figure for the same period last year is Red: Amber
    there needs shown improvement, and without it the scheme is the 3-level one.
    """
    if not Decimal(0) <= four_level_split <= _HUNDRED:
        raise ValueError(f"four_level_split must be 0-100, not {four_level_split}")
    if actual is None:  # a missing figure is what the reader needs to know first, whatever else is missing
        return Rag.NO_DATA
    if polarity is Polarity.NONE:
        return Rag.NOT_RATED
    if target is None:
        return Rag.NO_TARGET
    shortfall = _shortfall(polarity, target, actual)
    if shortfall <= 0:
        return Rag.GREEN
    band = tolerance.band(target)
    if scheme is Scheme.THREE_LEVEL:
        return Rag.AMBER if shortfall <= band else Rag.RED
    if scheme is Scheme.FOUR_LEVEL:
        if shortfall > band:
            return Rag.RED
        return Rag.AMBER_GREEN if shortfall <= band * four_level_split / _HUNDRED else Rag.AMBER_RED
    if shortfall <= band:
        return Rag.GREEN
    if same_period_last_year is not None and _no_worse(polarity, actual, same_period_last_year):
        return Rag.AMBER
    return Rag.RED


_SCHEME_RATINGS = {
    Scheme.THREE_LEVEL: (Rag.GREEN, Rag.AMBER, Rag.RED),
    Scheme.FOUR_LEVEL: (Rag.GREEN, Rag.AMBER_GREEN, Rag.AMBER_RED, Rag.RED),
    Scheme.IMPROVEMENT: (Rag.GREEN, Rag.AMBER, Rag.RED),
}


def scheme_ratings(scheme: Scheme) -> tuple[Rag, ...]:
    """The ratings an indicator on `scheme` can be given, best first: an officer's rating must be one of them."""
    return _SCHEME_RATINGS[scheme]


def rate(
    indicator: Indicator,
    quarter: int,
    actual: Decimal | None,
    same_period_last_year: Decimal | None = None,
    *,
    default_scheme: Scheme,
    default_tolerance: Tolerance,
    four_level_split: Decimal = Decimal("50"),
) -> Rag:
    """Rate an indicator's actual for quarter 1-4, using config defaults where the register is silent."""
    return rate_indicator(
        polarity=indicator.polarity,
        scheme=indicator.scheme or default_scheme,
        tolerance=indicator.tolerance or default_tolerance,
        target=period_target(indicator, quarter),
        actual=actual,
        same_period_last_year=same_period_last_year,
        four_level_split=four_level_split,
    )


class Direction(str, Enum):
    """Direction of travel against an earlier figure (previous period or same period last year)."""

    IMPROVING = "Improving"
    WORSENING = "Worsening"
    NO_CHANGE = "No change"
    INCREASING = "Increasing"
    DECREASING = "Decreasing"
    NOT_COMPARABLE = "Not comparable"

    @property
    def arrow(self) -> str:
        """A symbol to show beside the words: up means better (or higher, for No polarity)."""
        return _ARROWS[self]


_ARROWS = {
    Direction.IMPROVING: "▲",
    Direction.INCREASING: "▲",
    Direction.WORSENING: "▼",
    Direction.DECREASING: "▼",
    Direction.NO_CHANGE: "►",
    Direction.NOT_COMPARABLE: "",
}


def direction(
    *,
    polarity: Polarity,
    current: Decimal | None,
    previous: Decimal | None,
    no_change_band: Decimal = Decimal("0"),
) -> Direction:
    """Compare current with previous; a move within `no_change_band` percent of |previous| is No change."""
    if current is None or previous is None:
        return Direction.NOT_COMPARABLE
    change = current - previous
    if abs(change) <= abs(previous) * no_change_band / _HUNDRED:
        return Direction.NO_CHANGE
    if polarity is Polarity.NONE:
        return Direction.INCREASING if change > 0 else Direction.DECREASING
    return Direction.IMPROVING if _no_worse(polarity, current, previous) else Direction.WORSENING


@dataclass(frozen=True)
class Override:
    """An officer's manual rating for one indicator in one period, with the reason, who made it and when."""

    period: str
    code: str
    rating: Rag
    reason: str
    who: str
    made_on: date | None = None  # None: the overrides workbook does not say


@dataclass(frozen=True)
class RatedOutcome:
    """The computed rating, the rating that counts, and why they differ."""

    computed: Rag
    final: Rag
    overridden: bool = False
    reason: str = ""
    who: str = ""
    made_on: date | None = None


def apply_override(computed: Rag, override: Override | None) -> RatedOutcome:
    """The outcome with the override applied, keeping the computed rating beside it."""
    if override is None:
        return RatedOutcome(computed=computed, final=computed)
    return RatedOutcome(
        computed=computed,
        final=override.rating,
        overridden=True,
        reason=override.reason,
        who=override.who,
        made_on=override.made_on,
    )


class ActionRag(str, Enum):
    """The computed status of an action in a delivery plan."""

    COMPLETE = "Complete"
    CANCELLED = "Cancelled"
    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"
    NO_DATA = "No data"

    @property
    def colour(self) -> str:
        """Hex fill: blue for Complete (done, so neither good nor bad news now), grey for Cancelled and No data."""
        return "#9BC2E6" if self is ActionRag.COMPLETE else _FILLS.get(self.value, _GREY)


@dataclass(frozen=True)
class ActionRating:
    rating: ActionRag
    reported_status: str  # the partnership's own words, shown beside the computed rating
    expected_percent: Decimal | None  # straight-line progress expected by the as-at date
    reason: str  # one line for the reader: why this rating


def expected_percent(start: date, due: date, as_at: date) -> Decimal:
    """Straight-line progress expected by `as_at`, 0-100, rounded down to 0.1 in the partnership's favour.

    Rounded so the figure compared is the figure the reader sees.
    """
    if as_at <= start:
        return Decimal(0)
    if as_at >= due:
        return _HUNDRED
    share = Decimal((as_at - start).days) * _HUNDRED / Decimal((due - start).days)
    return share.quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def rate_action(
    *,
    reported_status: str,
    percent_complete: Decimal | None,
    start: date | None,
    due: date | None,
    as_at: date,
    tolerance_points: Decimal = Decimal("10"),
) -> ActionRating:
    """Rate an action from its reported status, % complete and dates.

    Complete or Cancelled as reported (or 100% done) wins; then overdue and not
    complete is Red; then % complete against straight-line expected progress
    (Green at or above it, Amber within `tolerance_points` below, Red further);
    without a % or dates, the reported status is mapped to a colour.
    """
    status = status_key(reported_status)
    expected = expected_percent(start, due, as_at) if start is not None and due is not None else None

    def outcome(rating: ActionRag, reason: str) -> ActionRating:
        return ActionRating(rating, reported_status, expected, reason)

    if status in COMPLETE:
        return outcome(ActionRag.COMPLETE, "reported complete")
    if status in CANCELLED:
        return outcome(ActionRag.CANCELLED, "reported cancelled")
    if percent_complete is not None and percent_complete >= _HUNDRED:
        return outcome(ActionRag.COMPLETE, f"{_pct(percent_complete)} complete")
    if due is not None and as_at > due:
        return outcome(ActionRag.RED, f"overdue: was due {due:%d/%m/%Y} and is not complete")
    if percent_complete is not None and expected is not None:
        against = f"{_pct(percent_complete)} complete against {_pct(expected)} expected"
        if percent_complete >= expected:
            return outcome(ActionRag.GREEN, against)
        if percent_complete >= expected - tolerance_points:
            return outcome(ActionRag.AMBER, f"{against}, within {_pct(tolerance_points, ' points')}")
        return outcome(ActionRag.RED, f"{against}, more than {_pct(tolerance_points, ' points')} behind")
    if status == "not started":
        if start is not None and as_at <= start:
            return outcome(ActionRag.GREEN, f"not started; not due to start until {start:%d/%m/%Y}")
        return outcome(ActionRag.AMBER, "not started, but expected to have started")
    mapped = _STATUS_RAG.get(status)
    if mapped is not None:
        return outcome(mapped, f"reported {status}")
    return outcome(ActionRag.NO_DATA, "no % complete and no recognised status")


_STATUS_RAG = {"on track": ActionRag.GREEN, "at risk": ActionRag.AMBER, "off track": ActionRag.RED}


def _pct(value: Decimal, suffix: str = "%") -> str:
    return format(value.normalize(), "f") + suffix


class RiskBand(str, Enum):
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"
    NOT_SCORED = "Not scored"


@dataclass(frozen=True)
class RiskBands:
    """Upper edges (inclusive) of the Low and Medium bands of likelihood x impact; above is High."""

    low_max: int = 4
    medium_max: int = 12

    def __post_init__(self) -> None:
        if not 1 <= self.low_max < self.medium_max < 25:
            raise ValueError(f"risk bands need 1 <= low_max < medium_max < 25, not {self.low_max}, {self.medium_max}")


def risk_score(likelihood: int | None, impact: int | None) -> int | None:
    """Likelihood x impact on the 5x5 matrix; None unless both are whole numbers 1-5."""
    if not (_is_score(likelihood) and _is_score(impact)):
        return None
    return likelihood * impact  # type: ignore[operator]


def _is_score(value: object) -> bool:
    # bool is an int subclass; True must not pass as a likelihood of 1.
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def risk_band(score: int | None, bands: RiskBands = RiskBands()) -> RiskBand:
    """Low, Medium or High; 13 and 14 cannot occur on a 5x5 grid, and anything over medium_max is High."""
    if score is None:
        return RiskBand.NOT_SCORED
    if score <= bands.low_max:
        return RiskBand.LOW
    if score <= bands.medium_max:
        return RiskBand.MEDIUM
    return RiskBand.HIGH


class Movement(str, Enum):
    NEW = "New"
    INCREASED = "Increased"
    REDUCED = "Reduced"
    NO_CHANGE = "No change"
    NOT_SCORED = "Not scored"


def risk_movement(previous_score: int | None, score: int | None) -> Movement:
    """How a risk's score moved since last quarter; New when there was no earlier score."""
    if score is None:
        return Movement.NOT_SCORED
    if previous_score is None:
        return Movement.NEW
    if score > previous_score:
        return Movement.INCREASED
    if score < previous_score:
        return Movement.REDUCED
    return Movement.NO_CHANGE


class GapTrend(str, Enum):
    NARROWING = "Narrowing"
    WIDENING = "Widening"
    NO_CHANGE = "No change"
    NOT_COMPARABLE = "Not comparable"


@dataclass(frozen=True)
class GapResult:
    now: Decimal | None  # size of the gap, |area - rest|
    before: Decimal | None
    trend: GapTrend
    area_behind: bool | None  # whether the area does worse than the rest now; None for No polarity or level


def gap(
    *,
    polarity: Polarity,
    area_value: Decimal | None,
    rest_value: Decimal | None,
    previous_area: Decimal | None,
    previous_rest: Decimal | None,
) -> GapResult:
    """The gap between a named area and the rest, and whether it is narrowing.

    The trend follows the size of the gap, whichever side is ahead, so an area
    that overtakes the rest by more than it trailed is reported as Widening.
    """
    now = abs(area_value - rest_value) if area_value is not None and rest_value is not None else None
    before = abs(previous_area - previous_rest) if previous_area is not None and previous_rest is not None else None
    behind = None
    if now is not None and now != 0 and polarity is not Polarity.NONE:
        behind = not _no_worse(polarity, area_value, rest_value)  # type: ignore[arg-type]
    if now is None or before is None:
        trend = GapTrend.NOT_COMPARABLE
    elif now < before:
        trend = GapTrend.NARROWING
    elif now > before:
        trend = GapTrend.WIDENING
    else:
        trend = GapTrend.NO_CHANGE
    return GapResult(now=now, before=before, trend=trend, area_behind=behind)
