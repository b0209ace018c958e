"""config.toml: read, check key by key, and turn into a typed Config.

Every problem names the file, the key and the fix, because the person editing
config.toml is a performance officer, not a developer. Paths are relative to
the config file, so the pipeline can be run from any folder.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.domain.calendar import NATIONS, CalendarSettings, DaysOff
from pipeline.domain.errors import ConfigError
from pipeline.domain.records import Scheme, Tolerance, parse_tolerance

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Paths:
    inbox: Path
    outbox: Path
    register: Path
    templates: Path
    state: Path  # holds the SQLite database, archive/, quarantine/, logs/ and cache/
    overrides: Path | None

    @property
    def database(self) -> Path:
        return self.state / "pipeline.sqlite3"

    @property
    def archive(self) -> Path:
        return self.state / "archive"

    @property
    def quarantine(self) -> Path:
        return self.state / "quarantine"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def cache(self) -> Path:
        return self.state / "cache"  # derived data only: deleting it costs time, never data


@dataclass(frozen=True)
class RagSettings:
    scheme: Scheme
    tolerance: Tolerance
    four_level_split: Decimal  # % of the tolerance band that is Amber/Green
    no_change_band: Decimal  # % change treated as "No change" in direction of travel
    action_tolerance: Decimal  # percentage points behind expected progress still Amber
    risk_low_max: int
    risk_medium_max: int


@dataclass(frozen=True)
class IngestSettings:
    settle_seconds: float
    max_file_mb: int
    reader_timeout_seconds: float
    reader_memory_mb: int
    outlier_factor: Decimal  # how many times the usual movement counts as an outlier


@dataclass(frozen=True)
class MailSettings:
    mode: str  # "files" writes .eml to outbox/mail; "smtp" sends
    host: str
    port: int
    sender: str
    reply_to: str
    starttls: bool
    username: str
    password_env: str  # name of the environment variable holding the password
    deadline_seconds: float = 60.0  # one SMTP conversation, however the server drips its replies


@dataclass(frozen=True)
class Config:
    source: Path
    organisation: str
    board: str
    board_officer: str
    board_officer_email: str
    area: str
    template_password: str
    watch_interval_seconds: int
    paths: Paths
    rag: RagSettings
    calendar: CalendarSettings
    ingest: IngestSettings
    mail: MailSettings


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check(kind: type | tuple, describe: str, test: Callable[[Any], bool] = lambda v: True):
    return (kind, describe, test)


# section -> key -> (python type(s), how to describe a good value, extra test, default)
_SCHEMA: dict[str, dict[str, tuple]] = {
    "organisation": {
        "name": (*_check(str, "the partnership's name in quotes", bool), None),
        "board": (*_check(str, "the board's name in quotes", bool), None),
        "board_officer": (*_check(str, "the board officer's name in quotes"), ""),
        "board_officer_email": (*_check(str, "an e-mail address", lambda v: not v or _EMAIL.match(v)), ""),
        "area": (*_check(str, 'the ward(s) reports cover, e.g. "Borough-wide"', bool), "Borough-wide"),
    },
    "paths": {
        "inbox": (*_check(str, "a folder path in quotes", bool), "inbox"),
        "outbox": (*_check(str, "a folder path in quotes", bool), "outbox"),
        "register": (*_check(str, "the path of the register workbook", bool), None),
        "templates": (*_check(str, "a folder path in quotes", bool), "templates"),
        "state": (*_check(str, "a folder path in quotes", bool), "state"),
        "overrides": (*_check(str, 'the path of the overrides workbook, or ""'), ""),
    },
    "rag": {
        "scheme": (
            *_check(str, "one of " + ", ".join(s.value for s in Scheme), lambda v: v in {s.value for s in Scheme}),
            "3-level",
        ),
        "tolerance": (
            *_check(
                (str, int, float),
                'a percentage such as "5%" or an amount such as 2',
                lambda v: parse_tolerance(v) is not None,
            ),
            "5%",
        ),
        "four_level_split": (*_check((int, float), "a number from 0 to 100", lambda v: 0 <= v <= 100), 50),
        "no_change_band": (*_check((int, float), "a percentage from 0 to 100", lambda v: 0 <= v <= 100), 1),
        "action_tolerance": (*_check((int, float), "percentage points from 0 to 100", lambda v: 0 <= v <= 100), 10),
        "risk_low_max": (*_check(int, "a whole number from 1 to 25", lambda v: 1 <= v <= 25), 4),
        "risk_medium_max": (*_check(int, "a whole number from 1 to 25", lambda v: 1 <= v <= 25), 12),
    },
    "calendar": {
        "templates_out_working_days": (*_check(int, "a whole number of working days"), 5),
        "deadline_working_days": (
            *_check(int, "a whole number of working days from 1 to 60", lambda v: 1 <= v <= 60),
            15,
        ),
        "reminder_working_days": (
            *_check(
                list, "a list of whole numbers such as [10, 3]", lambda v: all(isinstance(x, int) and x > 0 for x in v)
            ),
            [10, 3],
        ),
        "remind_on_deadline": (*_check(bool, "true or false"), True),
        "overdue_every_working_days": (*_check(int, "a whole number from 1 to 30", lambda v: 1 <= v <= 30), 3),
        "escalate_after_working_days": (*_check(int, "a whole number from 1 to 60", lambda v: 1 <= v <= 60), 5),
        "nation": (
            *_check(str, "one of " + ", ".join(f'"{n}"' for n in NATIONS), lambda v: v in NATIONS),
            "England and Wales",
        ),
        "closure_days": (
            *_check(
                list,
                'a list of dates such as ["2027-12-29"]',
                lambda v: all(isinstance(x, date) or _is_iso(x) for x in v),
            ),
            [],
        ),
        # Before `nation`, bank holidays were listed by hand: still read, as closure days (see _build).
        "bank_holidays": (
            *_check(
                list,
                'a list of dates such as ["2025-12-25"]',
                lambda v: all(isinstance(x, date) or _is_iso(x) for x in v),
            ),
            [],
        ),
        "reminder_time": (*_check(str, 'a time such as "09:00"', lambda v: _is_time(v)), "09:00"),
        "board_meetings": (
            *_check(
                list,
                'a list of dates such as ["2025-11-04"]',
                lambda v: all(isinstance(x, date) or _is_iso(x) for x in v),
            ),
            [],
        ),
        "meeting_working_days": (
            *_check(int, "a whole number of working days from 1 to 60", lambda v: 1 <= v <= 60),
            10,
        ),
    },
    "ingest": {
        "settle_seconds": (*_check((int, float), "a number of seconds, 0 or more", lambda v: v >= 0), 5),
        "max_file_mb": (*_check(int, "a whole number of megabytes from 1 to 200", lambda v: 1 <= v <= 200), 20),
        "reader_timeout_seconds": (
            *_check((int, float), "a number of seconds from 1 to 600", lambda v: 1 <= v <= 600),
            20,
        ),
        "reader_memory_mb": (
            *_check(int, "a whole number of megabytes from 256 to 16384", lambda v: 256 <= v <= 16384),
            2048,
        ),
        "outlier_factor": (*_check((int, float), "a number greater than 1", lambda v: v > 1), 3),
    },
    "template": {
        "password": (*_check(str, 'a password in quotes, or "" for no password'), ""),
    },
    "watch": {
        "interval_seconds": (*_check(int, "a whole number of seconds from 1 to 86400", lambda v: 1 <= v <= 86400), 60),
    },
    "mail": {
        "mode": (*_check(str, '"files" or "smtp"', lambda v: v in ("files", "smtp")), "files"),
        "host": (*_check(str, "the SMTP server's name"), "localhost"),
        "port": (*_check(int, "a port number from 1 to 65535", lambda v: 1 <= v <= 65535), 25),
        "from": (*_check(str, "an e-mail address", lambda v: bool(_EMAIL.match(v))), None),
        "reply_to": (*_check(str, "an e-mail address", lambda v: not v or _EMAIL.match(v)), ""),
        "starttls": (*_check(bool, "true or false"), False),
        "username": (*_check(str, 'the SMTP login name, or ""'), ""),
        "password_env": (*_check(str, "the name of an environment variable"), "PIPELINE_SMTP_PASSWORD"),
        "deadline_seconds": (*_check((int, float), "a number of seconds from 1 to 3600", lambda v: 1 <= v <= 3600), 60),
    },
}


def _is_iso(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _dates(values: list) -> list[date]:
    """TOML dates, written bare (2027-12-29) or in quotes ("2027-12-29")."""
    return [d if isinstance(d, date) else date.fromisoformat(d) for d in values]


def _is_time(value: str) -> bool:
    try:
        time.fromisoformat(value)
    except ValueError:
        return False
    return True


def load_config(path: Path | str) -> Config:
    """Read and check config.toml; raise ConfigError naming file, key and fix."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(
            f"{path} is a folder, not the configuration file.",
            fix=f"Pass the file itself, e.g. --config {path / 'config.toml'}.",
        )
    if not path.is_file():
        raise ConfigError(
            f"The configuration file {path} does not exist.",
            fix="Run the command from the project folder, or pass --config PATH.",
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.", fix="Correct the line it names.") from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path} is not saved as UTF-8 text.", fix="Save it again as UTF-8 (in Notepad: Save As, Encoding UTF-8)."
        ) from None
    values = _validated(path, raw)
    base = path.resolve().parent
    return _build(path, base, values)


