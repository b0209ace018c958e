"""What a message brings, read without a server: whatever the bytes, a verdict and safe names, never an
exception (hypothesis mutates a real message as a hostile or broken mail program would)."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mailbox_helpers import letter

from pipeline.intake.mailbox.parse import read_letter, safe_name

MESSAGE = letter(
    attachments=[("CYP Q1.xlsx", b"PK\x03\x04 not really a workbook" * 20), ("notes.xlsx", b"x" * 300)],
    headers={"X-Note": "=?utf-8?q?caf=C3=A9?="},
)


def _is_safe(name: str) -> bool:
    return (
        bool(name)
        and "/" not in name
        and "\\" not in name
        and not name.startswith((".", "~", " "))
        and not any(unicodedata.category(c) in ("Cc", "Cf") for c in name)
        and len(name.encode("utf-8")) <= 200
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(MESSAGE) - 1), st.binary(min_size=0, max_size=8)), max_size=6))
def test_a_mutated_message_gets_a_verdict_and_safe_names(edits):
    raw = bytearray(MESSAGE)
    for at, new in edits:
        raw[at : at + len(new)] = new
    read = read_letter(bytes(raw), max_attachments=20)
    assert read.problem in ("", "unreadable", "too-many-attachments")
    assert all(_is_safe(a.name) for a in read.attachments)


@given(st.text(max_size=300))
def test_any_name_is_made_safe(name):
    assert _is_safe(safe_name(name + ".xlsx"))


def test_a_null_sender_is_a_bounce_and_automatic():
    read = read_letter(letter(sender="", attachments=[("t.xlsx", b"PK")]), max_attachments=20)
    assert read.bounce and read.automatic


def test_a_name_that_is_only_an_extension_keeps_it():
    assert safe_name(".xlsx") == "attachment.xlsx"
    assert safe_name("~$.xlsx") == "attachment.xlsx"
