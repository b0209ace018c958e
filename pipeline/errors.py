"""The user-facing problems the pipeline can report, and the exit code each one gives.

Every class here carries a message a performance officer can act on (what, where,
how to fix it). The CLI turns them into one line on stderr and an exit code; a
Python traceback is only shown with --traceback.
"""

from __future__ import annotations

from enum import IntEnum


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
    INTERRUPTED = 130  # stopped by Ctrl-C
    BUG = 70  # an unexpected error: please report it


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


class StoreUnusable(PipelineError):
    """The history store is not one the pipeline can use as it is (damaged, or another program's
    database): the pipeline leaves it untouched, and a person decides how to restore it."""

    code = "store-unusable"
    exit_status = ExitStatus.STORE_UNUSABLE


class TemplateError(PipelineError):
    code = "template"
    exit_status = ExitStatus.TEMPLATE_BROKEN


class MailError(PipelineError):
    code = "mail"
    exit_status = ExitStatus.MAIL_FAILED


class MailRefused(MailError):
    """The mail server refused this message for good (a 5xx reply to every recipient, or to the
    message itself): sending it again unchanged cannot succeed, so it waits for its recipients to change."""

    code = "mail-refused"

    def __init__(self, message: str, *, fix: str | None = None, recipients: tuple[str, ...] = (),
                 reply: str = "") -> None:
        super().__init__(message, fix=fix)
        self.recipients = recipients  # the addresses it was refused for
        self.reply = reply  # the server's words, e.g. "550 5.1.1 No such mailbox"
