"""The `pipeline` command: argument parsing, exit codes, and the one place
where errors become messages.

Each subcommand is a thin function over the library API. Heavy libraries
(pandas, openpyxl, Pillow) are imported inside the functions that need
them, so `pipeline --help` starts instantly.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import sys
import traceback
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import TextIO

from pipeline import __version__
from pipeline.domain.errors import ExitStatus, OutputsIncomplete, PipelineError, UsageError, most_urgent

log = logging.getLogger("pipeline")

EXIT_CODES_HELP = "\n".join(
    f"  {status.value:>3}  {text}"
    for status, text in (
        (ExitStatus.OK, "success"),
        (ExitStatus.DATA_PROBLEMS, "problems found in the data (register errors, rejected returns)"),
        (ExitStatus.BAD_CONFIG, "bad configuration, register structure, period or usage"),
        (ExitStatus.LOCK_HELD, "another run holds the lock"),
        (ExitStatus.OUTPUT_FAILED, "an output could not be written (disk full, read-only folder)"),
        (ExitStatus.TEMPLATE_BROKEN, "a Word or e-mail template in templates/ is broken"),
        (ExitStatus.MAIL_FAILED, "the mail server refused or could not be reached"),
        (ExitStatus.STORE_BUSY, "the database is in use by another program (nothing was changed): try again later"),
        (ExitStatus.STORE_UNUSABLE, "the database is damaged or another program's (left untouched: restore it)"),
        (ExitStatus.BUG, "unexpected internal error (run again with --traceback and report it)"),
        (ExitStatus.INTERRUPTED, "interrupted (Ctrl-C)"),
    )
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage mistakes as UsageError (exit 2, one line)."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message}.", fix=f"See `{self.prog} --help`.")


class _Formatter(argparse.HelpFormatter):
    """Shows `--period PERIOD` in usage, although it takes the period's words separately too."""

    def _format_args(self, action, default_metavar):
        if isinstance(action, _PeriodWords):
            return action.metavar
        return super()._format_args(action, default_metavar)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pipeline",
        description="Run the quarterly performance cycle of a local strategic partnership: "
        "return templates, inbox ingest and validation, RAG ratings, master workbook, "
        "Word highlight reports and board papers, return tracking and reminders.",
        epilog="exit codes:\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pipeline {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("config.toml"),
        metavar="PATH",
        help="the configuration file (default: ./config.toml)",
    )
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="show debugging detail")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="show warnings and errors only")
    parser.add_argument(
        "--traceback", action="store_true", help="show the Python traceback of an error (for developers)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (summary, add_arguments, _run) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary, formatter_class=_Formatter)
        add_arguments(sub)
    return parser


# -- check -------------------------------------------------------------------


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format", choices=("table", "json"), default="table", help="table for people (default), json for machines"
    )


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from pipeline.config.load import load_config
    from pipeline.register.smart import check_register
    from pipeline.register.workbook import read_register

    config = load_config(args.config)
    register, findings = read_register(config.paths.register)
    findings = findings + check_register(register)
    if args.format == "json":
        json.dump([f.__dict__ | {"where": f.where} for f in findings], out, indent=2)
        out.write("\n")
    else:
        out.write(f"Register: {config.paths.register}\n")
        out.write(
            f"{len(register.partnerships)} partnerships, {len(register.indicators)} indicators, "
            f"{len(register.actions)} actions, {len(register.risks)} risks\n\n"
        )
        if findings:
            out.write(format_findings(findings) + "\n")
        errors = sum(f.severity == "error" for f in findings)
        out.write(f"\n{errors} error(s), {len(findings) - errors} warning(s).\n")
    return ExitStatus.DATA_PROBLEMS if any(f.severity == "error" for f in findings) else ExitStatus.OK


def format_findings(findings) -> str:
    """A plain-text table of findings: severity, place, code, message and fix."""
    rows = [("Severity", "Where", "Code", "Message")]
    rows += [(f.severity, f.where, f.code, f.message + (f" {f.fix}" if f.fix else "")) for f in findings]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
    return "\n".join(line.rstrip() for line in lines)


