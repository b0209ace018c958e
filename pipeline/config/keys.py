"""Every config.toml key, declared once: its type, its check, its default and its help.

Checking and defaults (pipeline.config.load), the shipped commented config.toml and the
README's table of keys all come from KEYS, so adding a key is one edit here. After one,
`python -m pipeline.config.keys --write` writes config.toml and the README table again; a test
fails until it has been run.

Why one module past 400 lines: a catalogue, one declaration a key; its length is the number of
keys, and one place is the point.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from pipeline.domain.calendar import NATIONS
from pipeline.domain.records import Scheme, parse_tolerance
from pipeline.domain.settings import BoardPaperSettings, PublishingSettings

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UNSET = object()  # `example` left out: the shipped config.toml shows the default


def _anything(_value: Any) -> bool:
    return True


@dataclass(frozen=True)
class Key:
    """One key of config.toml. A value passes when it is of `kind` and `test` accepts it; otherwise
    the message says "Set it to <describe>." `example` is the shipped (demo) config.toml's value
    when that is not the default; a `deprecated` key is still read but no longer shown there."""

    section: str
    name: str
    kind: type | tuple[type, ...]
    describe: str
    default: Any
    help: str
    test: Callable[[Any], Any] = _anything
    required: bool = False
    example: Any = _UNSET
    deprecated: bool = False

    @property
    def shipped(self) -> Any:
        return self.default if self.example is _UNSET else self.example

    def accepts(self, value: Any) -> bool:
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        # TOML's true is a Python int too: only a key that wants a bool takes one.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            return False
        return bool(self.test(value))


def _is_iso(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _dates(values: list) -> bool:
    return all(isinstance(v, date) or _is_iso(v) for v in values)


def _is_time(value: str) -> bool:
    try:
        time.fromisoformat(value)
    except ValueError:
        return False
    return True


def _one_line(value: str) -> bool:
    """No line break or control character: a name sent to a server in a command line of its own,
    where a line break would end that command and start another."""
    return value.isprintable()


def _imap_name(value: str) -> bool:
    return bool(value) and _one_line(value)


def _between(low: float, high: float) -> Callable[[Any], bool]:
    return lambda v: low <= v <= high


_SCHEMES = [s.value for s in Scheme]
_FOLDER = "a folder path in quotes"

HEADER = """\
# config.toml: settings for the partnership's performance pipeline.
# Paths are relative to this file. Every key is optional unless marked REQUIRED;
# the value shown is then the default, unless its comment names another. `pipeline check`
# reads this file and names the key and the fix if anything here is wrong.
"""

# Section -> what holds for the whole section, said once above its keys ("" for nothing).
SECTIONS: dict[str, str] = {
    "organisation": "",
    "paths": (
        "inbox, outbox, templates and state must each be a folder of its own, none inside another, and "
        "no file named here may be in the inbox: the pipeline takes in whatever lands there."
    ),
    "rag": "",
    "calendar": "",
    "ingest": "",
    "template": "",
    "watch": "",
    "mail": "",
    "store": (
        "Where the history of returns, figures and messages is kept. Without a url, the SQLite file "
        "state/pipeline.sqlite3 (one board on one machine); with one, a PostgreSQL server (a county's boards, "
        "or several machines over one shared inbox)."
    ),
    "mailbox": (
        'The shared mailbox partnerships e-mail their returns to (IMAP). Off while host is "": then only files '
        "put in the inbox are taken. Every pass of `run` and `watch` first takes each spreadsheet attached to a "
        "new message into the inbox."
    ),
    "board_paper": (
        "The board paper's standing sections after the performance sections, as the committee format has them: "
        "the reporting officer's words, the same every quarter until changed here."
    ),
    "publishing": (
        "What goes out to the public (the public summary, and board papers where they are published): "
        "statistical disclosure control and the accessibility statement."
    ),
}
_PAPER = BoardPaperSettings()
_PUBLIC = PublishingSettings()

KEYS: tuple[Key, ...] = (
    # -- organisation
    Key(
        "organisation",
        "name",
        str,
        "the partnership's name in quotes",
        None,
        "The partnership's name, shown on every report.",
        bool,
        required=True,
        example="Brackenford Borough Partnership",
    ),
    Key(
        "organisation",
        "board",
        str,
        "the board's name in quotes",
        None,
        'The board that receives the board paper ("REPORT TO").',
        bool,
        required=True,
        example="Brackenford Partnership Board",
    ),
    Key(
        "organisation",
        "board_officer",
        str,
        "the board officer's name in quotes",
        "",
        'The officer who writes the board paper ("REPORTING OFFICER") and gets escalations.',
        example="Alex Morgan, Partnership Performance Manager",
    ),
    Key(
        "organisation",
        "board_officer_email",
        str,
        "an e-mail address",
        "",
        "The board officer's e-mail address: escalations, and faults in the pipeline, go there.",
        lambda v: not v or _EMAIL.match(v),
        example="partnership.performance@brackenford.example.org",
    ),
    Key(
        "organisation",
        "area",
        str,
        'the ward(s) reports cover, e.g. "Borough-wide"',
        "Borough-wide",
        'The ward(s) the reports cover ("WARD(S)" on the board paper).',
        bool,
    ),
    Key(
        "organisation",
        "board_officer_telephone",
        str,
        "a telephone number in quotes",
        "",
        "The board officer's telephone number, given with the e-mail address as the board paper's contact officer.",
        example="01632 960 123",
    ),
    # -- paths
    Key("paths", "inbox", str, _FOLDER, "inbox", "Where officers drop returns.", bool),
    Key(
        "paths",
        "outbox",
        str,
        _FOLDER,
        "outbox",
        "Where templates, the master workbook, Word packs, feedback and mail go.",
        bool,
    ),
    Key(
        "paths",
        "register",
        str,
        "the path of the register workbook",
        None,
        "The indicator register workbook (Partnerships, Indicators, Actions, Risks).",
        bool,
        required=True,
        example="demo/register.xlsx",
    ),
    Key("paths", "templates", str, _FOLDER, "templates", "The editable Word and e-mail templates.", bool),
    Key(
        "paths",
        "state",
        str,
        _FOLDER,
        "state",
        "The pipeline's own state: the SQLite database, archive/, quarantine/, logs/ and cache/.",
        bool,
    ),
    Key(
        "paths",
        "overrides",
        str,
        'the path of the overrides workbook, or ""',
        "",
        "Optional workbook of manual rating overrides (sheet Overrides: Period, Code, Rating, Reason, Who, and "
        'optionally Date). "" means none.',
        example="demo/overrides.xlsx",
    ),
    Key(
        "paths",
        "comparators",
        str,
        'the path of the comparators workbook, or ""',
        "",
        "Optional workbook of comparators' figures to test each indicator against (first sheet: Period, Code, "
        'Comparator, Value, Lower CI, Upper CI; e.g. England, the region, nearest neighbours). "" means none.',
        example="demo/comparators.xlsx",
    ),
    # -- rag
    Key(
        "rag",
        "scheme",
        str,
        "one of " + ", ".join(_SCHEMES),
        "3-level",
        'Default rating scheme for indicators whose register row leaves "RAG scheme" blank: "3-level" '
        '(Green/Amber/Red), "4-level" (Green, Amber/Green, Amber/Red, Red) or "improvement" (Amber if outside '
        "tolerance but better than the same period last year).",
        lambda v: v in _SCHEMES,
    ),
    Key(
        "rag",
        "tolerance",
        (str, int, float),
        'a percentage such as "5%" or an amount such as 2',
        "5%",
        'Default tolerance: a percentage of the target ("5%") or an amount in the indicator\'s unit (2).',
        lambda v: parse_tolerance(v) is not None,
    ),
    Key(
        "rag",
        "four_level_split",
        (int, float),
        "a number from 0 to 100",
        50,
        "4-level scheme: the share (%) of the tolerance band rated Amber/Green; the rest is Amber/Red.",
        _between(0, 100),
    ),
    Key(
        "rag",
        "no_change_band",
        (int, float),
        "a percentage from 0 to 100",
        1,
        'Direction of travel: a change smaller than this percentage counts as "No change".',
        _between(0, 100),
    ),
    Key(
        "rag",
        "action_tolerance",
        (int, float),
        "percentage points from 0 to 100",
        10,
        "Actions: percentage points behind straight-line expected progress still rated Amber.",
        _between(0, 100),
    ),
    Key(
        "rag",
        "risk_low_max",
        int,
        "a whole number from 1 to 25",
        4,
        "Risk score bands on the 5x5 matrix: 1 to risk_low_max is Low.",
        _between(1, 25),
    ),
    Key(
        "rag",
        "risk_medium_max",
        int,
        "a whole number from 1 to 25",
        12,
        "Risk scores above risk_low_max up to this are Medium; above it, High.",
        _between(1, 25),
    ),
    # -- calendar
    Key(
        "calendar",
        "templates_out_working_days",
        int,
        "a whole number of working days",
        5,
        "Templates go out this many working days before the quarter ends.",
    ),
    Key(
        "calendar",
        "deadline_working_days",
        int,
        "a whole number of working days from 1 to 60",
        15,
        "Returns are due this many working days after the quarter ends.",
        _between(1, 60),
    ),
    Key(
        "calendar",
        "reminder_working_days",
        list,
        "a list of whole numbers such as [10, 3]",
        [10, 3],
        "Reminders this many working days before the deadline.",
        lambda v: all(isinstance(x, int) and x > 0 for x in v),
    ),
    Key("calendar", "remind_on_deadline", bool, "true or false", True, "A reminder on the deadline day itself."),
    Key(
        "calendar",
        "overdue_every_working_days",
        int,
        "a whole number from 1 to 30",
        3,
        "While a return is overdue, a chaser every this many working days.",
        _between(1, 30),
    ),
    Key(
        "calendar",
        "escalate_after_working_days",
        int,
        "a whole number from 1 to 60",
        5,
        "Escalate to the board officer when a return is this many working days overdue.",
        _between(1, 60),
    ),
    Key(
        "calendar",
        "nation",
        str,
        "one of " + ", ".join(f'"{n}"' for n in NATIONS),
        "England and Wales",
        'Whose bank holidays are not working days: "England and Wales", "Scotland" or "Northern Ireland". They are '
        "known for every year (the `holidays` package), so nothing here needs a yearly edit.",
        lambda v: v in NATIONS,
    ),
    Key(
        "calendar",
        "closure_days",
        list,
        'a list of dates such as ["2027-12-29"]',
        [],
        'Other days the organisation is closed, e.g. a council\'s Christmas closure: ["2027-12-29", "2027-12-30"].',
        _dates,
    ),
    Key(
        "calendar",
        "bank_holidays",
        list,
        'a list of dates such as ["2025-12-25"]',
        [],
        "No longer needed (the bank holidays of `nation` are known): an old hand-kept list still counts, as closure "
        "days, with a warning to move local closures to `closure_days` and delete it.",
        _dates,
        deprecated=True,
    ),
    Key(
        "calendar",
        "reminder_time",
        str,
        'a time such as "09:00"',
        "09:00",
        "When `pipeline watch` sends the day's reminders (24-hour clock, UK time even on a machine set to UTC).",
        _is_time,
    ),
    Key(
        "calendar",
        "board_meetings",
        list,
        'a list of dates such as ["2025-11-04"]',
        [],
        "The board's meeting dates: a board paper is dated for the first one after the returns deadline. "
        "Without one, the paper's date of meeting reads 'To be confirmed' and no e-mail names a meeting.",
        _dates,
        example=["2025-08-04", "2025-11-04", "2026-02-05", "2026-05-08"],
    ),
    Key(
        "calendar",
        "meeting_working_days",
        int,
        "a whole number of working days from 1 to 60",
        10,
        "No longer used: a meeting is never guessed from the deadline. Set the dates in `board_meetings`.",
        _between(1, 60),
        deprecated=True,
    ),
    # -- ingest
    Key(
        "ingest",
        "settle_seconds",
        (int, float),
        "a number of seconds, 0 or more",
        5,
        "A file must be unchanged for this many seconds before it is read (so half-copied files wait for the "
        "next pass; a sync tool or a slow share may need more).",
        lambda v: v >= 0,
        example=10,
    ),
    Key(
        "ingest",
        "max_file_mb",
        int,
        "a whole number of megabytes from 1 to 200",
        20,
        "Files larger than this are rejected before they are opened.",
        _between(1, 200),
    ),
    Key(
        "ingest",
        "reader_timeout_seconds",
        (int, float),
        "a number of seconds from 1 to 600",
        20,
        "A file that takes longer than this to read is rejected (the run carries on).",
        _between(1, 600),
    ),
    Key(
        "ingest",
        "reader_memory_mb",
        int,
        "a whole number of megabytes from 256 to 16384",
        2048,
        "A file that needs more memory than this to read is rejected (the run carries on).",
        _between(256, 16384),
    ),
    Key(
        "ingest",
        "outlier_factor",
        (int, float),
        "a number greater than 1",
        3,
        "A value this many times further from the previous value than usual is flagged as an outlier.",
        lambda v: v > 1,
    ),
    # -- template
    Key(
        "template",
        "password",
        str,
        'a password in quotes, or "" for no password',
        "",
        'Password for sheet protection on return templates; "" protects without a password.',
    ),
    # -- watch
    Key(
        "watch",
        "interval_seconds",
        int,
        "a whole number of seconds from 1 to 86400",
        60,
        "`pipeline watch` looks in the inbox this often.",
        _between(1, 86400),
    ),
    # -- mail
    Key(
        "mail",
        "mode",
        str,
        '"files" or "smtp"',
        "files",
        '"files" writes each message as an .eml file in outbox/mail/ (the demo); "smtp" sends it.',
        lambda v: v in ("files", "smtp"),
    ),
    Key("mail", "host", str, "the SMTP server's name", "localhost", 'The SMTP server (with mode = "smtp").'),
    Key(
        "mail",
        "port",
        int,
        "a port number from 1 to 65535",
        25,
        "The SMTP server's port: 25, or 587 with starttls.",
        _between(1, 65535),
    ),
    Key(
        "mail",
        "from",
        str,
        "an e-mail address",
        None,
        "The sender address.",
        lambda v: bool(_EMAIL.match(v)),
        required=True,
        example="partnership.performance@brackenford.example.org",
    ),
    Key(
        "mail",
        "reply_to",
        str,
        "an e-mail address",
        "",
        'Where replies go, if not to the sender; "" for the sender.',
        lambda v: not v or _EMAIL.match(v),
    ),
    Key("mail", "starttls", bool, "true or false", False, "Encrypt the conversation with STARTTLS."),
    Key(
        "mail",
        "username",
        str,
        'the SMTP login name, or ""',
        "",
        'Login name at the SMTP server; "" for none.',
    ),
    Key(
        "mail",
        "password_env",
        str,
        "the name of an environment variable",
        "PIPELINE_SMTP_PASSWORD",
        "The environment variable that holds the login's password: never written in this file.",
    ),
    Key(
        "mail",
        "deadline_seconds",
        (int, float),
        "a number of seconds from 1 to 3600",
        60,
        "The longest one conversation with the mail server may take, however slowly it answers: a message not "
        "sent by then is tried again on the next pass.",
        _between(1, 3600),
    ),
    # -- store
    Key(
        "store",
        "url",
        str,
        'a postgresql:// address with no password in it (password_env names where that is), or ""',
        "",
        'The PostgreSQL database, e.g. "postgresql://pipeline@db.example.org:5432/performance" (no password '
        'here); "" for the SQLite file under the state folder.',
        # a password in it is refused by load_config, in words that do not repeat it
        lambda v: not v or v.startswith(("postgresql://", "postgres://")),
    ),
    Key(
        "store",
        "password_env",
        str,
        "the name of an environment variable",
        "PIPELINE_DB_PASSWORD",
        "The environment variable that holds the database password: never written in this file (unset: none, "
        "or the server's own ~/.pgpass).",
        bool,
    ),
    Key(
        "store",
        "sslmode",
        str,
        '"", "disable", "prefer", "require", "verify-ca" or "verify-full"',
        "",
        'TLS to the server: "verify-full" checks its certificate and name; "" leaves the client\'s default.',
        lambda v: v in ("", "disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
    ),
    Key("store", "sslrootcert", str, 'a file path, or ""', "", "The certificate authority to check the server by."),
    Key("store", "sslcert", str, 'a file path, or ""', "", "This machine's client certificate, if the server asks."),
    Key("store", "sslkey", str, 'a file path, or ""', "", "The client certificate's private key."),
    # -- mailbox
    Key(
        "mailbox",
        "host",
        str,
        'the IMAP server\'s name, or "" for no mailbox',
        "",
        'The IMAP server holding the returns mailbox; "" reads no mailbox.',
    ),
    Key(
        "mailbox",
        "port",
        int,
        "a port number from 1 to 65535",
        993,
        'The IMAP server\'s port: 993 with security "tls", 143 with "starttls".',
        _between(1, 65535),
    ),
    Key(
        "mailbox",
        "security",
        str,
        '"tls", "starttls" or "none"',
        "tls",
        '"tls" connects encrypted (port 993); "starttls" encrypts after connecting (port 143); "none" sends the '
        "password unencrypted, for a server on this machine only.",
        lambda v: v in ("tls", "starttls", "none"),
    ),
    Key("mailbox", "username", str, "the IMAP login name", "", "Login name of the returns mailbox.", _one_line),
    Key(
        "mailbox",
        "password_env",
        str,
        "the name of an environment variable",
        "PIPELINE_IMAP_PASSWORD",
        "The environment variable that holds the mailbox's password: never written in this file.",
        bool,
    ),
    Key("mailbox", "folder", str, "a folder name in quotes", "INBOX", "The folder returns arrive in.", _imap_name),
    Key(
        "mailbox",
        "processed_folder",
        str,
        "a folder name in quotes",
        "Processed",
        "Where each message is moved once its attachments are taken (made if missing).",
        _imap_name,
    ),
    Key(
        "mailbox",
        "allowed_senders",
        list,
        'a list of domains or addresses, e.g. ["brackenford.gov.uk", "someone@police.example.uk"]',
        [],
        "Who may send returns, besides the addresses on the register's Partnerships sheet: a domain accepts "
        "everyone at it. A return from anyone else is held in state/quarantine/mail/ and the board officer told.",
        lambda v: all(isinstance(x, str) and x.strip() and not any(c.isspace() for c in x.strip()) for x in v),
    ),
    Key(
        "mailbox",
        "max_message_mb",
        int,
        "a whole number of megabytes from 1 to 500",
        25,
        "A message larger than this is not downloaded: its sender is asked to send the return on its own.",
        _between(1, 500),
    ),
    Key(
        "mailbox",
        "max_attachments",
        int,
        "a whole number from 1 to 1000",
        20,
        "A message with more spreadsheets than this is not taken: its sender is asked to send fewer at a time.",
        _between(1, 1000),
    ),
    Key(
        "mailbox",
        "deadline_seconds",
        (int, float),
        "a number of seconds from 1 to 3600",
        120,
        "The longest one conversation with the IMAP server may take, however slowly it answers: what is not "
        "fetched by then is fetched on the next pass.",
        _between(1, 3600),
    ),
    # -- board_paper
    *(
        Key(
            "board_paper",
            name,
            str,
            "a sentence or two in quotes",
            getattr(_PAPER, name),
            f"{heading}: the text of that section of the board paper.",
            bool,
        )
        for name, heading in (
            ("policy_implications", "POLICY IMPLICATIONS"),
            ("financial_implications", "FINANCIAL IMPLICATIONS"),
            ("priorities_implications", "IMPLICATIONS FOR THE PARTNERSHIP'S PRIORITIES"),
            ("risk_analysis", "RISK ANALYSIS"),
            ("equality_and_diversity", "EQUALITY AND DIVERSITY ISSUES"),
        )
    ),
    # -- publishing
    Key(
        "publishing",
        "small_number_threshold",
        int,
        "a whole number from 2 to 100",
        _PUBLIC.threshold,
        "Statistical disclosure control: a count (unit count or number) from 1 to one below this is not published "
        "in the public summary, nor any figure it could be worked out from. The board paper and master workbook "
        "keep the figures and mark them.",
        _between(2, 100),
    ),
    Key(
        "publishing",
        "suppressed_marker",
        str,
        'a short marker in quotes, e.g. "[c]"',
        _PUBLIC.marker,
        "Shown in place of a figure that is not published, with a footnote saying why ([c] is the Government "
        "Statistical Service's shorthand for confidential, which a screen reader reads out).",
        lambda v: 0 < len(v.strip()) <= 12,
    ),
    Key(
        "publishing",
        "public_board_paper",
        bool,
        "true or false",
        _PUBLIC.public_board_paper,
        "Also make board-paper-<period>-public (.docx and PDF), with small numbers suppressed as in the public "
        "summary, for a council that publishes its board papers.",
    ),
    Key(
        "publishing",
        "accessibility_statement",
        str,
        'the web address (https://...) of your accessibility statement, or ""',
        _PUBLIC.accessibility_statement,
        "The organisation's accessibility statement, which the public summary links to in its footer as the "
        'accessibility regulations require; "" leaves the link out and the log says so.',
        lambda v: not v or v.startswith(("https://", "http://")),
        example="https://www.brackenford.example.org/accessibility",
    ),
)


def keys_of(section: str) -> dict[str, Key]:
    """A section's keys by name, in the order declared."""
    return {key.name: key for key in KEYS if key.section == section}


