"""The ingest pass: every file in the inbox gets one verdict, lands in one place, and counts once; on both
back ends (SQLite and PostgreSQL) where it goes through the workspace."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import tempfile
import time
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from registers import DEMO_REGISTER
from spoil import (
    Q1,
    Workspace,
    edit_header,
    editing,
    header_column,
    outcome,
    row_of,
    saved_by_libreoffice,
)

from pipeline.cli.app import main
from pipeline.intake.ingest import run_pass
from pipeline.register.workbook import load_register


@pytest.fixture
def store_url(both_backends: str) -> str:
    """Every ingest test runs against SQLite and against PostgreSQL."""
    return both_backends


STORED_NAME = re.compile(r"^(\d{8}T\d{6}Z)-([0-9a-f]{12})-(.+)$")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- a clean return ------------------------------------------------------------------


@pytest.fixture
def clean_return(workspace: Workspace) -> Path:
    return workspace.fill(
        "CYP Q1 final.xlsx",
        indicators={
            "CYP-01": {"actual": Decimal("5.8"), "commentary": "Better than target."},
            "CYP-05": {"actual": 612, "data_quality": "Provisional"},
        },
        actions={"CYP-A1": {"status": "At risk", "percent_complete": 35, "commentary": "Two schools late."}},
        risks={"CYP-R1": {"likelihood": 4, "commentary": "Grant decision delayed."}},
    )


def test_clean_return_is_accepted_and_archived_under_its_period_and_partnership(workspace, clean_return):
    sha = _sha256(clean_return)
    workspace.drop(clean_return)

    result = outcome(workspace.run(), "CYP Q1 final.xlsx")

    assert (result.verdict, result.reason, result.partnership, result.period) == (
        "accepted",
        "Accepted",
        "CYP",
        "2025-26 Q1",
    )
    assert not [f for f in result.findings if f.severity == "error"]
    folder, name = result.destination.rsplit("/", 1)
    assert folder == "archive/2025-26-Q1/CYP"
    stamp, short_sha, original = STORED_NAME.match(name).groups()
    assert (stamp, short_sha, original) == ("20250710T093000Z", sha[:12], "CYP Q1 final.xlsx")
    archived = workspace.state / result.destination
    assert _sha256(archived) == sha, "the archived file is the submitter's bytes, untouched"
    assert not any(workspace.inbox.iterdir())
    assert not any((workspace.state / "incoming").iterdir())


def test_accepted_figures_are_stored_exactly_as_typed_with_who_and_which_file(workspace, clean_return):
    workspace.drop(clean_return)
    workspace.run()

    with workspace.store() as store:
        history = {h.code: h for h in store.history()}
        [submission] = store.submissions(period="2025-26 Q1")
        actions = {a.ref: a for a in store.action_updates(submission.id)}
        risks = {r.ref: r for r in store.risk_updates(submission.id)}

    assert {code: h.actual for code, h in history.items()} == {
        "CYP-01": Decimal("5.8"),
        "CYP-03": Decimal("8"),
        "CYP-04": Decimal("34"),
        "CYP-05": Decimal("612"),
    }
    assert history["CYP-05"].data_quality == "Provisional"
    assert history["CYP-01"].commentary == "Better than target."
    assert {h.file_name for h in history.values()} == {"CYP Q1 final.xlsx"}
    assert (submission.completed_by, submission.email, submission.signed_off, submission.counts) == (
        "Daniel Price",
        "cyp.partnership@brackenford.example.org",
        True,
        True,
    )
    assert submission.date_completed == "2025-07-10"
    assert submission.received_at == "2025-07-10T09:30:00Z"
    assert (actions["CYP-A1"].status, actions["CYP-A1"].percent_complete, actions["CYP-A1"].commentary) == (
        "At risk",
        Decimal("35"),
        "Two schools late.",
    )
    assert (risks["CYP-R1"].likelihood, risks["CYP-R1"].impact) == (4, 4)  # impact kept as pre-filled
    assert risks["CYP-R1"].commentary == "Grant decision delayed."


def test_received_time_is_when_the_pass_took_the_file_not_its_modification_time(workspace, clean_return):
    workspace.drop(clean_return, age=90 * 24 * 3600)  # copied with the date it was last saved, months ago

    result = outcome(workspace.run(), "CYP Q1 final.xlsx")

    assert result.destination.rsplit("/", 1)[1].startswith("20250710T093000Z-")


def test_rejected_return_goes_to_quarantine_with_a_reason_file(workspace):
    workspace.submit("typo.xlsx", indicators={"CYP-05": {"actual": "twelve"}})

    result = outcome(workspace.run(), "typo.xlsx")

    assert result.verdict == "rejected"
    assert result.destination.startswith("quarantine/20250710T093000Z-")
    quarantined = workspace.state / result.destination
    assert quarantined.is_file()
    reason = Path(f"{quarantined}.reason.txt").read_text(encoding="utf-8")
    assert reason.startswith('typo.xlsx: CYP-05: "twelve" is not a number.')
    assert 'Indicators!J5: CYP-05: "twelve" is not a number.' in reason
    with workspace.store() as store:
        assert store.submissions() == [], "a rejected return stores no figures"
        assert list(store.history()) == []


def test_file_with_a_name_too_long_to_prefix_is_taken_in_with_its_full_name_recorded(workspace, clean_return):
    name = "Réturn for the Children and Young People Partnership " * 4 + "final.xlsx"
    assert len(name.encode("utf-8")) > 220, "with the 30-byte prefix it would exceed the 255-byte limit"
    workspace.drop(clean_return, name)

    result = outcome(workspace.run(), name)

    assert result.verdict == "accepted"
    stored = workspace.state / result.destination
    assert stored.is_file() and stored.suffix == ".xlsx"
    assert len(stored.name.encode("utf-8")) <= 255 - len(".feedback.xlsx")
    with workspace.store() as store:
        assert store.file(result.file_id).name == name


def test_a_fault_while_checking_one_file_rejects_that_file_and_the_pass_goes_on(workspace, monkeypatch):
    import pipeline.intake.examine

    real, calls = pipeline.intake.examine.check_return, []

    def faulty_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("a bug in validation")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.intake.examine, "check_return", faulty_once)
    workspace.submit("a.xlsx")
    workspace.submit("b.xlsx", indicators={"CYP-05": {"actual": 501}})

    report = workspace.run()

    first, second = outcome(report, "a.xlsx"), outcome(report, "b.xlsx")
    assert (first.verdict, first.reason) == (
        "rejected",
        "This file could not be checked because of a fault in the pipeline.",
    )
    assert first.destination.startswith("quarantine/")
    assert second.verdict == "accepted"


# -- exactly once ----------------------------------------------------------------------


def test_same_bytes_dropped_twice_is_recorded_as_a_duplicate_and_counted_once(workspace, clean_return):
    workspace.drop(clean_return)
    first = outcome(workspace.run(), "CYP Q1 final.xlsx")
    with workspace.store() as store:
        store.period_built("2025-26 Q1")  # its packs were made after the first copy
    workspace.drop(clean_return, "CYP Q1 final (1).xlsx")

    second = outcome(workspace.run(), "CYP Q1 final (1).xlsx")

    assert second.verdict == "duplicate"
    assert "The same file was received before as 'CYP Q1 final.xlsx'" in second.reason
    assert "not counted again" in second.reason
    assert second.destination.startswith("archive/2025-26-Q1/CYP/duplicates/")
    assert (workspace.state / second.destination).is_file(), "the duplicate is kept"
    assert (workspace.state / first.destination).is_file()
    with workspace.store() as store:
        assert len(store.submissions()) == 1
        assert len([h for h in store.history() if h.code == "CYP-05"]) == 1
        record = store.file(second.file_id)
        assert record.duplicate_of == first.file_id
        assert store.stale_periods() == [], "a copy changes no figure, so the packs are not rebuilt"


def test_a_replaced_return_dropped_again_changes_nothing_and_says_how_to_make_it_count(workspace, clean_return):
    # Usually a folder of e-mailed returns copied in twice; once in a while "the first one was right".
    workspace.drop(clean_return, "CYP Q1.xlsx")
    workspace.run()
    workspace.submit("CYP Q1 v2.xlsx", indicators={"CYP-05": {"actual": 501}})
    workspace.run()
    workspace.drop(clean_return, "CYP Q1 (the right one).xlsx")

    again = outcome(workspace.run(), "CYP Q1 (the right one).xlsx")

    assert again.verdict == "duplicate"
    assert "'CYP Q1 v2.xlsx', received later, replaced it" in again.reason
    assert "open it, save it again and send it" in again.findings[0].fix
    with workspace.store() as store:
        assert [h.actual for h in store.history() if h.code == "CYP-05"] == [501]


def test_returns_loaded_out_of_order_count_by_when_they_arrived_not_when_they_were_loaded(workspace):
    from datetime import datetime

    workspace.now = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
    workspace.submit("newer.xlsx", indicators={"CYP-05": {"actual": 560}})
    workspace.run()
    workspace.now = datetime(2025, 7, 10, 9, 0, tzinfo=UTC)  # an older one, loaded afterwards
    workspace.submit("older.xlsx", indicators={"CYP-05": {"actual": 555}})
    older = outcome(workspace.run(), "older.xlsx")

    assert older.verdict == "accepted"
    with workspace.store() as store:
        [counting] = store.submissions(counting_only=True)
        assert counting.file_name == "newer.xlsx"
        assert [h.actual for h in store.history() if h.code == "CYP-05"] == [560]


def test_same_bytes_twice_in_one_pass_counts_once(workspace, clean_return):
    workspace.drop(clean_return, "first.xlsx")
    workspace.drop(clean_return, "second.xlsx")

    report = workspace.run()

    assert sorted(o.verdict for o in report.outcomes) == ["accepted", "duplicate"]
    with workspace.store() as store:
        assert len(store.submissions()) == 1


def test_a_pass_shares_its_commits_and_moves_no_file_before_its_verdict_is_committed(workspace, monkeypatch):
    import pipeline.intake.ingest

    monkeypatch.setattr(pipeline.intake.ingest, "BATCH_SECONDS", 60)  # every verdict of this pass in one batch
    with workspace.store() as store:
        transaction = type(store)._Transaction  # the back end's own
    in_incoming_at_each_commit, real_exit = [], transaction.__exit__

    def commit_and_look(self, *exc_info):
        real_exit(self, *exc_info)
        if not self.nested:
            in_incoming_at_each_commit.append(
                sorted(p.name.split("-", 2)[2] for p in (workspace.state / "incoming").iterdir())
            )

    monkeypatch.setattr(transaction, "__exit__", commit_and_look)
    names = ["a.xlsx", "b.xlsx", "c.xlsx"]
    for n, name in enumerate(names):
        workspace.submit(name, indicators={"CYP-05": {"actual": 500 + n}})

    with workspace.store() as store:
        report = run_pass(workspace.config, store, now=lambda: workspace.now)

    assert sorted(o.verdict for o in report.outcomes) == ["accepted"] * 3
    # One commit takes all three in, one records their verdicts (the files still in incoming/),
    # and one records where they went: three fsyncs, not nine.
    assert in_incoming_at_each_commit == [names, names, []]


def test_corrected_return_supersedes_the_first_and_the_master_shows_the_later_figures(workspace):
    workspace.submit("CYP Q1.xlsx", indicators={"CYP-05": {"actual": 505}})
    first = outcome(workspace.run(), "CYP Q1.xlsx")
    workspace.now += timedelta(hours=1)
    workspace.submit("CYP Q1 corrected.xlsx", indicators={"CYP-05": {"actual": 530}})

    second = outcome(workspace.run(), "CYP Q1 corrected.xlsx")

    assert (first.verdict, second.verdict) == ("accepted", "accepted")
    with workspace.store() as store:
        submissions = store.submissions(period="2025-26 Q1")
        assert [(s.file_name, s.counts) for s in submissions] == [
            ("CYP Q1.xlsx", False),
            ("CYP Q1 corrected.xlsx", True),
        ]
        assert submissions[0].superseded_by == submissions[1].id
        assert [h.actual for h in store.history() if h.code == "CYP-05"] == [Decimal("530")]
    assert (workspace.state / first.destination).is_file(), "the superseded return stays in the archive"
    master = load_workbook(workspace.master(Q1), read_only=True)
    shown = [row for ws in master.worksheets for row in ws.iter_rows(values_only=True) if "CYP-05" in row]
    assert shown and all(505 not in row for row in shown)
    assert any(530 in row for row in shown), shown


# -- arrival ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["~$CYP Q1.xlsx", ".~lock.CYP Q1.xlsx#", ".hidden.xlsx"])
def test_temporary_and_hidden_files_are_ignored_and_stay_in_the_inbox(workspace, clean_return, name):
    workspace.drop(clean_return, name)

    report = workspace.run()

    assert report.outcomes == []
    assert report.ignored == [name]
    assert (workspace.inbox / name).is_file()
    with workspace.store() as store:
        assert store.files() == []


def test_a_folder_dropped_into_the_inbox_has_its_returns_read_and_stays(workspace, clean_return):
    (workspace.inbox / "from Ana" / "Q1").mkdir(parents=True)
    workspace.drop(clean_return, "from Ana/Q1/CYP Q1.xlsx")

    report = workspace.run()

    assert outcome(report, "CYP Q1.xlsx").verdict == "accepted"
    assert list((workspace.inbox / "from Ana" / "Q1").iterdir()) == [], "emptied, and kept for the next drop"


def test_a_folder_the_pipeline_cannot_read_is_named_with_what_to_check(workspace, clean_return, monkeypatch):
    (workspace.inbox / "North").mkdir()
    workspace.drop(clean_return, "North/CYP Q1.xlsx")
    scandir = os.scandir

    def shared_without_access(path):  # as a folder shared to the officers but not to the pipeline's user
        if Path(path).name == "North":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", shared_without_access)
    report = workspace.run()

    [left] = report.not_read
    assert left.name == "North" and "cannot be read" in left.why and "permissions" in left.why


def test_a_file_that_goes_between_reading_the_inbox_and_taking_it_in_is_passed_over(
    workspace, clean_return, monkeypatch
):
    import pipeline.intake.ingest as ingest

    workspace.drop(clean_return, "wrong one.xlsx")
    listed = ingest.arrivals

    def officer_deletes_it(*args, **kwargs):
        found = listed(*args, **kwargs)
        (workspace.inbox / "wrong one.xlsx").unlink()
        return found

    monkeypatch.setattr(ingest, "arrivals", officer_deletes_it)
    report = workspace.run()

    assert report.outcomes == []
    with workspace.store() as store:
        assert store.files() == []


def test_a_link_in_the_inbox_is_not_followed_but_left_there_and_reported(workspace, clean_return, tmp_path):
    outside = tmp_path / "elsewhere.xlsx"
    shutil.copyfile(clean_return, outside)
    (workspace.inbox / "CYP Q1.xlsx").symlink_to(outside)

    report = workspace.run()

    assert report.outcomes == [] and [n.name for n in report.not_read] == ["CYP Q1.xlsx"]
    assert (workspace.inbox / "CYP Q1.xlsx").is_symlink() and outside.is_file()


def test_the_console_names_what_is_not_read_and_what_is_still_copying(workspace, clean_return, tmp_path):
    import io

    from pipeline.cli.app import main

    (workspace.inbox / "link.xlsx").symlink_to(clean_return)
    out = io.StringIO()
    code = main(
        ["--config", str(workspace.root / "config.toml"), "-q", "run", "--received", "2025-07-16T10:00"], stdout=out
    )
    assert code == 1
    assert "NOT READ" in out.getvalue() and "link.xlsx" in out.getvalue()
    assert "Nothing new" not in out.getvalue()


def test_file_still_being_copied_waits_for_the_next_pass(tmp_path, register, return_templates, clean_return):
    patient = Workspace(
        tmp_path / "patient", register, return_templates, replace={"settle_seconds = 0": "settle_seconds = 30"}
    )
    arriving = patient.drop(clean_return, age=0)

    first = patient.run()

    assert first.outcomes == [] and first.waiting == ["CYP Q1 final.xlsx"]
    assert arriving.is_file()
    settled = time.time() - 60
    os.utime(arriving, (settled, settled))
    assert outcome(patient.run(), "CYP Q1 final.xlsx").verdict == "accepted"


def test_run_names_how_long_until_a_file_still_being_copied_is_taken(
    tmp_path, register, return_templates, clean_return
):
    import io

    from pipeline.cli.app import main

    patient = Workspace(
        tmp_path / "patient", register, return_templates, replace={"settle_seconds = 0": "settle_seconds = 30"}
    )
    arriving = patient.drop(clean_return, age=10)
    out = io.StringIO()
    code = main(["-q", "run", "--no-pdf", "--config", str(patient.root / "config.toml")], stdout=out)
    assert code == 0
    (line,) = [line for line in out.getvalue().splitlines() if line.startswith("WAITING")]
    seconds = int(line.split("it can be taken in ")[1].split(" s,")[0])
    assert 1 <= seconds <= 20  # 30 s to settle, 10 already gone (a slow machine takes a few more)
    assert line.endswith("by the next pass after that (`pipeline run --wait` waits for it)")
    assert arriving.is_file()


def test_run_wait_takes_in_a_file_once_it_has_settled(tmp_path, register, return_templates, clean_return):
    import io

    from pipeline.cli.app import main

    patient = Workspace(
        tmp_path / "patient", register, return_templates, replace={"settle_seconds = 0": "settle_seconds = 2"}
    )
    arriving = patient.drop(clean_return, age=0)
    out = io.StringIO()
    code = main(
        [
            "--config",
            str(patient.root / "config.toml"),
            "-q",
            "run",
            "--no-pdf",
            "--wait",
            "--received",
            "2025-07-16T10:00",
        ],
        stdout=out,
    )
    assert code == 0
    lines = out.getvalue().splitlines()
    assert any(line.startswith("WAITING") for line in lines)
    assert any(line.startswith("ACCEPTED") and "CYP Q1 final.xlsx" in line for line in lines)
    assert not arriving.exists()


def test_a_pass_with_nothing_new_does_nothing(workspace, clean_return):
    workspace.drop(clean_return)
    workspace.run()

    again = workspace.run()

    assert (again.outcomes, again.ignored, again.waiting) == ([], [], [])


# -- the command line ---------------------------------------------------------------------


@pytest.fixture
def pipeline_run(workspace):
    """`pipeline run --no-pdf` in-process on the workspace: (exit code, stdout, stderr)."""

    def run() -> tuple[int, str, str]:
        import io

        out, err = io.StringIO(), io.StringIO()
        code = main(["--config", str(workspace.config.source), "-q", "run", "--no-pdf"], stdout=out, stderr=err)
        return code, out.getvalue(), err.getvalue()

    return run


def test_cli_run_exits_0_when_every_return_is_accepted(workspace, clean_return, pipeline_run):
    workspace.drop(clean_return)

    code, out, err = pipeline_run()

    assert code == 0, out + err
    assert re.search(r"^ACCEPTED\s+CYP 2025-26 Q1\s+CYP Q1 final\.xlsx$", out, re.M), out
    assert "1 file(s): 1 accepted, 0 rejected, 0 duplicate." in out
    assert "Traceback" not in err


def test_cli_run_exits_1_naming_the_file_and_its_problems_when_a_return_is_rejected(
    workspace, clean_return, pipeline_run
):
    workspace.drop(clean_return)
    workspace.submit("SKL typo.xlsx", indicators={"CYP-05": {"actual": "twelve"}})

    code, out, err = pipeline_run()

    assert code == 1, out + err
    assert re.search(r"^REJECTED\s+CYP 2025-26 Q1\s+SKL typo\.xlsx$", out, re.M), out
    assert 'Indicators!J5: CYP-05: "twelve" is not a number.' in out
    assert "2 file(s): 1 accepted, 1 rejected, 0 duplicate." in out


def test_cli_run_gives_every_kind_of_junk_a_verdict_without_a_traceback(workspace, pipeline_run):
    junk = {
        "empty.xlsx": b"",
        "notes.xlsx": b"Q1 figures to follow\n",
        "picture.xlsx": b"\x89PNG\r\n\x1a\n" + bytes(64),
        "half.xlsx": b"PK\x03\x04" + bytes(100),
        "figures.csv": b"Code,Actual\nCYP-01,5\n",
    }
    for name, data in junk.items():
        (workspace.drafts / name).write_bytes(data)
        workspace.drop(workspace.drafts / name)

    code, out, err = pipeline_run()

    assert code == 1
    assert "Traceback" not in out + err and "internal error" not in err
    for name in junk:
        assert re.search(rf"^REJECTED\s+-\s+{re.escape(name)}$", out, re.M), out
    quarantined = [p for p in (workspace.state / "quarantine").iterdir() if not p.name.endswith(".reason.txt")]
    assert len(quarantined) == len(junk)
    assert all(Path(f"{p}.reason.txt").is_file() for p in quarantined)
    assert not any(workspace.inbox.iterdir())


def test_cli_run_with_an_empty_inbox_says_so(workspace, pipeline_run):
    code, out, _err = pipeline_run()

    assert (code, out) == (0, "Nothing new in the inbox.\n")


# -- never a crash: random spoiling -----------------------------------------------------------

INPUT_CELLS = st.sampled_from(
    [
        ("Indicators", "CYP-01", "Actual"),
        ("Indicators", "CYP-05", "Actual"),
        ("Indicators", "CYP-03", "Data quality"),
        ("Indicators", "CYP-04", "Commentary"),
        ("Actions", "CYP-A1", "Status"),
        ("Actions", "CYP-A2", "% complete"),
        ("Risks", "CYP-R1", "Likelihood (1-5)"),
        ("Risks", "CYP-R2", "Impact (1-5)"),
        ("Cover", None, None),
    ]
)
# Text a person can type: openpyxl refuses control characters, as Excel does.
TYPED = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
VALUES = st.one_of(
    st.none(),
    TYPED,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(),
    st.sampled_from(["1e999", "inf", "nan", "-0", "1,2,3", "=1/0", "#DIV/0!", "12.5 %", "(5)", "n/a", "1e-999"]),
)


def _put_anything(path: Path, where, value) -> None:
    sheet, key, label = where
    with editing(path) as book:
        try:
            ws = book[sheet]
            cell = ws["B7"] if key is None else ws.cell(row_of(ws, key), header_column(ws, label))
        except LookupError:
            return  # an earlier spoiler deleted the sheet or its header
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"


SPOILERS = st.one_of(
    st.tuples(st.just("cell"), INPUT_CELLS, VALUES),
    st.tuples(
        st.just("header"),
        st.sampled_from(["Indicators", "Actions", "Risks"]),
        st.sampled_from(["Code", "Actual", "Status", "Ref", "Likelihood (1-5)", "Commentary"]),
        TYPED,
    ),
    st.tuples(st.just("drop"), st.sampled_from(["Guidance", "Cover", "Indicators", "Actions", "Risks", "_meta"])),
    st.tuples(
        st.just("meta"),
        st.sampled_from(["template", "template_version", "partnership", "period"]),
        st.one_of(TYPED, st.sampled_from(["1e999", "inf", "-1", "2025-26 Q9", "CSP"])),
    ),
)


def _spoil(path: Path, spoiler) -> None:
    kind, *args = spoiler
    if kind == "cell":
        _put_anything(path, *args)
    elif kind == "header":
        sheet, label, new = args
        try:
            edit_header(path, sheet, label, new)
        except LookupError:
            pass  # an earlier spoiler removed the header already
    elif kind == "drop":
        with editing(path) as book:
            if args[0] in book.sheetnames and len(book.sheetnames) > 1:
                del book[args[0]]
    else:
        key, value = args
        with editing(path) as book:
            if "_meta" in book.sheetnames:
                ws = book["_meta"]
                for row in range(1, ws.max_row + 1):
                    if ws.cell(row, 1).value == key:
                        ws.cell(row, 2).value = value
                        ws.cell(row, 2).data_type = "s"


@functools.cache
def _demo_register():
    """Read once, outside the fixtures: hypothesis prints every fixture of a failing example."""
    return load_register(DEMO_REGISTER)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spoilers=st.lists(SPOILERS, min_size=1, max_size=3))
def test_any_spoiled_return_gets_a_verdict_and_the_pass_never_raises(return_templates, spoilers):
    with tempfile.TemporaryDirectory() as folder:
        workspace = Workspace(Path(folder), _demo_register(), return_templates)
        path = workspace.fill("spoiled.xlsx")
        for spoiler in spoilers:
            _spoil(path, spoiler)
        workspace.drop(path)

        with workspace.store() as store:
            report = run_pass(workspace.config, store, now=lambda: workspace.now)
            [record] = store.files()

        assert [o.name for o in report.outcomes] == ["spoiled.xlsx"]
        result = report.outcomes[0]
        assert result.verdict in ("accepted", "rejected")
        assert record.location == record.destination and (workspace.state / record.location).is_file()
        if result.verdict == "rejected":
            assert result.reason and any(f.severity == "error" for f in result.findings)
        for f in result.findings:
            assert (f.message and f.message[0].isupper()) or f.message.startswith(('"', "'")), f


# -- what the inbox's file system can throw at a pass ------------------------------------------


def test_a_file_name_that_is_not_utf8_is_taken_in_under_a_readable_name(workspace, clean_return):
    odd = os.fsencode(workspace.inbox) + b"/R\xe9turn CYP.xlsx"  # Latin-1 bytes from an old share
    shutil.copyfile(clean_return, odd)
    os.utime(odd, (time.time() - 3600,) * 2)

    [result] = workspace.run().outcomes

    assert result.verdict == "accepted"
    assert result.name == "R\ufffdturn CYP.xlsx"


def test_a_file_that_cannot_be_read_is_left_in_the_inbox_and_named_while_the_rest_go_on(
    workspace, clean_return, monkeypatch
):
    import pipeline.intake.ingest as ingest

    blocked = workspace.drop(clean_return, "locked.xlsx")
    workspace.drop(workspace.fill("fine.xlsx"))
    real = ingest._sha256

    def refusing(path):
        if path.name == "locked.xlsx":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(ingest, "_sha256", refusing)
    report = workspace.run()

    assert [o.name for o in report.outcomes] == ["fine.xlsx"]
    assert [(n.name, n.why.split(" (")[0]) for n in report.not_read] == [("locked.xlsx", "it cannot be read")]
    assert blocked.exists()


def test_an_inbox_on_another_file_system_is_copied_in_then_emptied(workspace, clean_return, monkeypatch):
    import errno

    import pipeline.intake.ingest as ingest

    dropped = workspace.drop(clean_return, "cyp.xlsx")
    real = os.replace

    def across_devices(source, target):
        if Path(source).parent == workspace.inbox:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real(source, target)

    monkeypatch.setattr(ingest.os, "replace", across_devices)
    [result] = workspace.run().outcomes

    assert result.verdict == "accepted"
    assert not dropped.exists()
    assert (workspace.state / result.destination).read_bytes() == clean_return.read_bytes()


def test_a_stray_file_put_in_incoming_by_hand_is_taken_in_not_a_crash(workspace, clean_return):
    incoming = workspace.state / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(clean_return, incoming / "put here by hand.xlsx")

    [result] = workspace.run().outcomes

    assert (result.name, result.verdict) == ("put here by hand.xlsx", "accepted")


def test_an_inbox_folder_that_does_not_exist_is_said_not_passed_over(workspace):
    shutil.rmtree(workspace.inbox)

    report = workspace.run()

    [missing] = report.not_read
    assert missing.name == str(workspace.inbox)
    assert missing.why.startswith("the inbox folder does not exist")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (.ci/run installs it)")
def test_percentages_typed_in_libreoffice_calc_are_read_from_an_ods_return_as_in_xlsx(workspace, tmp_path):

    draft = workspace.fill("cyp.xlsx")
    book = load_workbook(draft)
    ws = book["Indicators"]
    code_col = next(c.column for c in ws[1] if c.value == "Code")
    actual_col = next(c.column for c in ws[1] if c.value == "Actual")
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, code_col).value == "CYP-01")
    ws.cell(row, actual_col).value = 0.06  # 6% typed: kept as 0.06 in a percent-formatted cell
    ws.cell(row, actual_col).number_format = "0%"
    book.save(draft)
    workspace.drop(saved_by_libreoffice(draft, tmp_path))

    result = outcome(workspace.run(), "cyp.ods")

    assert result.verdict == "accepted", [f.line() for f in result.findings]
    assert not [f for f in result.findings if f.code == "ambiguous-number"]
    with workspace.store() as store:
        assert store.actuals()[("CYP-01", "2025-26 Q1")] == 6
