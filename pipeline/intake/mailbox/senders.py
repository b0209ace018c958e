"""Who may send returns to the mailbox, and a warning when a partnership's return comes from an address
the register gives another partnership."""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.domain.findings import finding
from pipeline.domain.mailbox import MailOrigin
from pipeline.domain.records import Register
from pipeline.domain.settings import MailboxSettings


def registered_senders(register: Register) -> dict[str, str]:
    """Address -> short name of the partnership whose register row gives it (lower case)."""
    found: dict[str, str] = {}
    for p in register.partnerships:
        for address in re.split(r"[;,]", p.email or ""):
            if address.strip():
                found.setdefault(address.strip().lower(), p.short_name)
    return found


def allowed(sender: str, settings: MailboxSettings, register: Register) -> bool:
    """Whether `sender` may send returns: on the register's Partnerships sheet, or named (as an
    address or by its domain) in mailbox.allowed_senders."""
    if not sender:
        return False
    domain = sender.rsplit("@", 1)[-1]
    return (
        sender in registered_senders(register)
        or sender in settings.allowed_senders
        or domain in (settings.allowed_senders)
    )


def mind_the_sender(origin: MailOrigin | None, register: Register, examined):
    """`examined` with a warning when its return was e-mailed from an address the register gives another
    partnership: it is taken (a colleague may send for two partnerships), and a slip shows up here."""
    if origin is None or not examined.partnership:
        return examined
    owner = registered_senders(register).get(origin.sender)
    if owner is None or owner == examined.partnership:
        return examined
    warning = finding(
        "sender-other-partnership",
        f"This return for {examined.partnership} was e-mailed by {origin.sender}, the address the register gives "
        f"{owner}.",
        f"If {origin.sender} should not send {examined.partnership}'s return, check with {owner}; if the address "
        "has changed, correct it on the register's Partnerships sheet.",
    )
    return replace(examined, findings=(*examined.findings, warning))