# -- templates -----------------------------------------------------------------


class _PeriodWords(argparse.Action):
    """--period as one word or two: `--period 2025-26 Q1` without quotes is what people type."""

    def __call__(self, parser, namespace, values, option_string=None):
        if len(values) > 2:
            raise UsageError(
                f"{option_string} takes one period, but was given {' '.join(values)!r}.",
                fix='Give one quarter, e.g. --period "2025-26 Q1".',
            )
        setattr(namespace, self.dest, " ".join(values))


def _period_argument(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument(
        "--period",
        required=required,
        metavar="PERIOD",
        nargs="+",
        action=_PeriodWords,
        help='the reporting quarter, e.g. "2025-26 Q1" (April-June 2025; the quotes are optional)',
    )


def _templates_arguments(p: argparse.ArgumentParser) -> None:
    _period_argument(p)
    p.add_argument(
        "--partnership",
        action="append",
        metavar="SHORTNAME",
        help="only this partnership (repeat for several; default: all)",
    )


def _templates(args: argparse.Namespace, out: TextIO) -> int:
    from pipeline.config.load import load_config
    from pipeline.domain.periods import parse_period
    from pipeline.register.workbook import load_register
    from pipeline.returns.generate import write_templates
    from pipeline.store.sqlite import Store

    config = load_config(args.config)
    period = parse_period(args.period)
    register = load_register(config.paths.register, config.paths.cache)
    with Store(config.paths.database) as store:
        history = store.actuals()
    paths = write_templates(config, register, period, args.partnership, history=history)
    for path in paths:
        out.write(f"{path}\n")
    out.write(f"{len(paths)} return template(s) for {period} written.\n")
    return ExitStatus.OK


# -- run -------------------------------------------------------------------------


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--once",
        action="store_true",
        help="one pass and exit (the default; for cron, systemd timers or Task Scheduler)",
    )
    p.add_argument("--no-pdf", action="store_true", help="skip PDF copies of the Word documents")
    p.add_argument(
        "--received",
        metavar="YYYY-MM-DDTHH:MM",
        help="record the files as received at this time (UK time, unless a zone such as Z "
        "is given) instead of now: for loading returns that arrived earlier, e.g. last "
        "year's history",
    )


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


# Warnings on an accepted return that the officer running the pass should see there and then.
_ANNOUNCED = frozenset({"reported-period", "register-changed"})


