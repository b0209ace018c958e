"""Short names name files and folders: `check` refuses one that could escape its folder or
collide with another, and every path made from data stays inside its folder whatever the
register holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from registers import demo_book, run_cli, write_config, write_register

from pipeline.domain.errors import OutputError
from pipeline.support.atomic import inside


def with_partnerships(tmp_path: Path, *shorts: str) -> Path:
    """The demo register with a partnership added under each short name (a copy of CYP's row)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    book = demo_book()
    for n, short in enumerate(shorts):
        row = book["Partnerships"].copy_row("CYP")
        row[0], row[1] = f"Added partnership {n + 1}", short
        book["Partnerships"].rows.append(row)
    return write_config(tmp_path, write_register(tmp_path / "register.xlsx", book))


def test_check_refuses_short_names_that_would_escape_a_folder_or_share_a_file_name(tmp_path):
    config = with_partnerships(
        tmp_path, "CYP/YOT", "CYP YOT", "../../../../escaped", "cyp_yot", "CYP_YOT", "A" * 31, "Youth-Offending_2"
    )
    code, out, err = run_cli(["--config", str(config), "check"])
    assert (code, err) == (1, "")
    lines = [" ".join(line.split()) for line in out.splitlines()]
    said = {
        "error Partnerships row 7 malformed-short-name Short name 'CYP/YOT' has characters other than letters, "
        "digits, '-' and '_'; it names the partnership's files and folders. Use only letters, digits, '-' and "
        "'_', e.g. CYP-YOT.",
        "error Partnerships row 8 malformed-short-name Short name 'CYP YOT' has characters other than letters, "
        "digits, '-' and '_'; it names the partnership's files and folders. Use only letters, digits, '-' and "
        "'_', e.g. CYP-YOT.",
        "error Partnerships row 8 duplicate-code Short name 'CYP YOT' would give the same file names as "
        "'CYP/YOT' (row 7). Give each partnership a short name of its own.",
        "error Partnerships row 9 malformed-short-name Short name '../../../../escaped' has characters other "
        "than letters, digits, '-' and '_'; it names the partnership's files and folders. Use only letters, "
        "digits, '-' and '_', e.g. escaped.",
        "error Partnerships row 11 duplicate-code Short name 'CYP_YOT' is blank or used twice. Give each "
        "partnership its own short name.",
    }
    assert said <= set(lines), "\n".join(sorted(set(lines) - said))
    assert any("row 12 name-too-long" in line for line in lines)
    assert not any("row 13" in line for line in lines), "a short name in the safe pattern is fine"


@pytest.mark.parametrize("command", [["templates", "--period", "2025-26 Q1"], ["run", "--no-pdf"]])
def test_templates_and_run_stop_before_writing_anything_for_a_short_name_that_would_escape(tmp_path, command):
    config = with_partnerships(tmp_path / "lsp", "../../../../escaped")
    (tmp_path / "lsp" / "inbox").mkdir()
    (tmp_path / "lsp" / "inbox" / "return.xlsx").write_bytes(b"a return")
    code, out, err = run_cli(["--config", str(config), "-q", *command])
    assert (code, out) == (2, "")
    assert err.startswith(
        "pipeline: error: The register register.xlsx has 1 error(s), the first at Partnerships "
        "row 7: Short name '../../../../escaped' has characters other than"
    )
    assert not list((tmp_path / "lsp" / "outbox").rglob("*.xlsx"))
    assert [p.name for p in tmp_path.rglob("escaped*")] == []


@pytest.mark.parametrize(
    "name",
    [
        "../escaped.xlsx",
        "a/../../escaped.xlsx",
        "/etc/escaped.xlsx",
        "",
        ".",
        "archive/2025-26-Q1/../../../escaped.xlsx",
    ],
)
def test_a_path_made_from_data_that_would_leave_its_folder_is_refused(tmp_path, name):
    with pytest.raises(OutputError, match="would land outside"):
        inside(tmp_path / "state", name)


def test_a_path_made_from_data_inside_its_folder_is_the_folder_and_the_name(tmp_path):
    assert inside(tmp_path, "archive/2025-26-Q1/CYP/x.xlsx") == tmp_path / "archive/2025-26-Q1/CYP/x.xlsx"
    assert inside(Path("state"), "incoming/x.xlsx") == Path("state/incoming/x.xlsx")