def _validated(path: Path, raw: dict) -> dict[str, dict[str, Any]]:
    for section in raw:
        if section not in _SCHEMA:
            raise ConfigError(
                f"{path}: unknown section [{section}].",
                fix=f"Use only {', '.join('[' + s + ']' for s in _SCHEMA)}; check the spelling.",
            )
        if not isinstance(raw[section], dict):
            raise ConfigError(f"{path}: {section} must be a section written [{section}].")
    values: dict[str, dict[str, Any]] = {}
    for section, keys in _SCHEMA.items():
        given = raw.get(section, {})
        for key in given:
            if key not in keys:
                raise ConfigError(
                    f"{path}: unknown key {section}.{key}.",
                    fix=f"Keys allowed in [{section}]: {', '.join(keys)}.",
                )
        values[section] = {}
        for key, (kind, describe, test, default) in keys.items():
            if key not in given:
                if default is None:
                    raise ConfigError(
                        f"{path}: {section}.{key} is missing.",
                        fix=f"Add {key} = ... under [{section}]: {describe}.",
                    )
                values[section][key] = default
                continue
            value = given[key]
            kinds = kind if isinstance(kind, tuple) else (kind,)
            wrong_type = not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
            if wrong_type or not test(value):
                raise ConfigError(
                    f"{path}: {section}.{key} = {value!r} is not valid.",
                    fix=f"Set it to {describe}.",
                )
            values[section][key] = value
    if values["rag"]["risk_low_max"] >= values["rag"]["risk_medium_max"]:
        raise ConfigError(
            f"{path}: rag.risk_low_max must be smaller than rag.risk_medium_max.",
            fix="For example risk_low_max = 4 and risk_medium_max = 12.",
        )
    return values