def _run(args: argparse.Namespace, out: TextIO) -> int:
    from pipeline.config.load import load_config
    from pipeline.domain.wording import clean_name
    from pipeline.runtime.cycle import run_once
    from pipeline.runtime.progress import Progress

    config = load_config(args.config)
    _log_to_file(config)
    received = _moment(args.received, "--received")
    clock = {"now": lambda: received} if received else {}
    with Progress(enabled=not args.quiet) as progress:
        report = run_once(config, pdf=not args.no_pdf, progress=progress.step, stage=progress.stage, **clock)
    outcomes, ingest = report.ingest.outcomes, report.ingest
    for name in ingest.waiting:
        out.write(f"{'WAITING':<9} {'-':<16} {name}: still being copied; it will be read on the next pass\n")
    for left in ingest.not_read:
        out.write(f"{'NOT READ':<9} {'-':<16} {clean_name(left.name)}: {left.why}\n")
    for o in outcomes:
        where = f"{o.partnership} {o.period}".strip() or "-"
        out.write(f"{o.verdict.upper():<9} {where:<16} {clean_name(o.name)}\n")
        if o.verdict == "rejected":
            for f in o.findings:
                if f.severity == "error":
                    out.write(f"          {f.line()}\n")
        elif o.verdict == "duplicate" and o.reason:  # which file it repeats, so nobody wonders why it did not count
            out.write(f"          {o.reason}\n")
        else:  # accepted: the warnings that change more than this return, so nobody is surprised later
            for f in o.findings:
                if f.code in _ANNOUNCED:
                    out.write(f"          {f.line()}\n")
    for period, paths in report.built.items():
        out.write(f"Outputs for {period}: {len(paths)} file(s) in {paths[0].parent if paths else '-'}\n")
    rejected = sum(o.verdict == "rejected" for o in outcomes)
    if outcomes:
        out.write(
            f"{len(outcomes)} file(s): {len(report.ingest.accepted)} accepted, {rejected} rejected, "
            f"{len(outcomes) - rejected - len(report.ingest.accepted)} duplicate.\n"
        )
    elif not report.built and not ingest.waiting and not ingest.not_read and not report.mail_failed:
        out.write("Nothing new in the inbox.\n")
    for key in report.mail_failed:  # on every pass until it goes, not only the pass that decided the file
        out.write(f"{'MAIL':<9} {'-':<16} {key}: not sent (the log says why); see `pipeline status`\n")
    messages = set(report.mail_failed)
    for failure in report.failures:
        if failure.what not in messages:
            out.write(
                f"{'FAILED':<9} {'-':<16} {clean_name(failure.what)}: feedback not given (the log says why); "
                "tried again next pass\n"
            )
    for incomplete in report.incomplete:  # the outputs that were made are counted above
        out.write(f"{'NOT MADE':<9} {'-':<16} {incomplete}\n")
    # A submitter not told is more urgent than a rejected return: they are waiting to hear. A message
    # that failed for another reason than the mail server has that reason's code.
    by_key = {failure.what: failure.status for failure in report.failures}
    return most_urgent(
        [
            *by_key.values(),
            *(by_key.get(key, ExitStatus.MAIL_FAILED) for key in report.mail_failed),
            *(incomplete.exit_status for incomplete in report.incomplete),
            *([ExitStatus.DATA_PROBLEMS] if rejected or ingest.not_read else []),
        ]
    )


# -- report ----------------------------------------------------------------------


def _report_arguments(p: argparse.ArgumentParser) -> None:
    _period_argument(p)
    p.add_argument("--no-pdf", action="store_true", help="skip PDF copies of the Word documents")


def _report(args: argparse.Namespace, out: TextIO) -> int:
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
    from pipeline.store.sqlite import Store

    with Store(config.paths.database) as store:
        if pack_wanted(config, store, period, uk_today()):
            return
        known = periods_with_returns(store, accepted_only=True)
    if known:
        fix = f"Check the period. Periods with accepted returns: {', '.join(str(p) for p in known)}."
    else:
        fix = "No return has been accepted yet: take the returns in with `pipeline run` first."
    raise UsageError(f"There are no accepted returns for {period}, so its pack would be empty.", fix=fix)


# -- status ------------------------------------------------------------------------


def _status_arguments(p: argparse.ArgumentParser) -> None:
    _period_argument(p, required=False)
    p.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="table for people (default), json or csv for machines",
    )


def _status(args: argparse.Namespace, out: TextIO) -> int:
    from pipeline.chasing.status import period_status, periods_with_returns, render
    from pipeline.config.load import load_config
    from pipeline.domain.calendar import deadline, live_periods
    from pipeline.domain.periods import last_completed, parse_period
    from pipeline.domain.wording import uk_today
    from pipeline.register.workbook import load_register
    from pipeline.store.sqlite import Store

    config = load_config(args.config)
    register = load_register(config.paths.register, config.paths.cache)
    with Store(config.paths.database) as store:
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
    out.write(render(rows, args.format, period, deadline(period, config.calendar), note))
    return ExitStatus.OK


# -- chase and watch -----------------------------------------------------------------


def _chase_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="only preview: write the messages as .eml files in outbox/mail/dry-run/; "
        "nothing is sent, recorded or made",
    )
    p.add_argument(
        "--date", metavar="YYYY-MM-DD", help="act as if today were this date (to catch up, or to preview a day)"
    )


