"""Examine one file: read it safely, recognise it, validate it.

The Examiner holds what a pass needs for every file (the register, the reading
child process, the history for outlier checks) so each is set up once per pass,
and only when there is something to examine.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pipeline.domain.calendar import board_meeting, board_paper_filename, deadlines_in_force, sent_days
from pipeline.domain.findings import Finding, finding, has_errors, internal_error
from pipeline.domain.history import FileRecord, Submission
from pipeline.domain.settings import Config
from pipeline.domain.wording import plain_date, uk_day
from pipeline.intake.read import copies
from pipeline.intake.read.reader import ReaderPool
from pipeline.intake.recognise import identify
from pipeline.intake.screen.safety import Limits
from pipeline.intake.validate import check_return
from pipeline.register.workbook import load_register
from pipeline.store import STOPS_THE_PASS, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Examined:
    findings: tuple[Finding, ...]
    submission: Submission | None = None
    period: str = ""
    period_slug: str = ""
    partnership: str = ""


class Examiner:
    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.register = load_register(config.paths.register, config.paths.cache)
        self.history: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for (code, period), actual in store.actuals().items():
            self.history[code].append((period, actual))
        limits = Limits(
            max_file_bytes=config.ingest.max_file_mb * 1024 * 1024,
            memory_bytes=config.ingest.reader_memory_mb * 1024 * 1024,
            timeout_seconds=config.ingest.reader_timeout_seconds,
        )
        self.pool = ReaderPool(limits)

    def _outdated(self, who) -> bool:
        """Whether the return's template was made from other register rows than today's."""
        if not who.register_hash:
            return False  # made before templates carried the hash: nothing to compare
        return who.register_hash != self.register.rows_hash(who.partnership.short_name)

    def remember(self, submission: Submission) -> None:
        """Add an accepted return's figures to the history, so later files in the same pass are checked against them."""
        for value in submission.values:
            if value.actual is not None:
                others = [(p, v) for p, v in self.history[value.code] if p != submission.period]
                self.history[value.code] = sorted(others + [(submission.period, value.actual)])

    def __enter__(self) -> Examiner:
        return self

    def __exit__(self, *exc) -> None:
        self.pool.close()

    def examine(self, path: Path, record: FileRecord) -> Examined:
        read = self.pool.read(path)
        findings = list(read.findings)
        if read.workbook is None or (has_errors(findings) and not _content_only(findings)):
            return Examined(tuple(findings))
        who, problems = identify(read.workbook, self.register)
        findings += problems
        if who is None:
            return Examined(tuple(findings))
        # Kept before the verdict is committed, so the feedback, given now or after a crash, can mark up a copy.
        copies.keep(self.config.paths.state, record.sha256, read.workbook)
        if has_errors(problems):  # not read further, but its partnership is told why
            return Examined(tuple(findings), None, str(who.period), who.period.slug, who.partnership.short_name)
        outdated = self._outdated(who)
        if outdated:
            findings.append(
                finding(
                    "register-changed",
                    f"This return was made from a template of an earlier register: "
                    f"{who.partnership.short_name}'s indicators, targets, actions or risks have changed since.",
                    "Nothing to do if the figures are right; the performance team will send the new template "
                    "for your next return.",
                )
            )
        early = _too_early(who.period, record)
        if has_errors(early):  # no figures for that quarter can exist yet: its cells are not worth a word
            return Examined(tuple(findings + early), None, str(who.period), who.period.slug, who.partnership.short_name)
        try:
            checked = check_return(read.workbook, who, self.register, self.config, self.history, outdated=outdated)
            findings += checked.findings
            findings += early
            if not has_errors(findings):  # a rejected return replaces nothing
                findings += self._reported_already(who, record)
        except Exception as exc:  # a bug: the file is rejected for it, and its partnership, now known, is told so
            if isinstance(exc, STOPS_THE_PASS):  # the store gone: no fault of this file's, and the pass stops
                raise
            log.exception("%s: could not be checked because of an internal error", record.name)
            return Examined((internal_error(),), None, str(who.period), who.period.slug, who.partnership.short_name)
        return Examined(
            tuple(findings), checked.submission, str(who.period), who.period.slug, who.partnership.short_name
        )

    def _reported_already(self, who, record: FileRecord) -> list[Finding]:
        """A return arriving after its quarter went to the board changes what the board has seen:
        accepted (late figures are still the figures), but nobody should be surprised by it."""
        period = who.period
        cal = self.config.calendar
        in_force = deadlines_in_force(period, cal, sent_days(self.store.messages(period=str(period), status="sent")))
        received, meeting = uk_day(record.received_at), board_meeting(period, cal, in_force)
        if received is None or meeting is None or received <= meeting:  # no meeting in the diary: none known
            return []
        # Only a quarter whose board paper was made went to the board: a meeting in the diary is not enough.
        if not (self.config.paths.outbox / period.slug / board_paper_filename(period)).is_file():
            return []
        name = str(period)
        reported = any(
            p == name
            for i in self.register.indicators_of(who.partnership.short_name)
            for p, _ in self.history.get(i.code, ())
        )
        change = (
            "its figures replace those reported then"
            if reported
            else f"the board saw that quarter without {who.partnership.short_name}'s figures, which are now added"
        )
        return [
            finding(
                "reported-period",
                f"This return is for {period}, which went to the board on {plain_date(meeting)}: "
                f"{change}, and that quarter's packs are made again.",
                "Nothing to do if that is what you meant; if you meant the current quarter, tell the performance "
                "team and use the current template.",
            )
        ]


def _too_early(period, record: FileRecord) -> list[Finding]:
    """A return for a quarter that had not started when it arrived holds no figures for it (most
    likely a template made ahead, or a year typed wrong); one for a quarter still running has
    part of them."""
    received = uk_day(record.received_at)
    if received is None or received > period.end:
        return []
    if received < period.start:
        return [
            finding(
                "future-period",
                f"This return is for {period} ({period.label}), which had not started when it "
                f"arrived on {plain_date(received)}, so it cannot hold that quarter's figures.",
                "Use the template for the quarter you are reporting on, and send that.",
            )
        ]
    return [
        finding(
            "period-not-ended",
            f"This return is for {period}, which does not end until {plain_date(period.end)}: "
            "its figures can only be for part of the quarter.",
            "Nothing to do if these are the figures so far; send the return again once the quarter is over.",
        )
    ]


def _content_only(findings: list[Finding]) -> bool:
    """Errors about cells (not the file) still let the return be recognised, for useful feedback."""
    return all(f.severity != "error" or f.cell for f in findings)
