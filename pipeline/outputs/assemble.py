"""Assemble everything known about one period into a PeriodReport.

This is where the register, the history store, overrides and the rating engine
meet. The master workbook and the Word documents are both drawn from the same
PeriodReport, so a number in a board paper is always the number in the master
workbook. Nothing here reads the clock: the same store gives the same report.

Over 400 lines on purpose: the records a report is made of sit beside the one function
that fills them, so a field and where its value comes from read together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pipeline.analysis.intervals import GapInterval, change_significant, gap_interval
from pipeline.domain.calendar import (
    deadline,
    deadline_for,
    first_full_returns,
    is_late,
    part_quarter,
    sent_days,
    templates_sent,
)
from pipeline.domain.findings import ERROR, Finding
from pipeline.domain.history import Highlights, HistoryValue, SubmissionRecord
from pipeline.domain.mailbox import MailOrigin
from pipeline.domain.periods import Period, parse_period, stored_period
from pipeline.domain.records import Frequency, Indicator, Partnership, Register
from pipeline.domain.settings import BoardPaperSettings, Config, PublishingSettings, RagSettings
from pipeline.domain.verdicts import Verdict
from pipeline.domain.wording import percent, uk_day, uk_time
from pipeline.outputs.comparator_book import read_comparators
from pipeline.outputs.judgement import Judgement, judge, series
from pipeline.outputs.overrides import VERDICT as REFUSED
from pipeline.outputs.overrides import Overrides, read_overrides
from pipeline.rating.rag import (
    ActionRating,
    Direction,
    GapResult,
    GapTrend,
    Movement,
    Rag,
    RatedOutcome,
    RiskBand,
    RiskBands,
    apply_override,
    direction,
    gap,
    period_target,
    rate,
    rate_action,
    risk_band,
    risk_movement,
    risk_score,
)
from pipeline.store import Store

TREND_PERIODS = 8


@dataclass(frozen=True)
class TrendPoint:
    period: str
    actual: Decimal | None
    target: Decimal | None
    data_quality: str = ""  # as returned: an estimate or a provisional figure is marked on the chart


@dataclass(frozen=True)
class AreaGap:
    """Narrowing the gap: one area against the area it is compared with, now and at the last report."""

    area: str
    area_value: Decimal | None
    compared_with: str
    compared_value: Decimal | None
    before_period: str  # the report the gap is compared with; "" when there is none
    result: GapResult
    # A cumulative indicator after its first report of the year: the figures and both gaps are each
    # quarter's own amounts, as running totals to different points would not compare like with like.
    quarter_alone: bool = False
    # From the areas' numerators and denominators: the gap's 95% interval now, and whether its change
    # since `before_period` is more than chance allows (None when either report lacks the counts).
    interval: GapInterval | None = None
    change_significant: bool | None = None

    @property
    def limits(self) -> tuple[Decimal, Decimal] | None:
        """The 95% interval of the gap's size (Gap, |area - compared|): the interval of the difference,
        turned round when the area's figure is the lower."""
        if self.interval is None:
            return None
        if self.interval.difference < 0:
            return -self.interval.upper, -self.interval.lower
        return self.interval.lower, self.interval.upper

    @property
    def trend_words(self) -> str:
        """'Narrowing (significant)', 'Widening (not significant)'; the trend alone when untested."""
        if self.change_significant is None or self.result.trend is GapTrend.NOT_COMPARABLE:
            return self.result.trend.value
        return f"{self.result.trend.value} ({'significant' if self.change_significant else 'not significant'})"


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    target: Decimal | None
    actual: Decimal | None
    same_period_last_year: Decimal | None
    previous: Decimal | None
    data_quality: str
    commentary: str
    remedial_action: str
    outcome: RatedOutcome
    dot_previous: Direction
    dot_last_year: Direction
    source_file: str
    submitted_at: str
    trend: tuple[TrendPoint, ...]
    gaps: tuple[AreaGap, ...] = ()
    # The report dot_previous is compared with when it is not the quarter before (a six-monthly
    # indicator's is six months back, an annual one's a year back); "" when it is the quarter before.
    compared_since: str = ""
    # How many reports running, this one included, the indicator has been rated Red (after overrides).
    red_run: int = 0
    # The rating at the indicator's previous report (overrides applied), for the board's dashboard.
    previous_rag: Rag = Rag.NO_DATA
    # The forecast, SPC, interval and comparators (pipeline.outputs.judgement); None only in reports
    # built without them.
    judgement: Judgement | None = None
    # The counts a rate or percentage was worked out from, where the return gave them: the public
    # outputs hide a figure whose numerator is small (outputs.disclosure). Areas: (area, numerator).
    numerator: Decimal | None = None
    area_numerators: tuple[tuple[str, Decimal | None], ...] = ()
    # The figure came in a return sent before its quarter ended: it is for part of the quarter.
    part_quarter: bool = False

    @property
    def rag(self) -> Rag:
        return self.outcome.final

    @property
    def flagged_quality(self) -> bool:
        """Estimates and provisional figures are flagged beside the rating."""
        return self.data_quality in ("Estimate", "Provisional")


