"""The quarterly cycle as library calls: one pass (ingest, feedback, outputs)
and rebuilding a period's outputs on demand. The CLI and the watch loop are
thin wrappers over these functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.domain.clock import utc_now
from pipeline.domain.errors import ExitStatus, Failure, OutputsIncomplete, failure_of
from pipeline.domain.periods import Period, parse_period
from pipeline.domain.settings import Config
from pipeline.domain.wording import uk_today
from pipeline.intake.ingest import PassReport, run_pass
from pipeline.intake.mailbox.fetch import FetchReport, fetch_mail
from pipeline.runtime.lock import locked_store
from pipeline.store import STOPS_THE_PASS, Store

if TYPE_CHECKING:
    from pipeline.chasing.sending import Hangup

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    ingest: PassReport
    built: dict[str, list[Path]] = field(default_factory=dict)  # period -> outputs written
    feedback: list[Path] = field(default_factory=list)
    mail_failed: list[str] = field(default_factory=list)
    # messages and feedback that failed for another reason than the mail server; retried next pass
    failures: list[Failure] = field(default_factory=list)
    incomplete: list[OutputsIncomplete] = field(default_factory=list)  # periods with documents not made
    mailbox: FetchReport = field(default_factory=FetchReport)  # what the pass took from the returns mailbox


def run_once(
    config: Config,
    *,
    now: Callable[[], datetime] = utc_now,
    pdf: bool = True,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    stage: Callable[[str], None] | None = None,
    hangup: Hangup | None = None,
) -> CycleReport:
    """One pass: take in the inbox, give feedback, rebuild the periods that changed.

    progress(name) is told of each file as it is examined, stage(text) of each later step;
    `hangup` lets a signal handler end a mail conversation in progress.
    """
    with locked_store(config) as store:
        fetched = fetch_mail(config, store, lambda: _register(config), now=now, hangup=hangup)
        with standing_by(config) as standby:
            report = CycleReport(ingest=run_pass(config, store, now=now, progress=progress), mailbox=fetched)
            if store.mail_replies_due():
                _answer_mail(config, store, report, now=now, dry_run=dry_run, hangup=hangup)
            if not store.feedback_due() and not store.stale_periods():
                return report  # nothing new: the common case in a watch loop, kept cheap
            _build_and_tell(
                config, store, standby, report, now=now, pdf=pdf, dry_run=dry_run, stage=stage, hangup=hangup
            )
        return report


def _register(config: Config):
    from pipeline.register.workbook import load_register

    return load_register(config.paths.register, config.paths.cache)


def _answer_mail(config: Config, store: Store, report: CycleReport, *, now, dry_run: bool, hangup) -> None:
    """Reply to the messages of the mailbox that brought no return, and tell the board officer of those held."""
    from pipeline.chasing.mailbox import answer_mail
    from pipeline.chasing.notify import Notifier

    notifier = Notifier(config, store, now=now, dry_run=dry_run, hangup=hangup)
    answer_mail(notifier, report.ingest.register or _register(config))
    report.mail_failed += notifier.result.failed
    report.failures += notifier.result.problems


def _build_and_tell(config: Config, store: Store, standby, report: CycleReport, *, now, pdf, dry_run, stage, hangup):
    """Build the packs of the periods that changed and give each decided file's feedback."""
    _sweep_outbox(config)  # before any child starts writing temporaries of its own
    due = feedback_due(store)
    stale = store.stale_periods()
    # The annotated feedback workbooks are written in a second process while this one
    # builds the packs; submitters are told once both are done, or the build has failed.
    with annotating(config, due, standby, parallel=bool(stale)) as annotated:
        from pipeline.chasing.notify import Notifier
        from pipeline.register.workbook import load_register

        register = report.ingest.register or load_register(config.paths.register, config.paths.cache)
        notifier = Notifier(config, store, now=now, dry_run=dry_run, hangup=hangup)
        try:
            # The real day, not the pass's clock: a run back-dated with --received to load old returns
            # must decide as `pipeline report` does whether a quarter is being collected.
            today = uk_today()
            for text in stale:
                if not pack_wanted(config, store, parse_period(text), today):
                    # Only rejected returns, for a quarter not being collected: most likely a
                    # wrong period typed into a file, and a pack of it would be empty.
                    log.info("No packs for %s: it has no accepted return and is not being collected now", text)
                    store.period_built(text)
                    continue
                if stage:
                    stage(f"Building the packs for {text}" + (" and their PDFs" if pdf else ""))
                try:
                    report.built[text] = build_period(config, register, store, parse_period(text), pdf=pdf)
                except OutputsIncomplete as exc:  # left to build again: the next pass makes what is missing
                    report.built[text] = exc.written
                    report.incomplete.append(exc)
                    continue
                store.period_built(text)
        except Exception:
            _tell_anyway(lambda: give_feedback(config, store, register, notifier, due, annotated.result(), []))
            raise

        def tell():
            return give_feedback(
                config,
                store,
                register,
                notifier,
                due,
                annotated.result(),
                report.failures,
            )

        # After documents not made, theirs is the error to show, as after a build that stopped the pass.
        report.feedback = (_tell_anyway(tell) if report.incomplete else tell()) or []
        report.mail_failed += notifier.result.failed
        report.failures += notifier.result.problems


