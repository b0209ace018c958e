"""The screen sees what the reader sees: worksheet XML is scanned with a real XML parser.

XML may quote attributes with ' as well as ", bind any namespace prefix, and put whitespace,
character references and inline strings where a byte search does not expect them. A return
written so must be screened exactly as the same return written the usual way: its error cells
named, its cells far outside any return refused.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from registers import run_cli
from spoil import cell_of

from pipeline import ooxml


def sheet_part(path: Path, sheet: str) -> str:
    """The zip entry that holds `sheet`'s XML."""
    with zipfile.ZipFile(path) as archive:
        main = ooxml.main_part(archive.read("_rels/.rels"))
        info = ooxml.workbook_info(archive.read(main), archive.read(ooxml.rels_path(main)), main)
    return next(s.part for s in info.sheets if s.name == sheet)


def rewrite_part(path: Path, part: str, change) -> Path:
    """The workbook with one part's XML passed through `change` (bytes -> bytes)."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info.filename, change(data) if info.filename == part else data)
    return path


def single_quoted(xml: bytes) -> bytes:
    """Every attribute quoted with ' instead of ", as some generators write them (valid XML)."""
    return re.sub(rb'(\s[\w:.-]+)\s*=\s*"([^"]*)"', lambda m: m.group(1) + b"='" + m.group(2).replace(b"'", b"&apos;")
                  + b"'", xml)


def with_cell(xml: bytes, ref: str, cell: str) -> bytes:
    """The sheet XML with the cell at `ref` replaced by `cell` (its row must exist)."""
    found = re.search(rb"<c r=['\"]%s['\"][^>]*?(?:/>|>.*?</c>)" % ref.encode(), xml, re.S)
    assert found, ref
    return xml[:found.start()] + cell.encode() + xml[found.end():]


def run(workspace) -> tuple[int, str]:
    code, out, _err = run_cli(["--config", str(workspace.config.source), "run", "--no-pdf",
                               "--received", "2025-07-10T09:30"])
    return code, out


def test_a_div0_cell_in_single_quoted_xml_is_named_and_the_return_rejected(workspace):
    # In a cell a return may leave blank, so that read as a blank the return would be accepted.
    path = workspace.fill("cyp.xlsx", indicators={"CYP-01": {"commentary": "On track."}})
    where = cell_of(path, "Indicators", "CYP-01", "Commentary")
    cell = f"<c r='{where}' t='e'><v>#DIV/0!</v></c>"  # pasted as a value: no formula left
    rewrite_part(path, sheet_part(path, "Indicators"), lambda xml: with_cell(single_quoted(xml), where, cell))
    workspace.drop(path)

    code, out = run(workspace)

    assert code == 1, out
    assert out.startswith("REJECTED")
    assert f"Indicators!{where} shows #DIV/0!." in out


def test_a_cell_at_row_300000_in_single_quoted_xml_is_refused_as_far_beyond_any_return(workspace):
    path = workspace.fill("cyp.xlsx")
    far = "<row r='300000'><c r='B300000'><v>7</v></c></row></sheetData>"
    rewrite_part(path, sheet_part(path, "Guidance"),
                 lambda xml: single_quoted(xml).replace(b"</sheetData>", far.encode()))
    workspace.drop(path)

    code, out = run(workspace)

    assert code == 1, out
    assert out.startswith("REJECTED")
    assert "a cell at B300000 is far beyond the template" in out