@dataclass(frozen=True)
class ActionResult:
    ref: str
    action: str
    owner: str
    start: date | None
    due: date | None
    percent_complete: Decimal | None
    commentary: str
    rating: ActionRating
    is_new: bool


@dataclass(frozen=True)
class RiskResult:
    ref: str
    risk: str
    owner: str
    likelihood: int | None
    impact: int | None
    score: int | None
    band: RiskBand
    previous_score: int | None
    movement: Movement
    mitigation: str
    commentary: str


@dataclass(frozen=True)
class ReturnStatus:
    state: str  # accepted, provisional, rejected, missing
    received_at: str
    completed_by: str
    email: str
    file_name: str
    late: bool
    due_count: int
    with_data: int
    rejected_attempts: int
    # When the first accepted return arrived, which lateness is judged by; received_at is the
    # counting (latest) one's. The same unless a correction followed.
    first_received_at: str = ""
    # The counting return came before the quarter ended: its figures are for part of it, and a full return is owed.
    part_quarter: bool = False

    @property
    def completeness(self) -> Decimal:
        return percent(self.with_data, self.due_count)


@dataclass(frozen=True)
class Rejection:
    """A partnership's latest rejected return when none has been accepted: why, when, what was done,
    and the last figures the board had from it."""

    file_name: str
    received_at: str
    reasons: tuple[str, ...]  # the errors that rejected it, each "where: message"
    feedback_at: str  # when the submitter was sent the feedback; "" if not (yet)
    escalated_at: str  # when the board officer was sent the escalation; "" if not (yet)
    last_period: str  # the last period with an accepted return; "" when there is none
    last_figures: tuple[tuple[str, str, Decimal | None, str], ...]  # (code, title, actual, unit)


@dataclass(frozen=True)
class PartnershipReport:
    partnership: Partnership
    indicators: tuple[IndicatorResult, ...]
    actions: tuple[ActionResult, ...]
    risks: tuple[RiskResult, ...]
    status: ReturnStatus
    overall_commentary: str
    counts: dict[Rag, int] = field(default_factory=dict)
    rejection: Rejection | None = None
    highlights: Highlights = Highlights()  # the Cover's optional answers for the highlight report

    @property
    def previous_counts(self) -> dict[Rag, int]:
        """The same indicators' ratings at their previous report, counted as `counts` is."""
        return _count_rags(i.previous_rag for i in self.indicators)

    @property
    def exceptions(self) -> tuple[IndicatorResult, ...]:
        return tuple(sorted((i for i in self.indicators if i.rag.is_exception), key=lambda i: i.rag.rank))


@dataclass(frozen=True)
class FileFinding:
    file_name: str
    partnership: str
    verdict: str
    finding: Finding


