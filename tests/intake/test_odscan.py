"""The screen's reading of percentage cells in an OpenDocument spreadsheet's content.xml."""

from __future__ import annotations

from pipeline.intake.screen.odscan import OdsScan

HEAD = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:spreadsheet>'
)
TAIL = "</office:spreadsheet></office:body></office:document-content>"
PCT = '<table:table-cell office:value-type="percentage" office:value="0.125"/>'
NUM = '<table:table-cell office:value-type="float" office:value="12"/>'


def _scan(tables: str, **caps) -> list[tuple[str, int, int]]:
    scan = OdsScan(caps.get("rows", 100), caps.get("columns", 50), caps.get("cells", 1000))
    text = (HEAD + tables + TAIL).encode()
    for n in range(0, len(text), 7):  # fed in small pieces, as the zip is inflated
        scan.feed(text[n : n + 7])
    scan.feed(b"", True)
    return scan.cells


def test_percentage_cells_are_found_by_sheet_row_and_column():
    tables = (
        f'<table:table table:name="Cover"><table:table-row>{NUM}</table:table-row></table:table>'
        f'<table:table table:name="Indicators"><table:table-row>{NUM}{NUM}</table:table-row>'
        f"<table:table-row>{NUM}{PCT}</table:table-row></table:table>"
    )
    assert _scan(tables) == [("Indicators", 1, 1)]


def test_repeated_rows_and_columns_are_counted_not_expanded():
    tables = (
        '<table:table table:name="S"><table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="3"/></table:table-row>'
        f'<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
        f"<table:covered-table-cell/>{PCT}</table:table-row></table:table>"
    )
    assert _scan(tables, rows=2_000_000) == [("S", 1_000_000, 3)]
    assert _scan(tables) == []  # beyond the rows a return can have


def test_what_is_noted_is_capped():
    many = '<table:table-cell office:value-type="percentage" table:number-columns-repeated="1000"/>'
    assert len(_scan(f'<table:table table:name="S"><table:table-row>{many}</table:table-row></table:table>')) == 50
    assert (
        len(_scan(f'<table:table table:name="S"><table:table-row>{many}</table:table-row></table:table>', cells=5)) == 5
    )
