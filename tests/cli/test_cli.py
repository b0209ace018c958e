"""The `pipeline` command: help, exit codes, the findings table and JSON, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from registers import DEMO_REGISTER, ROOT, demo_book, run_cli, write_config, write_register

from pipeline import __version__
from pipeline.cli.app import COMMANDS, EXIT_CODES_HELP
from pipeline.domain.errors import ExitStatus

DEMO_TABLE = f"""\
Register: {DEMO_REGISTER}
5 partnerships, 30 indicators, 13 actions, 10 risks

Severity  Where              Code       Message
--------  -----------------  ---------  -------
warning   Indicators row 25  no-target  HSG-06 has no annual or quarterly target. Add an annual target, or set \
polarity to No polarity to track it only.

0 error(s), 1 warning(s).
"""


@pytest.fixture
def demo_config(tmp_path) -> Path:
    return write_config(tmp_path, DEMO_REGISTER)


@pytest.fixture
def spoiled_config(tmp_path) -> Path:
    """The demo register with one error: an indicator whose unit is not allowed."""
    book = demo_book()
    book["Indicators"].set("HSG-04", "Unit", "weeks")
    return write_config(tmp_path, write_register(tmp_path / "register.xlsx", book))


def python(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


# -- help and version --------------------------------------------------------


def test_help_lists_every_subcommand_and_the_exit_codes():
    code, out, err = run_cli(["--help"])
    assert (code, err) == (0, "")
    assert out.startswith("usage: pipeline ")
    words = " ".join(out.split())  # argparse wraps long summaries
    for name, (summary, _arguments, _run) in COMMANDS.items():
        assert f"\n    {name} " in out or f"\n    {name}\n" in out  # a long name has its summary below it
        assert f"{name} {summary}" in words
    assert "exit codes:\n" + EXIT_CODES_HELP in out
    for status in ExitStatus:
        assert f"{status.value:>3}  " in EXIT_CODES_HELP
    assert "  2  bad configuration, register structure, period or usage" in out
    for option in ("--version", "--config PATH", "--verbose", "--quiet", "--traceback"):
        assert option in out


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_subcommand_has_help(name):
    code, out, err = run_cli([name, "--help"])
    assert (code, err) == (0, "")
    assert out.startswith(f"usage: pipeline {name} ")
    assert COMMANDS[name][0] in " ".join(out.split())


def test_check_help_offers_table_and_json():
    _code, out, _err = run_cli(["check", "--help"])
    assert "--format {table,json}" in out


def test_version_prints_the_package_version():
    assert run_cli(["--version"]) == (0, f"pipeline {__version__}\n", "")


def test_no_subcommand_shows_help_and_exits_2():
    code, out, _err = run_cli([])
    assert code == 2
    assert out.startswith("usage: pipeline ")


# -- check -------------------------------------------------------------------


def test_check_on_the_demo_prints_the_findings_table_and_exits_0(demo_config):
    assert run_cli(["--config", str(demo_config), "check"]) == (0, DEMO_TABLE, "")


def test_check_reads_config_toml_in_the_current_folder_by_default(demo_config, monkeypatch):
    monkeypatch.chdir(demo_config.parent)
    code, out, _err = run_cli(["check"])
    assert (code, out) == (0, DEMO_TABLE)


def test_check_on_a_register_with_an_error_exits_1_naming_sheet_row_and_fix(spoiled_config):
    code, out, err = run_cli(["--config", str(spoiled_config), "check"])
    assert (code, err) == (1, "")
    assert (
        "error     Indicators row 23  bad-unit   HSG-04: unit 'weeks' is not allowed. "
        "Choose one of: number, %, rate per 1,000, £, days, count."
    ) in out.splitlines()
    assert out.endswith("\n1 error(s), 1 warning(s).\n")


def test_check_with_no_findings_says_so(tmp_path):
    book = demo_book()
    book["Indicators"].set("HSG-06", "Annual target", 50)
    config = write_config(tmp_path, write_register(tmp_path / "register.xlsx", book))
    code, out, _err = run_cli(["--config", str(config), "check"])
    assert code == 0
    assert "Severity" not in out
    assert out.endswith("10 risks\n\n\n0 error(s), 0 warning(s).\n")


def test_check_json_is_a_list_of_findings_for_machines(spoiled_config):
    code, out, err = run_cli(["--config", str(spoiled_config), "check", "--format", "json"])
    assert (code, err) == (1, "")
    findings = json.loads(out)
    assert findings == [
        {
            "code": "bad-unit",
            "severity": "error",
            "sheet": "Indicators",
            "row": 23,
            "cell": "",
            "value": "weeks",
            "where": "Indicators row 23",
            "message": "HSG-04: unit 'weeks' is not allowed.",
            "fix": "Choose one of: number, %, rate per 1,000, £, days, count.",
        },
        {
            "code": "no-target",
            "severity": "warning",
            "sheet": "Indicators",
            "row": 25,
            "cell": "",
            "value": "",
            "where": "Indicators row 25",
            "message": "HSG-06 has no annual or quarterly target.",
            "fix": "Add an annual target, or set polarity to No polarity to track it only.",
        },
    ]


def test_check_json_on_the_demo_exits_0(demo_config):
    code, out, _err = run_cli(["--config", str(demo_config), "check", "--format", "json"])
    assert code == 0
    assert [(f["code"], f["severity"], f["sheet"], f["row"]) for f in json.loads(out)] == [
        ("no-target", "warning", "Indicators", 25)
    ]


# -- errors ------------------------------------------------------------------


def test_a_broken_config_exits_2_with_one_line_and_no_traceback(tmp_path):
    config = write_config(tmp_path, DEMO_REGISTER, replace={"port = 25": 'port = "25"'})
    code, out, err = run_cli(["--config", str(config), "check"])
    assert (code, out) == (2, "")
    assert err == (
        f"pipeline: error: {config}: mail.port = '25' is not valid. Set it to a port number from 1 to 65535.\n"
    )


def test_traceback_shows_the_python_trace_then_the_message(tmp_path):
    config = write_config(tmp_path, DEMO_REGISTER, replace={"port = 25": 'port = "25"'})
    code, _out, err = run_cli(["--traceback", "--config", str(config), "check"])
    assert code == 2
    assert err.startswith("Traceback (most recent call last):\n")
    assert "pipeline.domain.errors.ConfigError" in err
    assert err.endswith(
        f"pipeline: error: {config}: mail.port = '25' is not valid. Set it to a port number from 1 to 65535.\n"
    )


@pytest.mark.parametrize(
    "argv, says",
    [
        (["chekc"], "argument COMMAND: invalid choice: 'chekc'"),
        (["--bogus", "check"], "unrecognized arguments: --bogus"),
        (["check", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["-v", "-q", "check"], "argument -q/--quiet: not allowed with argument -v/--verbose"),
        (["--config"], "argument --config: expected one argument"),
    ],
)
def test_a_usage_mistake_exits_2_with_one_line_pointing_at_help(argv, says):
    code, out, err = run_cli(argv)
    assert (code, out) == (2, "")
    assert err.startswith("pipeline: error: ")
    assert says in err
    assert err.endswith("--help`.\n")
    assert err.count("\n") == 1


def test_an_unexpected_error_is_short_unless_traceback_is_asked_for(monkeypatch):
    def broken(_args, _out):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(COMMANDS, "broken", ("a command with a bug", lambda p: None, broken))
    code, _out, err = run_cli(["broken"])
    assert code == ExitStatus.BUG == 70
    assert err == (
        "pipeline: internal error: ZeroDivisionError: division by zero\n"
        "Run again with --traceback and report the output.\n"
    )
    code, _out, err = run_cli(["--traceback", "broken"])
    assert code == 70
    assert err.startswith("Traceback (most recent call last):\n")
    assert err.endswith("ZeroDivisionError: division by zero\n")


def test_ctrl_c_exits_130_with_one_line(monkeypatch):
    def interrupted(_args, _out):
        raise KeyboardInterrupt

    monkeypatch.setitem(COMMANDS, "slow", ("a command someone interrupts", lambda p: None, interrupted))
    assert run_cli(["slow"]) == (130, "", "pipeline: interrupted.\n")


# -- as a real process -------------------------------------------------------

HEAVY = ("pandas", "openpyxl", "PIL")


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["--version"]])
def test_help_does_not_import_heavy_libraries(argv):
    script = (
        "import sys, contextlib, io\n"
        "from pipeline.cli.app import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main({argv!r})\n"
        f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = python("-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "0 []\n"


def test_python_m_pipeline_help_works():
    result = python("-m", "pipeline", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: pipeline ")
    assert "check" in result.stdout


def test_python_m_pipeline_check_on_a_broken_config_prints_no_traceback(tmp_path):
    config = write_config(tmp_path, DEMO_REGISTER, replace={'scheme = "3-level"': 'scheme = "5-level"'})
    result = python("-m", "pipeline", "--config", str(config), "check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"pipeline: error: {config}: rag.scheme = '5-level' is not valid. "
        "Set it to one of 3-level, 4-level, improvement.\n"
    )


def test_python_m_pipeline_check_on_the_demo_exits_0(demo_config):
    result = python("-m", "pipeline", "--config", str(demo_config), "check", cwd=demo_config.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout == DEMO_TABLE


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "pipeline"
    if not script.exists():
        pytest.skip("the package is not installed with its console script in this environment")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (0, f"pipeline {__version__}\n")


# -- periods -----------------------------------------------------------------


def test_a_period_typed_without_quotes_is_read_as_one_period(demo_config):
    code, out, err = run_cli(
        ["--config", str(demo_config), "-q", "templates", "--period", "2025-26", "Q1", "--partnership", "CYP"]
    )
    assert (code, err) == (0, "")
    assert out.endswith("1 return template(s) for 2025-26 Q1 written.\n")


def test_a_period_of_more_than_two_words_is_a_usage_error(demo_config):
    code, out, err = run_cli(["--config", str(demo_config), "status", "--period", "2025-26", "Q1", "Q2"])
    assert (code, out) == (2, "")
    assert err == (
        "pipeline: error: --period takes one period, but was given '2025-26 Q1 Q2'. "
        'Give one quarter, e.g. --period "2025-26 Q1".\n'
    )


def test_a_bad_period_in_two_words_still_says_what_is_wrong(demo_config):
    code, _out, err = run_cli(["--config", str(demo_config), "report", "--period", "2025-27", "Q1"])
    assert code == 2
    assert err.startswith('pipeline: error: "2025-27 Q1" is not a financial year: 2025 must be followed by 2026.')


def test_usage_shows_the_period_option_plainly():
    _code, out, _err = run_cli(["report", "--help"])
    assert out.startswith("usage: pipeline report [-h] --period PERIOD [--no-pdf] [--config PATH]\n")


# -- report and status for a period without returns ---------------------------------


def test_report_for_a_period_without_returns_stops_and_names_the_periods_that_have_them(workspace):
    from pipeline.runtime.cycle import run_once

    workspace.drop(workspace.fill("cyp.xlsx"))
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    code, out, err = run_cli(["--config", str(workspace.config.source), "report", "--period", "2019-20 Q1"])
    assert (code, out) == (2, "")
    assert err == (
        "pipeline: error: There are no accepted returns for 2019-20 Q1, so its pack would be empty. "
        "Check the period. Periods with accepted returns: 2025-26 Q1.\n"
    )
    assert not (workspace.outbox / "2019-20-Q1").exists()


def test_report_before_any_return_says_to_take_them_in_first(demo_config):
    code, _out, err = run_cli(["--config", str(demo_config), "report", "--period", "2019-20 Q1"])
    assert code == 2
    assert err.endswith("No return has been accepted yet: take the returns in with `pipeline run` first.\n")


def test_status_for_a_period_without_returns_says_so(demo_config):
    code, out, _err = run_cli(["--config", str(demo_config), "status", "--period", "2019-20 Q1"])
    assert code == 0
    assert out.endswith("0 of 5 returns accepted.\nNo returns have been received for 2019-20 Q1.\n")


def test_status_without_a_period_is_not_taken_to_a_quarter_with_only_a_rejected_return(workspace):
    from spoil import Q4

    from pipeline.runtime.cycle import run_once

    workspace.submit("cyp.xlsx")
    workspace.submit("cyp q4.xlsx", period=Q4)  # July 2025: Q4 has not started, so it is rejected
    run_once(workspace.config, now=lambda: workspace.now, pdf=False)
    code, out, _err = run_cli(["--config", str(workspace.config.source), "status"])
    assert code == 0
    assert out.startswith("Returns for 2025-26 Q1, due by 21/07/2025")


def test_a_full_state_folder_is_an_output_failure_not_a_bug(workspace, monkeypatch):
    import pipeline.runtime.cycle

    said = "Could not write (/srv/state/pipeline.log): the disk is full."

    def failing(*args, **kwargs):
        raise OSError(28, "No space left on device", "/srv/state/pipeline.log")

    monkeypatch.setattr(pipeline.runtime.cycle, "run_once", failing)
    code, _out, err = run_cli(["--config", str(workspace.config.source), "-q", "run", "--no-pdf"])
    assert code == 4
    assert err.startswith(f"pipeline: error: {said}") and "Nothing was lost" in err
    assert "internal error" not in err


# -- run's console -----------------------------------------------------------


def test_a_received_time_without_a_zone_is_uk_time(workspace):
    workspace.drop(workspace.fill("cyp.xlsx"))
    argv = ["--config", str(workspace.config.source), "-q", "run", "--no-pdf", "--received", "2025-07-10T09:30"]
    assert run_cli(argv)[0] == 0
    with workspace.store() as store:
        [record] = store.files()
    assert record.received_at == "2025-07-10T08:30:00Z", "09:30 in British Summer Time"


@pytest.mark.parametrize("when", ["9999-12-31T23:59", "0001-01-01T00:00", "", "2099-01-01T10:00", "yesterday"])
def test_a_received_time_no_return_could_have_arrived_at_is_refused_before_any_file_is_touched(workspace, when):
    dropped = workspace.drop(workspace.fill("cyp.xlsx"))
    code, _out, err = run_cli(["--config", str(workspace.config.source), "-q", "run", "--no-pdf", "--received", when])
    assert code == 2
    assert err.startswith(f"pipeline: error: --received {when!r} is not a")
    assert dropped.exists(), "the file waits in the inbox for a run with a sensible time"


def test_a_duplicate_is_shown_with_the_file_it_repeats(workspace):
    workspace.drop(workspace.fill("cyp.xlsx"))
    argv = ["--config", str(workspace.config.source), "-q", "run", "--no-pdf", "--received", "2025-07-10T09:30"]
    assert run_cli(argv)[0] == 0
    workspace.drop(workspace.drafts / "cyp.xlsx", "cyp again.xlsx")
    code, out, _err = run_cli(argv)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "DUPLICATE CYP 2025-26 Q1   cyp again.xlsx"
    assert lines[1] == (
        "          The same file was received before as 'cyp.xlsx' on 10 July 2025 and was accepted; "
        "this copy is kept but not counted again."
    )


def test_templates_made_after_their_day_give_the_deadline_that_holds_if_they_go_out_today(tmp_path):
    from datetime import date

    from openpyxl import load_workbook

    from pipeline.config.load import load_config
    from pipeline.domain.calendar import deadline, deadline_for
    from pipeline.domain.periods import Period
    from pipeline.domain.wording import uk_today

    config = write_config(tmp_path, DEMO_REGISTER)
    period = Period(2025, 1)  # its templates were due out on 23 June 2025, long before today
    code, _out, err = run_cli(
        ["--config", str(config), "-q", "templates", "--period", str(period), "--partnership", "CYP"]
    )
    assert code == 0, err
    calendar = load_config(config).calendar
    due = deadline_for(period, calendar, uk_today())
    assert due > deadline(period, calendar) and due > date(2025, 7, 21)
    book = load_workbook(tmp_path / "outbox" / "templates" / period.slug / "CYP-return-2025-26-Q1.xlsx")
    text = " ".join(str(c.value) for (c,) in book["Guidance"].iter_rows(max_col=1) if c.value)
    assert f"{due:%A} {due.day} {due:%B %Y}" in text


@pytest.fixture
def new_council(tmp_path) -> Path:
    """A folder just made by `pipeline init`: its register has no partnerships yet."""
    code, _out, err = run_cli(["init", str(tmp_path / "council"), "--name", "Eastvale Council", "--email", "a@b.org"])
    assert code == 0, err
    return tmp_path / "council" / "config.toml"


@pytest.mark.parametrize("only", [[], ["--partnership", "CYP"]])
def test_templates_from_a_register_without_partnerships_exits_2_saying_to_fill_in_the_partnerships_sheet(
    new_council, only
):
    code, out, err = run_cli(["--config", str(new_council), "templates", "--period", "2025-26 Q1", *only])
    assert code == ExitStatus.BAD_CONFIG == 2
    assert "written" not in out
    assert "has no partnerships, so no return template was written" in err
    assert "Fill in its Partnerships sheet" in err
    assert not (new_council.parent / "outbox" / "templates" / "2025-26-Q1").exists()


def test_templates_for_a_partnership_not_on_the_register_exits_2_naming_the_short_names(demo_config):
    code, out, err = run_cli(
        ["--config", str(demo_config), "templates", "--period", "2025-26 Q1", "--partnership", "CPY"]
    )
    assert code == 2
    assert "There is no partnership called 'CPY' in the register" in err
    assert "Use one of the short names: CYP, CSP, HWB, HSG, SKL." in err
    assert "written" not in out