@dataclass(frozen=True)
class PeriodReport:
    organisation: str
    board: str
    board_officer: str
    area: str
    period: Period
    deadline: date
    data_as_at: str  # the latest return counted, or "" when none has arrived
    register_source: str
    partnerships: tuple[PartnershipReport, ...]
    submissions: tuple[SubmissionRecord, ...]
    findings: tuple[FileFinding, ...]
    history: tuple[HistoryValue, ...]
    indicators: tuple[Indicator, ...]  # the register's, due this period or not: every figure in history has one
    rules: RagSettings  # the defaults the ratings were worked out under, so the workbook can show them
    overrides: Overrides  # the officers' ratings, for every period, by (period, code)
    board_officer_email: str = ""
    board_officer_telephone: str = ""
    paper: BoardPaperSettings = BoardPaperSettings()  # the board paper's standing sections
    mail_origins: Mapping[int, MailOrigin] = field(default_factory=dict)  # file id -> the message it came in
    publishing: PublishingSettings = PublishingSettings()  # what the public may see (outputs.disclosure)
    # The deadlines in force for partnerships whose templates went out (moved when late): the board
    # meeting that takes the period is the first after all of them.
    deadlines: tuple[date, ...] = ()
    comparator_names: tuple[str, ...] = ()  # the comparators workbook's, in its order: a column each

    @property
    def source_line(self) -> str:
        received = sum(p.status.state in ("accepted", "provisional") for p in self.partnerships)
        rejected = any(p.status.rejected_attempts for p in self.partnerships)
        as_at = (
            f"Data as at {uk_time(self.data_as_at)}."
            if self.data_as_at
            else "No return has been accepted yet."
            if rejected
            else "No returns have arrived yet."
        )
        return (
            f"{as_at} Source: {received} of {len(self.partnerships)} partnership returns "
            f"for {self.period}, the indicator register ({self.register_source}) and the "
            f"pipeline's history store."
        )

    def counts(self) -> dict[Rag, int]:
        totals: dict[Rag, int] = defaultdict(int)
        for p in self.partnerships:
            for rag, n in p.counts.items():
                totals[rag] += n
        return dict(totals)


def reported_periods(i: Indicator, period: Period, count: int) -> list[Period]:
    """The last `count` periods in which the indicator is reported, up to `period`, oldest first:
    a six-monthly figure's trend runs through the half-years, not through quarters with no figure."""
    periods = [period]
    while len(periods) < count:
        periods.append(periods[-1].previous_due(i.frequency.due_in))
    return periods[::-1]


FREQUENCY_STEPS = {Frequency.QUARTERLY: "quarters", Frequency.SIX_MONTHLY: "half-years", Frequency.ANNUAL: "years"}


