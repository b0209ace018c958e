"""The one clock the pipeline reads, and the form a moment is stored in.

Functions that need the time take a `now` argument defaulting to utc_now, so a test passes
a fixed moment instead of patching this module; every stored time is a UTC ISO stamp
("2025-10-20T09:00:00Z") that sorts as text (wording turns it into UK local words).
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, as an aware datetime in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A moment as the store keeps it: UTC, to the second, with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
