"""A progress display for long runs: a rich status line on a terminal, nothing otherwise.

While the status line shows, the pipeline's log lines are printed by rich above it;
written straight to the terminal they would land on the status line's row and stay
glued to it.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.status import Status


class Progress:
    def __init__(self, enabled: bool = True, console=None) -> None:
        self.enabled = console is not None or (enabled and sys.stderr.isatty())
        self._console = console
        self._status: Status | None = None
        self._handlers: list[tuple[logging.Handler, logging.Handler]] = []
        self.count = 0

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console

            console = self._console or Console(stderr=True)
            self._status = status = console.status("Looking in the inbox...")
            status.start()
            logger = logging.getLogger("pipeline")
            for n, handler in enumerate(logger.handlers):
                if type(handler) is logging.StreamHandler:  # the command line's, to the terminal (not the log file's)
                    logger.handlers[n] = _AboveStatus(console, handler)
                    self._handlers.append((handler, logger.handlers[n]))
        return self

    def step(self, name: str) -> None:
        self.count += 1
        if self._status is not None:
            self._status.update(f"Reading return {self.count}: {name}")

    def stage(self, text: str) -> None:
        """Say what the run is doing now that it is past the returns (building packs, PDFs)."""
        if self._status is not None:
            self._status.update(text)

    def __exit__(self, *exc) -> None:
        logger = logging.getLogger("pipeline")
        for handler, above in self._handlers:
            if above in logger.handlers:
                logger.handlers[logger.handlers.index(above)] = handler
        self._handlers.clear()
        if self._status is not None:
            self._status.stop()


class _AboveStatus(logging.Handler):
    """Prints log lines through the rich console that draws the status line.

    Only in the process that owns the display: a forked child (which may have been forked
    while the display held its console's lock) writes through the original handler.
    """

    def __init__(self, console, original: logging.Handler) -> None:
        super().__init__(original.level)
        self.setFormatter(original.formatter)
        self.console, self.original, self.owner = console, original, os.getpid()

    def emit(self, record: logging.LogRecord) -> None:
        if os.getpid() != self.owner:
            self.original.handle(record)
            return
        try:
            self.console.print(self.format(record), markup=False, highlight=False, emoji=False, soft_wrap=True)
        except Exception:
            self.handleError(record)
