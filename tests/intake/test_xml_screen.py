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

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from registers import run_cli
from spoil import cell_of

from pipeline.intake.read.parsers import parse_spreadsheet
from pipeline.intake.screen import ooxml
from pipeline.intake.screen.safety import Limits, screen


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
    return re.sub(
        rb'(\s[\w:.-]+)\s*=\s*"([^"]*)"', lambda m: m.group(1) + b"='" + m.group(2).replace(b"'", b"&apos;") + b"'", xml
    )


def with_cell(xml: bytes, ref: str, cell: str) -> bytes:
    """The sheet XML with the cell at `ref` replaced by `cell` (its row must exist)."""
    found = re.search(rb"<c r=['\"]%s['\"][^>]*?(?:/>|>.*?</c>)" % ref.encode(), xml, re.S)
    assert found, ref
    return xml[: found.start()] + cell.encode() + xml[found.end() :]


def run(workspace) -> tuple[int, str]:
    code, out, _err = run_cli(
        ["--config", str(workspace.config.source), "run", "--no-pdf", "--received", "2025-07-10T09:30"]
    )
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
    rewrite_part(
        path, sheet_part(path, "Guidance"), lambda xml: single_quoted(xml).replace(b"</sheetData>", far.encode())
    )
    workspace.drop(path)

    code, out = run(workspace)

    assert code == 1, out
    assert out.startswith("REJECTED")
    assert "a cell at B300000 is far beyond the template" in out


# -- differential: the screen and the reader, on sheet XML written every way XML allows ----------

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
    f'<?xml version="1.0"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Indicators" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")
LIMITS = Limits()


