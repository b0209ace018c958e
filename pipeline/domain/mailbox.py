"""What the history keeps of the returns mailbox: each message taken from it, what became of it,
and the attachments it brought, so that each is fetched, written and answered once."""

from __future__ import annotations

from dataclasses import dataclass

# What became of a message (its `outcome`); the ones that owe the sender a reply are in REPLIES.
TAKEN = "taken"  # its spreadsheets went into the inbox
HELD = "held"  # from a sender not allowed: its spreadsheets kept in quarantine, the board officer told
NO_ATTACHMENT = "no-attachment"
WINMAIL = "winmail"  # only a winmail.dat (Outlook's TNEF), which hides the workbook
TOO_LARGE = "too-large"
TOO_MANY = "too-many-attachments"
UNREADABLE = "unreadable"  # malformed beyond reading
IGNORED = "ignored"  # a bounce, or mail without a return from a sender not allowed: nobody is answered
REPLIES = (NO_ATTACHMENT, WINMAIL, TOO_LARGE, TOO_MANY, UNREADABLE)

# How far a message has got (`stage`): recorded before any attachment is written, written once every
# attachment is in the inbox (or quarantine), moved once the server has it in the processed folder.
RECORDED, WRITTEN, MOVED, GONE = "recorded", "written", "moved", "gone"


@dataclass(frozen=True)
class MailOrigin:
    """Who e-mailed a file, and in which message: shown in status and the master workbook."""

    sender: str
    subject: str
    date: str  # the message's Date in UTC (ISO), or "" when it had none


@dataclass(frozen=True)
class MailAttachment:
    seq: int
    name: str  # its file name, as written
    location: str  # where it was written: "inbox/<name>" or "quarantine/mail/<name>" (state folder)
    sha256: str
    written: bool


@dataclass(frozen=True)
class MailRecord:
    """One message of the returns mailbox, known by its folder, UIDVALIDITY and UID."""

    id: int
    mailbox: str  # user@host/folder
    uidvalidity: int
    uid: int
    sender: str
    subject: str
    date: str
    fetched_at: str
    arrived_at: str  # when the mail server received it (UTC, ISO), or ""
    outcome: str
    reason: str
    stage: str
    replied: bool  # the reply it owes (REPLIES) or the board officer's message (HELD) has gone
    attachments: tuple[MailAttachment, ...] = ()

    @property
    def origin(self) -> MailOrigin:
        return MailOrigin(self.sender, self.subject, self.date)

    @property
    def owes_reply(self) -> bool:
        return self.outcome in (*REPLIES, HELD) and not self.replied
