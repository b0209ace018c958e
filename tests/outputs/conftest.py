"""The demo's own documents, made once a session by running the demo as `make demo` does, with
a config of its own so the repository's outbox is left alone: the accessibility checks read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from registers import DEMO_REGISTER, write_config


@pytest.fixture(scope="session")
def demo_outbox(tmp_path_factory) -> Path:
    """The outbox of a whole demo run (both quarters, PDFs where LibreOffice is installed), with the
    public version of the board paper made too, so it is checked with the rest."""
    from demo import run_demo

    folder = tmp_path_factory.mktemp("demo")
    run_demo.run(
        write_config(folder, DEMO_REGISTER, replace={"public_board_paper = false": "public_board_paper = true"})
    )
    return folder / "outbox"
