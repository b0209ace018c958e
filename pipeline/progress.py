"""A progress display for long runs: a rich status line on a terminal, nothing otherwise."""

from __future__ import annotations

import sys


class Progress:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._status = None
        self.count = 0

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console

            self._status = Console(stderr=True).status("Looking in the inbox...")
            self._status.start()
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
        if self._status is not None:
            self._status.stop()
