"""What the demo makes opens in Microsoft Office without "unreadable content": each Word document (with
its native trend and SPC charts) and the master workbook pass openxml-audit, a Python port of the Open
XML SDK's validator (the schemas and the semantic checks Office applies). LibreOffice forgives much that
Word refuses, so converting to PDF alone would not show it. A chart spoiled out of schema order is caught."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openxml_audit import FileFormat, OpenXmlValidator

QUARTER = "2025-26-Q2"


@pytest.fixture(scope="module")
def validator() -> OpenXmlValidator:
    return OpenXmlValidator(file_format=FileFormat.MICROSOFT_365, max_errors=20)


def findings(validator: OpenXmlValidator, path: Path) -> list[str]:
    return [str(error) for error in validator.validate(str(path)).errors]


def test_every_demo_word_document_and_the_master_workbook_would_open_cleanly_in_office(demo_outbox, validator):
    made = sorted((demo_outbox / QUARTER).glob("*.docx")) + [demo_outbox / QUARTER / f"master-{QUARTER}.xlsx"]
    assert len(made) == 8  # five highlight reports, the board paper and its public version, the master workbook
    charts = sum(
        1
        for path in made
        for name in zipfile.ZipFile(path).namelist()
        if re.fullmatch(r"word/charts/chart\d+\.xml", name)
    )
    assert charts >= 20, "the highlight reports have their trend and SPC charts to check"
    assert {path.name: findings(validator, path) for path in made} == {path.name: [] for path in made}


def test_a_chart_out_of_schema_order_is_found(demo_outbox, validator, tmp_path):
    source = next((demo_outbox / QUARTER).glob("highlight-*.docx"))
    spoiled = tmp_path / source.name
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(spoiled, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "word/charts/chart1.xml":
                # The value axis's position before its delete flag: Word reports the file as damaged.
                data = data.replace(
                    b'<c:delete val="0"/><c:axPos val="l"/>', b'<c:axPos val="l"/><c:delete val="0"/>', 1
                )
                assert b'<c:axPos val="l"/><c:delete' in data
            new.writestr(item, data)
    assert findings(validator, spoiled)
    shutil.copyfile(source, tmp_path / "unspoiled.docx")
    assert findings(validator, tmp_path / "unspoiled.docx") == []
