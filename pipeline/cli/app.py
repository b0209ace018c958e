"""The `pipeline` command: argument parsing, exit codes, and the one place
where errors become messages.

Each subcommand is a thin function over the library API (pipeline.cli.commands),
printing through pipeline.cli.render. Heavy libraries (pandas, openpyxl,
Pillow) are imported inside the commands that need them, so `pipeline --help`
starts instantly.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TextIO

from pipeline import __version__
from pipeline.cli import commands, database
from pipeline.cli.logs import configure_logging
from pipeline.domain.errors import ExitStatus, PipelineError, UsageError

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
        (ExitStatus.MAILBOX_FAILED, "the returns mailbox refused the login or could not be reached"),
        (ExitStatus.BUG, "unexpected internal error (run again with --traceback and report it)"),
        (ExitStatus.INTERRUPTED, "interrupted (Ctrl-C)"),
    )
)


CONFIG_HELP = "the configuration file (default: ./config.toml); before or after the command"


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage mistakes as UsageError (exit 2, one line)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}.", fix=f"See `{self.prog} --help`.")


class _Formatter(argparse.HelpFormatter):
    """Shows `--period PERIOD` in usage, although it takes the period's words separately too."""

    def _format_args(self, action, default_metavar):
        if isinstance(action, _PeriodWords):
            return action.metavar
        return super()._format_args(action, default_metavar)


def build_parser() -> argparse.ArgumentParser:
    """The parser of `pipeline` and every subcommand in COMMANDS."""
    parser = _Parser(
        prog="pipeline",
        description="Run the quarterly performance cycle of a local strategic partnership: "
        "return templates, inbox ingest and validation, RAG ratings, master workbook, "
        "Word highlight reports and board papers, return tracking and reminders.",
        epilog="exit codes:\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pipeline {__version__}")
    parser.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH", help=CONFIG_HELP)
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="show debugging detail")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="show warnings and errors only")
    parser.add_argument(
        "--traceback", action="store_true", help="show the Python traceback of an error (for developers)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (summary, add_arguments, _run) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=summary, formatter_class=_Formatter)
        add_arguments(sub)
        if name != "init":
            # People type `pipeline run --config x.toml` as often as `pipeline --config x.toml run`: both
            # work. SUPPRESS leaves the value given before the command alone when none is given after it.
            sub.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="PATH", help=CONFIG_HELP)
    return parser


# -- the arguments of each command ------------------------------------------------


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format", choices=("table", "json"), default="table", help="table for people (default), json for machines"
    )


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


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--once",
        action="store_true",
        help="one pass and exit (the default; for cron, systemd timers or Task Scheduler)",
    )
    p.add_argument("--no-pdf", action="store_true", help="skip PDF copies of the Word documents")
    p.add_argument(
        "--wait",
        action="store_true",
        help="when files are still being copied, wait until they have settled and take them in too",
    )
    p.add_argument(
        "--received",
        metavar="YYYY-MM-DDTHH:MM",
        help="record the files as received at this time (UK time, unless a zone such as Z "
        "is given) instead of now: for loading returns that arrived earlier, e.g. last "
        "year's history",
    )


def _report_arguments(p: argparse.ArgumentParser) -> None:
    _period_argument(p)
    p.add_argument("--no-pdf", action="store_true", help="skip PDF copies of the Word documents")


def _status_arguments(p: argparse.ArgumentParser) -> None:
    _period_argument(p, required=False)
    p.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="table for people (default), json or csv for machines",
    )


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


def _watch_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="write e-mails as .eml previews in outbox/mail/dry-run/ instead of sending them "
        "(returns in the inbox are still taken in)",
    )
    p.add_argument("--no-pdf", action="store_true", help="skip PDF copies of the Word documents")


def _mailbox_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        choices=("check",),
        help="check: log in to the returns mailbox ([mailbox] in config.toml) and list the new messages and what "
        "the next pass would take from each, changing nothing (the folder opened read-only, no read flag set)",
    )


def _init_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, metavar="PATH", help="the new council's folder (made if need be)")
    p.add_argument("--name", required=True, help='the partnership\'s name, e.g. "Eastvale Partnership"')
    p.add_argument(
        "--email",
        required=True,
        metavar="ADDRESS",
        help="the performance team's address: e-mails are sent from it and faults reported to it",
    )
    p.add_argument("--board", default="", help='the board the papers go to (default: the name and "Board")')


def _import_history_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="a workbook (.xlsx) or CSV file, one row a figure: Code, Period, Actual, and optionally Area, "
        "Data quality, Note",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="where a figure differs from an accepted return's, use the imported one (default: keep the return's)",
    )


def _export_arguments(p: argparse.ArgumentParser) -> None:
    _period_argument(p, required=False)
    p.add_argument("--format", choices=("csv", "xlsx"), help="csv or xlsx (default: from -o's .csv or .xlsx, else csv)")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write it (default: outbox/export/figures[-PERIOD].csv or .xlsx)",
    )


COMMANDS: dict[str, tuple[str, Callable, Callable]] = {
    "init": (
        "make a folder ready for a new council: config.toml, a blank register, inbox, outbox, templates",
        _init_arguments,
        commands.init,
    ),
    "check": ("check config.toml and the indicator register (SMART checks)", _check_arguments, commands.check),
    "import-history": (
        "load past figures (last years' master spreadsheet) as history, so the first packs show direction of travel",
        _import_history_arguments,
        commands.import_history,
    ),
    "templates": ("write each partnership's return template for a period", _templates_arguments, commands.templates),
    "run": (
        "one pass: ingest the inbox, give feedback, rebuild the outputs that changed",
        _run_arguments,
        commands.run,
    ),
    "report": ("rebuild a period's master workbook and Word documents", _report_arguments, commands.report),
    "status": ("show who has and has not returned for a period", _status_arguments, commands.status),
    "chase": ("send the templates-out messages and reminders due today", _chase_arguments, commands.chase),
    "mailbox": (
        "check the returns mailbox: what the next pass would take, changing nothing",
        _mailbox_arguments,
        commands.mailbox,
    ),
    "export": (
        "every figure in the store as one tidy table (CSV or Excel), one row an indicator, period and area",
        _export_arguments,
        commands.export,
    ),
    "watch": (
        "run unattended: check the inbox every few seconds, send reminders daily",
        _watch_arguments,
        commands.watch,
    ),
    "store": ("set up the history store, or copy it to PostgreSQL", database.arguments, database.store),
}


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
        configure_logging(args, err)
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
