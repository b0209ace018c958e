"""What one e-mail brings: who sent it, whether a machine did, and its spreadsheets, each under a
name that is safe to write in the inbox. Pure: bytes in, a record out; nothing raises for a hostile
message, which gets a verdict (`Letter.problem`) instead.
"""

from __future__ import annotations

import email
import io
import logging
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import PurePosixPath

from pipeline.domain.wording import one_line
from pipeline.intake.screen import zipscan
from pipeline.intake.screen.safety import Limits, directory_problem

log = logging.getLogger(__name__)

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
_SPREADSHEET_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}
_MAX_PARTS = 2000  # parts walked in one message: past this it is refused as too many attachments
_NAME_BYTES = 150  # an attachment's name in the inbox, before the store's prefix


@dataclass(frozen=True)
class Attachment:
    name: str  # safe for the inbox: no folder, no control character, a spreadsheet's extension
    data: bytes


@dataclass(frozen=True)
class Letter:
    """One message as the pipeline reads it."""

    sender: str  # the From address, lower case; "" for none
    subject: str
    date: str  # the Date header in UTC (ISO), or "" when missing or unreadable
    automatic: bool  # an auto-reply, a mailing list, a bounce or a null sender: never answered
    bounce: bool  # a delivery report or a null sender: its attachments are our own, never taken
    attachments: tuple[Attachment, ...]
    winmail: bool  # a winmail.dat (Outlook's TNEF), which hides attachments from every other program
    problem: str = ""  # "" or "too-many-attachments", "unreadable"
    detail: str = ""


def read_letter(raw: bytes, *, max_attachments: int, limits: Limits = Limits()) -> Letter:
    """Read one message; a message the parser cannot make sense of is 'unreadable', never an exception."""
    try:
        message = email.message_from_bytes(raw, policy=policy.compat32)
    except Exception as exc:  # the parser is lenient; this is the backstop for what it is not
        log.info("Unreadable message: %s", exc)
        return Letter("", "", "", False, False, (), False, "unreadable", str(exc))
    try:
        sender, subject, date, automatic, bounce = _envelope(message)
    except Exception as exc:  # the email package meets hostile headers in ways of its own
        log.warning("Unreadable headers in a message: %s", exc, exc_info=True)
        return Letter("", "", "", False, False, (), False, "unreadable", str(exc))
    try:
        found, winmail, parts = _attachments(message, limits)
    except Exception as exc:  # a verdict, not a crash: a message that stopped every pass would be taken by none
        log.warning("Unreadable message from %s: %s", sender or "nobody", exc, exc_info=True)
        return Letter(sender, subject, date, automatic, bounce, (), False, "unreadable", str(exc) or type(exc).__name__)
    if parts > _MAX_PARTS or len(found) > max_attachments:
        count = f"{len(found)} spreadsheets" if parts <= _MAX_PARTS else f"over {_MAX_PARTS} parts"
        return Letter(sender, subject, date, automatic, bounce, (), winmail, "too-many-attachments", count)
    return Letter(sender, subject, date, automatic, bounce, tuple(found), winmail)


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        return one_line(str(make_header(decode_header(str(value)))))
    except Exception:  # a broken encoded word: the text as it came
        return one_line(str(value))


def _envelope(message: Message) -> tuple[str, str, str, bool, bool]:
    try:
        addresses = [a for _n, a in getaddresses([_header(message, "From")]) if "@" in a]
    except Exception:
        addresses = []
    sender = addresses[0].strip().lower() if addresses else ""
    subject = _header(message, "Subject")[:200]
    date = ""
    try:
        when = parsedate_to_datetime(_header(message, "Date"))
        if when.tzinfo is not None:
            date = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    return_path = _header(message, "Return-Path").strip()
    local = sender.split("@", 1)[0]
    bounce = (
        return_path == "<>"
        or not sender
        or local in ("mailer-daemon", "postmaster")
        or message.get_content_type() == "multipart/report"
    )
    auto_submitted = _header(message, "Auto-Submitted").lower()
    automatic = (
        bounce
        or (auto_submitted not in ("", "no"))
        or any(message.get(h) is not None for h in ("List-Id", "List-Unsubscribe", "List-Post", "X-Autoreply"))
        or _header(message, "Precedence").lower() in ("bulk", "list", "junk", "auto_reply")
        or "all" in _header(message, "X-Auto-Response-Suppress").lower()
    )
    return sender, subject, date, automatic, bounce


