"""Where log lines go: the console (short, a trace only when asked for) and, for unattended runs, a
rotated log file under the state folder."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from typing import TextIO


class Console(logging.Formatter):
    """The console's log lines: a Python trace logged with an error (a fault in one message or file,
    while the pass went on) is for the log file, and the console unless --traceback or -v."""

    def __init__(self, fmt: str, *, traces: bool) -> None:
        super().__init__(fmt)
        self.traces = traces

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and not self.traces:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record)


def configure_logging(args: argparse.Namespace, err: TextIO) -> None:
    """Log lines of the `pipeline` logger go to `err`, as much as -v, -q and --traceback say."""
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    handler = logging.StreamHandler(err)
    handler.setFormatter(Console("%(levelname)s: %(message)s", traces=args.traceback or args.verbose))
    root = logging.getLogger("pipeline")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def log_to_file(config) -> None:
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
            self.stream = None

    config.paths.logs.mkdir(parents=True, exist_ok=True)
    handler = LogFile(config.paths.logs / "pipeline.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("pipeline").addHandler(handler)