def _tell_anyway(tell: Callable[[], list[Path]]) -> list[Path] | None:
    """After a failed build, still give the feedback; if that fails too, the build's error is the one shown."""
    try:
        return tell()
    except Exception as exc:  # the details are for --traceback and the log file, not the console
        log.warning("Could not give feedback after the build failed (%s); the next pass will", exc)
        log.debug("Why the feedback failed", exc_info=True)
        return None


def _sweep_outbox(config: Config) -> None:
    """Remove half-written temporaries a killed run left in the folders this run writes to.

    outbox/templates/ is left alone: `pipeline templates` writes there without the run lock.
    """
    from pipeline.support.atomic import sweep_temporaries

    outbox = config.paths.outbox
    folders = [p for p in outbox.iterdir() if p.is_dir() and p.name != "templates"] if outbox.is_dir() else []
    for folder in folders:
        for path in sweep_temporaries(folder):
            log.info("Removed %s, left half-written by an interrupted run", path)


def feedback_due(store: Store) -> list:
    """Every decided file whose submitter has not been told yet (also after a crash)."""
    from pipeline.outputs.feedback import Due

    return [Due(store.file(file_id), store.findings_for(file_id)) for file_id in store.feedback_due()]


def standing_by(config: Config):
    """A second process, started only when files are arriving, that gets openpyxl ready for the
    feedback workbooks while this one ingests: ingest leaves the second core mostly idle."""
    from pipeline.intake.ingest import INCOMING, expecting_files
    from pipeline.outputs.feedback import get_ready
    from pipeline.support.worker import Standby

    return Standby(
        get_ready, fork=expecting_files(config.paths.inbox) or expecting_files(config.paths.state / INCOMING)
    )


def annotating(config: Config, due: list, standby, *, parallel: bool):
    """The annotated workbooks for `due`, written in the background when `parallel`; .result() gives them."""
    from pipeline.outputs.feedback import annotate_all

    return standby.start(
        annotate_all, config.paths.outbox, config.paths.state, due, fork=parallel and any(d.annotate for d in due)
    )


def give_feedback(
    config: Config, store: Store, register, notifier, due: list, annotated: dict, failures: list[Failure]
) -> list[Path]:
    """Write each summary, then tell each submitter (with their annotated workbook) and record that.

    Feedback that fails (its summary cannot be written, a fault in the pipeline) is added to `failures`
    and given on the next pass; the other files' feedback goes on. The store failing stops the pass.
    """
    from pipeline.outputs import feedback

    written = []
    for d in due:
        try:
            known = register.partnership(d.record.partnership) if d.record.partnership else None
            paths = [feedback.write_summary(config.paths.outbox, d.record, d.findings, known.name if known else "")]
            if annotated.get(d.record.id):
                paths.append(annotated[d.record.id])
            written += paths
            if notifier.outcome(d.record, paths, register):
                store.feedback_done(d.record.id)
        except Exception as exc:
            if isinstance(exc, STOPS_THE_PASS):
                raise
            failure = failure_of(d.record.name, exc)
            log.error(
                "Could not give feedback on %s: %s (the other files' feedback goes on; this is tried "
                "again on the next pass)",
                d.record.name,
                failure.reason,
                exc_info=exc if failure.status == ExitStatus.BUG else None,
            )
            failures.append(failure)
    return written


def pack_wanted(config: Config, store: Store, period: Period, today: date) -> bool:
    """Whether a period's pack has anything to say: an accepted return, or the period is being
    collected now (its pack shows who is still to return)."""
    from pipeline.domain.calendar import live_periods
    from pipeline.domain.periods import last_completed

    if period in live_periods(today, config.calendar) or period == last_completed(today):
        return True
    return bool(store.submissions(period=str(period), counting_only=True))


def build_period(config: Config, register, store: Store, period: Period, *, pdf: bool = True) -> list[Path]:
    """Rate the period and write its master workbook and documents."""
    from pipeline.outputs.assemble import assemble
    from pipeline.outputs.documents import write_documents
    from pipeline.outputs.figures import rated_figures
    from pipeline.outputs.master import write_master
    from pipeline.support.worker import Background

    report = assemble(config, register, store, period)
    store.rated(str(period), rated_figures(report))  # for the analysts' view, as fresh as the pack
    # The master workbook (xlsxwriter) and the Word packs share nothing but the report:
    # a second process writes the workbook while this one writes the packs.
    with Background(write_master, report, config.paths.outbox) as master:
        try:
            documents = write_documents(report, config, config.paths.outbox / period.slug, pdf=pdf)
        except OutputsIncomplete as exc:
            exc.written.insert(0, master.result())
            raise
        return [master.result(), *documents]


def report_period(config: Config, period: Period, *, pdf: bool = True) -> list[Path]:
    """Rebuild one period's outputs on demand (`pipeline report`)."""
    from pipeline.register.workbook import load_register

    register = load_register(config.paths.register, config.paths.cache)
    with locked_store(config) as store:
        _sweep_outbox(config)
        outputs = build_period(config, register, store, period, pdf=pdf)
        store.period_built(str(period))
        return outputs


def chase(
    config: Config, today, *, now: Callable[[], datetime] = utc_now, dry_run: bool = False, hangup: Hangup | None = None
):
    """Send the templates-out messages and reminders due on `today` (`pipeline chase`); `hangup`
    lets a signal handler end a mail conversation in progress."""
    from pipeline.chasing.notify import Notifier
    from pipeline.register.workbook import load_register

    register = load_register(config.paths.register, config.paths.cache)
    with locked_store(config) as store:
        return Notifier(config, store, now=now, dry_run=dry_run, hangup=hangup).chase(register, today)
