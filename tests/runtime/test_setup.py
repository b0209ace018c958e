"""`pipeline init`: a ready folder for a new council, which overwrites nothing."""

from __future__ import annotations

import logging
import shutil
import tomllib

from openpyxl import load_workbook
from registers import run_cli

from pipeline.config.builtin import BUILTIN_TEMPLATES
from pipeline.config.keys import KEYS
from pipeline.config.load import load_config
from pipeline.domain.records import UNITS, Polarity
from pipeline.register.blank import COLUMN_HELP
from pipeline.register.workbook import SHEETS

NAME, EMAIL = "Eastvale Partnership", "performance@eastvale.example.org"


def _init(folder, *more: str):
    return run_cli(["init", str(folder), "--name", NAME, "--email", EMAIL, *more])


def test_init_makes_a_council_folder_that_check_accepts_and_names_the_next_three_commands(tmp_path):
    council = tmp_path / "eastvale"
    code, out, err = _init(council)
    assert (code, err) == (0, "")
    assert {p.name for p in council.iterdir()} == {
        "config.toml",
        "register.xlsx",
        "inbox",
        "outbox",
        "state",
        "templates",
    }
    commands = [line.split("#")[0].strip() for line in out.splitlines() if line.startswith("  pipeline ")]
    assert commands[:2] == ["pipeline check", "pipeline import-history past-figures.xlsx"]
    assert commands[2].startswith('pipeline templates --period "')
    assert f"  cd {council}\n" in out
    code, out, err = run_cli(["check", "--config", str(council / "config.toml")])  # --config after the command
    assert code == 0, out + err
    assert "0 partnerships, 0 indicators" in out


def test_the_new_config_names_the_council_and_explains_every_key(tmp_path):
    council = tmp_path / "eastvale"
    _init(council, "--board", "Eastvale Strategic Board")
    text = (council / "config.toml").read_text(encoding="utf-8")
    values = tomllib.loads(text)
    assert values["organisation"]["name"] == NAME
    assert values["organisation"]["board"] == "Eastvale Strategic Board"
    assert values["mail"]["from"] == EMAIL
    assert values["paths"]["register"] == "register.xlsx"
    lines = text.splitlines()
    for key in KEYS:
        if key.deprecated:
            continue
        assert key.name in values[key.section], key.name
        at = next(n for n, line in enumerate(lines) if line.startswith(f"{key.name} = ") and n > 0)
        assert lines[at - 1].startswith("# "), f"{key.section}.{key.name} has no comment above it"
    assert load_config(council / "config.toml").organisation == NAME


def test_the_board_is_the_name_and_board_when_not_given(tmp_path):
    _init(tmp_path / "c")
    assert tomllib.loads((tmp_path / "c" / "config.toml").read_text())["organisation"]["board"] == f"{NAME} Board"


def test_the_blank_register_has_headers_drop_downs_input_help_and_a_guidance_sheet(tmp_path):
    _init(tmp_path / "c")
    book = load_workbook(tmp_path / "c" / "register.xlsx")
    assert book.sheetnames == [*SHEETS, "Guidance"]
    for name, columns in SHEETS.items():
        ws = book[name]
        assert [c.value for c in ws[1]] == [c.label for c in columns]
        helped = {ws.cell(1, n).coordinate for n in range(1, len(columns) + 1)}
        with_message = {
            cell.coordinate
            for dv in ws.data_validations.dataValidation
            if dv.prompt
            for rng in dv.sqref.ranges
            for row in ws.iter_rows(min_row=1, max_row=1, min_col=rng.min_col, max_col=rng.max_col)
            for cell in row
            if rng.min_row == 1
        }
        assert helped <= with_message, name
    indicators = book["Indicators"]
    lists = {dv.formula1 for dv in indicators.data_validations.dataValidation if dv.type == "list"}
    assert f'"{",".join(UNITS)}"' in lists
    assert f'"{",".join(p.value for p in Polarity)}"' in lists
    assert '"Yes,No"' in lists
    guidance = [r for r in book["Guidance"].iter_rows(values_only=True) if r and r[0] in SHEETS]
    assert len(guidance) == sum(len(c) for c in SHEETS.values())
    assert all(r[2] and r[3] for r in guidance)  # a meaning and an example for every column


def test_every_register_column_is_explained_and_nothing_else():
    assert set(COLUMN_HELP) == {(sheet, c.label) for sheet, columns in SHEETS.items() for c in columns}


def test_init_refuses_a_folder_with_any_of_its_files_and_writes_nothing(tmp_path):
    council = tmp_path / "eastvale"
    (council / "inbox").mkdir(parents=True)
    code, _out, err = _init(council)
    assert code == 2
    assert f"{council} already has {council / 'inbox'}: `pipeline init` overwrites nothing." in err
    assert [p.name for p in council.iterdir()] == ["inbox"]


def test_init_refuses_a_blank_name_and_an_address_that_is_not_one(tmp_path):
    code, _out, err = run_cli(["init", str(tmp_path / "a"), "--name", " ", "--email", EMAIL])
    assert code == 2 and "--name is blank" in err
    code, _out, err = run_cli(["init", str(tmp_path / "b"), "--name", NAME, "--email", "performance"])
    assert code == 2 and "--email 'performance' is not an e-mail address" in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_without_a_templates_folder_the_built_in_templates_are_used_with_a_note(tmp_path, caplog):
    council = tmp_path / "eastvale"
    _init(council)
    shutil.rmtree(council / "templates")
    with caplog.at_level(logging.INFO, logger="pipeline"):
        config = load_config(council / "config.toml")
    assert config.paths.templates == BUILTIN_TEMPLATES
    assert "the built-in Word and e-mail templates are used" in caplog.text
    assert (BUILTIN_TEMPLATES / "board-paper.docx").is_file()
    assert (BUILTIN_TEMPLATES / "mail" / "templates-out.txt").is_file()


def test_the_copied_templates_are_the_built_in_ones(tmp_path):
    _init(tmp_path / "c")
    copied = tmp_path / "c" / "templates"
    for built_in in BUILTIN_TEMPLATES.rglob("*"):
        if built_in.is_file():
            twin = copied / built_in.relative_to(BUILTIN_TEMPLATES)
            assert twin.read_bytes() == built_in.read_bytes()
            assert not twin.is_symlink()
