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
    copy = actions.add_parser(
        "copy",
        help="copy the history into an empty PostgreSQL database, in one transaction, checked table by table",
        description="Copy the history config.toml names (the SQLite file, usually) into the empty PostgreSQL "
        "database --to, in one transaction: the tables are made, every row copied, and each table's row count "
        "and digest compared on both sides before it commits. A failure leaves the target empty. No pass runs "
        "meanwhile (it holds the run lock). Then set [store] url to that address.",
    )
    copy.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the empty database, postgresql://user@host:5432/dbname (the password from [store] password_env)",
    )


def store(args: argparse.Namespace, out: TextIO) -> int:
    """The `store` command's actions."""
    from pipeline.config.load import load_config
    from pipeline.store import open_store

    config = load_config(args.config)
    if args.store_command == "copy":
        return _copy(config, args.to, out)
    with open_store(config) as opened:
        version = opened.schema_version()
        where = opened.where
    kind = "PostgreSQL" if config.store.url else "SQLite"
    out.write(f"The {kind} database {where} is ready: schema version {version}.\n")
    return ExitStatus.OK


def _copy(config, url: str, out: TextIO) -> int:
    from dataclasses import replace

    from pipeline.runtime.lock import locked_store
    from pipeline.store.postgres.connection import address
    from pipeline.store.postgres.copy import copy_store, refuse_a_bad_target

    refuse_a_bad_target(url)
    target = replace(config.store, url=url)  # the same password variable and TLS settings
    with locked_store(config) as source:
        copied = copy_store(source, target)
        where = source.where
    width = max(len(t.name) for t in copied)
    for table in copied:
        rows = f"{table.rows:>8} row{'' if table.rows == 1 else 's'}"
        out.write(f"{table.name:<{width}}  {rows:<13} sha256 {table.digest[:16]}  the same on both\n")
    out.write(
        f"Copied {sum(t.rows for t in copied)} row(s) in {len(copied)} tables from {where} to {address(url)}, and "
        "checked every table's rows and digest there. To use it, set [store] url in config.toml to that address.\n"
    )
    return ExitStatus.OK