def _chase(args: argparse.Namespace, out: TextIO) -> int:
    from datetime import date

    from pipeline.config.load import load_config
    from pipeline.domain.wording import uk_today
    from pipeline.runtime.cycle import chase

    config = load_config(args.config)
    try:
        today = date.fromisoformat(args.date) if args.date else uk_today()
    except ValueError:
        raise UsageError(f"--date {args.date!r} is not a date.", fix="Use the form 2025-07-21.") from None
    if not date(2000, 1, 1) <= today <= date(2099, 12, 31):
        raise UsageError(f"--date {args.date!r} is out of range.", fix="Give a day from 2000 to 2099, e.g. 2025-07-21.")
    from datetime import datetime

    from pipeline.domain.wording import uk_zone

    clock = {}
    if args.date:  # messages are dated that day, at the configured reminder time (UK time, as the watch loop's)
        moment = datetime.combine(today, config.calendar.reminder_time, tzinfo=uk_zone()).astimezone(UTC)
        clock["now"] = lambda: moment
    result = chase(config, today, dry_run=args.dry_run, **clock)
    if args.dry_run:
        from pipeline.chasing.notify import DRY_RUN_FOLDER

        return _previewed(result, config.paths.outbox / "mail" / DRY_RUN_FOLDER, out)
    for key in result.sent:
        out.write(f"sent    {key}\n")
    for key in result.failed:
        if key in result.refused:
            out.write(f"REFUSED {key} (refused for good: see the error; not retried until its address changes)\n")
        else:
            out.write(f"FAILED  {key} (will be retried)\n")
    for key in result.held:
        out.write(f"held    {key} (refused before; sent once the address is corrected)\n")
    # Refusals are counted with the failures: either way the officer has something to put right.
    refused = f", {len(result.refused)} refused" if result.refused else ""
    held = f", {len(result.held)} held back" if result.held else ""
    out.write(
        f"{len(result.sent)} message(s) sent, {len(result.failed) - len(result.refused)} failed{refused}{held}.\n"
    )
    problems = {failure.what: failure.status for failure in result.problems}
    return most_urgent(problems.get(key, ExitStatus.MAIL_FAILED) for key in result.failed)


def _previewed(result, folder: Path, out: TextIO) -> int:
    """A dry run's console: worded so that nobody takes a preview for a message that went."""
    out.writelines(f"would send {key}\n" for key in result.sent)
    out.writelines(f"FAILED     {key} (the preview could not be written: see the warning)\n" for key in result.failed)
    out.write(
        f"{len(result.sent)} message(s) would be sent (dry run: previews in {folder}; nothing was sent or recorded).\n"
    )
    return ExitStatus.OUTPUT_FAILED if result.failed else ExitStatus.OK


def _watch_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="write e-mails as .eml previews in outbox/mail/dry-run/ instead of sending them "
        "(returns in the inbox are still taken in)",
    )
    p.add_argument("--no-pdf", action="store_true", help="skip PDF copies of the Word documents")


def _watch(args: argparse.Namespace, out: TextIO) -> int:
    from pipeline.config.load import load_config
    from pipeline.runtime.watch import Watcher

    config = load_config(args.config)
    _log_to_file(config)
    Watcher(config, pdf=not args.no_pdf, dry_run=args.dry_run).run()
    return ExitStatus.OK


