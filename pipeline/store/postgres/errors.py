"""What PostgreSQL's errors mean for the person running the pipeline, as errors.py says for SQLite's.

A server that cannot be reached or goes away mid-pass is StoreUnreachable (exit 7: what was not
committed was not written, so the next pass carries on); a lock or a conflict with another session
is StoreBusy (exit 7); a full disk or a role that may not write is an OutputError (exit 4); a wrong
password, user or database name is a ConfigError (exit 2); a database that is another program's or
a newer pipeline's is StoreUnusable (exit 8). Anything else is a fault of ours, StoreFault.
"""

from __future__ import annotations

import psycopg

from pipeline.domain.errors import ConfigError, OutputError, PipelineError, StoreBusy, StoreUnreachable, StoreUnusable
from pipeline.store.errors import StoreFault

# SQLSTATE classes and codes (PostgreSQL's appendix A) by what they mean here.
_GONE = ("08", "57P01", "57P02", "57P03")  # connection exception; admin or crash shutdown; cannot connect now
_BUSY = ("40001", "40P01", "55P03", "55006")  # serialization failure, deadlock, lock not available, object in use
_CANNOT_WRITE = ("53", "25006", "42501")  # insufficient resources (disk full); read-only transaction; privilege
_WHO = ("28", "3D000")  # invalid authorization (wrong password, unknown role); no such database


def problem(exc: psycopg.Error, where: str) -> PipelineError | None:
    """The user-facing problem a psycopg error stands for; None for one that is a bug of ours."""
    state = exc.sqlstate or ""
    text = " ".join(str(exc).split())  # libpq's words come on several lines, indented: the console shows one
    refused_login = isinstance(exc, psycopg.OperationalError) and any(  # at connect, libpq gives no SQLSTATE
        words in text for words in ("password authentication failed", "no password supplied", "does not exist")
    )
    if state.startswith(_WHO) or refused_login:
        return ConfigError(
            f"The PostgreSQL database {where} refused the pipeline's login: {text}",
            fix="Check [store] url in config.toml (user, host, port and database), and that the environment "
            "variable named by [store] password_env holds the password.",
        )
    if state.startswith(_BUSY):
        return StoreBusy(
            f"The PostgreSQL database {where} is busy with another session's work ({text}), so nothing was "
            "changed: returns stay in the inbox.",
            fix="Try again later; `pipeline watch` tries again by itself.",
        )
    if state.startswith(_CANNOT_WRITE):
        return OutputError(
            f"The PostgreSQL database {where} could not be written ({text}). Nothing was lost: ask the database's "
            "administrator to check its disk space and that the pipeline's role may write, and run again."
        )
    if state.startswith(_GONE) or isinstance(exc, psycopg.OperationalError):
        return StoreUnreachable(
            f"The PostgreSQL database {where} could not be reached, or went away during the pass ({text}). "
            "Nothing was written half-way: returns not yet recorded stay in the inbox.",
            fix="Check the server is running and this machine can reach it, then run again; `pipeline watch` "
            "tries again by itself.",
        )
    return None


def translated(exc: psycopg.Error, where: str) -> Exception:
    """The pipeline's error for a psycopg error: a problem the user can act on, or a StoreFault."""
    return problem(exc, where) or StoreFault(
        f"the PostgreSQL database {where} refused a statement: {type(exc).__name__}: {' '.join(str(exc).split())}"
    )


def unusable(where: str, why: str) -> StoreUnusable:
    return StoreUnusable(
        f"The PostgreSQL database {where} {why}. The pipeline has not touched it and will not use it.",
        fix="Point [store] url in config.toml at a database of the pipeline's own: an empty one is made ready "
        "by `pipeline store init`.",
    )


def newer(where: str, version: int, known: int) -> StoreUnusable:
    return StoreUnusable(
        f"The PostgreSQL database {where} was written by a newer version of the pipeline (its schema is version "
        f"{version}; this version of the pipeline knows versions up to {known}). The pipeline has not touched it "
        "and will not use it.",
        fix="Upgrade the pipeline on this machine to the version the other machines run, or a later one, and run "
        "again. The database is not damaged.",
    )