def assemble(config: Config, register: Register, store: Store, period: Period) -> PeriodReport:
    """Everything the master workbook and the Word documents show for `period`."""
    history = tuple(store.history())
    values = {(h.code, h.period): h for h in history}
    submissions = store.submissions(period=str(period))
    counting = {s.partnership: s for s in submissions if s.counts}
    # Lateness is judged by the first return received after the quarter ended (a part-quarter one is not the quarter's).
    first_accepted = store.first_received(str(period)) | first_full_returns(period, submissions)
    overrides = read_overrides(config.paths.overrides, register, config.rag.scheme)
    comparators = read_comparators(config.paths.comparators, register)
    figures = series(history)
    due_by = deadline(period, config.calendar)
    files = store.files(period=str(period))
    rejected: defaultdict[str, int] = defaultdict(int)
    for f in files:
        if f.verdict == Verdict.REJECTED:
            rejected[f.partnership] += 1
    # A partnership whose template went out late was given a later deadline (calendar.deadline_for):
    # it is late against that one, as its acknowledgement said.
    sent = store.messages(period=str(period), status="sent")
    opened = templates_sent(sent_days(sent))
    reports = []
    for partnership in register.partnerships:
        short = partnership.short_name
        due = [i for i in register.indicators_of(short) if i.frequency.due_in(period.quarter)]
        indicators = tuple(
            _indicator(
                config, i, period, values, overrides, judge(config, i, period, figures.get(i.code, {}), comparators)
            )
            for i in due
        )
        submission = counting.get(short)
        reports.append(
            PartnershipReport(
                partnership=partnership,
                indicators=indicators,
                actions=_actions(config, register, store, submission, period),
                risks=_risks(config, register, store, submission, period),
                status=_status(
                    submission,
                    first_accepted.get(short, ""),
                    rejected[short],
                    period,
                    config,
                    opened.get(short),
                    indicators,
                ),
                overall_commentary=submission.overall_commentary if submission else "",
                highlights=submission.highlights if submission else Highlights(),
                counts=_count(indicators),
                rejection=None
                if submission is not None or not rejected[short]
                else _rejection(store, register, short, period, files, sent, values),
            )
        )
    as_at = _as_at(
        max((s.received_at for s in counting.values()), default=""),
        [i.outcome.made_on for r in reports for i in r.indicators if i.outcome.overridden],
    )
    findings = (
        tuple(
            FileFinding(f.name, f.partnership, f.verdict, x)
            for f in files
            if f.verdict in (Verdict.ACCEPTED, Verdict.REJECTED)
            for x in store.findings_for(f.id)
        )
        + tuple(
            FileFinding(overrides.source, r.partnership, REFUSED, r.finding)
            for r in overrides.refused
            if r.period == str(period)
        )
        + tuple(FileFinding(comparators.source, "", REFUSED, x) for x in comparators.findings)
    )
    return PeriodReport(
        organisation=config.organisation,
        board=config.board,
        board_officer=config.board_officer,
        area=config.area,
        period=period,
        deadline=due_by,
        data_as_at=as_at,
        register_source=f"{Path(register.source).name}, version {register.digest[:12]}",
        partnerships=tuple(reports),
        submissions=tuple(submissions),
        findings=findings,
        history=tuple(h for h in history if stored_period(h.period) <= period),
        indicators=register.indicators,
        rules=config.rag,
        overrides=overrides,
        board_officer_email=config.board_officer_email,
        board_officer_telephone=config.board_officer_telephone,
        mail_origins=store.mail_origins(),
        paper=config.board_paper,
        publishing=config.publishing,
        deadlines=tuple(deadline_for(period, config.calendar, day) for day in opened.values()),
        comparator_names=comparators.names,
    )


def _rejection(store: Store, register: Register, short: str, period: Period, files, sent, values) -> Rejection:
    """What the board needs to know of a partnership whose returns were all rejected."""
    latest = [f for f in files if f.partnership == short and f.verdict == Verdict.REJECTED][-1]
    reasons = tuple(
        f"{x.where}: {x.message}" if x.where else x.message
        for x in store.findings_for(latest.id)
        if x.severity == ERROR
    )
    mine = [m for m in sent if m.partnership == short and m.sent_at]
    feedback = [m.sent_at for m in mine if m.kind == "feedback" and (m.sent_at or "") >= latest.received_at]
    escalated = [m.sent_at for m in mine if m.kind == "escalation"]
    earlier = sorted(
        {
            s.period
            for s in store.submissions(counting_only=True)
            if s.partnership == short and parse_period(s.period) < period
        },
        key=parse_period,
    )
    last = earlier[-1] if earlier else ""
    figures = tuple(
        (i.code, i.title, values[(i.code, last)].actual, i.unit)
        for i in register.indicators_of(short)
        if (i.code, last) in values
    )
    return Rejection(
        file_name=latest.name,
        received_at=latest.received_at,
        reasons=reasons,
        feedback_at=min(feedback, default="") or "",
        escalated_at=max(escalated, default="") or "",
        last_period=last,
        last_figures=figures,
    )


