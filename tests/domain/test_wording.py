"""Times and counts in words: UK local time from stored UTC stamps, whatever the machine's own zone."""

from __future__ import annotations

import time

import pytest

from pipeline.domain.wording import clean_name, plural, uk_date, uk_time, were


@pytest.mark.parametrize(
    "stamp, words",
    [
        ("2025-10-20T10:00:00Z", "20 October 2025 at 11:00"),  # British Summer Time: UTC+1
        ("2025-11-03T10:00:00Z", "3 November 2025 at 10:00"),  # Greenwich Mean Time
        ("2025-10-26T00:59:00Z", "26 October 2025 at 01:59"),  # the last minute of BST
        ("2025-10-26T01:00:00Z", "26 October 2025 at 01:00"),  # the clocks have gone back
        ("2025-03-30T01:00:00Z", "30 March 2025 at 02:00"),  # and forward
        ("2025-10-20T10:00:00", "20 October 2025 at 11:00"),  # no zone: stored times are UTC
        ("2025-10-20T10:00:00+00:00", "20 October 2025 at 11:00"),
        ("", ""),
        ("soon", "soon"),  # not a time: shown as it is rather than lost
    ],
)
def test_a_stored_utc_time_is_told_in_uk_local_time(stamp, words):
    assert uk_time(stamp) == words


def test_the_date_is_the_uk_date_not_the_utc_date():
    assert uk_date("2025-06-30T23:30:00Z") == "1 July 2025"
    assert uk_date("2025-12-31T23:30:00Z") == "31 December 2025"


def test_the_words_do_not_depend_on_the_machine_time_zone(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    for zone in ("America/New_York", "Asia/Tokyo", "UTC"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        assert uk_time("2025-10-20T10:00:00Z") == "20 October 2025 at 11:00", zone
    monkeypatch.undo()
    time.tzset()


def test_counts_are_singular_or_plural():
    assert [plural(n, "return") for n in (0, 1, 2)] == ["0 returns", "1 return", "2 returns"]
    assert plural(2, "child", "children") == "2 children"
    assert [were(n) for n in (1, 3)] == ["was", "were"]


# -- names as they may be shown: a submitted file name goes into mail headers, file names and logs --


@pytest.mark.parametrize(
    "name, shown",
    [
        ("CYP return Q2.xlsx", "CYP return Q2.xlsx"),  # a clean name is left exactly as it is
        ("CYP  return.xlsx", "CYP  return.xlsx"),
        ("CYP return\nQ2.xlsx", "CYP return Q2.xlsx"),
        ("CYP return\r\nQ2.xlsx", "CYP return Q2.xlsx"),
        ("CYP\u2028return\u2029Q2\u0085.xlsx", "CYP return Q2 .xlsx"),  # line and paragraph separators, NEL
        ("CYP\treturn\x00\x1b[31m.xlsx", "CYP return [31m.xlsx"),  # tab, NUL, a terminal escape
        ("CYP return \u202excod.xlsx", "CYP return xcod.xlsx"),  # a bidi override that shows 'xlsx.docx'
        ("\u2066CYP\u2069 \u202aQ2\u202c.xlsx", "CYP Q2.xlsx"),  # bidi isolates and embeddings
        ("C\u200bY\u200dP\ufeff.xlsx", "CYP.xlsx"),  # zero-width space, joiner, byte-order mark
        ("\n\u202e\n", "unnamed file"),
        ("Cafe\u0301.xlsx", "Caf\u00e9.xlsx"),  # one way of writing each letter (NFC)
        ("bad \udcff.xlsx", "bad \ufffd.xlsx"),  # a byte that was not UTF-8
    ],
)
def test_a_submitted_name_is_cleaned_of_what_would_break_a_header_a_file_name_or_a_log_line(name, shown):
    assert clean_name(name) == shown
