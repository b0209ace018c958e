"""A throw-away PostgreSQL server on 127.0.0.1 for the tests, from Debian's packages (`initdb` and
`pg_ctl` under /usr/lib/postgresql/<version>/bin), and the back ends the store's tests run against.

The server runs as an unprivileged user in a folder that user owns: CI runs as root, and initdb
refuses root. Each test gets a schema of its own in the one database (making a schema takes
milliseconds, a database a good part of a second), named in its url's search_path.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pipeline.domain.settings import StoreSettings

USER = "pipeline"  # the database role the tests log in as (trusted on 127.0.0.1 only)


def binaries() -> Path | None:
    """The folder of the newest installed PostgreSQL's server programs, or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name), reverse=True
    )
    if found:
        return found[0].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).resolve().parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One postgres process, started with start() and stopped with stop(); start() again restarts it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="pipeline-postgres-"))
        self.data = self.folder / "data"
        self._user: str | None = None
        if os.geteuid() == 0:  # initdb refuses root: Debian's package made the postgres user for its own server
            self._user = "postgres"
            account = pwd.getpwnam(self._user)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._schemas = itertools.count(1)
        # The database sorts text by English rules, as a council's server usually does (where the version has
        # ICU): the store must still order text byte by byte, as SQLite does (see store/postgres/dialect.py).
        version = int(bin_dir.parent.name) if bin_dir.parent.name.isdigit() else 0
        locale = (
            ["--locale-provider=icu", "--icu-locale=en-GB", "--locale=C.UTF-8"] if version >= 15 else ["--no-locale"]
        )
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", *locale, "-E", "UTF8", "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            user=self._user,
            cwd=self.folder,
        )

    def start(self) -> None:
        # fsync off: a test server's data need not survive the machine; the tests are about the pipeline's.
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" ends every session and shuts down cleanly, "immediate" as if it crashed."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def base_url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def new_schema(self) -> str:
        """The url of an empty schema of its own: what a new, empty database is to the pipeline."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._schemas)}"
        with psycopg.connect(self.base_url, autocommit=True) as db:
            db.execute(f"CREATE SCHEMA {name}")
        return f"{self.base_url}?options={quote(f'-csearch_path={name}')}"


def start_server() -> Iterator[Server | None]:
    """A running server for the session, or None where PostgreSQL is not installed (never in CI)."""
    bin_dir = binaries()
    if bin_dir is None:
        if os.environ.get("CI"):
            raise RuntimeError("PostgreSQL's server programs are not installed: .ci/run must install postgresql")
        yield None
        return
    server = Server(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@dataclass(frozen=True)
class Backend:
    """One database for one test: `url` "" is the SQLite file `path`."""

    name: str
    path: Path
    url: str = ""

    @property
    def settings(self) -> StoreSettings:
        return StoreSettings(url=self.url)

    def open(self, **options):
        """A new connection to the database, as a store (several may be open at once)."""
        from pipeline.store import SqliteStore
        from pipeline.store.postgres.store import PostgresStore

        return PostgresStore(self.settings, **options) if self.url else SqliteStore(self.path, **options)

    def raw(self, sql: str) -> list[tuple]:
        """Rows of a statement run outside the pipeline, as a database browser would (for the checks of tests)."""
        if not self.url:
            import contextlib
            import sqlite3

            with contextlib.closing(sqlite3.connect(self.path)) as db, db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            cursor = db.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []
