"""The quarterly cycle as library calls: one pass (ingest, feedback, outputs)
and rebuilding a period's outputs on demand. The CLI and the watch loop are
thin wrappers over these functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from pipeline.config import Config
from pipeline.ingest import PassReport, run_pass, utc_now
from pipeline.lock import RunLock
from pipeline.periods import Period, parse_period
from pipeline.store import Store

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    ingest: PassReport
    built: dict[str, list[Path]] = field(default_factory=dict)  # period -> outputs written
    feedback: list[Path] = field(default_factory=list)


def open_store(config: Config) -> Store:
    return Store(config.paths.database)


def run_once(config: Config, *, now: Callable[[], datetime] = utc_now, pdf: bool = True,
             progress: Callable[[str], None] | None = None) -> CycleReport:
    """One pass: take in the inbox, give feedback, rebuild the periods that changed."""
    with RunLock(config.paths.state), open_store(config) as store:
        report = CycleReport(ingest=run_pass(config, store, now=now, progress=progress))
        report.feedback = give_feedback(config, store)
        stale = store.stale_periods()
        if stale:
            from pipeline.register import load_register

            register = load_register(config.paths.register)
            for text in stale:
                period = parse_period(text)
                report.built[text] = build_period(config, register, store, period, pdf=pdf)
                store.period_built(text)
        return report


def give_feedback(config: Config, store: Store) -> list[Path]:
    """Write feedback for every decided file that has none yet (also after a crash)."""
    from pipeline.feedback import write_feedback

    written = []
    for file_id in store.feedback_due():
        record = store.file(file_id)
        findings = store.findings_for(file_id)
        annotate = bool(record.partnership) and record.verdict in ("accepted", "rejected")
        written += write_feedback(config.paths.outbox, config.paths.state, record, findings, annotate)
        store.feedback_done(file_id)
    return written


def build_period(config: Config, register, store: Store, period: Period, *, pdf: bool = True) -> list[Path]:
    """Rate the period and write its master workbook and documents."""
    from pipeline.assemble import assemble
    from pipeline.master import write_master

    report = assemble(config, register, store, period)
    outputs = [write_master(report, config.paths.outbox)]
    try:
        from pipeline.documents import write_documents
    except ImportError:  # documents arrive with the Word-pack stage
        return outputs
    outputs += write_documents(report, config, config.paths.outbox / period.slug, pdf=pdf)
    return outputs


def report_period(config: Config, period: Period, *, pdf: bool = True) -> list[Path]:
    """Rebuild one period's outputs on demand (`pipeline report`)."""
    from pipeline.register import load_register

    register = load_register(config.paths.register)
    with RunLock(config.paths.state), open_store(config) as store:
        outputs = build_period(config, register, store, period, pdf=pdf)
        store.period_built(str(period))
        return outputs
