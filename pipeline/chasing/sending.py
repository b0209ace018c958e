"""Sending built messages: by SMTP, within an overall deadline however slowly the server answers,
or as .eml files (mail.mode = "files"); a refusal for good is told from one that may pass.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from pipeline.chasing.mail import POLICY, Message, SentRecord, build_email, eml_name
from pipeline.domain.errors import MailError, MailRefused
from pipeline.domain.settings import MailSettings
from pipeline.support.atomic import inside

log = logging.getLogger(__name__)


class Hangup:
    """Lets a signal handler end the SMTP conversation in progress: `pipeline watch`, told to stop,
    does not wait for a slow server. Once called, no other conversation starts; the messages not
    sent are tried again by the next pass (after a restart)."""

    def __init__(self) -> None:
        self.called = False
        self.conversation: _Conversation | None = None

    def __call__(self) -> None:
        self.called = True
        conversation = self.conversation
        if conversation is not None:
            conversation.cut_off("stopping")


class _Conversation(smtplib.SMTP):
    """smtplib.SMTP with an end: cut off at its deadline (a timer thread), or by a Hangup.

    The socket timeout bounds each read; a server that sends a line just inside it, for ever,
    would still hold the pass (and the run lock) for ever without the deadline. Cutting off shuts
    the socket down, which wakes the read in progress; smtplib then reports the server gone.
    """

    def __init__(self, *, timeout: float, deadline: float) -> None:
        self.deadline = time.monotonic() + deadline
        self.why: str | None = None  # "deadline" or "stopping", once cut off
        super().__init__(timeout=timeout)  # no host: connect() is called with the deadline running

    def cut_off(self, why: str) -> None:
        if self.why is None:
            self.why = why
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass

    def connect(self, host: str = "localhost", port: int = 0, source_address=None):
        self._host = host  # what STARTTLS checks the certificate against; smtplib sets it only in __init__
        return super().connect(host, port, source_address)

    def _get_socket(self, host, port, timeout):
        remaining = self.deadline - time.monotonic()
        if self.why or remaining <= 0:
            raise TimeoutError("the conversation was cut off before it connected")
        sock = super()._get_socket(host, port, min(timeout, remaining) if timeout else remaining)
        if self.why:  # cut off while connecting, when there was no socket to shut down yet
            sock.close()
            raise TimeoutError("the conversation was cut off while it connected")
        return sock


class Mailer:
    """Sends Messages by SMTP, or writes them as .eml files (mail.mode = "files", or dry_run).

    `folder` receives the .eml files (outbox/mail); `clock` gives the Date header;
    `environ` is where the SMTP password is looked up (os.environ unless given).
    """

    def __init__(
        self,
        settings: MailSettings,
        *,
        folder: Path,
        clock: Callable[[], datetime],
        dry_run: bool = False,
        environ: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        hangup: Hangup | None = None,
    ) -> None:
        self.settings = settings
        self.folder = Path(folder)
        self.clock = clock
        self.mode = "files" if dry_run else settings.mode
        self.environ = os.environ if environ is None else environ
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.hangup = hangup or Hangup()
        # Once the server cannot be reached at all, the pass's other messages are not tried: each
        # would wait out the same timeout (30 s apiece, one after another) and fail the same way.
        self._unreachable: MailError | None = None

    def send(self, message: Message) -> SentRecord:
        """Send or write one message; raise MailError (to be retried next pass) if it cannot,
        MailRefused if the server refuses it for good (retrying it unchanged cannot help)."""
        when = self.clock()
        email = build_email(message, sender=self.settings.sender, reply_to=self.settings.reply_to, when=when)
        refused: tuple[str, ...]
        if self.mode == "files":
            path, refused = self._write(message, email), ()
        else:
            path, refused = None, self._smtp(message, email)
        log.info(
            "%s %s to %s: %s",
            "Wrote" if path else "Sent",
            message.identity,
            ", ".join(message.to + message.cc),
            message.subject,
        )
        return SentRecord(
            kind=message.kind,
            key=message.key,
            partnership=message.partnership,
            period=message.period,
            to=message.to,
            cc=message.cc,
            subject=message.subject,
            message_id=email["Message-ID"],
            sent_at=when,
            transport=self.mode,
            path=path,
            refused=refused,
        )

    def _write(self, message: Message, email: EmailMessage) -> Path:
        target = inside(self.folder, eml_name(message))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Written beside the target and renamed, so a reader never sees half a message.
            # os.open rather than mkstemp: mkstemp's 0600 would hide the file from colleagues.
            temp = self.folder / f".{target.name}.{os.getpid()}.part"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(email.as_bytes(policy=POLICY.clone(linesep="\r\n")))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, target)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise MailError(
                f"Could not write the message '{message.subject}' to {target}: {exc.strerror or exc}.",
                fix="Check that the outbox folder exists, is writable and the disk is not full; "
                "the message will be retried.",
            ) from None
        return target

    def _smtp(self, message: Message, email: EmailMessage) -> tuple[str, ...]:
        s = self.settings
        password = self.environ.get(s.password_env, "") if s.username else ""
        if s.username and not password:
            raise MailError(
                f"mail.username is set to {s.username!r} in config.toml, but the environment "
                f"variable {s.password_env} that holds the password is not set.",
                fix=f"Set {s.password_env} before starting the pipeline (the password is never "
                f'read from config.toml), or set username = "" if the server needs no login.',
            )
        if self._unreachable is not None:
            raise MailError(
                f"Could not send '{message.subject}' to {', '.join(message.to)}: not tried, as the "
                "mail server could not be reached for an earlier message of this pass.",
                fix=self._unreachable.fix,
            )
        if self.hangup.called:
            raise MailError(
                f"Could not send '{message.subject}' to {', '.join(message.to)}: not tried, as the "
                "pipeline is stopping.",
                fix="The message will be tried again on the next pass.",
            )
        stage, refused = "connecting", None
        smtp = _Conversation(timeout=self.timeout, deadline=s.deadline_seconds)
        watchdog = threading.Timer(s.deadline_seconds, smtp.cut_off, args=("deadline",))
        watchdog.daemon = True
        self.hangup.conversation = smtp
        try:
            watchdog.start()
            with smtp:
                smtp.connect(s.host, s.port)
                if s.starttls:
                    stage = "starting TLS"
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                if s.username:
                    stage = "logging in"
                    if not s.starttls:
                        log.warning(
                            "Logging in to %s:%s without STARTTLS: the password crosses the network unencrypted",
                            s.host,
                            s.port,
                        )
                    smtp.login(s.username, password)
                stage = "sending"
                refused = smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            if refused is None:
                failure = self._failure(message, stage, exc, cut_off=smtp.why)
                if (stage == "connecting" and isinstance(exc, OSError)) or smtp.why:
                    # A server too slow to finish one conversation would be as slow for the others.
                    self._unreachable = failure
                raise failure from None
            # The server took the message (250 to its data) and then fumbled saying goodbye: sent,
            # and recorded as sent, or the next pass would send it again.
            log.info(
                "%s: accepted by %s:%s, which then closed the connection badly (%s)",
                message.identity,
                s.host,
                s.port,
                exc,
            )
        finally:
            watchdog.cancel()
            self.hangup.conversation = None
        if refused:
            log.warning("%s: the server refused %s", message.identity, ", ".join(sorted(refused)))
        return tuple(sorted(refused))

    def _failure(self, message: Message, stage: str, exc: BaseException, *, cut_off: str | None = None) -> MailError:
        s = self.settings
        where = f"{s.host}:{s.port}"
        retry = "The message was not sent and will be tried again on the next pass."
        if cut_off == "stopping":
            problem = f"the conversation with {where} was abandoned while {stage}, as the pipeline was stopping"
            fix = retry
        elif cut_off == "deadline":
            problem = (
                f"the mail server {where} did not finish the conversation within {s.deadline_seconds:g} "
                f"seconds (mail.deadline_seconds; it was still {stage})"
            )
            fix = f"The server is answering very slowly: tell its administrator. {retry}"
        elif isinstance(exc, ConnectionRefusedError):
            problem = f"the mail server {where} refused the connection"
            fix = f"Check mail.host and mail.port in config.toml and that the server is running. {retry}"
        elif isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
            # smtplib turns a timeout while reading a reply into SMTPServerDisconnected.
            problem = f"the mail server {where} did not answer within {self.timeout:g} seconds"
            fix = f"Check mail.host and mail.port in config.toml and the network. {retry}"
        elif isinstance(exc, socket.gaierror):
            problem = f"the mail server name {s.host!r} could not be found"
            fix = f"Check mail.host in config.toml. {retry}"
        elif isinstance(exc, smtplib.SMTPAuthenticationError):
            problem = f"{where} refused the login for {s.username!r} ({_reply(exc)})"
            fix = f"Check mail.username in config.toml and the password in {s.password_env}. {retry}"
        elif isinstance(exc, smtplib.SMTPNotSupportedError):
            problem = f"{where} does not support {'STARTTLS' if stage == 'starting TLS' else 'login'}"
            fix = f"Check mail.starttls and mail.username in config.toml with the server's administrator. {retry}"
        elif isinstance(exc, ssl.SSLError):
            reason = getattr(exc, "verify_message", "") or exc.reason or exc
            problem = f"the secure connection to {where} failed ({reason})"
            fix = f"Check that mail.host is the name on the server's certificate. {retry}"
        elif isinstance(exc, smtplib.SMTPRecipientsRefused):
            replies = "; ".join(
                f"{address}: {_reply_text(code, text)}" for address, (code, text) in sorted(exc.recipients.items())
            )
            problem = f"{where} refused every recipient ({replies})"
            if exc.recipients and all(_permanent(code) for code, _text in exc.recipients.values()):
                return self._refused(
                    message,
                    problem,
                    replies,
                    fix=(
                        "Correct the address on the register's Partnerships sheet (or the board officer's in "
                        "config.toml). The message is not tried again until its address changes; then it goes "
                        "on the next pass."
                    ),
                )
            fix = f"The server may accept them later (a 4xx reply is temporary). {retry}"
        elif isinstance(exc, smtplib.SMTPSenderRefused) and exc.smtp_code == 552:
            # 552 to MAIL FROM is the server's size limit (SIZE=...), about this message, not the sender.
            return self._refused(
                message,
                f"{where} refused the message as too large ({_reply(exc)})",
                _reply(exc),
                fix="Ask the mail server's administrator to raise the size limit, or send the "
                "attachment another way. The message is not tried again unless its "
                "recipients change.",
            )
        elif isinstance(exc, smtplib.SMTPSenderRefused):
            problem = f"{where} refused the sender address {exc.sender!r} ({_reply(exc)})"
            fix = f"Check mail.from in config.toml. {retry}"
        elif isinstance(exc, smtplib.SMTPDataError) and _permanent(exc.smtp_code):
            return self._refused(
                message,
                f"{where} refused the message ({_reply(exc)})",
                _reply(exc),
                fix=(
                    "A reply like this usually means the message is too large or was taken for spam: ask the "
                    "mail server's administrator. The message is not tried again unless its recipients change."
                ),
            )
        elif isinstance(exc, smtplib.SMTPResponseException):
            problem = f"{where} answered {_reply(exc)} while {stage}"
            fix = retry
        else:
            problem = f"{stage} to {where} failed ({exc})"
            fix = retry
        return MailError(f"Could not send '{message.subject}' to {', '.join(message.to)}: {problem}.", fix=fix)

    @staticmethod
    def _refused(message: Message, problem: str, reply: str, *, fix: str) -> MailRefused:
        # Refused for the whole envelope (To and Cc), as planned: notify compares these
        # with the next pass's planned recipients to see whether the address was corrected.
        return MailRefused(
            f"Could not send '{message.subject}' to {', '.join(message.to)}: {problem}.",
            fix=fix,
            recipients=message.to + message.cc,
            reply=reply,
        )


def _permanent(code: int) -> bool:
    """A 5xx reply: the server will give the same answer to the same message (RFC 5321, 4.2.1)."""
    return 500 <= code <= 599


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _reply_text(exc.smtp_code, exc.smtp_error)


def _reply_text(code: int, error: bytes | str) -> str:
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return f"{code} {text}".strip()
