"""Each config key is declared once: the shipped config.toml and the README table are made from the
declarations, so a key added without running `python -m pipeline.config.keys --write` fails here."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest
from registers import ROOT, SHIPPED_CONFIG

from pipeline.config import keys
from pipeline.config.keys import KEYS, Key, commented_config, readme_table, shipped_values, with_readme_table

README = ROOT / "README.md"
REGENERATE = "run `python -m pipeline.config.keys --write` and commit what it writes"


def test_the_shipped_config_toml_is_what_the_declarations_make():
    assert SHIPPED_CONFIG.read_text(encoding="utf-8") == commented_config(shipped_values()), REGENERATE


def test_the_readme_table_of_keys_is_what_the_declarations_make():
    readme = README.read_text(encoding="utf-8")
    assert readme_table() in readme, REGENERATE
    assert with_readme_table(readme) == readme, REGENERATE


def test_the_shipped_config_stays_the_demos():
    shipped = tomllib.loads(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    assert shipped == shipped_values()
    assert shipped["paths"]["register"] == "demo/register.xlsx"
    assert shipped["paths"]["overrides"] == "demo/overrides.xlsx"
    assert shipped["organisation"]["name"] == "Brackenford Borough Partnership"


def test_every_key_has_help_and_its_default_and_example_pass_its_own_check():
    for key in KEYS:
        assert key.help.endswith("."), key.name
        if key.required:
            assert key.default is None, key.name
        else:
            assert key.accepts(key.default), f"{key.section}.{key.name} default {key.default!r}"
        assert key.accepts(key.shipped) or (key.required and key.shipped is None), key.name


def test_a_required_key_is_marked_and_a_value_that_is_not_the_default_names_the_default():
    config = SHIPPED_CONFIG.read_text(encoding="utf-8")
    assert '# REQUIRED. The sender address.\nfrom = "partnership.performance@brackenford.example.org"\n' in config
    assert "may need more). Default: 5.\nsettle_seconds = 10\n" in config


def test_a_deprecated_key_is_in_the_readme_table_but_not_in_the_shipped_config():
    assert "| `calendar.bank_holidays` | `[]` | (deprecated) " in readme_table()
    assert "bank_holidays" not in commented_config(shipped_values())


def test_a_new_key_shows_in_the_config_and_the_table_once_declared(monkeypatch):
    added = Key("watch", "quiet_hours", str, "a range of hours", "", "Hours when watch sends no mail.")
    monkeypatch.setattr(keys, "KEYS", (*KEYS, added))
    assert '# Hours when watch sends no mail.\nquiet_hours = ""\n' in commented_config(keys.shipped_values())
    assert '| `watch.quiet_hours` | `""` | Hours when watch sends no mail. |' in keys.readme_table()


def test_a_readme_without_the_markers_is_refused_not_appended_to():
    with pytest.raises(ValueError, match="markers"):
        with_readme_table("# A README\n")


@pytest.mark.parametrize(
    "value, toml",
    [('a "quoted" \\ path', '"a \\"quoted\\" \\\\ path"'), (True, "true"), (2.5, "2.5"), ([10, 3], "[10, 3]")],
)
def test_values_are_written_as_toml_reads_them(value, toml):
    assert keys.toml_value(value) == toml
    assert tomllib.loads(f"x = {toml}")["x"] == value


def test_a_key_that_wants_a_number_refuses_true():
    port = next(key for key in KEYS if key.name == "port")
    assert not port.accepts(True)
    assert not replace(port, kind=(int, float)).accepts(False)
