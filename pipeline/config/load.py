"""config.toml: read, check each key against its declaration (pipeline.config.keys), and turn into a typed Config.

Every problem names the file, the key and the fix, because the person editing
config.toml is a performance officer, not a developer. Paths are relative to
the config file, so the pipeline can be run from any folder.
"""

from __future__ import annotations

import logging
import tomllib
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.config.builtin import BUILTIN_TEMPLATES
from pipeline.config.keys import SECTIONS, keys_of
from pipeline.domain.calendar import NATIONS, DaysOff
from pipeline.domain.errors import ConfigError
from pipeline.domain.records import Scheme, parse_tolerance
from pipeline.domain.settings import (
    BoardPaperSettings,
    CalendarSettings,
    Config,
    IngestSettings,
    MailboxSettings,
    MailSettings,
    Paths,
    PublishingSettings,
    RagSettings,
    StoreSettings,
)

log = logging.getLogger(__name__)


def _dates(values: list) -> list[date]:
    """TOML dates, written bare (2027-12-29) or in quotes ("2027-12-29")."""
    return [d if isinstance(d, date) else date.fromisoformat(d) for d in values]


def load_config(path: Path | str) -> Config:
    """Read and check config.toml; raise ConfigError naming file, key and fix."""
    path = Path(path)
    try:
        folder, found = path.is_dir(), path.is_file()
    except OSError:  # a name too long for the file system: no such file can exist
        folder = found = False
    if folder:
        raise ConfigError(
            f"{path} is a folder, not the configuration file.",
            fix=f"Pass the file itself, e.g. --config {path / 'config.toml'}.",
        )
    if not found:
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
        if section not in SECTIONS:
            raise ConfigError(
                f"{path}: unknown section [{section}].",
                fix=f"Use only {', '.join('[' + s + ']' for s in SECTIONS)}; check the spelling.",
            )
        if not isinstance(raw[section], dict):
            raise ConfigError(f"{path}: {section} must be a section written [{section}].")
    values: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        keys = keys_of(section)
        given = raw.get(section, {})
        for name in given:
            if name not in keys:
                raise ConfigError(
                    f"{path}: unknown key {section}.{name}.",
                    fix=f"Keys allowed in [{section}]: {', '.join(keys)}.",
                )
        values[section] = {}
        for name, key in keys.items():
            if name not in given:
                if key.required:
                    raise ConfigError(
                        f"{path}: {section}.{name} is missing.",
                        fix=f"Add {name} = ... under [{section}]: {key.describe}.",
                    )
                values[section][name] = key.default
                continue
            value = given[name]
            if not key.accepts(value):
                raise ConfigError(
                    f"{path}: {section}.{name} = {value!r} is not valid.", fix=f"Set it to {key.describe}."
                )
            values[section][name] = value
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
    comparators = resolve(p["comparators"]) if p["comparators"] else None
    if comparators is not None and not comparators.is_file():
        raise ConfigError(
            f"{path}: paths.comparators points to {comparators}, which does not exist.",
            fix='Correct the path, or set comparators = "" if there are no comparators.',
        )
    templates = resolve(p["templates"])
    if not templates.is_dir() and p["templates"] == keys_of("paths")["templates"].default:
        # A council that has not restyled anything has no templates/ folder: the built-in ones do.
        # A folder named on purpose and missing is a slip, and is refused below.
        log.info(
            "%s: no templates/ folder next to it, so the built-in Word and e-mail templates are used "
            "(`pipeline init` makes a copy to restyle).",
            path,
        )
        templates = BUILTIN_TEMPLATES
    if not templates.is_dir():
        raise ConfigError(
            f"{path}: paths.templates points to {templates}, which is not a folder.",
            fix="Correct the path; the folder holds the Word and e-mail templates.",
        )
    folders = {key: resolve(p[key]) for key in ("inbox", "outbox", "state", "templates")}
    _refuse_overlaps(
        path,
        folders,
        {
            "paths.register": register,
            "paths.overrides": overrides,
            "paths.comparators": comparators,
            "the configuration file": path.resolve(),
        },
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
    if urlsplit(v["store"]["url"]).password is not None:
        raise ConfigError(
            f"{path}: store.url has a password in it, which a config file must not hold.",
            fix=f"Take the password out of the url and put it in the environment variable store.password_env "
            f"names ({v['store']['password_env']}).",
        )
    tolerance = parse_tolerance(rag["tolerance"])
    assert tolerance is not None  # _validated refused a rag.tolerance that does not parse (keys.py's check)
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
            comparators=comparators,
        ),
        rag=RagSettings(
            scheme=Scheme(rag["scheme"]),
            tolerance=tolerance,
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
        ),
        ingest=IngestSettings(
            settle_seconds=float(ing["settle_seconds"]),
            max_file_mb=ing["max_file_mb"],
            reader_timeout_seconds=float(ing["reader_timeout_seconds"]),
            reader_memory_mb=ing["reader_memory_mb"],
            outlier_factor=Decimal(str(ing["outlier_factor"])),
        ),
        board_officer_telephone=org["board_officer_telephone"],
        board_paper=BoardPaperSettings(**v["board_paper"]),
        store=StoreSettings(
            url=v["store"]["url"],
            password_env=v["store"]["password_env"],
            sslmode=v["store"]["sslmode"],
            # certificate files, like every path here, relative to this file
            **{
                key: str(base / v["store"][key]) if v["store"][key] else ""
                for key in ("sslrootcert", "sslcert", "sslkey")
            },
        ),
        publishing=PublishingSettings(
            threshold=v["publishing"]["small_number_threshold"],
            marker=v["publishing"]["suppressed_marker"].strip(),
            public_board_paper=v["publishing"]["public_board_paper"],
            accessibility_statement=v["publishing"]["accessibility_statement"],
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
        mailbox=_mailbox(path, v["mailbox"]),
    )


def _mailbox(path: Path, box: dict[str, Any]) -> MailboxSettings:
    if box["host"] and not box["username"]:
        raise ConfigError(
            f"{path}: mailbox.host is set to {box['host']!r}, but mailbox.username is empty.",
            fix='Set username to the mailbox\'s login name, or host = "" to read no mailbox.',
        )
    if box["processed_folder"].casefold() == box["folder"].casefold():
        raise ConfigError(
            f"{path}: mailbox.processed_folder is the folder returns arrive in ({box['folder']!r}): each message "
            "moved there would come back as a new one.",
            fix='Give processed_folder a folder of its own, e.g. "Processed".',
        )
    return MailboxSettings(
        host=box["host"],
        port=box["port"],
        security=box["security"],
        username=box["username"],
        password_env=box["password_env"],
        folder=box["folder"],
        processed_folder=box["processed_folder"],
        allowed_senders=tuple(s.strip().lower().lstrip("@") for s in box["allowed_senders"]),
        max_message_mb=box["max_message_mb"],
        max_attachments=box["max_attachments"],
        deadline_seconds=float(box["deadline_seconds"]),
    )
