"""The status line on a terminal: log lines print above it, never glued to it, and a forked
child logs through the original handler rather than the display it may have inherited mid-draw."""

from __future__ import annotations

import io
import logging
import re

import pytest
from rich.console import Console

from pipeline.runtime.progress import Progress
from pipeline.support.worker import Background

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def pipeline_log(tmp_path):
    """The CLI's set-up: one stream handler on the 'pipeline' logger, here writing to a file."""
    logger = logging.getLogger("pipeline")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    stream = open(tmp_path / "stderr.txt", "a", encoding="utf-8")  # noqa: SIM115 - closed in the finally
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield handler, tmp_path / "stderr.txt"
    stream.close()
    logger.handlers[:], logger.level, logger.propagate = saved


def terminal() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=100), screen


def rows(screen: io.StringIO) -> list[str]:
    return [ANSI.sub("", row).strip() for row in re.split(r"[\r\n]", screen.getvalue())]


def test_a_log_line_prints_on_its_own_row_above_the_status_line(pipeline_log):
    console, screen = terminal()
    with Progress(console=console) as progress:
        progress.step("CYP return.xlsx")
        logging.getLogger("pipeline.intake.ingest").info("CYP return.xlsx: accepted")
    assert "INFO: CYP return.xlsx: accepted" in rows(screen)


def test_the_original_handler_is_back_once_the_status_line_has_gone(pipeline_log):
    handler, _path = pipeline_log
    before = logging.getLogger("pipeline").handlers[:]
    with Progress(console=terminal()[0]):
        assert handler not in logging.getLogger("pipeline").handlers
    assert logging.getLogger("pipeline").handlers == before


def log_from_the_child() -> bool:
    logging.getLogger("pipeline.support.worker").warning("written by the child")
    for h in logging.getLogger("pipeline").handlers:
        h.flush()
        getattr(h, "original", h).flush()
    return True


def test_a_forked_child_logs_through_the_original_handler(pipeline_log):
    _handler, path = pipeline_log
    console, screen = terminal()
    with Progress(console=console):
        assert Background(log_from_the_child).result()
    assert "WARNING: written by the child" in path.read_text(encoding="utf-8")
    assert "written by the child" not in screen.getvalue()
