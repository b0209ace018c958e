"""What became of a file that entered the inbox: one verdict each, final once given."""

from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    """A file's verdict. A str enum, so the store keeps the word and a record compares equal to it."""

    PENDING = "pending"  # received, not yet decided (a run was stopped part-way)
    ACCEPTED = "accepted"  # a return whose figures count
    REJECTED = "rejected"  # quarantined with a reason the submitter is told
    DUPLICATE = "duplicate"  # the same bytes as a return already accepted

    def __str__(self) -> str:
        return self.value
