"""The returns mailbox's fixture, shared by the mailbox tests (tests/mailbox_helpers.py)."""

from mailbox_helpers import box  # noqa: F401 (a fixture: pytest finds it by name)
