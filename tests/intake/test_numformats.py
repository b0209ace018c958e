"""Which cell styles show a figure as a percentage: format codes as Excel writes them, styles
parts as writers lay them out, and the caps that keep a hostile one cheap."""

from __future__ import annotations

import pytest

from pipeline.intake.screen.numformats import PercentCells, StylesPart, percent_code, percent_styles

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def case(id_, *values):
    return pytest.param(*values, id=id_)


@pytest.mark.parametrize(
    "code, percent",
    [
        case("one_decimal_place", "0.0%", True),
        case("red_negatives_in_a_second_section", "0.0%;[Red]-0.0%", True),
        case("thousands_and_percent", "#,##0.00%", True),
        case("percent_after_quoted_text", '"Rate: "0%', True),
        case("points_suffix_in_quotes", '0.00" pts"', False),
        case("percent_sign_in_quotes", '0.0"%"', False),
        case("escaped_percent_sign", "0.0\\%", False),
        case("percent_sign_as_padding", "0_%", False),
        case("percent_sign_as_fill", "0*%", False),
        case("percent_sign_in_a_locale_bracket", "[$%-809]0.0", False),
        case("general", "General", False),
        case("date", "dd/mm/yyyy", False),
    ],
)
def test_a_format_code_is_a_percent_only_when_its_percent_sign_scales_the_figure(code, percent):
    assert percent_code(code) is percent


def styles_part(cell_xfs: str, num_fmts: str = "", extra: str = "", prefix: str = "") -> bytes:
    """A styles part as Excel lays it out: numFmts, then the cell style bases, cellXfs, dxfs."""
    p = f"{prefix}:" if prefix else ""
    xmlns = MAIN.replace("xmlns=", f"xmlns:{prefix}=") if prefix else MAIN
    formats = f"<{p}numFmts>{num_fmts}</{p}numFmts>" if num_fmts else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}styleSheet {xmlns}>{formats}'
        f'<{p}cellStyleXfs count="1"><{p}xf numFmtId="9"/></{p}cellStyleXfs>'
        f"<{p}cellXfs>{cell_xfs}</{p}cellXfs>{extra}</{p}styleSheet>"
    ).encode()


def test_built_in_percent_formats_and_custom_ones_are_found_by_style_index():
    xml = styles_part(
        '<xf numFmtId="0"/><xf numFmtId="9" applyNumberFormat="1"/><xf fontId="1" numFmtId="10">'
        '<alignment wrapText="1"/></xf><xf numFmtId="164"/><xf numFmtId="165"/><xf/>',
        '<numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="0.00&quot; pts&quot;"/>',
    )
    assert percent_styles(xml, 100) == {1, 2, 3}


def test_a_format_code_holding_a_greater_than_sign_is_read_whole():
    xml = styles_part('<xf numFmtId="0"/><xf numFmtId="164"/>', '<numFmt numFmtId="164" formatCode="[>=1]0.0%;0.00%"/>')
    assert percent_styles(xml, 100) == {1}


def test_formats_of_cell_style_bases_and_conditional_formats_are_not_cell_styles():
    dxfs = '<dxfs><dxf><numFmt numFmtId="166" formatCode="0%"/></dxf></dxfs>'
    xml = styles_part('<xf numFmtId="0"/><xf numFmtId="166"/>', extra=dxfs)
    assert percent_styles(xml, 100) == frozenset()


def test_a_namespace_prefix_on_every_tag_is_followed():
    xml = styles_part(
        '<x:xf numFmtId="0"/><x:xf numFmtId="164"/>', '<x:numFmt numFmtId="164" formatCode="0%"/>', prefix="x"
    )
    assert percent_styles(xml, 100) == {1}


def test_formats_and_styles_written_with_single_quotes_are_read():
    xml = styles_part(
        "<xf numFmtId='0'/><xf applyNumberFormat='1' numFmtId='164'/><xf numFmtId = '10'/><xf numFmtId=\"9\"/>",
        "<numFmt formatCode='0.0&#37;' numFmtId='164'/>",
    )
    assert percent_styles(xml, 100) == {1, 2, 3}


def test_a_workbook_without_any_percent_format_has_no_percent_style():
    xml = styles_part('<xf numFmtId="0"/><xf numFmtId="164"/>', '<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>')
    assert percent_styles(xml, 100) == frozenset()


def test_only_the_first_styles_up_to_the_cap_are_read():
    xml = styles_part('<xf numFmtId="9"/>' * 200_000)
    found = percent_styles(xml, 1000)
    assert found == frozenset(range(1000))


def test_a_styles_part_too_large_for_any_workbook_is_not_read(monkeypatch):
    monkeypatch.setattr("pipeline.intake.screen.numformats.MAX_STYLES_BYTES", 1000)
    part = StylesPart()
    for _ in range(10):
        part.feed(b'<xf numFmtId="9"/>' * 10)
    assert part.percent_styles(100) == frozenset() and sum(map(len, part.data)) <= 1000


def percent_cells(styles: frozenset[int], cells: bytes) -> set[tuple[int, int]]:
    """The %-formatted cells the screen's sheet scan notes in a sheet holding `cells`."""
    from pipeline.intake.screen.sheetscan import SheetScan

    scan = SheetScan(1000, 100, 32767, [], percents=PercentCells(styles, room=100))
    namespace = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    scan.feed(
        b'<worksheet xmlns="%s" xmlns:x="%s"><sheetData>%s</sheetData></worksheet>' % (namespace, namespace, cells),
        final=True,
    )
    return scan.percent_cells


def test_percent_cells_are_found_whatever_the_order_of_their_attributes():
    xml = (
        b'<row r="2"><c r="J2" s="3"><v>0.125</v></c><c s="3" t="n" r="K2"><v>0.5</v></c>'
        b'<c r="L2" s="4"><v>0.5</v></c><c r="M2" s="3"/><x:c r="N2" s="3"><x:v>1</x:v></x:c></row>'
    )
    assert percent_cells(frozenset({3}), xml) == {(1, 9), (1, 10), (1, 13)}


def test_many_percent_styles_are_looked_up_one_cell_at_a_time():
    xml = b'<row><c r="A1" s="10"><v>1</v></c><c r="B1" s="11"><v>1</v></c><c r="C1" s="998"><v>1</v></c></row>'
    assert percent_cells(frozenset(range(10, 1000, 2)), xml) == {(0, 0), (0, 2)}
