"""The whole hostile corpus dropped into one inbox and taken through one `run_once`.

None of it is our template, so every file must end in quarantine exactly once with a
reason file, the run must finish, and where MANIFEST.tsv says why a file is to be
rejected, that reason (not just "this is not a return") must be among its findings.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from corpus import CORPUS, MANIFEST, REASONS
from spoil import Workspace

from pipeline.intake.ingest import is_temporary
from pipeline.runtime.cycle import run_once

if CORPUS is None:
    pytest.skip("hostile corpus not found (../shared/corpus or $PIPELINE_CORPUS)", allow_module_level=True)


def _wanted(expected: str) -> set[str]:
    text = expected.lower()
    codes = set().union(*(allowed for wording, allowed in REASONS if wording in text))
    assert codes, f"no finding code is mapped to the manifest wording {expected!r}"
    return codes


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory, register, return_templates):
    """Every file of the corpus copied into one inbox, then one run_once."""
    workspace = Workspace(tmp_path_factory.mktemp("corpus"), register, return_templates)
    names = sorted(p.name for p in CORPUS.iterdir() if p.is_file())
    for name in names:
        shutil.copyfile(CORPUS / name, workspace.inbox / name)
    report = run_once(workspace.config, pdf=False)
    with workspace.store() as store:
        files = store.files()
        findings = {f.id: store.findings_for(f.id) for f in files}
    return workspace, names, report, files, findings


def test_every_file_gets_exactly_one_verdict_and_none_is_accepted(corpus_run):
    _workspace, names, report, files, _ = corpus_run
    taken = [n for n in names if not is_temporary(n)]

    assert Counter(f.name for f in files) == Counter(taken), "one database row per file"
    assert Counter(o.name for o in report.ingest.outcomes) == Counter(taken)
    assert {f.verdict for f in files} == {"rejected"}
    assert all(f.reason for f in files)


def test_every_file_is_in_quarantine_once_with_a_reason_file(corpus_run):
    workspace, _, _, files, _ = corpus_run
    quarantine = workspace.state / "quarantine"
    held = [p for p in quarantine.iterdir() if not p.name.endswith(".reason.txt")]

    assert len(held) == len(files)
    for record in files:
        assert record.location == record.destination
        assert record.location.startswith("quarantine/") and record.location.endswith(record.name)
        path = workspace.state / record.location
        assert path.is_file(), record.name
        assert Path(f"{path}.reason.txt").read_text(encoding="utf-8").startswith(f"{record.name}: ")
    assert not (workspace.state / "archive").exists() or not any((workspace.state / "archive").rglob("*.*"))


def test_the_inbox_keeps_only_what_is_ignored(corpus_run):
    workspace, names, _report, _, _ = corpus_run

    assert sorted(p.name for p in workspace.inbox.iterdir()) == sorted(n for n in names if is_temporary(n))
    assert not any((workspace.state / "incoming").iterdir())


@pytest.mark.parametrize(
    "row", [r for r in MANIFEST if r["expected"].lower().startswith("reject:")], ids=lambda row: row["file"]
)
def test_manifest_reason_for_rejecting_is_among_the_findings(corpus_run, row):
    _, _, _, files, findings = corpus_run
    [record] = [f for f in files if f.name == row["file"]]
    codes = {f.code for f in findings[record.id] if f.severity == "error"}

    assert codes & _wanted(row["expected"]), f"{row['file']}: {record.reason} ({sorted(codes)})"


def test_hostile_file_name_is_kept_exactly_in_the_database_and_the_quarantine(corpus_run):
    workspace, _, _, files, _ = corpus_run
    [row] = [r for r in MANIFEST if "hostile file name" in r["case"]]
    name = row["file"]

    [record] = [f for f in files if f.name == name]
    assert record.name.encode("utf-8") == name.encode("utf-8")
    stored = workspace.state / record.destination
    assert stored.name.endswith(f"-{name}") and stored.is_file()
    assert (stored.parent / f"{stored.name}.reason.txt").is_file()
