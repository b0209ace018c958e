"""`pipeline mailbox check` and `pipeline run` with a returns mailbox, through the real command line."""

from __future__ import annotations

import pytest
from mailbox_helpers import CYP, PASSWORD_ENV, config_text, letter, new_user
from registers import DEMO_REGISTER, run_cli, write_config

from pipeline.store import Store


@pytest.fixture
def setup(tmp_path, dovecot, monkeypatch, workspace):
    """A config.toml whose [mailbox] is a fresh mailbox on the test Dovecot: (config path, server, user, workspace)."""
    monkeypatch.setenv(PASSWORD_ENV, "correct-horse-battery")
    user = new_user()
    config = write_config(tmp_path, DEMO_REGISTER)
    config.write_text(config_text(config.read_text(), dovecot, user), encoding="utf-8")
    return config, dovecot, user, workspace


def test_mailbox_check_lists_what_a_pass_would_take_and_changes_nothing(setup, tmp_path):
    config, server, user, workspace = setup
    server.deliver(user, letter(attachments=[("CYP return.xlsx", workspace.fill().read_bytes())]))
    server.deliver(user, letter(subject="A question"))
    code, out, err = run_cli(["--config", str(config), "mailbox", "check"])
    assert code == 0, err
    assert out.splitlines() == [
        f"TAKEN                 {CYP}: Our Q1 return (CYP return.xlsx)",
        f"NO-ATTACHMENT         {CYP}: A question (no spreadsheet attached)",
        f"{user}@127.0.0.1/INBOX: 2 new message(s); the next pass would take 1 spreadsheet(s) into the inbox. "
        "Nothing was changed.",
    ]
    assert [f.count("\\Seen") for f in server.flags(user)] == [0, 0]  # nobody's unread mail marked read
    assert len(server.uids(user)) == 2 and server.uids(user, "Processed") == []
    assert not (tmp_path / "inbox").exists() and not (tmp_path / "state" / "pipeline.sqlite3").exists()


def test_mailbox_check_leaves_out_what_a_pass_took_before(setup, tmp_path):
    config, server, user, workspace = setup
    server.deliver(user, letter(attachments=[("CYP return.xlsx", workspace.fill().read_bytes())]))
    (tmp_path / "inbox").mkdir()
    assert run_cli(["--config", str(config), "run", "--no-pdf"])[0] == 0
    server.deliver(user, letter(subject="A question"))
    _code, out, _err = run_cli(["--config", str(config), "mailbox", "check"])
    assert out.splitlines()[0] == f"NO-ATTACHMENT         {CYP}: A question (no spreadsheet attached)"
    with Store(tmp_path / "state" / "pipeline.sqlite3") as store:
        assert len(store.mail_messages()) == 1


def test_mailbox_check_without_a_mailbox_says_how_to_set_one(tmp_path):
    config = write_config(tmp_path, DEMO_REGISTER)
    code, _out, err = run_cli(["--config", str(config), "mailbox", "check"])
    assert code == 2
    assert "reads no mailbox: mailbox.host is empty" in err


def test_mailbox_has_help():
    code, out, _err = run_cli(["mailbox", "--help"])
    assert code == 0 and "changing nothing" in out


def test_a_wrong_password_exits_9_naming_the_variable(setup, monkeypatch):
    config, _server, _user, _workspace = setup
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    code, _out, err = run_cli(["--config", str(config), "mailbox", "check"])
    assert code == 9
    assert f"Check mailbox.username in config.toml and the password in {PASSWORD_ENV}" in err


def test_run_takes_the_mailbox_and_says_so(setup, tmp_path):
    config, server, user, workspace = setup
    (tmp_path / "inbox").mkdir()
    server.deliver(user, letter(attachments=[("CYP return.xlsx", workspace.fill().read_bytes())]))
    code, out, err = run_cli(["--config", str(config), "run", "--no-pdf"])
    assert code == 0, err
    assert f"MAILBOX   -                taken: message 1 from {CYP} ('Our Q1 return'): 1 spreadsheet(s) taken" in out
    assert "ACCEPTED  CYP 2025-26 Q1" in out


def test_run_with_the_mailbox_down_still_takes_the_inbox_and_exits_9(setup, tmp_path):
    config, _server, _user, workspace = setup
    config.write_text(config.read_text().replace(f"port = {_server.port}", "port = 1"), encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    workspace.drop(workspace.fill(), tmp_path / "inbox" / "return.xlsx")
    code, out, _err = run_cli(["--config", str(config), "run", "--no-pdf"])
    assert code == 9
    assert (
        "MAILBOX   -                not read: Could not read the returns mailbox: the server 127.0.0.1:1 refused" in out
    )
    assert "ACCEPTED  CYP 2025-26 Q1" in out


def test_a_mailbox_host_without_a_login_name_is_refused(tmp_path):
    config = write_config(tmp_path, DEMO_REGISTER, replace={'host = ""': 'host = "imap.example.org"'})
    code, _out, err = run_cli(["--config", str(config), "check"])
    assert code == 2
    assert "mailbox.host is set to 'imap.example.org', but mailbox.username is empty" in err


def test_a_processed_folder_that_is_the_folder_read_is_refused(tmp_path, dovecot):
    config = write_config(tmp_path, DEMO_REGISTER)
    text = config_text(config.read_text(), dovecot, "someone")
    config.write_text(text.replace('processed_folder = "Processed"', 'processed_folder = "inbox"'), encoding="utf-8")
    code, _out, err = run_cli(["--config", str(config), "check"])
    assert code == 2
    assert "mailbox.processed_folder is the folder returns arrive in ('INBOX')" in err