_OWN_FOLDER = (
    "Give paths.inbox, paths.outbox, paths.state and paths.templates a folder each, none inside "
    "another (links count as the folder they point to)."
)


def _refuse_overlaps(path: Path, folders: dict[str, Path], files: dict[str, Path | None]) -> None:
    """Refuse folders that are the same or one inside another, and a file the pipeline reads kept in the
    inbox: each pass would take in its own outputs, e-mails and database (and move them away), or
    overwrite one folder's files with another's. `folders` and `files` are already resolved."""
    keys = list(folders)
    for n, first in enumerate(keys):
        for second in keys[n + 1 :]:
            why = (
                "the pipeline would take in its own files as returns"
                if "inbox" in (first, second)
                else "the pipeline would mix, overwrite or move its own files"
            )
            if folders[first] == folders[second]:
                raise ConfigError(
                    f"{path}: paths.{first} and paths.{second} are the same folder ({folders[first]}): {why}.",
                    fix=_OWN_FOLDER,
                )
            for inner, outer in ((first, second), (second, first)):
                if folders[inner].is_relative_to(folders[outer]):
                    raise ConfigError(
                        f"{path}: paths.{inner} ({folders[inner]}) is inside paths.{outer} ({folders[outer]}): {why}.",
                        fix=_OWN_FOLDER,
                    )
    inbox = folders["inbox"]
    for name, file in files.items():
        if file is not None and file.is_relative_to(inbox):
            raise ConfigError(
                f"{path}: {name} ({file}) is inside paths.inbox ({inbox}): the pipeline would take "
                "it in as a return and move it away.",
                fix="Keep it outside the inbox (next to config.toml, say) and give its new path.",
            )