def workbook_with(path: Path, sheet_xml: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def column_letters(col: int) -> str:
    return ooxml.a1(0, col - 1)[:-1]


@st.composite
def sheet_xml(draw) -> tuple[str, str]:
    """(the sheet's XML, the same XML with each error cell holding a distinct number instead): the
    second, read by the reader, shows where the reader puts each error cell."""
    quote = draw(st.sampled_from(["'", '"']))
    prefix = draw(st.sampled_from(["", "x:", "ss:"]))
    gap = st.sampled_from(["", " ", "\n  ", "\t"])  # between elements, and around '=' in attributes

    def text(value: str) -> str:
        """Text as XML allows it to be written: as is, escaped, or character by character as &#N;.
        Only in strings and formulas: the reader reads a number or an error written with a reference
        as a blank, where the screen sees the number or the error (see the test after this one)."""
        how = draw(st.sampled_from(["plain", "references", "hex"]))
        if how == "references":
            return "".join(f"&#{ord(ch)};" for ch in value)
        if how == "hex":
            return "".join(f"&#x{ord(ch):x};" for ch in value)
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(quote, "&apos;" if quote == "'" else "&quot;")

    def attrs(pairs: list[tuple[str, str]]) -> str:
        # Values as written: the reader takes attribute values raw (r='&#65;1' fails its read of
        # the sheet, so the file is refused as damaged whatever the screen saw).
        pairs = draw(st.permutations(pairs))
        return "".join(
            f" {draw(gap)}{name}{draw(gap)}={draw(gap)}{quote}{value}{quote}" for name, value in pairs
        ) + draw(gap)

    def tag(name: str) -> str:
        return prefix + name

    # Past the last row, or the last column, a return can have (not both: the reader would fill in
    # a range of a hundred thousand rows by three hundred columns).
    far = draw(st.sampled_from(["none", "none", "row", "column"]))
    far_row = st.integers(LIMITS.max_rows + 1, LIMITS.max_rows + 500) if far == "row" else st.nothing()
    far_col = st.integers(LIMITS.max_columns + 1, 300) if far == "column" else st.nothing()
    # Rows and cells go down and across, numbered or not, never two at one place: where two cells
    # share a place the reader keeps the later one, and the screen names an error in either.
    marker = 1_000_000
    plain, marked = [], []
    last_row = 0
    for _ in range(draw(st.integers(1, 6))):
        row_number = draw(st.one_of(st.none(), st.integers(last_row + 1, last_row + 5), far_row))
        last_row = row_number or last_row + 1
        cells = draw(st.integers(0, 4))
        row_attrs = attrs([("r", str(row_number))] if row_number else [])
        body, marked_body = [], []
        col = 0
        for _ in range(cells):
            col = draw(st.one_of(st.just(col + 1), st.integers(col + 1, col + 5), far_col)) if col < 300 else col + 1
            explicit = row_number is not None and draw(st.booleans())
            ref = [("r", f"{column_letters(col)}{row_number}")] if explicit else []
            kind = draw(st.sampled_from(["number", "error", "inline", "formula", "shared-formula"]))
            style = [("s", str(draw(st.integers(0, 3))))] if draw(st.booleans()) else []
            if kind == "error":
                error = draw(st.sampled_from(ERRORS))
                formula = f"<{tag('f')}>1/0</{tag('f')}>" if draw(st.booleans()) else ""
                body.append(
                    f"<{tag('c')}{attrs(ref + style + [('t', 'e')])}>{formula}"
                    f"<{tag('v')}>{error}</{tag('v')}></{tag('c')}>"
                )
                marker += 1
                marked_body.append(f"<{tag('c')}{attrs(ref + style)}><{tag('v')}>{marker}</{tag('v')}></{tag('c')}>")
                continue
            if kind == "number":
                cell = f"<{tag('c')}{attrs(ref + style)}><{tag('v')}>{col}</{tag('v')}></{tag('c')}>"
            elif kind == "inline":
                cell = (
                    f"<{tag('c')}{attrs(ref + style + [('t', 'inlineStr')])}><{tag('is')}><{tag('t')}>"
                    f"{text('a<b & c')}</{tag('t')}></{tag('is')}></{tag('c')}>"
                )
            elif kind == "formula":
                formula = text('"x"&"y"')
                cell = (
                    f"<{tag('c')}{attrs(ref + [('t', 'str')])}><{tag('f')}>{formula}"
                    f"</{tag('f')}><{tag('v')}>xy</{tag('v')}></{tag('c')}>"
                )
            else:
                cell = (
                    f"<{tag('c')}{attrs(ref)}><{tag('f')}{attrs([('t', 'shared'), ('si', '0')])}/>"
                    f"<{tag('v')}>2</{tag('v')}></{tag('c')}>"
                )
            body.append(cell)
            marked_body.append(cell)
        between = draw(gap)
        plain.append(f"<{tag('row')}{row_attrs}>{between.join(body)}</{tag('row')}>")
        marked.append(f"<{tag('row')}{row_attrs}>{between.join(marked_body)}</{tag('row')}>")
    namespace = f"xmlns:{prefix[:-1]}" if prefix else "xmlns"
    dimension = draw(st.sampled_from(["A1", "A1:B2", "A1:XFD1048576", "C3:D4"]))  # often a lie
    head = (
        f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<{tag('worksheet')} {namespace}={quote}"
        f"{MAIN}{quote}>{draw(gap)}<{tag('dimension')}{attrs([('ref', dimension)])}/><{tag('sheetData')}>"
    )
    tail = f"</{tag('sheetData')}>{draw(gap)}<{tag('pageMargins')}{attrs([('left', '0.7')])}/></{tag('worksheet')}>"
    between = draw(gap)
    return head + between.join(plain) + tail, head + between.join(marked) + tail


def read_by_the_reader(path: Path) -> dict[tuple[int, int], object]:
    parsed = parse_spreadsheet(path, "xlsx", {"Indicators": "worksheet"}, LIMITS.max_cells)
    assert not parsed.notes, parsed.notes
    return parsed.sheets[0].cells


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet_xml())
def test_the_screen_and_the_reader_agree_on_every_error_cell_and_on_the_extent(tmp_path_factory, xml):
    import python_calamine

    folder = tmp_path_factory.mktemp("sheet")
    with_errors, with_markers = xml
    path = workbook_with(folder / "errors.xlsx", with_errors)
    screened = screen(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        end = book.get_sheet_by_name("Indicators").end  # the last row and column the reader reads, 0-based
    except python_calamine.CalamineError:  # the reader refuses the sheet: the file is rejected as damaged
        parsed = parse_spreadsheet(path, "xlsx", {"Indicators": "worksheet"}, LIMITS.max_cells)
        assert [f.code for f in parsed.notes] == ["corrupt"]
        event("the reader refuses the sheet")
        return
    if end is not None and (end[0] >= LIMITS.max_rows or end[1] >= LIMITS.max_columns):
        assert [f.code for f in screened.findings] == ["too-large"], with_errors
        assert "far beyond the template" in screened.findings[0].message
        return
    assert "too-large" not in [f.code for f in screened.findings], with_errors
    markers = read_by_the_reader(workbook_with(folder / "markers.xlsx", with_markers))
    where_the_reader_puts_them = sorted(
        at for at, value in markers.items() if isinstance(value, float) and value > 1_000_000
    )
    assert sorted((row, col) for _, row, col, _ in screened.error_cells) == where_the_reader_puts_them, with_errors
    assert {text for *_, text in screened.error_cells} <= set(ERRORS)


def test_a_number_or_error_written_with_a_character_reference_is_seen_though_the_reader_reads_a_blank(tmp_path):
    # The reader takes the text of an error or a number raw, and a reference makes it a blank; the
    # screen decodes it, as XML means it: stricter than the reader, never blinder.
    def sheet(cells: str) -> Path:
        xml = f"<worksheet xmlns='{MAIN}'><sheetData><row r='1'>{cells}</row></sheetData></worksheet>"
        return workbook_with(tmp_path / "return.xlsx", xml)

    assert screen(sheet("<c r='A1' t='e'><v>&#35;DIV/0!</v></c>")).error_cells == (("Indicators", 0, 0, "#DIV/0!"),)
    assert [f.code for f in screen(sheet("<c r='GS1'><v>&#50;</v></c>")).findings] == ["too-large"]


def test_a_return_screened_again_in_the_same_process_gets_the_same_verdict(tmp_path):
    # The screen keeps what returns made from one template share (the package map, the percent
    # styles, where each cell reference is): a second return with the same parts is still
    # screened cell by cell, and a broken part is refused every time.
    def sheet(name: str, cells: str) -> Path:
        xml = f"<worksheet xmlns='{MAIN}'><sheetData><row r='1'>{cells}</row></sheetData></worksheet>"
        return workbook_with(tmp_path / name, xml)

    error = sheet("error.xlsx", "<c r='B1' t='e'><v>#N/A</v></c>")
    far = sheet("far.xlsx", "<c r='GS1'><v>2</v></c>")
    broken = sheet("broken.xlsx", "<c r='1B'><v>2</v></c>")
    for _ in range(2):
        assert screen(error).error_cells == (("Indicators", 0, 1, "#N/A"),)
        assert [f.code for f in screen(far).findings] == ["too-large"]
        assert [f.code for f in screen(broken).findings] == ["corrupt"]


def test_a_sheet_of_many_distinct_element_names_is_screened_and_leaves_little_behind(tmp_path):
    # The screen remembers each element name's meaning between returns; a hostile file writing
    # thousands of made-up names must neither hide a cell nor fill the reader's memory with them.
    from pipeline.intake.screen import sheetscan

    noise = "".join(f"<n{k}/>" for k in range(25_000))
    cell = "<row r='1'><c r='C1' t='e'><v>#REF!</v></c></row>"
    xml = f"<worksheet xmlns='{MAIN}'><sheetData>{noise}{cell}</sheetData></worksheet>"
    screened = screen(workbook_with(tmp_path / "names.xlsx", xml))

    assert screened.error_cells == (("Indicators", 0, 2, "#REF!"),)
    assert len(sheetscan._NAMES) <= sheetscan._MAX_NAMES
