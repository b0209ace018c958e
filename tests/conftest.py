"""Shared fixtures: the shipped demo borough's config and register, and a period to work in."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config.load import load_config
from pipeline.domain.periods import Period
from pipeline.domain.records import Register
from pipeline.domain.settings import Config
from pipeline.register.workbook import read_register

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def config() -> Config:
    """The demo config (config.toml at the repository root). Frozen: tests replace paths with dataclasses.replace."""
    return load_config(ROOT / "config.toml")


@pytest.fixture(scope="session")
def register(config: Config) -> Register:
    """The demo register, read as the pipeline reads it."""
    register, _findings = read_register(config.paths.register)
    return register


@pytest.fixture
def period() -> Period:
    """2025-26 Q1, the demo's first quarter."""
    return Period(2025, 1)


@pytest.fixture(scope="session")
def return_templates(config: Config, register: Register, tmp_path_factory) -> Path:
    """Blank return templates for CYP and CSP, 2025-26 Q1 to Q4, made once by the project's generator."""
    from spoil import PARTNERSHIPS, PERIODS

    from pipeline.returns.generate import write_templates

    folder = tmp_path_factory.mktemp("return-templates")
    for quarter in PERIODS:
        write_templates(config, register, quarter, list(PARTNERSHIPS), out_dir=folder)
    return folder


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL server on 127.0.0.1 for the session (None where it is not installed, never in CI)."""
    from postgres import start_server

    yield from start_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path: Path):
    """An empty database on each back end in turn: the SQLite file, and a PostgreSQL one on the test server."""
    from postgres import Backend

    if request.param == "sqlite":
        return Backend("sqlite", tmp_path / "db.sqlite3")
    server = request.getfixturevalue("postgres_server")
    if server is None:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql); CI runs these")
    return Backend("postgresql", tmp_path / "db.sqlite3", server.new_schema())


@pytest.fixture
def postgresql(postgres_server, tmp_path: Path):
    """An empty PostgreSQL database on the test server, for what only PostgreSQL does."""
    from postgres import Backend

    if postgres_server is None:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql); CI runs these")
    return Backend("postgresql", tmp_path / "db.sqlite3", postgres_server.new_schema())


@pytest.fixture
def store_url() -> str:
    """The workspace's [store] url: "" for the SQLite file. A test module that runs on both back ends
    overrides this with `store_url = both_backends` (below)."""
    return ""


@pytest.fixture(params=["sqlite", "postgresql"])
def both_backends(request) -> str:
    """A [store] url for each back end in turn: "" (SQLite), then a PostgreSQL database on the test server."""
    if request.param == "sqlite":
        return ""
    server = request.getfixturevalue("postgres_server")
    if server is None:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql); CI runs these")
    return server.new_schema()


@pytest.fixture
def workspace(tmp_path: Path, register: Register, return_templates: Path, store_url: str):
    """An empty inbox, outbox and state folder under tmp_path, with a config pointing at them (settle_seconds 0)."""
    from spoil import Workspace

    return Workspace(tmp_path / "workspace", register, return_templates, store_url=store_url)


@pytest.fixture(scope="session")
def dovecot():
    """A real IMAP server (Dovecot) on 127.0.0.1 for the session; each test uses a mailbox of its own.
    Without Dovecot the mailbox tests skip on a developer's machine and fail in CI (CI=true)."""
    import os

    import imap_server

    if not imap_server.available():
        message = "Dovecot is not installed: apt-get install dovecot-imapd (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = imap_server.start()
    yield server
    server.stop()


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may be skipped: LibreOffice, the hostile corpus, /dev/full and the
    console script are all there, so a skip would hide a test that never ran."""
    import os

    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) were skipped; in CI every test must run:", red=True)
        for report in skipped[:10]:
            reporter.write_line(f"  {report.nodeid}: {report.longrepr[-1] if report.longrepr else ''}")
        session.exitstatus = 1