def _build(path: Path, base: Path, v: dict[str, dict[str, Any]]) -> Config:
    p = v["paths"]

    def resolve(text: str) -> Path:
        return (base / text).resolve()

    register = resolve(p["register"])
    if not register.is_file():
        raise ConfigError(
            f"{path}: paths.register points to {register}, which does not exist.",
            fix="Correct the path (it is relative to config.toml) or create the register workbook.",
        )
    overrides = resolve(p["overrides"]) if p["overrides"] else None
    if overrides is not None and not overrides.is_file():
        raise ConfigError(
            f"{path}: paths.overrides points to {overrides}, which does not exist.",
            fix='Correct the path, or set overrides = "" if there are no overrides.',
        )
    templates = resolve(p["templates"])
    if not templates.is_dir():
        raise ConfigError(
            f"{path}: paths.templates points to {templates}, which is not a folder.",
            fix="Correct the path; the folder holds the Word and e-mail templates.",
        )
    folders = {key: resolve(p[key]) for key in ("inbox", "outbox", "state", "templates")}
    _refuse_overlaps(
        path,
        folders,
        {"paths.register": register, "paths.overrides": overrides, "the configuration file": path.resolve()},
    )
    rag, cal, ing, mail, org = v["rag"], v["calendar"], v["ingest"], v["mail"], v["organisation"]
    if cal["bank_holidays"]:
        # Refusing the old key would stop a council's unattended pipeline at the upgrade; its
        # dates were bank holidays or closures, so counting them as closure days loses none of them.
        others = " or ".join(f'"{n}"' for n in NATIONS if n != cal["nation"])
        log.warning(
            '%s: calendar.bank_holidays is no longer needed: the bank holidays of calendar.nation ("%s"; set '
            "it to %s if that is yours) are known for every year. Its %d date(s) still count as closure days; "
            "move any local closures to calendar.closure_days and delete bank_holidays.",
            path,
            cal["nation"],
            others,
            len(cal["bank_holidays"]),
        )
    return Config(
        source=path.resolve(),
        organisation=org["name"],
        board=org["board"],
        board_officer=org["board_officer"],
        board_officer_email=org["board_officer_email"],
        area=org["area"],
        template_password=v["template"]["password"],
        watch_interval_seconds=v["watch"]["interval_seconds"],
        paths=Paths(
            inbox=folders["inbox"],
            outbox=folders["outbox"],
            register=register,
            templates=templates,
            state=folders["state"],
            overrides=overrides,
        ),
        rag=RagSettings(
            scheme=Scheme(rag["scheme"]),
            tolerance=parse_tolerance(rag["tolerance"]),
            four_level_split=Decimal(str(rag["four_level_split"])),
            no_change_band=Decimal(str(rag["no_change_band"])),
            action_tolerance=Decimal(str(rag["action_tolerance"])),
            risk_low_max=rag["risk_low_max"],
            risk_medium_max=rag["risk_medium_max"],
        ),
        calendar=CalendarSettings(
            templates_out_working_days=cal["templates_out_working_days"],
            deadline_working_days=cal["deadline_working_days"],
            reminder_working_days=tuple(sorted(set(cal["reminder_working_days"]), reverse=True)),
            remind_on_deadline=cal["remind_on_deadline"],
            overdue_every_working_days=cal["overdue_every_working_days"],
            escalate_after_working_days=cal["escalate_after_working_days"],
            days_off=DaysOff(cal["nation"], frozenset(_dates(cal["closure_days"]) + _dates(cal["bank_holidays"]))),
            reminder_time=time.fromisoformat(cal["reminder_time"]),
            board_meetings=tuple(sorted(_dates(cal["board_meetings"]))),
            meeting_working_days=cal["meeting_working_days"],
        ),
        ingest=IngestSettings(
            settle_seconds=float(ing["settle_seconds"]),
            max_file_mb=ing["max_file_mb"],
            reader_timeout_seconds=float(ing["reader_timeout_seconds"]),
            reader_memory_mb=ing["reader_memory_mb"],
            outlier_factor=Decimal(str(ing["outlier_factor"])),
        ),
        mail=MailSettings(
            mode=mail["mode"],
            host=mail["host"],
            port=mail["port"],
            sender=mail["from"],
            reply_to=mail["reply_to"],
            starttls=mail["starttls"],
            username=mail["username"],
            password_env=mail["password_env"],
            deadline_seconds=float(mail["deadline_seconds"]),
        ),
    )
