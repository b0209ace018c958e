"""The `pipeline` command: argument parsing, exit codes, and the one place
where errors become messages.

Each subcommand is a thin function over the library API. Heavy libraries
(pandas, openpyxl, matplotlib) are imported inside the functions that need
them, so `pipeline --help` starts instantly.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from pathlib import Path
from typing import Callable, TextIO

from pipeline import __version__
from pipeline.errors import ExitStatus, PipelineError, UsageError

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
        (ExitStatus.BUG, "unexpected internal error (run again with --traceback and report it)"),
        (ExitStatus.INTERRUPTED, "interrupted (Ctrl-C)"),
    )
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage mistakes as UsageError (exit 2, one line)."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}.", fix=f"See `{self.prog} --help`.")


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
    parser.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                        help="the configuration file (default: ./config.toml)")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="show debugging detail")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="show warnings and errors only")
    parser.add_argument("--traceback", action="store_true",
                        help="show the Python traceback of an error (for developers)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (summary, add_arguments, _run) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        add_arguments(sub)
    return parser


# -- check -------------------------------------------------------------------

def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table for people (default), json for machines")


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from pipeline.config import load_config
    from pipeline.register import read_register
    from pipeline.smart import check_register

    config = load_config(args.config)
    register, findings = read_register(config.paths.register)
    findings = findings + check_register(register)
    if args.format == "json":
        json.dump([f.__dict__ | {"where": f.where} for f in findings], out, indent=2)
        out.write("\n")
    else:
        out.write(f"Register: {config.paths.register}\n")
        out.write(f"{len(register.partnerships)} partnerships, {len(register.indicators)} indicators, "
                  f"{len(register.actions)} actions, {len(register.risks)} risks\n\n")
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


COMMANDS: dict[str, tuple[str, Callable, Callable]] = {
    "check": ("check config.toml and the indicator register (SMART checks)", _check_arguments, _check),
}


def _configure_logging(args: argparse.Namespace, err: TextIO) -> None:
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("pipeline")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    """Run the command line; return the exit code (never raise for user errors)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = sys.argv[1:] if argv is None else argv
    show_traceback = "--traceback" in argv
    try:
        parser = build_parser()
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
    except Exception as exc:  # a bug: keep it short unless asked
        if show_traceback:
            traceback.print_exc(file=err)
        else:
            err.write(f"pipeline: internal error: {type(exc).__name__}: {exc}\n"
                      "Run again with --traceback and report the output.\n")
        return int(ExitStatus.BUG)
