"""Every file of the hostile corpus through the reading layer, checked against MANIFEST.tsv.

The corpus lives beside the project (../shared/corpus) or wherever PIPELINE_CORPUS
points. Each row's `expected` says what a correct reader does: `reject: <reason>`
(an error finding with the matching code), `read: ...` (a workbook with the
values, counted where the notes give a count) or `reject or read` (either, but
never a workbook that silently lost the values).
"""

from __future__ import annotations

import re

import pytest
from corpus import CORPUS, MANIFEST, REASONS

from pipeline.domain.findings import ERROR
from pipeline.intake.read.reader import ReaderPool
from pipeline.intake.screen.safety import CONTENT_CODES, Limits

if CORPUS is None:
    pytest.skip("hostile corpus not found (../shared/corpus or $PIPELINE_CORPUS)", allow_module_level=True)
ROWS = MANIFEST
# Values the notes promise, for rows where the manifest gives no 'all N values'.
COUNTS = {
    "-Return Q1 ‘draft’ (v2) é.xlsx": 48,
    "calamine-merged_range.xlsx": 31,
    "calamine-date_1904.xlsx": 6,
    "calamine-strict_iso_paths.xlsx": 1368,
    "poi-59746_NoRowNums.xlsx": 571,
    "poi-DataValidations-49244.xlsx": 138,
    "poi-sample.strict.xlsx": 29,
    "poi-testEXCEL_95.xls": 46,
    "sheetjs-rich_text_stress.xlsx": 28,
    "sheetjs-sheet_visibility.xlsx": 46,
    "sheetjs-חישוב_נקודות_זיכוי.xlsx": 109,
    "gen-formula-injection.xlsx": 33,
    "gen-formula-injection.csv": 33,
    "gen-xls-renamed.xlsx": 48,
    "gen-zip-slip.xlsx": 48,
    "calamine-covered.ods": 3,
    "pycal-base.ods": 10,
    "poi-SampleSS.ods": 15,
    "sheetjs-metadata_2019.xlsx": 35,
    "calamine-pivots.xlsx": 278,
    "sheetjs-wtf_path.xlsx": 31,
    "gen-utf8-bom.csv": 16,
}


def _promised_count(row: dict[str, str]) -> int | None:
    found = re.search(r"all ([\d,]+) values", row["expected"] + " " + row["notes"])
    if found:
        return int(found.group(1).replace(",", ""))
    return COUNTS.get(row["file"])


def _reject_codes(expected: str) -> set[str]:
    text = expected.lower()
    codes: set[str] = set()
    for wording, allowed in REASONS:
        if wording in text:
            codes |= allowed
    assert codes, f"no finding code is mapped to the manifest wording {expected!r}"
    return codes


@pytest.fixture(scope="module")
def pool():
    with ReaderPool(Limits(timeout_seconds=20)) as shared:
        yield shared


@pytest.fixture(scope="module")
def results(pool):
    return {row["file"]: pool.read(CORPUS / row["file"]) for row in ROWS}


def test_the_manifest_lists_every_file_in_the_corpus():
    listed = {row["file"] for row in ROWS}
    present = {
        p.name
        for p in CORPUS.iterdir()
        if p.is_file() and p.suffix.lower() in {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv", ".doc"}
    }
    assert listed == present


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus_file_gets_the_manifest_verdict(results, row):
    result = results[row["file"]]
    expected = row["expected"].lower()
    errors = {f.code for f in result.findings if f.severity == ERROR}
    for f in result.findings:
        assert f.message and f.message[0].isupper(), f"{row['file']}: message not for a person: {f!r}"
    either = expected.startswith(("reject or read", "reject or recompute")) or "or reject" in expected
    if either:
        if result.workbook is None:
            assert errors, f"{row['file']}: no workbook and no reason"
        else:
            _assert_values(row, result)
    elif expected.startswith("reject"):
        wanted = _reject_codes(expected)
        assert errors & wanted, f"{row['file']}: expected one of {wanted}, got {result.findings}"
    else:
        assert expected.startswith("read"), expected
        assert result.workbook is not None, f"{row['file']}: {result.findings}"
        # A read may still be rejected for what cells hold (an error cell, a formula
        # never calculated, nothing at all), but never for the file itself.
        assert errors <= CONTENT_CODES | {"no-data"}, f"{row['file']}: {result.findings}"
        _assert_values(row, result)


def _assert_values(row, result):
    cells = sum(len(sheet.cells) for sheet in result.workbook.sheets)
    promised = _promised_count(row)
    if promised is not None:
        assert cells == promised, f"{row['file']}: {cells} values, manifest says {promised}"


def test_no_returned_value_holds_the_contents_of_etc_passwd(results):
    for name, result in results.items():
        if result.workbook is None:
            continue
        for sheet in result.workbook.sheets:
            for value in sheet.cells.values():
                assert "root:x:0:0" not in str(value), name


def test_chart_and_macro_sheets_are_skipped_with_a_note(results):
    notes = results["sheetjs-BlankSheetTypes.xlsm"].workbook.notes
    skipped = {f.sheet for f in notes if f.code == "sheet-skipped"}
    assert skipped == {"Chart1", "Macro1", "Dialog1"}
    assert [s.name for s in results["sheetjs-BlankSheetTypes.xlsm"].workbook.sheets] == ["Sheet1"]


def test_each_error_cell_is_named_and_kept_as_an_error_value(results):
    result = results["calamine-errors.xlsx"]
    messages = [f.message for f in result.findings if f.code == "formula-error"]
    assert "Feuil1!A1 shows #DIV/0!." in messages
    assert str(result.workbook.sheet("feuil1").value(0, 0)) == "#DIV/0!"


def test_the_pool_survives_a_file_that_kills_the_parser(pool):
    # poi-Simple.xlsb panics inside calamine; the next file must still be read.
    assert pool.read(CORPUS / "poi-Simple.xlsb").rejected
    assert pool.read(CORPUS / "poi-1_NoIden.xlsx").workbook is not None


def test_a_rust_panic_in_the_reader_prints_nothing_on_the_console():
    # calamine's panic hook wrote "thread '<unnamed>' panicked at ..." to the terminal, past logging.
    import subprocess
    import sys

    script = (
        "from pathlib import Path; from pipeline.intake.read.reader import read_file; "
        f"print([f.code for f in read_file(Path({str(CORPUS / 'poi-Simple.xlsb')!r})).findings])"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "['reader-crashed']"
    assert "panicked" not in done.stderr
