"""The safety screen on small files built here, one defect each, and on a few corpus files."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.domain.findings import ERROR
from pipeline.intake.screen.safety import Limits, screen

CORPUS = Path(__file__).parents[3] / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path(os.environ.get("PIPELINE_CORPUS", "/nonexistent"))
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="hostile corpus not found")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{extra}<sheets>'
    '<sheet name="Indicators" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>{extra}</Relationships>'
)
STYLES_REL = (
    '<Relationship Id="rId2" Target="styles.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/>'
)


def hand_made_xlsx(path: Path, cells: str, workbook_extra: str = "", extra_entries=(), styles: str = "") -> Path:
    """A minimal xlsx whose one sheet holds the given <sheetData> content (and the styles part, if given)."""
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(extra=workbook_extra))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(extra=STYLES_REL if styles else ""))
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if styles:
            archive.writestr("xl/styles.xml", styles)
        for name, data in extra_entries:
            archive.writestr(name, data)
    return path


def codes(screened) -> list[str]:
    return [f.code for f in screened.findings if f.severity == ERROR]


def test_a_workbook_saved_by_openpyxl_screens_clean_as_xlsx(tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = "Indicator"
    book.active["B2"] = 12.5
    book.save(tmp_path / "return.xlsx")
    screened = screen(tmp_path / "return.xlsx")
    assert (screened.kind, screened.findings) == ("xlsx", ())
    assert [s.name for s in screened.sheets] == ["Sheet"]


def test_an_empty_file_is_rejected_as_empty(tmp_path):
    (tmp_path / "return.xlsx").write_bytes(b"")
    screened = screen(tmp_path / "return.xlsx")
    assert codes(screened) == ["empty-file"]
    assert screened.findings[0].message == "This file is empty (0 bytes)."


def test_a_png_named_xlsx_is_not_a_spreadsheet(tmp_path):
    (tmp_path / "return.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    screened = screen(tmp_path / "return.xlsx")
    assert codes(screened) == ["not-a-spreadsheet"]
    assert "PNG image" in screened.findings[0].message


def test_a_web_page_named_xls_is_rejected_asking_for_xlsx(tmp_path):
    (tmp_path / "export.xls").write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    screened = screen(tmp_path / "export.xls")
    assert codes(screened) == ["not-a-spreadsheet"]
    assert "web page" in screened.findings[0].message and ".xlsx" in screened.findings[0].fix


def test_text_is_csv_only_when_named_csv(tmp_path):
    (tmp_path / "a.csv").write_text("Indicator,Actual\nCS01,12\n")
    (tmp_path / "a.xlsx").write_text("Indicator,Actual\nCS01,12\n")
    assert screen(tmp_path / "a.csv").kind == "csv"
    assert codes(screen(tmp_path / "a.xlsx")) == ["not-a-spreadsheet"]


def test_a_zip_that_is_not_an_office_file_is_not_a_spreadsheet(tmp_path):
    with zipfile.ZipFile(tmp_path / "return.xlsx", "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert codes(screen(tmp_path / "return.xlsx")) == ["not-a-spreadsheet"]


def test_a_zipped_up_return_is_named_with_the_advice_to_unzip_it(tmp_path):
    hand_made_xlsx(tmp_path / "CYP Q2.xlsx", "")
    with zipfile.ZipFile(tmp_path / "returns.zip", "w") as archive:
        archive.write(tmp_path / "CYP Q2.xlsx", "Returns/CYP Q2.xlsx")
    [rejection] = screen(tmp_path / "returns.zip").findings
    assert rejection.message == "This file is a zip archive holding 'CYP Q2.xlsx', not a spreadsheet."
    assert rejection.fix == "Unzip it and send the workbook itself."


@pytest.mark.parametrize("name", ["../../evil.txt", "/tmp/evil.txt", "..\\evil.txt", "xl/../../evil.txt"])
def test_entry_names_that_escape_the_folder_make_the_archive_unsafe(tmp_path, name):
    path = hand_made_xlsx(tmp_path / "return.xlsx", "", extra_entries=[(name, "x")])
    assert codes(screen(path)) == ["unsafe-archive"]


def test_two_entries_whose_names_differ_only_in_case_make_the_archive_unsafe(tmp_path):
    path = hand_made_xlsx(tmp_path / "return.xlsx", "", extra_entries=[("XL/Worksheets/Sheet1.xml", "<x/>")])
    screened = screen(path)
    assert codes(screened) == ["unsafe-archive"]
    assert "two parts" in screened.findings[0].message


def test_more_entries_than_the_cap_is_too_large_before_anything_is_inflated(tmp_path):
    path = hand_made_xlsx(tmp_path / "return.xlsx", "", extra_entries=[(f"junk/{i}.bin", "") for i in range(10)])
    assert codes(screen(path, Limits(max_entries=8))) == ["too-large"]


def test_a_part_that_inflates_hundreds_of_times_its_size_is_a_zip_bomb(tmp_path):
    path = hand_made_xlsx(tmp_path / "return.xlsx", "", extra_entries=[("xl/media/pad.bin", b"\0" * 3_000_000)])
    screened = screen(path)
    assert codes(screened) == ["too-large"]
    assert "zip bomb" in screened.findings[0].message


def test_total_inflated_size_is_capped(tmp_path):
    payload = os.urandom(300_000)  # incompressible: only the total cap can stop it
    path = hand_made_xlsx(tmp_path / "return.xlsx", "", extra_entries=[("xl/media/a.bin", payload)])
    assert codes(screen(path, Limits(max_total_uncompressed=200_000))) == ["too-large"]


@pytest.mark.parametrize("part", ["docProps/core.xml", "xl/worksheets/sheet1.xml"])
def test_a_doctype_in_any_xml_part_is_an_xml_attack(tmp_path, part):
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    if part.startswith("xl/"):
        path = tmp_path / "return.xlsx"
        hand_made_xlsx(path, "")
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "evil.xlsx", "w") as dst:
            for info in src.infolist():
                dst.writestr(info.filename, evil if info.filename == part else src.read(info))
        path = tmp_path / "evil.xlsx"
    else:
        path = hand_made_xlsx(tmp_path / "return.xlsx", "", extra_entries=[(part, evil)])
    assert codes(screen(path)) == ["xml-attack"]


def test_entities_declared_in_a_utf16_part_are_never_expanded(tmp_path):
    # In UTF-16 the bytes of "<!DOCTYPE" are not the ASCII ones a byte search looks for: the XML
    # parser of the package map refuses the declaration itself, before any entity is expanded.
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    evil = WORKBOOK.format(extra="").replace(
        '<?xml version="1.0"?>',
        f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE workbook [<!ENTITY l0 "ha">{laughs}]>',
    )
    evil = evil.replace("<sheets>", "<sheets>&l9;")
    path = tmp_path / "return.xlsx"
    hand_made_xlsx(path, "")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "evil.xlsx", "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, evil.encode("utf-16") if info.filename == "xl/workbook.xml" else src.read(info))
    assert codes(screen(tmp_path / "evil.xlsx")) == ["xml-attack"]


def test_each_error_cell_is_named_with_what_it_shows(tmp_path):
    cells = '<row r="2"><c r="B2"><v>1</v></c><c r="J14" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    screened = screen(hand_made_xlsx(tmp_path / "return.xlsx", cells))
    assert [(f.code, f.where, f.message) for f in screened.findings] == [
        ("formula-error", "Indicators!J14", "Indicators!J14 shows #DIV/0!.")
    ]
    assert screened.error_cells == (("Indicators", 13, 9, "#DIV/0!"),)
    assert screened.parseable  # a content problem: the workbook is still read for the feedback report


def test_a_formula_with_no_cached_value_is_reported_by_cell(tmp_path):
    cells = '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f></c><c r="C1" t="str"><f>""</f><v></v></c></row>'
    screened = screen(hand_made_xlsx(tmp_path / "return.xlsx", cells))
    assert [(f.code, f.cell) for f in screened.findings] == [("formulas-not-calculated", "B1")]


def test_formulas_cached_under_full_calc_on_load_are_stale(tmp_path):
    cells = '<row r="1"><c r="A1"><f>1+1</f><v>0</v></c></row>'
    path = hand_made_xlsx(tmp_path / "return.xlsx", cells, workbook_extra='<calcPr fullCalcOnLoad="1"/>')
    assert codes(screen(path)) == ["formulas-not-calculated"]


def test_a_cell_far_beyond_the_template_is_too_large_and_named(tmp_path):
    path = hand_made_xlsx(tmp_path / "return.xlsx", '<row r="1"><c r="A1"><v>1</v></c><c r="ZZ1"><v>2</v></c></row>')
    screened = screen(path)
    assert codes(screened) == ["too-large"]
    assert "ZZ1" in screened.findings[0].message


@pytest.mark.parametrize("ref", ["A" + "9" * 5000, "A" * 100_000 + "1"], ids=["5000-digit-row", "long-column"])
def test_a_cell_reference_longer_than_any_real_one_is_too_large_not_a_failed_screen(tmp_path, ref):
    # Python refuses to turn more than 4,300 digits into a number: the screen must not ask it to.
    path = hand_made_xlsx(tmp_path / "far.xlsx", f'<row r="1"><c r="{ref}"><v>1</v></c></row>')
    assert codes(screen(path)) == ["too-large"]


def test_text_longer_than_a_cell_can_hold_is_too_large(tmp_path):
    cells = f'<row r="1"><c r="A1" t="inlineStr"><is><t>{"x" * 40_000}</t></is></c></row>'
    assert codes(screen(hand_made_xlsx(tmp_path / "return.xlsx", cells))) == ["too-large"]


def test_cells_without_references_are_placed_where_excel_would_put_them(tmp_path):
    cells = '<row><c><v>1</v></c><c t="e"><v>#N/A</v></c></row>'
    screened = screen(hand_made_xlsx(tmp_path / "return.xlsx", cells))
    assert screened.error_cells == (("Indicators", 0, 1, "#N/A"),)


def test_formulas_saved_with_their_values_are_not_reported(tmp_path):
    cells = (
        '<row r="1"><c r="A1"><f t="shared" ref="A1:A3" si="0">B1*2</f><v>4</v></c>'
        '<c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><f t="shared" si="0"/><v>6</v></c></row>'
        '<row r="3"><c r="A3" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>'
    )
    screened = screen(hand_made_xlsx(tmp_path / "return.xlsx", cells))
    assert screened.findings == () and screened.kind == "xlsx"


def test_a_shared_formula_left_without_its_value_is_reported_by_cell(tmp_path):
    cells = (
        '<row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">1+1</f><v>2</v></c></row>'
        '<row r="2"><c r="A2"><f t="shared" si="0"/></c></row>'
    )
    screened = screen(hand_made_xlsx(tmp_path / "return.xlsx", cells))
    assert [(f.code, f.cell) for f in screened.findings] == [("formulas-not-calculated", "A2")]


# -- percent formats: what the parser drops, so that 12.5% typed in Excel reads as 12.5 --------


@pytest.mark.parametrize(
    "number_format, percent",
    [
        ("0.0%", True),
        ("0%", True),
        ("0.00%", True),
        ("0.0%;[Red]-0.0%", True),
        ('0.00" pts"', False),
        ("0.0\\%", False),
        ("General", False),
        ("0.0", False),
    ],
    ids=[
        "one-place",
        "built-in-0%",
        "built-in-0.00%",
        "red-negatives",
        "points-suffix",
        "escaped-percent-sign",
        "general",
        "one-place-number",
    ],
)
def test_cells_are_known_as_percent_formatted_only_when_their_format_scales_by_100(tmp_path, number_format, percent):
    book = openpyxl.Workbook()
    book.active.title = "Indicators"
    book.active["B2"] = 0.125
    book.active["B2"].number_format = number_format
    book.active["B3"] = 0.5
    book.save(tmp_path / "return.xlsx")
    screened = screen(tmp_path / "return.xlsx")
    assert screened.findings == ()
    assert screened.percent_cells == ((("Indicators", 1, 1),) if percent else ())


PERCENT_STYLES = (
    f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="9"/></cellXfs></styleSheet>'
)


def test_percent_formatted_cells_without_references_are_placed_where_excel_would_put_them(tmp_path):
    cells = '<row><c><v>1</v></c><c s="1"><v>0.5</v></c></row><row><c s="1"><v>0.25</v></c></row>'
    screened = screen(hand_made_xlsx(tmp_path / "return.xlsx", cells, styles=PERCENT_STYLES))
    assert screened.percent_cells == (("Indicators", 0, 1), ("Indicators", 1, 0))


def test_an_empty_cell_with_a_percent_format_is_not_noted(tmp_path):
    cells = '<row r="1"><c r="A1" s="1"/><c r="B1" s="1"><v>0.5</v></c><c r="C1" s="1"></c></row>'
    screened = screen(hand_made_xlsx(tmp_path / "return.xlsx", cells, styles=PERCENT_STYLES))
    assert screened.percent_cells == (("Indicators", 0, 1),)


def test_percent_formatted_cells_are_noted_up_to_the_cap_for_the_whole_workbook(tmp_path):
    cells = "".join(f'<row r="{r}"><c r="A{r}" s="1"><v>0.5</v></c></row>' for r in range(1, 101))
    path = hand_made_xlsx(tmp_path / "return.xlsx", cells, styles=PERCENT_STYLES)
    screened = screen(path, Limits(max_percent_cells=10))
    assert screened.findings == () and len(screened.percent_cells) == 10


def test_styles_past_the_cap_count_as_no_format_and_the_file_is_screened_as_usual(tmp_path):
    percent_style = '<xf numFmtId="9"/>'
    styles = f'<styleSheet xmlns="{MAIN}"><cellXfs>{percent_style * 50_000}</cellXfs></styleSheet>'
    cells = '<row r="1"><c r="A1" s="5"><v>0.5</v></c><c r="B1" s="40000"><v>0.5</v></c></row>'
    path = hand_made_xlsx(tmp_path / "return.xlsx", cells, styles=styles)
    screened = screen(path, Limits(max_cell_styles=1000))
    assert (screened.kind, screened.findings) == ("xlsx", ())
    assert screened.percent_cells == (("Indicators", 0, 0),)


def _patched(path: Path, old: bytes, new: bytes, count: int = 1) -> Path:
    data = path.read_bytes()
    assert data.count(old) >= count
    path.write_bytes(data.replace(old, new, count))
    return path


def test_a_part_whose_own_header_gives_another_name_is_refused_as_damaged(tmp_path):
    # The local header is the first copy of the name; the directory at the end keeps the real one.
    # Readers that trust one or the other would see different files.
    path = _patched(
        hand_made_xlsx(tmp_path / "return.xlsx", ""), b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheetX.xml"
    )
    assert codes(screen(path)) == ["corrupt"]


def test_a_part_that_unpacks_to_more_than_its_declared_size_is_refused_as_damaged(tmp_path):
    path = hand_made_xlsx(tmp_path / "return.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>')
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")

    def sizes(declared: int) -> bytes:  # CRC, packed size, declared size: in the local header and the directory
        return b"".join(n.to_bytes(4, "little") for n in (info.CRC, info.compress_size, declared))

    assert codes(screen(_patched(path, sizes(info.file_size), sizes(info.file_size - 1), count=2))) == ["corrupt"]


def test_a_part_cut_short_is_refused_as_damaged(tmp_path):
    path = hand_made_xlsx(tmp_path / "return.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>' * 50)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename)
    data[start + 5 : start + info.compress_size] = bytes(info.compress_size - 5)  # the deflated bytes wiped out
    path.write_bytes(bytes(data))
    assert codes(screen(path)) == ["corrupt"]


def test_a_stored_part_is_screened_like_a_deflated_one(tmp_path):
    deflated = hand_made_xlsx(tmp_path / "return.xlsx", '<row r="1"><c r="B1"><f>1/0</f></c></row>')
    path = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(deflated) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    assert [(f.code, f.cell) for f in screen(path).findings] == [("formulas-not-calculated", "B1")]


@needs_corpus
@pytest.mark.parametrize(
    "name, code",
    [
        ("poi-password.xls", "encrypted"),  # RC4 FILEPASS
        ("sheetjs-password_2002_40_xor.xls", "encrypted"),  # XOR FILEPASS
        ("poi-protected_passtika.xlsx", "encrypted"),  # OLE2 EncryptedPackage
        ("calamine-pass_protected.ods", "encrypted"),
        ("sheetjs-word_doc.doc", "not-a-spreadsheet"),
        ("sheetjs-CRLFX5_2.XLS", "old-format"),
        ("calamine-OOM_alloc3.xls", "corrupt"),
        ("gen-zip-bomb-1GB-sheet.xlsx", "too-large"),
        ("poi-poc-shared-strings.xlsx", "too-large"),
        ("gen-cell-at-XFD1048576.xlsx", "too-large"),
    ],
)
def test_corpus_files_are_rejected_before_any_parser_sees_them(name, code):
    assert codes(screen(CORPUS / name)) == [code]


@needs_corpus
def test_the_kind_comes_from_the_bytes_not_the_name():
    assert screen(CORPUS / "gen-xls-renamed.xlsx").kind == "xls"
    assert screen(CORPUS / "sheetjs-wtf_path.xlsx").kind == "xlsx"
    assert [s.name for s in screen(CORPUS / "sheetjs-wtf_path.xlsx").sheets] == ["SheetJS", "Hidden"]
