"""`pipeline init`: a ready folder for a council that is not the demo.

Everything a first quarter needs and nothing of the demo's: config.toml with every key and its
help (from pipeline.config.keys, so it cannot fall behind the keys the pipeline reads), a blank
register workbook with its drop-downs and guidance, the inbox, outbox and state folders, and a
copy of the built-in Word and e-mail templates to restyle. Nothing that exists is overwritten.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline.config.builtin import BUILTIN_TEMPLATES
from pipeline.config.keys import KEYS, SECTIONS, commented_config, keys_of
from pipeline.domain.errors import SetupError, UsageError
from pipeline.register.blank import write_blank_register

REGISTER = "register.xlsx"
FOLDERS = ("inbox", "outbox", "state")
EMAIL_KEY = next(k for k in KEYS if (k.section, k.name) == ("mail", "from"))


@dataclass(frozen=True)
class NewCouncil:
    """What `init` made: the folder, and each file and folder in it."""

    folder: Path
    config: Path
    register: Path
    made: tuple[Path, ...]


def config_values(name: str, board: str, email: str) -> dict[str, dict]:
    """Every key at its default, with what a new council must give: its names, the register and the sender."""
    values = {section: {k.name: k.default for k in keys_of(section).values()} for section in SECTIONS}
    values["organisation"].update(name=name, board=board, board_officer_email=email)
    values["paths"]["register"] = REGISTER
    values["mail"]["from"] = email
    return values


def init_council(folder: Path, *, name: str, email: str, board: str = "") -> NewCouncil:
    """Make `folder` ready for a council's first quarter; refuse (SetupError) if anything there would be overwritten."""
    name, email = " ".join(name.split()), email.strip()
    if not name:
        raise UsageError("--name is blank.", fix='Give the partnership\'s name, e.g. --name "Eastvale Partnership".')
    if not EMAIL_KEY.accepts(email):
        raise UsageError(
            f"--email {email!r} is not an e-mail address.",
            fix="Give the performance team's address, e.g. --email performance@eastvale.gov.uk.",
        )
    board = " ".join(board.split()) or f"{name} Board"
    folder = Path(folder)
    wanted = [folder / "config.toml", folder / REGISTER, folder / "templates", *(folder / f for f in FOLDERS)]
    there = [p for p in wanted if p.exists() or p.is_symlink()]
    if folder.exists() and not folder.is_dir():
        there.insert(0, folder)
    if there:
        raise SetupError(
            f"{folder} already has {', '.join(str(p) for p in there)}: `pipeline init` overwrites nothing.",
            fix="Choose a new folder, or move those aside first.",
        )
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    config = folder / "config.toml"
    config.write_text(commented_config(config_values(name, board, email)), encoding="utf-8")
    made.append(config)
    made.append(write_blank_register(folder / REGISTER))
    for sub in FOLDERS:
        (folder / sub).mkdir()
        made.append(folder / sub)
    # The built-in templates, copied as files (in a clone the package's folder is a link).
    shutil.copytree(BUILTIN_TEMPLATES, folder / "templates", ignore=shutil.ignore_patterns("__pycache__"))
    made.append(folder / "templates")
    return NewCouncil(folder=folder, config=config, register=folder / REGISTER, made=tuple(made))
