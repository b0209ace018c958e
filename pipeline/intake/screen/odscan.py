"""Which cells of an OpenDocument spreadsheet hold a percentage, read from content.xml.

LibreOffice Calc keeps 12.5% typed in a cell as office:value="0.125" with
office:value-type="percentage", and python-calamine hands back the 0.125 alone, as it does for an
xlsx cell with a percent format (numformats). The screen notes those cells, so validation reads
the 12.5 the person sees, as for xlsx, instead of calling every one of them ambiguous.

content.xml is parsed with expat as it is inflated, as the xlsx sheets are; repeated rows and
columns (table:number-rows-repeated, a whole blank sheet in one element) are counted, never
expanded, and what is noted is capped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")


@dataclass
class OdsScan:
    """Feed content.xml in chunks; `cells` holds (sheet, row, col), 0-based, of percentage cells."""

    max_rows: int
    max_columns: int
    max_cells: int
    cells: list[tuple[str, int, int]] = field(default_factory=list)
    _sheet: str = ""
    _row: int = 0
    _rows_here: int = 1
    _col: int = 0
    _depth: int = 0  # tables inside a cell (rare) do not move the outer sheet's rows

    def __post_init__(self) -> None:
        self._parser = expat.ParserCreate(namespace_separator=" ")
        self._parser.buffer_text = True
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end

    def feed(self, chunk: bytes, final: bool = False) -> None:
        self._parser.Parse(chunk, final)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _TABLE + "table":
            self._depth += 1
            if self._depth == 1:
                self._sheet, self._row = attrs.get(_TABLE + "name", ""), 0
        elif self._depth != 1:
            return
        elif name == _TABLE + "table-row":
            self._rows_here, self._col = _count(attrs.get(_TABLE + "number-rows-repeated")), 0
        elif name in _CELLS:
            repeat = _count(attrs.get(_TABLE + "number-columns-repeated"))
            if attrs.get(_OFFICE + "value-type") == "percentage" and self._row < self.max_rows:
                last = min(self._col + repeat, self.max_columns)
                for col in range(self._col, last):
                    if len(self.cells) < self.max_cells:
                        self.cells.append((self._sheet, self._row, col))
            self._col += repeat

    def _end(self, name: str) -> None:
        if name == _TABLE + "table":
            self._depth -= 1
        elif name == _TABLE + "table-row" and self._depth == 1:
            self._row += self._rows_here


def _count(text: str | None) -> int:
    """A repeat count; anything odd counts once (the parser, not the screen, judges the file)."""
    try:
        return max(1, int(text)) if text else 1
    except ValueError:
        return 1
