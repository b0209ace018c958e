"""`pipeline store ...`: the history store itself, for whoever sets the pipeline up (the commands a
county's database administrator runs once, rather than each quarter's)."""

from __future__ import annotations

import argparse
from typing import TextIO

from pipeline.domain.errors import ExitStatus


def arguments(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    actions.add_parser(
        "init",
        help="make the store's tables in an empty database (or bring an older one up to date) and say its version",
        description="Make the store's tables in the database config.toml names ([store] url, or the SQLite file "
        "under the state folder), or bring an older one up to date; every other command does this too, on first "
        "use. Refuses a database of another program's or of a newer pipeline's (exit 8), leaving it untouched.",
    )


def store(args: argparse.Namespace, out: TextIO) -> int:
    """The `store` command's actions."""
    from pipeline.config.load import load_config
    from pipeline.store import open_store

    config = load_config(args.config)
    with open_store(config) as opened:
        version = opened.schema_version()
        where = opened.where
    kind = "PostgreSQL" if config.store.url else "SQLite"
    out.write(f"The {kind} database {where} is ready: schema version {version}.\n")
    return ExitStatus.OK