def _as_at(received_at: str, override_days: list[date | None]) -> str:
    """What the report's figures and ratings are as at: the latest return counted, or the day of the
    latest override when that is later (a date alone, as the overrides workbook gives no time).
    With no return counted it stays "", so the paper says that none has arrived."""
    latest = max((d for d in override_days if d is not None), default=None)
    received_day = uk_day(received_at)
    if latest is not None and received_day is not None and latest > received_day:
        return latest.isoformat()
    return received_at


def _own_amount(i: Indicator, period: Period, values) -> Decimal | None:
    """A cumulative indicator's amount for `period` alone: its running total less the total at the
    previous due period of the same financial year (a year's first due period is its own total)."""
    now = values.get((i.code, str(period)))
    before = period.previous_due(i.frequency.due_in)
    prior = values.get((i.code, str(before))) if before.year == period.year else None
    return _less(now.actual if now else None, prior.actual if prior else None, first=before.year != period.year)


def _own_areas(i: Indicator, period: Period, values) -> dict[str, Decimal]:
    """_own_amount for each area of a cumulative indicator: the area's figures for `period` alone."""
    now = values.get((i.code, str(period)))
    before = period.previous_due(i.frequency.due_in)
    first = before.year != period.year
    prior = dict(values[(i.code, str(before))].area_values) if not first and (i.code, str(before)) in values else {}
    own = {}
    for area, total in now.area_values if now else ():
        amount = _less(total, prior.get(area), first=first)
        if amount is not None:
            own[area] = amount
    return own


def _less(total: Decimal | None, earlier: Decimal | None, *, first: bool) -> Decimal | None:
    if total is None:
        return None
    if first:
        return total
    return None if earlier is None else total - earlier


def _count(indicators) -> dict[Rag, int]:
    return _count_rags(i.rag for i in indicators)


def _count_rags(rags) -> dict[Rag, int]:
    counts: dict[Rag, int] = defaultdict(int)
    for rag in rags:
        counts[rag] += 1
    return dict(counts)


def _indicator(
    config: Config, i: Indicator, period: Period, values, overrides: Overrides, judgement: Judgement | None = None
) -> IndicatorResult:
    now = values.get((i.code, str(period)))
    last_year = values.get((i.code, str(period.same_last_year())))
    earlier = period.previous_due(i.frequency.due_in)
    previous = values.get((i.code, str(earlier)))
    actual = now.actual if now else None
    last_year_actual = last_year.actual if last_year else None
    # Cumulative figures restart each April, so a first report of the year is compared with last year only.
    restarted = i.cumulative and period.previous_due(i.frequency.due_in).year != period.year
    previous_actual = previous.actual if previous and not restarted else None
    computed = rate(
        i,
        period.quarter,
        actual,
        last_year_actual,
        default_scheme=config.rag.scheme,
        default_tolerance=config.rag.tolerance,
        four_level_split=config.rag.four_level_split,
    )
    band = config.rag.no_change_band
    if i.cumulative:
        # Running totals only grow through a year: set side by side they would always read as
        # Worsening (or Improving). The quarter's own amount is set against the last quarter's.
        dot_previous = direction(
            polarity=i.polarity,
            current=_own_amount(i, period, values),
            previous=_own_amount(i, period.previous_due(i.frequency.due_in), values),
            no_change_band=band,
        )
    else:
        dot_previous = direction(polarity=i.polarity, current=actual, previous=previous_actual, no_change_band=band)
    trend = tuple(
        TrendPoint(str(p), h.actual, period_target(i, p.quarter), h.data_quality)
        if (h := values.get((i.code, str(p))))
        else TrendPoint(str(p), None, period_target(i, p.quarter))
        for p in reported_periods(i, period, TREND_PERIODS)
    )
    return IndicatorResult(
        indicator=i,
        target=period_target(i, period.quarter),
        actual=actual,
        same_period_last_year=last_year_actual,
        previous=previous.actual if previous else None,
        data_quality=now.data_quality if now else "",
        commentary=now.commentary if now else "",
        remedial_action=now.remedial_action if now else "",
        outcome=apply_override(computed, overrides.get(str(period), i.code)),
        dot_previous=dot_previous,
        dot_last_year=direction(polarity=i.polarity, current=actual, previous=last_year_actual, no_change_band=band),
        source_file=now.file_name if now else "",
        submitted_at=now.received_at if now else "",
        trend=trend,
        gaps=_gaps(i, period, values),
        compared_since="" if earlier == period.previous() else str(earlier),
        red_run=_red_run(config, i, period, values, overrides),
        previous_rag=_rating_at(config, i, earlier, values, overrides),
        judgement=judgement,
        numerator=now.numerator if now else None,
        area_numerators=tuple((area, x) for area, x, _n in now.area_counts) if now else (),
        part_quarter=now is not None and not now.imported and part_quarter(period, now.received_at),
    )


def _rating_at(config: Config, i: Indicator, at: Period, values, overrides: Overrides) -> Rag:
    """The indicator's rating at `at` as that period's report gave it, the officers' override applied."""
    now = values.get((i.code, str(at)))
    last_year = values.get((i.code, str(at.same_last_year())))
    computed = rate(
        i,
        at.quarter,
        now.actual if now else None,
        last_year.actual if last_year else None,
        default_scheme=config.rag.scheme,
        default_tolerance=config.rag.tolerance,
        four_level_split=config.rag.four_level_split,
    )
    return apply_override(computed, overrides.get(str(at), i.code)).final


def _red_run(config: Config, i: Indicator, period: Period, values, overrides: Overrides) -> int:
    """How many of the indicator's reports running, back from `period`, were rated Red (overrides applied)."""
    run, at = 0, period
    while run < TREND_PERIODS and _rating_at(config, i, at, values, overrides) is Rag.RED:
        run, at = run + 1, at.previous_due(i.frequency.due_in)
    return run


def _gaps(i: Indicator, period: Period, values) -> tuple[AreaGap, ...]:
    """Each area's gap with the comparison area, against the same gap at the last comparable report.

    Like with like, as for direction of travel: a cumulative indicator's first report of the year
    sets its running totals against the same period last year's; a later one sets each quarter's
    own amounts against the last report's own amounts, since this quarter's running total covers
    more months than the last one's and its gap would grow however the quarters went.
    """
    now = values.get((i.code, str(period)))
    previous_period = period.previous_due(i.frequency.due_in)
    quarter_alone = i.cumulative and previous_period.year == period.year
    if quarter_alone:
        before = values.get((i.code, str(previous_period)))
        current, earlier = _own_areas(i, period, values), _own_areas(i, previous_period, values)
    else:
        before = values.get((i.code, str(period.same_last_year() if i.cumulative else previous_period)))
        current = dict(now.area_values) if now else {}
        earlier = dict(before.area_values) if before else {}
    # Counts are tested for levels only: a cumulative indicator's own amounts have no counts of their own.
    counts_now = (
        {} if quarter_alone or now is None else {a: (x, n) for a, x, n in now.area_counts if x is not None and n}
    )
    counts_then = (
        {} if quarter_alone or before is None else {a: (x, n) for a, x, n in before.area_counts if x is not None and n}
    )
    gaps = []
    for area, rest in i.gap_pairs:
        interval = gap_interval(i.unit, counts_now.get(area), counts_now.get(rest))
        then = gap_interval(i.unit, counts_then.get(area), counts_then.get(rest))
        gaps.append(
            AreaGap(
                area=area,
                area_value=current.get(area),
                compared_with=rest,
                compared_value=current.get(rest),
                before_period=before.period if before else "",
                result=gap(
                    polarity=i.polarity,
                    area_value=current.get(area),
                    rest_value=current.get(rest),
                    previous_area=earlier.get(area),
                    previous_rest=earlier.get(rest),
                ),
                quarter_alone=quarter_alone,
                interval=interval,
                change_significant=change_significant(interval, then),
            )
        )
    return tuple(gaps)


