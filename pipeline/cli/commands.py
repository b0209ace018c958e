"""The commands: each a thin function from parsed arguments to the library's API and back to an exit
code, printing through pipeline.cli.render.

Heavy libraries (pandas, openpyxl, Pillow) are imported inside the functions that need them, so
`pipeline --help` starts instantly.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC
from typing import Any, TextIO

from pipeline.cli import render
from pipeline.cli.logs import log_to_file
from pipeline.domain.errors import ExitStatus, OutputsIncomplete, UsageError, most_urgent


def init(args: argparse.Namespace, out: TextIO) -> int:
    """Make a new council's folder and say what to do next."""
    from pipeline.domain.periods import period_containing
    from pipeline.domain.wording import uk_today
    from pipeline.runtime.setup import init_council

    made = init_council(args.folder, name=args.name, email=args.email, board=args.board)
    render.initialised(made, period_containing(uk_today()), out)
    return ExitStatus.OK


def check(args: argparse.Namespace, out: TextIO) -> int:
    """Check config.toml, the register and the overrides and comparators workbooks; 1 if any has errors."""
    from pipeline.config.load import load_config
    from pipeline.outputs.comparator_book import read_comparators
    from pipeline.outputs.overrides import read_overrides
    from pipeline.register.smart import check_register
    from pipeline.register.workbook import read_register

    config = load_config(args.config)
    register, findings = read_register(config.paths.register)
    findings = findings + check_register(register)
    findings += read_overrides(config.paths.overrides, register, config.rag.scheme).findings
    findings += read_comparators(config.paths.comparators, register).findings
    render.checked(config.paths.register, register, findings, args.format, out)
    return ExitStatus.DATA_PROBLEMS if any(f.severity == "error" for f in findings) else ExitStatus.OK


def import_history(args: argparse.Namespace, out: TextIO) -> int:
    """Load past figures; 1 if the file has errors (then nothing is kept)."""
    from pipeline.config.load import load_config
    from pipeline.intake.past import import_history as load_past
    from pipeline.register.workbook import load_register
    from pipeline.store import open_store

    config = load_config(args.config)
    try:
        found, folder = args.file.is_file(), args.file.is_dir()
    except OSError:  # a name too long for the file system: no such file can exist
        found = folder = False
    if not found:
        what = "is a folder, not a file" if folder else "does not exist"
        raise UsageError(
            f"{_shown(args.file)} {what}.", fix="Give the path of the workbook or CSV file of past figures."
        )
    if args.file.resolve().is_relative_to(config.paths.inbox.resolve()):
        raise UsageError(
            f"{_shown(args.file)} is in the inbox: the next pass would take it in as a return and reject it.",
            fix="Move it out of the inbox (next to config.toml, say) and import it from there.",
        )
    register = load_register(config.paths.register, config.paths.cache)
    with open_store(config) as store:
        result = load_past(store, register, args.file, replace_returns=args.replace)
    render.imported(result, out)
    return ExitStatus.DATA_PROBLEMS if result.count is None else ExitStatus.OK


def _shown(path) -> str:
    """A path the officer typed, fit for the console: a terminal escape in a file's name is not passed on."""
    from pipeline.domain.wording import clean_name

    return clean_name(str(path))


def templates(args: argparse.Namespace, out: TextIO) -> int:
    """Write each partnership's return template for a period, naming each file."""
    from pipeline.config.load import load_config
    from pipeline.domain.calendar import sent_days, templates_sent
    from pipeline.domain.periods import parse_period
    from pipeline.domain.wording import uk_today
    from pipeline.register.workbook import load_register
    from pipeline.returns.generate import require_partnerships, write_templates
    from pipeline.store import open_store

    config = load_config(args.config)
    period = parse_period(args.period)
    register = load_register(config.paths.register, config.paths.cache)
    require_partnerships(config, register)
    with open_store(config) as store:
        history = store.actuals()
        opened = templates_sent(sent_days(store.messages(period=str(period), status="sent")))
    # A template shows the deadline it is given under: the day its templates-out message went, or, not
    # sent yet, today, as if it went now (later than the calendar's day, that moves the deadline).
    today = uk_today()
    wanted = args.partnership or [p.short_name for p in register.partnerships]
    by_day: dict = {}
    for name in wanted:
        found = register.partnership(name)  # an unknown name is refused by write_templates, naming the known ones
        by_day.setdefault(opened.get(found.short_name if found else name, today), []).append(name)
    paths = []
    for issued, shorts in by_day.items():
        paths += write_templates(config, register, period, shorts, history=history, issued=issued)
    for path in paths:
        out.write(f"{path}\n")
    out.write(f"{len(paths)} return template(s) for {period} written.\n")
    return ExitStatus.OK


def _moment(text: str | None, option: str):
    """A UTC datetime from an option's text, or None for the real clock. A time without a zone is
    UK time, as the officer typing it reads clocks (and as every document shows times)."""
    from datetime import datetime, timedelta

    from pipeline.domain.wording import uk_zone

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
        moment = moment.replace(tzinfo=moment.tzinfo or uk_zone()).astimezone(UTC)
    except (ValueError, OverflowError):
        raise UsageError(f"{option} {text!r} is not a date and time.", fix="Use the form 2025-07-16T10:00.") from None
    # Returns cannot arrive tomorrow, nor before there were any: such a time is a typing slip, and
    # would be stored against every file of the pass.
    if not datetime(2000, 1, 1, tzinfo=UTC) <= moment <= datetime.now(UTC) + timedelta(days=1):
        raise UsageError(
            f"{option} {text!r} is not a time returns could have arrived (it is in the future, or before 2000).",
            fix="Give the day and time the returns came in, e.g. 2025-07-16T10:00.",
        )
    return moment


def run(args: argparse.Namespace, out: TextIO) -> int:
    """One pass; its code is the most urgent of what went wrong (see README, Exit codes)."""
    from pipeline.config.load import load_config
    from pipeline.runtime.cycle import run_once
    from pipeline.runtime.progress import Progress

    config = load_config(args.config)
    log_to_file(config)
    received = _moment(args.received, "--received")
    clock: dict[str, Any] = {"now": lambda: received} if received else {}
    statuses: list[ExitStatus] = []
    while True:
        with Progress(enabled=not args.quiet) as progress:
            report = run_once(config, pdf=not args.no_pdf, progress=progress.step, stage=progress.stage, **clock)
        render.passed(report, out)
        statuses.append(_pass_status(report))
        if not (args.wait and report.ingest.waiting):
            return most_urgent(statuses)
        # --wait: another pass once the files still being copied have settled (each was named with its time).
        time.sleep(min(max(report.ingest.ready_in.values(), default=0.0), config.ingest.settle_seconds) + 0.2)


def _pass_status(report) -> ExitStatus:
    rejected = sum(o.verdict == "rejected" for o in report.ingest.outcomes)
    # A submitter not told is more urgent than a rejected return: they are waiting to hear. A message
    # that failed for another reason than the mail server has that reason's code.
    by_key = {failure.what: failure.status for failure in report.failures}
    return most_urgent(
        [
            *by_key.values(),
            *(by_key.get(key, ExitStatus.MAIL_FAILED) for key in report.mail_failed),
            *(incomplete.exit_status for incomplete in report.incomplete),
            *([ExitStatus.DATA_PROBLEMS] if rejected or report.ingest.not_read else []),
            *([ExitStatus.MAILBOX_FAILED] if report.mailbox.failure else []),
        ]
    )


def mailbox(args: argparse.Namespace, out: TextIO) -> int:
    """`pipeline mailbox check`: the new messages and what the next pass would take; nothing changes."""
    from pipeline.config.load import load_config
    from pipeline.intake.mailbox.fetch import check_mailbox, mailbox_name
    from pipeline.register.workbook import load_register
    from pipeline.store import open_store

    config = load_config(args.config)
    if not config.mailbox.enabled:
        raise UsageError(
            f"{config.source} reads no mailbox: mailbox.host is empty.",
            fix="Set host, username and password_env under [mailbox] (see the README, Returns by e-mail).",
        )
    register = load_register(config.paths.register, config.paths.cache)
    if not config.store.url and not config.paths.database.exists():  # a first look before any pass: no store made
        previews = check_mailbox(config, None, register)
    else:
        with open_store(config) as store:
            previews = check_mailbox(config, store, register)
    render.mailbox_checked(mailbox_name(config.mailbox), previews, out)
    return ExitStatus.OK


def report(args: argparse.Namespace, out: TextIO) -> int:
    """Rebuild a period's pack, naming each file made (those made before a failure too)."""
    from pipeline.config.load import load_config
    from pipeline.domain.periods import parse_period
    from pipeline.runtime.cycle import report_period

    config = load_config(args.config)
    period = parse_period(args.period)
    _refuse_an_empty_pack(config, period)
    try:
        paths = report_period(config, period, pdf=not args.no_pdf)
    except OutputsIncomplete as exc:  # what was made is listed before the error says what was not
        for path in exc.written:
            out.write(f"{path}\n")
        raise
    for path in paths:
        out.write(f"{path}\n")
    return ExitStatus.OK


def _refuse_an_empty_pack(config, period) -> None:
    """Stop (exit 2) before building a pack for a period with no accepted returns that is not being collected now.

    A usage error rather than a warning: such a pack is a full-looking board paper
    with no data in it, and the likely cause is a mistyped year, which the
    officer puts right by reading the list of periods that do have returns. The
    period being collected is allowed, so the pack can be looked at before all
    its returns are in.
    """
    from pipeline.chasing.status import periods_with_returns
    from pipeline.domain.wording import uk_today
    from pipeline.runtime.cycle import pack_wanted
    from pipeline.store import open_store

    with open_store(config) as store:
        if pack_wanted(config, store, period, uk_today()):
            return
        known = periods_with_returns(store, accepted_only=True)
    if known:
        fix = f"Check the period. Periods with accepted returns: {', '.join(str(p) for p in known)}."
    else:
        fix = "No return has been accepted yet: take the returns in with `pipeline run` first."
    raise UsageError(f"There are no accepted returns for {period}, so its pack would be empty.", fix=fix)


