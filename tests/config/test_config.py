"""config.toml: every mistake names the file, the key and the fix, and exits 2; paths follow the file."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from registers import DEMO_REGISTER, TEMPLATES, run_cli, write_config

from pipeline.config.load import load_config
from pipeline.domain.calendar import DaysOff
from pipeline.domain.errors import ConfigError
from pipeline.domain.records import Scheme, Tolerance


def check(config) -> tuple[int, str, str]:
    return run_cli(["--config", str(config), "check"])


# id, lines of the shipped config.toml to swap, what the message must say, what the fix must say
MISTAKES = [
    (
        "unknown-section",
        {"[rag]": "[rags]"},
        "unknown section [rags].",
        "Use only [organisation], [paths], [rag], [calendar], [ingest], [template], "
        "[watch], [mail], [store], [mailbox], [board_paper], [publishing]; check the spelling.",
    ),
    (
        "unknown-key",
        {"starttls = false": "start_tls = false"},
        "unknown key mail.start_tls.",
        "Keys allowed in [mail]: mode, host, port, from, reply_to, starttls, username, password_env, deadline_seconds.",
    ),
    (
        "password-in-the-database-url",
        {'url = ""': 'url = "postgresql://pipeline:s3cret@db.example.org/performance"'},
        "store.url has a password in it, which a config file must not hold.",
        "Take the password out of the url and put it in the environment variable store.password_env names "
        "(PIPELINE_DB_PASSWORD).",
    ),
    (
        "port-in-quotes",
        {"port = 25": 'port = "25"'},
        "mail.port = '25' is not valid.",
        "Set it to a port number from 1 to 65535.",
    ),
    (
        "port-out-of-range",
        {"port = 25": "port = 70000"},
        "mail.port = 70000 is not valid.",
        "Set it to a port number from 1 to 65535.",
    ),
    (
        "true-for-a-number",
        {"max_file_mb = 20": "max_file_mb = true"},
        "ingest.max_file_mb = True is not valid.",
        "Set it to a whole number of megabytes from 1 to 200.",
    ),
    (
        "unknown-scheme",
        {'scheme = "3-level"': 'scheme = "5-level"'},
        "rag.scheme = '5-level' is not valid.",
        "Set it to one of 3-level, 4-level, improvement.",
    ),
    (
        "tolerance-in-words",
        {'tolerance = "5%"': 'tolerance = "five"'},
        "rag.tolerance = 'five' is not valid.",
        'Set it to a percentage such as "5%" or an amount such as 2.',
    ),
    (
        "negative-tolerance",
        {'tolerance = "5%"': "tolerance = -2"},
        "rag.tolerance = -2 is not valid.",
        'Set it to a percentage such as "5%" or an amount such as 2.',
    ),
    (
        "deadline-of-no-days",
        {"deadline_working_days = 15": "deadline_working_days = 0"},
        "calendar.deadline_working_days = 0 is not valid.",
        "Set it to a whole number of working days from 1 to 60.",
    ),
    (
        "time-in-words",
        {'reminder_time = "09:00"': 'reminder_time = "9am"'},
        "calendar.reminder_time = '9am' is not valid.",
        'Set it to a time such as "09:00".',
    ),
    (
        "unknown-nation",
        {'nation = "England and Wales"': 'nation = "Wales"'},
        "calendar.nation = 'Wales' is not valid.",
        'Set it to one of "England and Wales", "Scotland", "Northern Ireland".',
    ),
    (
        "closure-day-in-words",
        {"closure_days = []": 'closure_days = ["Christmas Eve"]'},
        "calendar.closure_days = ['Christmas Eve'] is not valid.",
        'Set it to a list of dates such as ["2027-12-29"].',
    ),
    (
        "reminders-in-words",
        {"reminder_working_days = [10, 3]": 'reminder_working_days = ["ten"]'},
        "calendar.reminder_working_days = ['ten'] is not valid.",
        "Set it to a list of whole numbers such as [10, 3].",
    ),
    (
        "sender-not-an-address",
        {'from = "partnership.performance@brackenford.example.org"': 'from = "performance team"'},
        "mail.from = 'performance team' is not valid.",
        "Set it to an e-mail address.",
    ),
    (
        "unknown-mail-mode",
        {'mode = "files"': 'mode = "post"'},
        "mail.mode = 'post' is not valid.",
        'Set it to "files" or "smtp".',
    ),
    (
        "missing-organisation-name",
        {'name = "Brackenford Borough Partnership"': "# name went missing"},
        "organisation.name is missing.",
        "Add name = ... under [organisation]: the partnership's name in quotes.",
    ),
    (
        "missing-sender",
        {'from = "partnership.performance@brackenford.example.org"': "# from went missing"},
        "mail.from is missing.",
        "Add from = ... under [mail]: an e-mail address.",
    ),
    (
        # A line break in a name sent to the IMAP server would end its command and start another.
        "mailbox-folder-with-a-line-break",
        {'folder = "INBOX"': 'folder = "INBOX\\r\\nA1 DELETE Processed"'},
        "mailbox.folder = 'INBOX\\r\\nA1 DELETE Processed' is not valid.",
        "Set it to a folder name in quotes.",
    ),
    (
        "mailbox-processed-folder-with-a-line-break",
        {'processed_folder = "Processed"': 'processed_folder = "Done\\nA1 LOGOUT"'},
        "mailbox.processed_folder = 'Done\\nA1 LOGOUT' is not valid.",
        "Set it to a folder name in quotes.",
    ),
    (
        "risk-bands-overlap",
        {"risk_low_max = 4": "risk_low_max = 12"},
        "rag.risk_low_max must be smaller than rag.risk_medium_max.",
        "For example risk_low_max = 4 and risk_medium_max = 12.",
    ),
]


@pytest.mark.parametrize("replace, message, fix", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_config_mistake_names_the_file_the_key_and_the_fix(tmp_path, replace, message, fix):
    config = write_config(tmp_path, DEMO_REGISTER, replace=replace)
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.message == f"{config}: {message}"
    assert caught.value.fix == fix


@pytest.mark.parametrize("replace, message, fix", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_config_mistake_exits_2_with_one_line_and_no_traceback(tmp_path, replace, message, fix):
    config = write_config(tmp_path, DEMO_REGISTER, replace=replace)
    code, out, err = check(config)
    assert code == 2
    assert out == ""
    assert err == f"pipeline: error: {config}: {message} {fix}\n"
    assert "Traceback" not in err


def test_a_register_path_that_does_not_exist_is_named_resolved_against_the_config_folder(tmp_path):
    config = write_config(tmp_path, "registers/missing.xlsx")
    code, _out, err = check(config)
    assert code == 2
    missing = (tmp_path / "registers" / "missing.xlsx").resolve()
    assert err == (
        f"pipeline: error: {config}: paths.register points to {missing}, which does not exist. "
        "Correct the path (it is relative to config.toml) or create the register workbook.\n"
    )


def test_a_templates_path_that_is_not_a_folder_is_named(tmp_path):
    config = write_config(
        tmp_path, DEMO_REGISTER, replace={f"templates = '{TEMPLATES.as_posix()}'": "templates = 'no-such-folder'"}
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert str(caught.value) == (
        f"{config}: paths.templates points to {(tmp_path / 'no-such-folder').resolve()}, which is not a folder. "
        "Correct the path; the folder holds the Word and e-mail templates."
    )


def test_an_overrides_workbook_that_does_not_exist_is_named(tmp_path):
    shipped = f"overrides = '{(DEMO_REGISTER.parent / 'overrides.xlsx').as_posix()}'"
    config = write_config(tmp_path, DEMO_REGISTER, replace={shipped: 'overrides = "overrides.xlsx"'})
    with pytest.raises(ConfigError, match=r"paths\.overrides points to .*overrides\.xlsx, which does not exist"):
        load_config(config)


def test_invalid_toml_names_the_file_and_the_line(tmp_path):
    config = write_config(tmp_path, DEMO_REGISTER, replace={"port = 25": "port = "})
    code, _out, err = check(config)
    assert code == 2
    line = config.read_text().splitlines().index("port = ") + 1
    assert err.startswith(f"pipeline: error: {config} is not valid TOML: ")
    assert f"line {line}" in err
    assert err.endswith("Correct the line it names.\n")
    assert err.count("\n") == 1


def test_a_missing_config_file_says_how_to_point_at_one(tmp_path):
    code, _out, err = check(tmp_path / "config.toml")
    assert code == 2
    assert err == (
        f"pipeline: error: The configuration file {tmp_path / 'config.toml'} does not exist. "
        "Run the command from the project folder, or pass --config PATH.\n"
    )


def test_a_folder_given_as_the_config_says_to_give_the_file(tmp_path):
    code, _out, err = check(tmp_path)
    assert code == 2
    assert err == (
        f"pipeline: error: {tmp_path} is a folder, not the configuration file. "
        f"Pass the file itself, e.g. --config {tmp_path / 'config.toml'}.\n"
    )


def test_a_config_saved_in_another_encoding_says_to_save_it_as_utf8(tmp_path):
    config = write_config(tmp_path, DEMO_REGISTER)
    config.write_bytes(config.read_bytes().replace(b"Brackenford", "Brackenford \u00e9".encode("cp1252"), 1))
    code, _out, err = check(config)
    assert code == 2
    assert "is not saved as UTF-8 text. Save it again as UTF-8" in err


def test_a_key_written_where_a_section_belongs_is_refused(tmp_path):
    config = write_config(tmp_path, DEMO_REGISTER, text="watch = 5\n")
    with pytest.raises(ConfigError, match=r"watch must be a section written \[watch\]"):
        load_config(config)


def test_paths_are_relative_to_the_config_file_not_the_current_folder(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "templates").mkdir()
    (project / "data" / "register.xlsx").write_bytes(DEMO_REGISTER.read_bytes())
    config = write_config(
        project, "data/register.xlsx", replace={f"templates = '{TEMPLATES.as_posix()}'": 'templates = "templates"'}
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    loaded = load_config("../project/config.toml")

    root = project.resolve()
    assert loaded.source == config.resolve()
    assert loaded.paths.register == root / "data" / "register.xlsx"
    assert loaded.paths.templates == root / "templates"
    assert loaded.paths.inbox == root / "inbox"
    assert loaded.paths.state == root / "state"
    assert loaded.paths.database == root / "state" / "pipeline.sqlite3"
    code, out, _err = check("../project/config.toml")
    assert code == 0
    assert f"Register: {root / 'data' / 'register.xlsx'}" in out


def test_defaults_apply_to_every_optional_key(tmp_path):
    (tmp_path / "templates").mkdir()
    config = write_config(
        tmp_path,
        DEMO_REGISTER,
        text=(
            '[organisation]\nname = "Testham Partnership"\nboard = "Testham Board"\n'
            f"[paths]\nregister = '{DEMO_REGISTER.as_posix()}'\n"
            '[mail]\nfrom = "performance@testham.example.org"\n'
        ),
    )

    loaded = load_config(config)

    assert (loaded.organisation, loaded.board, loaded.area) == ("Testham Partnership", "Testham Board", "Borough-wide")
    assert loaded.paths.outbox == tmp_path.resolve() / "outbox"
    assert loaded.paths.templates == tmp_path.resolve() / "templates"
    assert loaded.paths.overrides is None
    assert loaded.rag.scheme is Scheme.THREE_LEVEL
    assert loaded.rag.tolerance == Tolerance(Decimal("5"), True)
    assert (loaded.rag.risk_low_max, loaded.rag.risk_medium_max) == (4, 12)
    assert loaded.calendar.deadline_working_days == 15
    assert loaded.calendar.reminder_working_days == (10, 3)
    assert loaded.calendar.days_off == DaysOff("England and Wales")
    assert loaded.calendar.reminder_time == time(9, 0)
    assert loaded.watch_interval_seconds == 60
    assert (loaded.mail.mode, loaded.mail.host, loaded.mail.port) == ("files", "localhost", 25)
    assert loaded.mail.sender == "performance@testham.example.org"
    assert loaded.mail.password_env == "PIPELINE_SMTP_PASSWORD"


def test_the_shipped_config_reads_into_typed_settings(tmp_path):
    loaded = load_config(write_config(tmp_path, DEMO_REGISTER))

    assert loaded.organisation == "Brackenford Borough Partnership"
    assert loaded.paths.register == DEMO_REGISTER
    assert loaded.rag.tolerance == Tolerance(Decimal("5"), True)
    assert loaded.rag.four_level_split == Decimal("50")
    assert loaded.calendar.days_off == DaysOff("England and Wales")
    assert loaded.mail.sender == "partnership.performance@brackenford.example.org"


def test_tolerance_may_be_an_amount_in_the_indicators_unit(tmp_path):
    loaded = load_config(write_config(tmp_path, DEMO_REGISTER, replace={'tolerance = "5%"': "tolerance = 2"}))
    assert loaded.rag.tolerance == Tolerance(Decimal("2"), False)


def test_the_shipped_config_waits_for_files_still_being_copied():
    # With 0, a return half-copied from a share is read at once, rejected as damaged, and its sender told so.
    from registers import SHIPPED_CONFIG

    assert load_config(SHIPPED_CONFIG).ingest.settle_seconds >= 5


def test_the_nation_and_closure_days_set_the_days_off(tmp_path):
    config = write_config(
        tmp_path,
        DEMO_REGISTER,
        replace={
            'nation = "England and Wales"': 'nation = "Scotland"',
            "closure_days = []": 'closure_days = ["2027-12-29", 2027-12-30]',
        },
    )
    loaded = load_config(config)
    assert loaded.calendar.days_off == DaysOff("Scotland", frozenset({date(2027, 12, 29), date(2027, 12, 30)}))


def test_an_old_bank_holidays_list_still_counts_with_a_warning_to_move_it(tmp_path):
    # Kept as closure days, so a council's config from before `nation` keeps running unattended.
    config = write_config(
        tmp_path, DEMO_REGISTER, replace={"closure_days = []": 'bank_holidays = ["2026-12-25", "2027-12-29"]'}
    )
    assert load_config(config).calendar.days_off == DaysOff(
        "England and Wales", frozenset({date(2026, 12, 25), date(2027, 12, 29)})
    )
    code, _out, err = check(config)
    assert code == 0
    assert (
        f"WARNING: {config}: calendar.bank_holidays is no longer needed: the bank holidays of "
        'calendar.nation ("England and Wales"; set it to "Scotland" or "Northern Ireland" if that is yours) are '
        "known for every year. Its 2 date(s) still count as closure days; move any local closures to "
        "calendar.closure_days and delete bank_holidays.\n"
    ) in err


# --- folders that overlap: the pipeline would take in its own outputs -----------------------------


def _overlapping(tmp_path, case: str):
    """A config whose folders overlap as `case` says; what the error must name, in order."""
    root = tmp_path.resolve()
    inbox = root / "inbox"
    inbox.mkdir()
    if case == "inbox-is-outbox":
        return write_config(
            tmp_path, DEMO_REGISTER, replace={'outbox = "outbox"': 'outbox = "inbox"'}
        ), f"paths.inbox and paths.outbox are the same folder ({inbox})"
    if case == "state-inside-inbox":
        return write_config(
            tmp_path, DEMO_REGISTER, replace={'state = "state"': 'state = "inbox/state"'}
        ), f"paths.state ({inbox / 'state'}) is inside paths.inbox ({inbox})"
    if case == "inbox-inside-state":
        return write_config(
            tmp_path, DEMO_REGISTER, replace={'inbox = "inbox"': 'inbox = "state/inbox"'}
        ), f"paths.inbox ({root / 'state' / 'inbox'}) is inside paths.state ({root / 'state'})"
    if case == "templates-inside-outbox":
        (root / "outbox" / "templates").mkdir(parents=True)
        config = write_config(
            tmp_path, DEMO_REGISTER, replace={f"templates = '{TEMPLATES.as_posix()}'": 'templates = "outbox/templates"'}
        )
        return config, f"paths.templates ({root / 'outbox' / 'templates'}) is inside paths.outbox ({root / 'outbox'})"
    if case == "state-inside-inbox-through-a-link":
        # inbox is a link to shared/inbox, and state is written as shared/inbox/state: inside it once resolved.
        inbox.rmdir()
        (root / "shared" / "inbox").mkdir(parents=True)
        inbox.symlink_to(root / "shared" / "inbox", target_is_directory=True)
        config = write_config(tmp_path, DEMO_REGISTER, replace={'state = "state"': 'state = "shared/inbox/state"'})
        return (
            config,
            f"paths.state ({root / 'shared' / 'inbox' / 'state'}) is inside paths.inbox ({root / 'shared' / 'inbox'})",
        )
    if case == "outbox-a-link-to-the-inbox":
        (root / "outbox").symlink_to(inbox, target_is_directory=True)
        return write_config(tmp_path, DEMO_REGISTER), f"paths.inbox and paths.outbox are the same folder ({inbox})"
    if case == "register-inside-inbox":
        (inbox / "register.xlsx").write_bytes(DEMO_REGISTER.read_bytes())
        return write_config(
            tmp_path, inbox / "register.xlsx"
        ), f"paths.register ({inbox / 'register.xlsx'}) is inside paths.inbox ({inbox})"
    if case == "overrides-inside-inbox":
        (inbox / "overrides.xlsx").write_bytes((DEMO_REGISTER.parent / "overrides.xlsx").read_bytes())
        shipped = f"overrides = '{(DEMO_REGISTER.parent / 'overrides.xlsx').as_posix()}'"
        return write_config(
            tmp_path, DEMO_REGISTER, replace={shipped: 'overrides = "inbox/overrides.xlsx"'}
        ), f"paths.overrides ({inbox / 'overrides.xlsx'}) is inside paths.inbox ({inbox})"
    assert case == "config-inside-inbox"
    config = write_config(
        inbox,
        DEMO_REGISTER,
        replace={
            'inbox = "inbox"': 'inbox = "."',
            'outbox = "outbox"': 'outbox = "../outbox"',
            'state = "state"': 'state = "../state"',
        },
    )
    return config, f"the configuration file ({config}) is inside paths.inbox ({inbox})"


OVERLAPS = [
    "inbox-is-outbox",
    "state-inside-inbox",
    "inbox-inside-state",
    "templates-inside-outbox",
    "state-inside-inbox-through-a-link",
    "outbox-a-link-to-the-inbox",
    "register-inside-inbox",
    "overrides-inside-inbox",
    "config-inside-inbox",
]


@pytest.mark.parametrize(
    "command", [["check"], ["run"], ["status"], ["chase", "--dry-run"], ["watch"]], ids=lambda c: c[0]
)
@pytest.mark.parametrize("case", OVERLAPS)
def test_folders_that_overlap_are_refused_by_every_command_naming_both(tmp_path, case, command):
    config, overlap = _overlapping(tmp_path, case)
    (tmp_path / "inbox" / "return.xlsx").write_bytes(b"not read")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    code, out, err = run_cli(["--config", str(config), *command])

    assert (code, out) == (2, "")
    assert err.startswith(f"pipeline: error: {config}: {overlap}: ")
    assert err.count("\n") == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing taken in or made


def test_a_config_name_too_long_to_exist_is_named_as_missing(tmp_path):
    code, _out, err = check(tmp_path / ("c" * 300 + ".toml"))
    assert code == 2
    assert "does not exist. Run the command from the project folder, or pass --config PATH." in err