def _log_to_file(config) -> None:
    """Unattended runs log to <state>/logs/pipeline.log, rotated at 1 MB, five kept."""
    from logging.handlers import RotatingFileHandler

    class LogFile(RotatingFileHandler):
        """A log file that cannot be written (disk full) costs its lines, said once on the console:
        logging's own report is a traceback per line, which floods a console or a pipe nobody reads."""

        failing = False

        def emit(self, record: logging.LogRecord) -> None:
            super().emit(record)
            if self.failing and self.stream is not None and not self.stream.closed:
                self.failing = False

        def handleError(self, record: logging.LogRecord) -> None:
            if not self.failing:
                self.failing = True
                error = sys.exc_info()[1]
                print(
                    f"WARNING: could not write the log file {self.baseFilename} ({error}); its lines are "
                    "lost until it can be written again",
                    file=sys.stderr,
                )
            # A failed write may leave the stream's buffer holding the lines: start afresh next time.
            with contextlib.suppress(Exception):
                self.close()
            self.stream = None  # type: ignore[assignment]

    config.paths.logs.mkdir(parents=True, exist_ok=True)
    handler = LogFile(config.paths.logs / "pipeline.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("pipeline").addHandler(handler)


COMMANDS: dict[str, tuple[str, Callable, Callable]] = {
    "check": ("check config.toml and the indicator register (SMART checks)", _check_arguments, _check),
    "templates": ("write each partnership's return template for a period", _templates_arguments, _templates),
    "run": ("one pass: ingest the inbox, give feedback, rebuild the outputs that changed", _run_arguments, _run),
    "report": ("rebuild a period's master workbook and Word documents", _report_arguments, _report),
    "status": ("show who has and has not returned for a period", _status_arguments, _status),
    "chase": ("send the templates-out messages and reminders due today", _chase_arguments, _chase),
    "watch": ("run unattended: check the inbox every few seconds, send reminders daily", _watch_arguments, _watch),
}


class _Console(logging.Formatter):
    """The console's log lines: a Python trace logged with an error (a fault in one message or file,
    while the pass went on) is for the log file, and the console unless --traceback or -v."""

    def __init__(self, fmt: str, *, traces: bool) -> None:
        super().__init__(fmt)
        self.traces = traces

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and not self.traces:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record)


def _configure_logging(args: argparse.Namespace, err: TextIO) -> None:
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    handler = logging.StreamHandler(err)
    handler.setFormatter(_Console("%(levelname)s: %(message)s", traces=args.traceback or args.verbose))
    root = logging.getLogger("pipeline")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


_STORAGE_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "the pipeline may not write there",
    errno.EPERM: "the pipeline may not write there",
    errno.EDQUOT: "the disk quota is used up",
}


def _storage_problem(exc: BaseException) -> str | None:
    """Plain words for a failure of the machine's storage (the state folder, its database, the log)
    rather than of the pipeline; None for anything else, which is a bug. (The database's own failures
    come from the store as OutputError, StoreBusy or StoreUnusable.)"""
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        where = f" ({exc.filename})" if exc.filename else ""
        return (
            f"Could not write{where}: {_STORAGE_ERRNOS[exc.errno]}. Nothing was lost: free some space or "
            "fix the folder's permissions, and run again."
        )
    return None


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line; return the exit code (never raise for user errors)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = sys.argv[1:] if argv is None else argv
    show_traceback = "--traceback" in argv
    try:
        parser = build_parser()
        with contextlib.redirect_stdout(out):  # argparse writes --help and --version to sys.stdout
            args = parser.parse_args(argv)
        _configure_logging(args, err)
        if not args.command:
            parser.print_help(out)
            return ExitStatus.BAD_CONFIG
        _summary, _arguments, run = COMMANDS[args.command]
        return int(run(args, out))
    except SystemExit as exc:  # --help and --version exit through argparse
        return int(exc.code or 0)
    except PipelineError as exc:
        if show_traceback:
            traceback.print_exc(file=err)
        err.write(f"pipeline: error: {exc}\n")
        return int(exc.exit_status)
    except KeyboardInterrupt:
        err.write("pipeline: interrupted.\n")
        return int(ExitStatus.INTERRUPTED)
    except Exception as exc:  # a bug: keep it short unless asked, unless it is the machine's doing
        storage = _storage_problem(exc)
        if storage is not None:
            if show_traceback:
                traceback.print_exc(file=err)
            err.write(f"pipeline: error: {storage}\n")
            return int(ExitStatus.OUTPUT_FAILED)
        if show_traceback:
            traceback.print_exc(file=err)
        else:
            err.write(
                f"pipeline: internal error: {type(exc).__name__}: {exc}\n"
                "Run again with --traceback and report the output.\n"
            )
        return int(ExitStatus.BUG)