def status(args: argparse.Namespace, out: TextIO) -> int:
    """Who has and has not returned, for the period asked or the one that matters now."""
    from pipeline.chasing.status import period_status, periods_with_returns
    from pipeline.chasing.status import render as status_table
    from pipeline.config.load import load_config
    from pipeline.domain.calendar import deadline, live_periods
    from pipeline.domain.periods import last_completed, parse_period
    from pipeline.domain.wording import uk_today
    from pipeline.register.workbook import load_register
    from pipeline.store import open_store

    config = load_config(args.config)
    register = load_register(config.paths.register, config.paths.cache)
    with open_store(config) as store:
        known = periods_with_returns(store)
        if args.period:
            period = parse_period(args.period)
        else:
            # The quarter being collected, once anything has come in for it; else the latest with an
            # accepted return (a file rejected as for a future quarter must not become the default).
            today = uk_today()
            collecting = [p for p in live_periods(today, config.calendar) if p in known]
            accepted = periods_with_returns(store, accepted_only=True)
            period = collecting[0] if collecting else max(accepted) if accepted else last_completed(today)
        rows = period_status(config, register, store, period)
    note = ""
    if period not in known:
        others = f" Periods with returns: {', '.join(str(p) for p in known)}." if known else ""
        note = f"No returns have been received for {period}.{others}"
    out.write(status_table(rows, args.format, period, deadline(period, config.calendar), note))
    return ExitStatus.OK


def export(args: argparse.Namespace, out: TextIO) -> int:
    """Write every figure (or a period's) as one tidy table, naming the file and its rows."""
    from pipeline.config.load import load_config
    from pipeline.domain.periods import parse_period
    from pipeline.outputs.export import figures, refuse_target, write_table

    config = load_config(args.config)
    period = parse_period(args.period) if args.period else None
    # A file named figures.xlsx is a workbook without --format: CSV text under that name would not open.
    named = args.output.suffix.lower().lstrip(".") if args.output else ""
    form = args.format or (named if named in ("csv", "xlsx") else "csv")
    if args.format and named in ("csv", "xlsx") and named != args.format:
        raise UsageError(
            f"--format {args.format} does not match {args.output}.",
            fix=f"Name the file .{args.format}, or leave out --format.",
        )
    target = args.output or config.paths.outbox / "export" / (f"figures{'-' + period.slug if period else ''}.{form}")
    refuse_target(config, target)
    frame = figures(config, str(period) if period else None)
    write_table(frame, target, form)
    out.write(f"{target}\n{len(frame)} figure(s) written.\n")
    return ExitStatus.OK


def chase(args: argparse.Namespace, out: TextIO) -> int:
    """Send (or, with --dry-run, preview) the messages due today or on --date."""
    from datetime import date, datetime

    from pipeline.config.load import load_config
    from pipeline.domain.wording import uk_today, uk_zone
    from pipeline.runtime.cycle import chase as send_due

    config = load_config(args.config)
    try:
        today = date.fromisoformat(args.date) if args.date else uk_today()
    except ValueError:
        raise UsageError(f"--date {args.date!r} is not a date.", fix="Use the form 2025-07-21.") from None
    if not date(2000, 1, 1) <= today <= date(2099, 12, 31):
        raise UsageError(f"--date {args.date!r} is out of range.", fix="Give a day from 2000 to 2099, e.g. 2025-07-21.")
    clock: dict[str, Any] = {}
    if args.date:  # messages are dated that day, at the configured reminder time (UK time, as the watch loop's)
        moment = datetime.combine(today, config.calendar.reminder_time, tzinfo=uk_zone()).astimezone(UTC)
        clock["now"] = lambda: moment
    result = send_due(config, today, dry_run=args.dry_run, **clock)
    if args.dry_run:
        from pipeline.chasing.notify import DRY_RUN_FOLDER

        render.previewed(result, config.paths.outbox / "mail" / DRY_RUN_FOLDER, out)
        return ExitStatus.OUTPUT_FAILED if result.failed else ExitStatus.OK
    render.chased(result, out)
    problems = {failure.what: failure.status for failure in result.problems}
    return most_urgent(problems.get(key, ExitStatus.MAIL_FAILED) for key in result.failed)


def watch(args: argparse.Namespace, out: TextIO) -> int:
    """Run unattended until a signal stops it."""
    from pipeline.config.load import load_config
    from pipeline.runtime.watch import Watcher

    config = load_config(args.config)
    log_to_file(config)
    Watcher(config, pdf=not args.no_pdf, dry_run=args.dry_run).run()
    return ExitStatus.OK
