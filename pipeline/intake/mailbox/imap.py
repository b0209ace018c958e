"""One conversation with the returns mailbox (IMAP), within an overall deadline however slowly the
server answers, as the SMTP conversation has (pipeline.chasing.sending).

The standard library's imaplib, not imapclient: the pipeline needs eight commands (LOGIN, SELECT or
EXAMINE, UID SEARCH, UID FETCH, CREATE, UID MOVE or COPY and EXPUNGE, LOGOUT), whose replies are
parsed here in a few lines, and imaplib is what the SMTP side's smtplib is to it: no dependency to
keep, and its socket is ours to cut off at the deadline.
"""

from __future__ import annotations

import imaplib
import logging
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from pipeline.domain.errors import MailboxError
from pipeline.domain.settings import MailboxSettings

log = logging.getLogger(__name__)

RETRY = "What was not fetched is fetched on the next pass; the inbox's files are taken in meanwhile."


class _Deadline:
    """Ends a conversation at its deadline: a timer shuts its socket down, which wakes a read in
    progress (imaplib then reports the connection gone). The socket timeout alone bounds each read,
    and a server that sends a line just inside it, for ever, would hold the pass and its lock."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.why: str | None = None
        self.client: imaplib.IMAP4 | None = None
        self.timer = threading.Timer(seconds, self.cut_off, args=("deadline",))
        self.timer.daemon = True

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def cut_off(self, why: str) -> None:
        if self.why is None:
            self.why = why
        sock = getattr(self.client, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass


class _Plain(imaplib.IMAP4):
    def __init__(self, host: str, port: int, *, deadline: _Deadline, timeout: float) -> None:
        self._deadline = deadline
        deadline.client = self
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout):
        remaining = self._deadline.remaining()
        if self._deadline.why or remaining <= 0:
            raise TimeoutError("the conversation was cut off before it connected")
        return super()._create_socket(min(timeout, remaining) if timeout else remaining)


class _Secure(imaplib.IMAP4_SSL):
    def __init__(self, host: str, port: int, *, deadline: _Deadline, timeout: float, context: ssl.SSLContext) -> None:
        self._deadline = deadline
        deadline.client = self
        super().__init__(host, port, ssl_context=context, timeout=timeout)

    def _create_socket(self, timeout):
        remaining = self._deadline.remaining()
        if self._deadline.why or remaining <= 0:
            raise TimeoutError("the conversation was cut off before it connected")
        return super()._create_socket(min(timeout, remaining) if timeout else remaining)


@dataclass(frozen=True)
class Summary:
    """What the server says of one message before its body is fetched."""

    uid: int
    size: int
    internal_date: str  # as the server gave it, e.g. '07-Dec-2026 10:00:00 +0000'


_FETCH_ITEM = re.compile(rb"UID (\d+)|RFC822\.SIZE (\d+)|INTERNALDATE \"([^\"]*)\"")


def quoted(name: str) -> str:
    """A folder name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Conversation:
    """Logged in to the mailbox, with its folder selected (read-only for `pipeline mailbox check`).

    Every failure is a MailboxError naming the server, what it was doing and what to do.
    """

    def __init__(
        self,
        settings: MailboxSettings,
        *,
        readonly: bool = False,
        environ: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.readonly = readonly
        self.environ = os.environ if environ is None else environ
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.stage = "connecting"
        self.uidvalidity = 0
        self._deadline = _Deadline(settings.deadline_seconds)
        self._client: imaplib.IMAP4 | None = None
        self._made: set[str] = set()

    def cut_off(self, why: str) -> None:
        """End the conversation now (`pipeline watch` told to stop): what is not fetched waits for the next start."""
        self._deadline.cut_off(why)

    @property
    def where(self) -> str:
        s = self.settings
        return f"{s.username}@{s.host}/{s.folder}"

    def __enter__(self) -> Self:
        s = self.settings
        password = self.environ.get(s.password_env, "")
        if not password:
            raise MailboxError(
                f"The returns mailbox {s.username}@{s.host} needs a password, but the environment variable "
                f"{s.password_env} that holds it is not set.",
                fix=f"Set {s.password_env} before starting the pipeline (the password is never read from "
                'config.toml), or set mailbox.host = "" to read no mailbox.',
            )
        self._deadline.timer.start()
        try:
            context = self.ssl_context or ssl.create_default_context()
            if s.security == "tls":
                self._client = _Secure(s.host, s.port, deadline=self._deadline, timeout=self.timeout, context=context)
            else:
                self._client = _Plain(s.host, s.port, deadline=self._deadline, timeout=self.timeout)
                if s.security == "starttls":
                    self.stage = "starting TLS"
                    self._client.starttls(context)
                else:
                    log.warning(
                        'Logging in to the mailbox %s:%s without encryption (mailbox.security = "none"): the '
                        "password crosses the network as it is",
                        s.host,
                        s.port,
                    )
            self.stage = "logging in"
            self._client.login(s.username, password)
            # Servers tell more of what they can do once logged in (MOVE, UIDPLUS); imaplib keeps the greeting's.
            status, data = self._client.capability()
            if status == "OK" and data and isinstance(data[-1], bytes):
                self._client.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
            self.stage = f"opening the folder {s.folder!r}"
            status, data = self._client.select(quoted(s.folder), readonly=self.readonly)
            if status != "OK":
                raise MailboxError(
                    f"The returns mailbox {s.username}@{s.host} has no folder {s.folder!r} ({_text(data)}).",
                    fix="Correct mailbox.folder in config.toml (INBOX is the usual one).",
                )
            validity = self._client.untagged_responses.get("UIDVALIDITY", [b"0"])[-1]
            self.uidvalidity = int(validity if isinstance(validity, bytes) else validity[0])
        except BaseException as exc:
            self._close()
            if isinstance(exc, MailboxError):
                raise
            if isinstance(exc, Exception):
                raise self.failure(exc) from None
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None and exc[0] is None:
            try:
                self._client.logout()
            except (OSError, imaplib.IMAP4.error):  # the work is done: a fumbled goodbye changes nothing
                pass
        self._close()

    def _close(self) -> None:
        self._deadline.timer.cancel()
        if self._client is not None:
            try:
                self._client.shutdown()
            except OSError:
                pass

    def failure(self, exc: BaseException) -> MailboxError:
        """The MailboxError for `exc`, met while doing self.stage."""
        s = self.settings
        where = f"{s.host}:{s.port}"
        if self._deadline.why == "stopping":
            return MailboxError(
                f"The conversation with the returns mailbox {where} was abandoned while {self.stage}, as the "
                "pipeline was stopping.",
                fix=RETRY,
            )
        if self._deadline.why:
            return MailboxError(
                f"The returns mailbox {where} did not finish the conversation within {s.deadline_seconds:g} "
                f"seconds (mailbox.deadline_seconds; it was still {self.stage}).",
                fix=f"The server is answering very slowly: tell its administrator. {RETRY}",
            )
        if isinstance(exc, ConnectionRefusedError):
            problem, fix = f"the server {where} refused the connection", "Check mailbox.host and mailbox.port."
        elif isinstance(exc, socket.gaierror):
            problem, fix = f"the server name {s.host!r} could not be found", "Check mailbox.host."
        elif isinstance(exc, TimeoutError):
            problem = f"the server {where} did not answer within {self.timeout:g} seconds"
            fix = "Check mailbox.host, mailbox.port and the network."
        elif isinstance(exc, ssl.SSLError):
            reason = getattr(exc, "verify_message", "") or exc.reason or exc
            problem = f"the secure connection to {where} failed ({reason})"
            fix = "Check mailbox.security and that mailbox.host is the name on the server's certificate."
        elif self.stage == "logging in" and isinstance(exc, imaplib.IMAP4.error):
            problem = f"{where} refused the login for {s.username!r} ({exc})"
            fix = f"Check mailbox.username in config.toml and the password in {s.password_env}."
        elif isinstance(exc, imaplib.IMAP4.abort | OSError | EOFError):
            problem = f"the server {where} closed the connection while {self.stage} ({exc or type(exc).__name__})"
            fix = "If it goes on, ask the mail server's administrator."
        else:
            problem = f"the server {where} answered an error while {self.stage} ({exc})"
            fix = "If it goes on, ask the mail server's administrator."
        return MailboxError(f"Could not read the returns mailbox: {problem}.", fix=f"{fix} {RETRY}")

    def _command(self, stage: str, *args) -> list:
        """One UID command; its data, or MailboxError."""
        assert self._client is not None
        self.stage = stage
        try:
            status, data = self._client.uid(*args)
        except Exception as exc:
            raise self.failure(exc) from None
        if status != "OK":
            raise self.failure(imaplib.IMAP4.error(_text(data)))
        return data

    def uids(self) -> list[int]:
        """Every message's UID in the folder, read or not."""
        data = self._command("listing the messages", "SEARCH", "ALL")
        return sorted(int(n) for n in b" ".join(d for d in data if isinstance(d, bytes)).split())

    def summaries(self, uids: list[int]) -> list[Summary]:
        """Size and arrival time of each message, without its body."""
        if not uids:
            return []
        found = []
        data = self._command("reading the messages' sizes", "FETCH", _set(uids), "(UID RFC822.SIZE INTERNALDATE)")
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid = size = None
            when = ""
            for m in _FETCH_ITEM.finditer(line):
                if m.group(1):
                    uid = int(m.group(1))
                elif m.group(2):
                    size = int(m.group(2))
                else:
                    when = m.group(3).decode("ascii", "replace")
            if uid is not None and size is not None:
                found.append(Summary(uid, size, when))
        return sorted(found, key=lambda s: s.uid)

    def fetch(self, uid: int, *, headers_only: bool = False) -> bytes | None:
        """The whole message (or its header), without setting its read flag (BODY.PEEK); None if it is
        no longer in the folder (moved or deleted by someone else)."""
        part = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        data = self._command(f"fetching message {uid}", "FETCH", str(uid), f"({part})")
        found = [item for item in data if isinstance(item, tuple)]
        for item in found:
            if re.search(rb"UID %d\b" % uid, item[0]):
                return item[1]
        # Some servers put UID after the body's literal, where imaplib does not keep it with the body.
        return found[0][1] if len(found) == 1 else None

    def move(self, uid: int, folder: str) -> None:
        """Move a message to `folder`, made first if it is missing."""
        assert self._client is not None
        if folder not in self._made:
            self.stage = f"looking for the folder {folder!r}"
            try:
                status, data = self._client.list('""', quoted(folder))
                if status == "OK" and not any(d for d in data if d):
                    self.stage = f"making the folder {folder!r}"
                    status, data = self._client.create(quoted(folder))
                    if status != "OK":
                        raise imaplib.IMAP4.error(_text(data))
                    log.info("Made the folder %s in the returns mailbox", folder)
            except MailboxError:
                raise
            except Exception as exc:
                raise self.failure(exc) from None
            self._made.add(folder)
        if "MOVE" in self._client.capabilities:
            self._command(f"moving message {uid} to {folder!r}", "MOVE", str(uid), quoted(folder))
            return
        # Without MOVE (RFC 6851): copy, mark the original deleted, expunge it (only it, with UIDPLUS).
        self._command(f"copying message {uid} to {folder!r}", "COPY", str(uid), quoted(folder))
        self._command(f"marking message {uid} moved", "STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
        if "UIDPLUS" in self._client.capabilities:
            self._command(f"removing message {uid} from the folder", "EXPUNGE", str(uid))
        else:
            self.stage = f"removing message {uid} from the folder"
            try:
                self._client.expunge()
            except Exception as exc:
                raise self.failure(exc) from None


def _set(uids: list[int]) -> str:
    return ",".join(str(u) for u in uids)


def _text(data) -> str:
    parts = [d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d) for d in (data or []) if d]
    return " ".join(parts) or "no reason given"
