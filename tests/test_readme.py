"""The README is the manual: it must not drift from the code."""

import re
from pathlib import Path

from pipeline.cli.app import COMMANDS, build_parser
from pipeline.domain.errors import ExitStatus
from pipeline.domain.findings import CATALOGUE

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command_exactly_as_written():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    block = re.search(r"```sh\n(.*?)```", README, flags=re.S).group(1)
    [test_line] = [line for line in block.splitlines() if line.startswith("make test")]
    assert test_line in ci.splitlines()


def test_every_finding_code_is_in_the_readme_table_with_its_severity():
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning) \|", README, flags=re.M))
    assert rows == {code: severity for code, (severity, _meaning) in CATALOGUE.items()}


def test_every_subcommand_and_option_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in COMMANDS:
        assert f"pipeline {name}" in README
        for action in sub.choices[name]._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in README, f"{name} {flag} is not in the README"


def test_every_exit_code_is_documented():
    for status in ExitStatus:
        assert re.search(rf"^\| {status.value} \|", README, flags=re.M), status
