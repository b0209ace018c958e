"""The user-facing problems the pipeline can report, and the exit code each one gives.

Every class here carries a message a performance officer can act on (what, where,
how to fix it). The CLI turns them into one line on stderr and an exit code; a
Python traceback is only shown with --traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    """Exit codes of the `pipeline` command (documented in the README)."""

    OK = 0
    DATA_PROBLEMS = 1  # findings with severity "error" (register, returns)
    BAD_CONFIG = 2  # config.toml, register workbook, command-line usage, period text
    LOCK_HELD = 3  # another run holds the lock
    OUTPUT_FAILED = 4  # an output could not be written (disk full, read-only folder)
    TEMPLATE_BROKEN = 5  # a Word or e-mail template in templates/ is broken
    MAIL_FAILED = 6  # the mail server refused or could not be reached
    STORE_BUSY = 7  # the history store is busy (another program holds it): try again later
    STORE_UNUSABLE = 8  # the history store cannot be used as it is (damaged, another program's)
    MAILBOX_FAILED = 9  # the returns mailbox (IMAP) refused the login or could not be reached
    INTERRUPTED = 130  # stopped by Ctrl-C
    BUG = 70  # an unexpected error: please report it


# When a pass had several kinds of failure, its exit code is the first of these it had:
# a bug is reported; an output or template the officer must mend comes before a mail
# server that may mend itself; any of them before a rejected return.
_URGENCY = (
    ExitStatus.BUG,
    ExitStatus.OUTPUT_FAILED,
    ExitStatus.TEMPLATE_BROKEN,
    ExitStatus.MAIL_FAILED,
    ExitStatus.MAILBOX_FAILED,
    ExitStatus.DATA_PROBLEMS,
)


def most_urgent(statuses: Iterable[ExitStatus]) -> ExitStatus:
    """The exit code of a pass that ended with these statuses (OK for none)."""
    found = set(statuses)
    return next((status for status in _URGENCY if status in found), ExitStatus.OK)


@dataclass(frozen=True)
class Failure:
    """One message or one file's feedback that failed while the rest of the pass went on;
    it is tried again on the next pass."""

    what: str  # the message key ('2025-26-Q1/CSP/acknowledgement-3') or the file's name
    reason: str
    status: ExitStatus


def failure_of(what: str, exc: Exception) -> Failure:
    """A Failure for `exc`: a PipelineError's own exit code and words, a file system error is an
    output that could not be written, anything else a bug in the pipeline."""
    if isinstance(exc, PipelineError):
        return Failure(what, str(exc), exc.exit_status)
    if isinstance(exc, OSError):
        return Failure(
            what, f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else ""), ExitStatus.OUTPUT_FAILED
        )
    return Failure(what, f"{type(exc).__name__}: {exc}", ExitStatus.BUG)


class PipelineError(Exception):
    """Base of every problem a user can act on."""

    code = "pipeline-error"
    exit_status = ExitStatus.BUG

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} {self.fix}" if self.fix else self.message


class UsageError(PipelineError):
    code = "usage"
    exit_status = ExitStatus.BAD_CONFIG


class ConfigError(PipelineError):
    code = "config"
    exit_status = ExitStatus.BAD_CONFIG


class RegisterError(PipelineError):
    code = "register"
    exit_status = ExitStatus.BAD_CONFIG


class SetupError(PipelineError):
    """`pipeline init` would overwrite something that is already there."""

    code = "setup"
    exit_status = ExitStatus.BAD_CONFIG


class PeriodError(PipelineError):
    code = "period"
    exit_status = ExitStatus.BAD_CONFIG


class LockHeld(PipelineError):
    code = "lock-held"
    exit_status = ExitStatus.LOCK_HELD


class OutputError(PipelineError):
    code = "output"
    exit_status = ExitStatus.OUTPUT_FAILED


class StoreBusy(PipelineError):
    """Another program holds the history store (a database browser with a write open): nothing was
    changed, and the same command succeeds once it lets go."""

    code = "store-busy"
    exit_status = ExitStatus.STORE_BUSY


class StoreUnreachable(StoreBusy):
    """The database server cannot be reached, or went away mid-pass (refused, reset, restarted): what
    was not committed was not written, and the same command succeeds once the server is back."""

    code = "store-unreachable"


class StoreUnusable(PipelineError):
    """The history store is not one the pipeline can use as it is (damaged, or another program's
    database): the pipeline leaves it untouched, and a person decides how to restore it."""

    code = "store-unusable"
    exit_status = ExitStatus.STORE_UNUSABLE


class TemplateError(PipelineError):
    code = "template"
    exit_status = ExitStatus.TEMPLATE_BROKEN


class OutputsIncomplete(OutputError):
    """Some of a period's documents could not be made. The others were written (`written`),
    and the period is left to build again, so the next pass makes the missing ones."""

    code = "outputs-incomplete"

    def __init__(self, message: str, *, fix: str | None = None, written: Sequence[Path] = ()) -> None:
        super().__init__(message, fix=fix)
        self.written = list(written)


class TemplateOutputsIncomplete(OutputsIncomplete, TemplateError):
    """OutputsIncomplete because a Word template is broken: exit 5, as for any broken template."""

    code = "template"
    exit_status = ExitStatus.TEMPLATE_BROKEN


class MailError(PipelineError):
    code = "mail"
    exit_status = ExitStatus.MAIL_FAILED


class MailboxError(PipelineError):
    """The returns mailbox could not be read (refused the login, could not be reached, too slow):
    what was not fetched is fetched on the next pass; the inbox's files are taken in meanwhile."""

    code = "mailbox"
    exit_status = ExitStatus.MAILBOX_FAILED


class MailRefused(MailError):
    """The mail server refused this message for good (a 5xx reply to every recipient, or to the
    message itself): sending it again unchanged cannot succeed, so it waits for its recipients to change."""

    code = "mail-refused"

    def __init__(
        self, message: str, *, fix: str | None = None, recipients: tuple[str, ...] = (), reply: str = ""
    ) -> None:
        super().__init__(message, fix=fix)
        self.recipients = recipients  # the addresses it was refused for
        self.reply = reply  # the server's words, e.g. "550 5.1.1 No such mailbox"