def _attachments(message: Message, limits: Limits) -> tuple[list[Attachment], bool, int]:
    """Spreadsheets in every part, forwarded messages' parts included, and those in .zip attachments."""
    found: list[Attachment] = []
    winmail = False
    parts = 0
    for part in message.walk():
        parts += 1
        if parts > _MAX_PARTS:
            break
        if part.is_multipart():
            continue
        name = _filename(part)
        kind = part.get_content_type()
        if name.lower() == "winmail.dat" or kind == "application/ms-tnef":
            winmail = True
            continue
        suffix = PurePosixPath(name.lower()).suffix
        if not name and kind in _SPREADSHEET_TYPES:
            name, suffix = "attachment" + _SPREADSHEET_TYPES[kind], _SPREADSHEET_TYPES[kind]
        if suffix not in (*SPREADSHEETS, ".zip"):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        if suffix == ".zip":
            found += _unzipped(name, data, limits)
        else:
            found.append(Attachment(safe_name(name), data))
    return found, winmail, parts


def _filename(part: Message) -> str:
    """The attachment's name as its sender saw it: RFC 2231 (name*=) and RFC 2047 (=?...?=) decoded."""
    try:
        name = part.get_filename() or ""
    except Exception:
        return ""
    if "=?" in name:
        try:
            name = str(make_header(decode_header(name)))
        except Exception:
            pass
    return name


def safe_name(name: str) -> str:
    """A name fit for the inbox: its last path part only (never a folder, never '..'), without control
    or invisible characters, not hidden or taken for an Office lock file, and not too long."""
    name = one_line(name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    # A hidden file or an Office lock file would be passed over in the inbox.
    stem = stem.lstrip(".~$ ").strip() or "attachment"
    suffix = suffix.strip().lower()
    if len(stem.encode("utf-8")) > _NAME_BYTES:
        stem = stem.encode("utf-8")[:_NAME_BYTES].decode("utf-8", "ignore")
    return f"{stem}.{suffix}" if suffix else stem


def _unzipped(name: str, data: bytes, limits: Limits) -> list[Attachment]:
    """The spreadsheets inside a .zip attachment, under the screen's zip defences (entry count,
    unsafe and duplicate names, declared and real sizes, ratio); a zip that fails them gives none."""
    declared = zipscan.declared_entries(data)
    if declared is None or declared > limits.max_entries:
        log.info("Zip attachment %s: unreadable or too many entries; nothing taken from it", safe_name(name))
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if directory_problem(infos, limits) is not None:
                log.info("Zip attachment %s fails the zip screen; nothing taken from it", safe_name(name))
                return []
            found, total = [], 0
            for info in infos:
                if info.is_dir() or PurePosixPath(info.filename.lower()).suffix not in SPREADSHEETS:
                    continue
                chunks, size = [], 0
                for chunk in zipscan.entry_chunks(archive, data, info):
                    size, total = size + len(chunk), total + len(chunk)
                    if size > limits.max_file_bytes or total > limits.max_total_uncompressed:
                        raise zipscan.TooLarge(f"{info.filename} unpacks to more than a return can be")
                    chunks.append(chunk)
                found.append(Attachment(safe_name(info.filename), b"".join(chunks)))
            return found
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, zipscan.TooLarge) as exc:
        log.info("Zip attachment %s: %s; nothing taken from it", safe_name(name), exc)
        return []