def shipped_values() -> dict[str, dict[str, Any]]:
    """The values the shipped config.toml holds: the demo borough's."""
    return {section: {k.name: k.shipped for k in keys_of(section).values() if not k.deprecated} for section in SECTIONS}


def toml_value(value: Any) -> str:
    """A value as TOML writes it (strings, numbers, booleans, dates and lists of them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, width=108, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False)


def commented_config(values: Mapping[str, Mapping[str, Any]]) -> str:
    """config.toml with every section and key, each under its help as a comment, holding `values`."""
    parts = [HEADER]
    for section, about in SECTIONS.items():
        lines = ["", f"[{section}]", *(_comment(about) if about else [])]
        for key in keys_of(section).values():
            if key.deprecated:
                continue
            value = values[section][key.name]
            text = ("REQUIRED. " if key.required else "") + key.help
            if not key.required and value != key.default:
                text += f" Default: {toml_value(key.default)}."
            lines += [*_comment(text), f"{key.name} = {toml_value(value)}"]
        parts.append("\n".join(lines) + "\n")
    return "".join(parts)


START, END = "<!-- config-keys:start -->", "<!-- config-keys:end -->"


def readme_table() -> str:
    """The README's table of every key: section.key, default, what it does."""
    rows = ["| Key | Default | What it does |", "|---|---|---|"]
    for key in KEYS:
        default = "required" if key.required else f"`{toml_value(key.default)}`"
        help = key.help.replace("|", "\\|")
        rows.append(f"| `{key.section}.{key.name}` | {default} | {'(deprecated) ' if key.deprecated else ''}{help} |")
    return "\n".join(rows) + "\n"


def with_readme_table(readme: str) -> str:
    """The README with the table between its marker comments replaced by readme_table()."""
    before, found, rest = readme.partition(START + "\n")
    _old, ended, after = rest.partition(END)
    if not (found and ended):
        raise ValueError(f"the README has no {START} ... {END} markers")
    return before + START + "\n" + readme_table() + END + after


ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    """`python -m pipeline.config.keys [--write]`: say whether the repository's config.toml and README
    table are as KEYS makes them (exit 1 if not); with --write, make them so."""
    files = {
        ROOT / "config.toml": lambda _text: commented_config(shipped_values()),
        ROOT / "README.md": with_readme_table,
    }
    stale = 0
    for path, make in files.items():
        text = path.read_text(encoding="utf-8")
        wanted = make(text)
        if wanted == text:
            print(f"{path}: up to date")
        elif "--write" in argv:
            path.write_text(wanted, encoding="utf-8")
            print(f"{path}: written")
        else:
            stale += 1
            print(f"{path}: out of date; run python -m pipeline.config.keys --write")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