def _actions(
    config: Config, register: Register, store: Store, submission: SubmissionRecord | None, period: Period
) -> tuple[ActionResult, ...]:
    if submission is None:
        return ()
    updates = {u.ref: u for u in store.action_updates(submission.id)}
    results = []
    for action in register.actions_of(submission.partnership):
        u = updates.pop(action.ref, None)
        results.append(
            ActionResult(
                ref=action.ref,
                action=action.action,
                owner=action.owner,
                start=action.start,
                due=action.due,
                percent_complete=u.percent_complete if u else None,
                commentary=u.commentary if u else "",
                rating=rate_action(
                    reported_status=u.status if u else "",
                    percent_complete=u.percent_complete if u else None,
                    start=action.start,
                    due=action.due,
                    as_at=period.end,
                    tolerance_points=config.rag.action_tolerance,
                ),
                is_new=False,
            )
        )
    for u in updates.values():  # actions the partnership added in its return
        due = date.fromisoformat(u.due) if u.due else None
        results.append(
            ActionResult(
                ref=u.ref,
                action=u.action,
                owner=u.owner,
                start=None,
                due=due,
                percent_complete=u.percent_complete,
                commentary=u.commentary,
                rating=rate_action(
                    reported_status=u.status,
                    percent_complete=u.percent_complete,
                    start=None,
                    due=due,
                    as_at=period.end,
                    tolerance_points=config.rag.action_tolerance,
                ),
                is_new=True,
            )
        )
    return tuple(results)


def _risks(
    config: Config, register: Register, store: Store, submission: SubmissionRecord | None, period: Period
) -> tuple[RiskResult, ...]:
    if submission is None:
        return ()
    bands = RiskBands(config.rag.risk_low_max, config.rag.risk_medium_max)
    previous = {s.partnership: s for s in store.submissions(period=str(period.previous()), counting_only=True)}
    before = previous.get(submission.partnership)
    earlier = {u.ref: risk_score(u.likelihood, u.impact) for u in store.risk_updates(before.id)} if before else {}
    baseline = {r.ref: risk_score(r.likelihood, r.impact) for r in register.risks_of(submission.partnership)}
    results = []
    for u in store.risk_updates(submission.id):
        score = risk_score(u.likelihood, u.impact)
        previous_score = earlier.get(u.ref, baseline.get(u.ref))
        results.append(
            RiskResult(
                ref=u.ref,
                risk=u.risk,
                owner=u.owner,
                likelihood=u.likelihood,
                impact=u.impact,
                score=score,
                band=risk_band(score, bands),
                previous_score=previous_score,
                movement=risk_movement(previous_score, score),
                mitigation=u.mitigation,
                commentary=u.commentary,
            )
        )
    return tuple(sorted(results, key=lambda r: (-(r.score or 0), r.ref)))


def _status(
    submission: SubmissionRecord | None,
    first_accepted: str,
    rejected: int,
    period: Period,
    config: Config,
    templates_sent: date | None,
    indicators: tuple[IndicatorResult, ...],
) -> ReturnStatus:
    with_data = sum(i.actual is not None for i in indicators)
    if submission is None:
        return ReturnStatus("rejected" if rejected else "missing", "", "", "", "", False, len(indicators), 0, rejected)
    early = part_quarter(period, submission.received_at)
    received = uk_day(first_accepted) or date.fromisoformat(first_accepted[:10])
    return ReturnStatus(
        state="accepted" if submission.signed_off else "provisional",
        received_at=submission.received_at,
        completed_by=submission.completed_by,
        email=submission.email,
        file_name=submission.file_name,
        late=not early and is_late(period, config.calendar, received, templates_sent),
        due_count=len(indicators),
        with_data=with_data,
        rejected_attempts=rejected,
        first_received_at=first_accepted,
        part_quarter=early,
    )
